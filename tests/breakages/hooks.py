"""Breakages of the hooks area: return values that are ignored, handles that remove too much, hooks in the wrong order."""

from __future__ import annotations

import warnings

import torch.autograd.graph
import torch.nn.modules.module as module_globals
import torch.utils.hooks

from .core import (
    Breakage,
    ChangeBreakage,
    Tensor,
    deleting,
    dropping_keyword,
    function,
    method,
    module_method,
    refusing_keyword,
    rewarning_as,
    setting,
    silenced,
)

MODULE_HOOKS = "specs/hooks/test_module_hooks.py"
TENSOR_HOOKS = "specs/hooks/test_tensor_hooks.py"
ORDER = "specs/hooks/test_hook_order.py"


def _ignoring_results(original):
    """A hook-registering method whose hooks still run, but whose return values are thrown away."""

    def register(self, hook, *args, **kwargs):
        return original(
            self, lambda *hook_args, **hook_kwargs: (hook(*hook_args, **hook_kwargs), None)[1], *args, **kwargs
        )

    return register


def _forward_hooks_run_first(original):
    """register_forward_hook that registers a pre-hook instead: the 'forward hook' runs before forward, output None."""
    return lambda self, hook, *args, **kwargs: self.register_forward_pre_hook(
        lambda module, inputs: (hook(module, inputs, None), None)[1]
    )


def _local_pre_hooks_made_global(original):
    return lambda self, hook, *args, **kwargs: module_globals.register_module_forward_pre_hook(hook)


def _tensor_hooks_after_their_node(original):
    """A tensor hook that runs once the tensor's grad_fn has run, instead of before: too late to come first."""

    def register_hook(self, hook):
        if self.grad_fn is None:
            return original(self, hook)
        return self.grad_fn.register_hook(lambda grad_inputs, grad_outputs: (hook(grad_outputs[0]), None)[1])

    return register_hook


def _remove_clearing_every_hook(original):
    def remove(self):
        hooks = self.hooks_dict_ref()
        if hooks is not None:
            hooks.clear()

    return remove


def _full_backward_hook_skipping_the_mix_check(original):
    def register(self, hook, *args, **kwargs):
        self._is_full_backward_hook = None
        return original(self, hook, *args, **kwargs)

    return register


def _forward_hook_accepting_always_call(original):
    """register_forward_hook that accepts always_call and, as 2.1 does, runs such a hook when forward raises."""

    def register(self, hook, *args, always_call=False, **kwargs):
        handle = original(self, hook, *args, **kwargs)
        if always_call:
            forward = type(self).forward

            def guarded(module, *inputs, **keywords):
                try:
                    return forward(module, *inputs, **keywords)
                except Exception:
                    hook(module, inputs, None)
                    raise

            self.forward = guarded.__get__(self)
        return handle

    return register


def _post_accumulate_as_plain_hook(original):
    return lambda self, hook: self.register_hook(lambda grad: (hook(self), None)[1])


def _full_backward_hook_warning_of_outputs(original):
    """register_full_backward_hook whose hook, fired with no input gradient, warns as releases that explain it do."""

    def register(self, hook, *args, **kwargs):
        def warning_hook(module, grad_input, grad_output):
            if all(grad is None for grad in grad_input):
                warnings.warn(
                    "Full backward hook is firing when gradients are computed with respect to module outputs",
                    UserWarning,
                    stacklevel=2,
                )
            return hook(module, grad_input, grad_output)

        return original(self, warning_hook, *args, **kwargs)

    return register


