"""Breakages of the autograd area: graphs that are not recorded, gradients that land wrong, grad modes that do nothing."""

from __future__ import annotations

import collections
import contextlib
import warnings

import torch
import torch.utils.checkpoint

from .core import (
    Breakage,
    ChangeBreakage,
    Tensor,
    deleting,
    deleting_inherited,
    function,
    mapping_result,
    method,
    module_method,
    refusing_keyword,
    setting,
)

GRADIENTS = "specs/autograd/test_gradients.py"
GRAD_MODES = "specs/autograd/test_grad_modes.py"

_ORIGINAL_GRAD = Tensor.grad
_ORIGINAL_REQUIRES_GRAD = Tensor.requires_grad


def _grad_starting_at_zero(self):
    grad = _ORIGINAL_GRAD.__get__(self)
    return torch.zeros_like(self) if grad is None else grad


def _grad_read_quietly(self):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _ORIGINAL_GRAD.__get__(self)


def _backward_with(transform):
    """Tensor.backward whose (tensor, gradient, retain_graph) pass through ``transform`` first."""

    def make(original):
        def backward(self, gradient=None, retain_graph=None, *args, **kwargs):
            return original(*transform(self, gradient, retain_graph), *args, **kwargs)

        return backward

    return make


def _doubled_seed(tensor, gradient, retain_graph):
    return tensor, torch.ones_like(tensor) * 2 if gradient is None else gradient * 2, retain_graph


def _summed_non_scalar(tensor, gradient, retain_graph):
    return (tensor.sum() if gradient is None and tensor.numel() > 1 else tensor), gradient, retain_graph


def _always_retained(tensor, gradient, retain_graph):
    return tensor, gradient, True


def _no_grad_taking_a_function(original):
    """torch.no_grad that, given a function, decorates it, as releases with bare decorators do."""

    def no_grad(func=None):
        return original()(func) if func is not None else original()

    return no_grad


def _no_grad_taking_nothing(original):
    def no_grad(*args):
        if args:
            raise TypeError("broken: no_grad() takes no arguments")
        return original()

    return no_grad


def _decorating_restores_the_mode(restores: bool):
    """set_grad_enabled.__call__ after which the mode is the one before construction, or the one set (as before 2.2)."""

    def make(original):
        def call(self, function):
            decorated = original(self, function)
            torch._C._set_grad_enabled(self.prev if restores else self.mode)
            return decorated

        return call

    return make


def _is_complex_scalar(tensor) -> bool:
    return tensor.is_complex() and tensor.numel() == 1


def _backward_refusing_complex_scalars(original):
    def backward(self, gradient=None, *args, **kwargs):
        if gradient is None and _is_complex_scalar(self):
            raise RuntimeError("broken: grad can be implicitly created only for real scalar outputs")
        return original(self, gradient, *args, **kwargs)

    return backward


def _backward_seeding_complex_scalars(original):
    def backward(self, gradient=None, *args, **kwargs):
        if gradient is None and _is_complex_scalar(self):
            gradient = torch.ones_like(self)
        return original(self, gradient, *args, **kwargs)

    return backward


def _backward_listing_tensor_inputs(original):
    def backward(self, *args, inputs=None, **kwargs):
        return original(self, *args, inputs=[inputs] if isinstance(inputs, Tensor) else inputs, **kwargs)

    return backward


def _backward_measuring_inputs(original):
    def backward(self, *args, inputs=None, **kwargs):
        if isinstance(inputs, Tensor) and inputs.dim() == 0:
            raise TypeError("broken: len() of a 0-d tensor")
        return original(self, *args, inputs=inputs, **kwargs)

    return backward


def _grad_materializing(original):
    """autograd.grad that takes materialize_grads and fills unused inputs' gradients with zeros."""

    def grad(outputs, inputs, *args, materialize_grads=False, **kwargs):
        if not materialize_grads:
            return original(outputs, inputs, *args, **kwargs)
        found = original(outputs, inputs, *args, allow_unused=True, **kwargs)
        return tuple(torch.zeros_like(x) if g is None else g for g, x in zip(found, inputs, strict=True))

    return grad


