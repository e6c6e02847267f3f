"""The claims registry: well formed, quoted verbatim from the notes, and each claim settled by a spec."""

import os
import re
from pathlib import Path

import pytest

from torchspecs.claims import claims

REPO = Path(__file__).resolve().parent.parent
SEEDS = Path(os.environ.get("TORCHSPECS_SEEDS", REPO.parent / "shared" / "seeds"))


def test_claim_ids_name_their_note():
    for claim in claims().values():
        assert re.fullmatch(r"\d{3}\.[a-z0-9-]+", claim.id), claim.id
        assert claim.note.startswith(claim.id[:3] + "_"), f"{claim.id} is from note {claim.note}"
        assert claim.statement, f"{claim.id} has no English statement"
        assert claim.quote, f"{claim.id} has no quote"


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the notes are not at {SEEDS} (set TORCHSPECS_SEEDS)")
def test_every_quote_appears_verbatim_in_its_note():
    for claim in claims().values():
        note = (SEEDS / claim.note).read_text(encoding="utf-8")
        assert claim.quote in note, f"{claim.id}: quote not found in {claim.note}"


def test_every_claim_is_settled_by_a_spec():
    """Behaviour claims are settled by specs; speed claims by the benchmarks, whose summary gives a verdict per machine."""
    sources = "\n".join(
        path.read_text(encoding="utf-8") for folder in ("specs", "benchmarks") for path in (REPO / folder).rglob("*.py")
    )
    unsettled = [claim_id for claim_id in claims() if f'"{claim_id}"' not in sources]
    assert not unsettled, f"claims no spec settles: {unsettled}"
