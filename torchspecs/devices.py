"""Which devices the specs run on: those present, narrowed by ``--device``."""

from __future__ import annotations

import torch

__all__ = ["DeviceSelectionError", "present_device_types", "select_devices"]


class DeviceSelectionError(ValueError):
    """A ``--device`` value naming a device that is unknown or not present."""


def present_device_types() -> list[str]:
    """Device types this machine can run on: cpu always, then cuda and any other accelerator torch reports."""
    present = ["cpu"]
    if torch.cuda.is_available():
        present.append("cuda")
    accelerator = getattr(torch, "accelerator", None)
    if accelerator is not None and accelerator.is_available():
        present.append(accelerator.current_accelerator().type)
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        present.append("mps")
    return list(dict.fromkeys(present))


def _why_absent(device_type: str) -> str:
    if device_type == "cuda":
        return f"torch.cuda.is_available() is False (torch {torch.__version__}, built for CUDA {torch.version.cuda})"
    return f"torch reports no {device_type} device"


def _device_count(device_type: str) -> int:
    module = getattr(torch, device_type, None)
    count = getattr(module, "device_count", None)
    return count() if callable(count) else 1


def select_devices(option: str | None) -> list[torch.device]:
    """The devices named by a ``--device`` value such as ``cpu,cuda``; every present device when it is None or ``all``."""
    present = present_device_types()
    if option is None or option.strip() == "all":
        return [torch.device(name) for name in present]
    names = [name.strip() for name in option.split(",")]
    if not all(names):
        raise DeviceSelectionError(f"--device={option!r} has an empty entry; give names such as 'cpu' or 'cpu,cuda'")
    selected = []
    for name in names:
        try:
            device = torch.device(name)
        except RuntimeError as error:
            raise DeviceSelectionError(f"--device: {name!r} is not a torch device ({error})") from None
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
