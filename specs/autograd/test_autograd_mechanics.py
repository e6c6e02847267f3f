"""Autograd mechanics: the three grad modes, setting requires_grad, the version counter behind in-place checks, hooks
on saved tensors, backward from several threads, complex gradients, and gradients at points that are not smooth."""

import threading

import pytest
import torch
from torch import nn

from torchspecs.assertions import assert_equal, assert_shares_storage, assert_values_equal

# A negative and a positive value: a gradient that loses a sign, a shift or a factor shows on one of them.
SIGNED = [1.0, -2.0]


def _signed_leaf() -> torch.Tensor:
    return torch.tensor(SIGNED, requires_grad=True)


def _results_in_threads(work, inputs: list) -> list:
    """work(value) run in one new thread per input, all started before any is joined; an error is kept as the result."""
    results = {}

    def run(index, value):
        try:
            results[index] = work(value)
        except Exception as error:  # the assertion shows what the thread raised
            results[index] = error

    threads = [threading.Thread(target=run, args=(index, value)) for index, value in enumerate(inputs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [results[index] for index in range(len(inputs))]


# Grad modes


@pytest.mark.doc("notes/autograd", "no-grad-mode")
def test_tensors_made_under_no_grad_can_be_used_in_grad_mode_later():
    """A result computed under no_grad is an ordinary tensor: grad mode later records through it and backward works."""
    weights = _signed_leaf()
    with torch.no_grad():
        made = weights * 3 + 1
    assert_equal(made.is_inference(), False, "is_inference() of a tensor made under no_grad")
    (weights * made).sum().backward()
    assert_values_equal(weights.grad, torch.tensor([4.0, -5.0]))


@pytest.mark.doc("notes/autograd", "inference-mode")
def test_inference_mode_records_nothing():
    """Under inference_mode an op on a tensor that requires grad is not recorded: no requires_grad, no grad_fn."""
    weights = _signed_leaf()
    with torch.inference_mode():
        result = weights * weights
    assert_equal((result.requires_grad, result.grad_fn), (False, None), "(requires_grad, grad_fn) of the result")


@pytest.mark.doc("torch.autograd.grad_mode.inference_mode")
def test_inference_tensors_have_no_version_counter():
    """A tensor made under inference_mode tracks no version counter: reading _version raises RuntimeError."""
    with torch.inference_mode():
        frozen = torch.ones(2, 3) * 2
    with pytest.raises(RuntimeError, match="Inference tensors do not track version counter"):
        _ = frozen._version


@pytest.mark.doc("notes/autograd", "inference-mode")
def test_inference_tensors_can_be_updated_in_place_only_inside_inference_mode():
    """An inference tensor may be changed in place inside inference_mode; outside it, an in-place update raises."""
    with torch.inference_mode():
        frozen = torch.ones(2, 3) * 2
        frozen.add_(1)
    assert_values_equal(frozen, torch.full((2, 3), 3.0))
    with pytest.raises(RuntimeError, match="Inplace update to inference tensor outside InferenceMode is not allowed"):
        frozen.add_(1)


@pytest.mark.doc("torch.autograd.grad_mode.inference_mode")
def test_inference_mode_false_turns_inference_mode_off_for_its_block():
    """inference_mode(False) inside inference_mode records again and makes ordinary tensors, for its own block only."""
    weights = _signed_leaf()
    with torch.inference_mode():
        with torch.inference_mode(False):
            inner = weights * 2
        outer = weights * 2
    assert_equal((inner.requires_grad, inner.is_inference()), (True, False), "(requires_grad, is_inference) inside")
    assert_equal((outer.requires_grad, outer.is_inference()), (False, True), "(requires_grad, is_inference) after")


@pytest.mark.doc("torch.no_grad")
def test_grad_mode_is_thread_local():
    """no_grad in one thread does not reach another: a thread started inside the block records as usual."""
    weights = _signed_leaf()
    with torch.no_grad():
        (in_thread,) = _results_in_threads(lambda w: (torch.is_grad_enabled(), (w * 2).requires_grad), [weights])
        here = (weights * 2).requires_grad
    assert_equal(in_thread, (True, True), "(is_grad_enabled, requires_grad) in the other thread")
    assert_equal(here, False, "requires_grad in the thread inside no_grad")


GRAD_MODE_DECORATORS = [
    ("no_grad", "enable_grad", False),
    ("enable_grad", "no_grad", True),
    ("inference_mode", "enable_grad", False),
]


@pytest.mark.doc("torch.no_grad")
@pytest.mark.doc("torch.enable_grad")
@pytest.mark.doc("torch.autograd.grad_mode.inference_mode")
@pytest.mark.parametrize(
    ("mode", "caller_mode", "records"), GRAD_MODE_DECORATORS, ids=[m[0] for m in GRAD_MODE_DECORATORS]
)
def test_grad_mode_decorates_a_function_with_its_mode(mode, caller_mode, records):
    """@no_grad(), @enable_grad() and @inference_mode() run the function in their mode; the caller's mode comes back."""
    weights = _signed_leaf()

    @getattr(torch, mode)()
    def doubled():
        return weights * 2

    with getattr(torch, caller_mode)():
        caller_records = torch.is_grad_enabled()
        inside = doubled().requires_grad
        after = torch.is_grad_enabled()
    assert_equal(inside, records, f"requires_grad of a result inside @{mode}()")
    assert_equal(after, caller_records, "is_grad_enabled() back in the caller")


@pytest.mark.doc("torch.no_grad")
def test_factory_functions_honour_requires_grad_under_no_grad():
    """no_grad does not affect factory functions: torch.ones(..., requires_grad=True) inside it gives a leaf that requires grad."""
    with torch.no_grad():
        made = torch.ones(2, 3, requires_grad=True)
    assert_equal((made.requires_grad, made.is_leaf), (True, True), "(requires_grad, is_leaf)")


@pytest.mark.doc("torch.autograd.grad_mode.set_grad_enabled")
def test_set_grad_enabled_called_as_a_function_switches_the_mode_until_switched_back():
    """torch.set_grad_enabled(False) called outside a with statement turns recording off until set_grad_enabled(True)."""
    weights = _signed_leaf()
    try:
        torch.set_grad_enabled(False)
        off = (weights * 2).requires_grad
    finally:
        torch.set_grad_enabled(True)
    assert_equal((off, (weights * 2).requires_grad), (False, True), "requires_grad while off, and after")


# Setting requires_grad


@pytest.mark.doc("torch.Tensor.requires_grad_")
def test_requires_grad_underscore_sets_a_leafs_flag_either_way_and_returns_the_leaf():
    """t.requires_grad_() turns the flag on, t.requires_grad_(False) turns it off; each returns t itself."""
    leaf = torch.ones(2, 3)
    on = leaf.requires_grad_()
    assert_equal((on is leaf, leaf.requires_grad), (True, True), "(returns the leaf, requires_grad) after ()")
    off = leaf.requires_grad_(False)
    assert_equal((off is leaf, leaf.requires_grad), (True, False), "(returns the leaf, requires_grad) after (False)")


@pytest.mark.doc("notes/autograd", "setting-requires-grad")
def test_requires_grad_of_a_non_leaf_cannot_be_turned_off():
    """Setting requires_grad = False on a non-leaf (a tensor with a grad_fn) raises; the flag stays True."""
    non_leaf = _signed_leaf() * 2
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables"):
        non_leaf.requires_grad = False
    assert_equal(non_leaf.requires_grad, True, "requires_grad of the non-leaf")


def _layer_with_known_weights() -> nn.Linear:
    layer = nn.Linear(2, 3)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0, -1.0], [2.0, 0.5], [-3.0, 1.0]]))
        layer.bias.copy_(torch.tensor([0.5, -0.5, 1.0]))
    return layer


