"""Datasets and batching: what a dataset must define, how many batches a loader yields, and in what order."""

import inspect
import math

import pytest
import torch
import torch.utils.data
from hypothesis import given
from hypothesis import strategies as st
from torch.utils.data import DataLoader, Dataset, RandomSampler, TensorDataset

from torchspecs.assertions import assert_equal, assert_values_equal


class OnlyGetItem(Dataset):
    """A map-style dataset that defines __getitem__ and nothing else (no __init__, no __len__)."""

    def __getitem__(self, index):
        return index * 10


class Squares(OnlyGetItem):
    def __len__(self):
        return 5


@pytest.mark.doc("torch.utils.data.Dataset")
@pytest.mark.claim("001.dataset-needs-init-len-getitem", verdict="wrong")
@pytest.mark.claim("004.dataset-three-methods-required", verdict="wrong")
def test_a_map_style_dataset_needs_only_getitem_and_len_for_a_default_loader():
    """A Dataset needs __getitem__; __len__ only for samplers that ask for it; __init__ never."""
    assert_equal(OnlyGetItem()[3], 30, "indexing a dataset with only __getitem__")
    assert_equal(
        [batch.tolist() for batch in DataLoader(Squares(), batch_size=2)], [[0, 10], [20, 30], [40]], "batches"
    )
    assert_equal(len(DataLoader(Squares(), batch_size=2)), 3, "len of a loader over a dataset with __len__")
    with pytest.raises(TypeError, match=r"object of type 'OnlyGetItem' has no len\(\)"):
        len(DataLoader(OnlyGetItem(), batch_size=2))


@pytest.mark.doc("data", "map-style-datasets")
@pytest.mark.claim("002.dataset-len-is-size", verdict="holds")
@pytest.mark.claim("003.custom-dataset-methods", verdict="holds")
def test_len_is_the_number_of_samples_and_getitem_returns_sample_index():
    """len(dataset) is how many samples it holds, and dataset[i] is the i-th sample, which the loader reads by index."""
    dataset = Squares()
    assert_equal(len(dataset), 5, "len(dataset)")
    assert_equal(len(list(DataLoader(dataset, batch_size=None))), 5, "samples the loader yields")


@pytest.mark.doc("torch.utils.data.TensorDataset")
@pytest.mark.claim("003.tensor-dataset-pairs", verdict="holds")
def test_tensor_dataset_indexes_every_tensor_along_the_first_dim():
    """TensorDataset(x, y)[i] is the tuple (x[i], y[i]); its length is the size of the first dim."""
    features, labels = torch.arange(6.0).reshape(3, 2), torch.tensor([0, 1, 0])
    dataset = TensorDataset(features, labels)
    sample = dataset[1]
    assert_equal(len(dataset), 3, "len(TensorDataset)")
    assert_values_equal(sample[0], features[1])
    assert_values_equal(sample[1], labels[1])


