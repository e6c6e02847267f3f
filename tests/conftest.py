"""Fixtures the harness's tests share."""

import pytest

EMPTY_REGISTRY = "# No behaviour changes registered.\n[changes]\n"


@pytest.fixture
def project(pytester):
    """An empty project using the plugin, with specs under specs/ and a change registry of its own (changes.toml)."""
    pytester.makeconftest('pytest_plugins = ["torchspecs.plugin"]')
    pytester.makeini(
        "[pytest]\naddopts = -p no:randomly -p no:cacheprovider --strict-markers\ntorchspecs_changes = changes.toml\n"
    )
    (pytester.path / "changes.toml").write_text(EMPTY_REGISTRY, encoding="utf-8")
    (pytester.path / "specs").mkdir()
    return pytester
