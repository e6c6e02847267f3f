"""Pinned memory and host-device transfers: what pin_memory does without an accelerator and with CUDA, and non_blocking.

Without an accelerator the CPU side runs here.  The CUDA specs queue a long
kernel first (torch.cuda._sleep), so that a non-blocking copy is certainly
still pending when the host looks: they assert order, never timings.
"""

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from torchspecs.assertions import assert_equal, assert_values_equal
from torchspecs.devices import NO_ACCELERATOR_ERRORS

LONG_KERNEL_CYCLES = 200_000_000


def _copy_behind_a_long_kernel(copy):
    """Queue a long kernel, then run ``copy``; return its result and whether the stream had finished when it returned."""
    torch.cuda._sleep(LONG_KERNEL_CYCLES)
    result = copy()
    done = torch.cuda.Event()
    done.record()
    return result, done.query()


def _pinned_batches() -> list:
    return list(DataLoader(TensorDataset(torch.arange(4.0)), batch_size=2, pin_memory=True))


@pytest.mark.doc("data", "memory-pinning")
@pytest.mark.without_accelerator
@pytest.mark.change("pin-memory-without-accelerator-warning", side="after")
def test_pin_memory_loader_without_an_accelerator_warns_and_yields_unpinned_batches():
    """DataLoader(pin_memory=True) on a machine with no accelerator warns, and its batches are not pinned."""
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true but no accelerator is found"):
        batches = _pinned_batches()
    assert_equal([batch[0].is_pinned() for batch in batches], [False, False], "is_pinned() of the batches")


@pytest.mark.doc("data", "memory-pinning")
@pytest.mark.without_accelerator
@pytest.mark.change("pin-memory-without-accelerator-warning", side="before")
@pytest.mark.filterwarnings("error::UserWarning")
def test_pin_memory_loader_without_an_accelerator_is_silent():
    """DataLoader(pin_memory=True) with no accelerator gives no warning, and its batches are not pinned."""
    assert_equal([batch[0].is_pinned() for batch in _pinned_batches()], [False, False], "is_pinned() of the batches")


def _batches_with_a_pin_memory_device(pin_memory: bool) -> list:
    loader = DataLoader(TensorDataset(torch.arange(4.0)), batch_size=2, pin_memory=pin_memory, pin_memory_device="cpu")
    return [batch[0].tolist() for batch in loader]


@pytest.mark.doc("torch.utils.data.DataLoader")
@pytest.mark.change("pin-memory-device-deprecated", side="before")
def test_pin_memory_device_without_pin_memory_warns_that_nothing_is_pinned():
    """DataLoader(pin_memory_device=...) without pin_memory=True warns UserWarning that no memory is pinned, and loads."""
    with pytest.warns(UserWarning, match=r"pin.memory.device'? is set"):
        batches = _batches_with_a_pin_memory_device(pin_memory=False)
    assert_equal(batches, [[0.0, 1.0], [2.0, 3.0]], "the batches")


@pytest.mark.doc("torch.utils.data.DataLoader")
@pytest.mark.change("pin-memory-device-deprecated", side="after")
@pytest.mark.filterwarnings("error::UserWarning")
def test_pin_memory_device_without_pin_memory_is_ignored_silently():
    """DataLoader(pin_memory_device=...) without pin_memory=True ignores the device: no warning, the batches load."""
    assert_equal(_batches_with_a_pin_memory_device(pin_memory=False), [[0.0, 1.0], [2.0, 3.0]], "the batches")


@pytest.mark.doc("torch.utils.data.DataLoader")
@pytest.mark.change("pin-memory-device-deprecated", side="after")
@pytest.mark.filterwarnings("ignore:'pin_memory' argument is set as true but no accelerator is found:UserWarning")
def test_pin_memory_device_is_deprecated_for_the_current_accelerator():
    """With pin_memory=True, pin_memory_device warns UserWarning that it is deprecated and is ignored; the batches load."""
    with pytest.warns(UserWarning, match=r"pin_memory_device is deprecated, the current accelerator will be used"):
        batches = _batches_with_a_pin_memory_device(pin_memory=True)
    assert_equal(batches, [[0.0, 1.0], [2.0, 3.0]], "the batches")


@pytest.mark.doc("torch.Tensor.pin_memory")
@pytest.mark.without_accelerator
def test_pin_memory_of_a_tensor_without_an_accelerator_raises():
    """Tensor.pin_memory() with no accelerator raises RuntimeError (the message names the missing device or driver)."""
    with pytest.raises(RuntimeError, match=NO_ACCELERATOR_ERRORS):
        torch.ones(2).pin_memory()


