"""The nn.Module API as it grew: Buffer, set_submodule, modules(remove_duplicate=...)."""

import pytest
import torch
from torch import nn

from torchspecs.assertions import assert_equal


@pytest.mark.doc("torch.nn.Buffer")
@pytest.mark.change("module-buffer-class", side="after")
def test_assigning_a_buffer_object_registers_a_buffer():
    """Assigning nn.Buffer(tensor) to a module attribute registers a buffer; persistent=False keeps it out of state_dict."""
    module = nn.Module()
    module.kept = nn.Buffer(torch.ones(1))
    module.scratch = nn.Buffer(torch.zeros(1), persistent=False)
    assert_equal(sorted(name for name, _ in module.named_buffers()), ["kept", "scratch"], "the registered buffers")
    assert_equal(list(module.state_dict()), ["kept"], "the state_dict keys")


@pytest.mark.doc("torch.nn.Module.register_buffer")
@pytest.mark.change("module-buffer-class", side="before")
def test_there_is_no_buffer_class():
    """torch.nn has no Buffer class: a buffer is registered with register_buffer only."""
    assert_equal(hasattr(nn, "Buffer"), False, "hasattr(torch.nn, 'Buffer')")


@pytest.mark.doc("torch.nn.Module.set_submodule")
@pytest.mark.change("module-set-submodule", side="after")
def test_set_submodule_replaces_a_nested_module_by_its_dotted_name():
    """set_submodule('0.1', module) replaces the submodule at that dotted path."""
    model = nn.Sequential(nn.Sequential(nn.Identity(), nn.Identity()))
    model.set_submodule("0.1", nn.ReLU())
    assert_equal([type(child).__name__ for child in model[0]], ["Identity", "ReLU"], "the inner children")


@pytest.mark.doc("torch.nn.Module.get_submodule")
@pytest.mark.change("module-set-submodule", side="before")
def test_modules_have_no_set_submodule():
    """nn.Module has get_submodule but no set_submodule."""
    assert_equal(hasattr(nn.Module, "set_submodule"), False, "hasattr(nn.Module, 'set_submodule')")


@pytest.mark.doc("torch.nn.Module.set_submodule")
@pytest.mark.change("module-set-submodule", side="after")
@pytest.mark.change("set-submodule-refuses-non-modules", side="after")
def test_set_submodule_refuses_something_that_is_not_a_module():
    """set_submodule(name, None) raises ValueError: only an nn.Module may be set."""
    with pytest.raises(ValueError, match=r"is not an nn\.Module"):
        nn.Sequential(nn.Identity()).set_submodule("0", None)


@pytest.mark.doc("torch.nn.Module.set_submodule")
@pytest.mark.change("module-set-submodule", side="after")
@pytest.mark.change("set-submodule-refuses-non-modules", side="before")
def test_set_submodule_sets_whatever_it_is_given():
    """set_submodule(name, None) sets the attribute to None without checking it."""
    model = nn.Sequential(nn.Identity())
    model.set_submodule("0", None)
    assert_equal(model._modules["0"], None, "the submodule after set_submodule('0', None)")


@pytest.mark.doc("torch.nn.Module.modules")
@pytest.mark.change("modules-remove-duplicate", side="after")
def test_modules_can_list_a_shared_module_once_per_use():
    """modules(remove_duplicate=False) yields a module shared by two parents once for each; the default yields it once."""
    shared = nn.Linear(1, 1)
    model = nn.Sequential(shared, shared)
    assert_equal(len(list(model.modules(remove_duplicate=False))), 3, "modules(remove_duplicate=False)")
    assert_equal(len(list(model.modules())), 2, "modules()")


@pytest.mark.doc("torch.nn.Module.modules")
@pytest.mark.change("modules-remove-duplicate", side="before")
def test_modules_takes_no_remove_duplicate_argument():
    """modules() takes no arguments: a shared module is always yielded once (named_modules has remove_duplicate)."""
    with pytest.raises(TypeError):
        nn.Sequential(nn.Linear(1, 1)).modules(remove_duplicate=False)


