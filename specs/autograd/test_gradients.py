"""Gradients: what requires grad, what records a graph, where .grad lands, and when backward refuses."""

import warnings

import pytest
import torch
from torch import nn

from torchspecs.assertions import assert_equal, assert_independent, assert_shares_storage, assert_values_equal


@pytest.mark.doc("notes/autograd")
@pytest.mark.claim("003.requires-grad-tracks-operations", verdict="holds")
@pytest.mark.claim("001.requires-grad-marks-trainable", verdict="holds")
def test_results_of_an_op_on_a_tensor_that_requires_grad_require_grad():
    """A result requires grad, and has a grad_fn, when any input requires grad; otherwise neither."""
    weights, data = torch.ones(2, requires_grad=True), torch.ones(2)
    assert_equal((weights * data).requires_grad, True, "requires_grad of weights * data")
    assert_equal((weights * data).grad_fn is None, False, "grad_fn is None for weights * data")
    assert_equal((data * data).requires_grad, False, "requires_grad of data * data")
    assert_equal((data * data).grad_fn, None, "grad_fn of data * data")


@pytest.mark.doc("notes/autograd")
@pytest.mark.claim("000.grad-fn-names", verdict="holds")
@pytest.mark.parametrize(
    ("operation", "name"),
    [
        (lambda x: x + 2, "AddBackward0"),
        (lambda x: x - 2, "SubBackward0"),
        (lambda x: x * 2, "MulBackward0"),
        (lambda x: x / 2, "DivBackward0"),
    ],
    ids=["add", "sub", "mul", "div"],
)
def test_grad_fn_names_the_backward_of_the_operation(operation, name):
    """x + 2, x - 2, x * 2 and x / 2 of a tensor that requires grad have grad_fn AddBackward0, SubBackward0, ..."""
    result = operation(torch.ones(2, 2, requires_grad=True))
    assert_equal(type(result.grad_fn).__name__, name, "the grad_fn's name")


@pytest.mark.doc("notes/autograd")
@pytest.mark.claim("003.grad-fn-holds-the-gradient", verdict="wrong")
def test_grad_fn_is_the_backward_function_not_the_gradient():
    """grad_fn is a graph node (the function backward will run), not a gradient: it has no values, and links to its inputs."""
    weights = torch.ones(2, requires_grad=True)
    result = weights * 3
    assert_equal(isinstance(result.grad_fn, torch.Tensor), False, "grad_fn is a tensor")
    assert_equal(callable(result.grad_fn), True, "grad_fn is callable")
    assert_equal(type(result.grad_fn.next_functions[0][0]).__name__, "AccumulateGrad", "the node grad_fn leads to")


@pytest.mark.doc("torch.Tensor.grad")
@pytest.mark.claim("001.backward-differentiates-the-objective", verdict="holds")
@pytest.mark.claim("003.grad-after-backward", verdict="holds")
@pytest.mark.claim("001.grad-holds-the-derivative", verdict="holds")
def test_grad_is_none_until_backward_then_holds_the_derivative():
    """w.grad is None until a backward pass reaches w; then it holds d(output)/dw."""
    weights = torch.tensor([1.0, 2.0], requires_grad=True)
    assert_equal(weights.grad, None, "grad before backward")
    (weights**2).sum().backward()
    assert_values_equal(weights.grad, torch.tensor([2.0, 4.0]))


@pytest.mark.doc("torch.Tensor.is_leaf")
@pytest.mark.filterwarnings("ignore:The .grad attribute of a Tensor that is not a leaf Tensor:UserWarning")
def test_only_leaves_keep_grad_unless_retain_grad_is_called():
    """backward fills .grad of leaves only; a non-leaf's .grad stays None unless retain_grad() was called on it."""
    leaf = torch.ones(2, requires_grad=True)
    kept, dropped = leaf * 2, leaf * 3
    kept.retain_grad()
    (kept + dropped).sum().backward()
    assert_equal((leaf.is_leaf, kept.is_leaf), (True, False), "(leaf.is_leaf, kept.is_leaf)")
    assert_values_equal(kept.grad, torch.ones(2))
    assert_equal(dropped.grad, None, "the grad of a non-leaf without retain_grad")


