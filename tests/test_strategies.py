"""The hypothesis strategies draw what they promise: valid gather arguments, broadcastable shapes, numbered tensors."""

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from torchspecs.strategies import (
    broadcastable_shapes,
    dims,
    dtypes,
    gather_cases,
    numbered,
    numbered_tensors,
    reshape_targets,
    shapes,
    strided_tensors,
    unmergeable_tensors,
)


@settings(max_examples=50)
@given(case=gather_cases())
def test_gather_cases_are_accepted_by_gather(case):
    along = case.dim % case.input.dim()
    assert case.index.dim() == case.input.dim()
    for d, (index_side, input_side) in enumerate(zip(case.index.shape, case.input.shape, strict=True)):
        assert d == along or index_side <= input_side
    assert int(case.index.max()) < case.input.shape[along]
    assert "torch.gather(numbered(" in repr(case)
    torch.gather(case.input, case.dim, case.index)


@settings(max_examples=50)
@given(case=broadcastable_shapes())
def test_broadcastable_shapes_broadcast_to_the_result_shape(case):
    assert np.broadcast_shapes(*case.input_shapes) == case.result_shape


@given(tensor=numbered_tensors(max_dims=3), data=dims(3, extra=1))
def test_numbered_tensors_count_in_row_major_order_and_dims_stay_in_range(tensor, data):
    assert tensor.flatten().tolist() == list(range(tensor.numel()))
    assert -4 <= data <= 3


def test_numbered_takes_a_dtype():
    assert numbered((2, 2), torch.int64).dtype == torch.int64


@settings(max_examples=40, deadline=None)
@given(case=strided_tensors(max_steps=3))
def test_a_strided_tensors_recipe_builds_the_same_tensor_in_the_same_layout(case):
    """The expression hypothesis prints for a drawn tensor rebuilds it: values, shape and strides."""
    rebuilt = eval(case.recipe, {"torch": torch})
    assert torch.equal(rebuilt, case.tensor)
    assert rebuilt.stride() == case.tensor.stride()
    assert f"shape={tuple(case.tensor.shape)}" in repr(case)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), numel=st.integers(1, 60))
def test_reshape_targets_hold_the_element_count(data, numel):
    target = data.draw(reshape_targets(numel))
    assert torch.arange(numel).reshape(target).numel() == numel
    assert list(target).count(-1) <= 1


@settings(max_examples=25, deadline=None)
@given(case=unmergeable_tensors())
def test_unmergeable_tensors_cannot_be_viewed_flat(case):
    assert case.tensor.shape[0] >= 2
    assert case.tensor.shape[-1] >= 2
    assert not case.tensor.is_contiguous()
    assert torch.equal(eval(case.recipe, {"torch": torch}), case.tensor)


@settings(max_examples=25, deadline=None)
@given(shape=shapes(min_dims=1, max_dims=3, max_side=3), dtype=dtypes())
def test_shapes_and_dtypes_stay_in_their_bounds(shape, dtype):
    assert 1 <= len(shape) <= 3
    assert all(1 <= side <= 3 for side in shape)
    assert isinstance(dtype, torch.dtype)
