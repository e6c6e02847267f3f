"""Timer fidelity: pytest-benchmark's fastest round of a 256x256 matmul beside torch.utils.benchmark's fastest block.

The two timers should agree on the same work. How far they disagree is part of the run's own report (the summary
and the JSON's extra_info), not a test: other work on a shared machine only adds time, and it comes and goes, so a
disagreement says as much about the machine as about the timers. torch's timer runs before and after
pytest-benchmark, and the faster of the two windows counts.
"""

import torch
from torch.utils import benchmark as torch_benchmark

from torchspecs.benchmarking import Work, record_rates, record_timer_fidelity, synchronized

SIDE = 256


def test_pytest_benchmark_against_torch_utils_benchmark(benchmark, device):
    left = torch.randn(SIDE, SIDE, device=device)
    timer = torch_benchmark.Timer("left @ left", globals={"left": left}, num_threads=torch.get_num_threads())

    def torch_fastest_block() -> float:
        return min(timer.blocked_autorange(min_run_time=0.2).times)

    before = torch_fastest_block()
    benchmark.group = f"timer fidelity, matrix-matrix {SIDE} fp32, {torch.device(device).type}"
    benchmark.extra_info["implementation"] = "pytest-benchmark"
    benchmark(synchronized(lambda: left @ left, device))
    record_rates(benchmark, Work(flops=2 * SIDE**3), device)
    if benchmark.stats:
        record_timer_fidelity(benchmark, min(before, torch_fastest_block()))
