"""The serialization note: what torch.save writes (whole storages, one per storage shared, an uncompressed zip archive),
where torch.load puts what it reads, and what weights_only loading allows, says and lets the user change."""

import collections
import io
import mmap
import pickle
import re
import struct
import zipfile

import pytest
import torch
from torch import nn

from torchspecs.assertions import assert_equal, assert_independent, assert_values_equal


class Point:
    """A plain class of the user's: not on weights_only's default allow-list."""

    def __init__(self, x):
        self.x = x


POINT = f"{Point.__module__}.Point"
NO_WEIGHTS_ONLY_WARNINGS = (
    "ignore:Environment variable TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD:UserWarning",
    "ignore:You are using `torch.load` with `weights_only=False`:FutureWarning",
)


def _saved(obj, **save_kwargs) -> io.BytesIO:
    buffer = io.BytesIO()
    torch.save(obj, buffer, **save_kwargs)
    buffer.seek(0)
    return buffer


def _archive(buffer: io.BytesIO) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(buffer.getvalue()))


def _records(buffer: io.BytesIO) -> list[str]:
    """The archive's record names without their folder (``archive/data/0`` is ``data/0``)."""
    return [name.split("/", 1)[1] for name in _archive(buffer).namelist()]


def _is_zip(buffer: io.BytesIO) -> bool:
    return zipfile.is_zipfile(io.BytesIO(buffer.getvalue()))


def _storage_records(buffer: io.BytesIO) -> list[str]:
    return sorted(name for name in _records(buffer) if name.startswith("data/"))


def _refusal(obj) -> str:
    """The message of the UnpicklingError torch.load(weights_only=True) raises for ``obj``."""
    with pytest.raises(pickle.UnpicklingError) as refused:
        torch.load(_saved(obj), weights_only=True)
    return str(refused.value)


def _without_byteorder_record(buffer: io.BytesIO) -> io.BytesIO:
    """The archive rewritten without its byteorder record, as releases before 2.1 wrote it."""
    rewritten = io.BytesIO()
    source = _archive(buffer)
    with zipfile.ZipFile(rewritten, "w", zipfile.ZIP_STORED) as target:
        for name in source.namelist():
            if not name.endswith("/byteorder"):
                target.writestr(name, source.read(name))
    rewritten.seek(0)
    return rewritten


@pytest.mark.doc("notes/serialization", "saving-loading-tensors")
@pytest.mark.doc("torch.save")
def test_tensors_and_containers_of_tensors_round_trip_through_a_path_or_a_file_like_object(tmp_path):
    """torch.save writes to a path or a file-like object; torch.load gives back the tensor, or the tuple, list or dict."""
    torch.save(torch.tensor([1.0, -2.0]), tmp_path / "tensor.pt")
    assert_values_equal(torch.load(tmp_path / "tensor.pt"), torch.tensor([1.0, -2.0]))
    source = {"pair": (torch.tensor([3, 4]), torch.tensor([True])), "list": [torch.tensor([0.5])]}
    loaded = torch.load(_saved(source))
    assert_equal((type(loaded["pair"]), type(loaded["list"])), (tuple, list), "the loaded container types")
    assert_values_equal(loaded["pair"][0], torch.tensor([3, 4]))
    assert_equal(loaded["pair"][1].dtype, torch.bool, "the dtype of the loaded bool tensor")


@pytest.mark.doc("notes/serialization", "preserve-storage-sharing")
def test_a_tensor_and_its_view_are_saved_as_one_storage():
    """A tensor and a strided view of it saved together are written as one storage, and load still sharing it."""
    numbers = torch.arange(1, 10)
    buffer = _saved([numbers, numbers[1::2]])
    assert_equal(_storage_records(buffer), ["data/0"], "the storage records in the archive")
    loaded_numbers, loaded_evens = torch.load(buffer)
    loaded_evens *= 2
    assert_equal(loaded_numbers.tolist(), [1, 4, 3, 8, 5, 12, 7, 16, 9], "the loaded tensor after doubling the view")


