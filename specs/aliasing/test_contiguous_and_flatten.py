"""contiguous, flatten and ravel: which return the input itself, which a view, and which a copy."""

import math

import pytest
import torch
from hypothesis import assume, example, given
from hypothesis import strategies as st

from torchspecs.assertions import (
    assert_is_copy_of,
    assert_is_view_of,
    assert_not_view,
    assert_same_object,
    assert_shape,
    assert_values_equal,
)
from torchspecs.layout import view_strides
from torchspecs.strategies import Strided, strided_tensors, unmergeable_tensors

# Contiguous, though the stride of its size-1 dimension is not the row-major one: size-1 strides do not count.
ODD_STRIDED_CONTIGUOUS = Strided(torch.arange(3.0).reshape(1, 3).t(), "torch.arange(3.0).reshape(1, 3).t()")
# Not contiguous (every other row), yet its last two dimensions merge: flatten(1) can be a view.
STEP_SLICED = Strided(torch.arange(24.0).reshape(4, 2, 3)[::2], "torch.arange(24.0).reshape(4, 2, 3)[::2]")
# A transposed (2, 3) tensor: row-major order is 0, 3, 1, 4, 2, 5, memory order is 0, 1, 2, 3, 4, 5.
TRANSPOSED_ROW_MAJOR = [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]


@st.composite
def flattened_ranges(draw):
    strided = draw(strided_tensors(min_dims=2))
    start = draw(st.integers(0, strided.tensor.dim() - 2))
    return strided, start, draw(st.integers(start + 1, strided.tensor.dim() - 1))


@pytest.mark.doc("torch.Tensor.contiguous")
@given(strided=strided_tensors(max_steps=0))
@example(strided=ODD_STRIDED_CONTIGUOUS)
def test_contiguous_returns_the_tensor_itself_when_already_contiguous(strided):
    """contiguous() returns the very same tensor object when the tensor is already contiguous."""
    assert_same_object(strided.tensor.contiguous(), strided.tensor, "contiguous()")


@pytest.mark.doc("torch.Tensor.contiguous")
@given(strided=unmergeable_tensors())
def test_contiguous_copies_a_non_contiguous_tensor(strided):
    """contiguous() of a non-contiguous tensor is a contiguous copy with the same values and memory of its own."""
    result = strided.tensor.contiguous()
    assert result.is_contiguous(), "expected contiguous() to return a contiguous tensor"
    assert_is_copy_of(strided.tensor, result)


@pytest.mark.doc("torch.flatten")
def test_flatten_of_a_one_dimensional_tensor_returns_the_input_object():
    """flatten returns the input object itself when no dimensions are flattened (a 1-D input)."""
    vector = torch.arange(4.0)
    assert_same_object(vector.flatten(), vector, "flatten()")


@pytest.mark.doc("torch.flatten")
def test_flatten_of_a_zero_dimensional_tensor_is_a_one_element_view():
    """flatten of a 0-d tensor returns a 1-element, 1-D view of it."""
    scalar = torch.tensor(3.0)
    flat = scalar.flatten()
    assert tuple(flat.shape) == (1,), f"expected shape (1,), but got {tuple(flat.shape)}"
    assert_is_view_of(scalar, flat)


@pytest.mark.doc("torch.flatten")
@given(case=flattened_ranges())
@example(case=(STEP_SLICED, 1, 2))
def test_flatten_is_a_view_when_the_input_can_be_viewed_flat(case):
    """flatten returns a view when the input can be viewed as the flattened shape."""
    strided, start, end = case
    shape = strided.tensor.shape
    flat_shape = (*shape[:start], math.prod(shape[start : end + 1]), *shape[end + 1 :])
    assume(view_strides(shape, strided.tensor.stride(), flat_shape) is not None)
    flat = strided.tensor.flatten(start, end)
    assert_shape(flat, flat_shape)
    assert_is_view_of(strided.tensor, flat)


@pytest.mark.doc("torch.flatten")
def test_flatten_copies_when_the_input_cannot_be_viewed_flat():
    """flatten copies the data only when the input cannot be viewed as the flattened shape."""
    transposed = torch.arange(6.0).reshape(2, 3).t()
    flat = transposed.flatten()
    assert_values_equal(flat, torch.tensor(TRANSPOSED_ROW_MAJOR))
    assert_not_view(transposed, flat)


@pytest.mark.doc("torch.ravel")
@given(strided=strided_tensors(max_steps=0))
def test_ravel_of_a_contiguous_tensor_is_a_view(strided):
    """ravel of a contiguous tensor is a view: a copy is made only if needed."""
    assert_is_view_of(strided.tensor, strided.tensor.ravel())


@pytest.mark.doc("torch.ravel")
def test_ravel_of_a_non_contiguous_tensor_is_a_contiguous_copy():
    """ravel of a non-contiguous tensor returns a contiguous copy that is not a view of the input."""
    transposed = torch.arange(6.0).reshape(2, 3).t()
    flat = transposed.ravel()
    assert flat.is_contiguous(), "expected ravel() to return a contiguous tensor"
    assert_values_equal(flat, torch.tensor(TRANSPOSED_ROW_MAJOR))
    assert_not_view(transposed, flat)
