"""Result records and the reports built from them: the version matrix, the changes by release, the claims ledger.

    pytest specs --junitxml=results.xml
    python -m torchspecs.report record results.xml --out-dir reports/records
    python -m torchspecs.report build reports/records/*.json --out-dir reports

``record`` turns one run's JUnit XML into a result record: the run (torch
version and build, CUDA, devices, Python, platform, date, which the plugin
writes into the XML) and per spec its id, topic, device, rule, citations,
claims, change sides, version gates, status and message (the fields declared
in ``torchspecs.metadata``).  ``build`` reads any number of records and writes:

``matrix.md`` / ``matrix.html``
    specs by topic against torch version x device, with pass counts per topic;
``changes.md``
    the registered behaviour changes (``changes.toml``) release by release, each
    with its evidence and its specs on either side; then every spec whose result
    differs between torch versions, and why;
``claims.md``
    every study-note claim the specs settle, its verdict and its specs' results per version;
``api.md``
    which documented torch API the specs cite and call (see ``torchspecs.api``);
``surface.md``
    given API surveys (``--surveys``, see ``torchspecs.survey``): the API surface
    diffed release by release, each removal, signature and base-class change
    linked to its change, triaged, or marked untriaged (see ``torchspecs.surface``).

Runs that land in the same column (the same torch version and device from
several Python versions or machines) are merged: a spec is FAIL there if it
failed in any of them, pass if it passed in one and failed in none.  Bad
input stops either command with a message and exit status 2 before anything
is written, so nothing saved earlier is overwritten by a broken run.
"""

from __future__ import annotations

import argparse
import json
import sys
import xml.etree.ElementTree as ElementTree
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from packaging.version import Version

from torchspecs.files import dumps_one_per_line, write_all, write_atomically
from torchspecs.metadata import FIELDS, record_fields
from torchspecs.versions import VersionSpecError, minor_release, parse_version

RECORD_FORMAT = 3
# The JUnit XML global property in which the plugin writes the run's description, a JSON object.
RUN_PROPERTY = "torchspecs-run"
STATUSES = ("passed", "failed", "error", "skipped", "other-side", "xfailed")
RUN_FIELDS = (
    "torch",
    "torch_build",
    "cuda",
    "numpy",
    "python",
    "platform",
    "date",
    "devices_present",
    "devices_selected",
)
RESULT_FIELDS = (*(spec_field.name for spec_field in FIELDS), "status", "message")
MESSAGE_LIMIT = 500


class ReportInputError(Exception):
    """An input file that is missing, unreadable or not what the command expects."""


# Records


def _outcome(case: ElementTree.Element) -> tuple[str, str]:
    for tag, status in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
        found = case.find(tag)
        if found is not None:
            if status == "skipped" and found.get("type") == "pytest.xfail":
                status = "xfailed"
            message = found.get("message", "").removeprefix("Skipped: ")
            return status, message[:MESSAGE_LIMIT]
    return "passed", ""


def _run_of(root: ElementTree.Element, source: Path) -> dict:
    for prop in root.iter("property"):
        if prop.get("name") == RUN_PROPERTY:
            try:
                return json.loads(prop.get("value", ""))
            except ValueError as error:
                raise ReportInputError(f"{source}: the {RUN_PROPERTY} property is not JSON ({error})") from error
    raise ReportInputError(
        f"{source}: no {RUN_PROPERTY} property; was it written by `pytest specs --junitxml=...` with the torchspecs plugin?"
    )


def record_from_junit(junit_path: Path) -> dict:
    """A result record: the run, and per spec result its metadata fields (torchspecs.metadata), status and message.

    A spec is a testcase carrying the plugin's ``topic`` property, whichever folders the run took its specs from.
    """
    try:
        root = ElementTree.parse(junit_path).getroot()
    except (OSError, ElementTree.ParseError) as error:
        raise ReportInputError(f"{junit_path}: not a readable JUnit XML file ({error})") from error
    run = _run_of(root, junit_path)
    results = []
    for case in root.iter("testcase"):
        properties: dict[str, list[str]] = defaultdict(list)
        for prop in case.iter("property"):
            properties[prop.get("name", "")].append(prop.get("value", ""))
        if "topic" not in properties:
            continue
        try:
            fields = record_fields(properties)
        except ValueError as error:
            raise ReportInputError(f"{junit_path}: {case.get('name')}: a property is not JSON ({error})") from error
        status, message = _outcome(case)
        if status == "skipped" and fields["skip_cause"] == "other-side":
            status = "other-side"
        results.append({**fields, "status": status, "message": message})
    if not results:
        raise ReportInputError(f"{junit_path}: no spec results in it")
    return {"format": RECORD_FORMAT, "run": run, "results": results}


