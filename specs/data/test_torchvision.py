"""torchvision, the optional vision package: what its transforms do to an image, and what its MNIST dataset reads,
downloads and calls its old attribute names.  The MNIST specs build a tiny dataset of idx files in a temporary
folder, so nothing is downloaded."""

import importlib
import struct
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from torchspecs.assertions import assert_close, assert_dtype, assert_equal, assert_shape, assert_values_equal

try:
    torchvision = pytest.importorskip(
        "torchvision", reason="torchvision is not installed: pip install torchspecs[vision]"
    )
except RuntimeError as error:
    pytest.skip(
        f"torchvision is installed but does not load with this torch build ({error}): install the build made for it",
        allow_module_level=True,
    )

from PIL import Image  # pillow comes with torchvision

# A 2x3 RGB image (height 2, width 3): 0 and 255 both occur, and no two channels agree.
PIXELS = np.array(
    [[[0, 255, 10], [20, 30, 40], [50, 60, 70]], [[80, 90, 100], [110, 120, 130], [140, 150, 255]]], dtype=np.uint8
)
# The split each MNIST file name holds in the fake dataset, and its images (numbered so the splits differ).
SPLITS = {"train": (3, 0), "t10k": (2, 100)}
RAW_FILES = [
    f"{split}-{kind}-idx{3 if kind == 'images' else 1}-ubyte" for split in SPLITS for kind in ("images", "labels")
]


def _idx_bytes(array: np.ndarray) -> bytes:
    """An idx file's bytes: the unsigned-byte type code and the rank, each dimension as a big-endian int, the data."""
    return struct.pack(">I", 0x0800 + array.ndim) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def _raw_file(name: str) -> bytes:
    """The bytes of one MNIST raw file of the fake dataset: 4x5 images (a non-square side), labels 0, 1, ...."""
    count, start = SPLITS[name.split("-")[0]]
    if "-images-" in name:
        return _idx_bytes((np.arange(count * 20).reshape(count, 4, 5) + start).astype(np.uint8))
    return _idx_bytes(np.arange(count, dtype=np.uint8))


def _write_raw_files(folder) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in RAW_FILES:
        (folder / name).write_bytes(_raw_file(name))


@pytest.fixture
def mnist_root(tmp_path):
    """A root holding MNIST/raw with the four files MNIST checks for."""
    _write_raw_files(tmp_path / "MNIST" / "raw")
    return tmp_path


@pytest.fixture
def recorded_downloads(monkeypatch):
    """Replaces the download MNIST does with one that writes the fake file, and records each file's name."""
    names = []

    def download_and_extract_archive(url, download_root, filename=None, md5=None, **options):
        names.append(filename)
        Path(download_root).mkdir(parents=True, exist_ok=True)
        (Path(download_root) / filename.removesuffix(".gz")).write_bytes(_raw_file(filename.removesuffix(".gz")))

    mnist_module = importlib.import_module("torchvision.datasets.mnist")
    monkeypatch.setattr(mnist_module, "download_and_extract_archive", download_and_extract_archive)
    return names


@pytest.mark.doc("torchvision.transforms.ToTensor")
@pytest.mark.claim("002.to-tensor-converts-images", verdict="holds")
@pytest.mark.claim("003.to-tensor-converts-dataset-samples", verdict="holds")
@pytest.mark.parametrize("to_image", [lambda pixels: pixels, Image.fromarray], ids=["ndarray", "pil"])
def test_to_tensor_turns_an_hwc_uint8_image_into_a_chw_float_tensor_in_0_1(to_image):
    """ToTensor turns an HxWxC uint8 image (PIL or ndarray) into a CxHxW float32 tensor, 0 -> 0.0 and 255 -> 1.0."""
    tensor = torchvision.transforms.ToTensor()(to_image(PIXELS))
    assert_dtype(tensor, torch.float32)
    assert_shape(tensor, (3, 2, 3))
    assert_close(tensor, torch.from_numpy(PIXELS).permute(2, 0, 1).float() / 255)
    assert_equal((tensor.min().item(), tensor.max().item()), (0.0, 1.0), "(min, max)")


@pytest.mark.doc("torchvision.transforms.ToTensor")
def test_to_tensor_leaves_a_float_ndarray_unscaled():
    """ToTensor of a float ndarray only moves the channels first: its values are not divided by 255."""
    pixels = np.array([[[2.5, -1.0]], [[300.0, 0.25]]], dtype=np.float32)
    tensor = torchvision.transforms.ToTensor()(pixels)
    assert_shape(tensor, (2, 2, 1))
    assert_values_equal(tensor, torch.from_numpy(pixels).permute(2, 0, 1))