@pytest.mark.doc("torch.Tensor.grad")
@pytest.mark.filterwarnings("ignore:The .grad attribute of a Tensor that is not a leaf Tensor:UserWarning")
def test_reading_grad_of_a_non_leaf_warns():
    """Reading .grad of a non-leaf tensor that does not retain grad warns that it is not populated."""
    non_leaf = torch.ones(2, requires_grad=True) * 2
    with pytest.warns(UserWarning, match="The .grad attribute of a Tensor that is not a leaf Tensor is being accessed"):
        _ = non_leaf.grad


@pytest.mark.claim("000.gradients-accumulate-without-zero-grad", verdict="holds")
@pytest.mark.claim("004.zero-grad-stops-gradients-carrying-forward", verdict="holds")
@pytest.mark.doc("torch.Tensor.backward")
@pytest.mark.doc("torch.optim.Optimizer.zero_grad")
def test_gradients_accumulate_across_backward_calls_until_cleared():
    """Each backward adds into .grad; it does not overwrite it. optimizer.zero_grad() clears it (to None) to start over."""
    weights = torch.tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        (weights * 5).sum().backward()
    assert_values_equal(weights.grad, torch.tensor([15.0, 15.0]))
    torch.optim.SGD([weights], lr=0.1).zero_grad()
    assert_equal(weights.grad, None, "grad after zero_grad()")
    (weights * 5).sum().backward()
    assert_values_equal(weights.grad, torch.tensor([5.0, 5.0]))


@pytest.mark.doc("torch.Tensor.backward")
@pytest.mark.claim("000.backward-needs-a-scalar", verdict="wrong")
@pytest.mark.claim("003.non-scalar-loss-backward-with-gradient", verdict="holds")
def test_backward_of_a_non_scalar_needs_a_gradient_argument():
    """backward() of a non-scalar raises 'grad can be implicitly created only for scalar outputs'; backward(gradient=v) works."""
    weights = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (weights * 3).backward()
    (weights * 3).backward(gradient=torch.tensor([1.0, 10.0]))
    assert_values_equal(weights.grad, torch.tensor([3.0, 30.0]))


@pytest.mark.doc("torch.Tensor.backward")
@pytest.mark.claim("004.backward-computes-tensor-gradients", verdict="holds")
@pytest.mark.claim("004.autodiff-for-backpropagation", verdict="holds")
@pytest.mark.claim("004.autograd-example-gradients", verdict="holds")
def test_the_notes_worked_example_gives_9a_squared_and_minus_2b():
    """For Q = 3a^3 - b^2 and an external gradient of ones, a.grad is 9a^2 and b.grad is -2b exactly."""
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    q = 3 * a**3 - b**2
    q.backward(gradient=torch.tensor([1.0, 1.0]))
    assert_values_equal(a.grad, torch.tensor([36.0, 81.0]))
    assert_values_equal(b.grad, torch.tensor([-12.0, -8.0]))


@pytest.mark.doc("torch.Tensor.backward")
def test_a_second_backward_through_a_freed_graph_raises_unless_the_graph_was_retained():
    """backward frees the graph's saved tensors: a second backward raises, unless the first had retain_graph=True."""
    weights = torch.tensor([1.0, 2.0], requires_grad=True)
    loss = (weights * weights).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    assert_values_equal(weights.grad, torch.tensor([4.0, 8.0]))
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        loss.backward()


@pytest.mark.doc("notes/autograd")
@pytest.mark.claim("004.backward-fills-parameter-grads", verdict="holds")
def test_backward_of_a_loss_fills_the_grads_of_the_parameters_it_used():
    """loss.backward() computes .grad for every parameter that went into the loss, and only those."""
    used, unused = nn.Linear(2, 1), nn.Linear(2, 1)
    used(torch.ones(3, 2)).sum().backward()
    assert_values_equal(used.weight.grad, torch.full((1, 2), 3.0))
    assert_values_equal(used.bias.grad, torch.tensor([3.0]))
    assert_equal(unused.weight.grad, None, "the grad of a parameter the loss did not use")