@pytest.mark.doc("notes/serialization", "preserve-storage-sharing")
def test_saving_a_small_view_writes_and_loads_its_whole_storage():
    """Saving a one-element slice of a million-float tensor writes all 4 MB of its storage, and loads all of it."""
    large = torch.arange(1_000_000, dtype=torch.float32)
    buffer = _saved(large[7:8])
    assert_equal(len(buffer.getvalue()) > 4_000_000, True, "the file holds the 4 MB storage")
    loaded = torch.load(buffer)
    assert_values_equal(loaded, torch.tensor([7.0]))
    assert_equal(loaded.untyped_storage().nbytes(), 4_000_000, "the loaded storage's bytes")


@pytest.mark.doc("notes/serialization", "preserve-storage-sharing")
def test_cloning_before_saving_writes_only_the_views_elements_and_loses_the_sharing():
    """A clone of a small slice saves only its own elements; saved beside its base, it loads independent of it."""
    large = torch.arange(1, 1000)
    buffer = _saved(large[0:5].clone())
    assert_equal(len(buffer.getvalue()) < 4096, True, "the file is small")
    assert_equal(torch.load(buffer).untyped_storage().nbytes(), 5 * 8, "the loaded storage's bytes (5 int64s)")
    loaded_large, loaded_small = torch.load(_saved([large, large[0:5].clone()]))
    assert_independent(loaded_large, loaded_small)


@pytest.mark.doc("notes/serialization", "saving-loading-python-modules")
@pytest.mark.doc("torch.nn.Module.load_state_dict")
def test_a_state_dict_with_buffers_restores_a_fresh_module_through_save_and_load():
    """A BatchNorm's state dict holds its parameters and buffers; saved, loaded and restored, all keys match."""
    torch.manual_seed(0)
    trained = nn.BatchNorm1d(3, track_running_stats=True)
    trained(torch.randn(4, 3) * 2 + 1)
    state = trained.state_dict()
    assert_equal(
        list(state), ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"], "the state_dict keys"
    )
    fresh = nn.BatchNorm1d(3, track_running_stats=True)
    result = fresh.load_state_dict(torch.load(_saved(state)))
    assert_equal(repr(result), "<All keys matched successfully>", "what load_state_dict returns")
    assert_values_equal(fresh.running_mean, trained.running_mean)
    assert_equal(fresh.num_batches_tracked.item(), 1, "the restored num_batches_tracked")


@pytest.mark.doc("notes/serialization", "serialized-file-format")
@pytest.mark.doc("torch.save")
def test_save_writes_an_uncompressed_zip64_archive_of_the_pickle_each_storage_and_a_version():
    """torch.save writes an uncompressed ZIP64 archive with data.pkl, one data/N per storage and version;
    _use_new_zipfile_serialization=False writes the legacy format, which is no zip but loads."""
    buffer = _saved({"a": torch.ones(3), "b": torch.zeros(5, dtype=torch.float64)})
    assert_equal(_is_zip(buffer), True, "zipfile.is_zipfile of the saved file")
    assert_equal({"data.pkl", "version"} <= set(_records(buffer)), True, "data.pkl and version in the archive")
    assert_equal(_storage_records(buffer), ["data/0", "data/1"], "the storage records")
    assert_equal({info.compress_type for info in _archive(buffer).infolist()}, {zipfile.ZIP_STORED}, "compression")
    assert_equal(b"PK\x06\x06" in buffer.getvalue(), True, "a ZIP64 end of central directory record")
    legacy = _saved(torch.tensor([1.0, 2.0]), _use_new_zipfile_serialization=False)
    assert_equal(_is_zip(legacy), False, "zipfile.is_zipfile of the legacy file")
    assert_values_equal(torch.load(legacy), torch.tensor([1.0, 2.0]))


