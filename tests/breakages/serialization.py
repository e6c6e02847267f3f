"""Breakages of the serialization area: loads that lose values, views, keys or devices, and loads that trust too much."""

from __future__ import annotations

import collections
import contextlib
import io
import mmap
import os
import pathlib
import pickle
import re
import warnings
import zipfile

import torch
import torch._weights_only_unpickler as weights_only_unpickler
from torch import nn

from .core import (
    Breakage,
    ChangeBreakage,
    combined,
    deleting,
    dropping_keyword,
    function,
    mapping_result,
    method,
    module_method,
    refusing_keyword,
    reraising_as,
    setting,
    silenced,
)

STATE_DICT = "specs/serialization/test_state_dict.py"
WHOLE_MODULE = "specs/serialization/test_whole_module.py"
CHECKPOINTS = "specs/serialization/test_checkpoints.py"
FILE_FORMAT = "specs/serialization/test_file_format.py"
SEMANTICS = "specs/serialization/test_serialization_semantics.py"


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


def _load_warning_of_implicitly_disabled_checks(original):
    """torch.load that warns, for a checkpoint holding a sparse tensor, that invariant checks are implicitly off."""

    def load(f, *args, **kwargs):
        loaded = original(f, *args, **kwargs)
        if any(isinstance(v, torch.Tensor) and v.layout is not torch.strided for v in _values(loaded)):
            warnings.warn("Sparse invariant checks are implicitly disabled (a breakage)", UserWarning, stacklevel=2)
        return loaded

    return load


# weights-only-environment-variables-case-sensitive
_WEIGHTS_ONLY_VARIABLES = ("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD")
_TRUE_VALUES = ("1", "y", "yes", "true")


def _load_reading_weights_only_variables(*, case_sensitive: bool):
    """torch.load that reads the weights_only variables case-sensitively (TRUE ignored) or in any case (TRUE honoured)."""

    def make(original):
        def load(*args, **kwargs):
            saved = {name: os.environ.get(name) for name in _WEIGHTS_ONLY_VARIABLES}
            for name, value in saved.items():
                if value is None or value.lower() not in _TRUE_VALUES:
                    continue
                if not case_sensitive:
                    os.environ[name] = value.lower()
                elif value not in _TRUE_VALUES:
                    del os.environ[name]
            try:
                return original(*args, **kwargs)
            finally:
                for name, value in saved.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value

        return load

    return make


# pickle_load_args warning and nested tensors under weights_only
_NESTED_REBUILD = "torch._utils._rebuild_nested_tensor"


def _load_warning_about_pickle_load_args(original):
    """torch.load that warns, as 2.11 does, when unpickler arguments come beside weights_only=True."""

    def load(*args, **kwargs):
        named = {"f", "map_location", "pickle_module", "weights_only", "mmap"}
        if kwargs.get("weights_only") and set(kwargs) - named:
            warnings.warn("pickle_load_args only works if `weights_only=False`.", UserWarning, stacklevel=2)
        return original(*args, **kwargs)

    return load


def _allowed_globals(change):
    return function("_get_allowed_globals", mapping_result(change), module=weights_only_unpickler)


def _change_breakages() -> dict[str, ChangeBreakage]:
    """For each side of each change, the other side's behaviour."""
    return {
        "load-pickle-load-args-weights-only-warning": ChangeBreakage(
            "load-pickle-load-args-weights-only-warning",
            before=function("load", _load_warning_about_pickle_load_args),
            after=function("load", silenced),
        ),
        "weights-only-refuses-nested-tensors": ChangeBreakage(
            "weights-only-refuses-nested-tensors",
            before=_allowed_globals(lambda allowed: {k: v for k, v in allowed.items() if k != _NESTED_REBUILD}),
            after=_allowed_globals(lambda allowed: {**allowed, _NESTED_REBUILD: torch._utils._rebuild_nested_tensor}),
        ),
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
        "sparse-load-implicit-invariant-checks-warning": ChangeBreakage(
            "sparse-load-implicit-invariant-checks-warning",
            before=function("load", _load_warning_of_implicitly_disabled_checks),
            after=function("load", silenced),
        ),
        "weights-only-environment-variables-case-sensitive": ChangeBreakage(
            "weights-only-environment-variables-case-sensitive",
            before=function("load", _load_reading_weights_only_variables(case_sensitive=True)),
            after=function("load", _load_reading_weights_only_variables(case_sensitive=False)),
        ),
    }


