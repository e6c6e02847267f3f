"""The registry of behaviour changes between torch releases (``changes.toml``), and the sides of each.

One entry per change: where it is (area, APIs), when (the release its new
behaviour starts, and for a behaviour that was later taken back, the release
where it ends), what (the behaviour before and after, one sentence each, and
the kind of change) and why we believe it (the upstream evidence, and the
releases run on each side of the boundary).

A spec asserts one side of a change with ``@pytest.mark.change(id, side=...)``.
Its version gate, its skip reason on the other side, its record fields and the
side its breakage breaks all come from here.  Side ``after`` holds from
``since`` (up to ``until`` where given); side ``before`` holds everywhere else:
before ``since``, and again from ``until`` for a behaviour that was taken back.
A behaviour replaced by a later change is that change's ``before`` side: a spec
marked with both gates to the releases between them.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from packaging.version import Version

from torchspecs.versions import (
    VersionRange,
    VersionSpecError,
    minor_release,
    parse_spec,
    parse_version,
    previous_minor_release,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["AREAS", "KINDS", "SIDES", "Change", "ChangeRegistryError", "changes", "load_changes"]

SIDES = ("before", "after")
KINDS = {
    "default-changed": "a default changed",
    "added": "an API or argument was added",
    "removed": "an API or argument was removed, made private or renamed",
    "deprecation-warning": "a deprecation warning appeared, changed category or text, or went away",
    "warning-changed": "a warning (not a deprecation) appeared, changed or went away",
    "error-message": "an error's type or message changed, or an error appeared",
    "bug-fixed": "a bug that users could observe was fixed",
    "semantics-changed": "the same call returns something else",
    "hierarchy-changed": "a class's bases changed, so isinstance checks change",
    "random-stream-changed": "the same seed gives different samples",
}
AREAS = ("aliasing", "tensors", "autograd", "modules", "serialization", "hooks", "training", "data", "devices")
REQUIRED = ("area", "apis", "kind", "since", "before", "after", "evidence", "pinned")
OPTIONAL = ("until", "notes")
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)+$")
_EVIDENCE = ("https://github.com/pytorch/", "https://docs.pytorch.org/", "https://pytorch.org/", "https://dev-discuss.")


class ChangeRegistryError(ValueError):
    """A change registry that cannot be read, or whose entries are malformed; ``problems`` lists each."""

    def __init__(self, source: str, problems: list[str]):
        self.problems = problems
        super().__init__(
            f"{source}: " + ("; ".join(problems) if len(problems) == 1 else "\n  " + "\n  ".join(problems))
        )


def _release(version: Version) -> str:
    return minor_release(version) if version.micro == 0 else str(version)


@dataclass(frozen=True)
class Change:
    """One behaviour change: the release it starts (and ends), what it changed, and the evidence."""

    id: str
    area: str
    apis: tuple[str, ...]
    kind: str
    since: Version
    before: str
    after: str
    evidence: tuple[str, ...]
    pinned: tuple[str, ...]
    until: Version | None = None
    notes: str = ""

    def gate(self, side: str) -> VersionRange:
        """The releases whose behaviour this side asserts."""
        since = _release(self.since)
        if side == "after":
            return parse_spec(f">={since}" + (f",<{_release(self.until)}" if self.until else ""))
        return parse_spec(f"<{since}" + (f" or >={_release(self.until)}" if self.until else ""))

    def side_of(self, version: Version | str) -> str:
        """The side a torch release runs."""
        return "after" if version in self.gate("after") else "before"

    def releases(self, side: str) -> str:
        """The side's releases in words: ``before 2.6``, ``from 2.6``, ``2.4 to 2.5``, ``before 2.4 and from 2.6``."""
        since, until = _release(self.since), self.until and _release(self.until)
        if side == "after":
            if not until:
                return f"from {since}"
            last = previous_minor_release(self.until) or f"before {until}"
            return f"{since} to {last}" if last != since else f"{since} only"
        return f"before {since}" + (f" and from {until}" if until else "")

    def behaviour(self, side: str) -> str:
        return self.after if side == "after" else self.before

    @property
    def landed_in(self) -> set[str]:
        """The minor releases where the behaviour changed: the first with the new one, and where it was taken back."""
        return {minor_release(self.since)} | ({minor_release(self.until)} if self.until else set())