def record_name(record: dict) -> str:
    """``torch-2.13.0-cpu-py3.11.json``: the torch release, the devices present and the Python version."""
    run = record["run"]
    python = ".".join(run["python"].split(".")[:2])
    return f"torch-{parse_version(run['torch'])}-{'+'.join(run['devices_present'])}-py{python}.json"


def load_record(path: Path) -> dict:
    """Read a record, refusing anything that is not one."""
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ReportInputError(f"{path}: not a readable JSON record ({error})") from error
    if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
        raise ReportInputError(f"{path}: not a torchspecs result record (format {RECORD_FORMAT})")
    run, results = record.get("run"), record.get("results")
    if not isinstance(run, dict) or not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        raise ReportInputError(f"{path}: a result record needs a run object and a list of results")
    missing = [name for name in RUN_FIELDS if name not in run]
    missing += sorted({f"results[].{name}" for result in results for name in RESULT_FIELDS if name not in result})
    if missing:
        raise ReportInputError(f"{path}: a result record without {', '.join(missing)}")
    try:
        parse_version(run["torch"])
    except VersionSpecError as error:
        raise ReportInputError(f"{path}: {error}") from error
    unknown = {result["status"] for result in results} - set(STATUSES)
    if unknown:
        raise ReportInputError(
            f"{path}: unknown status {', '.join(sorted(unknown))}; expected one of {', '.join(STATUSES)}"
        )
    return record


# The matrix: rows are spec cases by topic, columns are torch version x device


@dataclass(frozen=True)
class Column:
    torch: Version  # a release, so 2.10 sorts after 2.9 and 2.13.0+cpu is 2.13.0
    device: str

    def __str__(self) -> str:
        return f"{self.torch} {self.device}"


@dataclass
class Row:
    topic: str
    case: str
    rule: str
    gates: list[str]
    claims: list[dict]
    changes: list[dict]
    results: dict[Column, list[tuple[str, dict]]] = field(default_factory=lambda: defaultdict(list))


@dataclass(frozen=True)
class Cell:
    """What one column says of one row: a kind (for colour and comparison), its text, and each run's outcome."""

    kind: str
    text: str
    detail: str = ""


EMPTY = Cell("none", "–", "not collected in this column")
_DEVICE_ORDER = {"cpu": 0, "cuda": 1}


def run_label(run: dict) -> str:
    return f"torch {run['torch']}, Python {run['python']}, {'+'.join(run['devices_present'])}"


def build_rows(records: list[dict]) -> tuple[list[Column], dict[tuple[str, str], Row]]:
    rows: dict[tuple[str, str], Row] = {}
    columns: set[Column] = set()
    for record in records:
        run = record["run"]
        label, version = run_label(run), parse_version(run["torch"])
        # A spec for a device the run did not select was skipped for that reason alone: it makes a row, not a column.
        selected = {name.split(":")[0] for name in run["devices_selected"]}
        for result in record["results"]:
            key = (result["topic"], result["case"])
            row = rows.setdefault(
                key,
                Row(
                    result["topic"],
                    result["case"],
                    result["rule"],
                    result["gates"],
                    result["claims"],
                    result["changes"],
                ),
            )
            if result["device"] not in selected:
                continue
            column = Column(version, result["device"])
            columns.add(column)
            row.results[column].append((label, result))
    ordered = sorted(columns, key=lambda column: (column.torch, _DEVICE_ORDER.get(column.device, 9), column.device))
    return ordered, dict(sorted(rows.items()))


