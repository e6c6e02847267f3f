"""Module hooks: what each receives, what its return value replaces, and how handles and options behave."""

import warnings

import pytest
import torch
from torch import nn

from torchspecs.assertions import assert_equal, assert_values_equal


class Scale(nn.Module):
    """y = factor * x, with a keyword argument so that with_kwargs hooks have something to see."""

    def forward(self, x, factor=1.0):
        return x * factor


def _input():
    return torch.tensor([1.0, 2.0], requires_grad=True)


@pytest.mark.doc("torch.nn.Module.register_forward_pre_hook")
@pytest.mark.claim("002.forward-pre-hook-gets-no-output", verdict="holds")
@pytest.mark.claim("002.forward-pre-hook-runs-before-forward", verdict="holds")
@pytest.mark.claim("002.forward-pre-hook-may-change-input", verdict="holds")
def test_forward_pre_hook_sees_the_input_and_may_replace_it():
    """A forward pre-hook gets (module, args) before forward; its returned value replaces the input: (x + 10) * 2."""
    module, seen = Scale(), []
    module.register_forward_pre_hook(lambda mod, args: (seen.append(args[0].tolist()), (args[0] + 10,))[1])
    assert_values_equal(module(torch.tensor([1.0, 2.0]), factor=2.0), torch.tensor([22.0, 24.0]))
    assert_equal(seen, [[1.0, 2.0]], "the input the pre-hook saw")


@pytest.mark.doc("torch.nn.Module.register_forward_pre_hook")
def test_forward_pre_hook_with_kwargs_may_replace_args_and_kwargs():
    """With with_kwargs=True a pre-hook gets (module, args, kwargs) and may return a new (args, kwargs) pair."""
    module = Scale()
    module.register_forward_pre_hook(
        lambda mod, args, kwargs: ((args[0] + 1,), {**kwargs, "factor": 3.0}), with_kwargs=True
    )
    assert_values_equal(module(torch.tensor([1.0, 2.0]), factor=2.0), torch.tensor([6.0, 9.0]))


@pytest.mark.doc("torch.nn.Module.register_forward_hook")
@pytest.mark.claim("002.forward-hook-runs-after-forward", verdict="holds")
@pytest.mark.claim("002.forward-hook-may-change-output", verdict="holds")
def test_forward_hook_sees_input_and_output_and_may_replace_the_output():
    """A forward hook gets (module, args, output) after forward; its returned value replaces the output: 3x + 1."""
    module, seen = Scale(), []

    def hook(mod, args, output):
        seen.append((args[0].tolist(), output.tolist()))
        return output + 1

    module.register_forward_hook(hook)
    assert_values_equal(module(torch.tensor([1.0, 2.0]), factor=3.0), torch.tensor([4.0, 7.0]))
    assert_equal(seen, [([1.0, 2.0], [3.0, 6.0])], "the (input, output) the hook saw")


@pytest.mark.doc("torch.nn.Module.register_full_backward_pre_hook")
def test_full_backward_pre_hook_may_replace_grad_output():
    """A full backward pre-hook gets (module, grad_output) before the module's backward; a return replaces grad_output."""
    module, x, seen = Scale(), _input(), []
    module.register_full_backward_pre_hook(
        lambda mod, grad_output: (seen.append(grad_output[0].tolist()), (grad_output[0] + 5,))[1]
    )
    module(x, factor=2.0).sum().backward()
    assert_equal(seen, [[1.0, 1.0]], "the grad_output the pre-hook saw")
    assert_values_equal(x.grad, torch.tensor([12.0, 12.0]))


@pytest.mark.doc("torch.nn.Module.register_full_backward_hook")
@pytest.mark.claim("002.backward-hook-arguments", verdict="holds")
@pytest.mark.claim("002.full-backward-hook-runs-after-backward", verdict="holds")
@pytest.mark.claim("002.backward-hook-returns-grad-input-and-grad-output", verdict="wrong")
def test_full_backward_hook_may_replace_grad_input_only():
    """A full backward hook gets (module, grad_input, grad_output) once the module's input grads are computed; its return replaces grad_input."""
    module, x, seen = Scale(), _input(), []

    def hook(mod, grad_input, grad_output):
        seen.append((grad_input[0].tolist(), grad_output[0].tolist()))
        return (grad_input[0] + 100,)

    module.register_full_backward_hook(hook)
    module(x, factor=2.0).sum().backward()
    assert_equal(seen, [([2.0, 2.0], [1.0, 1.0])], "the (grad_input, grad_output) the hook saw")
    assert_values_equal(x.grad, torch.tensor([102.0, 102.0]))


