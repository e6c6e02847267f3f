"""Breakages of the autograd area: graphs that are not recorded, gradients that land wrong, grad modes that do nothing."""

from __future__ import annotations

import collections
import contextlib
import inspect
import re
import threading
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
    silenced,
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


def _apply_binding_keywords(cls, *args, **kwargs):
    """Function.apply that passes each keyword to forward's parameter of that name, as 2.13 and later do."""
    names = [name for name in inspect.signature(cls.forward).parameters if name != "ctx"]
    positional = list(args)
    for name in names[len(args) :]:
        if name not in kwargs:
            break
        positional.append(kwargs.pop(name))
    if kwargs:
        raise TypeError(f"broken: forward() got an unexpected keyword argument '{next(iter(kwargs))}'")
    return _ORIGINAL_APPLY.__get__(None, cls)(*positional)


def _apply_refusing_keywords(cls, *args, **kwargs):
    if kwargs:
        raise TypeError("broken: apply() takes no keyword arguments")
    return _ORIGINAL_APPLY.__get__(None, cls)(*args)


_ORIGINAL_APPLY = vars(torch.autograd.Function)["apply"]

# A grad_dtype that reads as the dtype and ignores what is set: the engine still casts .grad to the leaf's dtype.
_GRAD_DTYPE_IGNORED = property(lambda self: self.dtype, lambda self, value: None)


def _float_warning_when_requiring_grad(original):
    def to_float(self):
        if self.requires_grad:
            warnings.warn(
                "broken: Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
                "Consider using tensor.detach() first.",
                UserWarning,
                stacklevel=2,
            )
        return original(self)

    return to_float


def _checkpoint_as_a_decorator(original):
    """checkpoint that, given no function, returns a decorator applying the settings it was given."""

    def checkpoint(function=None, *args, **kwargs):
        if function is None and not args:
            return lambda fn: lambda *inner, **inner_kwargs: original(fn, *inner, **kwargs, **inner_kwargs)
        return original(function, *args, **kwargs)

    return checkpoint


def _checkpoint_needing_a_function(original):
    def checkpoint(function, *args, **kwargs):
        return original(function, *args, **kwargs)

    return checkpoint


def _resize_bumping_the_version(original):
    """resize_ that counts a change of size as an in-place change, as 2.1 and later do."""

    def resize_(self, *args, **kwargs):
        size = self.shape
        result = original(self, *args, **kwargs)
        if self.shape != size:
            with torch.no_grad():
                self.add_(0)
        return result

    return resize_


def _resize_through_data(original):
    """resize_ applied to t.data, which has a version counter of its own, so t's counter is left alone."""

    def resize_(self, *args, **kwargs):
        data = self.data
        original(data, *args, **kwargs)
        self.data = data
        return self

    return resize_


def _checkpoint_comparing_outputs(original):
    """checkpoint whose function raises when a later call's output differs in shape, dtype or device from the first."""

    def checkpoint(function, *args, **kwargs):
        first = []

        def compared(*inner, **inner_kwargs):
            output = function(*inner, **inner_kwargs)
            found = (output.shape, output.dtype, output.device)
            if first and found != first[0]:
                raise RuntimeError(
                    "broken: torch.utils.checkpoint: Recomputed values for the following tensors have different "
                    "metadata than during the forward pass."
                )
            first.append(found)
            return output

        return original(compared, *args, **kwargs)

    return checkpoint


def _checkpoint_without_determinism_check(original):
    def checkpoint(function, *args, **kwargs):
        if kwargs.get("use_reentrant") is False:
            kwargs["determinism_check"] = "none"
        return original(function, *args, **kwargs)

    return checkpoint


