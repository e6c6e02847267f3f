"""How the API surface changed between consecutive releases, and what each change was judged to be.

``torchspecs.survey`` records one release's API.  Here two consecutive
surveys are diffed into additions, removals, signature changes (a parameter
added, removed or renamed, a default changed) and base-class changes.  Every
removal, signature change and base-class change is then assessed:

- linked to the registered behaviour change that asserts it (a change in
  ``changes.toml`` whose ``apis`` name it, released in that release; base-class
  changes link only to a change of kind ``hierarchy-changed``), or
- triaged in ``surface_triage.toml``, with the reason it is not a behaviour
  change the suite asserts, or
- **untriaged**: nobody has looked at it yet.

Additions are listed and counted; they need no assessment.
"""

from __future__ import annotations

import fnmatch
import itertools
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from packaging.version import Version

from torchspecs.changes import Change
from torchspecs.survey import SurveyError, load_survey
from torchspecs.versions import VersionSpecError, minor_release, parse_version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["ASSESSED", "Difference", "SurfaceError", "diff", "load_triage", "surface_markdown", "surface_summary"]

ASSESSED = ("removed", "signature", "bases")


class SurfaceError(Exception):
    """A survey or triage file that cannot be read, or is not what the diff expects."""


@dataclass(frozen=True)
class Difference:
    """One API's change between two releases: removed, signature or bases (or added), and in what way."""

    api: str
    what: str
    detail: str = ""


@dataclass(frozen=True)
class Triage:
    release: str
    apis: tuple[str, ...]
    what: str
    reason: str


def _name(parameter: str) -> str:
    return parameter.split("=", 1)[0].lstrip("*")


def _signature_detail(old: list[str], new: list[str]) -> str:
    """A parameter added, removed or renamed, a default changed, or the parameters reordered or re-kinded."""
    old_names = [_name(p) for p in old if p not in ("*", "/")]
    new_names = [_name(p) for p in new if p not in ("*", "/")]
    added = [name for name in new_names if name not in old_names]
    removed = [name for name in old_names if name not in new_names]
    parts = []
    if len(added) == len(removed) == 1 and old_names.index(removed[0]) == new_names.index(added[0]):
        parts.append(f"{removed[0]} renamed {added[0]}")
    else:
        parts += [f"+{name}" for name in added] + [f"-{name}" for name in removed]
    old_by_name = {_name(p): p for p in old if p not in ("*", "/")}
    for parameter in new:
        name = _name(parameter)
        if name in old_by_name and old_by_name[name] != parameter:
            parts.append(f"{old_by_name[name]} became {parameter}")
    if not parts:
        parts.append("parameters reordered or changed kind: (" + ", ".join(old) + ") became (" + ", ".join(new) + ")")
    return "; ".join(parts)


def diff(old: dict, new: dict) -> list[Difference]:
    """The differences between two surveys' API, sorted by API name."""
    before, after = old["api"], new["api"]
    found = [Difference(api, "added") for api in after.keys() - before.keys()]
    found += [Difference(api, "removed") for api in before.keys() - after.keys()]
    for api in before.keys() & after.keys():
        was, now = before[api], after[api]
        if was["kind"] != now["kind"]:
            found.append(Difference(api, "signature", f"was a {was['kind']}, is a {now['kind']}"))
            continue
        if "signature" in was and "signature" in now and was["signature"] != now["signature"]:
            found.append(Difference(api, "signature", _signature_detail(was["signature"], now["signature"])))
        if was.get("bases") != now.get("bases") and "bases" in was and "bases" in now:
            found.append(Difference(api, "bases", f"({', '.join(was['bases'])}) became ({', '.join(now['bases'])})"))
    return sorted(found, key=lambda difference: (difference.api, difference.what))


def load_triage(path: Path | None = None) -> list[Triage]:
    """The triage entries (the bundled ``surface_triage.toml`` unless a path is given)."""
    source = str(path) if path else "torchspecs/surface_triage.toml"
    try:
        text = (
            Path(path).read_text(encoding="utf-8")
            if path
            else resources.files("torchspecs").joinpath("surface_triage.toml").read_text(encoding="utf-8")
        )
        entries = tomllib.loads(text).get("triage", [])
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SurfaceError(f"{source}: not a readable TOML file ({error})") from error
    triage, problems = [], []
    for index, entry in enumerate(entries):
        where = f"{source}: triage entry {index + 1}"
        if not isinstance(entry, dict) or set(entry) != {"release", "apis", "what", "reason"}:
            problems.append(f"{where}: needs exactly release, apis, what and reason")
            continue
        if entry["what"] not in ASSESSED:
            problems.append(f"{where}: what={entry['what']!r} is not one of {', '.join(ASSESSED)}")
        if (
            not isinstance(entry["apis"], list)
            or not entry["apis"]
            or not all(isinstance(a, str) for a in entry["apis"])
        ):
            problems.append(f"{where}: apis must be a non-empty list of names")
        if not isinstance(entry["reason"], str) or not entry["reason"].strip():
            problems.append(f"{where}: reason must be a sentence")
        try:
            parse_version(str(entry["release"]))
        except VersionSpecError:
            problems.append(f"{where}: release {entry['release']!r} is not a release such as '2.6'")
        if not problems:
            triage.append(Triage(str(entry["release"]), tuple(entry["apis"]), entry["what"], entry["reason"].strip()))
    if problems:
        raise SurfaceError("\n  ".join(problems))
    return triage


def _matches(api: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(api, pattern) for pattern in patterns)


