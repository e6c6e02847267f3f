"""Benchmark run settings: torch facts in machine_info, and a summary of ratios and speed-claim verdicts."""

from __future__ import annotations

from collections import defaultdict

import pytest
import torch

from torchspecs import environment
from torchspecs.benchmarking import claim_for, timer_fidelity, verdict


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """Benchmarks run in one process: the project's -n auto would put two timed workers on the machine at once, and
    pytest-benchmark does not time under xdist. This conftest is an initial one when benchmarks/ is given, so its
    hook runs before xdist reads the options."""
    if hasattr(config.option, "numprocesses"):
        config.option.numprocesses = 0
        config.option.dist = "no"


def pytest_benchmark_update_machine_info(config, machine_info):
    """Record what a cross-version comparison needs to read from the JSON alone."""
    machine_info.update(
        environment.describe(),
        tf32_matmul=torch.backends.cuda.matmul.allow_tf32,
        float32_matmul_precision=torch.get_float32_matmul_precision(),
    )


def _medians_by_group(benchmarks) -> dict[str, dict[str, float]]:
    groups: dict[str, dict[str, float]] = defaultdict(dict)
    for bench in benchmarks:
        if bench.stats:
            implementation = bench.extra_info.get("implementation", bench.name)
            groups[bench.group or ""][implementation] = bench.stats.median
    return groups


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    session = getattr(config, "_benchmarksession", None)
    if session is None or not session.benchmarks:
        return
    groups = _medians_by_group(session.benchmarks)
    if not groups:
        return
    terminalreporter.section("torchspecs: time relative to the fastest, per comparison")
    for group, medians in sorted(groups.items()):
        fastest = min(medians.values())
        terminalreporter.write_line(group)
        for implementation, median in sorted(medians.items(), key=lambda item: item[1]):
            terminalreporter.write_line(f"  {median / fastest:6.2f}x  {implementation}")
        check = claim_for(group)
        if check:
            terminalreporter.write_line(f"  claim {check.claim_id}: {verdict(check, medians)}")
    for bench in session.benchmarks:
        line = timer_fidelity(bench.extra_info)
        if line:
            terminalreporter.write_line(f"{bench.group}: {line}")
