"""Breakages of the modules area: registration that fails, introspection that lies, modes that do not propagate."""

from __future__ import annotations

import copy
import warnings

import torch
from torch import nn

from .core import (
    Breakage,
    ChangeBreakage,
    Tensor,
    combined,
    deleting,
    dropping_keyword,
    mapping_result,
    method,
    module_method,
    refusing_keyword,
    setting,
    silenced,
)

PARAMETERS = "specs/modules/test_parameters_and_buffers.py"
MODULE_API = "specs/modules/test_module_api.py"
CONTAINERS = "specs/modules/test_containers.py"
TRAIN_AND_EVAL = "specs/modules/test_train_and_eval.py"
SCRIPTING = "specs/modules/test_scripting.py"
MODULES_NOTE = "specs/modules/test_modules_note.py"


def _setattr_hiding_parameters(original):
    return lambda self, name, value: (
        object.__setattr__(self, name, value) if isinstance(value, nn.Parameter) else original(self, name, value)
    )


def _setattr_registering_lists(original):
    def setattr_(self, name, value):
        if isinstance(value, list) and value and all(isinstance(item, nn.Module) for item in value):
            value = nn.ModuleList(value)
        return original(self, name, value)

    return setattr_


def _saving_every_buffer(original):
    def save(self, destination, prefix, keep_vars):
        original(self, destination, prefix, keep_vars)
        for name, buffer in self._buffers.items():
            if buffer is not None:
                destination[prefix + name] = buffer

    return save


