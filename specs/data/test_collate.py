"""Collation: how the default collate_fn batches tuples, dicts, numbers, arrays and strings, and what a custom one receives."""

import collections

import numpy as np
import pytest
import torch
import torch.utils.data
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader

from torchspecs.assertions import assert_dtype, assert_equal, assert_values_equal


def _one_batch(samples, **options):
    return next(iter(DataLoader(samples, batch_size=len(samples), **options)))


@pytest.mark.doc("torch.utils.data.default_collate")
@pytest.mark.claim("004.collate-fn-pairs-data-with-labels", verdict="wrong")
def test_default_collate_turns_a_list_of_pairs_into_a_pair_of_batches():
    """Samples (data, label) become [batched data, batched labels]: the default collate already transposes them."""
    data, labels = _one_batch([(torch.tensor([1.0, 2.0]), 0), (torch.tensor([3.0, 4.0]), 1)])
    assert_values_equal(data, torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert_values_equal(labels, torch.tensor([0, 1]))


@pytest.mark.doc("torch.utils.data.default_collate")
@pytest.mark.claim("004.dict-samples-batch-by-key", verdict="holds")
def test_dict_samples_become_a_dict_of_batched_fields():
    """A list of dict samples becomes one dict: each key maps to its batched values (strings stay a list)."""
    batch = _one_batch([{"Text": "Happy", "Class": "Positive"}, {"Text": "Sad", "Class": "Negative"}])
    assert_equal(batch, {"Text": ["Happy", "Sad"], "Class": ["Positive", "Negative"]}, "the collated batch")


@pytest.mark.doc("torch.utils.data.default_collate")
@pytest.mark.parametrize(
    ("samples", "expected"),
    [
        ([1, 2], torch.tensor([1, 2])),
        ([1.5, 2.5], torch.tensor([1.5, 2.5], dtype=torch.float64)),
        ([np.zeros(2, dtype=np.float32), np.ones(2, dtype=np.float32)], torch.tensor([[0.0, 0.0], [1.0, 1.0]])),
    ],
    ids=["ints", "floats", "ndarrays"],
)
def test_numbers_and_arrays_become_tensors(samples, expected):
    """Python ints become int64, Python floats float64, and ndarrays are stacked into a tensor of their dtype."""
    batch = _one_batch(samples)
    assert_dtype(batch, expected.dtype)
    assert_values_equal(batch, expected)


@pytest.mark.doc("torch.utils.data.default_collate")
def test_nested_structures_are_collated_recursively():
    """Collation recurses into lists, tuples and dicts, batching each leaf."""
    batch = _one_batch([{"pair": (1, [2.0])}, {"pair": (3, [4.0])}])
    assert_values_equal(batch["pair"][0], torch.tensor([1, 3]))
    assert_values_equal(batch["pair"][1][0], torch.tensor([2.0, 4.0], dtype=torch.float64))


@pytest.mark.doc("data", "dataloader-collate-fn")
@pytest.mark.claim("002.collate-fn-makes-batches", verdict="holds")
@pytest.mark.claim("001.collate-fn-for-variable-length", verdict="holds")
def test_a_custom_collate_fn_receives_the_list_of_samples():
    """collate_fn gets the list of samples of a batch, so it can, for example, pad sequences of different lengths."""
    received = []

    def pad(samples):
        received.append(samples)
        return pad_sequence(samples, batch_first=True)

    sequences = [torch.tensor([1, 2, 3]), torch.tensor([4])]
    padded = _one_batch(sequences, collate_fn=pad)
    assert_equal(type(received[0]), list, "what collate_fn received")
    assert_values_equal(padded, torch.tensor([[1, 2, 3], [4, 0, 0]]))


@pytest.mark.doc("torch.utils.data.default_convert")
def test_batch_size_none_uses_default_convert_which_only_converts_arrays():
    """With batch_size=None each sample goes through default_convert: ndarrays become tensors, numbers stay as they are."""
    assert_equal(next(iter(DataLoader([[1, 2]], batch_size=None))), [1, 2], "a list sample")
    converted = torch.utils.data.default_convert(np.arange(3))
    assert_values_equal(converted, torch.arange(3))
    assert_equal(isinstance(converted, torch.Tensor), True, "default_convert(ndarray) is a tensor")


@pytest.mark.doc("torch.utils.data.default_collate")
@pytest.mark.change("collate-keeps-mapping-types", side="after")
def test_default_collate_keeps_the_samples_mapping_type():
    """default_collate of defaultdict samples returns a defaultdict, with the samples' default factory."""
    samples = [collections.defaultdict(int, a=torch.tensor(1)), collections.defaultdict(int, a=torch.tensor(2))]
    batch = torch.utils.data.default_collate(samples)
    assert_equal(
        (type(batch), batch.default_factory, batch["a"].tolist()),
        (collections.defaultdict, int, [1, 2]),
        "(type, default_factory, a)",
    )


@pytest.mark.doc("torch.utils.data.default_collate")
@pytest.mark.change("collate-keeps-mapping-types", side="before")
def test_default_collate_turns_a_mapping_it_cannot_rebuild_into_a_dict():
    """default_collate of defaultdict samples returns a plain dict: it cannot rebuild a defaultdict from a dict."""
    samples = [collections.defaultdict(int, a=torch.tensor(1)), collections.defaultdict(int, a=torch.tensor(2))]
    batch = torch.utils.data.default_collate(samples)
    assert_equal((type(batch), batch["a"].tolist()), (dict, [1, 2]), "(type of the batch, its 'a')")