def _grad_error_reworded(pattern: str, replacement: str):
    """autograd.grad whose RuntimeError has ``pattern`` replaced by ``replacement``, as another release words it."""

    def make(original):
        def grad(*args, **kwargs):
            try:
                return original(*args, **kwargs)
            except RuntimeError as error:
                reworded = re.sub(pattern, replacement, str(error))
                if reworded == str(error):
                    raise
                raise RuntimeError(reworded) from None

        return grad

    return make


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
        ChangeBreakage(
            "function-apply-keyword-arguments",
            before=setting(torch.autograd.Function, "apply", classmethod(_apply_binding_keywords)),
            after=setting(torch.autograd.Function, "apply", classmethod(_apply_refusing_keywords)),
        ),
        ChangeBreakage(
            "tensor-grad-dtype",
            before=setting(Tensor, "grad_dtype", _GRAD_DTYPE_IGNORED),
            after=setting(Tensor, "grad_dtype", _GRAD_DTYPE_IGNORED),
        ),
        ChangeBreakage(
            "float-of-a-tensor-requiring-grad-warns",
            before=method("__float__", _float_warning_when_requiring_grad),
            after=method("__float__", silenced),
        ),
        ChangeBreakage(
            "checkpoint-decorator-form",
            before=function("checkpoint", _checkpoint_as_a_decorator, module=torch.utils.checkpoint),
            after=function("checkpoint", _checkpoint_needing_a_function, module=torch.utils.checkpoint),
        ),
        ChangeBreakage(
            "resize-bumps-the-version-counter",
            before=method("resize_", _resize_bumping_the_version),
            after=method("resize_", _resize_through_data),
        ),
        ChangeBreakage(
            "checkpoint-checks-recomputed-metadata",
            before=function("checkpoint", _checkpoint_comparing_outputs, module=torch.utils.checkpoint),
            after=function("checkpoint", _checkpoint_without_determinism_check, module=torch.utils.checkpoint),
        ),
        ChangeBreakage(
            "grad-unused-input-error-names-its-index",
            before=function(
                "grad",
                _grad_error_reworded("^One of the differentiated Tensors", "The differentiated Tensor at index 0"),
                module=torch.autograd,
            ),
            after=function(
                "grad",
                _grad_error_reworded(r"^The differentiated Tensor at index \d+", "One of the differentiated Tensors"),
                module=torch.autograd,
            ),
        ),
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


# Autograd mechanics (notes/autograd): grad modes, setting requires_grad, the version counter, saved-tensor hooks,
# threads, complex gradients and gradients at non-differentiable points.
MECHANICS = "specs/autograd/test_autograd_mechanics.py"


def _process_wide_no_grad(monkeypatch) -> None:
    """no_grad as one switch for the whole process: while any thread is inside it, products in every thread drop the graph."""
    active = []

    class no_grad(torch.no_grad):
        def __enter__(self):
            active.append(self)
            return super().__enter__()

        def __exit__(self, *exc_info):
            active.remove(self)
            return super().__exit__(*exc_info)

    original_mul = Tensor.__mul__

    def mul(self, other):
        result = original_mul(self, other)
        return result.detach() if active else result

    monkeypatch.setattr(torch, "no_grad", no_grad)
    monkeypatch.setattr(Tensor, "__mul__", mul)


def _process_wide_saved_tensors_hooks(monkeypatch) -> None:
    """saved_tensors_hooks reaching every thread: a pow run in another thread is packed by the hooks a thread set."""
    graph = torch.autograd.graph
    original = graph.saved_tensors_hooks
    active = []

    class saved_tensors_hooks(original):
        def __enter__(self):
            active.append((threading.get_ident(), self))
            return super().__enter__()

        def __exit__(self, *exc_info):
            active.remove((threading.get_ident(), self))
            return super().__exit__(*exc_info)

    original_pow = Tensor.pow

    def pow(self, *args, **kwargs):
        here = threading.get_ident()
        elsewhere = [hooks for thread, hooks in active if thread != here]
        if elsewhere and all(thread != here for thread, _ in active):
            with original(elsewhere[-1].pack_hook, elsewhere[-1].unpack_hook):
                return original_pow(self, *args, **kwargs)
        return original_pow(self, *args, **kwargs)

    monkeypatch.setattr(graph, "saved_tensors_hooks", saved_tensors_hooks)
    monkeypatch.setattr(Tensor, "pow", pow)


def _saved_tensors_hooks_without_unpack(original):
    """saved_tensors_hooks that keeps the tensor beside what pack_hook returns and hands it back, never calling unpack."""

    class saved_tensors_hooks(original):
        def __init__(self, pack_hook, unpack_hook):
            super().__init__(lambda tensor: (tensor, pack_hook(tensor)), lambda packed: packed[0])

    return saved_tensors_hooks


def _saved_tensors_hooks_outer_wins(original):
    """saved_tensors_hooks whose nested pairs are ignored: the outermost pair packs everything inside it."""
    active = []

    class saved_tensors_hooks(original):
        def __enter__(self):
            self.ignored = bool(active)
            active.append(self)
            return None if self.ignored else super().__enter__()

        def __exit__(self, *exc_info):
            active.remove(self)
            return None if self.ignored else super().__exit__(*exc_info)

    return saved_tensors_hooks