def _problems_of(change_id: str, entry: object) -> list[str]:
    where = f"change {change_id!r}"
    if not _ID.match(change_id):
        return [f"{where}: an id is lower-case words joined by '-'"]
    if not isinstance(entry, dict):
        return [f"{where}: not a table"]
    problems = [f"{where}: no {name}" for name in REQUIRED if name not in entry]
    problems += [f"{where}: unknown field {name!r}" for name in entry if name not in REQUIRED + OPTIONAL]
    for name in ("before", "after", "notes"):
        if name in entry and (not isinstance(entry[name], str) or not entry[name].strip()):
            problems.append(f"{where}: {name} must be a sentence")
    for name in ("apis", "evidence", "pinned"):
        value = entry.get(name, [])
        if not isinstance(value, list) or not value or not all(isinstance(item, str) and item for item in value):
            problems.append(f"{where}: {name} must be a non-empty list of strings")
    if entry.get("area", AREAS[0]) not in AREAS:
        problems.append(f"{where}: area {entry['area']!r} is not one of {', '.join(AREAS)}")
    if entry.get("kind", "added") not in KINDS:
        problems.append(f"{where}: kind {entry['kind']!r} is not one of {', '.join(KINDS)}")
    problems += [
        f"{where}: evidence {url!r} is not an upstream link ({', '.join(_EVIDENCE)}...)"
        for url in entry.get("evidence", [])
        if isinstance(url, str) and not url.startswith(_EVIDENCE)
    ]
    versions = {}
    for name in ("since", "until"):
        if name in entry:
            try:
                versions[name] = parse_version(entry[name]) if isinstance(entry[name], str) else None
            except VersionSpecError:
                versions[name] = None
            if versions[name] is None:
                problems.append(f"{where}: {name} {entry[name]!r} is not a release such as '2.6'")
    for release in entry.get("pinned", []) if isinstance(entry.get("pinned"), list) else []:
        try:
            parse_version(release)
        except VersionSpecError:
            problems.append(f"{where}: pinned release {release!r} is not a version")
    if versions.get("since") and versions.get("until") and versions["until"] <= versions["since"]:
        problems.append(f"{where}: until {entry['until']} is not after since {entry['since']}")
    return problems


def load_changes(path: Path | None = None) -> dict[str, Change]:
    """Read and validate a registry (the bundled ``changes.toml`` unless a path is given)."""
    source = str(path) if path else "torchspecs/changes.toml"
    try:
        text = Path(path).read_text(encoding="utf-8") if path else _bundled()
        table = tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ChangeRegistryError(source, [f"not a readable TOML file ({error})"]) from error
    entries = table.get("changes")
    if not isinstance(entries, dict):
        raise ChangeRegistryError(source, ["no [changes.<id>] tables"])
    problems = [problem for change_id, entry in entries.items() for problem in _problems_of(change_id, entry)]
    if problems:
        raise ChangeRegistryError(source, problems)
    return {
        change_id: Change(
            id=change_id,
            area=entry["area"],
            apis=tuple(entry["apis"]),
            kind=entry["kind"],
            since=parse_version(entry["since"]),
            until=parse_version(entry["until"]) if "until" in entry else None,
            before=entry["before"].strip(),
            after=entry["after"].strip(),
            evidence=tuple(entry["evidence"]),
            pinned=tuple(entry["pinned"]),
            notes=entry.get("notes", "").strip(),
        )
        for change_id, entry in entries.items()
    }


def _bundled() -> str:
    return resources.files("torchspecs").joinpath("changes.toml").read_text(encoding="utf-8")


@cache
def changes() -> dict[str, Change]:
    """The bundled registry, by id."""
    return load_changes()