@pytest.mark.doc("torch.Tensor.pin_memory")
@pytest.mark.claim("000.pinned-memory-is-on-the-gpu", verdict="wrong")
@pytest.mark.claim("004.pin-memory-page-locked", verdict="holds")
@pytest.mark.claim("002.pin-memory-cuda-pinned", verdict="holds")
@pytest.mark.needs_device("cuda")
def test_pin_memory_returns_a_pinned_copy_in_host_memory():
    """pin_memory() returns a copy in page-locked host memory: it is on the CPU, and is_pinned() is True."""
    source = torch.arange(4.0)
    pinned = source.pin_memory()
    assert_equal(
        (pinned.device.type, pinned.is_pinned(), source.is_pinned()),
        ("cpu", True, False),
        "(device, pinned, source pinned)",
    )
    assert_values_equal(pinned, source)


@pytest.mark.doc("data", "memory-pinning")
@pytest.mark.claim("000.pin-memory-loader-yields-pinned-batches", verdict="holds")
@pytest.mark.needs_device("cuda")
def test_pin_memory_loader_yields_pinned_batches_with_cuda():
    """DataLoader(pin_memory=True) yields batches in pinned host memory when CUDA is present."""
    assert_equal([batch[0].is_pinned() for batch in _pinned_batches()], [True, True], "is_pinned() of the batches")


@pytest.mark.doc("notes/cuda", "use-pinned-memory-buffers")
@pytest.mark.claim("000.non-blocking-needs-pinned-memory", verdict="holds")
@pytest.mark.needs_device("cuda")
def test_non_blocking_copy_from_pinned_memory_returns_before_it_completes():
    """to('cuda', non_blocking=True) from pinned memory returns while the copy is still queued; after a sync the data is right."""
    source = torch.arange(1 << 20, dtype=torch.float32).pin_memory()
    moved, finished = _copy_behind_a_long_kernel(lambda: source.to("cuda", non_blocking=True))
    assert_equal(finished, False, "the copy had finished when to() returned")
    torch.cuda.synchronize()
    assert_values_equal(moved.cpu(), source)


@pytest.mark.doc("torch.Tensor.to")
@pytest.mark.claim("000.blocking-copy-waits", verdict="holds")
@pytest.mark.needs_device("cuda")
def test_blocking_copy_waits_until_the_data_is_on_the_device():
    """to('cuda') (non_blocking=False) returns only once the copy, and the work queued before it, is done."""
    source = torch.arange(1 << 20, dtype=torch.float32).pin_memory()
    moved, finished = _copy_behind_a_long_kernel(lambda: source.to("cuda"))
    assert_equal(finished, True, "the queued work had finished when to() returned")
    assert_values_equal(moved.cpu(), source)


@pytest.mark.doc("notes/cuda", "use-pinned-memory-buffers")
@pytest.mark.needs_device("cuda")
def test_non_blocking_copy_to_the_host_needs_a_sync_before_reading():
    """A device-to-host copy with non_blocking=True may still be running when to() returns; synchronize, then read."""
    source = torch.arange(1 << 20, dtype=torch.float32, device="cuda")
    moved, finished = _copy_behind_a_long_kernel(lambda: source.to("cpu", non_blocking=True))
    assert_equal(finished, False, "the copy had finished when to() returned")
    torch.cuda.synchronize()
    assert_values_equal(moved, torch.arange(1 << 20, dtype=torch.float32))


@pytest.mark.doc("notes/cuda", "use-pinned-memory-buffers")
@pytest.mark.needs_device("cuda")
def test_non_blocking_copy_from_pageable_memory_is_still_correct():
    """non_blocking=True from ordinary (pageable) memory is allowed and gives the right data."""
    source = torch.arange(1 << 16, dtype=torch.float32)
    moved = source.to("cuda", non_blocking=True)
    torch.cuda.synchronize()
    assert_values_equal(moved.cpu(), source)


@pytest.mark.doc("torch.nn.Module.to")
@pytest.mark.needs_device("accelerator")
def test_module_to_an_accelerator_moves_parameters_and_buffers_not_plain_tensors(accelerator):
    """module.to(accelerator) moves parameters and buffers; a plain tensor attribute stays on the CPU."""
    module = nn.BatchNorm1d(2)
    module.plain = torch.zeros(2)
    module.to(accelerator)
    devices = (module.weight.device.type, module.running_mean.device.type, module.plain.device.type)
    assert_equal(devices, (accelerator.type, accelerator.type, "cpu"), "(parameter, buffer, plain tensor) devices")
