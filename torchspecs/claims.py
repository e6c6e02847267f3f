"""The registry of study-note claims the specs settle, and the verdicts a spec may give."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["VERDICTS", "Claim", "claims"]

VERDICTS = ("holds", "wrong", "depends-on-version")


@dataclass(frozen=True)
class Claim:
    """A statement from the notes: where it is, what it says, and what it says in English."""

    id: str
    note: str
    quote: str
    statement: str


@cache
def claims() -> dict[str, Claim]:
    """Every registered claim, by id."""
    text = resources.files("torchspecs").joinpath("claims.toml").read_text(encoding="utf-8")
    table = tomllib.loads(text)["claims"]
    return {claim_id: Claim(id=claim_id, **fields) for claim_id, fields in table.items()}
