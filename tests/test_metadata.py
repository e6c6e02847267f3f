"""The one metadata schema: every marker registered and checked from it, every record field carried by it."""

import pytest

from torchspecs import report
from torchspecs.metadata import FIELDS, MARKERS, SKIP_CAUSES


def test_every_marker_fills_a_declared_record_field():
    assert {marker.field for marker in MARKERS.values()} <= {field.name for field in FIELDS}


def test_a_records_result_fields_are_the_declared_fields_and_the_outcome():
    assert (*(field.name for field in FIELDS), "status", "message") == report.RESULT_FIELDS


def test_pytest_knows_every_declared_marker(project):
    result = project.runpytest("--markers")
    listed = result.stdout.str()
    assert [m.name for m in MARKERS.values() if f"@pytest.mark.{m.signature}: {m.description}" not in listed] == []


@pytest.mark.parametrize(
    ("marker", "args", "kwargs", "problem"),
    [
        ("doc", (), {}, "takes 1 or 2 string argument(s)"),
        ("doc", ("torch.load",), {"version": "2.5"}, "takes no keyword 'version'"),
        ("claim", ("000.x",), {"verdict": "maybe"}, "verdict='maybe' is not one of"),
        ("change", ("a-change",), {}, "needs side="),
        ("without_accelerator", ("cuda",), {}, "takes no arguments"),
        ("needs_device", (1,), {}, "takes 1 string argument(s)"),
    ],
)
def test_a_marker_checks_its_own_shape(marker, args, kwargs, problem):
    (found,) = MARKERS[marker].shape_problems(args, kwargs)
    assert problem in found


def test_a_field_round_trips_through_a_property():
    field = next(field for field in FIELDS if field.name == "changes")
    value = [{"id": "a-change", "side": "after"}]
    assert field.decode([text for _, text in field.encode(value)]) == value
    assert "other-side" in SKIP_CAUSES