@pytest.mark.doc("notes/autograd", "setting-requires-grad")
def test_a_frozen_weight_gets_no_gradient_while_the_others_still_do():
    """After weight.requires_grad_(False), backward leaves weight.grad None and still fills the bias's gradient."""
    layer = _layer_with_known_weights()
    layer.weight.requires_grad_(False)
    (layer(torch.tensor([[1.0, 2.0], [3.0, -4.0]])) * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert_equal(layer.weight.grad, None, "grad of the frozen weight")
    assert_values_equal(layer.bias.grad, torch.tensor([2.0, 4.0, 6.0]))


@pytest.mark.doc("torch.nn.Module.requires_grad_")
@pytest.mark.doc("notes/autograd", "setting-requires-grad")
def test_module_requires_grad_false_freezes_every_parameter_and_records_nothing():
    """model.requires_grad_(False) freezes every parameter, so the forward is not recorded; requires_grad_() undoes it."""
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    model.requires_grad_(False)
    output = model(torch.ones(4, 2))
    assert_equal([p.requires_grad for p in model.parameters()], [False] * 4, "requires_grad of each parameter")
    assert_equal((output.requires_grad, output.grad_fn), (False, None), "(requires_grad, grad_fn) of the output")
    model.requires_grad_()
    assert_equal([p.requires_grad for p in model.parameters()], [True] * 4, "requires_grad after requires_grad_()")


# In-place operations and the version counter


@pytest.mark.doc("notes/autograd", "in-place-correctness-checks")
def test_version_counter_counts_in_place_changes_only():
    """t._version goes up by one with each in-place change (add_, mul_, item assignment); out-of-place ops leave it."""
    tensor = torch.zeros(2, 3)
    seen = [tensor._version]
    tensor.add_(1)
    seen.append(tensor._version)
    tensor.mul_(2)
    seen.append(tensor._version)
    _ = tensor + 1
    seen.append(tensor._version)
    tensor[0] = 5
    seen.append(tensor._version)
    assert_equal(seen, [0, 1, 2, 2, 3], "_version after: nothing, add_, mul_, t + 1, t[0] = 5")


@pytest.mark.doc("notes/autograd", "in-place-correctness-checks")
def test_backward_refuses_a_saved_tensor_changed_in_place():
    """Changing a tensor that backward saved raises at backward, naming its version now and the version saved."""
    hidden = _signed_leaf() * 3
    squared = hidden * hidden
    hidden.mul_(2)
    with pytest.raises(
        RuntimeError, match=r"modified by an inplace operation: .* is at version 1; expected version 0 instead"
    ):
        squared.sum().backward()


def _in_place_error_of_a_changed_product() -> str:
    hidden = _signed_leaf() * 3
    squared = hidden * hidden
    hidden.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation") as raised:
        squared.sum().backward()
    return str(raised.value)


@pytest.mark.doc("notes/autograd", "in-place-correctness-checks")
@pytest.mark.change("autograd-errors-name-the-forward-op", side="before")
def test_the_in_place_error_names_the_backward_node_that_made_the_tensor():
    """The in-place error names the changed tensor's maker by its backward node: 'output 0 of MulBackward0'."""
    message = _in_place_error_of_a_changed_product()
    assert_equal("which is output 0 of MulBackward0," in message, True, f"the node named in {message!r}")


@pytest.mark.doc("notes/autograd", "in-place-correctness-checks")
@pytest.mark.change("autograd-errors-name-the-forward-op", side="after")
def test_the_in_place_error_names_the_forward_op_that_made_the_tensor():
    """The in-place error names the changed tensor's maker by its forward op: 'output 0 of Mul', not MulBackward0."""
    message = _in_place_error_of_a_changed_product()
    assert_equal("which is output 0 of Mul," in message, True, f"the op named in {message!r}")


@pytest.mark.doc("notes/autograd", "in-place-operations-with-autograd")
def test_an_in_place_op_on_a_non_leaf_becomes_part_of_its_history():
    """An in-place op on a non-leaf rewrites its grad_fn to the op's backward, and the gradient flows through it."""
    weights = _signed_leaf()
    hidden = weights + 1
    hidden.mul_(3)
    assert_equal(type(hidden.grad_fn).__name__, "MulBackward0", "grad_fn after mul_")
    (hidden * hidden).sum().backward()
    assert_values_equal(weights.grad, torch.tensor([36.0, -18.0]))


@pytest.mark.doc("torch.Tensor.detach")
@pytest.mark.doc("notes/autograd", "in-place-correctness-checks")
def test_detach_shares_the_version_counter_and_data_does_not():
    """A change through t.detach() bumps t._version, so autograd can see it; a change through t.data does not."""
    weights = _signed_leaf()
    weights.detach().add_(1)
    through_detach = weights._version
    weights.data.add_(1)
    assert_equal((through_detach, weights._version), (1, 1), "_version after detach().add_, then after data.add_")


def _versions_across_resizes() -> list[int]:
    """t._version at the start and after resize_ to the same size, a smaller one, a larger one and resize_as_."""
    tensor = torch.zeros(2, 3)
    seen = [tensor._version]
    for resize in (lambda: tensor.resize_(2, 3), lambda: tensor.resize_(4), lambda: tensor.resize_(3, 3)):
        resize()
        seen.append(tensor._version)
    tensor.resize_as_(torch.empty(5))
    seen.append(tensor._version)
    return seen


def _exp_resized_through_detach() -> tuple[torch.Tensor, torch.Tensor]:
    """A leaf and exp(leaf), which exp saves for backward, after resize_ of a detached alias of exp(leaf)."""
    weights = _signed_leaf()
    hidden = weights.exp()
    hidden.detach().resize_(1)
    return weights, hidden


@pytest.mark.doc("torch.Tensor.resize_")
@pytest.mark.doc("notes/autograd", "in-place-correctness-checks")
@pytest.mark.change("resize-bumps-the-version-counter", side="after")
def test_resize_to_a_new_size_bumps_the_version_counter():
    """resize_ and resize_as_ to a new size, smaller or larger, bump t._version; resize_ to the same size does not."""
    assert_equal(_versions_across_resizes(), [0, 0, 1, 2, 3], "_version: start, same size, smaller, larger, resize_as_")


@pytest.mark.doc("torch.Tensor.resize_")
@pytest.mark.doc("notes/autograd", "in-place-correctness-checks")
@pytest.mark.change("resize-bumps-the-version-counter", side="after")
def test_backward_refuses_a_saved_tensor_resized_since():
    """resize_ through a detached alias of a saved tensor is an in-place change: backward raises the version error."""
    _, hidden = _exp_resized_through_detach()
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation: .* is at version 1; expected version 0"):
        hidden.sum().backward()


@pytest.mark.doc("torch.Tensor.resize_")
@pytest.mark.doc("notes/autograd", "in-place-correctness-checks")
@pytest.mark.change("resize-bumps-the-version-counter", side="before")
def test_resize_leaves_the_version_counter_alone():
    """resize_ and resize_as_ do not bump t._version, whatever size they give the tensor."""
    assert_equal(_versions_across_resizes(), [0, 0, 0, 0, 0], "_version: start, same size, smaller, larger, resize_as_")


@pytest.mark.doc("torch.Tensor.resize_")
@pytest.mark.doc("notes/autograd", "in-place-correctness-checks")
@pytest.mark.change("resize-bumps-the-version-counter", side="before")
def test_backward_uses_a_saved_tensor_resized_since_unchecked():
    """resize_ through a detached alias of a saved tensor goes unseen: backward runs and gives exp's gradient."""
    weights, hidden = _exp_resized_through_detach()
    hidden.sum().backward()
    assert_values_equal(weights.grad, torch.tensor(SIGNED).exp())


# Hooks for saved tensors


@pytest.mark.doc("torch.autograd.graph.saved_tensors_hooks")
@pytest.mark.doc("notes/autograd", "hooks-for-saved-tensors")
def test_a_saved_tensor_is_packed_in_the_forward_and_unpacked_in_the_backward():
    """pack_hook gets the tensor an op saves when the op runs; unpack_hook runs when backward needs it."""
    weights, events = _signed_leaf(), []
    hooks = torch.autograd.graph.saved_tensors_hooks(
        lambda t: events.append(("pack", t.tolist())) or t, lambda t: events.append("unpack") or t
    )
    with hooks:
        squared = weights.pow(2)
    events.append("forward done")
    squared.sum().backward()
    assert_equal(events, [("pack", SIGNED), "forward done", "unpack"], "the hook calls in order")
    assert_values_equal(weights.grad, torch.tensor([2.0, -4.0]))


@pytest.mark.doc("notes/autograd", "hooks-for-saved-tensors")
def test_backward_uses_what_unpack_hook_returns():
    """Backward computes with the tensor unpack_hook returns: an unpack that adds 1 makes the gradient of x**2 2(x+1)."""
    weights = _signed_leaf()
    with torch.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t + 1):
        squared = weights.pow(2)
    squared.sum().backward()
    assert_values_equal(weights.grad, torch.tensor([4.0, -2.0]))