@pytest.mark.doc("notes/serialization", "serialized-file-format")
def test_save_aligns_each_storage_to_64_bytes():
    """torch.save pads each record's local header so that every storage's bytes start at a multiple of 64."""
    buffer = _saved([torch.ones(3), torch.zeros(5, dtype=torch.float64), torch.ones(7, dtype=torch.uint8)])
    raw = buffer.getvalue()
    offsets = {}
    for info in _archive(buffer).infolist():
        name_length, extra_length = struct.unpack("<HH", raw[info.header_offset + 26 : info.header_offset + 30])
        offsets[info.filename.split("/", 1)[1]] = info.header_offset + 30 + name_length + extra_length
    storages = {name: offset % 64 for name, offset in offsets.items() if name.startswith("data/")}
    assert_equal(storages, {"data/0": 0, "data/1": 0, "data/2": 0}, "each storage's offset modulo 64")


@pytest.mark.doc("torch.load")
def test_map_location_takes_a_device_a_mapping_of_locations_or_a_function():
    """map_location may be a torch.device, a dict from saved location to target, or a function of (storage, location)."""
    buffer = _saved({"w": torch.ones(2)})
    assert_equal(torch.load(buffer, map_location=torch.device("meta"))["w"].device.type, "meta", "torch.device")
    buffer.seek(0)
    assert_equal(torch.load(buffer, map_location={"cpu": "meta"})["w"].device.type, "meta", "a dict")
    buffer.seek(0)
    locations = []
    loaded = torch.load(buffer, map_location=lambda storage, location: (locations.append(location), storage)[1])
    assert_equal((locations, loaded["w"].device.type), (["cpu"], "cpu"), "(the locations seen, the device)")


@pytest.mark.doc("notes/serialization", "weights-only")
def test_weights_only_loads_tensors_primitives_containers_sizes_and_dtypes():
    """weights_only=True rebuilds tensors, Parameters, ints, floats, strings, bools, None, tuples, lists, dicts,
    OrderedDicts, torch.Size, torch.dtype and torch.layout, each with its type."""
    source = {
        "tensor": torch.tensor([-1, 2]),
        "parameter": nn.Parameter(torch.tensor([0.5])),
        "primitives": [3, -2.5, "text", True, None],
        "tuple": (1, (2,)),
        "ordered": collections.OrderedDict([("b", 1), ("a", 2)]),
        "size": torch.Size([2, 3]),
        "dtype": torch.float64,
        "layout": torch.strided,
    }
    loaded = torch.load(_saved(source), weights_only=True)
    assert_values_equal(loaded["tensor"], torch.tensor([-1, 2]))
    assert_equal(type(loaded["parameter"]), nn.Parameter, "the loaded Parameter's type")
    plain = {key: value for key, value in loaded.items() if key not in ("tensor", "parameter")}
    assert_equal(plain, {key: source[key] for key in plain}, "the loaded values")
    kinds = (type(loaded["ordered"]), type(loaded["size"]), list(loaded["ordered"]))
    assert_equal(kinds, (collections.OrderedDict, torch.Size, ["b", "a"]), "(OrderedDict, Size, key order)")


@pytest.mark.doc("notes/serialization", "weights-only")
def test_weights_only_refuses_a_class_of_the_users_and_names_it():
    """weights_only=True refuses an object of a class not on the allow-list: UnpicklingError naming module.Class."""
    message = _refusal({"w": torch.ones(1), "p": Point(3)})
    assert_equal("Weights only load failed" in message, True, "'Weights only load failed' in the message")
    assert_equal(POINT in message, True, f"{POINT} named in the message")


@pytest.mark.doc("notes/serialization", "weights-only")
@pytest.mark.change("weights-only-refusal-suggests-add-safe-globals", side="after")
def test_weights_only_refusal_suggests_add_safe_globals():
    """The weights_only refusal says the class is not an allowed global and suggests add_safe_globals([Class])."""
    message = _refusal({"p": Point(3)})
    assert_equal(f"GLOBAL {POINT} was not an allowed global by default" in message, True, "the unsupported global")
    suggestion = re.search(r"torch\.serialization\.add_safe_globals\(\[([\w.]+\.)?Point\]\)", message)
    assert_equal(suggestion is not None, True, "torch.serialization.add_safe_globals([Point]) suggested")


