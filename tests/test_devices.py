"""--device values: present devices are selected; unknown or absent ones are refused with the reason."""

import pytest
import torch

from torchspecs.devices import DeviceSelectionError, present_device_types, select_devices


@pytest.fixture
def cpu_only(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    if hasattr(torch, "accelerator"):
        monkeypatch.setattr(torch.accelerator, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


def test_cpu_is_always_present():
    assert present_device_types()[0] == "cpu"


@pytest.mark.parametrize("option", [None, "all", " all "])
def test_default_selects_every_present_device(option, cpu_only):
    assert select_devices(option) == [torch.device("cpu")]


def test_explicit_list_is_deduplicated_in_order(cpu_only):
    assert select_devices("cpu, cpu") == [torch.device("cpu")]


def test_misspelled_device_is_refused(cpu_only):
    with pytest.raises(DeviceSelectionError, match=r"'cdua' is not a torch device"):
        select_devices("cpu,cdua")


def test_absent_device_is_refused_with_the_reason(cpu_only):
    with pytest.raises(
        DeviceSelectionError,
        match=r"'cuda' was asked for but is not present here: torch.cuda.is_available\(\) is False",
    ):
        select_devices("cuda")


def test_empty_entry_is_refused(cpu_only):
    with pytest.raises(DeviceSelectionError, match="empty entry"):
        select_devices("cpu,")


def test_device_index_beyond_the_count_is_refused(cpu_only, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert select_devices("cuda:0") == [torch.device("cuda:0")]
    with pytest.raises(DeviceSelectionError, match=r"only 1 cuda device"):
        select_devices("cuda:3")
