"""Every spec can fail: run the specs against deliberately broken torch behaviours and watch them fail."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch._dynamo  # noqa: F401
from breakages import BREAKAGES, Breakage, ChangeBreakage

from torchspecs.changes import changes
from torchspecs.devices import present_device_types
from torchspecs.versions import torch_version

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


@pytest.fixture(scope="session")
def inventory(tmp_path_factory) -> list[dict]:
    """Every collected spec: its function, file, the change sides it asserts, and why the plugin skips it, if it does."""
    out = tmp_path_factory.mktemp("inventory") / "specs.json"
    environment = {**os.environ, "TORCHSPECS_INVENTORY": str(out), "PYTHONPATH": str(REPO / "tests")}
    arguments = ["specs", "--co", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", "-p", "spec_inventory"]
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", *arguments],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert collected.returncode == 0, collected.stdout[-3000:] + collected.stderr[-3000:]
    return json.loads(out.read_text(encoding="utf-8"))


def _runs_here(spec: dict) -> bool:
    return spec["skip_cause"] != "other-side"


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


def _must_fail(breakage: Breakage | ChangeBreakage, inventory: list[dict]) -> dict[str, list[str]]:
    """Spec file -> the specs the breakage must make fail there, of those the installed torch runs."""
    if isinstance(breakage, ChangeBreakage):
        side = {"id": breakage.change, "side": breakage.side}
        specs = [(spec["file"], spec["function"]) for spec in inventory if side in spec["changes"] and _runs_here(spec)]
    else:
        running = {spec["function"] for spec in inventory if spec["file"] == breakage.spec_file and _runs_here(spec)}
        specs = [(breakage.spec_file, name) for name in breakage.must_fail if name.split("[")[0] in running]
    by_file: dict[str, list[str]] = {}
    for spec_file, name in specs:
        by_file.setdefault(spec_file, []).append(name)
    return by_file


def _assert_breakage_fails(spec_copy, monkeypatch, inventory, name: str) -> None:
    breakage = BREAKAGES[name]
    if breakage.needs_device and breakage.needs_device not in present_device_types():
        pytest.skip(f"its specs need a {breakage.needs_device} device, and none is present")
    must_fail = _must_fail(breakage, inventory)
    if not must_fail:
        pytest.skip(f"none of its specs runs under torch {torch_version()}: each is gated to other releases")
    monkeypatch.setenv("TORCHSPECS_BREAKAGE", name)
    for spec_file, names in must_fail.items():
        only_named = " or ".join(sorted({spec.split("[")[0] for spec in names}))
        reprec = spec_copy.inline_run(spec_file, "-k", only_named, "--hypothesis-profile=falsify")
        failed = _failed_names(reprec)
        missing = [spec for spec in names if not any(_names(spec, f) for f in failed)]
        assert not missing, f"{name}: these specs passed against broken torch: {missing}; failed were {sorted(failed)}"


@pytest.mark.parametrize("name", sorted(name for name, b in BREAKAGES.items() if isinstance(b, Breakage)))
def test_breakage_makes_its_specs_fail(spec_copy, monkeypatch, inventory, name):
    """Under each breakage, the specs it names fail (those the installed torch runs)."""
    _assert_breakage_fails(spec_copy, monkeypatch, inventory, name)


@pytest.mark.parametrize("name", sorted(name for name, b in BREAKAGES.items() if isinstance(b, ChangeBreakage)))
def test_change_breakage_makes_the_installed_side_fail(spec_copy, monkeypatch, inventory, name):
    """Putting back the other side of a change makes every spec of the side the installed torch runs fail.

    ``nox -s "breakages(torch='X')"`` runs these under each release, so each side is seen failing where it runs.
    """
    _assert_breakage_fails(spec_copy, monkeypatch, inventory, name)


def test_every_spec_is_shown_to_fail_by_some_breakage(inventory):
    """A spec that no breakage makes fail has not been shown able to fail: each is named by a breakage, or asserts
    sides of changes that all have one."""
    covered = {spec.split("[")[0] for b in BREAKAGES.values() if isinstance(b, Breakage) for spec in b.must_fail}
    change_breakages = {b.change for b in BREAKAGES.values() if isinstance(b, ChangeBreakage)}
    uncovered = sorted(
        {
            spec["function"]
            for spec in inventory
            if spec["function"] not in covered
            and not (spec["changes"] and all(side["id"] in change_breakages for side in spec["changes"]))
        }
    )
    assert not uncovered, f"specs with no breakage in tests/breakages/: {uncovered}"


def test_every_registered_change_has_a_breakage_for_each_side():
    """Each change in the registry has one breakage, named after it, that puts back either side's behaviour."""
    by_change = {b.change: (name, b) for name, b in BREAKAGES.items() if isinstance(b, ChangeBreakage)}
    assert sorted(set(changes()) - set(by_change)) == [], "changes with no ChangeBreakage"
    assert sorted(set(by_change) - set(changes())) == [], "ChangeBreakages of unregistered changes"
    misnamed = [name for change, (name, _) in by_change.items() if name != change]
    assert misnamed == [], "a change's breakage is named after the change"
    assert all(callable(b.before) and callable(b.after) for _, b in by_change.values())


def test_every_spec_a_breakage_names_exists(inventory):
    """Every spec a breakage names is a collected spec in its file: a renamed spec cannot silently drop its check."""
    collected = {(spec["file"], spec["function"]) for spec in inventory}
    unknown = [
        f"{name}: {spec}"
        for name, b in BREAKAGES.items()
        if isinstance(b, Breakage)
        for spec in b.must_fail
        if (b.spec_file, spec.split("[")[0]) not in collected
    ]
    assert unknown == []
