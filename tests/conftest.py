"""Fixtures the harness's tests share."""

import pytest
import torch._dynamo  # noqa: F401

# torch._dynamo is imported here, before any pytester run: pytester drops the modules a run imports, and dynamo
# registers an operator library that cannot be registered a second time.

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