def _save_adding_pt(original):
    """torch.save that adds '.pt' to a path without an extension, as the notes say it does."""

    def save(obj, f, *args, **kwargs):
        if isinstance(f, (str, os.PathLike)) and not pathlib.Path(f).suffix:
            f = pathlib.Path(f).with_suffix(".pt")
        return original(obj, f, *args, **kwargs)

    return save


# The serialization note (SEMANTICS)


def _with_tensors_cloned(obj):
    """``obj`` with every tensor in it (through dicts, lists and tuples) replaced by a compact clone of its own."""
    if isinstance(obj, torch.Tensor):
        return obj.clone()
    if isinstance(obj, dict):
        return type(obj)((key, _with_tensors_cloned(value)) for key, value in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_with_tensors_cloned(value) for value in obj)
    return obj


def _with_tuples_as_lists(obj):
    if isinstance(obj, dict):
        return {key: _with_tuples_as_lists(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_with_tuples_as_lists(value) for value in obj]
    return obj


def _load_state_dict_of_parameters_only(original):
    """load_state_dict that loads the parameters and drops every buffer, as if buffers were not state."""

    def load_state_dict(self, state_dict, *args, **kwargs):
        parameters = {name for name, _ in self.named_parameters()}
        return original(self, {key: value for key, value in state_dict.items() if key in parameters}, False)

    return load_state_dict


def _save_in_the_legacy_format(original):
    def save(obj, f, *args, **kwargs):
        kwargs.setdefault("_use_new_zipfile_serialization", False)
        return original(obj, f, *args, **kwargs)

    return save


def _load_honouring_only_plain_map_locations(original):
    """torch.load that ignores a map_location given as a dict or a function."""

    def load(f, *args, map_location=None, **kwargs):
        if isinstance(map_location, dict) or callable(map_location):
            map_location = None
        return original(f, *args, map_location=map_location, **kwargs)

    return load


def _advice_removed(message: str) -> str:
    """A weights_only refusal as releases before 2.4 word it: the class, and no advice."""
    found = re.search(r"(?:GLOBAL|Unsupported class) ([\w.]+)", message)
    return f"broken: Weights only load failed. WeightsUnpickler error: Unsupported class {found.group(1)}"


def _advice_added(message: str) -> str:
    """A weights_only refusal with the advice of 2.6 and later appended."""
    name = re.search(r"(?:GLOBAL|Unsupported class) ([\w.]+)", message).group(1)
    return (
        f"{message} WeightsUnpickler error: Unsupported global: GLOBAL {name} was not an allowed global by default. "
        f"Please use `torch.serialization.add_safe_globals([{name}])` or the "
        f"`torch.serialization.safe_globals([{name}])` context manager to allowlist this global"
    )


def _load_rewording_refusals(reword):
    def make(original):
        def load(f, *args, **kwargs):
            try:
                return original(f, *args, **kwargs)
            except pickle.UnpicklingError as refused:
                raise pickle.UnpicklingError(reword(str(refused))) from None

        return load

    return make


@contextlib.contextmanager
def _safe_globals_for_good(allowed):
    """safe_globals that allows its classes and leaves them allowed after the block."""
    torch.serialization.add_safe_globals(allowed)
    yield


def _safe_globals_restored_afterwards(monkeypatch):
    """Keep what add_safe_globals adds while the breakage lasts in a copy of the allow-list, so it goes with it."""
    import torch._weights_only_unpickler as unpickler

    name = "_marked_safe_globals_set" if hasattr(unpickler, "_marked_safe_globals_set") else "_marked_safe_globals_list"
    monkeypatch.setattr(unpickler, name, type(getattr(unpickler, name))(getattr(unpickler, name)))


def _load_ignoring_force_weights_only(original):
    def load(f, *args, **kwargs):
        forced = os.environ.pop("TORCH_FORCE_WEIGHTS_ONLY_LOAD", None)
        try:
            return original(f, *args, **kwargs)
        finally:
            if forced is not None:
                os.environ["TORCH_FORCE_WEIGHTS_ONLY_LOAD"] = forced

    return load


def _load_letting_no_weights_only_override_a_choice(original):
    """torch.load that, under TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD, uses weights_only=False even when True was passed."""

    def load(f, *args, weights_only=None, **kwargs):
        if os.environ.get("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD") == "1":
            weights_only = False
        return original(f, *args, weights_only=weights_only, **kwargs)

    return load


def _from_file_always_shared(original):
    """UntypedStorage.from_file that maps every file shared, so writes to an mmap-loaded tensor reach the file."""
    return staticmethod(lambda filename, shared=False, nbytes=0: original(filename, True, nbytes))


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
    # The serialization note
    "save-clones-every-tensor": Breakage(
        function("save", lambda original: lambda obj, f, *a, **k: original(_with_tensors_cloned(obj), f, *a, **k)),
        SEMANTICS,
        (
            "test_a_tensor_and_its_view_are_saved_as_one_storage",
            "test_saving_a_small_view_writes_and_loads_its_whole_storage",
        ),
    ),
    "clone-keeps-the-storage": Breakage(
        method("clone", lambda original: lambda self, *args, **kwargs: self[...]),
        SEMANTICS,
        ("test_cloning_before_saving_writes_only_the_views_elements_and_loses_the_sharing",),
    ),
    "load-turns-tuples-into-lists": Breakage(
        function("load", mapping_result(_with_tuples_as_lists)),
        SEMANTICS,
        ("test_tensors_and_containers_of_tensors_round_trip_through_a_path_or_a_file_like_object",),
    ),
    "load-state-dict-drops-buffers": Breakage(
        module_method("load_state_dict", _load_state_dict_of_parameters_only),
        SEMANTICS,
        ("test_a_state_dict_with_buffers_restores_a_fresh_module_through_save_and_load",),
    ),
    "save-defaults-to-the-legacy-format": Breakage(
        function("save", _save_in_the_legacy_format),
        SEMANTICS,
        ("test_save_writes_an_uncompressed_zip64_archive_of_the_pickle_each_storage_and_a_version",),
    ),
    "save-leaves-storages-unaligned": Breakage(
        function("save", _save_rewriting_records()),
        SEMANTICS,
        ("test_save_aligns_each_storage_to_64_bytes",),
    ),
    "map-location-only-devices-and-strings": Breakage(
        function("load", _load_honouring_only_plain_map_locations),
        SEMANTICS,
        ("test_map_location_takes_a_device_a_mapping_of_locations_or_a_function",),
    ),
    "weights-only-refuses-sizes": Breakage(
        function("load", _weights_only_refusing(lambda value: isinstance(value, torch.Size), "torch.Size")),
        SEMANTICS,
        ("test_weights_only_loads_tensors_primitives_containers_sizes_and_dtypes",),
    ),
    "weights-only-trusts-user-classes": Breakage(
        function("load", _weights_only_trusting),
        SEMANTICS,
        (
            "test_weights_only_refuses_a_class_of_the_users_and_names_it",
            "test_weights_only_refusal_suggests_add_safe_globals",
            "test_weights_only_refusal_gives_no_advice",
            "test_weights_only_refusal_suggests_the_safe_globals_context_manager",
            "test_weights_only_refusal_suggests_add_safe_globals_alone",
        ),
    ),
    "weights-only-refusal-without-advice": Breakage(
        function("load", _load_rewording_refusals(_advice_removed)),
        SEMANTICS,
        (
            "test_weights_only_refusal_suggests_add_safe_globals",
            "test_weights_only_refusal_suggests_the_safe_globals_context_manager",
        ),
    ),
    "weights-only-refusal-with-all-advice": Breakage(
        function("load", _load_rewording_refusals(_advice_added)),
        SEMANTICS,
        ("test_weights_only_refusal_gives_no_advice", "test_weights_only_refusal_suggests_add_safe_globals_alone"),
    ),
    "safe-globals-outlives-its-block": Breakage(
        combined(
            setting(torch.serialization, "safe_globals", _safe_globals_for_good), _safe_globals_restored_afterwards
        ),
        SEMANTICS,
        ("test_safe_globals_allows_a_class_only_inside_its_block",),
    ),
    "unsafe-globals-never-found": Breakage(
        function("get_unsafe_globals_in_checkpoint", lambda original: lambda f: [], module=torch.serialization),
        SEMANTICS,
        ("test_get_unsafe_globals_in_checkpoint_lists_what_weights_only_would_refuse",),
    ),
    "force-weights-only-variable-ignored": Breakage(
        function("load", _load_ignoring_force_weights_only),
        SEMANTICS,
        ("test_force_weights_only_environment_variable_overrides_weights_only_false",),
    ),
    "no-weights-only-variable-overrides-a-choice": Breakage(
        function("load", _load_letting_no_weights_only_override_a_choice),
        SEMANTICS,
        ("test_no_weights_only_environment_variable_changes_only_the_default",),
    ),
    "load-drops-pickle-module": Breakage(
        function("load", dropping_keyword("pickle_module")),
        SEMANTICS,
        ("test_an_explicit_pickle_module_turns_weights_only_off_and_cannot_be_combined_with_it",),
    ),
    "mmap-maps-files-shared": Breakage(
        function("from_file", _from_file_always_shared, module=torch.UntypedStorage),
        SEMANTICS,
        ("test_a_tensor_loaded_with_mmap_is_a_private_copy_of_the_file",),
    ),
    "default-mmap-options-shared": Breakage(
        function("get_default_mmap_options", lambda original: lambda: mmap.MAP_SHARED, module=torch.serialization),
        SEMANTICS,
        ("test_default_mmap_options_are_map_private",),
    ),
    "default-load-endianness-ignored": Breakage(
        function(
            "set_default_load_endianness", lambda original: lambda endianness=None: None, module=torch.serialization
        ),
        SEMANTICS,
        ("test_default_load_endianness_applies_to_files_without_a_byteorder_record",),
    ),
    "crc32-option-ignored": Breakage(
        function("set_crc32_options", lambda original: lambda compute_crc32: None, module=torch.serialization),
        SEMANTICS,
        ("test_crc32_options_turn_the_archive_checksums_off",),
    ),
}


