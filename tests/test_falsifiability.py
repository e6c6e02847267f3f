"""Every spec can fail: run the specs against deliberately broken torch behaviours and watch them fail."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest
import torch._dynamo  # noqa: F401
from breakages import BREAKAGES, GATED_OUT_HERE

from torchspecs.devices import present_device_types

# torch._dynamo is imported above, before any pytester run: pytester drops the modules a run imports,
# and dynamo registers an operator library that cannot be registered a second time.
REPO = Path(__file__).resolve().parent.parent
SPECS = REPO / "specs"

INNER_CONFTEST = """
import os
import pytest
from breakages import BREAKAGES
from hypothesis import HealthCheck, settings

# Few examples, always the same ones: each breakage is caught by the first examples.
settings.register_profile(
    "falsify", max_examples=30, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

pytest_plugins = ["torchspecs.plugin"]

@pytest.fixture(autouse=True)
def _broken_torch(monkeypatch):
    name = os.environ.get("TORCHSPECS_BREAKAGE")
    if name:
        BREAKAGES[name].apply(monkeypatch)
"""


def _spec_names() -> set[str]:
    names = set()
    for path in SPECS.rglob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names |= {
            node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
        }
    return names


@pytest.fixture
def spec_copy(pytester, monkeypatch):
    """A pytester folder holding a copy of the specs and a conftest that applies the breakage named in the env."""
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    shutil.copytree(SPECS, pytester.path / "specs")
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makeini("[pytest]\naddopts = -p no:randomly -p no:cacheprovider --import-mode=importlib\n")
    return pytester


def _names(expected: str, failed: str) -> bool:
    """Whether a failed test id is the expected spec: ``f[narrow]`` names ``f[cpu-narrow]`` and any ``f[...]`` of ``f``."""
    expected_function, _, expected_params = expected.partition("[")
    failed_function, _, failed_params = failed.partition("[")
    if expected_function != failed_function:
        return False
    return not expected_params or f"-{expected_params.rstrip(']')}-" in f"-{failed_params.rstrip(']')}-"


def _failed_names(reprec) -> set[str]:
    return {report.nodeid.split("::")[-1] for report in reprec.getfailures() if report.when == "call"}


def test_specs_pass_against_unbroken_torch(spec_copy):
    """With no breakage the copied specs all pass, so failures below are the breakage's doing."""
    reprec = spec_copy.inline_run("specs", "--hypothesis-profile=falsify")
    passed, _skipped, failed = reprec.listoutcomes()
    assert not failed, "\n\n".join(f"{report.nodeid}\n{report.longreprtext}" for report in failed)
    assert passed


@pytest.mark.parametrize("name", sorted(BREAKAGES))
def test_breakage_makes_its_specs_fail(spec_copy, monkeypatch, name):
    """Under each breakage, the specs it names fail."""
    breakage = BREAKAGES[name]
    if breakage.needs_device and breakage.needs_device not in present_device_types():
        pytest.skip(f"its specs need a {breakage.needs_device} device, and none is present")
    monkeypatch.setenv("TORCHSPECS_BREAKAGE", name)
    only_named = " or ".join(sorted({spec.split("[")[0] for spec in breakage.must_fail}))
    reprec = spec_copy.inline_run(breakage.spec_file, "-k", only_named, "--hypothesis-profile=falsify")
    failed = _failed_names(reprec)
    missing = [spec for spec in breakage.must_fail if not any(_names(spec, f) for f in failed)]
    assert not missing, f"{name}: these specs passed against broken torch: {missing}; failed were {sorted(failed)}"


def test_every_spec_is_shown_to_fail_by_some_breakage():
    """A spec that no breakage makes fail has not been shown able to fail."""
    covered = {spec.split("[")[0] for breakage in BREAKAGES.values() for spec in breakage.must_fail}
    uncovered = _spec_names() - covered - GATED_OUT_HERE
    assert not uncovered, f"specs with no breakage in tests/breakages.py: {sorted(uncovered)}"
