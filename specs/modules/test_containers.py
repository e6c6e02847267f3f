"""Containers and introspection: children and modules, names and prefixes, lookup, apply, repr, and registration."""

import types

import pytest
import torch
from torch import nn

from torchspecs.assertions import assert_equal, assert_same_object


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 2)
        self.register_buffer("count", torch.zeros(1))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Linear(2, 1)


class Scaled(nn.Module):
    def __init__(self, factor: float):
        super().__init__()
        self.factor = factor

    def extra_repr(self) -> str:
        return f"factor={self.factor}"


@pytest.mark.doc("torch.nn.Module.named_children")
@pytest.mark.claim("002.named-children-direct-only", verdict="holds")
def test_named_children_yields_direct_children_only():
    """named_children() yields the module's direct submodules, not their submodules."""
    assert_equal([name for name, _ in Net().named_children()], ["block", "head"], "named_children()")


@pytest.mark.doc("torch.nn.Module.named_modules")
@pytest.mark.claim("002.named-modules-all-descendants", verdict="holds")
def test_named_modules_is_recursive_and_starts_with_the_module_itself():
    """named_modules() yields every submodule at any depth, first the module itself under the name ''."""
    names = [name for name, _ in Net().named_modules()]
    assert_equal(names, ["", "block", "block.linear", "head"], "named_modules()")


@pytest.mark.doc("torch.nn.Module.named_parameters")
@pytest.mark.claim("002.named-buffers-shows-buffers", verdict="holds")
@pytest.mark.claim("002.named-parameters-and-buffers", verdict="holds")
def test_named_parameters_and_buffers_carry_dotted_prefixes():
    """named_parameters() and named_buffers() name each tensor by its dotted path from the module."""
    net = Net()
    parameter_names = [name for name, _ in net.named_parameters()]
    assert_equal(parameter_names, ["block.linear.weight", "block.linear.bias", "head.weight", "head.bias"], "names")
    assert_equal([name for name, _ in net.named_buffers()], ["block.count"], "named_buffers()")


@pytest.mark.doc("torch.nn.Module.named_parameters")
@pytest.mark.claim("002.named-methods-are-iterators", verdict="holds")
def test_named_methods_return_generators_to_iterate():
    """named_parameters(), named_buffers(), named_children() and named_modules() return generators, not lists."""
    net = Net()
    for method in (net.named_parameters, net.named_buffers, net.named_children, net.named_modules):
        assert_equal(isinstance(method(), types.GeneratorType), True, f"{method.__name__}() is a generator")


@pytest.mark.doc("torch.nn.Module.get_submodule")
@pytest.mark.claim("002.get-submodule-by-name", verdict="holds")
def test_get_submodule_follows_a_dotted_path_and_raises_for_a_missing_one():
    """get_submodule('block.linear') returns that submodule; a path that does not exist raises AttributeError."""
    net = Net()
    assert_same_object(net.get_submodule("block.linear"), net.block.linear, "get_submodule('block.linear')")
    with pytest.raises(AttributeError, match="has no attribute `missing`"):
        net.get_submodule("block.missing")


@pytest.mark.doc("torch.nn.Module.apply")
@pytest.mark.claim("002.apply-to-every-submodule", verdict="holds")
def test_apply_visits_children_before_the_parent_and_returns_the_module():
    """apply(fn) calls fn on every submodule, children before parents, then on the module itself, and returns it."""
    net, visited = Net(), []
    assert_same_object(net.apply(lambda module: visited.append(type(module).__name__)), net, "apply(fn)")
    assert_equal(visited, ["Linear", "Block", "Linear", "Net"], "the visiting order")


