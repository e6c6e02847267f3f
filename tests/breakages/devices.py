"""Breakages of the devices area: the accelerator namespace, the old has_* flags and the default device."""

from __future__ import annotations

import types
import warnings

import torch

from .core import (
    Breakage,
    ChangeBreakage,
    combined,
    deleting,
    dropping_keyword,
    function,
    raising,
    refusing_keyword,
    setting,
)

ACCELERATOR_FILE = "specs/devices/test_accelerator.py"


def _accelerator_function(name: str, make_replacement):
    """Break ``torch.accelerator.<name>``, looked up when applied: torch before 2.6 has no torch.accelerator."""
    return lambda monkeypatch: function(name, make_replacement, module=torch.accelerator)(monkeypatch)


def _returning(value):
    return lambda original: lambda *args, **kwargs: value


def _indexed_accelerator(original):
    """current_accelerator() with the current device's index, as torch.device('cuda', 0), not torch.device('cuda')."""
    return lambda *args, **kwargs: torch.device(original(*args, **kwargs).type, 0)


def _has_cuda_through_a_warning(monkeypatch):
    """torch.has_cuda read through a module __getattr__ that warns it is deprecated, as from 2.1."""
    built = torch.backends.cuda.is_built()
    monkeypatch.delattr(torch, "has_cuda")

    def __getattr__(name):
        if name == "has_cuda":
            warnings.warn(
                "'has_cuda' is deprecated, please use 'torch.backends.cuda.is_built()'",
                UserWarning,
                stacklevel=2,
            )
            return built
        raise AttributeError(f"module 'torch' has no attribute {name!r}")

    monkeypatch.setattr(torch, "__getattr__", __getattr__, raising=False)


def _default_device_of_factories(original):
    return lambda: torch.empty(0).device


def _default_device_ignoring_context(original):
    return lambda: torch.device("cpu")


_CHANGE_BREAKAGES = (
    ChangeBreakage(
        "accelerator-namespace",
        before=setting(torch, "accelerator", types.SimpleNamespace(is_available=lambda: False)),
        after=deleting(torch, "accelerator"),
    ),
    ChangeBreakage(
        "current-accelerator-check-available",
        before=_accelerator_function("current_accelerator", dropping_keyword("check_available")),
        after=_accelerator_function("current_accelerator", refusing_keyword("check_available")),
    ),
    ChangeBreakage(
        "current-accelerator-is-the-built-one",
        before=_accelerator_function("current_accelerator", _returning(None)),
        after=_accelerator_function(
            "current_accelerator", raising("Cannot access accelerator device when none is available")
        ),
    ),
    ChangeBreakage(
        "has-cuda-flags-deprecated",
        before=_has_cuda_through_a_warning,
        after=setting(torch, "has_cuda", torch.backends.cuda.is_built()),
    ),
    ChangeBreakage(
        "get-default-device",
        before=setting(torch, "get_default_device", lambda: torch.device("cpu")),
        after=deleting(torch, "get_default_device"),
    ),
    ChangeBreakage(
        "get-default-device-follows-device-context",
        before=function("get_default_device", _default_device_of_factories),
        after=function("get_default_device", _default_device_ignoring_context),
    ),
)

BREAKAGES: dict[str, Breakage | ChangeBreakage] = {
    **{change.change: change for change in _CHANGE_BREAKAGES},
    # torch.accelerator on machines with and without one
    "accelerator-counts-an-absent-device": Breakage(
        _accelerator_function("device_count", _returning(1)),
        ACCELERATOR_FILE,
        ("test_device_count_is_zero_without_an_accelerator",),
    ),
    "accelerator-calls-fall-back-to-device-zero": Breakage(
        combined(
            _accelerator_function("current_device_index", _returning(0)),
            _accelerator_function("set_device_index", _returning(None)),
            _accelerator_function("synchronize", _returning(None)),
        ),
        ACCELERATOR_FILE,
        ("test_calls_on_the_current_device_raise_without_an_accelerator",),
    ),
    "current-accelerator-carries-an-index": Breakage(
        _accelerator_function("current_accelerator", _indexed_accelerator),
        ACCELERATOR_FILE,
        ("test_current_accelerator_is_the_accelerator_present",),
        needs_device="accelerator",
    ),
    "accelerator-unavailable-though-present": Breakage(
        _accelerator_function("is_available", _returning(False)),
        ACCELERATOR_FILE,
        ("test_an_accelerator_present_is_available_and_counted",),
        needs_device="accelerator",
    ),
}