@pytest.mark.doc("notes/autograd", "hooks-for-saved-tensors")
def test_pack_hook_may_return_any_object_and_unpack_hook_receives_it():
    """pack_hook may return any object (here a string key); unpack_hook receives that object and returns the tensor."""
    weights, store, received = _signed_leaf(), {}, []

    def pack(tensor):
        key = f"saved-{len(store)}"
        store[key] = tensor.clone()
        return key

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda key: received.append(key) or store[key]):
        squared = (weights * 3 + 1).pow(2)
    squared.sum().backward()
    assert_equal(received, ["saved-0"], "what unpack_hook received")
    assert_values_equal(weights.grad, torch.tensor([24.0, -30.0]))


@pytest.mark.doc("notes/autograd", "hooks-for-saved-tensors")
def test_pack_hook_runs_once_and_unpack_hook_once_per_backward():
    """pack_hook is called once per saved tensor; unpack_hook as often as backward needs it (twice for two backwards)."""
    weights, calls = _signed_leaf(), []
    hooks = torch.autograd.graph.saved_tensors_hooks(
        lambda t: calls.append("pack") or t, lambda t: calls.append("unpack") or t
    )
    with hooks:
        squared = weights.pow(2).sum()
    squared.backward(retain_graph=True)
    squared.backward()
    assert_equal(calls, ["pack", "unpack", "unpack"], "the hook calls")
    assert_values_equal(weights.grad, torch.tensor([4.0, -8.0]))