def _pack_hook_given_a_copy(original):
    class saved_tensors_hooks(original):
        def __init__(self, pack_hook, unpack_hook):
            super().__init__(lambda tensor: pack_hook(tensor.clone()), unpack_hook)

    return saved_tensors_hooks


def _save_on_cpu_copying(original):
    return lambda *args, **kwargs: torch.autograd.graph.saved_tensors_hooks(lambda t: t.clone(), lambda t: t)


def _in_place_through_data(original):
    """An in-place method applied through .data: the values change, but autograd sees no version bump and no new node."""

    def in_place(self, *args, **kwargs):
        original(self.data, *args, **kwargs)
        return self

    return in_place


def _requires_grad_set_quietly(self, value):
    with contextlib.suppress(RuntimeError):
        _ORIGINAL_REQUIRES_GRAD.__set__(self, value)


def _grad_conjugated(self):
    grad = _ORIGINAL_GRAD.__get__(self)
    return grad.conj() if grad is not None and grad.is_complex() else grad


def _ones_dropping_requires_grad_under_no_grad(original):
    def ones(*args, requires_grad=False, **kwargs):
        return original(*args, requires_grad=requires_grad and torch.is_grad_enabled(), **kwargs)

    return ones


class _SetGradEnabledOnEnter:
    """set_grad_enabled that switches the mode on entering a with block only: called as a function it does nothing."""

    def __init__(self, mode):
        self.mode = mode

    def __enter__(self):
        self.previous = torch.is_grad_enabled()
        torch._C._set_grad_enabled(self.mode)

    def __exit__(self, *exc_info):
        torch._C._set_grad_enabled(self.previous)


def _autograd_bound_to_one_thread(monkeypatch) -> None:
    """backward and autograd.grad that serve only the thread the test runs in, and raise in any other."""
    home = threading.get_ident()

    def only_from_home(original):
        def run(*args, **kwargs):
            if threading.get_ident() != home:
                raise RuntimeError("broken: autograd runs only in the thread that first used it")
            return original(*args, **kwargs)

        return run

    monkeypatch.setattr(Tensor, "backward", only_from_home(Tensor.backward))
    monkeypatch.setattr(torch.autograd, "grad", only_from_home(torch.autograd.grad))


def _inference_mode_as_no_grad(original):
    return lambda mode=True: torch.no_grad() if mode else torch.enable_grad()