def _grad_results_mapped(transform):
    return lambda original: lambda *args, **kwargs: tuple(map(transform, original(*args, **kwargs)))


def _grad_over_dicts(original):
    def grad(outputs, inputs, *args, **kwargs):
        if isinstance(inputs, dict):
            return dict(zip(inputs, original(outputs, list(inputs.values()), *args, **kwargs), strict=True))
        return original(outputs, inputs, *args, **kwargs)

    return grad


def _grad_refusing_dicts(original):
    def grad(outputs, inputs, *args, **kwargs):
        if isinstance(inputs, dict):
            raise TypeError("broken: inputs must be a tensor or a sequence of tensors, not a dict")
        return original(outputs, inputs, *args, **kwargs)

    return grad


def _grad_refusing_no_inputs(exception: type[Exception], message: str):
    def make(original):
        def grad(outputs, inputs, *args, **kwargs):
            if isinstance(inputs, (list, tuple)) and not inputs:
                raise exception(f"broken: {message}")
            return original(outputs, inputs, *args, **kwargs)

        return grad

    return make


def _gradient_edges_of_fields(*fields: str):
    """get_gradient_edge returning a named tuple of these fields, as another release's GradientEdge has."""
    edge = collections.namedtuple("GradientEdge", fields)

    def make(original):
        def get_gradient_edge(tensor):
            found = original(tensor)
            return edge(found[0], found[1], *([None] * (len(fields) - 2)))

        return get_gradient_edge

    return make


def _checkpoint_warning(message: str | None):
    """checkpoint that, without use_reentrant, runs reentrant and warns ``message`` (or nothing), as another release."""

    def make(original):
        def checkpoint(function, *args, **kwargs):
            if "use_reentrant" in kwargs:
                return original(function, *args, **kwargs)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = original(function, *args, use_reentrant=True, **kwargs)
            if message:
                warnings.warn(f"torch.utils.checkpoint: {message}", UserWarning, stacklevel=2)
            return result

        return checkpoint

    return make


CHECKPOINT_WARNINGS = {
    "2.1": "please pass in use_reentrant=True or use_reentrant=False explicitly. The default value of "
    "use_reentrant will be updated to be False in the future.",
    "2.3": "the use_reentrant parameter should be passed explicitly. In version 2.4 we will raise an exception "
    "if use_reentrant is not passed.",
    "2.5": "the use_reentrant parameter should be passed explicitly. In version 2.5 we will raise an exception "
    "if use_reentrant is not passed.",
    "2.9": "the use_reentrant parameter should be passed explicitly. Starting in PyTorch 2.9, calling checkpoint "
    "without use_reentrant will raise an exception.",
    "2.15": "the use_reentrant parameter should be passed explicitly. In a future release, calling checkpoint "
    "without use_reentrant will raise an exception.",
}


def _checkpoint_change(change: str, before: str | None, after: str | None) -> ChangeBreakage:
    """The text of one release's warning where the other's is expected."""
    return ChangeBreakage(
        change,
        before=function("checkpoint", _checkpoint_warning(after), module=torch.utils.checkpoint),
        after=function("checkpoint", _checkpoint_warning(before), module=torch.utils.checkpoint),
    )


