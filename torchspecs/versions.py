"""The installed torch version, and the version ranges that gate specs.

A range is a PEP 440 specifier set (``">=2.1,<2.5"``) or a union of them
joined by ``or`` (``"<2.4 or >=2.6"``), whose alternatives must not overlap.
Local build tags (``+cpu``, ``+cu124``) are ignored, and nightlies count as the
release they lead up to.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

__all__ = [
    "VersionRange",
    "VersionSpecError",
    "minor_release",
    "parse_spec",
    "parse_version",
    "previous_minor_release",
    "torch_version",
    "version_matches",
]


class VersionSpecError(ValueError):
    """A torch version or version range that cannot be parsed."""


def parse_version(text: str) -> Version:
    """Parse a torch version string such as ``2.13.0+cpu`` into the release it belongs to.

    The local tag goes, and so do pre-release and dev parts: a nightly
    ``2.14.0.dev20261101`` is treated as ``2.14.0``, the release it leads up to.
    """
    try:
        version = Version(str(text))
    except InvalidVersion:
        raise VersionSpecError(f"{text!r} is not a version (expected something like '2.6.0')") from None
    return Version(version.base_version)


def minor_release(version: Version | str) -> str:
    """The minor release a version belongs to: ``2.13.0+cpu`` and ``2.13`` are both ``2.13``."""
    release = parse_version(str(version))
    return f"{release.major}.{release.minor}"


def previous_minor_release(version: Version | str) -> str | None:
    """The minor release before the one ``version`` belongs to (``2.6`` gives ``2.5``), or None before x.0."""
    release = parse_version(str(version))
    return f"{release.major}.{release.minor - 1}" if release.minor else None


def _bounds(specifiers: SpecifierSet) -> tuple[Version, Version]:
    """The half-open interval [low, high) of releases a specifier set admits, for the overlap check."""
    low, high = Version("0"), Version("9999")
    for specifier in specifiers:
        version = parse_version(specifier.version.replace("*", "0"))
        if specifier.operator == ">=":
            low = max(low, version)
        elif specifier.operator == ">":
            low = max(low, Version(f"{version}.post9999"))
        elif specifier.operator == "<":
            high = min(high, version)
        elif specifier.operator == "<=":
            high = min(high, Version(f"{version}.post9999"))
        elif specifier.operator in ("==", "==="):
            low, high = max(low, version), min(high, Version(f"{version}.post9999"))
    return low, high


@dataclass(frozen=True)
class VersionRange:
    """Releases admitted by any one of several PEP 440 specifier sets."""

    alternatives: tuple[SpecifierSet, ...]

    def __contains__(self, version: object) -> bool:
        release = parse_version(str(version))
        return any(alternative.contains(release) for alternative in self.alternatives)

    def __str__(self) -> str:
        """``>=2.4,<2.6``: lower bounds first, as people write a range."""
        order = {">": 0, ">=": 0, "==": 1, "===": 1, "~=": 1, "!=": 2, "<=": 3, "<": 3}
        return " or ".join(
            ",".join(str(s) for s in sorted(alternative, key=lambda s: (order.get(s.operator, 1), str(s))))
            for alternative in self.alternatives
        )

    def upper_bound(self) -> Version | None:
        """The first release no alternative admits any more (``<2.6`` gives 2.6), or None if one is open above."""
        highs = [_bounds(alternative)[1] for alternative in self.alternatives]
        return None if any(high == Version("9999") for high in highs) else max(highs)


def parse_spec(text: str) -> VersionRange:
    """Parse ``>=2.1,<2.5`` or ``<2.4 or >=2.6``; an empty, malformed or self-overlapping range is an error."""
    if not isinstance(text, str) or not text.strip():
        raise VersionSpecError(f"{text!r} is not a version range (expected something like '>=2.5' or '<2.1')")
    alternatives = []
    for part in text.split(" or "):
        try:
            specifiers = SpecifierSet(part.strip())
        except InvalidSpecifier:
            raise VersionSpecError(
                f"{text!r} is not a version range (expected PEP 440 specifiers such as '>=2.5' or '>=2.1,<2.5',"
                " or alternatives joined by ' or ')"
            ) from None
        if not str(specifiers):
            raise VersionSpecError(f"{text!r} has an empty alternative")
        for specifier in specifiers:
            parse_version(specifier.version.replace("*", "0"))
        alternatives.append(specifiers)
    intervals = sorted(_bounds(alternative) for alternative in alternatives)
    for (_, high), (low, _) in itertools.pairwise(intervals):
        if low < high:
            raise VersionSpecError(f"{text!r}: its alternatives overlap")
    return VersionRange(tuple(alternatives))


@cache
def torch_version() -> Version:
    """The installed torch's public release version (``2.13.0+cpu`` gives ``2.13.0``)."""
    import torch

    return parse_version(torch.__version__)


def version_matches(spec: str | VersionRange, version: Version | str | None = None) -> bool:
    """Whether ``version`` (default: the installed torch) lies in the range ``spec``."""
    installed = torch_version() if version is None else parse_version(str(version))
    return installed in (spec if isinstance(spec, VersionRange) else parse_spec(spec))