@pytest.mark.doc("notes/serialization", "weights-only")
@pytest.mark.change("weights-only-refusal-suggests-add-safe-globals", side="before")
def test_weights_only_refusal_gives_no_advice():
    """The weights_only refusal says only 'Unsupported class module.Class': it suggests no way to allow it."""
    message = _refusal({"p": Point(3)})
    assert_equal(f"Unsupported class {POINT}" in message, True, "'Unsupported class' and the class in the message")
    assert_equal("add_safe_globals" in message, False, "add_safe_globals suggested")


@pytest.mark.doc("notes/serialization", "weights-only")
@pytest.mark.change("weights-only-refusal-suggests-safe-globals", side="after")
def test_weights_only_refusal_suggests_the_safe_globals_context_manager():
    """The weights_only refusal also suggests the torch.serialization.safe_globals([Class]) context manager."""
    suggestion = r"torch\.serialization\.safe_globals\(\[([\w.]+\.)?Point\]\)` context manager"
    assert_equal(re.search(suggestion, _refusal({"p": Point(3)})) is not None, True, "safe_globals([Point]) suggested")


@pytest.mark.doc("notes/serialization", "weights-only")
@pytest.mark.torch_version(">=2.4")
@pytest.mark.change("weights-only-refusal-suggests-safe-globals", side="before")
def test_weights_only_refusal_suggests_add_safe_globals_alone():
    """The weights_only refusal suggests add_safe_globals, and not the safe_globals context manager."""
    context_manager = re.search(r"(?<!add_)safe_globals\(\[", _refusal({"p": Point(3)}))
    assert_equal(context_manager is not None, False, "the safe_globals context manager suggested")


@pytest.mark.doc("torch.serialization.safe_globals")
@pytest.mark.doc("torch.serialization.get_safe_globals")
@pytest.mark.change("safe-globals-context-manager", side="after")
def test_safe_globals_allows_a_class_only_inside_its_block():
    """safe_globals([cls]) puts cls on the allow-list for its block only: after it, loading refuses cls again."""
    payload = _saved({"p": Point(3)})
    with torch.serialization.safe_globals([Point]):
        assert_equal(Point in torch.serialization.get_safe_globals(), True, "Point allowed inside the block")
        assert_equal(torch.load(payload, weights_only=True)["p"].x, 3, "the attribute of the loaded Point")
    assert_equal(Point in torch.serialization.get_safe_globals(), False, "Point allowed after the block")
    assert_equal(POINT in _refusal({"p": Point(3)}), True, "Point refused after the block")


@pytest.mark.doc("torch.serialization.get_unsafe_globals_in_checkpoint")
@pytest.mark.change("get-unsafe-globals-in-checkpoint", side="after")
def test_get_unsafe_globals_in_checkpoint_lists_what_weights_only_would_refuse(tmp_path):
    """get_unsafe_globals_in_checkpoint(f) lists each global not allowed by default as 'module.name'; none for a state dict."""
    path = tmp_path / "checkpoint.pt"
    torch.save({"w": torch.ones(1), "p": Point(3)}, path)
    found = torch.serialization.get_unsafe_globals_in_checkpoint(path)
    assert_equal(found, [POINT], "the unsafe globals of a checkpoint holding a Point")
    torch.save(nn.Linear(2, 1).state_dict(), path)
    assert_equal(torch.serialization.get_unsafe_globals_in_checkpoint(path), [], "those of a state dict")


@pytest.mark.doc("notes/serialization", "weights-only")
def test_force_weights_only_environment_variable_overrides_weights_only_false(monkeypatch):
    """With TORCH_FORCE_WEIGHTS_ONLY_LOAD=1, torch.load(weights_only=False) still loads weights only: a module is refused."""
    payload = _saved(nn.Linear(2, 1))
    monkeypatch.setenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "1")
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        torch.load(payload, weights_only=False)


