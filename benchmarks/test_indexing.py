"""Selecting columns: index_select against advanced indexing, slicing (as a view and materialised), narrow and gather.

Settles, per machine, the notes' claim that index_select is about 40% faster
than indexing with a list (their timing built the index tensor inside the
timed call: both ways are measured).
"""

import pytest
import torch

from torchspecs.assertions import assert_values_equal
from torchspecs.benchmarking import Work, record_rates, synchronized

SIZES = {"tiny": 64, "large": 2048}
COLUMNS = [1, 2, 3]


def _implementations(matrix: torch.Tensor) -> dict:
    index = torch.tensor(COLUMNS, device=matrix.device)
    gather_index = index.expand(matrix.shape[0], -1)
    return {
        "index_select": lambda: torch.index_select(matrix, 1, index),
        "index_select, index built inside": lambda: torch.index_select(
            matrix, 1, torch.tensor(COLUMNS, device=matrix.device)
        ),
        "list indexing": lambda: matrix[:, COLUMNS],
        "tuple indexing": lambda: matrix[:, tuple(COLUMNS)],
        "tensor indexing": lambda: matrix[:, index],
        "slice (a view)": lambda: matrix[:, 1:4],
        "slice, materialised": lambda: matrix[:, 1:4].contiguous(),
        "narrow, cloned": lambda: matrix.narrow(1, 1, 3).clone(),
        "gather": lambda: torch.gather(matrix, 1, gather_index),
    }


IMPLEMENTATIONS = list(_implementations(torch.zeros(1, 4)))


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
@pytest.mark.parametrize("size", list(SIZES))
def test_select_three_columns(benchmark, device, size, implementation):
    side = SIZES[size]
    matrix = torch.randn(side, side, device=device)
    candidates = _implementations(matrix)
    for other in candidates.values():
        assert_values_equal(other(), candidates["index_select"]())
    benchmark.group = f"select 3 columns of {side}x{side} fp32, {torch.device(device).type}"
    benchmark.extra_info["implementation"] = implementation
    benchmark(synchronized(candidates[implementation], device))
    record_rates(benchmark, Work(bytes=2 * side * 3 * matrix.element_size()), device)


@pytest.mark.parametrize("implementation", ["index_select", "tensor indexing"])
def test_select_from_a_batch_dimension(benchmark, device, implementation):
    batch = torch.randn(64, 128, 128, device=device)
    index = torch.tensor([0, 5, 9, 33], device=device)
    candidates = {"index_select": lambda: batch.index_select(0, index), "tensor indexing": lambda: batch[index]}
    assert_values_equal(candidates["tensor indexing"](), candidates["index_select"]())
    benchmark.group = f"select 4 of 64 items of a 64x128x128 fp32 batch, {torch.device(device).type}"
    benchmark.extra_info["implementation"] = implementation
    benchmark(synchronized(candidates[implementation], device))
    record_rates(benchmark, Work(bytes=2 * 4 * 128 * 128 * batch.element_size()), device)