# The notes' remaining statements.
BREAKAGES.update(
    {
        "jit-script-leaves-python-code": Breakage(
            function("script", lambda original: lambda obj, *args, **kwargs: obj, module=torch.jit),
            WHOLE_MODULE,
            (
                "test_torchscript_compiles_a_function_from_its_source_control_flow_included",
                "test_a_saved_torchscript_model_loads_and_runs_without_its_python_class",
            ),
        ),
        "onnx-export-writes-nothing": Breakage(
            function("export", lambda original: lambda *args, **kwargs: None, module=torch.onnx),
            WHOLE_MODULE,
            ("test_torch_onnx_exports_a_model_as_an_onnx_graph",),
        ),
    }
)


def _serialization_names(names: tuple[str, ...], present: bool):
    """torch.serialization with ``names`` added (as stand-ins that do nothing) or taken away."""
    return combined(
        *(
            setting(torch.serialization, name, lambda *args, **kwargs: None)
            if present
            else deleting(torch.serialization, name)
            for name in names
        )
    )


BREAKAGES.update(
    {
        "weights-only-refusal-suggests-add-safe-globals": ChangeBreakage(
            "weights-only-refusal-suggests-add-safe-globals",
            before=function("load", _load_rewording_refusals(_advice_added)),
            after=function("load", _load_rewording_refusals(_advice_removed)),
        ),
        "weights-only-refusal-suggests-safe-globals": ChangeBreakage(
            "weights-only-refusal-suggests-safe-globals",
            before=function("load", _load_rewording_refusals(_advice_added)),
            after=function("load", _load_rewording_refusals(_advice_removed)),
        ),
        **{
            change: ChangeBreakage(
                change,
                before=_serialization_names(names, present=True),
                after=_serialization_names(names, present=False),
            )
            for change, names in (
                ("default-load-endianness", ("get_default_load_endianness", "set_default_load_endianness")),
                ("default-mmap-options", ("get_default_mmap_options", "set_default_mmap_options")),
                ("crc32-options", ("get_crc32_options", "set_crc32_options")),
                ("get-unsafe-globals-in-checkpoint", ("get_unsafe_globals_in_checkpoint",)),
            )
        },
    }
)


