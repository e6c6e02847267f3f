"""Where the specs and the committed results are: a repository checkout, or the copies an installed wheel carries.

In the repository the specs are ``specs/``, the result records ``reports/records/`` and the API surveys
``reports/surface/``. The wheel carries the same files as ``torchspecs/specs/``, ``torchspecs/records/`` and
``torchspecs/surveys/`` (``pyproject.toml``'s package-dir), with ``torchspecs/specs.ini`` in place of the
repository's pytest configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


class LocationError(Exception):
    """Neither a checkout nor an installed wheel's copies of the specs and results are found."""


@dataclass(frozen=True)
class Locations:
    checkout: Path | None  # the repository root, or None for an installed wheel
    specs: Path
    records: Path
    surveys: Path

    @property
    def pytest_args(self) -> list[str]:
        """How pytest is pointed at the specs: the checkout's own configuration, or the bundled one."""
        if self.checkout is not None:
            return ["--rootdir", str(self.checkout), str(self.specs)]
        return ["-c", str(PACKAGE / "specs.ini"), "--rootdir", str(PACKAGE), str(self.specs)]


def _is_checkout(root: Path) -> bool:
    pyproject = root / "pyproject.toml"
    return (root / "specs").is_dir() and pyproject.is_file() and 'name = "torchspecs"' in pyproject.read_text()


def locations(package: Path = PACKAGE) -> Locations:
    """The installed wheel's copies where they exist, else the checkout the package was imported from."""
    if (package / "specs").is_dir():
        return Locations(None, package / "specs", package / "records", package / "surveys")
    root = package.parent
    if _is_checkout(root):
        return Locations(root, root / "specs", root / "reports" / "records", root / "reports" / "surface")
    raise LocationError(
        f"no specs found: {package} carries none, and {root} is not a torchspecs checkout; "
        "reinstall torchspecs, or run from a clone of its repository"
    )
