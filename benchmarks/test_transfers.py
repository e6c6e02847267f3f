"""Host-device transfers: bandwidth for pageable and pinned memory, with and without non_blocking, and pinning's cost.

GPU only: collected everywhere and skipped, with the reason, where no CUDA
device is present.  Each timed call synchronises before returning, so a
non_blocking copy is timed to its completion, not to its launch.
"""

import pytest
import torch

from torchspecs.benchmarking import Work, record_rates, synchronized

SIZES = {"64 KiB": 1 << 14, "4 MiB": 1 << 20, "256 MiB": 1 << 26}
pytestmark = pytest.mark.needs_device("cuda")


@pytest.mark.parametrize(
    ("pinned", "non_blocking"),
    [(False, False), (False, True), (True, False), (True, True)],
    ids=["pageable, blocking", "pageable, non_blocking", "pinned, blocking", "pinned, non_blocking"],
)
@pytest.mark.parametrize("size", list(SIZES))
def test_host_to_device(benchmark, size, pinned, non_blocking):
    host = torch.arange(SIZES[size], dtype=torch.float32)
    host = host.pin_memory() if pinned else host
    moved = host.to("cuda", non_blocking=non_blocking)
    torch.cuda.synchronize()
    assert torch.equal(moved.cpu(), host)
    benchmark.group = f"host to device, {size}"
    benchmark.extra_info["implementation"] = (
        f"{'pinned' if pinned else 'pageable'}, {'non_blocking' if non_blocking else 'blocking'}"
    )
    benchmark(synchronized(lambda: host.to("cuda", non_blocking=non_blocking), "cuda"))
    record_rates(benchmark, Work(bytes=host.numel() * 4), "cuda")


@pytest.mark.parametrize("non_blocking", [False, True], ids=["blocking", "non_blocking"])
@pytest.mark.parametrize("size", list(SIZES))
def test_device_to_host(benchmark, size, non_blocking):
    device_tensor = torch.arange(SIZES[size], dtype=torch.float32, device="cuda")
    assert torch.equal(device_tensor.to("cpu", non_blocking=non_blocking).cuda(), device_tensor)
    benchmark.group = f"device to host, {size}"
    benchmark.extra_info["implementation"] = "non_blocking" if non_blocking else "blocking"
    benchmark(synchronized(lambda: device_tensor.to("cpu", non_blocking=non_blocking), "cuda"))
    record_rates(benchmark, Work(bytes=device_tensor.numel() * 4), "cuda")


@pytest.mark.parametrize("size", list(SIZES))
def test_cost_of_pinning(benchmark, size):
    host = torch.arange(SIZES[size], dtype=torch.float32)
    assert host.pin_memory().is_pinned()
    benchmark.group = f"pin_memory() itself, {size}"
    benchmark.extra_info["implementation"] = "pin_memory()"
    benchmark(lambda: host.pin_memory())
    record_rates(benchmark, Work(bytes=host.numel() * 4), "cpu")