@pytest.mark.doc("torch.nn.Module.register_full_backward_hook")
def test_full_backward_hook_returning_a_grad_output_replacement_is_refused():
    """A full backward hook may return only as many gradients as the module has inputs; a grad_output pair is refused."""
    module, x = Scale(), _input()
    module.register_full_backward_hook(lambda mod, grad_input, grad_output: (grad_input[0], grad_output[0]))
    with pytest.raises(RuntimeError, match="Backward hook returned an invalid number of grad_input"):
        module(x, factor=2.0).sum().backward()


@pytest.mark.doc("torch.nn.Module.register_forward_hook")
def test_removing_a_handle_removes_exactly_that_hook():
    """handle.remove() unregisters the one hook it was returned for (here the middle one); the other hooks still run."""
    module, calls = Scale(), []
    module.register_forward_hook(lambda *args: calls.append("first"))
    middle = module.register_forward_hook(lambda *args: calls.append("middle"))
    module.register_forward_hook(lambda *args: calls.append("last"))
    middle.remove()
    module(torch.ones(1))
    assert_equal(calls, ["first", "last"], "the hooks that ran")


@pytest.mark.doc("torch.nn.Module.register_forward_hook")
@pytest.mark.change("forward-hook-always-call", side="after")
def test_always_call_runs_a_forward_hook_when_forward_raises():
    """A forward hook registered with always_call=True runs even when forward raises."""
    module, calls = Scale(), []
    module.register_forward_hook(lambda *args: calls.append("always"), always_call=True)
    module.register_forward_hook(lambda *args: calls.append("normal"))
    with pytest.raises(TypeError, match="can't multiply sequence by non-int of type 'NoneType'"):
        module("not a tensor", factor=None)
    assert_equal(calls, ["always"], "the hooks that ran when forward raised")


@pytest.mark.doc("torch.nn.Module.register_forward_hook")
@pytest.mark.change("forward-hook-always-call", side="before")
def test_register_forward_hook_takes_no_always_call():
    """register_forward_hook takes no always_call argument: passing it raises TypeError."""
    with pytest.raises(TypeError, match="always_call"):
        Scale().register_forward_hook(lambda *args: None, always_call=True)


@pytest.mark.doc("torch.nn.Module.register_backward_hook")
def test_old_and_full_backward_hooks_cannot_be_mixed_on_one_module():
    """Registering a full backward hook on a module that has an old register_backward_hook (or the reverse) raises."""
    module = Scale()
    module.register_backward_hook(lambda *args: None)
    with pytest.raises(RuntimeError, match="Cannot use both regular backward hooks and full backward hooks"):
        module.register_full_backward_hook(lambda *args: None)


class ScaleThenShift(nn.Module):
    """y = 2 * x + 1: two autograd nodes, so an old-style backward hook sees only the last one's gradients."""

    def forward(self, x):
        return x * 2 + 1


NON_FULL_HOOK_WARNING = "Using a non-full backward hook when the forward contains multiple autograd Nodes is deprecated"


def _non_full_backward_hook_warnings() -> list[warnings.WarningMessage]:
    module, seen = ScaleThenShift(), []
    module.register_backward_hook(lambda mod, grad_input, grad_output: seen.append(grad_output[0].tolist()))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module(_input()).sum().backward()
    assert_equal(seen, [[1.0, 1.0]], "the gradient of the output the hook saw")
    return [warning for warning in caught if NON_FULL_HOOK_WARNING in str(warning.message)]


@pytest.mark.doc("torch.nn.Module.register_backward_hook")
@pytest.mark.change("non-full-backward-hook-future-warning", side="after")
def test_a_non_full_backward_hook_over_several_nodes_warns_future_warning():
    """An old-style backward hook on a forward of several autograd nodes warns FutureWarning that it is deprecated."""
    found = _non_full_backward_hook_warnings()
    assert_equal([warning.category for warning in found], [FutureWarning], "the categories of the warning")


@pytest.mark.doc("torch.nn.Module.register_backward_hook")
@pytest.mark.change("non-full-backward-hook-future-warning", side="before")
def test_a_non_full_backward_hook_over_several_nodes_warns_user_warning():
    """An old-style backward hook on a forward of several autograd nodes warns UserWarning that it is deprecated."""
    found = _non_full_backward_hook_warnings()
    assert_equal([warning.category for warning in found], [UserWarning], "the categories of the warning")