@pytest.mark.doc("torch.nn.Module.add_module")
@pytest.mark.claim("003.sequential-add-model", verdict="wrong")
def test_add_module_registers_under_a_name_and_there_is_no_add_model():
    """add_module(name, module) and register_module register a child under that name; Sequential has no add_model."""
    model = nn.Sequential()
    model.add_module("first", nn.Linear(2, 2))
    model.register_module("second", nn.ReLU())
    assert_equal([name for name, _ in model.named_children()], ["first", "second"], "the children's names")
    assert_equal(hasattr(model, "add_model"), False, "hasattr(Sequential(), 'add_model')")


@pytest.mark.doc("torch.nn.Module.extra_repr")
@pytest.mark.claim("002.extra-repr-redefines-repr", verdict="wrong")
def test_extra_repr_adds_to_repr_rather_than_replacing_it():
    """extra_repr()'s string goes inside the module's repr, between the class name's parentheses; __repr__ is not replaced."""
    assert_equal(repr(Scaled(0.5)), "Scaled(factor=0.5)", "repr(Scaled(0.5))")
    assert_equal(type(Scaled(0.5)).__repr__ is nn.Module.__repr__, True, "Scaled keeps Module.__repr__")


@pytest.mark.doc("torch.nn.Identity")
@pytest.mark.claim("002.identity-returns-input", verdict="holds")
def test_identity_returns_its_input_object():
    """nn.Identity returns its input itself, whatever arguments it was built with."""
    data = torch.ones(2)
    assert_same_object(nn.Identity(54, unused="ignored")(data), data, "Identity()(data)")


@pytest.mark.doc("torch.nn.Sequential")
def test_sequential_runs_in_order_and_slices_into_a_sequential():
    """Sequential feeds each module's output to the next in order; a slice is a Sequential of those modules."""
    double, add_one = nn.Linear(1, 1, bias=False), nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        double.weight.fill_(2.0)
        add_one.weight.fill_(3.0)
    model = nn.Sequential(double, add_one)
    assert_equal(model(torch.ones(1, 1)).item(), 6.0, "Sequential(x2, x3)(1)")
    assert_equal(type(model[1:]), nn.Sequential, "the type of model[1:]")
    assert_same_object(model[1:][0], add_one, "model[1:][0]")


@pytest.mark.doc("torch.nn.Sequential")
@pytest.mark.claim("002.sequential-takes-parameters", verdict="wrong")
def test_sequential_refuses_a_parameter():
    """Sequential holds modules only: passing an nn.Parameter raises TypeError ('is not a Module subclass')."""
    with pytest.raises(TypeError, match="is not a Module subclass"):
        nn.Sequential(nn.Linear(1, 1), nn.Parameter(torch.ones(1)))


@pytest.mark.doc("torch.nn.ModuleList")
@pytest.mark.claim("002.module-dict-by-key", verdict="holds")
@pytest.mark.claim("002.module-list-and-dict-access", verdict="holds")
def test_module_list_and_dict_register_their_modules_and_a_plain_list_does_not():
    """ModuleList and ModuleDict register their modules (indexed by position or key); a Python list hides them."""

    class Holder(nn.Module):
        def __init__(self):
            super().__init__()
            self.listed = nn.ModuleList([nn.Linear(1, 1)])
            self.keyed = nn.ModuleDict({"head": nn.Linear(1, 1)})
            self.hidden = [nn.Linear(1, 1)]

    holder = Holder()
    names = {name for name, _ in holder.named_parameters()}
    assert_equal(names, {"listed.0.weight", "listed.0.bias", "keyed.head.weight", "keyed.head.bias"}, "parameters")
    assert_same_object(holder.keyed["head"], holder.get_submodule("keyed.head"), "keyed['head']")


@pytest.mark.doc("torch.nn.ModuleList")
def test_an_optimizer_never_sees_modules_held_in_a_plain_list():
    """Parameters of modules in a plain Python list are missing from parameters(), so an optimizer never updates them."""

    class Holder(nn.Module):
        def __init__(self):
            super().__init__()
            self.seen = nn.Linear(1, 1)
            self.hidden = [nn.Linear(1, 1)]

    holder = Holder()
    optimizer = torch.optim.SGD(holder.parameters(), lr=1.0)
    optimized = [p for group in optimizer.param_groups for p in group["params"]]
    assert_equal(len(optimized), 2, "the number of tensors the optimizer updates")
    assert_equal(any(p is holder.hidden[0].weight for p in optimized), False, "the hidden weight is in the optimizer")