@pytest.mark.doc("notes/serialization", "weights-only")
@pytest.mark.filterwarnings(*NO_WEIGHTS_ONLY_WARNINGS)
def test_no_weights_only_environment_variable_changes_only_the_default(monkeypatch):
    """With TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1, torch.load without weights_only unpickles a module; weights_only=True still refuses."""
    monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
    assert_equal(type(torch.load(_saved(nn.Linear(2, 1)))), nn.Linear, "the type loaded without weights_only")
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        torch.load(_saved(nn.Linear(2, 1)), weights_only=True)


@pytest.mark.doc("notes/serialization", "weights-only")
@pytest.mark.change("weights-only-environment-variables-case-sensitive", side="before")
def test_force_weights_only_environment_variable_is_read_in_any_case(monkeypatch):
    """TORCH_FORCE_WEIGHTS_ONLY_LOAD=TRUE (upper case) forces weights_only, overriding weights_only=False."""
    payload = _saved(nn.Linear(2, 1))
    monkeypatch.setenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "TRUE")
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        torch.load(payload, weights_only=False)


@pytest.mark.doc("notes/serialization", "weights-only")
@pytest.mark.torch_version(">=2.6")
@pytest.mark.change("weights-only-environment-variables-case-sensitive", side="before")
def test_no_weights_only_environment_variable_is_read_in_any_case(monkeypatch):
    """TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=TRUE, in upper case, turns the weights_only default off, with a UserWarning."""
    monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "TRUE")
    with pytest.warns(UserWarning, match="Environment variable TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD detected"):
        loaded = torch.load(_saved(nn.Linear(2, 1)))
    assert_equal(type(loaded), nn.Linear, "the type loaded without weights_only")


@pytest.mark.doc("notes/serialization", "weights-only")
@pytest.mark.change("weights-only-environment-variables-case-sensitive", side="after")
def test_force_weights_only_environment_variable_ignores_upper_case(monkeypatch):
    """TORCH_FORCE_WEIGHTS_ONLY_LOAD=TRUE is ignored, weights_only=False unpickles a module; 'true' still forces it."""
    monkeypatch.setenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "TRUE")
    assert_equal(type(torch.load(_saved(nn.Linear(2, 1)), weights_only=False)), nn.Linear, "the type loaded")
    monkeypatch.setenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "true")
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        torch.load(_saved(nn.Linear(2, 1)), weights_only=False)


@pytest.mark.doc("notes/serialization", "weights-only")
@pytest.mark.change("weights-only-environment-variables-case-sensitive", side="after")
@pytest.mark.filterwarnings("ignore:Environment variable TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD:UserWarning")
def test_no_weights_only_environment_variable_ignores_upper_case(monkeypatch):
    """TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=TRUE is ignored: torch.load refuses a module; 'true' turns weights_only off."""
    monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "TRUE")
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        torch.load(_saved(nn.Linear(2, 1)))
    monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "true")
    assert_equal(type(torch.load(_saved(nn.Linear(2, 1)))), nn.Linear, "the type loaded without weights_only")


@pytest.mark.doc("notes/serialization", "weights-only")
def test_an_explicit_pickle_module_turns_weights_only_off_and_cannot_be_combined_with_it():
    """torch.load(f, pickle_module=pickle) unpickles a whole module; adding weights_only=True raises RuntimeError."""
    assert_equal(type(torch.load(_saved(nn.Linear(2, 1)), pickle_module=pickle)), nn.Linear, "the loaded type")
    with pytest.raises(RuntimeError, match="Can not safely load weights when explicit pickle_module is specified"):
        torch.load(_saved({"w": torch.ones(1)}), pickle_module=pickle, weights_only=True)


