"""--device values: present devices are selected, 'accelerator' as the one present; unknown or absent ones are refused
with the reason."""

import re

import pytest
import torch

from torchspecs.devices import (
    DeviceSelectionError,
    accelerator_type,
    device_present,
    present_device_types,
    select_devices,
    selected_accelerator,
)


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


@pytest.fixture
def cuda_present(cpu_only, monkeypatch):
    """A machine whose accelerator is one CUDA device, whichever way torch is asked."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    if hasattr(torch, "accelerator"):
        monkeypatch.setattr(torch.accelerator, "is_available", lambda: True)
        monkeypatch.setattr(torch.accelerator, "current_accelerator", lambda *args, **kwargs: torch.device("cuda"))


def test_accelerator_names_the_accelerator_present(cuda_present):
    assert select_devices("cpu,accelerator") == [torch.device("cpu"), torch.device("cuda")]
    assert select_devices("accelerator:0") == [torch.device("cuda:0")]


def test_accelerator_and_its_own_name_select_it_once(cuda_present):
    assert select_devices("accelerator,cuda") == [torch.device("cuda")]


def test_accelerator_before_the_namespace_is_the_first_present_of_cuda_xpu_mps(cpu_only, monkeypatch):
    monkeypatch.delattr(torch, "accelerator", raising=False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert accelerator_type() == "mps"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert accelerator_type() == "cuda"


def test_absent_accelerator_is_refused_with_the_reason(cpu_only):
    reason = "torch.accelerator.is_available" if hasattr(torch, "accelerator") else "none of cuda, xpu, mps"
    with pytest.raises(
        DeviceSelectionError,
        match=rf"'accelerator' was asked for but no accelerator is present here: "
        rf"{re.escape(reason)}.*Present: cpu",
    ):
        select_devices("cpu,accelerator")


def test_accelerator_index_beyond_the_count_is_refused(cuda_present):
    with pytest.raises(DeviceSelectionError, match=r"'cuda:2' was asked for but only 1 cuda device"):
        select_devices("accelerator:2")


def test_selected_accelerator_is_the_first_device_not_cpu_or_meta():
    assert selected_accelerator([torch.device("cpu"), torch.device("meta")]) is None
    assert selected_accelerator([torch.device("cpu"), torch.device("cuda:1")]) == torch.device("cuda:1")


def test_device_present_answers_for_any_accelerator(cpu_only, monkeypatch):
    assert (device_present("cpu"), device_present("accelerator")) == (True, False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert (device_present("mps"), device_present("accelerator")) == (True, True)


def test_an_absent_accelerator_is_a_usage_error(project, cpu_only):
    """--device=accelerator on a machine without one stops the run (exit code 4) with the reason, not a silent skip."""
    result = project.runpytest("--device=cpu,accelerator")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*'accelerator' was asked for but no accelerator is present here*"])


SPEC_ON_THE_ACCELERATOR = """
import pytest
import torch


@pytest.mark.doc("tensors")
@pytest.mark.needs_device("accelerator")
def test_on_the_accelerator(accelerator):
    \"\"\"Runs on the accelerator selected.\"\"\"
    assert accelerator == torch.device("cuda")
"""


def test_a_spec_needing_an_accelerator_skips_with_the_reason_where_none_is_present(project, cpu_only):
    (project.path / "specs" / "test_example.py").write_text(SPEC_ON_THE_ACCELERATOR)
    result = project.runpytest("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*needs an accelerator: not present (present: cpu)*"])


def test_a_spec_needing_an_accelerator_gets_the_one_selected(project, monkeypatch):
    monkeypatch.setattr("torchspecs.plugin.present_device_types", lambda: ["cpu", "cuda"])
    monkeypatch.setattr("torchspecs.plugin.select_devices", lambda option: [torch.device("cpu"), torch.device("cuda")])
    (project.path / "specs" / "test_example.py").write_text(SPEC_ON_THE_ACCELERATOR)
    project.runpytest().assert_outcomes(passed=1)
    monkeypatch.setattr("torchspecs.plugin.select_devices", lambda option: [torch.device("cpu")])
    result = project.runpytest("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*needs an accelerator: not selected with --device*"])
