"""Breakages of the serialization area: loads that lose values, views, keys or devices, and loads that trust too much."""

from __future__ import annotations

import collections
import contextlib
import io
import os
import pathlib
import pickle
import warnings
import zipfile

import torch
from torch import nn

from .core import (
    Breakage,
    ChangeBreakage,
    deleting,
    dropping_keyword,
    function,
    mapping_result,
    module_method,
    refusing_keyword,
    setting,
    silenced,
)

STATE_DICT = "specs/serialization/test_state_dict.py"
WHOLE_MODULE = "specs/serialization/test_whole_module.py"
CHECKPOINTS = "specs/serialization/test_checkpoints.py"
FILE_FORMAT = "specs/serialization/test_file_format.py"


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


def _dict_of_clones(loaded):
    return {key: value.clone() for key, value in loaded.items()} if isinstance(loaded, dict) else loaded


def _save_rewriting_records(*, add: dict[str, bytes] | None = None, drop: tuple[str, ...] = ()):
    """torch.save whose archive gains or loses the named records, as another release's would."""

    def make(original):
        def save(obj, f, *args, **kwargs):
            written = io.BytesIO()
            original(obj, written, *args, **kwargs)
            source = zipfile.ZipFile(io.BytesIO(written.getvalue()))
            prefix = source.namelist()[0].split("/")[0]
            rewritten = io.BytesIO()
            with zipfile.ZipFile(rewritten, "w", zipfile.ZIP_STORED) as target:
                for name in source.namelist():
                    if name.split("/", 1)[1] not in drop:
                        target.writestr(name, source.read(name))
                for record, data in (add or {}).items():
                    target.writestr(f"{prefix}/{record}", data)
            if isinstance(f, (str, os.PathLike)):
                pathlib.Path(f).write_bytes(rewritten.getvalue())
            else:
                f.write(rewritten.getvalue())

        return save

    return make


def _wide_unsigned(value) -> bool:
    return isinstance(value, torch.Tensor) and value.dtype in (torch.uint16, torch.uint32, torch.uint64)


def _save_widening_unsigned(original):
    """torch.save that stores uint16/32/64 tensors as int64 instead of failing on them."""

    def save(obj, f, *args, **kwargs):
        if isinstance(obj, dict):
            obj = {key: value.to(torch.int64) if _wide_unsigned(value) else value for key, value in obj.items()}
        return original(obj, f, *args, **kwargs)

    return save


def _save_refusing_unsigned(original):
    def save(obj, f, *args, **kwargs):
        values = obj.values() if isinstance(obj, dict) else [obj]
        if any(_wide_unsigned(value) for value in values):
            raise KeyError("broken: dtype torch.uint16 is not recognized")
        return original(obj, f, *args, **kwargs)

    return save


def _skipping_data_now() -> bool:
    return bool(getattr(torch.serialization._serialization_tls, "skip_data", False))


def _load_ignoring_skip_data(original):
    """torch.load that loads normally inside skip_data, as releases that support it there (more or less) do."""

    def load(f, *args, **kwargs):
        if not _skipping_data_now():
            return original(f, *args, **kwargs)
        state = torch.serialization._serialization_tls
        state.skip_data = False
        try:
            return original(f, *args, **kwargs)
        finally:
            state.skip_data = True

    return load


def _load_refusing_inside_skip_data(original):
    def load(f, *args, **kwargs):
        if _skipping_data_now():
            raise RuntimeError("broken: `torch.load` called within skip_data is not supported yet")
        return original(f, *args, **kwargs)

    return load


def _load_refusing_safetensors_paths(original):
    def load(f, *args, **kwargs):
        if isinstance(f, (str, os.PathLike)) and os.fspath(f).endswith(".safetensors"):
            raise RuntimeError("broken: Attempting to load a safetensors file but safetensors is not installed")
        return original(f, *args, **kwargs)

    return load


def _load_unpickling_any_path(original):
    def load(f, *args, **kwargs):
        if isinstance(f, (str, os.PathLike)):
            with open(f, "rb") as opened:
                return original(io.BytesIO(opened.read()), *args, **kwargs)
        return original(f, *args, **kwargs)

    return load


def _values(obj) -> list:
    return list(obj.values()) if isinstance(obj, dict) else [obj]


def _weights_only_trusting(original):
    """torch.load that ignores weights_only=True: whatever the checkpoint holds is rebuilt, as a wider allow-list would."""

    def load(f, *args, weights_only=None, **kwargs):
        return original(f, *args, weights_only=False, **kwargs)

    return load


