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


def _leaf_used_by_a_live_graph():
    """A leaf that requires grad, the loss of a graph that uses it (not yet run backward), and a tensor to swap in."""
    leaf = torch.tensor([1.0, -2.0], requires_grad=True)
    return leaf, (leaf * 2).sum(), torch.tensor([3.0, 4.0, 5.0])


@pytest.mark.doc("torch.utils.swap_tensors")
@pytest.mark.change("swap-tensors-leaf-held-by-grad-accumulator", side="after")
def test_swap_tensors_swaps_a_leaf_a_live_graph_uses_and_poisons_that_graph():
    """swap_tensors swaps a leaf a live graph still uses; backward through that graph then raises RuntimeError."""
    leaf, loss, replacement = _leaf_used_by_a_live_graph()
    torch.utils.swap_tensors(leaf, replacement)
    assert_values_equal(leaf, torch.tensor([3.0, 4.0, 5.0]))
    assert_equal((leaf.requires_grad, replacement.requires_grad), (False, True), "(leaf, replacement).requires_grad")
    with pytest.raises(RuntimeError, match="AccumulateGrad node that was poisoned by swap_tensors"):
        loss.backward()


@pytest.mark.doc("torch.utils.swap_tensors")
@pytest.mark.torch_version(">=2.3")
@pytest.mark.change("swap-tensors-leaf-held-by-grad-accumulator", side="before")
def test_swap_tensors_refuses_a_leaf_a_live_graph_uses():
    """swap_tensors refuses a leaf a live graph still uses: RuntimeError 'Expected single reference', nothing swapped."""
    leaf, loss, replacement = _leaf_used_by_a_live_graph()
    with pytest.raises(RuntimeError, match="Expected single reference to a's Tensor object"):
        torch.utils.swap_tensors(leaf, replacement)
    assert_values_equal(leaf, torch.tensor([1.0, -2.0]))
    loss.backward()
    assert_values_equal(leaf.grad, torch.tensor([2.0, 2.0]))
