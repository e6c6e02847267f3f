"""detach: the same memory, outside the autograd graph."""

import pytest
import torch

from torchspecs.assertions import assert_aliased, assert_shares_storage, assert_values_equal


@pytest.mark.doc("torch.Tensor.detach")
@pytest.mark.claim("003.detach-shares-storage", verdict="holds")
def test_detach_shares_storage_with_the_original():
    """detach returns a tensor in the original's storage: in-place writes to either are seen in the other."""
    original = torch.arange(6.0).reshape(2, 3).t()[1:].requires_grad_()
    detached = original.detach()
    assert_shares_storage(original, detached)
    assert_values_equal(detached, original)
    assert_aliased(original, detached)
    assert_aliased(detached, original)


@pytest.mark.doc("torch.Tensor.detach")
@pytest.mark.claim("003.detach-shares-storage", verdict="holds")
def test_detach_leaves_the_autograd_graph():
    """detach returns a leaf that never requires grad and has no grad_fn, whatever the original's history."""
    result = torch.arange(3.0, requires_grad=True) * 2
    detached = result.detach()
    assert (detached.requires_grad, detached.grad_fn, detached.is_leaf) == (False, None, True), (
        f"expected requires_grad=False, grad_fn=None, is_leaf=True; got "
        f"{detached.requires_grad}, {detached.grad_fn}, {detached.is_leaf}"
    )


@pytest.mark.doc("torch.Tensor.detach")
def test_in_place_change_through_detach_is_caught_by_backward():
    """Modifying a detached tensor in place that backward still needs makes backward raise."""
    leaf = torch.arange(1.0, 4.0, requires_grad=True)
    result = leaf.exp()
    result.detach().zero_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        result.sum().backward()