def cell(row: Row, column: Column) -> Cell:
    """Merge the runs that landed in one column: any failure wins, then any pass, then the skips."""
    outcomes = row.results.get(column)
    if not outcomes:
        return EMPTY
    detail = "; ".join(
        f"{label}: {result['status']}" + (f" ({result['message']})" if result["message"] else "")
        for label, result in outcomes
    )
    statuses = Counter(result["status"] for _, result in outcomes)
    if statuses["failed"] or statuses["error"]:
        return Cell("fail", "FAIL", detail)
    if statuses["passed"]:
        return Cell("pass", "pass", detail)
    if statuses["xfailed"]:
        return Cell("xfail", "xfail", detail)
    if statuses["other-side"]:
        return Cell("side", f"other side ({', '.join(row.gates)})", detail)
    return Cell("skip", f"skip ({outcomes[0][1]['message']})", detail)


def _kinds_by_device(row: Row, columns: list[Column]) -> dict[str, set[str]]:
    by_device: dict[str, set[str]] = defaultdict(set)
    for column in columns:
        by_device[column.device].add(cell(row, column).kind)
    return by_device


def differs_between_versions(row: Row, columns: list[Column]) -> bool:
    """Whether, on some device, the row's result is not the same in every torch version that ran it."""
    return any(len(kinds) > 1 for kinds in _kinds_by_device(row, columns).values())


def why_it_differs(row: Row, columns: list[Column]) -> str:
    """Why a row differs between versions: an asserted change, a failure, a spec some run lacks, or skips."""
    kinds = set().union(*(found for found in _kinds_by_device(row, columns).values() if len(found) > 1))
    if kinds & {"fail", "xfail"}:
        return "failure"
    if "none" in kinds:
        return "not in every run"
    if kinds == {"pass", "side"}:
        return "asserted change"
    return "skipped in some runs"


def _topics(rows: dict[tuple[str, str], Row]) -> dict[str, list[Row]]:
    topics: dict[str, list[Row]] = defaultdict(list)
    for (topic, _), row in rows.items():
        topics[topic].append(row)
    return topics


def _tally(rows: list[Row], column: Column) -> str:
    """passed/ran, wpt.fyi style: a spec that was skipped or gated to other versions did not run."""
    kinds = Counter(cell(row, column).kind for row in rows)
    ran = kinds["pass"] + kinds["fail"] + kinds["xfail"]
    return f"{kinds['pass']}/{ran}" if ran else "–"


def _failures(rows: dict[tuple[str, str], Row], columns: list[Column]) -> list[tuple[str, Column, str]]:
    """Each failed cell: the spec, the column, and what each run there said."""
    return [
        (f"{row.topic}::{row.case}", column, found.detail)
        for row in rows.values()
        for column in columns
        if (found := cell(row, column)).kind == "fail"
    ]


RUNS_HEADER = ["torch", "build", "CUDA", "Python", "numpy", "devices", "platform", "date", "results"]


def _runs_rows(records: list[dict]) -> list[list[str]]:
    """One row per run: what it ran on, and how many specs ended how."""
    rows = []
    for record in records:
        run = record["run"]
        statuses = Counter(result["status"] for result in record["results"])
        counts = ", ".join(f"{statuses[status]} {status}" for status in STATUSES if statuses[status])
        rows.append(
            [
                run["torch"],
                run["torch_build"],
                str(run["cuda"] or "–"),
                run["python"],
                run["numpy"],
                ", ".join(run["devices_present"]),
                run["platform"],
                run["date"],
                counts,
            ]
        )
    return rows


LEGEND = (
    "Cells: **pass**; **FAIL**; **other side (range)**, expected to differ: the spec asserts the behaviour of the "
    "torch versions in the range, and its twin asserts this version's; **skip (reason)**, could not run here; "
    "**–**, not run in this column: the spec does not exercise this device, or this version's run did not collect it."
)


def _markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(text.replace("|", "\\|").replace("\n", " ") for text in cells) + " |"

    return [line(header), "|" + "---|" * len(header), *(line(cells) for cells in rows)]