@pytest.mark.doc("torch.autograd.graph.saved_tensors_hooks")
def test_nested_saved_tensors_hooks_apply_only_the_innermost_pair():
    """Inside nested saved_tensors_hooks only the innermost pair packs; after it exits, the outer pair packs again."""
    weights, packed_by = _signed_leaf(), []
    graph = torch.autograd.graph
    with graph.saved_tensors_hooks(lambda t: packed_by.append("outer") or t, lambda t: t):
        with graph.saved_tensors_hooks(lambda t: packed_by.append("inner") or t, lambda t: t):
            weights.pow(2)
        weights.pow(2)
    assert_equal(packed_by, ["inner", "outer"], "which pair packed each saved tensor")


@pytest.mark.doc("notes/autograd", "registering-default-hooks-for-saved-tensors")
def test_saved_tensors_hooks_are_thread_local():
    """Hooks set with saved_tensors_hooks apply to ops in their own thread only, not to ops another thread runs meanwhile."""
    weights, packed = _signed_leaf(), []
    elsewhere = weights * 10
    with torch.autograd.graph.saved_tensors_hooks(lambda t: packed.append(t.tolist()) or t, lambda t: t):
        _results_in_threads(lambda w: w.pow(2), [elsewhere])
        weights.pow(2)
    assert_equal(packed, [SIGNED], "the tensors packed (only this thread's)")


