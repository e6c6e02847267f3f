"""The benchmark trend report: charts and tables across releases, the speed claims judged per release, and the noise
shown beside each timing; a broken or repeated run stops it before anything is written."""

import json

import pytest

from torchspecs import trends

SLICE_GROUP = "select 3 columns of 64x64 fp32, cpu"


def _benchmark(group: str, implementation: str, median: float, **extra) -> dict:
    stats = {"median": median, "q1": median * 0.9, "q3": median * 1.2, "min": median * 0.8}
    return {
        "group": group,
        "name": f"test[{implementation}]",
        "stats": stats,
        "extra_info": {"implementation": implementation, **extra},
    }


def _run(tmp_path, torch: str, index_select: float, list_indexing: float, **fidelity) -> str:
    path = tmp_path / f"torch-{torch}.json"
    benchmarks = [
        _benchmark(SLICE_GROUP, "index_select, index built inside", index_select, fraction_of_copy_bandwidth=0.25),
        _benchmark(SLICE_GROUP, "list indexing", list_indexing, fraction_of_copy_bandwidth=0.125),
        _benchmark("timer fidelity", "pytest-benchmark", 1e-3, **fidelity),
    ]
    path.write_text(
        json.dumps({"machine_info": {"torch": torch}, "datetime": "2026-11-23T21:00:00", "benchmarks": benchmarks})
    )
    return path


@pytest.fixture
def runs(tmp_path):
    return [
        _run(tmp_path, "2.13.0+cpu", 50e-6, 100e-6, torch_timer_min_s=1e-3, timer_disagreement=0.02),
        _run(tmp_path, "2.6.0+cu124", 90e-6, 100e-6),
        _run(tmp_path, "2.10.0", 40e-6, 100e-6),
    ]


def test_the_releases_are_in_release_order_and_a_changed_verdict_is_marked(runs, tmp_path):
    trends.build(runs, tmp_path / "out")
    text = (tmp_path / "out" / "trends.md").read_text()
    claim_row = next(line for line in text.splitlines() if line.startswith("| `001.index-select-faster-than-slicing`"))
    assert claim_row.split(" | ")[2:] == ["less 0.90×", "holds 0.40× ◆", "holds 0.50× |"]
    assert "| 2.6.0 | 2.10.0 | 2.13.0 |" in text


def test_a_claim_no_run_measured_says_so(runs, tmp_path):
    trends.build(runs, tmp_path / "out")
    text = (tmp_path / "out" / "trends.md").read_text()
    assert (
        "| `000.pinned-non-blocking-is-faster` | host to device, 64 KiB | not measured | not measured | not measured |"
        in text
    )


def test_each_timing_shows_its_spread_and_its_fraction_of_the_machines_limit(runs, tmp_path):
    trends.build(runs, tmp_path / "out")
    text = (tmp_path / "out" / "trends.md").read_text()
    row = "| 2.10.0 | 40 µs (IQR 12)<br>25% of copy bandwidth | 100 µs (IQR 30)<br>12% of copy bandwidth |"
    assert row in text


def test_the_timer_fidelity_of_each_run_is_shown(runs, tmp_path):
    trends.build(runs, tmp_path / "out")
    text = (tmp_path / "out" / "trends.md").read_text()
    assert "| 2.13.0 | 2026-11-23 | +2.0% (within 15%) |" in text
    assert "| 2.6.0 | 2026-11-23 | not measured |" in text


def test_one_chart_per_group_rendered_the_same_each_time(runs, tmp_path):
    first = trends.build(runs, tmp_path / "first")
    trends.build(runs, tmp_path / "second")
    charts = sorted(path.name for path in first if path.suffix == ".svg")
    assert charts == ["trend-select-3-columns-of-64x64-fp32-cpu.svg", "trend-timer-fidelity.svg"]
    for name in charts:
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes()
    svg = (tmp_path / "first" / charts[0]).read_text()
    assert svg.startswith("<?xml")
    assert "2.10.0" in svg
    assert "list indexing" in svg


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "not a pytest-benchmark run"), ('{"machine_info": {}}', "not a pytest-benchmark run")],
)
def test_a_broken_run_stops_the_build_and_nothing_is_written(runs, tmp_path, capsys, content, message):
    broken = tmp_path / "broken.json"
    broken.write_text(content)
    out = tmp_path / "out"
    out.mkdir()
    (out / "trends.md").write_text("earlier")
    assert trends.main([*map(str, runs), str(broken), "--out-dir", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert [path.name for path in out.iterdir()] == ["trends.md"]
    assert (out / "trends.md").read_text() == "earlier"


def test_two_runs_of_one_release_are_refused(tmp_path, capsys):
    first = _run(tmp_path, "2.13.0+cpu", 1e-5, 2e-5)
    (tmp_path / "again").mkdir()
    second = _run(tmp_path / "again", "2.13.0", 1e-5, 2e-5)
    assert trends.main([str(first), str(second), "--out-dir", str(tmp_path / "out")]) == 2
    assert "more than one run of torch 2.13.0" in capsys.readouterr().err