def matrix_markdown(records: list[dict]) -> str:
    columns, rows = build_rows(records)
    topics = _topics(rows)
    names = [str(column) for column in columns]
    lines = ["# Spec results by torch version and device", "", LEGEND, "", "## Runs", ""]
    lines += [*_markdown_table(RUNS_HEADER, _runs_rows(records)), ""]
    lines += ["## Passed of those run, by topic", ""]
    lines += _markdown_table(
        ["topic", *names], [[topic, *(_tally(members, c) for c in columns)] for topic, members in topics.items()]
    )
    failures = _failures(rows, columns)
    if failures:
        lines += ["", "## Failures", ""]
        lines += [f"- `{spec}` on {column}: {detail}" for spec, column, detail in failures]
    for topic, members in topics.items():
        lines += ["", f"## {topic}", ""]
        lines += _markdown_table(
            ["spec", *names], [[row.case, *(cell(row, c).text for c in columns)] for row in members]
        )
    return "\n".join(lines) + "\n"


def _side_results(rows: list[Row], columns: list[Column]) -> str:
    """How one side's specs fared: the releases they ran on, and any failure."""
    ran: dict[Version, set[str]] = defaultdict(set)
    for row in rows:
        for column in columns:
            kind = cell(row, column).kind
            if kind in ("pass", "fail"):
                ran[column.torch].add(kind)
    if not ran:
        return "not run in these records"
    failed = sorted(version for version, kinds in ran.items() if "fail" in kinds)
    versions = sorted(ran)
    span = str(versions[0]) if len(versions) == 1 else f"{versions[0]} to {versions[-1]} ({len(versions)} releases)"
    if failed:
        return f"**FAILED** on {', '.join(map(str, failed))}; ran on {span}"
    return f"passed on {span}"


def changes_markdown(records: list[dict], registry: dict, surface: dict[str, dict[str, int]] | None = None) -> str:
    """The behaviour changes by release, each with its evidence and its specs on each side; then every spec whose
    result differs between the versions run, and why."""
    columns, rows = build_rows(records)
    by_change: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows.values():
        for change in row.changes:
            by_change[(change["id"], change["side"])].append(row)
    run_versions = sorted({column.torch for column in columns})
    releases = sorted(
        {minor_release(version) for version in run_versions} | set().union(*(c.landed_in for c in registry.values())),
        key=Version,
    )
    lines = [
        "# Behaviour changes by torch release",
        "",
        f"{len(registry)} behaviour change{'' if len(registry) == 1 else 's'} {'is' if len(registry) == 1 else 'are'} registered in `torchspecs/changes.toml`, each asserted by specs on "
        "both sides: the *before* side runs on the releases before the change (and, for a behaviour later taken "
        "back, again after it), the *after* side on the others. Each entry gives the releases run on either side of "
        "the boundary to pin it, and the upstream evidence. The specs' results are from the records in "
        f"`reports/records/` ({', '.join(map(str, run_versions))}).",
        "",
    ]
    for name in (release for release in releases if release != "2.0"):
        landed = sorted(
            (change for change in registry.values() if name in change.landed_in),
            key=lambda change: (change.area, change.id),
        )
        lines += [f"## {name}", ""]
        counts = (surface or {}).get(name)
        if counts is not None:
            lines += [
                f"API surface against the previous release: {counts['added']} added, {counts['removed']} removed, "
                f"{counts['signature']} signatures and {counts['bases']} base classes changed, "
                f"{counts['untriaged']} untriaged ([surface.md](surface.md#{name.replace('.', '')})).",
                "",
            ]
        if not landed:
            lines += ["No registered behaviour change in the covered areas.", ""]
        for change in landed:
            ended = change.until is not None and minor_release(change.until) == name
            lines += [
                f"### `{change.id}`" + (" (taken back)" if ended else ""),
                "",
                f"{change.area}, {change.kind}: {', '.join(f'`{api}`' for api in change.apis)}",
                "",
                f"- **before** ({change.releases('before')}): {change.before}",
                f"- **after** ({change.releases('after')}): {change.after}",
                f"- pinned by running {', '.join(change.pinned)}",
                "- evidence: " + ", ".join(f"<{url}>" for url in change.evidence),
            ]
            if change.notes:
                lines.append(f"- note: {change.notes}")
            for side in ("before", "after"):
                members = by_change.get((change.id, side), [])
                specs = ", ".join(sorted({f"`{row.topic}::{row.case.split('[')[0]}`" for row in members})) or "none"
                lines.append(f"- {side} side: {specs}, {_side_results(members, columns)}")
            lines.append("")
    changed = [row for row in rows.values() if differs_between_versions(row, columns)]
    reasons = Counter(why_it_differs(row, columns) for row in changed)
    lines += [
        "## Specs whose result differs between versions",
        "",
        f"{len(changed)} of {len(rows)} specs differ between the versions run: "
        + ", ".join(f"{count} {reason}" for reason, count in sorted(reasons.items()))
        + ". An asserted change passes on one side of a version gate and is the other side on the other; "
        "its twin spec asserts the other behaviour.",
        "",
        LEGEND,
        "",
    ]
    lines += _markdown_table(
        ["spec", "why", "change", "rule", *map(str, columns)],
        [
            [
                f"{row.topic}::{row.case}",
                why_it_differs(row, columns),
                ", ".join(f"{change['id']} ({change['side']})" for change in row.changes),
                row.rule,
                *(cell(row, c).text for c in columns),
            ]
            for row in changed
        ],
    )
    return "\n".join(lines) + "\n"