@pytest.mark.doc("torchvision.transforms.Normalize")
def test_normalize_subtracts_the_mean_then_divides_by_the_std():
    """Normalize((mean,), (std,)) computes (x - mean) / std per channel, not x / std - mean."""
    image = torch.tensor([[[0.0, 0.5, 1.0], [0.25, 0.75, 0.1]]])
    assert_close(torchvision.transforms.Normalize((0.5,), (0.25,))(image), (image - 0.5) / 0.25)
    two_channels = torch.stack([image[0], image[0]])
    normalized = torchvision.transforms.Normalize((0.5, -1.0), (0.25, 2.0))(two_channels)
    assert_close(normalized, torch.stack([(image[0] - 0.5) / 0.25, (image[0] + 1.0) / 2.0]))


@pytest.mark.doc("torchvision.datasets.MNIST")
@pytest.mark.claim("003.mnist-test-data-gets-test-data", verdict="wrong")
@pytest.mark.claim("003.mnist-test-labels-gets-test-labels", verdict="wrong")
@pytest.mark.parametrize(
    ("old_name", "new_name"),
    [("test_data", "data"), ("test_labels", "targets"), ("train_data", "data"), ("train_labels", "targets")],
)
def test_mnist_test_and_train_data_and_labels_are_deprecated_aliases_of_data_and_targets(
    mnist_root, old_name, new_name
):
    """test_data and train_data warn UserWarning and return .data, the split that was loaded (here the training
    images); test_labels and train_labels return .targets likewise."""
    dataset = torchvision.datasets.MNIST(mnist_root, train=True)
    with pytest.warns(UserWarning, match=f"{old_name} has been renamed {new_name}"):
        value = getattr(dataset, old_name)
    assert_equal(value is getattr(dataset, new_name), True, f"dataset.{old_name} is dataset.{new_name}")
    assert_equal(len(value), 3, f"len(dataset.{old_name}) on the training split")


@pytest.mark.doc("torchvision.datasets.MNIST")
@pytest.mark.claim("003.transform-applied-at-download", verdict="wrong")
def test_mnist_applies_its_transform_to_each_sample_when_it_is_read(mnist_root):
    """The transform given to MNIST is not applied to the stored data: each sample goes through it when indexed."""
    calls = []

    def to_tensor(image):
        calls.append(image)
        return torchvision.transforms.ToTensor()(image)

    dataset = torchvision.datasets.MNIST(mnist_root, train=True, transform=to_tensor)
    assert_equal(len(calls), 0, "transform calls once the dataset is made")
    assert_dtype(dataset.data, torch.uint8)
    assert_shape(dataset.data, (3, 4, 5))
    image, label = dataset[1]
    assert_equal((len(calls), label), (1, 1), "(transform calls, label) after reading dataset[1]")
    assert_shape(image, (1, 4, 5))
    assert_close(image[0], dataset.data[1].float() / 255)


@pytest.mark.doc("torchvision.datasets.MNIST")
@pytest.mark.claim("003.mnist-train-false-downloads-test-data", verdict="wrong")
def test_mnist_downloads_both_splits_and_train_only_chooses_which_it_loads(tmp_path, recorded_downloads):
    """MNIST(train=False, download=True) downloads the training files too; train=False only loads the test split."""
    dataset = torchvision.datasets.MNIST(tmp_path, train=False, download=True)
    downloaded = [name.removesuffix(".gz") for name in recorded_downloads]
    assert_equal(sorted(downloaded), sorted(RAW_FILES), "the files downloaded")
    assert_equal(len(dataset), 2, "samples in the loaded split (the two test images)")
    assert_values_equal(dataset.data[0], torch.arange(20).reshape(4, 5) + 100)


@pytest.mark.doc("torchvision.datasets.MNIST")
@pytest.mark.claim("003.mnist-download-only-if-missing", verdict="holds")
def test_mnist_downloads_only_what_is_not_there_yet(tmp_path, recorded_downloads):
    """download=True fetches the files into root when they are missing, and nothing when they are already there."""
    torchvision.datasets.MNIST(tmp_path, download=True)
    assert_equal(len(recorded_downloads), 4, "files downloaded into an empty root")
    dataset = torchvision.datasets.MNIST(tmp_path, download=True)
    assert_equal(len(recorded_downloads), 4, "files downloaded in all, after a second MNIST(download=True)")
    assert_equal(len(dataset), 3, "samples in the training split")


def _pictures(*sizes):
    """PIL images of the given (width, height) sizes."""
    return [Image.new("RGB", size) for size in sizes]


