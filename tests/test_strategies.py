"""The hypothesis strategies draw what they promise: valid gather arguments, broadcastable shapes, numbered tensors."""

import numpy as np
import torch
from hypothesis import given, settings

from torchspecs.strategies import broadcastable_shapes, dims, gather_cases, numbered, numbered_tensors


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
