"""Benchmark trends across torch releases, from pytest-benchmark's saved runs (one run per release).

    python -m torchspecs.trends reports/benchmarks/runs/*/*.json --out-dir reports/benchmarks

writes ``trends.md`` and one chart per comparison group (``trend-<group>.svg``, pygal): the median time of each
implementation against the torch release, with its interquartile range. The Markdown gives the same numbers with
each rate as a fraction of the machine's own copy bandwidth or matmul rate, measured in the same run: when every
implementation of a release slows down together and its fraction stays put, the machine was busy, not torch. It
also gives the timer-fidelity check of each run, and the notes' speed claims judged per release, marking the
releases where a verdict changed. A run that cannot be read stops the build with exit status 2 and nothing is
written.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from torchspecs.benchmarking import FIDELITY_TOLERANCE, SPEED_CLAIMS, claim_for, verdict, within_fidelity
from torchspecs.files import write_all
from torchspecs.versions import VersionSpecError, parse_version

FRACTIONS = {"fraction_of_matmul_rate": "of matmul rate", "fraction_of_copy_bandwidth": "of copy bandwidth"}


class TrendInputError(Exception):
    """A saved run that cannot be read, or two runs of one release."""


@dataclass(frozen=True)
class Timing:
    median: float
    q1: float
    q3: float
    fraction: float | None
    fraction_of: str | None


@dataclass
class Run:
    release: str  # 2.13.0
    date: str
    groups: dict[str, dict[str, Timing]]
    fidelity: list[str]


def load_run(path: Path) -> Run:
    """One saved pytest-benchmark run, refusing anything else."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        benchmarks = data["benchmarks"]
        release = str(parse_version(data["machine_info"]["torch"]))
    except (OSError, ValueError, KeyError, TypeError, VersionSpecError) as error:
        raise TrendInputError(f"{path}: not a pytest-benchmark run saved by the benchmarks here ({error!r})") from error
    groups: dict[str, dict[str, Timing]] = {}
    fidelity = []
    for bench in benchmarks:
        try:
            stats, info = bench["stats"], bench.get("extra_info", {})
            fraction_key = next((key for key in FRACTIONS if key in info), None)
            timing = Timing(
                stats["median"],
                stats["q1"],
                stats["q3"],
                info.get(fraction_key) if fraction_key else None,
                FRACTIONS.get(fraction_key),
            )
            groups.setdefault(bench["group"] or "", {})[info.get("implementation", bench["name"])] = timing
        except (KeyError, TypeError) as error:
            raise TrendInputError(f"{path}: benchmark {bench.get('name', '?')!r} lacks {error}") from error
        if "timer_disagreement" in info:
            disagreement = info["timer_disagreement"]
            judged = "within" if within_fidelity(disagreement) else "**beyond**"
            fidelity.append(f"{disagreement:+.1%} ({judged} {FIDELITY_TOLERANCE:.0%})")
    return Run(release, str(data.get("datetime", ""))[:10], groups, fidelity)


def load_runs(paths: list[Path]) -> list[Run]:
    if not paths:
        raise TrendInputError("no saved runs given")
    loaded = [(load_run(path), path) for path in paths]
    by_release: dict[str, list[Path]] = {}
    for run, path in loaded:
        by_release.setdefault(run.release, []).append(path)
    repeated = [f"{release} ({', '.join(map(str, found))})" for release, found in by_release.items() if len(found) > 1]
    if repeated:
        raise TrendInputError(f"more than one run of torch {'; '.join(repeated)}: keep one run per release")
    return sorted((run for run, _ in loaded), key=lambda run: parse_version(run.release))


