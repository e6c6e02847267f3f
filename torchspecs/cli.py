"""The torchspecs command: specify the installed torch, say what changed between two releases, build the reports.

    torchspecs run [PYTEST ARGS]     run the specs against the installed torch, write its record, summarise
    torchspecs diff 2.5 2.8          the behaviour and API-surface changes between two releases (offline)
    torchspecs report [OPTIONS]      build the reports from the records (python -m torchspecs.report build)

It works from a clone of the repository and from an installed wheel, which carries the specs, the change registry
and the committed records and API surveys (torchspecs.locations).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from torchspecs.locations import LocationError, Locations, locations

USAGE_ERROR = 2
RECORD_DIR = Path("torchspecs-records")


class UsageError(Exception):
    """Bad input to a command: printed as the error, with exit status 2."""


# torchspecs run


def summary(record: dict, record_path: Path) -> list[str]:
    """The run in a few lines: counts by status, skips by reason, the failing rules in words, the record's path."""
    results = record["results"]
    statuses = Counter(result["status"] for result in results)
    lines = [
        f"torch {record['run']['torch']} on {'+'.join(record['run']['devices_selected'])}: "
        + ", ".join(
            f"{statuses[status]} {status.replace('-', ' ')}"
            for status in ("passed", "failed", "error", "other-side", "skipped", "xfailed")
            if statuses[status]
        )
    ]
    skipped = Counter(result["message"] or "(no reason given)" for result in results if result["status"] == "skipped")
    if skipped:
        lines.append("skipped, by reason:")
        lines += [f"  {count:4d}  {reason}" for reason, count in skipped.most_common()]
    failing = [result for result in results if result["status"] in ("failed", "error")]
    if failing:
        lines.append("rules the installed torch does not follow:")
        for result in failing:
            lines.append(f"  {result['id']}")
            lines.append(f"      {result['rule']}")
    lines.append(f"record: {record_path}")
    return lines


def run(pytest_args: list[str], record_dir: Path, where: Locations) -> int:
    from torchspecs.files import dumps_one_per_line, write_atomically
    from torchspecs.report import ReportInputError, record_from_junit, record_name

    with tempfile.TemporaryDirectory() as scratch:
        junit = Path(scratch) / "junit.xml"
        command = [sys.executable, "-m", "pytest", *where.pytest_args, f"--junitxml={junit}", *pytest_args]
        status = subprocess.run(command, check=False).returncode
        try:
            record = record_from_junit(junit)
        except ReportInputError as error:
            print(f"torchspecs run: no record written ({error})", file=sys.stderr)
            return status or 1
    path = record_dir / record_name(record)
    write_atomically(path, dumps_one_per_line(record, "results"))
    print("\n".join(summary(record, path)))
    return status


# torchspecs diff


def _recorded_version(record: dict) -> str:
    """The release a record ran, without its build tag: 2.5.1 for 2.5.1+cu124."""
    from torchspecs.versions import parse_version

    return str(parse_version(record["run"]["torch"]))


def _records_by_release(where: Locations) -> dict[str, dict]:
    """The committed records, by minor release (2.5 -> the 2.5.1 record)."""
    from torchspecs.report import load_record
    from torchspecs.versions import minor_release

    found: dict[str, dict] = {}
    for path in sorted(where.records.glob("*.json")):
        record = load_record(path)
        found.setdefault(minor_release(record["run"]["torch"]), record)
    if not found:
        raise UsageError(f"no records in {where.records}")
    return found


def _release_of(text: str, records: dict[str, dict]) -> str:
    """The minor release a version argument names: 2.5, or the recorded 2.5.1."""
    from torchspecs.versions import VersionSpecError, minor_release, parse_version

    known = ", ".join(
        f"{release} ({_recorded_version(records[release])})" for release in sorted(records, key=parse_version)
    )
    try:
        version = parse_version(text)
    except VersionSpecError:
        raise UsageError(f"{text!r} is not a version; known releases: {known}") from None
    release = minor_release(version)
    recorded = parse_version(_recorded_version(records[release])) if release in records else None
    if recorded is None or (len(version.release) > 2 and version != recorded):
        hint = f" (give {release} for that minor release)" if recorded else ""
        raise UsageError(f"no record of torch {text}{hint}; known releases: {known}")
    return release


def _specs_of(change_id: str, releases: list[str], records: dict[str, dict]) -> list[str]:
    outcomes: dict[tuple[str, str], list[str]] = {}
    for release in releases:
        version = _recorded_version(records[release])
        for result in records[release]["results"]:
            for named in result["changes"]:
                if named["id"] == change_id:
                    outcomes.setdefault((named["side"], result["id"]), []).append(f"{result['status']} on {version}")
    return [f"{side}: {spec} ({', '.join(seen)})" for (side, spec), seen in sorted(outcomes.items())]


