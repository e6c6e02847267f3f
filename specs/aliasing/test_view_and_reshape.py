"""view and reshape: when a new shape reuses the tensor's memory, and when it cannot."""

import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

from torchspecs.assertions import assert_is_view_of, assert_not_view, assert_strides, assert_values_equal
from torchspecs.layout import view_strides
from torchspecs.strategies import reshape_targets, strided_tensors, unmergeable_tensors

VIEW_ERROR = "view size is not compatible with input tensor's size and stride"


@st.composite
def tensors_and_new_shapes(draw, max_steps=3):
    strided = draw(strided_tensors(max_steps=max_steps))
    return strided, draw(reshape_targets(strided.tensor.numel()))


def _can_view(tensor, shape):
    return view_strides(tensor.shape, tensor.stride(), shape) is not None


@pytest.mark.doc("torch.Tensor.view")
@pytest.mark.claim("004.view-shares-memory", verdict="holds")
@given(case=tensors_and_new_shapes(max_steps=0))
def test_view_of_contiguous_tensor_shares_its_memory(case):
    """view of a contiguous tensor returns a view: same storage, and a write to either shows in the other."""
    strided, shape = case
    assert_is_view_of(strided.tensor, strided.tensor.view(shape))


@pytest.mark.doc("torch.Tensor.view")
@given(case=tensors_and_new_shapes())
def test_view_succeeds_exactly_when_the_documented_stride_condition_holds(case):
    """view succeeds, with the strides the documented condition gives, exactly when that condition holds."""
    strided, shape = case
    expected = view_strides(strided.tensor.shape, strided.tensor.stride(), shape)
    if expected is None:
        with pytest.raises(RuntimeError, match=VIEW_ERROR):
            strided.tensor.view(shape)
    else:
        assert_strides(strided.tensor.view(shape), expected)


@pytest.mark.doc("torch.Tensor.view")
def test_view_of_transposed_tensor_raises_and_points_to_reshape():
    """view across non-mergeable dimensions raises a RuntimeError that recommends reshape."""
    transposed = torch.arange(6.0).reshape(2, 3).t()
    with pytest.raises(RuntimeError, match=rf"{VIEW_ERROR}.*Use \.reshape\(\.\.\.\) instead"):
        transposed.view(6)


@pytest.mark.doc("torch.Tensor.view")
@pytest.mark.claim("002.view-changes-shape", verdict="holds")
@pytest.mark.claim("003.view-changes-size", verdict="holds")
@pytest.mark.claim("003.view-needs-same-numel", verdict="holds")
@pytest.mark.parametrize(("shape", "inferred"), [((3, -1), (3, 4)), ((-1,), (12,)), ((2, -1, 2), (2, 3, 2))])
def test_view_infers_one_minus_one_dimension(shape, inferred):
    """view accepts -1 for one dimension and infers it from the element count."""
    assert tuple(torch.arange(12).view(shape).shape) == inferred


@pytest.mark.doc("torch.Tensor.view")
@pytest.mark.claim("003.view-needs-same-numel", verdict="holds")
@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ((5,), r"shape '\[5\]' is invalid for input of size 12"),
        ((3, 5), r"shape '\[3, 5\]' is invalid for input of size 12"),
        ((-1, 5), r"shape '\[-1, 5\]' is invalid for input of size 12"),
        ((2, -1, -1), "only one dimension can be inferred"),
    ],
)
def test_view_to_a_different_element_count_raises(shape, message):
    """view to a shape whose element count differs, or with two -1s, raises a RuntimeError."""
    with pytest.raises(RuntimeError, match=message):
        torch.arange(12).view(shape)


@pytest.mark.doc("torch.reshape")
@pytest.mark.claim("004.reshape-creates-new-tensor", verdict="wrong")
@given(case=tensors_and_new_shapes())
def test_reshape_is_a_view_when_strides_allow(case):
    """reshape returns a view of the input whenever view would succeed."""
    strided, shape = case
    assume(_can_view(strided.tensor, shape))
    assert_is_view_of(strided.tensor, strided.tensor.reshape(shape))


@pytest.mark.doc("torch.reshape")
@given(strided=unmergeable_tensors(), keep_last=st.booleans())
def test_reshape_copies_when_strides_do_not_allow_a_view(strided, keep_last):
    """reshape returns an independent copy when the strides do not allow a view."""
    shape = (-1, strided.tensor.shape[-1]) if keep_last and strided.tensor.dim() > 2 else (-1,)
    assume(not _can_view(strided.tensor, shape))
    assert_not_view(strided.tensor, strided.tensor.reshape(shape))


@pytest.mark.doc("torch.reshape")
@pytest.mark.claim("003.reshape-changes-size", verdict="holds")
@given(case=tensors_and_new_shapes())
def test_reshape_reads_elements_in_row_major_order(case):
    """reshape keeps the elements in row-major (C) order, whatever the input's strides."""
    strided, shape = case
    assert_values_equal(strided.tensor.reshape(shape), strided.tensor.contiguous().view(shape))