@pytest.mark.doc("notes/autograd", "in-place-operations-with-autograd")
def test_writing_through_data_is_invisible_to_autograd():
    """.data shares storage but is not tracked: an in-place change through it is not caught, and backward uses the new values."""
    weights = torch.tensor([1.0, 2.0], requires_grad=True)
    loss = (weights * weights).sum()
    assert_shares_storage(weights, weights.data)
    weights.data.mul_(10)
    loss.backward()
    assert_values_equal(weights.grad, torch.tensor([20.0, 40.0]))


@pytest.mark.doc("torch.clone")
def test_clone_copies_memory_but_stays_in_the_graph():
    """clone() has memory of its own yet records CloneBackward0: gradients flow back through it to the source."""
    weights = torch.tensor([1.0, 2.0], requires_grad=True)
    copy = weights.clone()
    assert_independent(weights.detach(), copy.detach())
    assert_equal(type(copy.grad_fn).__name__, "CloneBackward0", "the clone's grad_fn")
    (copy * 4).sum().backward()
    assert_values_equal(weights.grad, torch.tensor([4.0, 4.0]))


def _mul_nodes(tensor: torch.Tensor) -> int:
    """How many MulBackward0 nodes lie on the chain from ``tensor`` back to its leaf."""
    count, node = 0, tensor.grad_fn
    while node is not None:
        count += type(node).__name__ == "MulBackward0"
        node = next((parent for parent, _ in node.next_functions if parent is not None), None)
    return count


def _doubled(x: torch.Tensor, times: int) -> torch.Tensor:
    for _ in range(times):
        x = x * 2
    return x


@pytest.mark.doc("notes/autograd")
@pytest.mark.claim("001.define-by-run", verdict="holds")
@pytest.mark.claim("004.graph-made-at-run-time", verdict="holds")
@pytest.mark.claim("003.graph-rebuilt-each-iteration", verdict="holds")
def test_the_graph_is_recorded_as_operations_run_and_follows_python_control_flow():
    """Each operation records its grad_fn as it runs; a loop run 1 or 3 times records a graph of 1 or 3 steps."""
    x = torch.tensor([1.5], requires_grad=True)
    assert_equal(type((x * 2).grad_fn).__name__, "MulBackward0", "the grad_fn right after x * 2")
    for times in (1, 3):
        result = _doubled(x, times)
        assert_equal(_mul_nodes(result), times, f"MulBackward0 nodes after doubling {times} time(s)")
        (grad,) = torch.autograd.grad(result.sum(), x)
        assert_values_equal(grad, torch.tensor([2.0**times]))


@pytest.mark.doc("notes/autograd")
@pytest.mark.claim("003.backward-applies-the-chain-rule", verdict="holds")
def test_backward_applies_the_chain_rule():
    """backward() of sin(w^2) gives w.grad = cos(w^2) * 2w: the outer derivative times the inner one."""
    w = torch.tensor([-1.5, 0.5, 2.0], dtype=torch.float64, requires_grad=True)
    torch.sin(w**2).sum().backward()
    expected = torch.cos(w.detach() ** 2) * 2 * w.detach()
    assert_equal(bool(torch.allclose(w.grad, expected)), True, f"w.grad {w.grad} is cos(w^2) * 2w {expected}")


class _Cube(torch.autograd.Function):
    """x^3 with its derivative 3x^2 written by hand."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 3 * x**2


@pytest.mark.doc("torch.autograd.Function")
@pytest.mark.claim("003.autograd-has-function-base-class", verdict="holds")
def test_a_subclass_of_autograd_function_is_differentiable_through_its_own_backward():
    """A torch.autograd.Function subclass with forward and backward is applied with .apply; backward uses its backward."""
    x = torch.tensor([-2.0, 1.0, 3.0], requires_grad=True)
    cubed = _Cube.apply(x)
    assert_values_equal(cubed.detach(), torch.tensor([-8.0, 1.0, 27.0]))
    assert_equal(type(cubed.grad_fn).__name__, "_CubeBackward", "the grad_fn of _Cube.apply(x)")
    cubed.sum().backward()
    assert_values_equal(x.grad, torch.tensor([12.0, 3.0, 27.0]))


class _ScaleThenShift(torch.autograd.Function):
    """factor * x + shift, differentiable in x only."""

    @staticmethod
    def forward(ctx, x, factor, shift=0.0):
        ctx.factor = factor
        return x * factor + shift

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.factor, None, None


@pytest.mark.doc("torch.autograd.Function.apply")
@pytest.mark.change("function-apply-keyword-arguments", side="after")
def test_autograd_function_apply_binds_keyword_arguments_to_forwards_parameters():
    """Function.apply(x, shift=..., factor=...) passes each keyword to forward's parameter of that name, in any order."""
    x = torch.tensor([1.0, -2.0], requires_grad=True)
    result = _ScaleThenShift.apply(x, shift=1.0, factor=3.0)
    assert_values_equal(result.detach(), torch.tensor([4.0, -5.0]))
    result.sum().backward()
    assert_values_equal(x.grad, torch.tensor([3.0, 3.0]))


