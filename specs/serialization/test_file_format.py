"""What torch.save writes and how torch.load reads it: the records of the zip archive, dtypes, skip_data, file names."""

import importlib.util
import io
import zipfile

import pytest
import torch

from torchspecs.assertions import assert_equal, assert_values_equal


def _saved(obj) -> io.BytesIO:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    buffer.seek(0)
    return buffer


def _records(buffer: io.BytesIO) -> set[str]:
    """The archive's record names without their folder (``archive/byteorder`` is ``byteorder``)."""
    return {name.split("/", 1)[1] for name in zipfile.ZipFile(io.BytesIO(buffer.getvalue())).namelist()}


@pytest.mark.doc("torch.save")
@pytest.mark.change("save-byteorder-record", side="after")
def test_save_records_the_byte_order():
    """torch.save writes a byteorder record into the archive, which torch.load uses to byteswap on other machines."""
    buffer = _saved({"w": torch.ones(2)})
    assert_equal("byteorder" in _records(buffer), True, "a byteorder record in the archive")
    assert_equal(zipfile.ZipFile(buffer).read("archive/byteorder"), b"little", "the byteorder record here")


@pytest.mark.doc("torch.save")
@pytest.mark.change("save-byteorder-record", side="before")
def test_save_records_no_byte_order():
    """torch.save writes no byteorder record: the archive holds the pickle, the storages and the version."""
    assert_equal("byteorder" in _records(_saved({"w": torch.ones(2)})), False, "a byteorder record in the archive")


@pytest.mark.doc("torch.save")
@pytest.mark.change("save-format-version-records", side="after")
def test_save_records_the_format_version_and_storage_alignment():
    """torch.save writes .format_version ('1') and .storage_alignment ('64') records, so a load can find each storage."""
    buffer = _saved({"w": torch.ones(2)})
    archive = zipfile.ZipFile(buffer)
    found = (archive.read("archive/.format_version"), archive.read("archive/.storage_alignment"))
    assert_equal(found, (b"1", b"64"), "the .format_version and .storage_alignment records")


@pytest.mark.doc("torch.save")
@pytest.mark.change("save-format-version-records", side="before")
def test_save_records_no_format_version():
    """torch.save writes no .format_version or .storage_alignment record."""
    found = _records(_saved({"w": torch.ones(2)})) & {".format_version", ".storage_alignment"}
    assert_equal(found, set(), "format records in the archive")


@pytest.mark.doc("torch.save")
@pytest.mark.change("wide-unsigned-int-dtypes", side="after")
@pytest.mark.change("save-wide-unsigned-ints", side="after")
def test_save_round_trips_a_uint16_tensor():
    """torch.save and torch.load round-trip a torch.uint16 tensor with its dtype and values."""
    source = torch.tensor([1, 65535]).to(torch.uint16)
    loaded = torch.load(_saved({"w": source}))["w"]
    assert_equal(loaded.dtype, torch.uint16, "the loaded dtype")
    assert_values_equal(loaded.to(torch.int64), torch.tensor([1, 65535]))


@pytest.mark.doc("torch.save")
@pytest.mark.change("wide-unsigned-int-dtypes", side="after")
@pytest.mark.change("save-wide-unsigned-ints", side="before")
def test_save_refuses_a_uint16_tensor():
    """torch.save of a torch.uint16 tensor fails: its dtype is not recognized by the serializer."""
    with pytest.raises(KeyError, match="not recognized"):
        torch.save({"w": torch.tensor([1]).to(torch.uint16)}, io.BytesIO())


@pytest.mark.doc("torch.serialization.skip_data")
@pytest.mark.change("serialization-skip-data", side="after")
def test_skip_data_saves_the_structure_without_the_tensor_bytes():
    """Inside torch.serialization.skip_data, torch.save writes every record but no tensor data: the values do not load."""
    source = torch.arange(1.0, 9.0)
    buffer = io.BytesIO()
    with torch.serialization.skip_data():
        torch.save({"w": source}, buffer)
    buffer.seek(0)
    loaded = torch.load(buffer)["w"]
    assert_equal((loaded.shape, loaded.dtype), (source.shape, source.dtype), "the loaded shape and dtype")
    assert_equal(torch.equal(loaded, source), False, "the loaded values equal the saved ones")


