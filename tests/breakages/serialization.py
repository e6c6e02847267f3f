"""Breakages of the serialization area: loads that lose values, views, keys or devices, and loads that trust too much."""

from __future__ import annotations

import contextlib
import warnings

import torch
from torch import nn

from .core import Breakage, ChangeBreakage, deleting, function, mapping_result, module_method, setting, silenced

STATE_DICT = "specs/serialization/test_state_dict.py"
WHOLE_MODULE = "specs/serialization/test_whole_module.py"
CHECKPOINTS = "specs/serialization/test_checkpoints.py"


def _load_with(weights_only: bool, *, only_by_default: bool):
    """torch.load that uses ``weights_only`` (only when the caller gave none, if ``only_by_default``)."""

    def make(original):
        def load(f, *args, weights_only=None, **kwargs):
            chosen = forced if (weights_only is None or not only_by_default) else weights_only
            return original(f, *args, weights_only=chosen, **kwargs)

        return load

    forced = weights_only
    return make


def _load_warning_of_its_default(original):
    """torch.load warning, as 2.4 and 2.5 do, whenever it is called without weights_only."""

    def load(f, *args, **kwargs):
        if "weights_only" not in kwargs:
            warnings.warn(
                "You are using `torch.load` with `weights_only=False` (the current default value)",
                FutureWarning,
                stacklevel=2,
            )
        return original(f, *args, **kwargs)

    return load


def _load_ignoring_mmap(original):
    return lambda f, *args, mmap=None, **kwargs: original(f, *args, **kwargs)


def _load_refusing_mmap(original):
    def load(f, *args, **kwargs):
        if "mmap" in kwargs:
            raise TypeError("broken: load() got an unexpected keyword argument 'mmap'")
        return original(f, *args, **kwargs)

    return load


def _dict_of_clones(loaded):
    return {key: value.clone() for key, value in loaded.items()} if isinstance(loaded, dict) else loaded


def _change_breakages() -> dict[str, ChangeBreakage]:
    """For each side of each change, the other side's behaviour."""
    return {
        "load-mmap": ChangeBreakage(
            "load-mmap", before=function("load", _load_ignoring_mmap), after=function("load", _load_refusing_mmap)
        ),
        "load-weights-only-default": ChangeBreakage(
            "load-weights-only-default",
            before=function("load", _load_with(True, only_by_default=True)),
            after=function("load", _load_with(False, only_by_default=True)),
        ),
        "load-weights-only-default-warning": ChangeBreakage(
            "load-weights-only-default-warning",
            before=function("load", _load_warning_of_its_default),
            after=function("load", silenced),
        ),
        "safe-globals-context-manager": ChangeBreakage(
            "safe-globals-context-manager",
            before=setting(torch.serialization, "safe_globals", lambda allowed: contextlib.nullcontext()),
            after=deleting(torch.serialization, "safe_globals"),
        ),
    }


BREAKAGES: dict[str, Breakage] = {
    "load-state-dict-zeroes-values": Breakage(
        module_method(
            "load_state_dict",
            lambda original: (
                lambda self, state, strict=True, **kwargs: original(
                    self, {key: value.clone().zero_() for key, value in state.items()}, strict
                )
            ),
        ),
        STATE_DICT,
        ("test_state_dict_round_trip_restores_values_in_memory_of_their_own",),
    ),
    "state-dict-keeps-grad": Breakage(
        module_method(
            "state_dict",
            lambda original: lambda self, *args, **kwargs: original(self, *args, **{**kwargs, "keep_vars": True}),
        ),
        STATE_DICT,
        ("test_state_dict_tensors_are_detached_aliases_of_the_parameters",),
    ),
    "state-dict-without-metadata": Breakage(
        module_method("state_dict", mapping_result(lambda state: dict(state))),
        STATE_DICT,
        ("test_state_dict_carries_version_metadata",),
    ),
    "strict-loading-ignores-keys": Breakage(
        module_method(
            "load_state_dict", lambda original: lambda self, state, strict=True, **kwargs: original(self, state, False)
        ),
        STATE_DICT,
        ("test_strict_loading_names_missing_and_unexpected_keys",),
    ),
    "non-strict-loading-reports-nothing": Breakage(
        module_method(
            "load_state_dict",
            lambda original: (
                lambda self, state, strict=True, **kwargs: (
                    original(self, state, strict),
                    nn.modules.module._IncompatibleKeys([], []),
                )[1]
            ),
        ),
        STATE_DICT,
        ("test_non_strict_loading_returns_the_missing_and_unexpected_keys",),
    ),
    "load-breaks-views": Breakage(
        function("load", mapping_result(_dict_of_clones)),
        STATE_DICT,
        ("test_views_saved_together_still_share_storage_after_loading",),
    ),
    "map-location-ignored": Breakage(
        function("load", lambda original: lambda f, map_location=None, **kwargs: original(f, **kwargs)),
        STATE_DICT,
        ("test_map_location_puts_loaded_tensors_on_the_given_device",),
    ),
    "modules-gain-save": Breakage(
        setting(nn.Module, "save", lambda self, path: torch.save(self, path)),
        WHOLE_MODULE,
        ("test_modules_have_no_save_method",),
    ),
    "weights-only-always-on": Breakage(
        function("load", _load_with(True, only_by_default=False)),
        WHOLE_MODULE,
        ("test_load_with_weights_only_false_restores_the_whole_module",),
    ),
    "weights-only-always-off": Breakage(
        function("load", _load_with(False, only_by_default=False)),
        WHOLE_MODULE,
        ("test_weights_only_refuses_a_pickle_that_would_run_code",),
    ),
    **_change_breakages(),
    "checkpoint-loses-the-epoch": Breakage(
        function("load", mapping_result(lambda loaded: {**loaded, "epoch": 0})),
        CHECKPOINTS,
        ("test_a_checkpoint_dict_round_trips_under_the_default_load",),
    ),
    "optimizer-state-not-loaded": Breakage(
        module_method("load_state_dict", lambda original: lambda self, state: None, owner=torch.optim.Optimizer),
        CHECKPOINTS,
        ("test_resuming_from_a_checkpoint_continues_exactly_as_an_uninterrupted_run",),
    ),
}