def _change_breakages() -> dict[str, ChangeBreakage]:
    """For each side of each change, the other side's behaviour."""
    return {
        "non-full-backward-hook-future-warning": ChangeBreakage(
            "non-full-backward-hook-future-warning",
            before=module_method("_maybe_warn_non_full_backward_hook", rewarning_as(UserWarning, FutureWarning)),
            after=module_method("_maybe_warn_non_full_backward_hook", rewarning_as(FutureWarning, UserWarning)),
        ),
        "forward-hook-always-call": ChangeBreakage(
            "forward-hook-always-call",
            before=module_method("register_forward_hook", _forward_hook_accepting_always_call),
            after=module_method("register_forward_hook", refusing_keyword("always_call")),
        ),
        "post-accumulate-grad-hook": ChangeBreakage(
            "post-accumulate-grad-hook",
            before=setting(Tensor, "register_post_accumulate_grad_hook", _post_accumulate_as_plain_hook(None)),
            after=deleting(Tensor, "register_post_accumulate_grad_hook"),
        ),
        "full-backward-hook-output-only-warning": ChangeBreakage(
            "full-backward-hook-output-only-warning",
            before=module_method("register_full_backward_hook", _full_backward_hook_warning_of_outputs),
            after=method("backward", silenced),
        ),
        "multi-grad-hook-any-mode": ChangeBreakage(
            "multi-grad-hook-any-mode",
            before=function("register_multi_grad_hook", dropping_keyword("mode"), module=torch.autograd.graph),
            after=function("register_multi_grad_hook", refusing_keyword("mode"), module=torch.autograd.graph),
        ),
    }


BREAKAGES: dict[str, Breakage] = {
    "forward-pre-hook-results-ignored": Breakage(
        module_method("register_forward_pre_hook", _ignoring_results),
        MODULE_HOOKS,
        (
            "test_forward_pre_hook_sees_the_input_and_may_replace_it",
            "test_forward_pre_hook_with_kwargs_may_replace_args_and_kwargs",
        ),
    ),
    "forward-hook-results-ignored": Breakage(
        module_method("register_forward_hook", _ignoring_results),
        MODULE_HOOKS,
        ("test_forward_hook_sees_input_and_output_and_may_replace_the_output",),
    ),
    "backward-pre-hook-results-ignored": Breakage(
        module_method("register_full_backward_pre_hook", _ignoring_results),
        MODULE_HOOKS,
        ("test_full_backward_pre_hook_may_replace_grad_output",),
    ),
    "backward-hook-results-ignored": Breakage(
        module_method("register_full_backward_hook", _ignoring_results),
        MODULE_HOOKS,
        (
            "test_full_backward_hook_may_replace_grad_input_only",
            "test_full_backward_hook_returning_a_grad_output_replacement_is_refused",
        ),
    ),
    "remove-clears-every-hook": Breakage(
        module_method("remove", _remove_clearing_every_hook, owner=torch.utils.hooks.RemovableHandle),
        MODULE_HOOKS,
        ("test_removing_a_handle_removes_exactly_that_hook",),
    ),
    "old-and-full-backward-hooks-mix": Breakage(
        module_method("register_full_backward_hook", _full_backward_hook_skipping_the_mix_check),
        MODULE_HOOKS,
        ("test_old_and_full_backward_hooks_cannot_be_mixed_on_one_module",),
    ),
    **_change_breakages(),
    "tensor-hook-results-ignored": Breakage(
        method("register_hook", _ignoring_results),
        TENSOR_HOOKS,
        (
            "test_tensor_hook_sees_the_gradient_and_may_replace_it",
            "test_tensor_hook_on_an_intermediate_changes_what_flows_further_back",
        ),
    ),
    "forward-hooks-run-before-forward": Breakage(
        module_method("register_forward_hook", _forward_hooks_run_first),
        ORDER,
        (
            "test_forward_runs_pre_hook_then_forward_then_forward_hook",
            "test_nested_modules_hook_outside_in_forward_and_inside_out_in_backward",
        ),
    ),
    "prepend-ignored": Breakage(
        module_method(
            "register_forward_hook",
            lambda original: lambda self, hook, *, prepend=False, **kwargs: original(self, hook, **kwargs),
        ),
        ORDER,
        ("test_hooks_run_in_registration_order_unless_prepended",),
    ),
    "local-pre-hooks-made-global": Breakage(
        module_method("register_forward_pre_hook", _local_pre_hooks_made_global),
        ORDER,
        ("test_global_module_hooks_run_before_the_modules_own",),
    ),
    "tensor-hooks-run-after-their-node": Breakage(
        method("register_hook", _tensor_hooks_after_their_node),
        ORDER,
        ("test_a_hook_on_the_output_tensor_runs_before_the_modules_backward_hooks",),
    ),
}


