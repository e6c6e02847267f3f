"""Saving a whole module object, and what torch.load will unpickle: the weights_only default and its allowlist."""

import builtins
import inspect
import io
import pickle
import re

import pytest
import torch
from torch import nn

from torchspecs.assertions import assert_equal, assert_values_equal

SENTINEL = "_torchspecs_payload_ran"
DEFAULT_WARNING = "You are using `torch.load` with `weights_only=False` (the current default value)"


class CodeRunningPayload:
    """Unpickling this runs code: it reduces to exec of a statement that sets a flag on builtins."""

    def __reduce__(self):
        return (exec, (f"import builtins; builtins.{SENTINEL} = True",))


def _saved(obj) -> io.BytesIO:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    buffer.seek(0)
    return buffer


@pytest.mark.doc("torch.nn.Module")
@pytest.mark.claim("001.model-save-method", verdict="wrong")
def test_modules_have_no_save_method():
    """nn.Module has no save() method: torch.save(model or model.state_dict(), path) is how a model is saved."""
    assert_equal(hasattr(nn.Linear(1, 1), "save"), False, "hasattr(model, 'save')")


@pytest.mark.doc("notes/serialization", "weights-only")
@pytest.mark.change("load-weights-only-default", side="after")
@pytest.mark.claim("001.load-whole-model", verdict="depends-on-version")
@pytest.mark.claim("003.torch-load-model", verdict="depends-on-version")
def test_load_refuses_a_pickled_module_by_default():
    """torch.load defaults to weights_only=True and refuses a whole pickled module ('Weights only load failed')."""
    with pytest.raises(Exception, match="Weights only load failed") as refused:
        torch.load(_saved(nn.Linear(2, 2)))
    assert_equal(type(refused.value).__name__, "UnpicklingError", "the error's type")


@pytest.mark.doc("torch.load")
@pytest.mark.change("load-weights-only-default", side="before")
@pytest.mark.claim("001.load-whole-model", verdict="depends-on-version")
@pytest.mark.claim("003.torch-load-model", verdict="depends-on-version")
@pytest.mark.filterwarnings("ignore:You are using `torch.load` with `weights_only=False`:FutureWarning")
def test_load_unpickles_a_whole_module_by_default():
    """torch.load defaults to weights_only=False and returns a pickled module, class and weights."""
    source = nn.Linear(2, 2)
    loaded = torch.load(_saved(source))
    assert_equal(type(loaded), nn.Linear, "the loaded object's type")
    assert_values_equal(loaded.weight.detach(), source.weight.detach())


@pytest.mark.doc("torch.load")
@pytest.mark.change("load-weights-only-default-warning", side="before")
@pytest.mark.filterwarnings("error:You are using `torch.load`:FutureWarning")
def test_load_without_weights_only_is_silent_about_its_default():
    """torch.load without weights_only gives no FutureWarning about its default."""
    assert_equal(list(torch.load(_saved({"w": torch.ones(1)}))), ["w"], "the loaded state dict's keys")


@pytest.mark.doc("torch.load")
@pytest.mark.change("load-weights-only-default-warning", side="after")
def test_load_without_weights_only_warns_that_its_default_will_change():
    """torch.load without weights_only warns FutureWarning that it uses weights_only=False for now."""
    with pytest.warns(FutureWarning, match=re.escape(DEFAULT_WARNING)):
        torch.load(_saved({"w": torch.ones(1)}))


@pytest.mark.doc("torch.save")
def test_load_with_weights_only_false_restores_the_whole_module():
    """torch.save(model) stores the module object; torch.load(..., weights_only=False) rebuilds it with its weights."""
    source = nn.Linear(2, 2)
    loaded = torch.load(_saved(source), weights_only=False)
    assert_equal(type(loaded), nn.Linear, "the loaded object's type")
    assert_values_equal(loaded.weight.detach(), source.weight.detach())


@pytest.mark.doc("notes/serialization", "weights-only")
@pytest.mark.change("safe-globals-context-manager", side="after")
def test_safe_globals_allows_a_module_class_under_weights_only():
    """torch.serialization.safe_globals([cls]) lets weights_only loading rebuild objects of an allowed class."""
    # A module's __dict__ holds a set, which the default allow-list takes only from weights-only-allows-sets-and-complex.
    source = nn.Linear(3, 2)
    with torch.serialization.safe_globals([nn.Linear, set]):
        loaded = torch.load(_saved(source), weights_only=True)
    assert_equal(type(loaded), nn.Linear, "the loaded object's type")
    assert_values_equal(loaded.weight.detach(), source.weight.detach())


