"""The matmul family: einsum, matmul, mm/bmm/mv and @ on the same shapes; bmm against a loop of mm; opt_einsum.

Settles, per machine, the notes' claim that bmm is more efficient than doing
the batch one mm at a time.  TF32 and matmul precision are in machine_info.
"""

import pytest
import torch
import torch.backends.opt_einsum

from torchspecs.assertions import assert_close
from torchspecs.benchmarking import Work, record_rates, synchronized

SHAPES = {
    "matrix-matrix 256": ("ij,jk->ik", [(256, 256), (256, 256)], torch.mm),
    "matrix-matrix 1024": ("ij,jk->ik", [(1024, 1024), (1024, 1024)], torch.mm),
    "batched 32x64x64": ("bij,bjk->bik", [(32, 64, 64), (32, 64, 64)], torch.bmm),
    "matrix-vector 2048": ("ij,j->i", [(2048, 2048), (2048,)], torch.mv),
}


def _flops(shapes) -> int:
    left, right = shapes
    batch = left[0] if len(left) == 3 else 1
    rows, inner = left[-2], left[-1]
    columns = right[-1] if len(right) > 1 else 1
    return 2 * batch * rows * inner * columns


def _operands(shapes, device, dtype):
    return [torch.randn(shape, device=device, dtype=dtype) for shape in shapes]


@pytest.mark.parametrize("implementation", ["einsum", "matmul", "specific (mm/bmm/mv)", "@ operator"])
@pytest.mark.parametrize("shape", list(SHAPES))
def test_matmul_family(benchmark, device, shape, implementation):
    equation, shapes, specific = SHAPES[shape]
    left, right = _operands(shapes, device, torch.float32)
    candidates = {
        "einsum": lambda: torch.einsum(equation, left, right),
        "matmul": lambda: torch.matmul(left, right),
        "specific (mm/bmm/mv)": lambda: specific(left, right),
        "@ operator": lambda: left @ right,
    }
    for other in candidates.values():
        assert_close(other(), candidates["matmul"](), rtol=1e-4, atol=1e-3)
    benchmark.group = f"{shape} fp32, {torch.device(device).type}"
    benchmark.extra_info["implementation"] = implementation
    benchmark(synchronized(candidates[implementation], device))
    record_rates(benchmark, Work(flops=_flops(shapes)), device)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=["fp16", "bf16"])
@pytest.mark.needs_device("cuda")
def test_reduced_precision_matmul_on_cuda(benchmark, dtype):
    left, right = _operands([(4096, 4096), (4096, 4096)], "cuda", dtype)
    benchmark.group = "matrix-matrix 4096, reduced precision, cuda"
    benchmark.extra_info["implementation"] = str(dtype)
    benchmark(synchronized(lambda: left @ right, "cuda"))
    record_rates(benchmark, Work(flops=2 * 4096**3), "cuda")


@pytest.mark.parametrize("implementation", ["bmm", "loop of mm"])
def test_bmm_against_a_loop_of_mm(benchmark, device, implementation):
    left, right = _operands([(32, 64, 64), (32, 64, 64)], device, torch.float32)
    candidates = {
        "bmm": lambda: torch.bmm(left, right),
        "loop of mm": lambda: torch.stack([a.mm(b) for a, b in zip(left, right, strict=True)]),
    }
    assert_close(candidates["loop of mm"](), candidates["bmm"]())
    benchmark.group = f"bmm against a loop of mm, 32x64x64 fp32, {torch.device(device).type}"
    benchmark.extra_info["implementation"] = implementation
    benchmark(synchronized(candidates[implementation], device))
    record_rates(benchmark, Work(flops=_flops([(32, 64, 64), (32, 64, 64)])), device)


@pytest.mark.parametrize("enabled", [True, False], ids=["opt_einsum on", "opt_einsum off"])
def test_three_operand_einsum_with_and_without_opt_einsum(benchmark, device, enabled):
    a, b, c = _operands([(256, 8), (8, 256), (256, 8)], device, torch.float32)
    previous = torch.backends.opt_einsum.enabled
    torch.backends.opt_einsum.enabled = enabled
    try:
        assert_close(torch.einsum("ij,jk,kl->il", a, b, c), a @ (b @ c), rtol=1e-4, atol=1e-3)
        benchmark.group = f"einsum ij,jk,kl->il (256x8, 8x256, 256x8), {torch.device(device).type}"
        benchmark.extra_info["implementation"] = "opt_einsum on" if enabled else "opt_einsum off"
        benchmark.extra_info["opt_einsum_available"] = torch.backends.opt_einsum.is_available()
        benchmark(synchronized(lambda: torch.einsum("ij,jk,kl->il", a, b, c), device))
    finally:
        torch.backends.opt_einsum.enabled = previous
    record_rates(benchmark, Work(flops=2 * 256 * 8 * 256 + 2 * 256 * 256 * 8), device)