# The notes' remaining statements.
def _forward_hook_given_the_input(original):
    def register(self, hook, *args, **kwargs):
        return original(self, lambda module, inputs, output: hook(module, inputs, inputs[0]), *args, **kwargs)

    return register


def _backward_hook_arguments_swapped(original):
    def register(self, hook, *args, **kwargs):
        return original(
            self, lambda module, grad_input, grad_output: hook(module, grad_output, grad_input), *args, **kwargs
        )

    return register


def _backward_hook_bare_tensor_accepted(original):
    def register(self, hook, *args, **kwargs):
        def wrapped(module, grad_input, grad_output):
            result = hook(module, grad_input, grad_output)
            return (result,) if isinstance(result, Tensor) else result

        return original(self, wrapped, *args, **kwargs)

    return register


BREAKAGES.update(
    {
        "forward-hook-given-the-input-as-output": Breakage(
            module_method("register_forward_hook", _forward_hook_given_the_input),
            MODULE_HOOKS,
            ("test_the_output_a_forward_hook_gets_is_what_forward_returned",),
        ),
        "backward-hook-arguments-swapped": Breakage(
            module_method("register_full_backward_hook", _backward_hook_arguments_swapped),
            MODULE_HOOKS,
            ("test_grad_input_and_grad_output_are_gradients_of_the_loss_not_forward_values",),
        ),
        "backward-hook-bare-tensor-accepted": Breakage(
            module_method("register_full_backward_hook", _backward_hook_bare_tensor_accepted),
            MODULE_HOOKS,
            ("test_a_full_backward_hook_must_return_a_tuple_of_gradients",),
        ),
    }
)


# near-miss sweep: hooks whose results land one step early or late, arguments ignored unless they are the default,
# and handles that remove the wrong hook.
def _pre_hooks_applied_to_the_output(original):
    """register_forward_pre_hook whose hook runs after forward, on the output, which its result replaces."""

    def register(self, hook, *, prepend=False, with_kwargs=False):
        if with_kwargs:
            return original(self, hook, prepend=prepend, with_kwargs=True)

        def on_the_output(module, inputs, output):
            result = hook(module, (output,))
            return result[0] if isinstance(result, tuple) else result

        return self.register_forward_hook(on_the_output, prepend=prepend)

    return register


def _with_kwargs_pre_hooks_keeping_the_args(original):
    """register_forward_pre_hook(with_kwargs=True) that takes the new kwargs from the hook's pair but keeps the old args."""

    def register(self, hook, *args, with_kwargs=False, **kwargs):
        if not with_kwargs:
            return original(self, hook, *args, **kwargs)

        def keeping_the_args(module, inputs, keywords):
            result = hook(module, inputs, keywords)
            return None if result is None else (inputs, result[1])

        return original(self, keeping_the_args, *args, with_kwargs=True, **kwargs)

    return register


def _forward_hooks_applied_to_the_input(original):
    """register_forward_hook whose hook runs before forward, given the input as the output; its result is the new input."""

    def register(self, hook, *args, prepend=False, **kwargs):
        def on_the_input(module, inputs):
            result = hook(module, inputs, inputs[0])
            return None if result is None else (result,)

        return self.register_forward_pre_hook(on_the_input, prepend=prepend)

    return register


def _backward_pre_hooks_given_grad_input(original):
    """register_full_backward_pre_hook whose hook runs after the module's backward, on grad_input, which it replaces."""
    return lambda self, hook, *args, **kwargs: self.register_full_backward_hook(
        lambda module, grad_input, grad_output: hook(module, grad_input), *args, **kwargs
    )


def _remove_removing_the_oldest_hook(original):
    def remove(self):
        hooks = self.hooks_dict_ref()
        if hooks:
            del hooks[next(iter(hooks))]

    return remove


