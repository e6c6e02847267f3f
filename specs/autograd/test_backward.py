"""backward and autograd.grad: which outputs get an implicit gradient, and what inputs= may be."""

import pytest
import torch

from torchspecs.assertions import assert_equal, assert_values_equal


@pytest.mark.doc("torch.Tensor.backward")
@pytest.mark.change("backward-complex-scalar-needs-a-gradient", side="after")
def test_backward_of_a_complex_scalar_needs_an_explicit_gradient():
    """backward() of a complex scalar raises: the gradient is created implicitly only for real scalar outputs."""
    z = (torch.tensor([1 + 1j], requires_grad=True) * 2).sum()
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for real scalar outputs"):
        z.backward()


@pytest.mark.doc("torch.Tensor.backward")
@pytest.mark.change("backward-complex-scalar-needs-a-gradient", side="before")
def test_backward_of_a_complex_scalar_uses_a_gradient_of_one():
    """backward() of a complex scalar uses an implicit gradient of 1, as for a real one."""
    leaf = torch.tensor([1 + 1j], requires_grad=True)
    (leaf * 2).sum().backward()
    assert_values_equal(leaf.grad, torch.tensor([2 + 0j]))


@pytest.mark.doc("torch.autograd.backward")
@pytest.mark.change("backward-inputs-may-be-a-tensor", side="after")
def test_backward_inputs_may_be_a_single_0_dim_tensor():
    """backward(inputs=w) accepts one tensor, even a 0-dim one, and accumulates into its grad only."""
    w, other = torch.tensor(2.0, requires_grad=True), torch.tensor(3.0, requires_grad=True)
    (w * w * other).backward(inputs=w)
    assert_equal((w.grad.item(), other.grad), (12.0, None), "(w.grad, other.grad)")


@pytest.mark.doc("torch.autograd.backward")
@pytest.mark.change("backward-inputs-may-be-a-tensor", side="before")
def test_backward_inputs_of_a_single_0_dim_tensor_is_refused():
    """backward(inputs=w) with a 0-dim tensor w raises TypeError: inputs is measured with len() first."""
    w = torch.tensor(2.0, requires_grad=True)
    with pytest.raises(TypeError, match="len"):
        (w * w).backward(inputs=w)


def _materialized_grad_of_an_unused_input(*, create_graph: bool = False) -> torch.Tensor:
    x, unused = torch.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    return torch.autograd.grad((x * 2).sum(), [x, unused], materialize_grads=True, create_graph=create_graph)[1]


@pytest.mark.doc("torch.autograd.grad")
@pytest.mark.change("grad-materialize-grads", side="after")
def test_grad_can_materialize_zeros_for_an_unused_input():
    """autograd.grad(..., materialize_grads=True) returns zeros for an input the output does not depend on, not None."""
    x, unused = torch.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    grads = torch.autograd.grad((x * 2).sum(), [x, unused], materialize_grads=True)
    assert_values_equal(grads[0].detach(), torch.full((2,), 2.0))
    assert_values_equal(grads[1].detach(), torch.zeros(2))


@pytest.mark.doc("torch.autograd.grad")
@pytest.mark.change("grad-materialize-grads", side="before")
def test_grad_takes_no_materialize_grads_argument():
    """autograd.grad takes no materialize_grads: an unused input needs allow_unused=True and gets None."""
    x, unused = torch.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    with pytest.raises(TypeError, match="materialize_grads"):
        torch.autograd.grad((x * 2).sum(), [x, unused], materialize_grads=True)


@pytest.mark.doc("torch.autograd.grad")
@pytest.mark.change("grad-materialize-grads", side="after")
@pytest.mark.change("grad-materialized-zeros-follow-create-graph", side="after")
def test_materialized_zero_grads_require_grad_only_with_create_graph():
    """grad(..., materialize_grads=True) gives zeros for an unused input, requiring grad only under create_graph."""
    zeros, graphed = _materialized_grad_of_an_unused_input(), _materialized_grad_of_an_unused_input(create_graph=True)
    assert_values_equal(zeros, torch.zeros(2))
    assert_equal(
        (zeros.requires_grad, graphed.requires_grad), (False, True), "requires_grad without and with create_graph"
    )


@pytest.mark.doc("torch.autograd.grad")
@pytest.mark.change("grad-materialize-grads", side="after")
@pytest.mark.change("grad-materialized-zeros-follow-create-graph", side="before")
def test_materialized_zero_grads_always_require_grad():
    """grad(..., materialize_grads=True) gives zeros for an unused input that require grad even without create_graph."""
    zeros = _materialized_grad_of_an_unused_input()
    assert_values_equal(zeros.detach(), torch.zeros(2))
    assert_equal(zeros.requires_grad, True, "requires_grad of the materialized zeros")


@pytest.mark.doc("torch.autograd.grad")
@pytest.mark.change("grad-inputs-may-be-a-dict", side="after")
def test_grad_of_a_dict_of_inputs_returns_a_dict():
    """autograd.grad(out, {'a': a, 'b': b}) returns the gradients as a dict with the same keys."""
    a, b = torch.tensor(2.0, requires_grad=True), torch.tensor(3.0, requires_grad=True)
    grads = torch.autograd.grad(a * b, {"a": a, "b": b})
    assert_equal({name: grad.item() for name, grad in grads.items()}, {"a": 3.0, "b": 2.0}, "the gradients by name")


