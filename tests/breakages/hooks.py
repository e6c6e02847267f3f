"""Breakages of the hooks area: return values that are ignored, handles that remove too much, hooks in the wrong order."""

from __future__ import annotations

import warnings

import torch.nn.modules.module as module_globals
import torch.utils.hooks

from .core import Breakage, ChangeBreakage, Tensor, deleting, method, module_method, refusing_keyword, setting, silenced

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