def _tally_cell(tally: str) -> Cell:
    passed, _, ran = tally.partition("/")
    return Cell("none" if not ran else "pass" if passed == ran else "fail", tally)


def matrix_html(records: list[dict]) -> str:
    """The matrix as one page, from templates/matrix.html.j2 (autoescaped), with a switch to show only the specs whose
    result differs between torch versions."""
    import jinja2

    columns, rows = build_rows(records)
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("torchspecs", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    topics = [
        {
            "name": topic,
            "tallies": [_tally_cell(_tally(members, column)) for column in columns],
            "rows": [
                {
                    "case": row.case,
                    "rule": row.rule,
                    "changed": differs_between_versions(row, columns),
                    "cells": [cell(row, column) for column in columns],
                }
                for row in members
            ],
        }
        for topic, members in _topics(rows).items()
    ]
    return environment.get_template("matrix.html.j2").render(
        legend=LEGEND.replace("**", ""),
        runs_header=RUNS_HEADER,
        runs=_runs_rows(records),
        changed=sum(differs_between_versions(row, columns) for row in rows.values()),
        columns=columns,
        topics=topics,
        failures=_failures(rows, columns),
    )


# The claims ledger


def claims_markdown(records: list[dict], registry: dict) -> str:
    """Every settled claim: its note, English statement, verdict, the specs that settle it, and per torch version
    whether those specs confirmed it (passed and none failed) and on which side of a version gate."""
    columns, rows = build_rows(records)
    versions = sorted({column.torch for column in columns})
    settling: dict[str, list[Row]] = defaultdict(list)
    for row in rows.values():
        for claim in row.claims:
            settling[claim["id"]].append(row)
    verdicts = {
        claim_id: {c["verdict"] for r in members for c in r.claims if c["id"] == claim_id}
        for claim_id, members in settling.items()
    }
    tally = Counter(verdict for found in verdicts.values() for verdict in found)
    lines = [
        "# Claims ledger",
        "",
        "Statements from the study notes (`shared/seeds/`, in Korean) that the specs settle, with an English "
        "paraphrase, the verdict, the specs that prove it, and per torch version whether they confirmed it: "
        "✓ every spec that ran passed (with the version range of the side that ran, where the claim's specs are "
        "gated); ✗ one failed; – none ran.",
        "",
        f"{len(settling)} claims: " + ", ".join(f"{tally[verdict]} {verdict}" for verdict in sorted(tally)) + ".",
        "",
    ]
    table = []
    for claim_id in sorted(settling):
        members, claim = settling[claim_id], registry.get(claim_id)
        per_version = []
        for version in versions:
            cells = [(row, cell(row, column)) for row in members for column in columns if column.torch == version]
            ran = [(row, found) for row, found in cells if found.kind in ("pass", "fail")]
            if not ran:
                per_version.append("–")
            elif any(found.kind == "fail" for _, found in ran):
                per_version.append("✗")
            else:
                sides = sorted({gate for row, _ in ran for gate in row.gates})
                per_version.append("✓" + (f" ({', '.join(sides)})" if sides else ""))
        specs = "<br>".join(sorted({f"`{row.topic}::{row.case.split('[')[0]}`" for row in members}))
        table.append(
            [
                claim_id,
                claim.note if claim else "?",
                claim.statement if claim else "(not in claims.toml)",
                claim.quote if claim else "",
                ", ".join(sorted(verdicts[claim_id])),
                specs,
                *per_version,
            ]
        )
    lines += _markdown_table(
        ["claim", "note", "statement", "quoted from the note", "verdict", "specs", *map(str, versions)], table
    )
    return "\n".join(lines) + "\n"


# Building and the command line


def build(
    record_paths: list[Path],
    out_dir: Path,
    spec_root: Path,
    surveys: list[Path] = (),
    changes_path: Path | None = None,
    triage_path: Path | None = None,
    usage_path: Path | None = None,
) -> list[Path]:
    """Write every report from the records (and the API surveys); nothing is written unless every input loads.

    The change registry, the surface triage and the ranked usage list are the bundled ones unless a path names
    others.
    """
    from torchspecs.api import UsageError, api_markdown, load_usage
    from torchspecs.changes import ChangeRegistryError, load_changes
    from torchspecs.claims import claims
    from torchspecs.surface import SurfaceError, load_triage, pairs, surface_markdown, surface_summary

    if not record_paths:
        raise ReportInputError("no records given")
    if not spec_root.is_dir():
        raise ReportInputError(f"{spec_root}: no such spec folder (give --specs)")
    records = sorted(
        (load_record(path) for path in record_paths),
        key=lambda record: (parse_version(record["run"]["torch"]), record["run"]["python"]),
    )
    try:
        usage = load_usage(usage_path)
    except UsageError as error:
        raise ReportInputError(str(error)) from error
    try:
        registry = load_changes(changes_path)
        surface_pairs = pairs(list(surveys), registry, load_triage(triage_path)) if surveys else None
    except (ChangeRegistryError, SurfaceError) as error:
        raise ReportInputError(str(error)) from error
    surface = surface_markdown(surface_pairs) if surface_pairs is not None else None
    summary = surface_summary(surface_pairs) if surface_pairs is not None else None
    outputs = {
        "matrix.md": matrix_markdown(records),
        "matrix.html": matrix_html(records),
        "changes.md": changes_markdown(records, registry, summary),
        "claims.md": claims_markdown(records, claims()),
        "api.md": api_markdown(spec_root, records, usage),
    }
    if surface is not None:
        outputs["surface.md"] = surface
    return write_all({out_dir / name: text for name, text in outputs.items()})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m torchspecs.report", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    record_command = commands.add_parser("record", help="turn a run's JUnit XML into a result record")
    record_command.add_argument("junit", type=Path)
    where = record_command.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", type=Path, help="the record's path")
    where.add_argument("--out-dir", type=Path, help="a folder; the record is named torch-VERSION-DEVICES-pyX.Y.json")
    build_command = commands.add_parser("build", help="build the matrix, changes, claims ledger and API reports")
    build_command.add_argument("records", type=Path, nargs="+")
    build_command.add_argument("--out-dir", type=Path, required=True)
    build_command.add_argument("--specs", type=Path, default=Path("specs"), help="the spec folder the API report reads")
    build_command.add_argument(
        "--changes", type=Path, default=None, help="the change registry (default: the bundled torchspecs/changes.toml)"
    )
    build_command.add_argument(
        "--triage", type=Path, default=None, help="the surface triage (default: the bundled surface_triage.toml)"
    )
    build_command.add_argument(
        "--surveys", type=Path, nargs="*", default=[], help="API surveys (torchspecs.survey) to diff into surface.md"
    )
    arguments = parser.parse_args(argv)
    try:
        if arguments.command == "record":
            record = record_from_junit(arguments.junit)
            out = arguments.out or arguments.out_dir / record_name(record)
            write_atomically(out, dumps_one_per_line(record, "results"))
            statuses = Counter(result["status"] for result in record["results"])
            print(", ".join(f"{n} {status}" for status, n in sorted(statuses.items())), file=sys.stderr)
            print(out)
        else:
            for path in build(
                arguments.records,
                arguments.out_dir,
                arguments.specs,
                arguments.surveys,
                arguments.changes,
                arguments.triage,
            ):
                print(f"wrote {path}")
    except ReportInputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
