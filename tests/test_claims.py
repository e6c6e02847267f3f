"""The claims registry: well formed, quoted verbatim from the notes, and each claim settled by a spec."""

import os
import re
from pathlib import Path

import pytest

from torchspecs.benchmarking import SPEED_CLAIMS
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
    """Behaviour claims are settled by specs; speed claims by the benchmarks (the registry in torchspecs.benchmarking),
    whose summary and trend report give a verdict per machine and release."""
    sources = "\n".join(path.read_text(encoding="utf-8") for path in (REPO / "specs").rglob("*.py"))
    speed = {check.claim_id for check in SPEED_CLAIMS.values()}
    unsettled = [claim_id for claim_id in claims() if f'"{claim_id}"' not in sources and claim_id not in speed]
    assert not unsettled, f"claims no spec settles: {unsettled}"
