"""Fixtures the harness's tests share."""

import pytest


@pytest.fixture
def project(pytester):
    """An empty project using the plugin, with specs under specs/."""
    pytester.makeconftest('pytest_plugins = ["torchspecs.plugin"]')
    pytester.makeini("[pytest]\naddopts = -p no:randomly -p no:cacheprovider --strict-markers\n")
    (pytester.path / "specs").mkdir()
    return pytester