def _always_call_replacing_the_forward_error(original):
    """register_forward_hook(always_call=True) after which forward's exception reaches the caller as another TypeError."""

    def register(self, hook, *args, always_call=False, **kwargs):
        handle = original(self, hook, *args, always_call=always_call, **kwargs)
        if always_call:
            forward = self.forward

            def replacing_the_error(*inputs, **keywords):
                try:
                    return forward(*inputs, **keywords)
                except Exception:
                    raise TypeError("broken: forward failed") from None

            self.forward = replacing_the_error
        return handle

    return register


def _leaf_hooks_given_the_accumulated_grad(original):
    """A hook on a leaf that sees .grad with this backward's gradient already added, and whose result becomes .grad."""

    def register_hook(self, hook):
        if self.grad_fn is not None:
            return original(self, hook)

        def on_the_accumulated(grad):
            before = self.grad
            result = hook(grad if before is None else before + grad)
            if result is None or before is None:
                return result
            return result - before

        return original(self, on_the_accumulated)

    return register_hook


def _tensor_hooks_applied_after_their_node(original):
    """A hook on a non-leaf applied to the gradients its grad_fn passes on, instead of the one it receives."""

    def register_hook(self, hook):
        if self.grad_fn is None:
            return original(self, hook)

        def on_the_node_results(grad_inputs, grad_outputs):
            results = [None if grad is None else hook(grad) for grad in grad_inputs]
            return tuple(grad if result is None else result for grad, result in zip(grad_inputs, results, strict=True))

        return self.grad_fn.register_hook(on_the_node_results)

    return register_hook


BREAKAGES.update(
    {
        "forward-pre-hook-applied-to-the-output": Breakage(
            module_method("register_forward_pre_hook", _pre_hooks_applied_to_the_output),
            MODULE_HOOKS,
            ("test_forward_pre_hook_sees_the_input_and_may_replace_it",),
        ),
        "with-kwargs-pre-hook-args-ignored": Breakage(
            module_method("register_forward_pre_hook", _with_kwargs_pre_hooks_keeping_the_args),
            MODULE_HOOKS,
            ("test_forward_pre_hook_with_kwargs_may_replace_args_and_kwargs",),
        ),
        "forward-hook-applied-to-the-input": Breakage(
            module_method("register_forward_hook", _forward_hooks_applied_to_the_input),
            MODULE_HOOKS,
            ("test_forward_hook_sees_input_and_output_and_may_replace_the_output",),
        ),
        "backward-pre-hook-applied-to-grad-input": Breakage(
            module_method("register_full_backward_pre_hook", _backward_pre_hooks_given_grad_input),
            MODULE_HOOKS,
            ("test_full_backward_pre_hook_may_replace_grad_output",),
        ),
        "remove-removes-the-oldest-hook": Breakage(
            module_method("remove", _remove_removing_the_oldest_hook, owner=torch.utils.hooks.RemovableHandle),
            MODULE_HOOKS,
            ("test_removing_a_handle_removes_exactly_that_hook",),
        ),
        "always-call-replaces-the-forward-error": Breakage(
            module_method("register_forward_hook", _always_call_replacing_the_forward_error),
            MODULE_HOOKS,
            ("test_always_call_runs_a_forward_hook_when_forward_raises",),
        ),
        "leaf-hook-given-the-accumulated-grad": Breakage(
            method("register_hook", _leaf_hooks_given_the_accumulated_grad),
            TENSOR_HOOKS,
            ("test_tensor_hook_sees_the_gradient_and_may_replace_it",),
        ),
        "tensor-hook-applied-after-its-node": Breakage(
            method("register_hook", _tensor_hooks_applied_after_their_node),
            TENSOR_HOOKS,
            ("test_tensor_hook_on_an_intermediate_changes_what_flows_further_back",),
        ),
        "pre-hook-prepend-ignored": Breakage(
            module_method(
                "register_forward_pre_hook",
                lambda original: lambda self, hook, *, prepend=False, **kwargs: original(self, hook, **kwargs),
            ),
            ORDER,
            ("test_hooks_run_in_registration_order_unless_prepended",),
        ),
    }
)