@pytest.mark.doc("notes/autograd", "hooks-for-saved-tensors")
def test_a_pack_hook_that_changes_its_input_in_place_is_refused():
    """A pack_hook that modifies the tensor it is given in place makes the op raise RuntimeError."""
    hidden = _signed_leaf() * 1
    hooks = torch.autograd.graph.saved_tensors_hooks(lambda t: t.mul_(2), lambda t: t)
    with hooks, pytest.raises(RuntimeError, match="A saved tensor pack hook is modifying its input in place"):
        hidden.pow(2)


@pytest.mark.doc("notes/autograd", "registering-hooks-for-a-saved-tensor")
def test_hooks_registered_on_one_saved_tensor_pack_at_once_and_unpack_on_each_access():
    """grad_fn._raw_saved_self.register_hooks packs at once; unpack runs on each read of _saved_self and in backward."""
    weights, events = _signed_leaf(), []
    squared = weights.pow(2)
    squared.grad_fn._raw_saved_self.register_hooks(
        lambda t: events.append("pack") or t, lambda t: events.append("unpack") or t + 1
    )
    events.append("registered")
    assert_values_equal(squared.grad_fn._saved_self.detach(), torch.tensor([2.0, -1.0]))
    squared.sum().backward()
    assert_equal(events, ["pack", "registered", "unpack", "unpack"], "the hook calls in order")
    assert_values_equal(weights.grad, torch.tensor([4.0, -2.0]))


