"""Parameters, buffers and plain tensor attributes side by side: what registers, saves, trains and moves."""

import pytest
import torch
from torch import nn

from torchspecs.assertions import assert_dtype, assert_equal, assert_same_object, assert_values_equal


class ThreeKinds(nn.Module):
    """One parameter, one persistent buffer, one non-persistent buffer and one plain tensor attribute."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(2))
        self.register_buffer("running", torch.ones(2))
        self.register_buffer("scratch", torch.ones(2), persistent=False)
        self.plain = torch.ones(2)

    def forward(self, x):
        return (x * self.weight * self.running * self.plain).sum()


@pytest.mark.doc("torch.nn.parameter.Parameter")
@pytest.mark.claim("001.parameter-is-a-tensor-subclass", verdict="holds")
def test_parameter_is_a_tensor_that_requires_grad_by_default():
    """nn.Parameter is a Tensor subclass and requires grad unless told otherwise."""
    parameter = nn.Parameter(torch.zeros(2))
    assert_equal(isinstance(parameter, torch.Tensor), True, "isinstance(parameter, torch.Tensor)")
    assert_equal(parameter.requires_grad, True, "requires_grad of a new Parameter")
    assert_equal(nn.Parameter(torch.zeros(2), requires_grad=False).requires_grad, False, "with requires_grad=False")


@pytest.mark.doc("torch.nn.parameter.Parameter")
@pytest.mark.claim("001.parameter-registers-plain-tensor-does-not", verdict="holds")
@pytest.mark.claim("001.parameter-attribute-is-trainable", verdict="holds")
def test_assigning_a_parameter_registers_it_and_a_plain_tensor_does_not():
    """A Parameter assigned as a module attribute shows in parameters(); a plain tensor attribute does not."""
    names = [name for name, _ in ThreeKinds().named_parameters()]
    assert_equal(names, ["weight"], "the names from named_parameters()")


@pytest.mark.claim("002.register-buffer-registers", verdict="holds")
@pytest.mark.doc("torch.nn.Module.register_buffer")
def test_buffers_are_listed_by_buffers_and_plain_tensors_by_neither():
    """register_buffer puts a tensor in buffers() (persistent or not); a plain tensor attribute is in neither list."""
    names = [name for name, _ in ThreeKinds().named_buffers()]
    assert_equal(names, ["running", "scratch"], "the names from named_buffers()")


@pytest.mark.doc("torch.nn.Module.state_dict")
@pytest.mark.claim("002.tensor-buffer-parameter-saved", verdict="holds")
def test_state_dict_holds_parameters_and_persistent_buffers_only():
    """state_dict() has the parameters and persistent buffers; non-persistent buffers and plain tensors are not saved."""
    assert_equal(list(ThreeKinds().state_dict()), ["weight", "running"], "the state_dict keys")


@pytest.mark.doc("torch.nn.Module.register_buffer")
@pytest.mark.claim("002.buffer-no-grad-no-update", verdict="holds")
@pytest.mark.claim("002.tensor-buffer-parameter-trained", verdict="holds")
def test_only_parameters_get_gradients_and_optimizer_updates():
    """After backward and an SGD step, the parameter has a grad and moved; the buffer and plain tensor did neither."""
    module = ThreeKinds()
    optimizer = torch.optim.SGD(module.parameters(), lr=0.5)
    module(torch.ones(2)).backward()
    optimizer.step()
    assert_equal((module.running.grad, module.plain.grad), (None, None), "the grads of the buffer and plain tensor")
    assert_values_equal(module.weight.detach(), torch.full((2,), 0.5))
    assert_values_equal(module.running, torch.ones(2))
    assert_values_equal(module.plain, torch.ones(2))


@pytest.mark.doc("torch.nn.Module.to")
def test_module_to_converts_parameters_and_buffers_but_leaves_plain_tensors_behind():
    """module.to(dtype) converts parameters and buffers; a plain tensor attribute keeps its dtype (and device)."""
    module = ThreeKinds().to(torch.float64)
    assert_dtype(module.weight, torch.float64)
    assert_dtype(module.running, torch.float64)
    assert_dtype(module.scratch, torch.float64)
    assert_dtype(module.plain, torch.float32)


@pytest.mark.doc("torch.nn.Module.to")
def test_module_to_changes_the_module_in_place_and_returns_it():
    """Module.to() modifies the module itself and returns it (unlike Tensor.to, which returns a new tensor)."""
    module = nn.Linear(2, 2)
    weight_before = module.weight
    assert_same_object(module.to(torch.float64), module, "Module.to(torch.float64)")
    assert_same_object(module.weight, weight_before, "the Parameter object after Module.to")
    assert_dtype(module.weight, torch.float64)


@pytest.mark.doc("torch.nn.Linear")
@pytest.mark.claim("003.parameters-weight-then-bias", verdict="holds")
def test_linear_parameters_come_weight_first_then_bias():
    """parameters() of nn.Linear yields the weight, then the bias, in registration order."""
    layer = nn.Linear(3, 2)
    shapes = [tuple(p.shape) for p in layer.parameters()]
    assert_equal(shapes, [(2, 3), (2,)], "the parameter shapes in order")


@pytest.mark.doc("torch.numel")
@pytest.mark.claim("003.numel-shows-parameter-values", verdict="wrong")
def test_numel_counts_a_parameters_elements_rather_than_showing_its_values():
    """p.numel() is the number of elements in p (an int), not its values; p.requires_grad says whether it trains."""
    weight = nn.Linear(3, 2).weight
    assert_equal(weight.numel(), 6, "numel() of a (2, 3) weight")
    assert_equal(type(weight.numel()), int, "the type of numel()")


@pytest.mark.doc("torch.nn.parameter.Parameter")
@pytest.mark.claim("003.copy-into-weight-data", verdict="holds")
def test_copying_into_weight_data_sets_a_parameter_without_recording_it():
    """layer.weight.data.copy_(values) sets the parameter's values in place, outside autograd (grad_fn stays None)."""
    embedding = nn.Embedding(3, 2)
    pretrained = torch.arange(6.0).reshape(3, 2)
    embedding.weight.data.copy_(pretrained)
    assert_values_equal(embedding.weight.detach(), pretrained)
    assert_equal((embedding.weight.grad_fn, embedding.weight.is_leaf), (None, True), "(grad_fn, is_leaf) of the weight")