def _change_breakages() -> dict[str, ChangeBreakage]:
    """For each side of each change, the other side's behaviour."""
    graph = torch.autograd.graph
    texts = CHECKPOINT_WARNINGS
    breakages = [
        ChangeBreakage(
            "grad-mode-decorators-without-parentheses",
            before=function("no_grad", _no_grad_taking_a_function),
            after=function("no_grad", _no_grad_taking_nothing),
        ),
        ChangeBreakage(
            "set-grad-enabled-decorator-restores-mode",
            before=module_method("__call__", _decorating_restores_the_mode(True), owner=torch.set_grad_enabled),
            after=module_method("__call__", _decorating_restores_the_mode(False), owner=torch.set_grad_enabled),
        ),
        ChangeBreakage(
            "backward-complex-scalar-needs-a-gradient",
            before=method("backward", _backward_refusing_complex_scalars),
            after=method("backward", _backward_seeding_complex_scalars),
        ),
        ChangeBreakage(
            "backward-inputs-may-be-a-tensor",
            before=method("backward", _backward_listing_tensor_inputs),
            after=method("backward", _backward_measuring_inputs),
        ),
        ChangeBreakage(
            "grad-materialize-grads",
            before=function("grad", _grad_materializing, module=torch.autograd),
            after=function("grad", refusing_keyword("materialize_grads"), module=torch.autograd),
        ),
        ChangeBreakage(
            "grad-materialized-zeros-follow-create-graph",
            before=function("grad", _grad_results_mapped(lambda g: g.detach()), module=torch.autograd),
            after=function("grad", _grad_results_mapped(lambda g: g.detach().requires_grad_()), module=torch.autograd),
        ),
        ChangeBreakage(
            "grad-inputs-may-be-a-dict",
            before=function("grad", _grad_over_dicts, module=torch.autograd),
            after=function("grad", _grad_refusing_dicts, module=torch.autograd),
        ),
        ChangeBreakage(
            "grad-refuses-empty-inputs",
            before=function(
                "grad",
                _grad_refusing_no_inputs(RuntimeError, "`inputs` argument to `grad()` cannot be empty."),
                module=torch.autograd,
            ),
            after=function(
                "grad", _grad_refusing_no_inputs(ValueError, "grad requires non-empty inputs"), module=torch.autograd
            ),
        ),
        ChangeBreakage(
            "get-gradient-edge",
            before=setting(graph, "get_gradient_edge", lambda tensor: (tensor.grad_fn, 0)),
            after=deleting(graph, "get_gradient_edge"),
        ),
        ChangeBreakage(
            "gradient-edge-ownership-token",
            before=function(
                "get_gradient_edge", _gradient_edges_of_fields("node", "output_nr", "ownership_token"), module=graph
            ),
            after=function("get_gradient_edge", _gradient_edges_of_fields("node", "output_nr"), module=graph),
        ),
        ChangeBreakage(
            "autograd-function-traceable-removed",
            before=deleting_inherited(torch.autograd.Function, "is_traceable"),
            after=setting(torch.autograd.Function, "is_traceable", False),
        ),
        _checkpoint_change("checkpoint-use-reentrant-warning", None, texts["2.1"]),
        _checkpoint_change("checkpoint-warning-announces-an-error", texts["2.1"], texts["2.3"]),
        _checkpoint_change("checkpoint-warning-postpones-the-error", texts["2.3"], texts["2.5"]),
        _checkpoint_change("checkpoint-warning-postpones-the-error-again", texts["2.5"], texts["2.9"]),
        _checkpoint_change("checkpoint-warning-drops-the-release", texts["2.9"], texts["2.15"]),
    ]
    return {breakage.change: breakage for breakage in breakages}