def diff_lines(old: str, new: str, where: Locations) -> list[str]:
    """The behaviour changes between two releases, each with its rule on either end, then the API-surface changes."""
    from packaging.version import Version

    from torchspecs.changes import changes
    from torchspecs.versions import minor_release

    records = _records_by_release(where)
    ends = [_release_of(old, records), _release_of(new, records)]
    low, high = sorted(ends, key=Version)
    versions = {release: _recorded_version(records[release]) for release in ends}
    registry = changes()
    between = [
        change
        for change in registry.values()
        if any(Version(low) < Version(release) <= Version(high) for release in change.landed_in)
    ]
    between.sort(key=lambda change: (change.since, change.id))
    lines = [
        f"torch {ends[0]} -> {ends[1]}: {len(between)} behaviour change(s) "
        f"(records of {versions[ends[0]]} and {versions[ends[1]]}; changes are pinned per minor release)"
    ]
    for change in between:
        sides = [change.side_of(Version(versions[end])) for end in ends]
        taken_back = f", taken back in {minor_release(change.until)}" if change.until else ""
        lines += ["", f"{minor_release(change.since)}{taken_back}  {change.id}  [{change.area}; {change.kind}]"]
        lines.append(f"  APIs: {', '.join(change.apis)}")
        if sides[0] == sides[1]:
            lines.append(
                f"  in both {ends[0]} and {ends[1]} (changed and taken back between): {change.behaviour(sides[0])}"
            )
            lines.append(f"  in between: {change.behaviour('after' if sides[0] == 'before' else 'before')}")
        else:
            lines += [f"  in {end}: {change.behaviour(side)}" for end, side in zip(ends, sides, strict=True)]
        lines += [f"  evidence: {url}" for url in change.evidence]
        lines += [f"  spec {line}" for line in _specs_of(change.id, ends, records)]
    lines += ["", *surface_lines(low, high, where, registry)]
    return lines


def surface_lines(low: str, high: str, where: Locations, registry: dict) -> list[str]:
    """The API-surface differences of each release after ``low`` up to ``high``, assessed against the registry."""
    from packaging.version import Version

    from torchspecs.surface import SurfaceError, pairs, version_key
    from torchspecs.versions import minor_release

    surveys = [
        path
        for path in sorted(where.surveys.glob("torch-*.json"), key=version_key)
        if Version(low) <= Version(minor_release(version_key(path))) <= Version(high)
    ]
    try:
        found = pairs(surveys, registry)
    except SurfaceError as error:
        raise UsageError(f"the API surveys in {where.surveys}: {error}") from error
    lines = [f"API surface of the covered namespaces, {low} -> {high}:"]
    if not found:
        lines.append("  no survey pair between them")
    for pair in found:
        added = [difference.api for difference in pair.differences if difference.what == "added"]
        lines.append(f"  {pair.release} ({pair.old} -> {pair.new}): {len(added)} added, {len(pair.assessments)} other")
        for difference, (how, why) in sorted(pair.assessments.items(), key=lambda item: (item[0].what, item[0].api)):
            detail = f" ({difference.detail})" if difference.detail else ""
            lines.append(
                f"    {difference.what:9s} {difference.api}{detail}: {'change ' if how == 'change' else ''}{why}"
            )
        if added:
            lines.append(f"    added     {', '.join(added)}")
    return lines


# torchspecs report


def report(arguments: argparse.Namespace, where: Locations) -> int:
    """The reports, as ``python -m torchspecs.report build`` writes them, with the records and surveys found."""
    from torchspecs.report import ReportInputError, build

    default_out = where.checkout / "reports" if where.checkout else Path("torchspecs-reports")
    surveys = arguments.surveys if arguments.surveys is not None else sorted(where.surveys.glob("torch-*.json"))
    try:
        written = build(
            arguments.records or sorted(where.records.glob("*.json")),
            arguments.out_dir or default_out,
            arguments.specs or where.specs,
            surveys,
            arguments.changes,
            arguments.triage,
        )
    except ReportInputError as error:
        raise UsageError(str(error)) from error
    print("\n".join(f"wrote {path}" for path in written))
    return 0


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(prog="torchspecs", description=__doc__.splitlines()[0])
    commands = main_parser.add_subparsers(dest="command", required=True, metavar="{run,diff,report}")
    run_parser = commands.add_parser(
        "run",
        help="run the specs against the installed torch, write the record and summarise",
        description="Run the specs against the installed torch. Arguments not listed here go to pytest "
        "(e.g. -k aliasing, -n 2, --device=cuda). The exit status is pytest's.",
    )
    run_parser.add_argument(
        "--record-dir", type=Path, default=RECORD_DIR, help=f"where the run's record goes (default: {RECORD_DIR}/)"
    )
    diff_parser = commands.add_parser(
        "diff",
        help="the behaviour and API changes between two releases, from the committed records (offline)",
        description="The behaviour changes between two torch releases, each with its rule in both, the release it "
        "changed in, the evidence and the specs; then the API-surface changes. Versions: 2.5 or 2.5.1.",
    )
    diff_parser.add_argument("old")
    diff_parser.add_argument("new")
    report_parser = commands.add_parser(
        "report",
        help="build the reports (matrix, changes, claims, API, surface) from the records",
        description="Build the reports from result records: by default the committed ones, into reports/ in a "
        "checkout and torchspecs-reports/ elsewhere. Nothing is written unless every input loads.",
    )
    report_parser.add_argument("records", type=Path, nargs="*", help="result records (default: the committed ones)")
    report_parser.add_argument("--out-dir", type=Path)
    report_parser.add_argument("--specs", type=Path, help="the spec folder the API report reads")
    report_parser.add_argument("--surveys", type=Path, nargs="*", help="API surveys (default: the committed ones)")
    report_parser.add_argument("--changes", type=Path, help="the change registry (default: the bundled one)")
    report_parser.add_argument("--triage", type=Path, help="the surface triage (default: the bundled one)")
    return main_parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    arguments, rest = parser().parse_known_args(argv)
    try:
        where = locations()
        if arguments.command == "run":
            return run(rest, arguments.record_dir, where)
        if rest:
            parser().error(f"unrecognized arguments: {' '.join(rest)}")
        if arguments.command == "diff":
            print("\n".join(diff_lines(arguments.old, arguments.new, where)))
            return 0
        return report(arguments, where)
    except (UsageError, LocationError) as error:
        print(f"torchspecs {arguments.command}: error: {error}", file=sys.stderr)
        return USAGE_ERROR


if __name__ == "__main__":
    sys.exit(main())