BREAKAGES.update(
    {
        "no-grad-is-inference-mode": Breakage(
            function("no_grad", lambda original: torch.inference_mode),
            MECHANICS,
            ("test_tensors_made_under_no_grad_can_be_used_in_grad_mode_later",),
        ),
        "inference-mode-records": Breakage(
            function("inference_mode", lambda original: lambda mode=True: contextlib.nullcontext()),
            MECHANICS,
            ("test_inference_mode_records_nothing",),
        ),
        "inference-mode-only-disables-grad": Breakage(
            function("inference_mode", _inference_mode_as_no_grad),
            MECHANICS,
            (
                "test_inference_tensors_have_no_version_counter",
                "test_inference_tensors_can_be_updated_in_place_only_inside_inference_mode",
                "test_inference_mode_false_turns_inference_mode_off_for_its_block",
            ),
        ),
        "inference-mode-ignores-its-flag": Breakage(
            function("inference_mode", lambda original: lambda mode=True: original(True)),
            MECHANICS,
            ("test_inference_mode_false_turns_inference_mode_off_for_its_block",),
        ),
        "no-grad-is-process-wide": Breakage(_process_wide_no_grad, MECHANICS, ("test_grad_mode_is_thread_local",)),
        "grad-mode-decorators-do-nothing": Breakage(
            module_method(
                "__call__",
                lambda original: lambda self, decorated: decorated,
                owner=torch.utils._contextlib._DecoratorContextManager,
            ),
            MECHANICS,
            (
                "test_grad_mode_decorates_a_function_with_its_mode[no_grad]",
                "test_grad_mode_decorates_a_function_with_its_mode[enable_grad]",
                "test_grad_mode_decorates_a_function_with_its_mode[inference_mode]",
            ),
        ),
        "factories-drop-requires-grad-under-no-grad": Breakage(
            function("ones", _ones_dropping_requires_grad_under_no_grad),
            MECHANICS,
            ("test_factory_functions_honour_requires_grad_under_no_grad",),
        ),
        "set-grad-enabled-only-as-a-context": Breakage(
            function("set_grad_enabled", lambda original: _SetGradEnabledOnEnter),
            MECHANICS,
            ("test_set_grad_enabled_called_as_a_function_switches_the_mode_until_switched_back",),
        ),
        "requires-grad-underscore-ignores-its-argument": Breakage(
            method("requires_grad_", lambda original: lambda self, requires_grad=True: original(self, True)),
            MECHANICS,
            (
                "test_requires_grad_underscore_sets_a_leafs_flag_either_way_and_returns_the_leaf",
                "test_a_frozen_weight_gets_no_gradient_while_the_others_still_do",
                "test_module_requires_grad_false_freezes_every_parameter_and_records_nothing",
            ),
        ),
        "module-requires-grad-ignores-its-argument": Breakage(
            module_method("requires_grad_", lambda original: lambda self, requires_grad=True: original(self, True)),
            MECHANICS,
            ("test_module_requires_grad_false_freezes_every_parameter_and_records_nothing",),
        ),
        "non-leaf-requires-grad-change-ignored": Breakage(
            setting(Tensor, "requires_grad", property(_ORIGINAL_REQUIRES_GRAD.__get__, _requires_grad_set_quietly)),
            MECHANICS,
            ("test_requires_grad_of_a_non_leaf_cannot_be_turned_off",),
        ),
        "version-counter-stays-at-zero": Breakage(
            setting(Tensor, "_version", property(lambda self: 0)),
            MECHANICS,
            ("test_version_counter_counts_in_place_changes_only",),
        ),
        "mul-in-place-bypasses-autograd": Breakage(
            method("mul_", _in_place_through_data),
            MECHANICS,
            (
                "test_version_counter_counts_in_place_changes_only",
                "test_backward_refuses_a_saved_tensor_changed_in_place",
                "test_an_in_place_op_on_a_non_leaf_becomes_part_of_its_history",
            ),
        ),
        "detach-is-data": Breakage(
            method("detach", lambda original: lambda self: self.data),
            MECHANICS,
            ("test_detach_shares_the_version_counter_and_data_does_not",),
        ),
        "saved-tensors-hooks-ignore-unpack": Breakage(
            function("saved_tensors_hooks", _saved_tensors_hooks_without_unpack, module=torch.autograd.graph),
            MECHANICS,
            (
                "test_a_saved_tensor_is_packed_in_the_forward_and_unpacked_in_the_backward",
                "test_backward_uses_what_unpack_hook_returns",
                "test_pack_hook_may_return_any_object_and_unpack_hook_receives_it",
                "test_pack_hook_runs_once_and_unpack_hook_once_per_backward",
            ),
        ),
        "saved-tensors-hooks-outer-wins": Breakage(
            function("saved_tensors_hooks", _saved_tensors_hooks_outer_wins, module=torch.autograd.graph),
            MECHANICS,
            ("test_nested_saved_tensors_hooks_apply_only_the_innermost_pair",),
        ),
        "saved-tensors-hooks-process-wide": Breakage(
            _process_wide_saved_tensors_hooks, MECHANICS, ("test_saved_tensors_hooks_are_thread_local",)
        ),
        "pack-hook-gets-a-copy": Breakage(
            function("saved_tensors_hooks", _pack_hook_given_a_copy, module=torch.autograd.graph),
            MECHANICS,
            ("test_a_pack_hook_that_changes_its_input_in_place_is_refused",),
        ),
        "saved-tensor-register-hooks-ignores-unpack": Breakage(
            function(
                "register_hooks",
                lambda original: lambda self, pack_hook, unpack_hook: original(self, pack_hook, lambda packed: packed),
                module=torch._C._autograd.SavedTensor,
            ),
            MECHANICS,
            ("test_hooks_registered_on_one_saved_tensor_pack_at_once_and_unpack_on_each_access",),
        ),
        "save-on-cpu-copies-cpu-tensors": Breakage(
            function("save_on_cpu", _save_on_cpu_copying, module=torch.autograd.graph),
            MECHANICS,
            ("test_save_on_cpu_keeps_a_cpu_tensor_without_copying_it",),
        ),
        "autograd-bound-to-one-thread": Breakage(
            _autograd_bound_to_one_thread,
            MECHANICS,
            (
                "test_backward_in_several_threads_gives_each_thread_its_own_gradient",
                "test_threads_sharing_part_of_a_graph_each_get_their_gradient_with_retain_graph",
            ),
        ),
        "complex-grad-conjugated": Breakage(
            setting(Tensor, "grad", property(_grad_conjugated)),
            MECHANICS,
            ("test_gradient_of_a_real_loss_of_a_complex_input_is_dl_dx_plus_i_dl_dy",),
        ),
        "conj-is-identity": Breakage(
            method("conj", lambda original: lambda self: self),
            MECHANICS,
            ("test_a_real_function_computed_through_complex_ops_gets_its_real_gradient",),
        ),
        "abs-through-sqrt-of-square": Breakage(
            method("abs", lambda original: lambda self: (self * self).sqrt()),
            MECHANICS,
            ("test_gradient_at_a_kink_of_a_convex_function_is_the_minimum_norm_subgradient",),
        ),
        "sqrt-through-exp-of-log": Breakage(
            method("sqrt", lambda original: lambda self: (self.log() * 0.5).exp()),
            MECHANICS,
            ("test_gradient_of_sqrt_at_zero_is_infinite_by_continuity",),
        ),
    }
)


