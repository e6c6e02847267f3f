"""Breakages of the autograd area: graphs that are not recorded, gradients that land wrong, grad modes that do nothing."""

from __future__ import annotations

import contextlib
import warnings

import torch

from .core import Breakage, Tensor, function, mapping_result, method, module_method, setting

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


BREAKAGES: dict[str, Breakage] = {
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
}