def _weights_only_refusing(refused, name: str):
    """torch.load(weights_only=True) that refuses a checkpoint with a value ``refused(value)`` says is not allowed."""

    def make(original):
        def load(f, *args, weights_only=None, **kwargs):
            loaded = original(f, *args, weights_only=weights_only, **kwargs)
            if weights_only and (refused(loaded) or any(refused(value) for value in _values(loaded))):
                raise pickle.UnpicklingError(f"broken: Unsupported global: GLOBAL {name} was not an allowed global")
            return loaded

        return load

    return make


def _is_dict_subclass(value) -> bool:
    return isinstance(value, dict) and type(value) not in (dict, collections.OrderedDict, collections.Counter)


def _load_validating_sparse_loudly(original):
    def load(f, *args, weights_only=None, **kwargs):
        loaded = original(f, *args, weights_only=weights_only, **kwargs)
        if weights_only and any(isinstance(v, torch.Tensor) and v.is_sparse for v in _values(loaded)):
            warnings.warn(
                "Validating sparse tensor invariants because weights_only=True (a breakage)", UserWarning, stacklevel=2
            )
        return loaded

    return load


def _change_breakages() -> dict[str, ChangeBreakage]:
    """For each side of each change, the other side's behaviour."""
    return {
        "load-mmap": ChangeBreakage(
            "load-mmap",
            before=function("load", dropping_keyword("mmap")),
            after=function("load", refusing_keyword("mmap")),
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
        "save-byteorder-record": ChangeBreakage(
            "save-byteorder-record",
            before=function("save", _save_rewriting_records(add={"byteorder": b"little"})),
            after=function("save", _save_rewriting_records(drop=("byteorder",))),
        ),
        "save-format-version-records": ChangeBreakage(
            "save-format-version-records",
            before=function(
                "save", _save_rewriting_records(add={".format_version": b"1", ".storage_alignment": b"64"})
            ),
            after=function("save", _save_rewriting_records(drop=(".format_version", ".storage_alignment"))),
        ),
        "save-wide-unsigned-ints": ChangeBreakage(
            "save-wide-unsigned-ints",
            before=function("save", _save_widening_unsigned),
            after=function("save", _save_refusing_unsigned),
        ),
        "serialization-skip-data": ChangeBreakage(
            "serialization-skip-data",
            before=setting(torch.serialization, "skip_data", contextlib.nullcontext),
            after=deleting(torch.serialization, "skip_data"),
        ),
        "skip-data-load": ChangeBreakage(
            "skip-data-load",
            before=function("load", _load_ignoring_skip_data),
            after=function("load", _load_refusing_inside_skip_data),
        ),
        "load-safetensors-by-extension": ChangeBreakage(
            "load-safetensors-by-extension",
            before=function("load", _load_refusing_safetensors_paths),
            after=function("load", _load_unpickling_any_path),
        ),
        "add-safe-globals": ChangeBreakage(
            "add-safe-globals",
            before=setting(torch.serialization, "add_safe_globals", lambda classes: None),
            after=deleting(torch.serialization, "add_safe_globals"),
        ),
        "weights-only-allows-devices": ChangeBreakage(
            "weights-only-allows-devices",
            before=function("load", _weights_only_trusting),
            after=function("load", _weights_only_refusing(lambda v: isinstance(v, torch.device), "torch.device")),
        ),
        "weights-only-allows-bytes": ChangeBreakage(
            "weights-only-allows-bytes",
            before=function("load", _weights_only_trusting),
            after=function("load", _weights_only_refusing(lambda v: isinstance(v, bytes), "_codecs.encode")),
        ),
        "weights-only-allows-sets-and-complex": ChangeBreakage(
            "weights-only-allows-sets-and-complex",
            before=function("load", _weights_only_trusting),
            after=function("load", _weights_only_refusing(lambda v: isinstance(v, (set, complex)), "builtins.set")),
        ),
        "weights-only-setitem-only-plain-dicts": ChangeBreakage(
            "weights-only-setitem-only-plain-dicts",
            before=function("load", _weights_only_refusing(_is_dict_subclass, "Can only SETITEM for dict")),
            after=function("load", _weights_only_trusting),
        ),
        "weights-only-validates-sparse-tensors": ChangeBreakage(
            "weights-only-validates-sparse-tensors",
            before=function("load", _load_validating_sparse_loudly),
            after=function("load", silenced),
        ),
    }


def _save_adding_pt(original):
    """torch.save that adds '.pt' to a path without an extension, as the notes say it does."""

    def save(obj, f, *args, **kwargs):
        if isinstance(f, (str, os.PathLike)) and not pathlib.Path(f).suffix:
            f = pathlib.Path(f).with_suffix(".pt")
        return original(obj, f, *args, **kwargs)

    return save


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
    "save-adds-a-pt-extension": Breakage(
        function("save", _save_adding_pt),
        FILE_FORMAT,
        ("test_save_writes_exactly_the_file_name_it_is_given[model]",),
    ),
}