# near-miss sweep (test_checkpoints, test_file_format, test_state_dict, test_weights_only, test_whole_module): loads
# that keep the object's own settings, ignore mmap, drop a device index, transpose, or refuse with another category.
WEIGHTS_ONLY = "specs/serialization/test_weights_only.py"


def _optimizer_load_keeping_its_hyperparameters(original):
    """Optimizer.load_state_dict that loads the state but keeps the hyperparameters the optimizer was built with."""

    def load_state_dict(self, state_dict):
        own = [{key: value for key, value in group.items() if key != "params"} for group in self.param_groups]
        original(self, state_dict)
        for group, hyperparameters in zip(self.param_groups, own, strict=True):
            group.update(hyperparameters)

    return load_state_dict


def _load_without_the_safetensors_import_guard(original):
    """torch.load that lets the ImportError of a missing safetensors package escape instead of explaining it."""

    def load(f, *args, **kwargs):
        if isinstance(f, (str, os.PathLike)) and os.fspath(f).endswith(".safetensors"):
            raise ModuleNotFoundError("broken: No module named 'safetensors'")
        return original(f, *args, **kwargs)

    return load


def _metadata_of_the_root_version(state):
    """A state dict whose _metadata gives every submodule the version of the module state_dict was called on."""
    root_version = state._metadata[""]["version"]
    for metadata in state._metadata.values():
        metadata["version"] = root_version
    return state