@pytest.mark.doc("torchvision.transforms.Resize")
@pytest.mark.claim("002.resize-changes-image-size", verdict="holds")
@pytest.mark.claim("002.resize-gives-a-fixed-input-size", verdict="holds")
def test_resize_to_a_height_and_width_makes_every_image_that_size():
    """Resize((h, w)) makes a 30x30 and a 40x30 image both h x w; Resize(n) only sets the smaller edge to n."""
    square, wide = _pictures((30, 30), (40, 30))
    fixed = torchvision.transforms.Resize((16, 12))
    assert_equal(
        [fixed(square).size, fixed(wide).size], [(12, 16), (12, 16)], "PIL (width, height) after Resize((16, 12))"
    )
    edge = torchvision.transforms.Resize(15)
    assert_equal([edge(square).size, edge(wide).size], [(15, 15), (20, 15)], "PIL (width, height) after Resize(15)")


def _crop_corner(crop: torch.Tensor) -> tuple[int, int]:
    """Where a crop of numbered(1, 10, 10) starts: its first value is 10 * row + column."""
    first = int(crop[0, 0, 0])
    return divmod(first, 10)


@pytest.mark.doc("torchvision.transforms.RandomCrop")
@pytest.mark.claim("002.random-crop-at-random-position", verdict="holds")
def test_random_crop_cuts_a_window_of_its_size_at_a_random_position():
    """RandomCrop(3) returns a 3x3 window of the image, at a position drawn anew on each call."""
    image = torch.arange(100.0).reshape(1, 10, 10)
    corners = set()
    with torch.random.fork_rng():
        torch.manual_seed(0)
        for _ in range(8):
            crop = torchvision.transforms.RandomCrop(3)(image)
            row, column = _crop_corner(crop)
            assert_values_equal(crop, image[:, row : row + 3, column : column + 3])
            corners.add((row, column))
    assert_equal(len(corners) > 1, True, f"more than one position in 8 crops ({sorted(corners)})")


@pytest.mark.doc("torchvision.transforms.RandomRotation")
@pytest.mark.claim("002.random-rotation-random-angle", verdict="holds")
def test_random_rotation_turns_the_image_by_an_angle_drawn_from_its_range():
    """RandomRotation(30) draws angles from [-30, 30], a new one each time; a range of (90, 90) turns 90 degrees."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        angles = [torchvision.transforms.RandomRotation.get_params([-30.0, 30.0]) for _ in range(8)]
    assert_equal(all(-30.0 <= angle <= 30.0 for angle in angles), True, f"every angle in [-30, 30] ({angles})")
    assert_equal(len(set(angles)) > 1, True, "more than one angle in 8 draws")
    image = torch.arange(16.0).reshape(1, 4, 4)
    assert_values_equal(torchvision.transforms.RandomRotation((90, 90))(image), torch.rot90(image, 1, (1, 2)))


@pytest.mark.doc("torchvision.transforms.Compose")
@pytest.mark.claim("002.compose-applies-in-order", verdict="holds")
def test_compose_applies_its_transforms_in_the_order_given():
    """Compose([add one, double]) gives 2(x + 1); Compose([double, add one]) gives 2x + 1."""
    add_one, double = (lambda x: x + 1), (lambda x: x * 2)
    assert_equal(torchvision.transforms.Compose([add_one, double])(torch.tensor(3.0)).item(), 8.0, "2(3 + 1)")
    assert_equal(torchvision.transforms.Compose([double, add_one])(torch.tensor(3.0)).item(), 7.0, "2 * 3 + 1")


@pytest.mark.doc("torchvision.transforms")
@pytest.mark.doc("torchvision.datasets")
@pytest.mark.doc("torchvision.models")
@pytest.mark.claim("003.torchvision-datasets-models-transforms", verdict="holds")
@pytest.mark.claim("002.torchvision-transform-module", verdict="wrong")
def test_torchvision_has_datasets_models_and_transforms_and_no_transform_module():
    """torchvision.datasets holds datasets, torchvision.models models, torchvision.transforms (not .transform) the
    preprocessing transforms."""
    assert_equal(issubclass(torchvision.datasets.MNIST, torch.utils.data.Dataset), True, "MNIST is a Dataset")
    assert_equal(isinstance(torchvision.models.squeezenet1_1(weights=None), nn.Module), True, "a model is a Module")
    assert_equal(callable(torchvision.transforms.Resize((2, 2))), True, "a Resize is callable on images")
    assert_equal(hasattr(torchvision, "transform"), False, "torchvision has transform")
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("torchvision.transform")