@pytest.mark.doc("torch.autograd.Function.apply")
@pytest.mark.change("function-apply-keyword-arguments", side="before")
def test_autograd_function_apply_refuses_keyword_arguments():
    """Function.apply takes its arguments positionally only: a keyword argument raises TypeError."""
    x = torch.tensor([1.0, -2.0], requires_grad=True)
    with pytest.raises(TypeError, match="apply\\(\\) takes no keyword arguments"):
        _ScaleThenShift.apply(x, factor=3.0)


@pytest.mark.doc("torch.Tensor.grad_dtype")
@pytest.mark.change("tensor-grad-dtype", side="after")
def test_grad_dtype_of_a_leaf_sets_the_dtype_its_grad_accumulates_in():
    """A leaf's grad_dtype reads as its dtype until set; set to float64, the leaf's .grad is float64."""
    weights = torch.tensor([1.0, -2.0], requires_grad=True)
    assert_equal(weights.grad_dtype, torch.float32, "grad_dtype of a float32 leaf by default")
    weights.grad_dtype = torch.float64
    (weights * 3).sum().backward()
    assert_equal(weights.grad.dtype, torch.float64, "dtype of the grad")
    assert_values_equal(weights.grad, torch.tensor([3.0, 3.0], dtype=torch.float64))


@pytest.mark.doc("torch.Tensor.grad")
@pytest.mark.change("tensor-grad-dtype", side="before")
def test_a_leafs_grad_always_has_the_leafs_dtype():
    """Tensors have no grad_dtype: setting one is a plain Python attribute, and .grad keeps the leaf's dtype."""
    weights = torch.tensor([1.0, -2.0], requires_grad=True)
    assert_equal(hasattr(torch.Tensor, "grad_dtype"), False, "hasattr(torch.Tensor, 'grad_dtype')")
    weights.grad_dtype = torch.float64
    (weights * 3).sum().backward()
    assert_equal(weights.grad.dtype, torch.float32, "dtype of the grad")


def _warnings_of_float(tensor) -> list[str]:
    """The warnings float(tensor) gives, each time it is called (not only once a process)."""
    warn_always = torch.is_warn_always_enabled()
    torch.set_warn_always(True)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            float(tensor)
    finally:
        torch.set_warn_always(warn_always)
    return [f"{record.category.__name__}: {record.message}" for record in caught]


@pytest.mark.doc("torch.Tensor.requires_grad")
@pytest.mark.change("float-of-a-tensor-requiring-grad-warns", side="after")
def test_float_of_a_tensor_that_requires_grad_warns_to_detach_first():
    """float(t) of a t that requires grad warns UserWarning to detach first; float(t.detach()) is silent."""
    weight = torch.tensor(-1.5, requires_grad=True)
    (found,) = _warnings_of_float(weight)
    assert found.startswith("UserWarning: Converting a tensor with requires_grad=True to a scalar"), found
    assert "Consider using tensor.detach() first" in found, found
    assert_equal(_warnings_of_float(weight.detach()), [], "warnings of float(weight.detach())")


@pytest.mark.doc("torch.Tensor.requires_grad")
@pytest.mark.change("float-of-a-tensor-requiring-grad-warns", side="before")
def test_float_of_a_tensor_that_requires_grad_is_silent():
    """float(t) of a t that requires grad returns its value without a warning."""
    assert_equal(_warnings_of_float(torch.tensor(-1.5, requires_grad=True)), [], "warnings of float(weight)")