def to_also_moving_plain_tensors(original):
    def to(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        for name, value in list(vars(self).items()):
            if isinstance(value, Tensor):
                object.__setattr__(self, name, value.to(*args, **kwargs))
        return result

    return to


def _apply_parent_first(original):
    def apply(self, fn):
        fn(self)
        for child in self.children():
            child.apply(fn)
        return self

    return apply


def _train_without_recursion(original):
    def train(self, mode=True):
        object.__setattr__(self, "training", mode)
        return self

    return train


def _batch_norm_always_on_the_batch(original):
    return lambda self, x: nn.functional.batch_norm(
        x, self.running_mean, self.running_var, self.weight, self.bias, True, self.momentum, self.eps
    )


def _loading_state_transformed(transform):
    """load_state_dict that passes the state through ``transform(module, state, kwargs)`` first."""

    def make(original):
        def load_state_dict(self, state_dict, *args, **kwargs):
            return original(self, transform(self, dict(state_dict), kwargs), *args, **kwargs)

        return load_state_dict

    return make


def _parameter_names(module: nn.Module) -> set[str]:
    return {name for name, _ in module.named_parameters()}


def _raising_for_keys_below_parameters(module, state, kwargs):
    below = sorted(key for key in state if key.rpartition(".")[0] in _parameter_names(module))
    if below and kwargs.get("strict", True):
        raise RuntimeError(f'broken: Unexpected key(s) in state_dict: "{below[0]}"')
    return state


def _dropping_keys_below_parameters(module, state, kwargs):
    return {key: value for key, value in state.items() if key.rpartition(".")[0] not in _parameter_names(module)}


def _zero_dim_shapes(module) -> dict[str, torch.Size]:
    return {name: parameter.shape for name, parameter in module.named_parameters() if parameter.dim() == 0}


def _refusing_long_vectors_for_0_dim(module, state, kwargs):
    for name in _zero_dim_shapes(module):
        if name in state and state[name].dim() == 1 and state[name].numel() > 1:
            raise RuntimeError(f"broken: size mismatch for {name}")
    return state


def _first_elements_for_0_dim(module, state, kwargs):
    return {
        key: value[0] if key in _zero_dim_shapes(module) and value.dim() == 1 else value for key, value in state.items()
    }


def _assign_keeping_requires_grad(original):
    def load_state_dict(self, state_dict, *args, assign=False, **kwargs):
        frozen = {name for name, parameter in self.named_parameters() if not parameter.requires_grad}
        result = original(self, state_dict, *args, assign=assign, **kwargs)
        for name, parameter in self.named_parameters():
            parameter.requires_grad_(name not in frozen)
        return result

    return load_state_dict


def _assign_making_trainable(original):
    def load_state_dict(self, state_dict, *args, assign=False, **kwargs):
        result = original(self, state_dict, *args, assign=assign, **kwargs)
        for parameter in self.parameters():
            parameter.requires_grad_(True)
        return result

    return load_state_dict


def _set_submodule_checking(original):
    def set_submodule(self, target, module, *args, **kwargs):
        if not isinstance(module, nn.Module):
            raise ValueError(f"broken: `module` is not an nn.Module, found {type(module)}")
        return original(self, target, module, *args, **kwargs)

    return set_submodule


def _set_submodule_unchecked(original):
    def set_submodule(self, target, module, *args, **kwargs):
        parent, _, name = target.rpartition(".")
        self.get_submodule(parent)._modules[name] = module

    return set_submodule


def _modules_with_remove_duplicate(original):
    def modules(self, remove_duplicate=True):
        for _, module in self.named_modules(remove_duplicate=remove_duplicate):
            yield module

    return modules


def _warning_instead(category: type[Warning]):
    """A maker for torch.jit.script or trace: the original, silenced, then TorchScript's deprecation in ``category``."""

    def make(original):
        def compile_(*args, **kwargs):
            compiled = silenced(original)(*args, **kwargs)
            message = (
                f"`torch.jit.{original.__name__}` is deprecated. Please switch to `torch.compile` or `torch.export`."
            )
            warnings.warn(message, category, stacklevel=2)
            return compiled

        return compile_

    return make


def _torchscript(make) -> object:
    """Break both torch.jit.script and torch.jit.trace with the same maker."""

    def apply(monkeypatch):
        for name in ("script", "trace"):
            monkeypatch.setattr(torch.jit, name, make(getattr(torch.jit, name)))

    return apply


def _forgetting_fx_wraps(monkeypatch):
    import torch.fx._symbolic_trace as symbolic_trace

    monkeypatch.setattr(symbolic_trace, "_wrapped_fns_to_patch", type(symbolic_trace._wrapped_fns_to_patch)())


def _parameters_with_repeats(original):
    """parameters() that walks every attribute holding a module, so a module held twice is walked twice."""

    def parameters(self, recurse=True):
        yield from (parameter for parameter in self._parameters.values() if parameter is not None)
        if recurse:
            for child in self._modules.values():
                yield from parameters(child)

    return parameters


def _change_breakages() -> dict[str, ChangeBreakage]:
    """For each side of each change, the other side's behaviour."""
    return {
        "load-state-dict-assign": ChangeBreakage(
            "load-state-dict-assign",
            before=module_method("load_state_dict", dropping_keyword("assign")),
            after=module_method("load_state_dict", refusing_keyword("assign")),
        ),
        "load-assign-keeps-requires-grad": ChangeBreakage(
            "load-assign-keeps-requires-grad",
            before=module_method("load_state_dict", _assign_keeping_requires_grad),
            after=module_method("load_state_dict", _assign_making_trainable),
        ),
        "unexpected-nested-state-dict-key": ChangeBreakage(
            "unexpected-nested-state-dict-key",
            before=module_method("load_state_dict", _loading_state_transformed(_raising_for_keys_below_parameters)),
            after=module_method("load_state_dict", _loading_state_transformed(_dropping_keys_below_parameters)),
        ),
        "load-state-dict-0-dim-parameter-shape-check": ChangeBreakage(
            "load-state-dict-0-dim-parameter-shape-check",
            before=module_method("load_state_dict", _loading_state_transformed(_refusing_long_vectors_for_0_dim)),
            after=module_method("load_state_dict", _loading_state_transformed(_first_elements_for_0_dim)),
        ),
        "module-buffer-class": ChangeBreakage(
            "module-buffer-class", before=setting(nn, "Buffer", torch.Tensor), after=deleting(nn, "Buffer")
        ),
        "module-set-submodule": ChangeBreakage(
            "module-set-submodule",
            before=setting(nn.Module, "set_submodule", _set_submodule_unchecked(None)),
            after=deleting(nn.Module, "set_submodule"),
        ),
        "set-submodule-refuses-non-modules": ChangeBreakage(
            "set-submodule-refuses-non-modules",
            before=module_method("set_submodule", _set_submodule_checking),
            after=module_method("set_submodule", _set_submodule_unchecked),
        ),
        "modules-remove-duplicate": ChangeBreakage(
            "modules-remove-duplicate",
            before=module_method("modules", _modules_with_remove_duplicate),
            after=module_method("modules", refusing_keyword("remove_duplicate")),
        ),
        "torchscript-deprecation-warning": ChangeBreakage(
            "torchscript-deprecation-warning",
            before=_torchscript(_warning_instead(DeprecationWarning)),
            after=_torchscript(lambda original: silenced(original)),
        ),
        "torchscript-deprecation-future-warning": ChangeBreakage(
            "torchscript-deprecation-future-warning",
            before=_torchscript(_warning_instead(FutureWarning)),
            after=_torchscript(_warning_instead(DeprecationWarning)),
        ),
    }


def _calling_a_modules_own_backward(original):
    """Module calls that route the output's gradient through the module's own backward method, where it has one."""

    def call(self, *args, **kwargs):
        output = original(self, *args, **kwargs)
        if "backward" in type(self).__dict__ and output.requires_grad:
            output.register_hook(lambda grad: self.backward(grad)[0])
        return output

    return call


BREAKAGES: dict[str, Breakage | ChangeBreakage] = {
    # Parameters, buffers and plain tensors
    "parameter-does-not-require-grad": Breakage(
        setting(nn, "Parameter", lambda data=None, requires_grad=True: data.detach().requires_grad_(False)),
        PARAMETERS,
        ("test_parameter_is_a_tensor_that_requires_grad_by_default",),
    ),
    "setattr-hides-parameters": Breakage(
        module_method("__setattr__", _setattr_hiding_parameters),
        PARAMETERS,
        ("test_assigning_a_parameter_registers_it_and_a_plain_tensor_does_not",),
    ),
    "register-buffer-sets-a-plain-attribute": Breakage(
        module_method(
            "register_buffer",
            lambda original: lambda self, name, tensor, persistent=True: object.__setattr__(self, name, tensor),
        ),
        PARAMETERS,
        (
            "test_buffers_are_listed_by_buffers_and_plain_tensors_by_neither",
            "test_state_dict_holds_parameters_and_persistent_buffers_only",
        ),
    ),
    "state-dict-keeps-non-persistent-buffers": Breakage(
        module_method("_save_to_state_dict", _saving_every_buffer),
        PARAMETERS,
        ("test_state_dict_holds_parameters_and_persistent_buffers_only",),
    ),
    "buffers-require-grad": Breakage(
        module_method(
            "register_buffer",
            lambda original: (
                lambda self, name, tensor, persistent=True: original(
                    self, name, tensor.requires_grad_(True), persistent
                )
            ),
        ),
        PARAMETERS,
        ("test_only_parameters_get_gradients_and_optimizer_updates",),
    ),
    "module-to-moves-plain-tensors": Breakage(
        module_method("to", to_also_moving_plain_tensors),
        PARAMETERS,
        ("test_module_to_converts_parameters_and_buffers_but_leaves_plain_tensors_behind",),
    ),
    "module-to-returns-a-copy": Breakage(
        module_method(
            "to", lambda original: lambda self, *args, **kwargs: original(copy.deepcopy(self), *args, **kwargs)
        ),
        PARAMETERS,
        ("test_module_to_changes_the_module_in_place_and_returns_it",),
    ),
    "parameters-bias-first": Breakage(
        module_method(
            "parameters", lambda original: lambda self, recurse=True: iter(list(original(self, recurse))[::-1])
        ),
        PARAMETERS,
        ("test_linear_parameters_come_weight_first_then_bias",),
    ),
    "numel-lists-values": Breakage(
        method("numel", lambda original: lambda self: self.tolist()),
        PARAMETERS,
        ("test_numel_counts_a_parameters_elements_rather_than_showing_its_values",),
    ),
    "data-is-a-copy": Breakage(
        setting(Tensor, "data", property(lambda self: self.detach().clone())),
        PARAMETERS,
        ("test_copying_into_weight_data_sets_a_parameter_without_recording_it",),
    ),
    # Containers and introspection
    "named-children-recurses": Breakage(
        module_method("named_children", lambda original: lambda self: ((n, m) for n, m in self.named_modules() if n)),
        CONTAINERS,
        ("test_named_children_yields_direct_children_only",),
    ),
    "named-modules-skips-itself": Breakage(
        module_method(
            "named_modules",
            lambda original: lambda self, *args, **kwargs: ((n, m) for n, m in original(self, *args, **kwargs) if n),
        ),
        CONTAINERS,
        ("test_named_modules_is_recursive_and_starts_with_the_module_itself",),
    ),
    "named-parameters-drop-prefixes": Breakage(
        module_method(
            "named_parameters",
            lambda original: (
                lambda self, *args, **kwargs: (
                    (name.rsplit(".", 1)[-1], p) for name, p in original(self, *args, **kwargs)
                )
            ),
        ),
        CONTAINERS,
        ("test_named_parameters_and_buffers_carry_dotted_prefixes",),
    ),
    "named-parameters-returns-a-list": Breakage(
        module_method("named_parameters", mapping_result(list)),
        CONTAINERS,
        ("test_named_methods_return_generators_to_iterate",),
    ),
    "get-submodule-ignores-dotted-paths": Breakage(
        module_method(
            "get_submodule", lambda original: lambda self, target: getattr(self, target.rsplit(".", 1)[-1], self)
        ),
        CONTAINERS,
        ("test_get_submodule_follows_a_dotted_path_and_raises_for_a_missing_one",),
    ),
    "apply-visits-the-parent-first": Breakage(
        module_method("apply", _apply_parent_first),
        CONTAINERS,
        ("test_apply_visits_children_before_the_parent_and_returns_the_module",),
    ),
    "sequential-gains-add-model": Breakage(
        setting(nn.Sequential, "add_model", nn.Module.add_module),
        CONTAINERS,
        ("test_add_module_registers_under_a_name_and_there_is_no_add_model",),
    ),
    "extra-repr-replaces-repr": Breakage(
        module_method("__repr__", lambda original: lambda self: self.extra_repr()),
        CONTAINERS,
        ("test_extra_repr_adds_to_repr_rather_than_replacing_it",),
    ),
    "identity-copies": Breakage(
        module_method("forward", lambda original: lambda self, x: x.clone(), owner=nn.Identity),
        CONTAINERS,
        ("test_identity_returns_its_input_object",),
    ),
    "sequential-slices-into-a-list": Breakage(
        module_method(
            "__getitem__",
            lambda original: (
                lambda self, index: (
                    list(self._modules.values())[index] if isinstance(index, slice) else original(self, index)
                )
            ),
            owner=nn.Sequential,
        ),
        CONTAINERS,
        ("test_sequential_runs_in_order_and_slices_into_a_sequential",),
    ),
    "sequential-drops-non-modules": Breakage(
        module_method(
            "__init__",
            lambda original: lambda self, *args: original(self, *[a for a in args if isinstance(a, nn.Module)]),
            owner=nn.Sequential,
        ),
        CONTAINERS,
        ("test_sequential_refuses_a_parameter",),
    ),
    "module-list-hides-its-modules": Breakage(
        module_method(
            "__init__",
            lambda original: (
                lambda self, modules=None: (original(self), self.__dict__.update(hidden=list(modules or [])))[0]
            ),
            owner=nn.ModuleList,
        ),
        CONTAINERS,
        ("test_module_list_and_dict_register_their_modules_and_a_plain_list_does_not",),
    ),
    "plain-lists-of-modules-register": Breakage(
        module_method("__setattr__", _setattr_registering_lists),
        CONTAINERS,
        ("test_an_optimizer_never_sees_modules_held_in_a_plain_list",),
    ),
    # Training and evaluation mode
    "train-does-not-recurse": Breakage(
        module_method("train", _train_without_recursion),
        TRAIN_AND_EVAL,
        (
            "test_eval_and_train_set_the_flag_on_every_submodule_and_return_the_module",
            "test_train_false_is_eval",
        ),
    ),
    "dropout-also-in-eval": Breakage(
        module_method(
            "forward", lambda original: lambda self, x: nn.functional.dropout(x, self.p, True), owner=nn.Dropout
        ),
        TRAIN_AND_EVAL,
        ("test_dropout_zeroes_and_rescales_in_training_and_is_the_identity_in_eval",),
    ),
    "batch-norm-always-uses-the-batch": Breakage(
        module_method("forward", _batch_norm_always_on_the_batch, owner=nn.BatchNorm1d),
        TRAIN_AND_EVAL,
        ("test_batch_norm_uses_batch_statistics_in_training_and_running_ones_in_eval",),
    ),
    "module-zero-grad-fills-zeros": Breakage(
        module_method("zero_grad", lambda original: lambda self, set_to_none=True: original(self, False)),
        TRAIN_AND_EVAL,
        ("test_module_zero_grad_sets_grads_to_none_by_default_and_to_zeros_when_asked",),
    ),
    "optimizer-zero-grad-fills-zeros": Breakage(
        module_method(
            "zero_grad",
            lambda original: lambda self, set_to_none=True: original(self, False),
            owner=torch.optim.Optimizer,
        ),
        TRAIN_AND_EVAL,
        ("test_optimizer_zero_grad_sets_grads_to_none_by_default",),
    ),
    **_change_breakages(),
    # What a module defines: forward, not backward
    "modules-gain-a-backward-method": Breakage(
        setting(nn.Module, "backward", lambda self, *grads: grads),
        MODULE_API,
        ("test_a_module_defines_forward_but_no_backward",),
    ),
    "autograd-calls-a-modules-backward": Breakage(
        module_method("__call__", _calling_a_modules_own_backward),
        MODULE_API,
        ("test_a_backward_method_on_a_module_is_never_called_by_autograd",),
    ),
    # What model code marks for TorchScript and torch.fx
    "jit-ignore-does-nothing": Breakage(
        setting(torch.jit, "ignore", lambda fn=None, **kwargs: fn),
        SCRIPTING,
        ("test_ignored_function_runs_as_python_inside_scripted_code",),
    ),
    "jit-unused-does-nothing": Breakage(
        setting(torch.jit, "unused", lambda fn: fn),
        SCRIPTING,
        ("test_unused_method_is_replaced_by_a_raise_in_the_scripted_module",),
    ),
    "is-scripting-always-true": Breakage(
        setting(torch.jit, "is_scripting", lambda: True),
        SCRIPTING,
        ("test_is_scripting_is_false_in_eager_code_and_true_in_compiled_code",),
    ),
    "torch-assert-does-nothing": Breakage(
        setting(torch, "_assert", lambda condition, message: None),
        SCRIPTING,
        ("test_torch_assert_raises_its_message_and_survives_symbolic_tracing",),
    ),
    "fx-forgets-wrapped-functions": Breakage(
        _forgetting_fx_wraps, SCRIPTING, ("test_wrapped_function_is_one_call_in_the_traced_graph",)
    ),
    # What a module lists
    "children-recurse": Breakage(
        module_method("children", lambda original: lambda self: (m for m in self.modules() if m is not self)),
        CONTAINERS,
        ("test_children_yields_each_direct_submodule_once_in_assignment_order",),
    ),
    "children-repeat-a-shared-module": Breakage(
        module_method("children", lambda original: lambda self: iter(list(self._modules.values()))),
        CONTAINERS,
        ("test_children_yields_each_direct_submodule_once_in_assignment_order",),
    ),
    "parameters-ignore-recurse": Breakage(
        module_method("parameters", lambda original: lambda self, recurse=True: original(self, True)),
        CONTAINERS,
        ("test_parameters_yields_every_parameter_once_own_first_unless_recurse_is_false",),
    ),
    "parameters-repeat-a-shared-parameter": Breakage(
        module_method("parameters", _parameters_with_repeats),
        CONTAINERS,
        ("test_parameters_yields_every_parameter_once_own_first_unless_recurse_is_false",),
    ),
}


# The notes' remaining statements.
def _setattr_initialising_first(original):
    def setattr_(self, name, value):
        if "_parameters" not in self.__dict__:
            nn.Module.__init__(self)
        return original(self, name, value)

    return setattr_


def _call_running_forward_twice(original):
    def call(self, *args, **kwargs):
        original(self, *args, **kwargs)
        return original(self, *args, **kwargs)

    return call


def _weight_registered_as_a_buffer(original):
    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        weight = self.weight
        del self.weight
        self.register_buffer("weight", weight.detach())

    return init


def _setattr_keeping_plain(kind: type):
    """Module.__setattr__ that stores values of ``kind`` as plain attributes, unregistered."""

    def make(original):
        def setattr_(self, name, value):
            if isinstance(value, kind):
                object.__setattr__(self, name, value)
            else:
                original(self, name, value)

        return setattr_

    return make


def _sgd_step_skipped(original):
    return lambda self, closure=None: None


BREAKAGES.update(
    {
        "activation-exposed-as-a-function": Breakage(
            setting(nn, "ReLU", torch.relu),
            MODULE_API,
            ("test_layers_activations_and_losses_in_torch_nn_are_modules[ReLU]",),
        ),
        "layer-assignable-before-super-init": Breakage(
            module_method("__setattr__", _setattr_initialising_first),
            MODULE_API,
            ("test_a_layer_assigned_before_super_init_is_refused",),
        ),
        "module-call-runs-forward-twice": Breakage(
            module_method("__call__", _call_running_forward_twice),
            MODULE_API,
            ("test_calling_a_model_runs_its_forward_once_and_returns_its_result",),
        ),
        "layer-weight-registered-as-a-buffer": Breakage(
            combined(
                *(
                    module_method("__init__", _weight_registered_as_a_buffer, owner=owner)
                    for owner in (nn.Linear, nn.Conv2d)
                )
            ),
            PARAMETERS,
            ("test_linear_and_conv_define_their_weight_and_bias_as_parameters",),
        ),
        "requires-grad-cannot-be-turned-off": Breakage(
            method("requires_grad_", lambda original: lambda self, requires_grad=True: self),
            PARAMETERS,
            ("test_requires_grad_of_a_parameter_says_whether_it_trains",),
        ),
        "assigned-parameters-not-registered": Breakage(
            module_method("__setattr__", _setattr_keeping_plain(nn.Parameter)),
            PARAMETERS,
            ("test_a_module_of_its_own_computes_from_its_parameters_and_trains_them",),
        ),
        "sequential-attribute-kept-plain": Breakage(
            module_method("__setattr__", _setattr_keeping_plain(nn.Sequential)),
            CONTAINERS,
            ("test_a_sequential_assigned_as_an_attribute_is_a_layer_of_the_model",),
        ),
        "sgd-step-skipped-for-models": Breakage(
            module_method("step", _sgd_step_skipped, owner=torch.optim.SGD),
            CONTAINERS,
            ("test_a_linear_or_a_sequential_is_a_model_by_itself",),
        ),
    }
)


# The Modules note (MODULES_NOTE)
def _parameter_dict_keeping_insertion_order(original):
    """ParameterDict.update that keeps a plain dict's insertion order instead of sorting its keys."""
    return lambda self, parameters: original(self, list(parameters.items()) if type(parameters) is dict else parameters)


def _register_parameter_setting_none_plainly(original):
    """register_parameter(name, None) that sets a plain attribute and reserves nothing."""

    def register_parameter(self, name, param):
        if param is None:
            object.__setattr__(self, name, None)
        else:
            original(self, name, param)

    return register_parameter


def _register_parameter_unchecked(original):
    def register_parameter(self, name, param):
        self._parameters[name] = param

    return register_parameter


def _to_converting_integer_buffers(original):
    """Module.to(dtype) that converts every buffer to the dtype, integer ones included."""

    def to(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        dtypes = [arg for arg in (*args, kwargs.get("dtype")) if isinstance(arg, torch.dtype)]
        for module in self.modules():
            for name, buffer in list(module._buffers.items()):
                if buffer is not None and dtypes:
                    module._buffers[name] = buffer.to(dtypes[0])
        return result

    return to


def _norm_buffers_left_float(original):
    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        for name in ("running_mean", "running_var"):
            if getattr(self, name, None) is not None:
                self._buffers[name] = self._buffers[name].float()

    return init


def _linear_ignoring_device(original):
    return lambda self, *args, device=None, **kwargs: original(self, *args, **kwargs)


def _to_refusing_meta_with(advice: str):
    """Module.to whose refusal to copy out of a meta tensor says 'no data!' and then ``advice``."""

    def make(original):
        def to(self, *args, **kwargs):
            try:
                return original(self, *args, **kwargs)
            except NotImplementedError as refused:
                if "meta tensor" not in str(refused):
                    raise
                raise NotImplementedError(f"broken: Cannot copy out of meta tensor; no data!{advice}") from None

        return to

    return make


def _forward_pre_hooks_ignoring_bare_results(original):
    """register_forward_pre_hook whose hook's result counts only when it is a tuple."""

    def register(self, hook, *args, **kwargs):
        def tuple_only(*hook_args):
            result = hook(*hook_args)
            return result if isinstance(result, tuple) else None

        return original(self, tuple_only, *args, **kwargs)

    return register


def _registering_nothing(original):
    """A register_*_hook that returns a handle and never calls the hook."""
    return lambda self, hook, *args, **kwargs: torch.utils.hooks.RemovableHandle({})


BREAKAGES.update(
    {
        "parameter-dict-keeps-insertion-order": Breakage(
            module_method("update", _parameter_dict_keeping_insertion_order, owner=nn.ParameterDict),
            MODULES_NOTE,
            ("test_state_dict_holds_own_parameters_then_own_buffers_then_each_childs",),
        ),
        "reserved-parameter-name-takes-a-tensor": Breakage(
            module_method("register_parameter", _register_parameter_setting_none_plainly),
            MODULES_NOTE,
            ("test_registering_none_reserves_the_name_for_a_parameter",),
        ),
        "dotted-parameter-names-accepted": Breakage(
            module_method("register_parameter", _register_parameter_unchecked),
            MODULES_NOTE,
            ("test_register_methods_refuse_a_dotted_name",),
        ),
        "module-to-converts-integer-buffers": Breakage(
            module_method("to", _to_converting_integer_buffers),
            MODULES_NOTE,
            ("test_module_to_a_dtype_converts_floating_parameters_and_buffers_and_leaves_integer_ones",),
        ),
        "norm-buffers-ignore-the-constructor-dtype": Breakage(
            module_method("__init__", _norm_buffers_left_float, owner=nn.modules.batchnorm._NormBase),
            MODULES_NOTE,
            ("test_constructor_dtype_applies_to_parameters_and_floating_buffers_only",),
        ),
        "linear-ignores-its-device-argument": Breakage(
            module_method("__init__", _linear_ignoring_device, owner=nn.Linear),
            MODULES_NOTE,
            (
                "test_a_module_built_on_the_meta_device_has_shapes_but_no_data",
                "test_skip_init_builds_the_module_on_the_cpu_without_drawing_random_numbers",
            ),
        ),
        "to-empty-keeps-meta": Breakage(
            module_method("to_empty", lambda original: lambda self, *, device=None, recurse=True: self),
            MODULES_NOTE,
            ("test_to_empty_materialises_a_meta_module_and_reset_parameters_initialises_it",),
        ),
        "meta-to-error-without-advice": Breakage(
            module_method("to", _to_refusing_meta_with("")),
            MODULES_NOTE,
            ("test_moving_a_meta_module_with_to_points_at_to_empty",),
        ),
        "meta-to-error-with-advice": Breakage(
            module_method("to", _to_refusing_meta_with(" Please use torch.nn.Module.to_empty() instead")),
            MODULES_NOTE,
            ("test_moving_a_meta_module_with_to_says_only_that_there_is_no_data",),
        ),
        "forward-pre-hook-bare-result-ignored": Breakage(
            module_method("register_forward_pre_hook", _forward_pre_hooks_ignoring_bare_results),
            MODULES_NOTE,
            ("test_a_forward_pre_hook_may_return_a_bare_value_for_a_single_input",),
        ),
        "load-state-dict-post-hooks-never-run": Breakage(
            module_method("register_load_state_dict_post_hook", _registering_nothing),
            MODULES_NOTE,
            ("test_load_state_dict_post_hook_sees_the_incompatible_keys_and_may_clear_them",),
        ),
        "state-dict-pre-hooks-never-run": Breakage(
            module_method("register_state_dict_pre_hook", _registering_nothing),
            MODULES_NOTE,
            ("test_state_dict_pre_hook_runs_before_the_state_is_collected",),
        ),
        "state-dict-post-hooks-never-run": Breakage(
            setting(nn.Module, "register_state_dict_post_hook", _registering_nothing(None)),
            MODULES_NOTE,
            ("test_state_dict_post_hook_may_add_entries_in_place_and_must_return_none",),
        ),
        "load-state-dict-pre-hooks-never-run": Breakage(
            setting(nn.Module, "register_load_state_dict_pre_hook", _registering_nothing(None)),
            MODULES_NOTE,
            ("test_load_state_dict_pre_hook_may_fill_in_a_missing_key",),
        ),
    }
)


BREAKAGES.update(
    {
        "meta-to-suggests-to-empty": ChangeBreakage(
            "meta-to-suggests-to-empty",
            before=module_method("to", _to_refusing_meta_with(" Please use torch.nn.Module.to_empty() instead")),
            after=module_method("to", _to_refusing_meta_with("")),
        ),
        "module-state-dict-post-and-load-pre-hooks": ChangeBreakage(
            "module-state-dict-post-and-load-pre-hooks",
            before=combined(
                setting(nn.Module, "register_state_dict_post_hook", lambda self, hook: None),
                setting(nn.Module, "register_load_state_dict_pre_hook", lambda self, hook: None),
            ),
            after=combined(
                deleting(nn.Module, "register_state_dict_post_hook"),
                deleting(nn.Module, "register_load_state_dict_pre_hook"),
            ),
        ),
    }
)


# near-miss sweep: a layer that is right only for its default argument, and an eval mode that keeps using the batch.
def _dropout_scaling_by_one_over_p(original):
    """Dropout that scales the kept elements by 1/p instead of 1/(1-p): the same at the default p=0.5."""

    def forward(self, input):
        output = original(self, input)
        return output * ((1 - self.p) / self.p) if self.training else output

    return forward


def _batch_norm_normalising_by_the_batch_in_eval(original):
    """BatchNorm whose eval mode normalises by the statistics of the batch it is given, not the running ones."""

    def forward(self, input):
        if self.training:
            return original(self, input)
        mean, variance = input.mean(0, keepdim=True), input.var(0, unbiased=False, keepdim=True)
        output = (input - mean) / torch.sqrt(variance + self.eps)
        return output * self.weight + self.bias if self.affine else output

    return forward


BREAKAGES.update(
    {
        "dropout-scales-by-one-over-p": Breakage(
            module_method("forward", _dropout_scaling_by_one_over_p, owner=nn.Dropout),
            TRAIN_AND_EVAL,
            ("test_dropout_zeroes_and_rescales_in_training_and_is_the_identity_in_eval",),
        ),
        "batch-norm-eval-uses-the-batch-statistics": Breakage(
            module_method("forward", _batch_norm_normalising_by_the_batch_in_eval, owner=nn.BatchNorm1d),
            TRAIN_AND_EVAL,
            ("test_batch_norm_uses_batch_statistics_in_training_and_running_ones_in_eval",),
        ),
    }
)