def assess(difference: Difference, release: str, registry: dict[str, Change], triage: list[Triage]) -> tuple[str, str]:
    """("change", id), ("triaged", reason) or ("untriaged", "") for one removal, signature or bases change."""
    for change in registry.values():
        # A change of the class hierarchy accounts for base-class differences; any other, for removals and signatures.
        fits = (difference.what == "bases") == (change.kind == "hierarchy-changed")
        if release in change.landed_in and fits and _matches(difference.api, change.apis):
            return "change", change.id
    for entry in triage:
        if entry.release == release and entry.what == difference.what and _matches(difference.api, entry.apis):
            return "triaged", entry.reason
    return "untriaged", ""


@dataclass(frozen=True)
class Pair:
    old: str
    new: str
    release: str
    differences: list[Difference]
    assessments: dict[Difference, tuple[str, str]]

    def count(self, what: str) -> int:
        return sum(difference.what == what for difference in self.differences)

    @property
    def untriaged(self) -> list[Difference]:
        return [difference for difference, (how, _) in self.assessments.items() if how == "untriaged"]


def pairs(survey_paths: list[Path], registry: dict[str, Change], triage: list[Triage] | None = None) -> list[Pair]:
    """Each consecutive pair of the surveys (ordered by torch version), diffed and assessed."""
    try:
        surveys = [load_survey(path) for path in survey_paths]
    except SurveyError as error:
        raise SurfaceError(str(error)) from error
    try:
        surveys.sort(key=lambda survey: parse_version(survey["torch"]))
    except VersionSpecError as error:
        raise SurfaceError(f"a survey's torch version: {error}") from error
    versions = [str(parse_version(survey["torch"])) for survey in surveys]
    if len(set(versions)) != len(versions):
        raise SurfaceError(f"two surveys of one torch release among {', '.join(versions)}")
    triage = load_triage() if triage is None else triage
    found = []
    for old, new in itertools.pairwise(surveys):
        release = minor_release(new["torch"])
        differences = diff(old, new)
        assessments = {
            difference: assess(difference, release, registry, triage)
            for difference in differences
            if difference.what in ASSESSED
        }
        found.append(
            Pair(str(parse_version(old["torch"])), str(parse_version(new["torch"])), release, differences, assessments)
        )
    stale = [
        f"{entry.release}: {', '.join(entry.apis)} ({entry.what})"
        for entry in triage
        if entry.release in {pair.release for pair in found}
        and not any(
            how == "triaged" and difference.what == entry.what and _matches(difference.api, entry.apis)
            for pair in found
            if pair.release == entry.release
            for difference, (how, _) in pair.assessments.items()
        )
    ]
    if stale:
        raise SurfaceError("triage entries that match no difference in the surveys: " + "; ".join(stale))
    return found


def surface_summary(found: list[Pair]) -> dict[str, dict[str, int]]:
    """Per release: how many APIs were added, removed, changed signature or bases, and how many are untriaged."""
    return {
        pair.release: {
            "added": pair.count("added"),
            "removed": pair.count("removed"),
            "signature": pair.count("signature"),
            "bases": pair.count("bases"),
            "untriaged": len(pair.untriaged),
        }
        for pair in found
    }


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def surface_markdown(found: list[Pair]) -> str:
    lines = [
        "# The API surface, release by release",
        "",
        "Each pair of consecutive releases' API surveys (`reports/surface/`, made by `python -m torchspecs.survey`) "
        "diffed in the covered namespaces. Each removal, signature change and base-class change is linked to the "
        "registered behaviour change that asserts it ([changes.md](changes.md)), or triaged with the reason it is "
        "not one the suite asserts (`torchspecs/surface_triage.toml`), or marked **untriaged**. Additions are "
        "counted and listed.",
        "",
        "| release | from | to | added | removed | signatures | bases | linked to a change | triaged | untriaged |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for pair in found:
        hows = [how for how, _ in pair.assessments.values()]
        lines.append(
            f"| [{pair.release}](#{pair.release.replace('.', '')}) | {pair.old} | {pair.new} | {pair.count('added')} "
            f"| {pair.count('removed')} | {pair.count('signature')} | {pair.count('bases')} | {hows.count('change')} "
            f"| {hows.count('triaged')} | {hows.count('untriaged')} |"
        )
    for pair in found:
        lines += ["", f"## {pair.release}", "", f"From {pair.old} to {pair.new}.", ""]
        if pair.assessments:
            lines += ["| API | what | detail | assessed |", "|---|---|---|---|"]
            for difference, (how, why) in sorted(pair.assessments.items(), key=lambda item: (item[1][0], item[0].api)):
                assessed = (
                    f"change [`{why}`](changes.md#{why})"
                    if how == "change"
                    else f"triaged: {why}"
                    if how == "triaged"
                    else "**untriaged**"
                )
                lines.append(
                    f"| `{difference.api}` | {difference.what} | {_cell(difference.detail)} | {_cell(assessed)} |"
                )
        else:
            lines.append("No API was removed, and no signature or base class changed.")
        added = [difference.api for difference in pair.differences if difference.what == "added"]
        if added:
            lines += ["", f"<details><summary>{len(added)} added</summary>", ""]
            lines += [", ".join(f"`{api}`" for api in added), "", "</details>"]
    return "\n".join(lines) + "\n"


def version_key(path: Path) -> Version:
    """Sort survey files named torch-X.Y.Z.json by release."""
    return parse_version(path.stem.removeprefix("torch-"))