@pytest.mark.doc("notes/serialization", "layout-control")
@pytest.mark.change("load-mmap", side="after")
def test_a_tensor_loaded_with_mmap_is_a_private_copy_of_the_file(tmp_path):
    """Writing into a tensor loaded with mmap=True changes the tensor only: the file, mapped privately, is unchanged."""
    path = tmp_path / "weights.pt"
    torch.save({"w": torch.arange(4.0)}, path)
    mapped = torch.load(str(path), mmap=True)["w"]
    mapped.add_(10)
    assert_values_equal(mapped, torch.arange(10.0, 14.0))
    assert_values_equal(torch.load(path)["w"], torch.arange(4.0))


@pytest.mark.doc("torch.serialization.get_default_mmap_options")
@pytest.mark.change("default-mmap-options", side="after")
def test_default_mmap_options_are_map_private():
    """torch.serialization.get_default_mmap_options() is mmap.MAP_PRIVATE unless set otherwise."""
    assert_equal(torch.serialization.get_default_mmap_options(), mmap.MAP_PRIVATE, "the default mmap flags")


@pytest.mark.doc("torch.serialization.get_default_load_endianness")
@pytest.mark.doc("torch.serialization.set_default_load_endianness")
@pytest.mark.change("default-load-endianness", side="after")
def test_default_load_endianness_applies_to_files_without_a_byteorder_record():
    """The default load endianness is None (native); set to BIG, it byte-swaps a file without a byteorder record,
    while a file with one is read by its record."""
    assert_equal(torch.serialization.get_default_load_endianness(), None, "the default load endianness")
    values = torch.tensor([1.0, -2.0])
    with_record = _saved({"w": values})
    without_record = _without_byteorder_record(_saved({"w": values}))
    torch.serialization.set_default_load_endianness(torch.serialization.LoadEndianness.BIG)
    try:
        swapped = torch.load(without_record)["w"]
        kept = torch.load(with_record)["w"]
    finally:
        torch.serialization.set_default_load_endianness(None)
    assert_values_equal(swapped, torch.from_numpy(values.numpy().byteswap()))
    assert_values_equal(kept, values)


@pytest.mark.doc("torch.serialization.set_crc32_options")
@pytest.mark.doc("torch.serialization.get_crc32_options")
@pytest.mark.change("crc32-options", side="after")
def test_crc32_options_turn_the_archive_checksums_off():
    """torch.save computes each record's CRC-32 unless set_crc32_options(False); the file loads either way."""
    assert_equal(torch.serialization.get_crc32_options(), True, "the default crc32 option")
    checked = _saved({"w": torch.arange(4.0)})
    assert_equal(_archive(checked).testzip(), None, "the first record whose CRC-32 is wrong")
    torch.serialization.set_crc32_options(False)
    try:
        unchecked = _saved({"w": torch.arange(4.0)})
    finally:
        torch.serialization.set_crc32_options(True)
    assert_equal({info.CRC for info in _archive(unchecked).infolist()}, {0}, "the CRC-32 values written")
    assert_values_equal(torch.load(unchecked)["w"], torch.arange(4.0))


# The serialization switches and helpers added after 2.0, each with the change that added it.
LATER_SERIALIZATION_NAMES = [
    pytest.param(names, id=change, marks=pytest.mark.change(change, side="before"))
    for change, names in (
        ("default-load-endianness", ("get_default_load_endianness", "set_default_load_endianness")),
        ("default-mmap-options", ("get_default_mmap_options", "set_default_mmap_options")),
        ("crc32-options", ("get_crc32_options", "set_crc32_options")),
        ("get-unsafe-globals-in-checkpoint", ("get_unsafe_globals_in_checkpoint",)),
    )
]


@pytest.mark.doc("notes/serialization")
@pytest.mark.parametrize("names", LATER_SERIALIZATION_NAMES)
def test_torch_serialization_has_no_such_switch_yet(names):
    """torch.serialization has none of the switches and helpers a later release adds."""
    assert_equal([hasattr(torch.serialization, name) for name in names], [False] * len(names), f"hasattr for {names}")
