"""What model code marks for TorchScript and torch.fx: functions left to Python (jit.ignore), methods left out
(jit.unused), code that asks whether it is being scripted, asserts that survive tracing (torch._assert), and
functions kept whole by fx (fx.wrap); and TorchScript's deprecation."""

import types
import warnings

import pytest
import torch
import torch.fx
from torch import nn

from torchspecs.assertions import assert_equal, assert_values_equal


def _scripted(target):
    """torch.jit.script without its deprecation warning, which specs below assert on their own."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="`torch.jit.*` is deprecated")
        return torch.jit.script(target)


def _negated_by_numpy(x: torch.Tensor) -> torch.Tensor:
    return torch.from_numpy(-x.numpy())


def _fresh(function):
    """A new function object with the same code: decorators mark the function object they are given."""
    return types.FunctionType(function.__code__, function.__globals__, function.__name__)


@pytest.mark.doc("torch.jit.ignore")
def test_ignored_function_runs_as_python_inside_scripted_code():
    """A function decorated with torch.jit.ignore is left as a Python call when code calling it is scripted, so it
    may use what TorchScript cannot compile (numpy); undecorated, the same call makes scripting fail."""
    plain, ignored = _fresh(_negated_by_numpy), torch.jit.ignore(_fresh(_negated_by_numpy))

    def calls_plain(x: torch.Tensor) -> torch.Tensor:
        return plain(x) * 2 + 1

    def calls_ignored(x: torch.Tensor) -> torch.Tensor:
        return ignored(x) * 2 + 1

    with pytest.raises(RuntimeError, match="'numpy'"):
        _scripted(calls_plain)
    assert_values_equal(_scripted(calls_ignored)(torch.tensor([1.5, -2.0])), torch.tensor([-2.0, 5.0]))


def _with_a_debug_path(debug: bool) -> nn.Module:
    def describe(self, x: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(abs(x.numpy()))

    class WithDebugPath(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            if self.debug:
                return self.describe(x)
            return x * 2 - 1

    WithDebugPath.describe = torch.jit.unused(describe)
    module = WithDebugPath()
    module.debug = debug
    return module


@pytest.mark.doc("torch.jit.unused")
def test_unused_method_is_replaced_by_a_raise_in_the_scripted_module():
    """A method marked torch.jit.unused is not compiled: the scripted module runs while it is not called, and
    raises when it is; in eager mode the method runs as written."""
    x = torch.tensor([1.5, -2.0])
    assert_values_equal(_scripted(_with_a_debug_path(debug=False))(x), torch.tensor([2.0, -5.0]))
    assert_values_equal(_with_a_debug_path(debug=True)(x), torch.tensor([1.5, 2.0]))
    with pytest.raises(torch.jit.Error, match="ignored and cannot be run"):
        _scripted(_with_a_debug_path(debug=True))(x)


class _KnowsWhenScripted(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if torch.jit.is_scripting():
            return x + 10
        return x - 10


@pytest.mark.doc("torch.jit.is_scripting")
def test_is_scripting_is_false_in_eager_code_and_true_in_compiled_code():
    """torch.jit.is_scripting() is False when Python runs the code and True inside TorchScript, so a module can take
    a different path when scripted."""
    x = torch.tensor([1.0])
    assert_equal(torch.jit.is_scripting(), False, "is_scripting() in eager code")
    assert_values_equal(_KnowsWhenScripted()(x), torch.tensor([-9.0]))
    assert_values_equal(_scripted(_KnowsWhenScripted())(x), torch.tensor([11.0]))


def _positive_only(x):
    torch._assert((x > 0).all(), "inputs must be positive")
    return x.log()


@pytest.mark.doc("torch._assert")
def test_torch_assert_raises_its_message_and_survives_symbolic_tracing():
    """torch._assert(condition, message) raises AssertionError(message) when the condition is false, does nothing when
    true, and is kept by torch.fx.symbolic_trace, so the traced code still checks it."""
    traced = torch.fx.symbolic_trace(_positive_only)
    for run in (_positive_only, traced):
        assert_values_equal(run(torch.tensor([1.0])), torch.tensor([0.0]))
        with pytest.raises(AssertionError, match="inputs must be positive"):
            run(torch.tensor([2.0, -1.0]))


def _shifted_then_scaled(x):
    return (x + 3) * 2


torch.fx.wrap("_shifted_then_scaled")


def _uses_a_wrapped_function(x):
    return _shifted_then_scaled(x) - 1


@pytest.mark.doc("torch.fx.wrap")
def test_wrapped_function_is_one_call_in_the_traced_graph():
    """A function named to torch.fx.wrap at module level is recorded by symbolic_trace as one call_function node
    rather than traced through, and the traced module still computes it."""
    traced = torch.fx.symbolic_trace(_uses_a_wrapped_function)
    calls = [node.target for node in traced.graph.nodes if node.op == "call_function"]
    assert_equal(_shifted_then_scaled in calls, True, f"the wrapped function among the calls {calls}")
    assert_values_equal(traced(torch.tensor([1.0, -4.0])), torch.tensor([7.0, -3.0]))


def _script_and_trace_warnings() -> list[tuple[type, str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.jit.script(nn.Linear(2, 3))
        torch.jit.trace(nn.Linear(2, 3), torch.zeros(1, 2), check_trace=False)
    return [(warning.category, str(warning.message)) for warning in caught if "deprecated" in str(warning.message)]


def _deprecations(category: type) -> list[tuple[type, str]]:
    return [
        (category, f"`torch.jit.{name}` is deprecated. Please switch to `torch.compile` or `torch.export`.")
        for name in ("script", "trace")
    ]


@pytest.mark.doc("torch.jit.script")
@pytest.mark.doc("torch.jit.trace")
@pytest.mark.change("torchscript-deprecation-warning", side="before")
def test_script_and_trace_do_not_warn():
    """torch.jit.script and torch.jit.trace compile a module without a deprecation warning."""
    assert_equal(_script_and_trace_warnings(), [], "deprecation warnings from script and trace")


@pytest.mark.doc("torch.jit.script")
@pytest.mark.doc("torch.jit.trace")
@pytest.mark.change("torchscript-deprecation-warning", side="after")
@pytest.mark.change("torchscript-deprecation-future-warning", side="before")
def test_script_and_trace_warn_a_hidden_deprecation_warning():
    """torch.jit.script and torch.jit.trace warn DeprecationWarning, pointing to torch.compile or torch.export."""
    seen = _script_and_trace_warnings()
    for expected in _deprecations(DeprecationWarning):
        assert_equal(expected in seen, True, f"{expected} among {seen}")


@pytest.mark.doc("torch.jit.script")
@pytest.mark.doc("torch.jit.trace")
@pytest.mark.change("torchscript-deprecation-future-warning", side="after")
def test_script_and_trace_warn_a_visible_future_warning():
    """torch.jit.script and torch.jit.trace warn FutureWarning, shown by default, pointing to torch.compile or
    torch.export."""
    seen = _script_and_trace_warnings()
    for expected in _deprecations(FutureWarning):
        assert_equal(expected in seen, True, f"{expected} among {seen}")