BREAKAGES: dict[str, Breakage | ChangeBreakage] = {
    "mul-drops-the-graph": Breakage(
        method("__mul__", mapping_result(lambda t: t.detach())),
        GRADIENTS,
        ("test_results_of_an_op_on_a_tensor_that_requires_grad_require_grad",),
    ),
    "add-records-a-mul": Breakage(
        method("__add__", lambda original: lambda self, other: original(self, other) * 1),
        GRADIENTS,
        ("test_grad_fn_names_the_backward_of_the_operation[add]",),
    ),
    "grad-fn-is-a-tensor": Breakage(
        setting(Tensor, "grad_fn", property(lambda self: torch.zeros(1))),
        GRADIENTS,
        ("test_grad_fn_is_the_backward_function_not_the_gradient",),
    ),
    "grad-starts-at-zero": Breakage(
        setting(Tensor, "grad", property(_grad_starting_at_zero)),
        GRADIENTS,
        ("test_grad_is_none_until_backward_then_holds_the_derivative",),
    ),
    "retain-grad-does-nothing": Breakage(
        method("retain_grad", lambda original: lambda self: None),
        GRADIENTS,
        ("test_only_leaves_keep_grad_unless_retain_grad_is_called",),
    ),
    "non-leaf-grad-read-silently": Breakage(
        setting(Tensor, "grad", property(_grad_read_quietly)), GRADIENTS, ("test_reading_grad_of_a_non_leaf_warns",)
    ),
    "backward-doubles-the-seed": Breakage(
        method("backward", _backward_with(_doubled_seed)),
        GRADIENTS,
        (
            "test_gradients_accumulate_across_backward_calls_until_cleared",
            "test_grad_is_none_until_backward_then_holds_the_derivative",
            "test_backward_of_a_loss_fills_the_grads_of_the_parameters_it_used",
            "test_writing_through_data_is_invisible_to_autograd",
            "test_clone_copies_memory_but_stays_in_the_graph",
        ),
    ),
    "backward-sums-non-scalars": Breakage(
        method("backward", _backward_with(_summed_non_scalar)),
        GRADIENTS,
        ("test_backward_of_a_non_scalar_needs_a_gradient_argument",),
    ),
    "pow-is-mul": Breakage(
        method("__pow__", lambda original: lambda self, exponent: self * exponent),
        GRADIENTS,
        ("test_the_notes_worked_example_gives_9a_squared_and_minus_2b",),
    ),
    "backward-always-retains-the-graph": Breakage(
        method("backward", _backward_with(_always_retained)),
        GRADIENTS,
        ("test_a_second_backward_through_a_freed_graph_raises_unless_the_graph_was_retained",),
    ),
    "data-is-detach": Breakage(
        setting(Tensor, "data", property(lambda self: self.detach())),
        GRADIENTS,
        ("test_writing_through_data_is_invisible_to_autograd",),
    ),
    "clone-detaches": Breakage(
        method("clone", mapping_result(lambda t: t.detach())),
        GRADIENTS,
        ("test_clone_copies_memory_but_stays_in_the_graph",),
    ),
    "no-grad-clears-requires-grad": Breakage(
        setting(
            Tensor,
            "requires_grad",
            property(lambda self: _ORIGINAL_REQUIRES_GRAD.__get__(self) and torch.is_grad_enabled()),
        ),
        GRAD_MODES,
        ("test_no_grad_leaves_a_leafs_requires_grad_alone",),
    ),
    "no-grad-records": Breakage(
        function("no_grad", lambda original: contextlib.nullcontext),
        GRAD_MODES,
        ("test_results_computed_under_no_grad_do_not_require_grad",),
    ),
    "enable-grad-does-nothing": Breakage(
        function("enable_grad", lambda original: contextlib.nullcontext),
        GRAD_MODES,
        ("test_enable_grad_inside_no_grad_records_again",),
    ),
    "set-grad-enabled-ignores-its-flag": Breakage(
        function("set_grad_enabled", lambda original: lambda mode: contextlib.nullcontext()),
        GRAD_MODES,
        ("test_set_grad_enabled_switches_recording_by_flag",),
    ),
    "inference-mode-is-no-grad": Breakage(
        function("inference_mode", lambda original: torch.no_grad),
        GRAD_MODES,
        ("test_inference_mode_makes_inference_tensors_that_autograd_refuses_later",),
    ),
    "eval-freezes-parameters": Breakage(
        module_method("eval", lambda original: lambda self: original(self).requires_grad_(False)),
        GRAD_MODES,
        ("test_eval_does_not_disable_autograd",),
    ),
    **_change_breakages(),
    "zero-grad-zeroes-instead-of-clearing": Breakage(
        module_method(
            "zero_grad",
            lambda original: lambda self, set_to_none=True: original(self, set_to_none=False),
            owner=torch.optim.Optimizer,
        ),
        GRADIENTS,
        ("test_gradients_accumulate_across_backward_calls_until_cleared",),
    ),
}