def _slug(group: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", group.lower()).strip("-")


def _microseconds(seconds: float) -> str:
    value = seconds * 1e6
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def chart(group: str, runs: list[Run]) -> str:
    """The group's chart: median time against release per implementation, the interquartile range as its interval."""
    import pygal

    implementations = sorted({name for run in runs for name in run.groups.get(group, {})})
    medians = [timing.median for run in runs for timing in run.groups.get(group, {}).values()]
    line = pygal.Line(
        title=group,
        x_title="torch release",
        y_title="median time per call (µs), bar: interquartile range",
        logarithmic=max(medians) / min(medians) > 20,
        x_label_rotation=30,
        js=[],
        width=900,
        height=480,
        legend_at_bottom=True,
        legend_at_bottom_columns=2,
        truncate_legend=-1,
        show_x_guides=True,
    )
    line.uuid = _slug(group)  # a stable id, so an unchanged chart renders byte for byte the same
    line.x_labels = [run.release for run in runs]
    for name in implementations:
        points = []
        for run in runs:
            timing = run.groups.get(group, {}).get(name)
            points.append(
                None
                if timing is None
                else {"value": timing.median * 1e6, "ci": {"low": timing.q1 * 1e6, "high": timing.q3 * 1e6}}
            )
        line.add(name, points)
    return line.render(is_unicode=True)


VERDICT_WORDS = {"holds here": "holds", "faster, but by less than claimed": "less", "wrong here": "wrong"}


def _short(said: str) -> tuple[str, str]:
    """The verdict's word and its table cell, from verdict()'s "holds here (0.52x the time)"."""
    kind, _, ratio = said.partition(" (")
    word = VERDICT_WORDS.get(kind, kind)
    return word, f"{word} {ratio.removesuffix('x the time)')}×" if ratio else "–"


def claims_table(runs: list[Run]) -> list[str]:
    """Per claim and comparison, the verdict in each release; ◆ marks a verdict that differs from the release before.
    A claim none of the runs measured (a CUDA comparison on CPU runs) has a row saying so."""
    lines = ["| claim | comparison | " + " | ".join(run.release for run in runs) + " |"]
    lines.append("|---|---|" + "---|" * len(runs))
    groups = sorted({group for run in runs for group in run.groups if claim_for(group)})
    for group in groups:
        check = claim_for(group)
        cells, previous = [], None
        for run in runs:
            medians = {name: timing.median for name, timing in run.groups.get(group, {}).items()}
            kind, cell = _short(verdict(check, medians))
            cells.append(cell + (" ◆" if previous is not None and kind != previous else ""))
            previous = kind
        lines.append(f"| `{check.claim_id}` | {group} | " + " | ".join(cells) + " |")
    for prefix, check in SPEED_CLAIMS.items():
        if not any(group.startswith(prefix) for group in groups):
            lines.append(f"| `{check.claim_id}` | {prefix} | " + " | ".join("not measured" for _ in runs) + " |")
    return lines


def group_table(group: str, runs: list[Run]) -> list[str]:
    implementations = sorted({name for run in runs for name in run.groups.get(group, {})})
    lines = ["| torch | " + " | ".join(implementations) + " |", "|---|" + "---|" * len(implementations)]
    for run in runs:
        cells = []
        for name in implementations:
            timing = run.groups.get(group, {}).get(name)
            if timing is None:
                cells.append("–")
                continue
            text = f"{_microseconds(timing.median)} µs (IQR {_microseconds(timing.q3 - timing.q1)})"
            if timing.fraction is not None:
                text += f"<br>{timing.fraction:.0%} {timing.fraction_of}"
            cells.append(text)
        lines.append(f"| {run.release} | " + " | ".join(cells) + " |")
    return lines


def trends_markdown(runs: list[Run], charts: dict[str, str]) -> str:
    first = runs[0]
    lines = [
        "# Benchmarks across torch releases",
        "",
        f"One saved pytest-benchmark run per release ({len(runs)} runs, torch {first.release} to {runs[-1].release}), "
        "all on this project's 2-core CPU machine, in `runs/`. Times are medians per call in microseconds, with "
        "the interquartile range. Where a benchmark does measurable work, the rate it reached is also given as a "
        "fraction of the machine's own copy bandwidth or fp32 matmul rate, measured in the same run. When a "
        "release is slower across the board but its fractions hold, the machine was busier during that run; a "
        "real regression lowers the fraction. Built by `python -m torchspecs.trends` (nox -s benchmark_trends).",
        "",
        "## The notes' speed claims, release by release",
        "",
        "Each verdict compares the medians of the two implementations the claim is about: *holds* (faster by at "
        "least the claimed margin), *less* (faster, by less than claimed) or *wrong* (not faster), with the first's "
        "time as a multiple of the second's. ◆ marks a release whose verdict differs from the release before.",
        "",
        *claims_table(runs),
        "",
        "## Timer fidelity",
        "",
        "pytest-benchmark's fastest round of a 256² matmul against torch.utils.benchmark's fastest block in the "
        "same run. A wide disagreement says the machine was busy during that run.",
        "",
        "| torch | run date | pytest-benchmark against torch.utils.benchmark |",
        "|---|---|---|",
        *(f"| {run.release} | {run.date} | {'; '.join(run.fidelity) or 'not measured'} |" for run in runs),
    ]
    for group in sorted({group for run in runs for group in run.groups}):
        lines += ["", f"## {group}", "", f"![{group}]({charts[group]})", "", *group_table(group, runs)]
    return "\n".join(lines) + "\n"


def build(paths: list[Path], out_dir: Path) -> list[Path]:
    """Write trends.md and the charts; nothing is written unless every run loads."""
    runs = load_runs(paths)
    groups = sorted({group for run in runs for group in run.groups})
    charts = {group: f"trend-{_slug(group)}.svg" for group in groups}
    outputs = {out_dir / name: chart(group, runs) for group, name in charts.items()}
    outputs[out_dir / "trends.md"] = trends_markdown(runs, charts)
    return write_all(outputs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m torchspecs.trends", description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path, nargs="+", help="saved pytest-benchmark runs, one per torch release")
    parser.add_argument("--out-dir", type=Path, required=True)
    arguments = parser.parse_args(argv)
    try:
        written = build(arguments.runs, arguments.out_dir)
    except TrendInputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {len(written)} files in {arguments.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
