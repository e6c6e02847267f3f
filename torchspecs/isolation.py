"""Global torch state that a spec may change, and the means to restore it.

The harness reads every setting here before and after each spec.  A spec that
leaves one changed fails, and the setting is put back so that the specs after
it still see the defaults, in any order and on any xdist worker.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
import torch.backends.opt_einsum
import torch.nn.modules.module as module_globals

__all__ = [
    "SEED",
    "GlobalSetting",
    "default_dtype",
    "deterministic_algorithms",
    "fill_uninitialized_memory",
    "global_module_hooks",
    "global_settings",
    "leaked_settings",
    "restore",
    "seed_everything",
    "sharing_strategy",
    "snapshot",
]

SEED = 0


@dataclass(frozen=True)
class GlobalSetting:
    """One piece of process-wide torch state: how to read it and how to put it back."""

    name: str
    read: Callable[[], object]
    write: Callable[[object], None]


def _deterministic() -> tuple[bool, bool]:
    return torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled()


def _set_deterministic(value: tuple[bool, bool]) -> None:
    torch.use_deterministic_algorithms(value[0], warn_only=value[1])


def _module_hook_names() -> list[str]:
    return sorted(name for name in vars(module_globals) if name.startswith("_global_"))


def _read_module_hooks() -> dict[str, object]:
    return {
        name: dict(value) if isinstance(value, dict) else value
        for name, value in ((name, getattr(module_globals, name)) for name in _module_hook_names())
    }


def _write_module_hooks(saved: dict[str, object]) -> None:
    for name, value in saved.items():
        current = getattr(module_globals, name)
        if isinstance(current, dict):
            current.clear()
            current.update(value)
        else:
            setattr(module_globals, name, value)


PRINT_OPTION_FIELDS = ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")


def _read_print_options() -> dict[str, object]:
    # Named fields: on older torch the defaults are class attributes, absent from the instance's vars().
    options = torch._tensor_str.PRINT_OPTS
    return {field: getattr(options, field) for field in PRINT_OPTION_FIELDS if hasattr(options, field)}


def _write_print_options(saved: dict[str, object]) -> None:
    for field, value in saved.items():
        setattr(torch._tensor_str.PRINT_OPTS, field, value)


def _cudnn_flags() -> tuple[object, ...]:
    cudnn = torch.backends.cudnn
    return cudnn.enabled, cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32


def _set_cudnn_flags(value: tuple[object, ...]) -> None:
    cudnn = torch.backends.cudnn
    cudnn.enabled, cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32 = value


def _set_matmul_tf32(value: bool) -> None:
    torch.backends.cuda.matmul.allow_tf32 = value


def global_settings() -> list[GlobalSetting]:
    """The settings the installed torch has, oldest first; later torch versions add to the list."""
    settings = [
        GlobalSetting("default dtype", torch.get_default_dtype, torch.set_default_dtype),
        GlobalSetting("grad mode", torch.is_grad_enabled, torch.set_grad_enabled),
        GlobalSetting("anomaly detection", torch.is_anomaly_enabled, torch.set_anomaly_enabled),
        GlobalSetting("deterministic algorithms", _deterministic, _set_deterministic),
        GlobalSetting("number of threads", torch.get_num_threads, torch.set_num_threads),
        GlobalSetting(
            "float32 matmul precision", torch.get_float32_matmul_precision, torch.set_float32_matmul_precision
        ),
        GlobalSetting("cuda matmul allow_tf32", lambda: torch.backends.cuda.matmul.allow_tf32, _set_matmul_tf32),
        GlobalSetting("cudnn flags", _cudnn_flags, _set_cudnn_flags),
        GlobalSetting("print options", _read_print_options, _write_print_options),
        GlobalSetting(
            "opt_einsum enabled",
            lambda: torch.backends.opt_einsum.enabled,
            lambda value: setattr(torch.backends.opt_einsum, "enabled", value),
        ),
        GlobalSetting("global module hooks", _read_module_hooks, _write_module_hooks),
    ]
    if hasattr(torch.utils, "deterministic"):
        settings.append(
            GlobalSetting(
                "fill uninitialized memory",
                lambda: torch.utils.deterministic.fill_uninitialized_memory,
                lambda value: setattr(torch.utils.deterministic, "fill_uninitialized_memory", value),
            )
        )
    if hasattr(torch, "get_default_device"):
        settings.append(GlobalSetting("default device", torch.get_default_device, torch.set_default_device))
    return settings


def snapshot() -> dict[str, object]:
    """The current value of every global setting, by name."""
    return {setting.name: setting.read() for setting in global_settings()}


def leaked_settings(before: dict[str, object], after: dict[str, object]) -> list[str]:
    """One line per setting whose value differs between two snapshots."""
    return [f"{name}: {before[name]!r} before, {after[name]!r} after" for name in before if before[name] != after[name]]


def restore(saved: dict[str, object]) -> None:
    """Put every setting back to its value in ``saved``."""
    for setting in global_settings():
        if setting.read() != saved[setting.name]:
            setting.write(saved[setting.name])


def seed_everything(seed: int = SEED) -> None:
    """Seed torch (every device), numpy's global generator and Python's ``random``."""
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)


@contextmanager
def sharing_strategy(strategy: str) -> Iterator[None]:
    """Run a block with ``strategy`` as torch.multiprocessing's sharing strategy, and put the previous one back after."""
    import torch.multiprocessing

    previous = torch.multiprocessing.get_sharing_strategy()
    torch.multiprocessing.set_sharing_strategy(strategy)
    try:
        yield
    finally:
        torch.multiprocessing.set_sharing_strategy(previous)


@contextmanager
def default_dtype(dtype: torch.dtype) -> Iterator[None]:
    """Run a block with ``dtype`` as torch's default floating dtype, and restore the previous one after it."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)


@contextmanager
def deterministic_algorithms(enabled: bool = True, *, warn_only: bool = False) -> Iterator[None]:
    """Run a block with ``torch.use_deterministic_algorithms(enabled, warn_only=...)``; restore the previous mode after."""
    previous = _deterministic()
    torch.use_deterministic_algorithms(enabled, warn_only=warn_only)
    try:
        yield
    finally:
        _set_deterministic(previous)


@contextmanager
def fill_uninitialized_memory(enabled: bool) -> Iterator[None]:
    """Run a block with ``torch.utils.deterministic.fill_uninitialized_memory = enabled`` (torch >= 2.2)."""
    previous = torch.utils.deterministic.fill_uninitialized_memory
    torch.utils.deterministic.fill_uninitialized_memory = enabled
    try:
        yield
    finally:
        torch.utils.deterministic.fill_uninitialized_memory = previous


@contextmanager
def global_module_hooks() -> Iterator[None]:
    """Run a block that registers hooks for all modules, and put torch's global hook state back after it.

    Removing a global hook's handle is not enough: registering a full backward hook also
    sets a module-level flag that nothing resets.
    """
    saved = _read_module_hooks()
    try:
        yield
    finally:
        _write_module_hooks(saved)
