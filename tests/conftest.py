"""Fixtures the harness's tests share, and how they run: in parallel on every core unless -n says otherwise."""

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """`pytest tests` runs on every core (pytest-xdist, -n auto), with each falsification batch's breakages kept on
    one worker (--dist loadgroup). An explicit -n (-n0 for one process), --dist, --pdb or -p no:xdist is kept. This
    conftest is an initial one when tests/ is given, so its hook runs before xdist reads the options; xdist's workers
    are left alone."""
    option = config.option
    if hasattr(config, "workerinput") or getattr(option, "numprocesses", 0) is not None or option.usepdb:
        return
    option.numprocesses = "auto"
    if option.dist == "no":
        option.dist = "loadgroup"


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
