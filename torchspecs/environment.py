"""What a run ran on: torch and its build, the devices, Python, numpy and the platform.

One description serves the report header, the result record (it travels in
the JUnit XML as global properties) and the benchmarks' ``machine_info``, so
each says the same thing in the same words.
"""

from __future__ import annotations

import datetime
import os
import platform

import numpy as np
import torch

from torchspecs.devices import present_device_types

__all__ = ["describe", "torch_build"]


def torch_build(version: str, cuda: str | None) -> str:
    """The build a torch version string names: its local tag (``cpu``, ``cu124``), else cuda-X or cpu."""
    _, _, local = version.partition("+")
    if local:
        return local
    return f"cuda-{cuda}" if cuda else "cpu"


def describe() -> dict[str, str | int | list[str] | None]:
    """This process's torch, build, CUDA, cuDNN, GPU, devices, threads, numpy, Python, platform and the date."""
    cuda_available = torch.cuda.is_available()
    return {
        "torch": torch.__version__,
        "torch_git": getattr(torch.version, "git_version", None),
        "torch_build": torch_build(torch.__version__, torch.version.cuda),
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None,
        "gpu": torch.cuda.get_device_name(0) if cuda_available else None,
        "devices_present": present_device_types(),
        "threads": torch.get_num_threads(),
        "numpy": np.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
