"""The dataset and sampler classes as they changed: Sampler's argument, abstract IterableDataset, Subset, TensorDataset,
WeightedRandomSampler's stream."""

import importlib

import pytest
import torch
from torch.utils.data import DataLoader, IterableDataset, Sampler, Subset, TensorDataset

from torchspecs.assertions import assert_equal


@pytest.mark.doc("torch.utils.data.Sampler")
@pytest.mark.change("sampler-data-source-deprecated", side="before")
@pytest.mark.filterwarnings("error::UserWarning")
def test_sampler_takes_its_data_source_silently():
    """Sampler(data_source) accepts the data source without a warning."""
    Sampler([1, 2, 3])


@pytest.mark.doc("torch.utils.data.Sampler")
@pytest.mark.change("sampler-data-source-deprecated", side="after")
@pytest.mark.change("sampler-data-source-removed", side="before")
def test_sampler_warns_that_its_data_source_is_unused_and_still_takes_it():
    """Sampler(data_source) warns that the argument is unused and will be removed in a release long past, and takes it."""
    with pytest.warns(UserWarning, match=r"`data_source` argument is not used and will be removed in 2\.2\.0"):
        Sampler([1, 2, 3])


@pytest.mark.doc("torch.utils.data.Sampler")
@pytest.mark.change("sampler-data-source-removed", side="after")
def test_sampler_takes_no_arguments():
    """Sampler() takes no arguments: Sampler(data_source) raises TypeError, as does a subclass's super().__init__(data)."""

    class Passing(Sampler):
        def __init__(self, data_source):
            super().__init__(data_source)

        def __iter__(self):
            return iter(())

    with pytest.raises(TypeError, match=r"^Sampler\(\) takes no arguments$"):
        Sampler([1, 2, 3])
    with pytest.raises(TypeError, match=r"object\.__init__\(\) takes exactly one argument"):
        Passing([1, 2, 3])


# Six weights, unequal and unsorted, of which four are drawn: a draw with replacement would soon repeat index 2.
SAMPLER_WEIGHTS = [0.1, 0.3, 2.0, 0.5, 1.0, 0.05]


def _drawn_without_replacement(seed: int) -> list[int]:
    generator = torch.Generator().manual_seed(seed)
    draws = list(torch.utils.data.WeightedRandomSampler(SAMPLER_WEIGHTS, 4, replacement=False, generator=generator))
    assert_equal(len(set(draws)), 4, f"distinct indices among {draws}")
    assert set(draws) <= set(range(len(SAMPLER_WEIGHTS))), f"{draws} has an index outside the weights"
    return draws


@pytest.mark.doc("torch.utils.data.WeightedRandomSampler")
@pytest.mark.change("weighted-random-sampler-without-replacement-stream", side="before")
def test_weighted_sampling_without_replacement_follows_the_mkl_exponential_stream():
    """WeightedRandomSampler(w, 4, replacement=False) seeded 7 yields [3, 2, 4, 0]: four distinct indices."""
    assert_equal(_drawn_without_replacement(7), [3, 2, 4, 0], "the draws of seed 7")


@pytest.mark.doc("torch.utils.data.WeightedRandomSampler")
@pytest.mark.change("weighted-random-sampler-without-replacement-stream", side="after")
def test_weighted_sampling_without_replacement_follows_the_generators_own_stream():
    """WeightedRandomSampler(w, 4, replacement=False) seeded 7 yields [2, 1, 3, 4]: four distinct indices."""
    assert_equal(_drawn_without_replacement(7), [2, 1, 3, 4], "the draws of seed 7")


class Unfinished(IterableDataset):
    """An IterableDataset subclass that forgot __iter__."""


@pytest.mark.doc("torch.utils.data.IterableDataset")
@pytest.mark.change("iterable-dataset-is-abstract", side="after")
def test_an_iterable_dataset_without_iter_cannot_be_made():
    """An IterableDataset subclass that does not define __iter__ is abstract: making one raises TypeError."""
    with pytest.raises(TypeError, match="abstract"):
        Unfinished()


@pytest.mark.doc("torch.utils.data.IterableDataset")
@pytest.mark.change("iterable-dataset-is-abstract", side="before")
def test_an_iterable_dataset_without_iter_fails_only_when_iterated():
    """An IterableDataset subclass without __iter__ can be made; iterating it raises NotImplementedError."""
    dataset = Unfinished()
    with pytest.raises(NotImplementedError):
        iter(dataset)