class WithSequential(nn.Module):
    """A model whose layers are a torch.nn layer and a Sequential model, each assigned as an attribute."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
        self.head = nn.Linear(3, 1)

    def forward(self, x):
        return self.head(self.features(x))


@pytest.mark.doc("torch.nn.Sequential")
@pytest.mark.claim("003.sequential-as-a-layer-attribute", verdict="holds")
def test_a_sequential_assigned_as_an_attribute_is_a_layer_of_the_model():
    """self.name = nn.Sequential(...) registers the Sequential as a child like any layer, with its parameters."""
    model = WithSequential()
    assert_equal(list(dict(model.named_children())), ["features", "head"], "the model's children")
    names = [name for name, _ in model.named_parameters()]
    assert_equal(names, ["features.0.weight", "features.0.bias", "head.weight", "head.bias"], "named_parameters()")
    x = torch.tensor([[1.0, -1.0]])
    assert_equal(bool(torch.equal(model(x), model.head(model.features(x)))), True, "model(x) runs the Sequential")


def _fit_a_line(model: nn.Module) -> float:
    """Trains model on y = 2x + 1 with SGD and returns the final mean squared error."""
    x = torch.tensor([[-1.0], [0.0], [1.0], [2.0]])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(200):
        optimizer.zero_grad()
        loss = ((model(x) - (2 * x + 1)) ** 2).mean()
        loss.backward()
        optimizer.step()
    return loss.item()


@pytest.mark.doc("torch.nn.Linear")
@pytest.mark.doc("torch.nn.Sequential")
@pytest.mark.claim("003.sequential-as-a-model", verdict="holds")
@pytest.mark.claim("003.linear-as-model-or-layer", verdict="holds")
@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.Linear(1, 1),
        lambda: nn.Sequential(nn.Linear(1, 1)),
        lambda: nn.Sequential(nn.Linear(1, 1), nn.Identity()),
    ],
    ids=["linear", "sequential", "sequential-of-two"],
)
def test_a_linear_or_a_sequential_is_a_model_by_itself(make):
    """A bare nn.Linear, or an nn.Sequential, is a whole model: SGD on its parameters fits y = 2x + 1."""
    assert_equal(_fit_a_line(make()) < 1e-4, True, "the loss after training is below 1e-4")


class _SharedHead(nn.Module):
    """Two attributes hold one Linear, and a nested block has parameters of its own."""

    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Linear(2, 3)
        self.tied = self.head
        self.scale = nn.Parameter(torch.ones(1))


@pytest.mark.doc("torch.nn.Module.children")
def test_children_yields_each_direct_submodule_once_in_assignment_order():
    """children() yields the direct submodules in the order they were assigned, a module held twice only once, and
    not the submodules' own children."""
    model = _SharedHead()
    assert_equal(list(model.children()), [model.block, model.head], "children()")


@pytest.mark.doc("torch.nn.Module.parameters")
def test_parameters_yields_every_parameter_once_own_first_unless_recurse_is_false():
    """parameters() yields the module's own parameters, then its submodules' in order, a shared parameter only once;
    parameters(recurse=False) yields the module's own only."""
    model = _SharedHead()
    expected = [model.scale, model.block.linear.weight, model.block.linear.bias, model.head.weight, model.head.bias]
    assert_equal([p is e for p, e in zip(model.parameters(), expected, strict=True)], [True] * 5, "parameters()")
    assert_equal([p is model.scale for p in model.parameters(recurse=False)], [True], "parameters(recurse=False)")
