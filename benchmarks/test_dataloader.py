"""DataLoader throughput: samples per second over workers, batch size, persistent workers and pinning.

The dataset is in memory and each sample does a little real work (normalising
a 3x32x32 image).  The first epoch, which starts the workers, is timed apart
from the steady state, where persistent workers are already running.
"""

import pytest
import torch
from torch.utils.data import DataLoader, Dataset

from torchspecs.benchmarking import Work, record_rates

SAMPLES = 512


class Images(Dataset):
    """In-memory 3x32x32 images; __getitem__ normalises one per channel, as a transform would."""

    def __init__(self):
        self.images = torch.rand(SAMPLES, 3, 32, 32)

    def __len__(self):
        return SAMPLES

    def __getitem__(self, index):
        image = self.images[index]
        mean = image.mean(dim=(1, 2), keepdim=True)
        return (image - mean) / (image.std(dim=(1, 2), keepdim=True) + 1e-6), index % 10


def _epoch(loader) -> int:
    return sum(len(labels) for _, labels in loader)


@pytest.mark.parametrize("batch_size", [32, 128])
@pytest.mark.parametrize("num_workers", [0, 1, 2])
def test_first_epoch_including_worker_start_up(benchmark, num_workers, batch_size):
    dataset = Images()
    benchmark.group = f"DataLoader first epoch, {SAMPLES} images, batch {batch_size}"
    benchmark.extra_info["implementation"] = f"num_workers={num_workers}"
    seen = benchmark.pedantic(
        lambda: _epoch(DataLoader(dataset, batch_size=batch_size, num_workers=num_workers)), rounds=3
    )
    assert seen == SAMPLES
    record_rates(benchmark, Work(samples=SAMPLES), "cpu")


@pytest.mark.parametrize("num_workers", [0, 1, 2])
def test_steady_state_epoch_with_persistent_workers(benchmark, num_workers):
    loader = DataLoader(Images(), batch_size=64, num_workers=num_workers, persistent_workers=num_workers > 0)
    _epoch(loader)
    benchmark.group = f"DataLoader steady-state epoch, {SAMPLES} images, batch 64"
    benchmark.extra_info["implementation"] = f"num_workers={num_workers}" + (", persistent" if num_workers else "")
    seen = benchmark.pedantic(lambda: _epoch(loader), rounds=5)
    assert seen == SAMPLES
    record_rates(benchmark, Work(samples=SAMPLES), "cpu")


@pytest.mark.parametrize("pin_memory", [False, True], ids=["pageable", "pinned"])
@pytest.mark.needs_device("cuda")
def test_epoch_to_cuda_with_and_without_pinned_batches(benchmark, pin_memory):
    loader = DataLoader(Images(), batch_size=64, num_workers=2, persistent_workers=True, pin_memory=pin_memory)

    def epoch_on_the_device():
        for images, _ in loader:
            images.to("cuda", non_blocking=pin_memory)
        torch.cuda.synchronize()

    epoch_on_the_device()
    benchmark.group = f"DataLoader epoch to cuda, {SAMPLES} images, batch 64, 2 workers"
    benchmark.extra_info["implementation"] = "pinned, non_blocking" if pin_memory else "pageable"
    benchmark.pedantic(epoch_on_the_device, rounds=5)
    record_rates(benchmark, Work(samples=SAMPLES, bytes=SAMPLES * 3 * 32 * 32 * 4), "cuda")