@pytest.mark.doc("torch.nn.Linear")
@pytest.mark.doc("torch.nn.Conv2d")
@pytest.mark.claim("001.linear-and-conv-define-parameters", verdict="holds")
@pytest.mark.claim("002.linear-w-and-b-are-parameters", verdict="holds")
@pytest.mark.parametrize("make", [lambda: nn.Linear(3, 2), lambda: nn.Conv2d(1, 2, 3)], ids=["linear", "conv2d"])
def test_linear_and_conv_define_their_weight_and_bias_as_parameters(make):
    """Linear and Conv2d make their weight and bias as torch.nn.parameter.Parameter, registered and trainable."""
    layer = make()
    for name in ("weight", "bias"):
        assert_equal(type(getattr(layer, name)), torch.nn.parameter.Parameter, f"the type of layer.{name}")
    assert_equal([name for name, _ in layer.named_parameters()], ["weight", "bias"], "named_parameters()")
    assert_equal(all(p.requires_grad for p in layer.parameters()), True, "every parameter requires grad")


@pytest.mark.doc("torch.Tensor.requires_grad_")
@pytest.mark.claim("003.parameters-require-grad", verdict="holds")
def test_requires_grad_of_a_parameter_says_whether_it_trains():
    """A parameter with requires_grad True gets a grad and moves on a step; one set to False gets none and stays."""
    layer = nn.Linear(2, 1)
    layer.bias.requires_grad_(False)
    weight, bias = layer.weight.detach().clone(), layer.bias.detach().clone()
    optimizer = torch.optim.SGD(layer.parameters(), lr=0.5)
    layer(torch.tensor([[1.0, -2.0]])).sum().backward()
    optimizer.step()
    assert_equal([p.requires_grad for p in layer.parameters()], [True, False], "requires_grad of weight and bias")
    assert_equal(layer.bias.grad, None, "the frozen bias's grad")
    assert_values_equal(layer.bias.detach(), bias)
    assert_values_equal(layer.weight.detach(), weight - 0.5 * torch.tensor([[1.0, -2.0]]))


class MyLiner(nn.Module):
    """The notes' own linear layer: x @ weights + bias, with (in, out)-shaped weights."""

    def __init__(self, in_features, out_features):
        super().__init__()
        self.weights = nn.Parameter(torch.randn(in_features, out_features, generator=torch.Generator().manual_seed(0)))
        self.bias = nn.Parameter(torch.randn(out_features, generator=torch.Generator().manual_seed(1)))

    def forward(self, x):
        return x @ self.weights + self.bias


@pytest.mark.doc("torch.nn.parameter.Parameter")
@pytest.mark.claim("004.custom-linear-forward-uses-weight-bias", verdict="holds")
def test_a_module_of_its_own_computes_from_its_parameters_and_trains_them():
    """MyLiner's forward makes the output from x, weights and bias; both are its parameters and get gradients."""
    layer, x = MyLiner(3, 2), torch.tensor([[1.0, 0.0, -1.0], [2.0, 1.0, 0.5]])
    output = layer(x)
    assert_equal(tuple(output.shape), (2, 2), "the output's shape")
    assert_values_equal(output.detach(), (x @ layer.weights + layer.bias).detach())
    assert_equal([name for name, _ in layer.named_parameters()], ["weights", "bias"], "named_parameters()")
    output.sum().backward()
    assert_values_equal(layer.bias.grad, torch.tensor([2.0, 2.0]))
    assert_values_equal(layer.weights.grad, x.sum(0, keepdim=True).T.expand(3, 2))
