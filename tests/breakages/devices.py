"""Breakages of the devices area: the accelerator namespace, the old has_* flags and the default device."""

from __future__ import annotations

import types
import warnings

import torch

from .core import Breakage, ChangeBreakage, deleting, dropping_keyword, function, refusing_keyword, setting


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


BREAKAGES: dict[str, Breakage | ChangeBreakage] = {
    change.change: change
    for change in (
        ChangeBreakage(
            "accelerator-namespace",
            before=setting(torch, "accelerator", types.SimpleNamespace(is_available=lambda: False)),
            after=deleting(torch, "accelerator"),
        ),
        ChangeBreakage(
            "current-accelerator-check-available",
            before=lambda monkeypatch: function(
                "current_accelerator", dropping_keyword("check_available"), module=torch.accelerator
            )(monkeypatch),
            after=lambda monkeypatch: function(
                "current_accelerator", refusing_keyword("check_available"), module=torch.accelerator
            )(monkeypatch),
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
}