@pytest.mark.doc("torch.serialization.safe_globals")
@pytest.mark.change("safe-globals-context-manager", side="before")
def test_serialization_has_no_safe_globals_context_manager():
    """torch.serialization has no safe_globals: allowing a class for weights_only loading cannot be scoped."""
    assert_equal(hasattr(torch.serialization, "safe_globals"), False, "hasattr(torch.serialization, 'safe_globals')")


@pytest.mark.doc("notes/serialization", "weights-only")
def test_weights_only_refuses_a_pickle_that_would_run_code():
    """torch.load(weights_only=True) refuses a pickle whose loading would call a function such as exec; nothing runs."""
    payload = _saved({"weight": torch.ones(1), "trap": CodeRunningPayload()})
    try:
        with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
            torch.load(payload, weights_only=True)
        assert_equal(hasattr(builtins, SENTINEL), False, "the payload ran")
    finally:
        if hasattr(builtins, SENTINEL):
            delattr(builtins, SENTINEL)


def _affine(x: torch.Tensor) -> torch.Tensor:
    if bool(x.sum() > 0):
        return x * 2 + 1
    return x - 1


@pytest.mark.doc("torch.jit.script")
@pytest.mark.claim("003.torchscript-compiles-source", verdict="holds")
def test_torchscript_compiles_a_function_from_its_source_control_flow_included():
    """torch.jit.script compiles a function's source into TorchScript: an if in the source becomes an If in the graph."""
    scripted = torch.jit.script(_affine)
    assert_equal(isinstance(scripted, torch.jit.ScriptFunction), True, "torch.jit.script returns a ScriptFunction")
    assert_equal("prim::If" in str(scripted.graph), True, "the compiled graph holds the if")
    assert_values_equal(scripted(torch.tensor([1.0, 2.0])), torch.tensor([3.0, 5.0]))
    assert_values_equal(scripted(torch.tensor([-1.0, -2.0])), torch.tensor([-2.0, -3.0]))


def _saved_scripted_model() -> io.BytesIO:
    """A scripted model saved by torch.jit.save; its Python class is local here and gone once this returns."""

    class Doubler(nn.Module):
        def __init__(self):
            super().__init__()
            self.offset = nn.Parameter(torch.tensor([0.5]))

        def forward(self, x):
            return x * 2 + self.offset

    buffer = io.BytesIO()
    torch.jit.save(torch.jit.script(Doubler()), buffer)
    buffer.seek(0)
    return buffer


@pytest.mark.doc("torch.jit.load")
@pytest.mark.claim("003.torchscript-model-loads-without-python-code", verdict="holds")
def test_a_saved_torchscript_model_loads_and_runs_without_its_python_class():
    """torch.jit.load rebuilds a scripted model from the file alone: no Python class is needed, its code is inside."""
    loaded = torch.jit.load(_saved_scripted_model())
    assert_equal(type(loaded).__name__, "RecursiveScriptModule", "the type torch.jit.load returns")
    assert_equal(loaded.original_name, "Doubler", "the original class name it keeps")
    assert_values_equal(loaded(torch.tensor([1.0, -1.0])).detach(), torch.tensor([2.5, -1.5]))


@pytest.mark.doc("torch.onnx.export")
@pytest.mark.claim("003.onnx-exports-models", verdict="holds")
def test_torch_onnx_exports_a_model_as_an_onnx_graph():
    """torch.onnx.export writes a model in the ONNX format: a Linear layer becomes one Gemm node holding its weights."""
    onnx = pytest.importorskip("onnx", reason="the onnx package is not installed: torch.onnx.export writes through it")
    # The TorchScript-based exporter: the dynamo one (the default from 2.9) also needs the onnxscript package.
    legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    model, buffer = nn.Linear(2, 1), io.BytesIO()
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[3.0, -2.0]]))
    torch.onnx.export(model, (torch.ones(1, 2),), buffer, **legacy)
    graph = onnx.load_from_string(buffer.getvalue()).graph
    assert_equal([node.op_type for node in graph.node], ["Gemm"], "the ONNX graph's nodes")
    weights = [list(onnx.numpy_helper.to_array(tensor).ravel()) for tensor in graph.initializer]
    assert_equal([3.0, -2.0] in weights, True, f"the Linear weight among the initializers {weights}")
