"""In-place and out-of-place operations: which one changes the tensor, what each returns, and when autograd refuses."""

import pytest
import torch

from torchspecs.assertions import assert_equal, assert_same_object, assert_values_equal

IN_PLACE_METHODS = [
    ("mul_", (2.0,), [2.0, 4.0, 6.0]),
    ("add_", (1.0,), [2.0, 3.0, 4.0]),
    ("sub_", (1.0,), [0.0, 1.0, 2.0]),
    ("div_", (2.0,), [0.5, 1.0, 1.5]),
    ("clamp_", (None, 2.0), [1.0, 2.0, 2.0]),
]


@pytest.mark.doc("tensors")
@pytest.mark.claim("003.in-place-overwrites", verdict="holds")
@pytest.mark.parametrize(("name", "args", "expected"), IN_PLACE_METHODS, ids=[m[0] for m in IN_PLACE_METHODS])
def test_in_place_method_changes_the_tensor_and_returns_it(name, args, expected):
    """A method ending in _ writes its result into the tensor and returns that same tensor object."""
    tensor = torch.tensor([1.0, 2.0, 3.0])
    result = getattr(tensor, name)(*args)
    assert_same_object(result, tensor, f"{name}{args}")
    assert_values_equal(tensor, torch.tensor(expected))


@pytest.mark.doc("tensors")
@pytest.mark.claim("003.in-place-overwrites", verdict="holds")
@pytest.mark.parametrize(("name", "args", "expected"), IN_PLACE_METHODS, ids=[m[0] for m in IN_PLACE_METHODS])
def test_out_of_place_method_returns_a_new_tensor_and_leaves_the_input(name, args, expected):
    """The same method without the trailing _ returns a new tensor and leaves its input unchanged."""
    tensor = torch.tensor([1.0, 2.0, 3.0])
    result = getattr(tensor, name.removesuffix("_"))(*args)
    assert_equal(result is tensor, False, "result is the input")
    assert_values_equal(result, torch.tensor(expected))
    assert_values_equal(tensor, torch.tensor([1.0, 2.0, 3.0]))


@pytest.mark.doc("notes/autograd", "in-place-operations-with-autograd")
def test_in_place_op_on_a_leaf_that_requires_grad_is_refused():
    """An in-place op on a leaf that requires grad raises; under no_grad (as an optimizer step does) it is allowed."""
    weights = torch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        weights.mul_(2)
    with torch.no_grad():
        weights.mul_(2)
    assert_values_equal(weights.detach(), torch.tensor([2.0, 2.0]))


@pytest.mark.doc("torch.Tensor.sub_")
@pytest.mark.claim("003.data-sub-makes-zeros-and-ones", verdict="wrong")
def test_data_sub_subtracts_in_place_rather_than_binarising():
    """t.data.sub_(1) subtracts 1 from every element of t in place; it does not turn the values into 0 and 1."""
    tensor = torch.tensor([3.0, 1.0, -2.0])
    tensor.data.sub_(1)
    assert_values_equal(tensor, torch.tensor([2.0, 0.0, -3.0]))


@pytest.mark.doc("torch.eq")
@pytest.mark.claim("003.eq-compares-data", verdict="holds")
def test_eq_compares_element_by_element_and_equal_compares_whole_tensors():
    """t.eq(other) is a bool tensor, one answer per element; torch.equal(t, other) is one Python bool for all."""
    left, right = torch.tensor([1, 2, 3]), torch.tensor([1, 0, 3])
    assert_values_equal(left.eq(right), torch.tensor([True, False, True]))
    assert_equal(torch.equal(left, right), False, "torch.equal(left, right)")
    assert_equal(torch.equal(left, left.clone()), True, "torch.equal(left, left.clone())")
