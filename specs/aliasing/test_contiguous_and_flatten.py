"""contiguous, flatten and ravel: which return the input itself, which a view, and which a copy."""

import pytest
import torch
from hypothesis import given

from torchspecs.assertions import assert_is_copy_of, assert_is_view_of, assert_not_view, assert_same_object
from torchspecs.strategies import strided_tensors, unmergeable_tensors


@pytest.mark.doc("torch.Tensor.contiguous")
@given(strided=strided_tensors(max_steps=0))
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
@given(strided=strided_tensors(min_dims=2, max_steps=0))
def test_flatten_is_a_view_when_the_input_can_be_viewed_flat(strided):
    """flatten returns a view when the input can be viewed as the flattened shape."""
    assert_is_view_of(strided.tensor, strided.tensor.flatten())


@pytest.mark.doc("torch.flatten")
def test_flatten_copies_when_the_input_cannot_be_viewed_flat():
    """flatten copies the data only when the input cannot be viewed as the flattened shape."""
    transposed = torch.arange(6.0).reshape(2, 3).t()
    assert_not_view(transposed, transposed.flatten())


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
    assert_not_view(transposed, flat)