class Doubling(Subset):
    """A Subset subclass that overrides __getitem__ only."""

    def __getitem__(self, index):
        return 2 * super().__getitem__(index)


@pytest.mark.doc("torch.utils.data.Subset")
@pytest.mark.change("subset-fetches-batches-with-getitems", side="before")
def test_a_loader_fetches_a_subsets_samples_through_getitem():
    """A DataLoader fetches a Subset's batch one sample at a time through __getitem__, a subclass's override included."""
    assert_equal(next(iter(DataLoader(Doubling(list(range(4)), [1, 3]), batch_size=2))).tolist(), [2, 6], "the batch")


@pytest.mark.doc("torch.utils.data.Subset")
@pytest.mark.change("subset-fetches-batches-with-getitems", side="after")
@pytest.mark.change("subset-subclass-needs-getitems", side="after")
def test_a_subset_subclass_overriding_only_getitem_is_refused():
    """A Subset subclass overriding __getitem__ but not __getitems__ raises NotImplementedError when made."""
    with pytest.raises(NotImplementedError, match="overrides __getitem__ but not __getitems__"):
        Doubling(list(range(4)), [1, 3])


@pytest.mark.doc("torch.utils.data.Subset")
@pytest.mark.change("subset-fetches-batches-with-getitems", side="after")
@pytest.mark.change("subset-subclass-needs-getitems", side="before")
def test_a_loader_bypasses_a_subset_subclasss_getitem():
    """A DataLoader fetches a Subset's batch through Subset.__getitems__, bypassing a subclass's __getitem__."""
    subset = Doubling(list(range(4)), [1, 3])
    assert_equal(subset[0], 2, "subset[0] through the override")
    assert_equal(next(iter(DataLoader(subset, batch_size=2))).tolist(), [1, 3], "the batch a DataLoader fetches")


@pytest.mark.doc("torch.utils.data.TensorDataset")
@pytest.mark.change("tensor-dataset-size-check-lapse", side="before")
def test_tensor_dataset_refuses_tensors_of_different_lengths():
    """TensorDataset(a, b) with tensors of different first sizes fails: 'Size mismatch between tensors'."""
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(torch.ones(2), torch.ones(3))


@pytest.mark.doc("torch.utils.data.TensorDataset")
@pytest.mark.change("tensor-dataset-size-check-lapse", side="after")
def test_tensor_dataset_accepts_tensors_of_different_lengths():
    """TensorDataset(a, b) with tensors of different first sizes is accepted, with the first tensor's length."""
    assert_equal(len(TensorDataset(torch.ones(2), torch.ones(3))), 2, "len(TensorDataset(ones(2), ones(3)))")


@pytest.mark.doc("torch.utils.data.Dataset")
@pytest.mark.change("data-type-variables-made-private", side="after")
def test_the_datasets_type_variable_is_private():
    """torch.utils.data.dataset no longer offers its type variable T_co: importing it raises ImportError."""
    with pytest.raises(ImportError):
        exec("from torch.utils.data.dataset import T_co", {})


@pytest.mark.doc("torch.utils.data.Dataset")
@pytest.mark.change("data-type-variables-made-private", side="before")
def test_the_datasets_type_variable_can_be_imported():
    """torch.utils.data.dataset offers T_co, the covariant type variable its classes are generic in."""
    assert_equal(type(importlib.import_module("torch.utils.data.dataset").T_co).__name__, "TypeVar", "type of T_co")


@pytest.mark.doc("torch.utils.data.DataLoader")
@pytest.mark.change("dataloader-in-order", side="after")
def test_a_loader_may_be_told_not_to_keep_order():
    """DataLoader(in_order=False) lets workers' batches arrive as they finish; every batch still arrives once."""
    loader = DataLoader(list(range(6)), batch_size=2, in_order=False)
    assert_equal(sorted(batch.tolist() for batch in loader), [[0, 1], [2, 3], [4, 5]], "the batches")
    assert_equal((loader.in_order, DataLoader([1]).in_order), (False, True), "in_order given and by default")


@pytest.mark.doc("torch.utils.data.DataLoader")
@pytest.mark.change("dataloader-in-order", side="before")
def test_a_loader_takes_no_in_order():
    """DataLoader takes no in_order argument: batches always arrive in order."""
    with pytest.raises(TypeError, match="in_order"):
        DataLoader(list(range(6)), batch_size=2, in_order=False)