@pytest.mark.doc("torch.serialization.skip_data")
@pytest.mark.change("serialization-skip-data", side="before")
def test_serialization_has_no_skip_data():
    """torch.serialization has no skip_data: torch.save always writes the tensors' bytes."""
    assert_equal(hasattr(torch.serialization, "skip_data"), False, "hasattr(torch.serialization, 'skip_data')")


@pytest.mark.doc("torch.serialization.skip_data")
@pytest.mark.change("serialization-skip-data", side="after")
@pytest.mark.change("skip-data-load", side="after")
def test_load_inside_skip_data_reads_shapes_without_data():
    """torch.load inside torch.serialization.skip_data rebuilds each tensor's shape and dtype without reading its bytes."""
    with torch.serialization.skip_data():
        loaded = torch.load(_saved({"w": torch.ones(3, 2, dtype=torch.float64)}))["w"]
    assert_equal((loaded.shape, loaded.dtype), (torch.Size([3, 2]), torch.float64), "the loaded shape and dtype")


@pytest.mark.doc("torch.serialization.skip_data")
@pytest.mark.change("serialization-skip-data", side="after")
@pytest.mark.change("skip-data-load", side="before")
def test_load_inside_skip_data_is_refused():
    """torch.load inside torch.serialization.skip_data raises RuntimeError: only saving is supported there."""
    buffer = _saved({"w": torch.ones(2)})
    with torch.serialization.skip_data(), pytest.raises(RuntimeError, match="is not supported yet"):
        torch.load(buffer)


def _safetensors_refusal() -> tuple[type[Exception], str]:
    """How torch.load refuses a pickle archive named .safetensors: without the package it says the package is missing;
    with it, the package's parser refuses the archive."""
    if importlib.util.find_spec("safetensors") is None:
        return RuntimeError, "safetensors is not installed"
    from safetensors import SafetensorError

    return SafetensorError, "Error while deserializing header"


@pytest.mark.doc("torch.load")
@pytest.mark.change("load-safetensors-by-extension", side="after")
def test_load_hands_a_safetensors_path_to_the_safetensors_package(tmp_path):
    """torch.load of a path ending in .safetensors does not unpickle it: the safetensors package reads it, or its absence is reported."""
    path = tmp_path / "weights.safetensors"
    torch.save({"w": torch.ones(2)}, path)
    category, message = _safetensors_refusal()
    with pytest.raises(category, match=message):
        torch.load(path)


@pytest.mark.doc("torch.load")
@pytest.mark.change("load-safetensors-by-extension", side="before")
def test_load_unpickles_a_file_whatever_its_extension(tmp_path):
    """torch.load reads a file torch.save wrote whatever its name, .safetensors included."""
    path = tmp_path / "weights.safetensors"
    torch.save({"w": torch.ones(2)}, path)
    assert_values_equal(torch.load(path)["w"], torch.ones(2))


@pytest.mark.doc("torch.save")
@pytest.mark.claim("003.save-uses-pt-extension", verdict="wrong")
@pytest.mark.parametrize("name", ["model", "weights.bin", "checkpoint.pth"])
def test_save_writes_exactly_the_file_name_it_is_given(tmp_path, name):
    """torch.save adds no extension: it writes the path it is given; '.pt' and '.pth' are only conventions."""
    torch.save({"weight": torch.arange(3)}, tmp_path / name)
    assert_equal(sorted(path.name for path in tmp_path.iterdir()), [name], "the files torch.save wrote")
    assert_values_equal(torch.load(tmp_path / name)["weight"], torch.arange(3))
