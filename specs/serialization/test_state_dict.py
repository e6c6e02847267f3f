"""Saving and loading state dicts: the round trip, strict key matching, and what survives serialization."""

import io
import os
from pathlib import Path

import pytest
import torch
from torch import nn

from torchspecs.assertions import assert_aliased, assert_equal, assert_independent, assert_values_equal

PROCESS_MAPS = Path("/proc/self/maps")


def _round_trip(obj, **load_kwargs):
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    buffer.seek(0)
    return torch.load(buffer, **load_kwargs)


@pytest.mark.doc("notes/serialization")
@pytest.mark.claim("003.load-state-dict-from-torch-load", verdict="holds")
@pytest.mark.claim("003.save-state-dict-saves-current-weights", verdict="holds")
@pytest.mark.claim("001.save-and-load-state-dict", verdict="holds")
@pytest.mark.claim("003.save-state-dict-needs-the-model-code", verdict="holds")
def test_state_dict_round_trip_restores_values_in_memory_of_their_own():
    """torch.save(model.state_dict()) then load_state_dict(torch.load(...)) gives a second model equal values, not shared memory."""
    source, target = nn.Linear(3, 2), nn.Linear(3, 2)
    target.load_state_dict(_round_trip(source.state_dict()))
    assert_values_equal(target.weight.detach(), source.weight.detach())
    assert_values_equal(target.bias.detach(), source.bias.detach())
    assert_independent(target.weight.detach(), source.weight.detach())


@pytest.mark.doc("torch.nn.Module.state_dict")
@pytest.mark.claim("001.state-dict-shows-parameters", verdict="holds")
def test_state_dict_tensors_are_detached_aliases_of_the_parameters():
    """state_dict() maps names to the parameters' data: detached (no grad) but sharing their memory."""
    layer = nn.Linear(2, 2)
    weight = layer.state_dict()["weight"]
    assert_equal(weight.requires_grad, False, "requires_grad of a state_dict tensor")
    assert_aliased(layer.weight.detach(), weight)


@pytest.mark.doc("torch.nn.Module.state_dict")
def test_state_dict_carries_version_metadata():
    """state_dict() carries _metadata with each module's version under its prefix ('' for the module itself)."""
    # BatchNorm's version (2) differs from Sequential's (1), so each prefix must hold its own module's.
    metadata = nn.Sequential(nn.BatchNorm1d(2)).state_dict()._metadata
    assert_equal(set(metadata), {"", "0"}, "the _metadata prefixes")
    found = (metadata[""]["version"], metadata["0"]["version"])
    assert_equal(found, (nn.Sequential._version, nn.BatchNorm1d._version), "the (Sequential, BatchNorm1d) versions")


@pytest.mark.doc("torch.nn.Module.load_state_dict")
@pytest.mark.claim("001.load-state-dict-same-architecture", verdict="holds")
def test_strict_loading_names_missing_and_unexpected_keys():
    """load_state_dict raises, naming the missing and unexpected keys, when the state dict does not fit the model."""
    state = nn.Linear(2, 2).state_dict()
    state["extra"] = torch.zeros(1)
    del state["bias"]
    with pytest.raises(
        RuntimeError, match=r'(?s)Missing key\(s\) in state_dict: "bias".*Unexpected key\(s\) in state_dict: "extra"'
    ):
        nn.Linear(2, 2).load_state_dict(state)


@pytest.mark.doc("torch.nn.Module.load_state_dict")
def test_non_strict_loading_returns_the_missing_and_unexpected_keys():
    """load_state_dict(strict=False) loads what matches and returns the missing and unexpected keys."""
    state = nn.Linear(2, 2).state_dict()
    state["extra"] = torch.zeros(1)
    del state["bias"]
    target = nn.Linear(2, 2)
    result = target.load_state_dict(state, strict=False)
    assert_equal((result.missing_keys, result.unexpected_keys), (["bias"], ["extra"]), "(missing, unexpected)")
    assert_values_equal(target.weight.detach(), state["weight"])


@pytest.mark.doc("notes/serialization", "saving-and-loading-tensors-preserves-views")
def test_views_saved_together_still_share_storage_after_loading():
    """Tensors saved together keep their view relationships: a loaded view still writes through to the loaded base."""
    base = torch.arange(6.0)
    loaded = _round_trip({"base": base, "view": base[2:4]})
    assert_aliased(loaded["base"], loaded["view"])
    assert_values_equal(loaded["view"], torch.tensor([2.0, 3.0]))


@pytest.mark.doc("torch.load")
def test_map_location_puts_loaded_tensors_on_the_given_device():
    """torch.load(map_location=device) loads every tensor onto that device (here the data-free meta device)."""
    loaded = _round_trip({"weight": torch.ones(2)}, map_location="meta")
    assert_equal(loaded["weight"].device, torch.device("meta"), "the loaded tensor's device")


def _files_mapped_at(address: int) -> list[str]:
    """The files this process has mapped into memory at ``address``, from Linux's /proc/self/maps."""
    found = []
    for line in PROCESS_MAPS.read_text().splitlines():
        fields = line.split(maxsplit=5)
        start, end = (int(bound, 16) for bound in fields[0].split("-"))
        if start <= address < end and len(fields) == 6:
            found.append(fields[5])
    return found


@pytest.mark.doc("torch.load")
@pytest.mark.change("load-mmap", side="after")
@pytest.mark.skipif(not PROCESS_MAPS.exists(), reason="reads the memory mappings from /proc/self/maps (Linux)")
def test_load_with_mmap_reads_the_file_lazily_with_the_same_values(tmp_path):
    """torch.load(path, mmap=True) maps the file instead of reading it, and gives the same values."""
    path = tmp_path / "weights.pt"
    torch.save({"weight": torch.arange(4.0)}, path)
    loaded = torch.load(str(path), mmap=True)["weight"]
    assert_values_equal(loaded, torch.arange(4.0))
    assert_equal(_files_mapped_at(loaded.data_ptr()), [os.path.realpath(path)], "the file mapped where the tensor lies")


@pytest.mark.doc("torch.load")
@pytest.mark.change("load-mmap", side="before")
def test_load_takes_no_mmap_argument(tmp_path):
    """torch.load has no mmap argument."""
    path = tmp_path / "weights.pt"
    torch.save({"weight": torch.arange(4.0)}, path)
    with pytest.raises(TypeError, match="mmap"):
        torch.load(str(path), mmap=True)