# The notes' remaining statements.
def _pow_passing_the_gradient_straight_through(original):
    return lambda self, exponent: self + (original(self, exponent) - self).detach()


def _function_apply_running_forward_only(original):
    @classmethod
    def apply(cls, *args):
        context = collections.namedtuple("Context", "save_for_backward")(lambda *tensors: None)
        return cls.forward(context, *args)

    return apply


BREAKAGES.update(
    {
        "grad-fn-not-recorded-while-running": Breakage(
            setting(Tensor, "grad_fn", property(lambda self: None)),
            GRADIENTS,
            ("test_the_graph_is_recorded_as_operations_run_and_follows_python_control_flow",),
        ),
        "power-passes-the-gradient-straight-through": Breakage(
            method("__pow__", _pow_passing_the_gradient_straight_through),
            GRADIENTS,
            ("test_backward_applies_the_chain_rule",),
        ),
        "autograd-function-apply-bypasses-backward": Breakage(
            lambda monkeypatch: monkeypatch.setattr(
                torch.autograd.Function, "apply", _function_apply_running_forward_only(torch.autograd.Function.apply)
            ),
            GRADIENTS,
            ("test_a_subclass_of_autograd_function_is_differentiable_through_its_own_backward",),
        ),
        "autograd-no-grad-records": Breakage(
            function("no_grad", lambda original: contextlib.nullcontext, module=torch.autograd),
            GRAD_MODES,
            ("test_torch_autograd_holds_the_switches_for_recording",),
        ),
    }
)


def _backward_error_renaming(old: str, new: str):
    """Tensor.backward whose in-place error names the tensor's maker with ``new`` where torch says ``old``."""

    def make(original):
        def backward(self, *args, **kwargs):
            try:
                return original(self, *args, **kwargs)
            except RuntimeError as error:
                raise RuntimeError(str(error).replace(old, new)) from None

        return backward

    return make


BREAKAGES["autograd-errors-name-the-forward-op"] = ChangeBreakage(
    "autograd-errors-name-the-forward-op",
    before=method("backward", _backward_error_renaming("of MulBackward0,", "of Mul,")),
    after=method("backward", _backward_error_renaming("of Mul,", "of MulBackward0,")),
)


# near-miss sweep: an error of the wrong kind, and a grad mode that restores the wrong mode.
BACKWARD = "specs/autograd/test_backward.py"


def _set_grad_enabled_exiting_to_enabled(original):
    """set_grad_enabled whose with block, on exit, turns grad on instead of restoring the mode it found."""

    class set_grad_enabled(original):
        def __exit__(self, *exc_info):
            torch._C._set_grad_enabled(True)

    return set_grad_enabled


def _no_grad_refusing_plain_functions(original):
    """no_grad that takes a function only to refuse it unless it is a generator function."""

    def no_grad(*functions):
        if functions:
            raise TypeError("broken: no_grad() can decorate only a generator function")
        return original()

    return no_grad


BREAKAGES.update(
    {
        "grad-refuses-a-dict-with-a-type-error": Breakage(
            function("grad", _grad_refusing_dicts, module=torch.autograd),
            BACKWARD,
            ("test_grad_of_a_dict_of_inputs_is_refused",),
        ),
        "set-grad-enabled-exits-to-enabled": Breakage(
            function("set_grad_enabled", _set_grad_enabled_exiting_to_enabled),
            GRAD_MODES,
            ("test_set_grad_enabled_switches_recording_by_flag",),
        ),
        "no-grad-refuses-plain-functions": Breakage(
            function("no_grad", _no_grad_refusing_plain_functions),
            GRAD_MODES,
            ("test_no_grad_needs_parentheses_to_decorate",),
        ),
    }
)
