"""Version parsing and ranges: local tags and nightlies handled, malformed input refused."""

import pytest
from packaging.version import Version

from torchspecs.versions import VersionSpecError, parse_spec, parse_version, torch_version, version_matches


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2.13.0+cpu", "2.13.0"), ("2.6.0+cu124", "2.6.0"), ("2.14.0.dev20261101", "2.14.0"), ("2.7.0rc1", "2.7.0")],
)
def test_parse_version_keeps_the_release(text, expected):
    assert parse_version(text) == Version(expected)


@pytest.mark.parametrize("text", ["", "two point six", "2.x"])
def test_parse_version_refuses_malformed_versions(text):
    with pytest.raises(VersionSpecError, match="is not a version"):
        parse_version(text)


@pytest.mark.parametrize("text", ["", "   ", "2.5", ">=two", "=>2.5", None, "<2.4 or 2.6", "<2.4 or"])
def test_parse_spec_refuses_malformed_ranges(text):
    with pytest.raises(VersionSpecError, match="is not a version range"):
        parse_spec(text)


@pytest.mark.parametrize(
    ("spec", "version", "expected"),
    [
        (">=2.7", "2.7.0", True),
        ("<2.7", "2.7.0", False),
        (">=2.7", "2.7.0.dev20250101", True),
        (">=2.1,<2.5", "2.4.1+cpu", True),
        ("<2.4 or >=2.6", "2.3.1", True),
        ("<2.4 or >=2.6", "2.4.0", False),
        ("<2.4 or >=2.6", "2.5.1", False),
        ("<2.4 or >=2.6", "2.6.0", True),
        ("<2.1 or >=2.4,<2.6 or >=2.9", "2.5.1", True),
        ("<2.1 or >=2.4,<2.6 or >=2.9", "2.7.0", False),
    ],
)
def test_version_matches(spec, version, expected):
    assert version_matches(spec, version) is expected


def test_installed_torch_version_is_a_release():
    import torch

    assert str(torch_version()) in torch.__version__
    assert version_matches(f"=={torch_version()}")


@pytest.mark.parametrize("text", ["<2.6 or >=2.4", ">=2.1 or >=2.3", "==2.4.1 or >=2.4,<2.5", "<=2.4 or >2.3"])
def test_a_union_whose_alternatives_overlap_is_refused(text):
    with pytest.raises(VersionSpecError, match="its alternatives overlap"):
        parse_spec(text)


@pytest.mark.parametrize("text", ["<=2.4 or >2.4", "<2.4 or >=2.4", "==2.4.1 or ==2.5.1"])
def test_alternatives_that_only_touch_are_a_union(text):
    assert len(parse_spec(text).alternatives) == 2


@pytest.mark.parametrize(
    ("text", "printed", "upper"),
    [
        ("<2.6,>=2.4", ">=2.4,<2.6", "2.6"),
        ("<2.4 or >=2.6", "<2.4 or >=2.6", None),
        ("<2.1", "<2.1", "2.1"),
        ("<2.1 or >=2.2,<2.3", "<2.1 or >=2.2,<2.3", "2.3"),
        (">=2.0", ">=2.0", None),
    ],
)
def test_a_range_prints_lower_bounds_first_and_knows_its_upper_bound(text, printed, upper):
    found = parse_spec(text)
    assert str(found) == printed
    assert found.upper_bound() == (Version(upper) if upper else None)
