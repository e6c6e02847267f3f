"""Breakages of the modules area: registration that fails, introspection that lies, modes that do not propagate."""

from __future__ import annotations

import copy

import torch
from torch import nn

from .core import (
    Breakage,
    ChangeBreakage,
    Tensor,
    deleting,
    dropping_keyword,
    mapping_result,
    method,
    module_method,
    refusing_keyword,
    setting,
)

PARAMETERS = "specs/modules/test_parameters_and_buffers.py"
MODULE_API = "specs/modules/test_module_api.py"
CONTAINERS = "specs/modules/test_containers.py"
TRAIN_AND_EVAL = "specs/modules/test_train_and_eval.py"


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
}