@pytest.mark.doc("torch.autograd.graph.save_on_cpu")
def test_save_on_cpu_keeps_a_cpu_tensor_without_copying_it():
    """Under save_on_cpu a tensor already on the CPU is saved without a copy, and backward gives the exact gradient."""
    weights = _signed_leaf()
    with torch.autograd.graph.save_on_cpu(pin_memory=False):
        squared = weights.pow(2)
    assert_shares_storage(squared.grad_fn._saved_self, weights)
    squared.sum().backward()
    assert_values_equal(weights.grad, torch.tensor([2.0, -4.0]))


# Multithreaded autograd


def _train_step(start: float) -> list:
    """The note's thread body: its own leaf, (x + 3) * (x + 4) * 0.5, backward; the gradient is x + 3.5."""
    leaf = torch.full((2, 3), start, requires_grad=True)
    ((leaf + 3) * (leaf + 4) * 0.5).sum().backward()
    return leaf.grad.tolist()


@pytest.mark.doc("notes/autograd", "multithreaded-autograd")
def test_backward_in_several_threads_gives_each_thread_its_own_gradient():
    """backward() run at once in several threads, each on its own graph, gives every thread its exact gradient."""
    starts = [-2.0, 0.0, 1.0, 5.0]
    gradients = _results_in_threads(_train_step, starts)
    assert_equal(gradients, [[[start + 3.5] * 3] * 2 for start in starts], "each thread's gradient")


@pytest.mark.doc("notes/autograd", "graph-retaining")
def test_threads_sharing_part_of_a_graph_each_get_their_gradient_with_retain_graph():
    """Threads running autograd.grad with retain_graph=True through a shared part of a graph each get their own gradient."""
    weights = _signed_leaf()
    shared = weights.pow(2)

    def gradient(scale):
        (found,) = torch.autograd.grad((shared * scale).sum(), weights, retain_graph=True)
        return found.tolist()

    gradients = _results_in_threads(gradient, [1.0, -3.0, 0.5])
    assert_equal(gradients, [[2.0, -4.0], [-6.0, 12.0], [1.0, -2.0]], "each thread's gradient")


# Complex numbers and non-differentiable points


@pytest.mark.doc("notes/autograd", "autograd-for-complex-numbers")
def test_gradient_of_a_real_loss_of_a_complex_input_is_dl_dx_plus_i_dl_dy():
    """For a real loss L of z = x + iy the gradient is the conjugate Wirtinger one, dL/dx + i dL/dy (not its conjugate)."""
    z = torch.tensor([1 + 2j], requires_grad=True)
    (z * (2 - 1j)).real.sum().backward()
    assert_values_equal(z.grad, torch.tensor([2 + 1j]))


@pytest.mark.doc("notes/autograd", "autograd-for-complex-numbers")
def test_a_real_function_computed_through_complex_ops_gets_its_real_gradient():
    """A real-to-real function that goes through complex ops (|x + 2ix|^2 = 5x^2) gets the real gradient 10x."""
    weights = torch.tensor([1.0, -3.0], requires_grad=True)
    z = torch.complex(weights, 2 * weights)
    (z * z.conj()).real.sum().backward()
    assert_values_equal(weights.grad, torch.tensor([10.0, -30.0]))


@pytest.mark.doc("notes/autograd", "gradients-for-non-differentiable-functions")
def test_gradient_at_a_kink_of_a_convex_function_is_the_minimum_norm_subgradient():
    """At 0, where abs and relu have a kink, the gradient is the subgradient of least norm: 0 for both."""
    weights = torch.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    (abs_grad,) = torch.autograd.grad(weights.abs().sum(), weights)
    (relu_grad,) = torch.autograd.grad(torch.relu(weights).sum(), weights)
    assert_values_equal(abs_grad, torch.tensor([-1.0, 0.0, 1.0]))
    assert_values_equal(relu_grad, torch.tensor([0.0, 0.0, 1.0]))


@pytest.mark.doc("notes/autograd", "gradients-for-non-differentiable-functions")
def test_gradient_of_sqrt_at_zero_is_infinite_by_continuity():
    """Where a function is defined but not differentiable the gradient is its limit: sqrt at 0 gets inf."""
    weights = torch.tensor([0.0, 4.0], requires_grad=True)
    weights.sqrt().sum().backward()
    assert_values_equal(weights.grad, torch.tensor([float("inf"), 0.25]))