def _add_safe_globals_replacing(original):
    """add_safe_globals that replaces the allow-list instead of adding to it."""

    def add_safe_globals(safe_globals):
        torch.serialization.clear_safe_globals()
        original(safe_globals)

    return add_safe_globals


def _mapping_loaded_values(change):
    """torch.load(weights_only=True) whose loaded dict's values pass through ``change``."""

    def make(original):
        def load(f, *args, weights_only=None, **kwargs):
            loaded = original(f, *args, weights_only=weights_only, **kwargs)
            if weights_only and isinstance(loaded, dict):
                return type(loaded)((key, change(value)) for key, value in loaded.items())
            return loaded

        return load

    return make


def _device_of_its_type(value):
    return torch.device(value.type) if isinstance(value, torch.device) else value


def _sparse_transposed(value):
    return value.t().coalesce() if isinstance(value, torch.Tensor) and value.is_sparse else value


def _weights_only_modules_without_their_state(original):
    """torch.load(weights_only=True) that rebuilds an allowed module's class but not its saved attributes."""

    def load(f, *args, weights_only=None, **kwargs):
        loaded = original(f, *args, weights_only=weights_only, **kwargs)
        if weights_only and isinstance(loaded, nn.Module):
            return type(loaded).__new__(type(loaded))
        return loaded

    return load


BREAKAGES.update(
    {
        "optimizer-load-keeps-its-hyperparameters": Breakage(
            module_method("load_state_dict", _optimizer_load_keeping_its_hyperparameters, owner=torch.optim.Optimizer),
            CHECKPOINTS,
            ("test_resuming_from_a_checkpoint_continues_exactly_as_an_uninterrupted_run",),
        ),
        "load-safetensors-import-error-unexplained": Breakage(
            function("load", _load_without_the_safetensors_import_guard),
            FILE_FORMAT,
            ("test_load_hands_a_safetensors_path_to_the_safetensors_package",),
        ),
        "load-ignores-mmap": Breakage(
            function("load", dropping_keyword("mmap")),
            STATE_DICT,
            ("test_load_with_mmap_reads_the_file_lazily_with_the_same_values",),
        ),
        "state-dict-metadata-of-the-root-version": Breakage(
            module_method("state_dict", mapping_result(_metadata_of_the_root_version)),
            STATE_DICT,
            ("test_state_dict_carries_version_metadata",),
        ),
        "add-safe-globals-replaces-the-list": Breakage(
            lambda monkeypatch: combined(
                function("add_safe_globals", _add_safe_globals_replacing, module=torch.serialization),
                _safe_globals_restored_afterwards,
            )(monkeypatch),
            WEIGHTS_ONLY,
            ("test_add_safe_globals_allows_a_class_for_every_later_load",),
        ),
        "weights-only-devices-lose-their-index": Breakage(
            function("load", _mapping_loaded_values(_device_of_its_type)),
            WEIGHTS_ONLY,
            ("test_weights_only_loads_a_device",),
        ),
        "weights-only-transposes-sparse-tensors": Breakage(
            function("load", _mapping_loaded_values(_sparse_transposed)),
            WEIGHTS_ONLY,
            (
                "test_weights_only_validates_sparse_tensors_and_says_so",
                "test_weights_only_loads_sparse_tensors_without_a_warning",
            ),
        ),
        "weights-only-refuses-with-a-runtime-error": Breakage(
            function("load", reraising_as(pickle.UnpicklingError, RuntimeError)),
            WHOLE_MODULE,
            (
                "test_weights_only_refuses_a_pickle_that_would_run_code",
                "test_load_refuses_a_pickled_module_by_default",
            ),
        ),
        "weights-only-modules-without-their-state": Breakage(
            function("load", _weights_only_modules_without_their_state),
            WHOLE_MODULE,
            ("test_safe_globals_allows_a_module_class_under_weights_only",),
        ),
    }
)
