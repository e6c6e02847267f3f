"""What the benchmarks share: device synchronisation, work and rates, the machine's own limits, and claim verdicts.

A benchmark times one implementation of one comparison.  It synchronises the
device inside the timed function, records the work it does (bytes moved,
floating-point operations, samples) in ``extra_info``, and after timing adds
the achieved rate and that rate as a fraction of what this machine measured
for a plain copy and an fp32 matmul.  Benchmarks never assert on speed; each
comparison checks that its implementations agree before it times them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import torch

__all__ = [
    "SPEED_CLAIMS",
    "ClaimCheck",
    "MachineLimits",
    "Work",
    "claim_for",
    "machine_limits",
    "record_rates",
    "record_timer_fidelity",
    "synchronize",
    "synchronized",
    "timer_fidelity",
    "verdict",
    "within_fidelity",
]

# How far pytest-benchmark's and torch.utils.benchmark's fastest times may differ before the report flags it.
FIDELITY_TOLERANCE = 0.15

WARMUP_CALLS = 3


def synchronize(device: torch.device | str) -> None:
    """Wait for all queued work on ``device`` (a no-op on the CPU)."""
    device = torch.device(device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type != "cpu" and hasattr(torch, "accelerator"):
        torch.accelerator.synchronize()


def synchronized(fn: Callable[[], object], device: torch.device | str) -> Callable[[], object]:
    """``fn`` followed by a device synchronisation, warmed up by a few calls first: the function to time."""

    def timed():
        result = fn()
        synchronize(device)
        return result

    for _ in range(WARMUP_CALLS):
        timed()
    return timed


@dataclass(frozen=True)
class Work:
    """What one call of a benchmarked function does."""

    bytes: int = 0
    flops: int = 0
    samples: int = 0


@dataclass(frozen=True)
class MachineLimits:
    """This machine's own rates on one device: a large copy (GB/s) and a large fp32 matmul (GFLOP/s)."""

    device: str
    copy_gb_per_s: float
    matmul_gflop_per_s: float


def _median_seconds(fn: Callable[[], object], device: str, repeats: int) -> float:
    fn()
    synchronize(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        synchronize(device)
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


@cache
def machine_limits(device: str) -> MachineLimits:
    """Measure, once per process and device, the copy bandwidth and the fp32 matmul rate."""
    source = torch.empty(1 << 24, dtype=torch.float32, device=device)  # 64 MiB
    target = torch.empty_like(source)
    copy_seconds = _median_seconds(lambda: target.copy_(source), device, repeats=5)
    side = 1024
    left = torch.randn(side, side, device=device)
    right = torch.randn(side, side, device=device)
    matmul_seconds = _median_seconds(lambda: left @ right, device, repeats=5)
    return MachineLimits(
        device=device,
        copy_gb_per_s=2 * source.numel() * source.element_size() / copy_seconds / 1e9,
        matmul_gflop_per_s=2 * side**3 / matmul_seconds / 1e9,
    )


def record_rates(benchmark, work: Work, device: torch.device | str) -> None:
    """Store the work in ``extra_info`` and, when the benchmark was timed, the achieved rates and fractions."""
    device = str(torch.device(device))
    benchmark.extra_info.update({"device": device, "bytes": work.bytes, "flops": work.flops, "samples": work.samples})
    benchmark.extra_info["threads"] = torch.get_num_threads()
    stats = getattr(benchmark, "stats", None)
    if not stats:
        return
    seconds = stats.stats.median
    limits = machine_limits(device)
    if work.bytes:
        rate = work.bytes / seconds / 1e9
        benchmark.extra_info.update({"gb_per_s": rate, "fraction_of_copy_bandwidth": rate / limits.copy_gb_per_s})
    if work.flops:
        rate = work.flops / seconds / 1e9
        benchmark.extra_info.update({"gflop_per_s": rate, "fraction_of_matmul_rate": rate / limits.matmul_gflop_per_s})
    if work.samples:
        benchmark.extra_info["samples_per_s"] = work.samples / seconds


def record_timer_fidelity(benchmark, torch_timer_min_seconds: float) -> None:
    """Store torch.utils.benchmark's fastest time for the same work beside pytest-benchmark's, and how far they differ."""
    ours = benchmark.stats.stats.min
    benchmark.extra_info.update(
        {"torch_timer_min_s": torch_timer_min_seconds, "timer_disagreement": ours / torch_timer_min_seconds - 1}
    )


def within_fidelity(disagreement: float) -> bool:
    """Whether the two timers' disagreement (a fraction) is within the tolerance the reports judge it by."""
    return abs(disagreement) <= FIDELITY_TOLERANCE


def timer_fidelity(extra_info: dict) -> str | None:
    """One line on how pytest-benchmark's timing compares with torch's for the same work, or None if not measured."""
    if "timer_disagreement" not in extra_info:
        return None
    disagreement = extra_info["timer_disagreement"]
    judged = "within" if within_fidelity(disagreement) else "BEYOND"
    return (
        f"pytest-benchmark's fastest round is {disagreement:+.1%} from torch.utils.benchmark's fastest block "
        f"({extra_info['torch_timer_min_s']:.3e} s): {judged} {FIDELITY_TOLERANCE:.0%}"
    )


@dataclass(frozen=True)
class ClaimCheck:
    """A speed claim from the notes: ``faster`` should beat ``slower`` by at least ``margin`` (0.4 = 40% less time)."""

    claim_id: str
    faster: str
    slower: str
    margin: float


# The notes' speed claims, keyed by the comparison group they are judged on (every group whose name starts with the
# key): the benchmark run's summary and the trend report across releases both judge them from here.
SPEED_CLAIMS: dict[str, ClaimCheck] = {
    **{
        f"select 3 columns of {side}x{side} fp32": ClaimCheck(
            "001.index-select-faster-than-slicing",
            faster="index_select, index built inside",
            slower="list indexing",
            margin=0.35,
        )
        for side in (64, 2048)
    },
    "bmm against a loop of mm": ClaimCheck(
        "003.bmm-more-efficient-than-mm", faster="bmm", slower="loop of mm", margin=0.0
    ),
    **{
        f"host to device, {size}": ClaimCheck(
            "000.pinned-non-blocking-is-faster", faster="pinned, non_blocking", slower="pinned, blocking", margin=0.0
        )
        for size in ("64 KiB", "4 MiB", "256 MiB")
    },
}


def claim_for(group: str) -> ClaimCheck | None:
    """The speed claim a comparison group is judged on, if any."""
    return next((check for prefix, check in SPEED_CLAIMS.items() if group.startswith(prefix)), None)


def verdict(check: ClaimCheck, medians: dict[str, float]) -> str:
    """The claim's verdict on this machine, from the medians of the two implementations it compares."""
    if check.faster not in medians or check.slower not in medians:
        return "not measured"
    ratio = medians[check.faster] / medians[check.slower]
    if ratio <= 1 - check.margin:
        return f"holds here ({ratio:.2f}x the time)"
    if ratio < 1:
        return f"faster, but by less than claimed ({ratio:.2f}x the time)"
    return f"wrong here ({ratio:.2f}x the time)"
