"""torch.utils.swap_tensors: two tensor objects exchange their contents, and every reference to either follows."""

import pytest
import torch
from torch import nn

from torchspecs.assertions import assert_equal, assert_values_equal


class _SlottedTensor(torch.Tensor):
    __slots__ = ("scale",)


@pytest.mark.doc("torch.utils.swap_tensors")
@pytest.mark.change("swap-tensors", side="after")
def test_swap_tensors_exchanges_data_shape_and_dtype_in_place():
    """swap_tensors(t1, t2) gives t1 the data, shape and dtype of t2 and t2 those of t1; later writes follow the swap."""
    floats, ints = torch.tensor([1.0, -2.0, 3.0]), torch.tensor([[4, 5], [6, 7]])
    held = [floats, ints]
    torch.utils.swap_tensors(floats, ints)
    assert_equal((held[0] is floats, floats.dtype, ints.dtype), (True, torch.int64, torch.float32), "after the swap")
    assert_values_equal(floats, torch.tensor([[4, 5], [6, 7]]))
    floats.add_(1)
    assert_values_equal(held[0], torch.tensor([[5, 6], [7, 8]]))
    assert_values_equal(ints, torch.tensor([1.0, -2.0, 3.0]))


@pytest.mark.doc("torch.utils.swap_tensors")
@pytest.mark.change("swap-tensors", side="after")
def test_swap_tensors_exchanges_the_class_and_python_attributes_too():
    """swap_tensors swaps whole objects' contents: a Parameter and a plain tensor trade classes and attributes."""
    weight, replacement = nn.Parameter(torch.ones(2)), torch.zeros(3)
    replacement.note = "replacement"
    torch.utils.swap_tensors(weight, replacement)
    found = (type(weight).__name__, type(replacement).__name__, getattr(weight, "note", None))
    assert_equal(found, ("Tensor", "Parameter", "replacement"), "(class of weight, class of replacement, weight.note)")
    assert_equal(hasattr(replacement, "note"), False, "the attribute stayed behind on replacement")


@pytest.mark.doc("torch.utils.swap_tensors")
@pytest.mark.change("swap-tensors", side="after")
def test_swap_tensors_refuses_tensors_with_different_slots():
    """swap_tensors refuses tensors whose classes have different __slots__: RuntimeError, neither is changed."""
    slotted, plain = torch.ones(2).as_subclass(_SlottedTensor), torch.zeros(3)
    with pytest.raises(RuntimeError, match="Cannot swap t1 and t2 if they have different slots"):
        torch.utils.swap_tensors(slotted, plain)
    assert_equal((tuple(slotted.shape), tuple(plain.shape)), ((2,), (3,)), "the shapes after the refusal")


@pytest.mark.doc("torch.utils.swap_tensors")
@pytest.mark.change("swap-tensors", side="before")
def test_torch_utils_has_no_swap_tensors():
    """torch.utils has no swap_tensors: tensor objects cannot exchange their contents."""
    assert_equal(hasattr(torch.utils, "swap_tensors"), False, "hasattr(torch.utils, 'swap_tensors')")