@pytest.mark.doc("torch.autograd.grad")
@pytest.mark.change("grad-inputs-may-be-a-dict", side="before")
def test_grad_of_a_dict_of_inputs_is_refused():
    """autograd.grad(out, {'a': a}) raises RuntimeError: inputs is a tensor or a sequence of tensors, not names."""
    a = torch.tensor(2.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="all inputs have to be Tensors"):
        torch.autograd.grad(a * 3, {"a": a})


@pytest.mark.doc("torch.autograd.grad")
@pytest.mark.change("grad-refuses-empty-inputs", side="after")
def test_grad_with_no_inputs_says_inputs_cannot_be_empty():
    """autograd.grad(out, []) raises RuntimeError that the inputs argument cannot be empty."""
    with pytest.raises(RuntimeError, match="`inputs` argument to `grad\\(\\)` cannot be empty"):
        torch.autograd.grad(torch.ones(1, requires_grad=True).sum(), [])


@pytest.mark.doc("torch.autograd.grad")
@pytest.mark.change("grad-refuses-empty-inputs", side="before")
def test_grad_with_no_inputs_raises_value_error():
    """autograd.grad(out, []) raises ValueError: grad requires non-empty inputs."""
    with pytest.raises(ValueError, match="grad requires non-empty inputs"):
        torch.autograd.grad(torch.ones(1, requires_grad=True).sum(), [])


def _grad_with_an_unused_middle_input():
    """autograd.grad of used * also_used with respect to [used, unused, also_used]: the unused input is at index 1."""
    used, unused, also_used = (torch.tensor([value], requires_grad=True) for value in (2.0, -1.0, 3.0))
    torch.autograd.grad((used * also_used).sum(), [used, unused, also_used])


@pytest.mark.doc("torch.autograd.grad")
@pytest.mark.change("grad-unused-input-error-names-its-index", side="after")
def test_grad_of_an_unused_input_names_its_index():
    """autograd.grad of an input the output does not use raises RuntimeError naming that input's index in inputs."""
    with pytest.raises(RuntimeError, match=r"^The differentiated Tensor at index 1 appears to not have been used"):
        _grad_with_an_unused_middle_input()


@pytest.mark.doc("torch.autograd.grad")
@pytest.mark.change("grad-unused-input-error-names-its-index", side="before")
def test_grad_of_an_unused_input_says_one_of_the_tensors():
    """autograd.grad of an input the output does not use raises RuntimeError that 'one of' the inputs was unused."""
    with pytest.raises(RuntimeError, match=r"^One of the differentiated Tensors appears to not have been used"):
        _grad_with_an_unused_middle_input()


@pytest.mark.doc("torch.autograd.graph.get_gradient_edge")
@pytest.mark.change("get-gradient-edge", side="before")
def test_autograd_graph_has_no_get_gradient_edge():
    """torch.autograd.graph has no get_gradient_edge: a tensor's place in the graph is read from grad_fn."""
    assert_equal(hasattr(torch.autograd.graph, "get_gradient_edge"), False, "hasattr(autograd.graph, ...)")


@pytest.mark.doc("torch.autograd.graph.get_gradient_edge")
@pytest.mark.change("get-gradient-edge", side="after")
def test_gradient_edges_can_stand_for_tensors_in_grad():
    """autograd.grad(out, get_gradient_edge(t)) gives the gradient with respect to t, as grad(out, t) would."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    hidden = x * 3
    (by_edge,) = torch.autograd.grad((hidden * hidden).sum(), torch.autograd.graph.get_gradient_edge(hidden))
    assert_values_equal(by_edge, 2 * hidden.detach())


@pytest.mark.doc("torch.autograd.graph.get_gradient_edge")
@pytest.mark.change("get-gradient-edge", side="after")
@pytest.mark.change("gradient-edge-ownership-token", side="after")
def test_a_gradient_edge_has_a_node_an_output_number_and_an_ownership_token():
    """get_gradient_edge(t) returns a GradientEdge of three fields: node, output_nr and ownership_token."""
    edge = torch.autograd.graph.get_gradient_edge(torch.ones(1, requires_grad=True) * 2)
    assert_equal(type(edge)._fields, ("node", "output_nr", "ownership_token"), "the GradientEdge fields")


@pytest.mark.doc("torch.autograd.graph.get_gradient_edge")
@pytest.mark.change("get-gradient-edge", side="after")
@pytest.mark.change("gradient-edge-ownership-token", side="before")
def test_a_gradient_edge_is_a_node_and_an_output_number():
    """get_gradient_edge(t) returns a GradientEdge of two fields, node and output_nr, so it unpacks into two names."""
    node, output_nr = torch.autograd.graph.get_gradient_edge(torch.ones(1, requires_grad=True) * 2)
    assert_equal((node.name(), output_nr), ("MulBackward0", 0), "(node.name(), output_nr)")


@pytest.mark.doc("torch.autograd.Function")
@pytest.mark.change("autograd-function-traceable-removed", side="after")
def test_autograd_functions_have_no_is_traceable_flag():
    """autograd.Function has no is_traceable attribute, and torch.autograd.function has no traceable decorator."""
    found = (hasattr(torch.autograd.Function, "is_traceable"), hasattr(torch.autograd.function, "traceable"))
    assert_equal(found, (False, False), "(Function.is_traceable, autograd.function.traceable) exist")


@pytest.mark.doc("torch.autograd.Function")
@pytest.mark.change("autograd-function-traceable-removed", side="before")
def test_autograd_functions_carry_an_is_traceable_flag_off_by_default():
    """autograd.Function has an is_traceable flag, False by default, that torch.autograd.function.traceable sets."""
    assert_equal(torch.autograd.Function.is_traceable, False, "Function.is_traceable")