class _ScaleWithBackward(nn.Module):
    """A module that defines backward, as the notes suggest a module may: autograd never calls it."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(3.0))
        self.backward_calls = 0

    def forward(self, x):
        return self.scale * x + 1

    def backward(self, *grads):
        self.backward_calls += 1
        return tuple(grad * 0 for grad in grads)


@pytest.mark.doc("notes/modules")
@pytest.mark.claim("004.module-backward-computes-parameter-gradients", verdict="wrong")
@pytest.mark.claim("001.module-defines-backward", verdict="wrong")
def test_a_module_defines_forward_but_no_backward():
    """nn.Module has forward, and no backward: the backward pass is autograd's, computed from what forward ran."""
    assert_equal((hasattr(nn.Module, "forward"), hasattr(nn.Module, "backward")), (True, False), "(forward, backward)")


@pytest.mark.doc("notes/modules")
@pytest.mark.claim("004.module-backward-computes-parameter-gradients", verdict="wrong")
@pytest.mark.claim("001.module-backward-can-be-overridden", verdict="wrong")
def test_a_backward_method_on_a_module_is_never_called_by_autograd():
    """A backward method defined on a module is never called: loss.backward() takes its gradients from autograd."""
    module = _ScaleWithBackward()
    x = torch.tensor([1.0, -2.0, 5.0], requires_grad=True)
    module(x).sum().backward()
    assert_equal(module.backward_calls, 0, "calls of the module's backward")
    assert_equal(module.scale.grad.item(), 4.0, "d(sum(3x + 1))/d scale = sum(x)")
    assert_equal(x.grad.tolist(), [3.0, 3.0, 3.0], "d(sum(3x + 1))/dx")


@pytest.mark.doc("torch.nn.Module")
@pytest.mark.claim("001.module-is-the-layer-base-class", verdict="holds")
@pytest.mark.claim("004.module-is-the-base-class", verdict="holds")
@pytest.mark.claim("003.nn-holds-layers-activations-losses", verdict="holds")
@pytest.mark.parametrize(
    "name", ["Linear", "Conv2d", "RNN", "Embedding", "Sequential", "ReLU", "Sigmoid", "CrossEntropyLoss", "MSELoss"]
)
def test_layers_activations_and_losses_in_torch_nn_are_modules(name):
    """torch.nn's layers, activations and losses are classes derived from nn.Module, the base class of them all."""
    layer_class = getattr(nn, name)
    assert_equal(isinstance(layer_class, type), True, f"nn.{name} is a class")
    assert_equal(issubclass(layer_class, nn.Module), True, f"nn.{name} is a subclass of nn.Module")


class _LayerBeforeInit(nn.Module):
    """A model that assigns a layer before calling super().__init__()."""

    def __init__(self):
        self.linear = nn.Linear(1, 1)
        super().__init__()


@pytest.mark.doc("torch.nn.Module")
@pytest.mark.claim("003.module-subclass-calls-super-init", verdict="holds")
def test_a_layer_assigned_before_super_init_is_refused():
    """A Module subclass must call super().__init__() before it assigns a layer: otherwise AttributeError."""
    with pytest.raises(AttributeError, match=r"cannot assign module before Module.__init__\(\) call"):
        _LayerBeforeInit()


class _Recorded(nn.Module):
    """A model whose forward records each call and returns 2x + 1."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def forward(self, x):
        self.calls.append(x)
        return 2 * x + 1


@pytest.mark.doc("torch.nn.Module.forward")
@pytest.mark.claim("003.forward-runs-when-model-is-called", verdict="holds")
def test_calling_a_model_runs_its_forward_once_and_returns_its_result():
    """model(x) runs forward(x) once, with x, and returns what forward returned."""
    model, x = _Recorded(), torch.tensor([-1.0, 3.0])
    result = model(x)
    assert_equal(len(model.calls), 1, "the number of forward calls")
    assert_equal(model.calls[0] is x, True, "forward received x itself")
    assert_equal(result.tolist(), [-1.0, 7.0], "model(x)")