@pytest.mark.doc("torch.nn.Module.register_full_backward_hook")
@pytest.mark.change("full-backward-hook-output-only-warning", side="after")
def test_a_full_backward_hook_with_no_input_requiring_grad_warns_it_sees_outputs_only():
    """A full backward hook on a module none of whose inputs requires grad warns that it fires for the outputs only."""
    layer, seen = torch.nn.Linear(2, 2), []
    layer.register_full_backward_hook(lambda module, grad_input, grad_output: seen.append(grad_input))
    with pytest.warns(
        UserWarning, match="Full backward hook is firing when gradients are computed with respect to module outputs"
    ):
        layer(torch.ones(1, 2)).sum().backward()
    assert_equal(seen, [(None,)], "the grad_input the hook saw")


@pytest.mark.doc("torch.nn.Module.register_full_backward_hook")
@pytest.mark.change("full-backward-hook-output-only-warning", side="before")
@pytest.mark.filterwarnings("error:Full backward hook:UserWarning")
def test_a_full_backward_hook_with_no_input_requiring_grad_fires_silently():
    """A full backward hook on a module none of whose inputs requires grad fires with grad_input None, without a warning."""
    layer, seen = torch.nn.Linear(2, 2), []
    layer.register_full_backward_hook(lambda module, grad_input, grad_output: seen.append(grad_input))
    layer(torch.ones(1, 2)).sum().backward()
    assert_equal(seen, [(None,)], "the grad_input the hook saw")


@pytest.mark.doc("torch.nn.Module.register_forward_hook")
@pytest.mark.claim("002.forward-hook-output-is-the-forward-result", verdict="holds")
def test_the_output_a_forward_hook_gets_is_what_forward_returned():
    """A forward hook's output is forward's return value (3x here), its input the tuple of positional arguments (x)."""
    module, x, seen = Scale(), torch.tensor([1.0, -2.0]), []
    module.register_forward_hook(lambda mod, args, output: seen.append((args, output)))
    result = module(x, factor=3.0)
    (args, output) = seen[0]
    assert_equal(len(args) == 1 and args[0] is x, True, "the hook's input is (x,)")
    assert_equal(output is result, True, "the hook's output is the object forward returned")
    assert_values_equal(output, torch.tensor([3.0, -6.0]))


@pytest.mark.doc("torch.nn.Module.register_full_backward_hook")
@pytest.mark.claim("002.grad-input-is-what-comes-into-the-module", verdict="holds")
@pytest.mark.claim("002.grad-output-is-the-forward-result", verdict="wrong")
def test_grad_input_and_grad_output_are_gradients_of_the_loss_not_forward_values():
    """grad_output is d(loss)/d(output), not the output forward gave; grad_input is d(loss)/d(input), what x.grad gets."""
    module, x, seen = Scale(), torch.tensor([1.0, -2.0], requires_grad=True), []
    module.register_full_backward_hook(lambda mod, grad_input, grad_output: seen.append((grad_input, grad_output)))
    output = module(x, factor=3.0)
    (output * torch.tensor([5.0, 7.0])).sum().backward()
    grad_input, grad_output = seen[0]
    assert_values_equal(grad_output[0], torch.tensor([5.0, 7.0]))
    assert_equal(bool(torch.equal(grad_output[0], output.detach())), False, "grad_output equals the forward output")
    assert_values_equal(grad_input[0], torch.tensor([15.0, 21.0]))
    assert_values_equal(x.grad, grad_input[0])


@pytest.mark.doc("torch.nn.Module.register_full_backward_hook")
@pytest.mark.claim("002.backward-hook-returns-a-tuple", verdict="holds")
def test_a_full_backward_hook_must_return_a_tuple_of_gradients():
    """A full backward hook's replacement for grad_input is a tuple, one tensor per input; a bare tensor is refused."""
    tuple_module, x = Scale(), torch.tensor([1.0, -2.0], requires_grad=True)
    tuple_module.register_full_backward_hook(lambda mod, grad_input, grad_output: (grad_input[0] * 10,))
    tuple_module(x, factor=2.0).sum().backward()
    assert_values_equal(x.grad, torch.tensor([20.0, 20.0]))
    bare_module = Scale()
    bare_module.register_full_backward_hook(lambda mod, grad_input, grad_output: grad_input[0] * 10)
    with pytest.raises(RuntimeError, match="returned an invalid number of grad_input, got 2, but expected 1"):
        bare_module(torch.ones(2, requires_grad=True), factor=2.0).sum().backward()
