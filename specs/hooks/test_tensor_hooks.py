"""Tensor hooks: a gradient hook may replace the gradient; a post-accumulate hook sees the updated .grad."""

import pytest
import torch

from torchspecs.assertions import assert_equal, assert_values_equal


@pytest.mark.doc("torch.Tensor.register_hook")
@pytest.mark.claim("002.tensor-hook-runs-in-backward", verdict="holds")
def test_tensor_hook_sees_the_gradient_and_may_replace_it():
    """register_hook(fn) calls fn with the tensor's gradient during backward; a returned tensor replaces that gradient.

    On a leaf the hook sees each backward's own gradient, before it is added into .grad."""
    weights, seen = torch.tensor([1.0, 2.0], requires_grad=True), []
    weights.register_hook(lambda grad: (seen.append(grad.tolist()), grad * 10)[1])
    (weights * 3).sum().backward()
    (weights * 3).sum().backward()
    assert_equal(seen, [[3.0, 3.0], [3.0, 3.0]], "the gradients the hook saw")
    assert_values_equal(weights.grad, torch.tensor([60.0, 60.0]))


@pytest.mark.doc("torch.Tensor.register_hook")
def test_tensor_hook_on_an_intermediate_changes_what_flows_further_back():
    """A hook on an intermediate tensor replaces the gradient that continues to its inputs: (1 + 1) * 2, not 1 * 2 + 1."""
    weights = torch.tensor([1.0, 2.0], requires_grad=True)
    middle = weights * 2
    middle.register_hook(lambda grad: grad + 1)
    middle.sum().backward()
    assert_values_equal(weights.grad, torch.tensor([4.0, 4.0]))


@pytest.mark.doc("torch.Tensor.register_post_accumulate_grad_hook")
@pytest.mark.change("post-accumulate-grad-hook", side="after")
def test_post_accumulate_grad_hook_receives_the_tensor_after_grad_is_updated():
    """register_post_accumulate_grad_hook(fn) calls fn(tensor) once .grad holds the accumulated gradient."""
    weights, seen = torch.tensor([1.0, 2.0], requires_grad=True), []
    weights.register_post_accumulate_grad_hook(lambda tensor: seen.append((tensor is weights, tensor.grad.tolist())))
    (weights * 3).sum().backward()
    (weights * 3).sum().backward()
    assert_equal(seen, [(True, [3.0, 3.0]), (True, [6.0, 6.0])], "what the hook saw after each backward")


@pytest.mark.doc("torch.Tensor.register_post_accumulate_grad_hook")
@pytest.mark.change("post-accumulate-grad-hook", side="before")
def test_tensors_have_no_post_accumulate_grad_hook():
    """Tensors have no register_post_accumulate_grad_hook method."""
    assert_equal(hasattr(torch.Tensor, "register_post_accumulate_grad_hook"), False, "the method exists")


def _two_leaves_of_different_sizes() -> tuple[torch.Tensor, torch.Tensor]:
    """Two leaves whose gradients differ in size and sign, so which gradient a hook saw shows."""
    return torch.tensor([1.0, 2.0], requires_grad=True), torch.tensor([3.0, -1.0, 4.0], requires_grad=True)


@pytest.mark.doc("torch.autograd.graph.register_multi_grad_hook")
@pytest.mark.change("multi-grad-hook-any-mode", side="after")
def test_any_mode_multi_grad_hook_runs_once_a_backward_with_the_first_gradient():
    """register_multi_grad_hook(tensors, fn, mode='any') calls fn once each backward, with one tensor's gradient.

    That gradient is the first computed for any of the tensors; fn gets it as a tensor, not a tuple of gradients."""
    first, second = _two_leaves_of_different_sizes()
    seen = []
    torch.autograd.graph.register_multi_grad_hook((first, second), lambda grad: seen.append(grad.tolist()), mode="any")
    ((first * 2).sum() + (second * -3).sum()).backward()
    (first * 5).sum().backward()
    assert_equal(len(seen), 2, f"calls of the hook over two backward passes (it saw {seen})")
    assert seen[0] in ([2.0, 2.0], [-3.0, -3.0, -3.0]), f"the first pass gave the hook {seen[0]}, no one gradient"
    assert_equal(seen[1], [5.0, 5.0], "the gradient the hook saw when only the first tensor was used")


@pytest.mark.doc("torch.autograd.graph.register_multi_grad_hook")
@pytest.mark.change("multi-grad-hook-any-mode", side="before")
def test_multi_grad_hook_takes_no_mode():
    """register_multi_grad_hook takes no mode argument: mode='any' raises TypeError."""
    first, second = _two_leaves_of_different_sizes()
    with pytest.raises(TypeError, match="unexpected keyword argument 'mode'"):
        torch.autograd.graph.register_multi_grad_hook((first, second), lambda grads: None, mode="any")
