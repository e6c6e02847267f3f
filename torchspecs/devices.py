"""Which devices the specs run on: those present, narrowed by ``--device``; and which of them is the accelerator.

``--device=accelerator`` names the accelerator present, whatever its type: the one
``torch.accelerator`` reports, or on a torch without that namespace (before 2.6)
the first present of cuda, xpu and mps.  A spec that runs on any accelerator
takes the ``accelerator`` fixture and is marked ``needs_device("accelerator")``.
"""

from __future__ import annotations

import torch

__all__ = [
    "ACCELERATOR",
    "NO_ACCELERATOR_ERRORS",
    "DeviceSelectionError",
    "accelerator_type",
    "device_present",
    "is_accelerator",
    "present_device_types",
    "select_devices",
    "selected_accelerator",
]

ACCELERATOR = "accelerator"

# What torch says when a call needs an accelerator and none is present: torch.accelerator's own message, or, where
# torch was built for CUDA, the CUDA runtime's (no driver, an old driver, no GPU) or the build's.
NO_ACCELERATOR_ERRORS = (
    "Cannot access accelerator device when none is available"
    "|Found no NVIDIA driver"
    "|CUDA driver version is insufficient"
    "|no CUDA GPUs are available"
    "|Torch not compiled with CUDA enabled"
)

_HOST_DEVICE_TYPES = ("cpu", "meta")
_ACCELERATORS_BEFORE_THE_NAMESPACE = ("cuda", "xpu", "mps")


class DeviceSelectionError(ValueError):
    """A ``--device`` value naming a device that is unknown or not present."""


def _available(device_type: str) -> bool:
    if device_type == "mps":
        backend = getattr(torch.backends, "mps", None)
        return backend is not None and backend.is_available()
    module = getattr(torch, device_type, None)
    is_available = getattr(module, "is_available", None)
    return callable(is_available) and bool(is_available())


def accelerator_type() -> str | None:
    """The device type of the accelerator present here, or None: torch.accelerator's, else the first present of cuda, xpu, mps."""
    accelerator = getattr(torch, "accelerator", None)
    if accelerator is not None:
        return accelerator.current_accelerator().type if accelerator.is_available() else None
    return next((name for name in _ACCELERATORS_BEFORE_THE_NAMESPACE if _available(name)), None)


def present_device_types() -> list[str]:
    """Device types this machine can run on: cpu always, then cuda and any other accelerator torch reports."""
    present = ["cpu"]
    if torch.cuda.is_available():
        present.append("cuda")
    accelerator = accelerator_type()
    if accelerator is not None:
        present.append(accelerator)
    if _available("mps"):
        present.append("mps")
    return list(dict.fromkeys(present))


def is_accelerator(device_type: str) -> bool:
    """Whether a device type is an accelerator's: any but the host's (cpu) and the data-less meta."""
    return device_type not in _HOST_DEVICE_TYPES


def device_present(name: str) -> bool:
    """Whether a device type, or ``accelerator`` (any accelerator), is present here."""
    present = present_device_types()
    return any(map(is_accelerator, present)) if name == ACCELERATOR else name in present


def selected_accelerator(devices: list[torch.device]) -> torch.device | None:
    """The first selected device that is an accelerator's, or None."""
    return next((device for device in devices if is_accelerator(device.type)), None)


def _why_absent(device_type: str) -> str:
    if device_type == "cuda":
        return f"torch.cuda.is_available() is False (torch {torch.__version__}, built for CUDA {torch.version.cuda})"
    return f"torch reports no {device_type} device"


def _why_no_accelerator() -> str:
    if hasattr(torch, "accelerator"):
        return f"torch.accelerator.is_available() is False (torch {torch.__version__})"
    names = ", ".join(_ACCELERATORS_BEFORE_THE_NAMESPACE)
    return f"none of {names} is available (torch {torch.__version__} has no torch.accelerator)"


def _device_count(device_type: str) -> int:
    module = getattr(torch, device_type, None)
    count = getattr(module, "device_count", None)
    return count() if callable(count) else 1


def _resolve_accelerator(name: str, present: list[str]) -> str:
    """``accelerator`` or ``accelerator:N`` as the present accelerator's own name (``cuda``, ``cuda:N``)."""
    accelerator = accelerator_type()
    if accelerator is None:
        raise DeviceSelectionError(
            f"--device: {name!r} was asked for but no accelerator is present here: {_why_no_accelerator()}. "
            f"Present: {', '.join(present)}"
        )
    return accelerator + name[len(ACCELERATOR) :]


def select_devices(option: str | None) -> list[torch.device]:
    """The devices named by a ``--device`` value such as ``cpu,cuda`` or ``cpu,accelerator``; every present device when
    it is None or ``all``."""
    present = present_device_types()
    if option is None or option.strip() == "all":
        return [torch.device(name) for name in present]
    names = [name.strip() for name in option.split(",")]
    if not all(names):
        raise DeviceSelectionError(
            f"--device={option!r} has an empty entry; give names such as 'cpu', 'cpu,cuda' or 'cpu,accelerator'"
        )
    selected = []
    for given in names:
        name = _resolve_accelerator(given, present) if given.partition(":")[0] == ACCELERATOR else given
        try:
            device = torch.device(name)
        except RuntimeError as error:
            raise DeviceSelectionError(f"--device: {given!r} is not a torch device ({error})") from None
        if device.type not in present:
            raise DeviceSelectionError(
                f"--device: {name!r} was asked for but is not present here: {_why_absent(device.type)}. "
                f"Present: {', '.join(present)}"
            )
        if device.index is not None and device.index >= _device_count(device.type):
            raise DeviceSelectionError(
                f"--device: {name!r} was asked for but only {_device_count(device.type)} {device.type} device(s) exist"
            )
        if device not in selected:
            selected.append(device)
    return selected
