"""The benchmarks: a smoke run of every module, the rate bookkeeping, the claim verdicts, and the timer-fidelity line."""

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from torchspecs.benchmarking import (
    SPEED_CLAIMS,
    ClaimCheck,
    Work,
    machine_limits,
    record_rates,
    record_timer_fidelity,
    synchronized,
    timer_fidelity,
    verdict,
)
from torchspecs.claims import claims

REPO = Path(__file__).resolve().parent.parent


def test_every_benchmark_runs_once_in_quick_mode():
    """--benchmark-disable runs each benchmark function once: the smoke run CI does, well under a minute."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "benchmarks",
            "--benchmark-disable",
            "-q",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


def test_machine_limits_are_positive_rates():
    limits = machine_limits("cpu")
    assert limits.copy_gb_per_s > 0
    assert limits.matmul_gflop_per_s > 0


def test_record_rates_adds_rates_and_fractions_when_timed():
    timed = SimpleNamespace(extra_info={}, stats=SimpleNamespace(stats=SimpleNamespace(median=0.5)))
    record_rates(timed, Work(bytes=10**9, flops=2 * 10**9, samples=100), "cpu")
    info = timed.extra_info
    assert (info["gb_per_s"], info["gflop_per_s"], info["samples_per_s"]) == (2.0, 4.0, 200.0)
    assert info["fraction_of_copy_bandwidth"] == pytest.approx(2.0 / machine_limits("cpu").copy_gb_per_s)
    assert info["threads"] == torch.get_num_threads()


def test_record_rates_keeps_only_the_work_when_not_timed():
    untimed = SimpleNamespace(extra_info={}, stats=None)
    record_rates(untimed, Work(bytes=8), "cpu")
    assert untimed.extra_info == {
        "device": "cpu",
        "bytes": 8,
        "flops": 0,
        "samples": 0,
        "threads": torch.get_num_threads(),
    }


@pytest.mark.parametrize(
    ("medians", "expected"),
    [
        ({"fast": 0.5, "slow": 1.0}, "holds here (0.50x the time)"),
        ({"fast": 0.8, "slow": 1.0}, "faster, but by less than claimed (0.80x the time)"),
        ({"fast": 1.2, "slow": 1.0}, "wrong here (1.20x the time)"),
        ({"fast": 1.0}, "not measured"),
    ],
)
def test_verdict_compares_the_ratio_with_the_claimed_margin(medians, expected):
    assert verdict(ClaimCheck("000.example", faster="fast", slower="slow", margin=0.4), medians) == expected


def test_synchronized_warms_up_and_returns_the_result():
    calls = []
    timed = synchronized(lambda: calls.append(1) or len(calls), "cpu")
    assert len(calls) == 3
    assert timed() == 4


@pytest.mark.parametrize(
    ("ours", "theirs", "expected"),
    [
        (1.10e-3, 1.0e-3, "+10.0% from torch.utils.benchmark's fastest block (1.000e-03 s): within 15%"),
        (0.80e-3, 1.0e-3, "-20.0% from torch.utils.benchmark's fastest block (1.000e-03 s): BEYOND 15%"),
        (1.20e-3, 1.0e-3, "+20.0% from torch.utils.benchmark's fastest block (1.000e-03 s): BEYOND 15%"),
    ],
)
def test_timer_fidelity_is_recorded_and_judged_against_the_tolerance(ours, theirs, expected):
    """The fidelity comparison is data in the run's report, judged there: no wall-clock timing in a unit test."""
    timed = SimpleNamespace(extra_info={}, stats=SimpleNamespace(stats=SimpleNamespace(min=ours)))
    record_timer_fidelity(timed, theirs)
    assert timed.extra_info["torch_timer_min_s"] == theirs
    assert expected in timer_fidelity(timed.extra_info)


def test_timer_fidelity_is_absent_where_not_measured():
    assert timer_fidelity({"implementation": "matmul"}) is None


def test_speed_claims_name_registered_claims():
    """Every speed claim a benchmark judges is a claim quoted in torchspecs/claims.toml."""
    registry = claims()
    assert [check.claim_id for check in SPEED_CLAIMS.values() if check.claim_id not in registry] == []
