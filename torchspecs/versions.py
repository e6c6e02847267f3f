"""The installed torch version, and version ranges that gate specs.

A spec whose expectation changed between releases is written once per side of
the change and marked ``@pytest.mark.torch_version(">=2.5")`` (any PEP 440
specifier set).  Local build tags (``+cpu``, ``+cu124``) are ignored, and
nightlies count as the release they lead up to.
"""

from __future__ import annotations

from functools import cache

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version


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


def parse_spec(text: str) -> SpecifierSet:
    """Parse a version range such as ``>=2.1,<2.5``; an empty or malformed range is an error."""
    if not isinstance(text, str) or not text.strip():
        raise VersionSpecError(f"{text!r} is not a version range (expected something like '>=2.5' or '<2.1')")
    try:
        spec = SpecifierSet(text)
    except InvalidSpecifier:
        raise VersionSpecError(
            f"{text!r} is not a version range (expected PEP 440 specifiers such as '>=2.5' or '>=2.1,<2.5')"
        ) from None
    for specifier in spec:
        parse_version(specifier.version.replace("*", "0"))
    return spec


@cache
def torch_version() -> Version:
    """The installed torch's public release version (``2.13.0+cpu`` gives ``2.13.0``)."""
    import torch

    return parse_version(torch.__version__)


def version_matches(spec: str, version: Version | str | None = None) -> bool:
    """Whether ``version`` (default: the installed torch) lies in the range ``spec``."""
    installed = torch_version() if version is None else parse_version(str(version))
    return parse_spec(spec).contains(installed)