@pytest.mark.claim("002.batch-size-sets-batch-size", verdict="holds")
@pytest.mark.claim("004.batch-size-is-the-mini-batch-size", verdict="holds")
@pytest.mark.claim("003.drop-last-discards-the-remainder", verdict="holds")
@pytest.mark.doc("data", "loading-batched-and-non-batched-data")
@pytest.mark.claim("003.utils-data-minibatch-utilities", verdict="holds")
@pytest.mark.claim("004.drop-last-example", verdict="holds")
@pytest.mark.claim("002.drop-last-uses-the-last-batch", verdict="holds")
@pytest.mark.claim("003.batch-size-is-number-of-batches", verdict="wrong")
@given(length=st.integers(1, 40), batch_size=st.integers(1, 9), drop_last=st.booleans())
def test_batches_are_full_except_maybe_the_last_which_drop_last_removes(length, batch_size, drop_last):
    """batch_size is samples per batch: floor(n/b) full batches, plus one of n mod b unless drop_last drops it."""
    loader = DataLoader(TensorDataset(torch.arange(length)), batch_size=batch_size, drop_last=drop_last)
    sizes = [len(batch[0]) for batch in loader]
    remainder = [] if drop_last or length % batch_size == 0 else [length % batch_size]
    assert_equal(sizes, [batch_size] * (length // batch_size) + remainder, "the batch sizes")
    assert_equal(len(loader), len(sizes), "len(loader) against the batches yielded")


@pytest.mark.doc("data", "loading-batched-and-non-batched-data")
def test_one_hundred_samples_in_batches_of_seven():
    """The notes' example: 100 samples in batches of 7 are 14 batches of 7 and one of 2, or 14 with drop_last."""
    dataset = TensorDataset(torch.arange(100))
    assert_equal([len(b[0]) for b in DataLoader(dataset, batch_size=7)][-2:], [7, 2], "the last two batch sizes")
    assert_equal(len(DataLoader(dataset, batch_size=7)), math.ceil(100 / 7), "len without drop_last")
    assert_equal(len(DataLoader(dataset, batch_size=7, drop_last=True)), 14, "len with drop_last")


@pytest.mark.doc("data", "disable-automatic-batching")
def test_batch_size_none_yields_samples_one_by_one():
    """batch_size=None disables batching: the loader yields each sample itself, with no batch dimension added."""
    samples = list(DataLoader(TensorDataset(torch.arange(3)), batch_size=None))
    assert_equal(len(samples), 3, "the number of items")
    assert_equal(samples[0][0].shape, torch.Size([]), "the shape of the first sample's tensor")
    numbers = list(DataLoader([5, -1, 3], batch_size=None))
    assert_equal([(type(number), number) for number in numbers], [(int, 5), (int, -1), (int, 3)], "the numbers")


@pytest.mark.claim("002.shuffle-chooses-shuffling", verdict="holds")
@pytest.mark.doc("data", "data-loading-order-and-sampler")
@pytest.mark.claim("004.shuffle-false-keeps-order", verdict="holds")
def test_shuffle_false_keeps_the_dataset_order():
    """shuffle=False (the default) yields the samples in dataset order."""
    batches = DataLoader(TensorDataset(torch.arange(10)), batch_size=4)
    assert_values_equal(torch.cat([batch[0] for batch in batches]), torch.arange(10))


@pytest.mark.claim("002.shuffle-chooses-shuffling", verdict="holds")
@pytest.mark.claim("004.shuffle-random-order", verdict="holds")
@pytest.mark.doc("data", "data-loading-order-and-sampler")
@pytest.mark.claim("003.shuffle-every-epoch", verdict="holds")
def test_shuffle_yields_a_new_permutation_each_epoch_reproducible_with_a_generator():
    """shuffle=True yields every sample once per epoch, in an order that changes each epoch and repeats with a seeded generator."""

    def epochs(seed: int) -> list[list[int]]:
        loader = DataLoader(range(20), batch_size=20, shuffle=True, generator=torch.Generator().manual_seed(seed))
        return [next(iter(loader)).tolist() for _ in range(3)]

    first = epochs(seed=7)
    assert_equal([sorted(order) for order in first], [list(range(20))] * 3, "each epoch is a permutation")
    assert_equal(len({tuple(order) for order in first}), 3, "the number of distinct epoch orders")
    assert_equal(epochs(seed=7), first, "the orders with the same seed")


@pytest.mark.doc("torch.utils.data.DataLoader")
def test_sampler_and_shuffle_together_are_refused():
    """A sampler decides the order, so passing shuffle=True as well raises ValueError."""
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(range(4), sampler=RandomSampler(range(4)), shuffle=True)


@pytest.mark.doc("torch.utils.data.DataLoader")
@pytest.mark.parametrize(
    "conflicting",
    [{"batch_size": 2}, {"shuffle": True}, {"sampler": [0, 1]}, {"drop_last": True}],
    ids=["batch_size", "shuffle", "sampler", "drop_last"],
)
def test_batch_sampler_excludes_batch_size_shuffle_sampler_and_drop_last(conflicting):
    """batch_sampler builds the batches itself: batch_size, shuffle, sampler or drop_last beside it raise ValueError."""
    with pytest.raises(
        ValueError, match="batch_sampler option is mutually exclusive with batch_size, shuffle, sampler"
    ):
        DataLoader(range(4), batch_sampler=[[0, 1], [2, 3]], **conflicting)


@pytest.mark.doc("torch.utils.data.DataLoader")
@pytest.mark.claim("002.dataloader-dataset-argument", verdict="holds")
@pytest.mark.claim("004.dataloader-dataset-object", verdict="holds")
@pytest.mark.claim("003.loader-dataset-attribute", verdict="holds")
@pytest.mark.claim("003.loader-dataset-and-enumerate", verdict="holds")
def test_a_loader_exposes_its_dataset_and_enumerates_batches():
    """loader.dataset is the dataset it was given; enumerate(loader) yields (batch index, batch)."""
    dataset = TensorDataset(torch.arange(4), torch.arange(4) * 2)
    loader = DataLoader(dataset, batch_size=2)
    assert_equal(loader.dataset is dataset, True, "loader.dataset is the dataset")
    indices = [index for index, (x, y) in enumerate(loader)]
    assert_equal(indices, [0, 1], "the batch indices")


@pytest.mark.doc("torch.utils.data.DataLoader")
@pytest.mark.claim("004.dataloader-signature-defaults", verdict="wrong")
def test_prefetch_factor_defaults_to_none():
    """DataLoader's defaults are as the notes list them, except prefetch_factor, which defaults to None (2 per worker when workers are used)."""
    parameters = inspect.signature(DataLoader.__init__).parameters
    defaults = {
        name: parameters[name].default for name in ("batch_size", "shuffle", "num_workers", "drop_last", "timeout")
    }
    assert_equal(
        defaults, {"batch_size": 1, "shuffle": None, "num_workers": 0, "drop_last": False, "timeout": 0}, "defaults"
    )
    assert_equal(parameters["prefetch_factor"].default, None, "the default prefetch_factor")


@pytest.mark.doc("torch.utils.data.DataLoader")
@pytest.mark.claim("000.dataloader-module-call", verdict="wrong")
def test_the_dataloader_module_is_not_callable_the_class_is():
    """torch.utils.data.dataloader is a module and cannot be called; DataLoader (the class) takes pin_memory=True."""
    with pytest.raises(TypeError, match="'module' object is not callable"):
        torch.utils.data.dataloader(pin_memory=True)
    assert_equal(DataLoader(range(2), pin_memory=False).pin_memory, False, "DataLoader(pin_memory=False).pin_memory")


@pytest.mark.doc("torch.utils.data.DataLoader")
@pytest.mark.claim("001.dataloader-is-a-class-that-batches-and-shuffles", verdict="holds")
@pytest.mark.claim("004.dataloader-defines-loading", verdict="holds")
def test_dataloader_is_a_class_that_batches_shuffles_and_reshapes_the_samples():
    """DataLoader is a class whose instances load a dataset in batches, shuffle it with shuffle=True, and give each
    batch the form collate_fn makes."""
    assert_equal(inspect.isclass(DataLoader), True, "DataLoader is a class")
    batches = [batch.tolist() for batch in DataLoader(list(range(5)), batch_size=2)]
    assert_equal(batches, [[0, 1], [2, 3], [4]], "the batches of five samples by two")
    shuffled = DataLoader(list(range(8)), batch_size=8, shuffle=True, generator=torch.Generator().manual_seed(0))
    order = next(iter(shuffled)).tolist()
    assert_equal((sorted(order), order == list(range(8))), (list(range(8)), False), "(the samples, in order)")
    summed = DataLoader(list(range(4)), batch_size=2, collate_fn=sum)
    assert_equal(list(summed), [1, 5], "batches made by collate_fn=sum")


@pytest.mark.doc("torch.utils.data.DataLoader")
@pytest.mark.claim("001.sampler-sets-how-to-sample", verdict="holds")
@pytest.mark.claim("002.sampler-controls-indices", verdict="holds")
def test_a_sampler_decides_which_indices_are_loaded_and_in_what_order():
    """sampler=[3, 0, 3, 1] loads dataset[3], dataset[0], dataset[3], dataset[1]: the sampler's indices, in its order."""
    dataset = [10, 11, 12, 13]
    loaded = [batch.tolist() for batch in DataLoader(dataset, batch_size=2, sampler=[3, 0, 3, 1])]
    assert_equal(loaded, [[13, 10], [13, 11]], "the batches")


@pytest.mark.doc("torch.utils.data.DataLoader")
@pytest.mark.claim("004.sampler-is-a-function", verdict="wrong")
def test_a_sampler_is_an_iterable_of_indices_not_a_function():
    """A sampler is iterated for indices: a function returning indices is refused with TypeError when loading starts."""
    with pytest.raises(TypeError, match="'function' object is not iterable"):
        list(DataLoader([10, 11, 12, 13], sampler=lambda: [3, 2, 1, 0]))
    assert_equal(
        [batch.item() for batch in DataLoader([10, 11, 12, 13], sampler=range(3, -1, -1))],
        [13, 12, 11, 10],
        "samples by a range sampler",
    )


@pytest.mark.doc("torch.utils.data.DataLoader")
@pytest.mark.claim("002.batch-sampler-like-sampler", verdict="holds")
@pytest.mark.claim("004.batch-sampler-samples-batches", verdict="holds")
def test_a_batch_sampler_gives_the_indices_of_a_whole_batch_at_a_time():
    """batch_sampler=[[4, 0], [1, 2, 3]] loads exactly those batches: like a sampler it picks indices, a batch at a time."""
    dataset = [10, 11, 12, 13, 14]
    loaded = [batch.tolist() for batch in DataLoader(dataset, batch_sampler=[[4, 0], [1, 2, 3]])]
    assert_equal(loaded, [[14, 10], [11, 12, 13]], "the batches")


class CustomDataset(Dataset):
    """The notes' dataset: five texts and their classes, each sample a dict."""

    def __init__(self, text, labels):
        self.labels = labels
        self.data = text

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        return {"Text": self.data[idx], "Class": self.labels[idx]}


def _notes_dataset() -> CustomDataset:
    text = ["Happy", "Amazing", "Sad", "Unhapy", "Glum"]
    labels = ["Positive", "Positive", "Negative", "Negative", "Negative"]
    return CustomDataset(text, labels)


@pytest.mark.doc("data", "map-style-datasets")
@pytest.mark.claim("004.getitem-makes-it-subscriptable", verdict="holds")
@pytest.mark.claim("004.len-defines-the-size", verdict="holds")
@pytest.mark.claim("004.five-samples-in-batches-of-two", verdict="holds")
@pytest.mark.claim("002.getitem-returns-the-idx-th-sample", verdict="holds")
def test_the_notes_custom_dataset_is_indexed_sized_and_batched_by_its_methods():
    """dataset[1] is what __getitem__(1) returns; len is __len__'s five; batch_size=2 gives batches of 2, 2 and 1."""
    dataset = _notes_dataset()
    assert_equal(dataset[1], {"Text": "Amazing", "Class": "Positive"}, "dataset[1]")
    assert_equal(len(dataset), 5, "len(dataset)")
    in_order = [batch["Text"] for batch in DataLoader(dataset, batch_size=1)]
    assert_equal(in_order, [[dataset[i]["Text"]] for i in range(5)], "batches of one, in index order")
    loader = DataLoader(dataset, batch_size=2, shuffle=True, generator=torch.Generator().manual_seed(0))
    batches = [batch["Text"] for batch in loader]
    assert_equal([len(batch) for batch in batches], [2, 2, 1], "the batch sizes")
    assert_equal(sorted(text for batch in batches for text in batch), sorted(dataset.data), "the texts, once each")


@pytest.mark.doc("torch.utils.data.DataLoader")
@pytest.mark.claim("004.iter-makes-a-generator", verdict="wrong")
def test_iter_of_a_loader_is_an_iterator_object_not_a_generator():
    """iter(loader) is a DataLoader iterator, not a generator (no send or throw); next() gives the batches in turn."""
    iterator = iter(DataLoader([10, 11, 12], batch_size=2))
    assert_equal(inspect.isgenerator(iterator), False, "inspect.isgenerator(iter(loader))")
    assert_equal((hasattr(iterator, "__next__"), hasattr(iterator, "send")), (True, False), "(__next__, send)")
    assert_equal([next(iterator).tolist(), next(iterator).tolist()], [[10, 11], [12]], "the batches next() gives")
    with pytest.raises(StopIteration):
        next(iterator)
