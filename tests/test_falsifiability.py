"""Every spec can fail: run the specs against deliberately broken torch behaviours and watch them fail.

Each breakage is a test of its own, but the specs are run in batches: one inner pytest run per group of breakages,
in which every spec a breakage names is run once under that breakage (the breakage is a parameter the inner
conftest adds). The groups are xdist groups, so each batch runs once, on one worker, and the batches spread over
the workers.
"""

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
import json
import os
from pathlib import Path

import pytest
from breakages import BREAKAGES
from hypothesis import HealthCheck, settings

# Few examples, always the same ones: each breakage is caught by the first examples.
settings.register_profile(
    "falsify", max_examples=30, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

pytest_plugins = ["torchspecs.plugin"]

# The batch: "spec file::function" -> the breakages to run it under. Without one, every spec runs unbroken.
PLAN = json.loads(Path(os.environ["TORCHSPECS_FALSIFY_PLAN"]).read_text()) if "TORCHSPECS_FALSIFY_PLAN" in os.environ else None
OUTCOMES = []


def pytest_generate_tests(metafunc):
    if PLAN is None:
        return
    spec = f"{metafunc.definition.path.relative_to(metafunc.config.rootpath).as_posix()}::{metafunc.function.__name__}"
    names = PLAN.get(spec)
    if names:
        metafunc.parametrize("breakage_name", names, ids=[f"broken{index}" for index in range(len(names))])


def pytest_collection_modifyitems(config, items):
    if PLAN is None:
        return
    kept = [item for item in items if "breakage_name" in getattr(getattr(item, "callspec", None), "params", {})]
    config.hook.pytest_deselected(items=[item for item in items if item not in kept])
    items[:] = kept


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if PLAN is not None and call.when == "call":
        function, _, params = item.name.partition("[")
        params = "-".join(part for part in params.rstrip("]").split("-") if not part.startswith("broken"))
        OUTCOMES.append(
            {
                "breakage": item.callspec.params["breakage_name"],
                "spec": f"{function}[{params}]" if params else function,
                "failed": report.failed,
            }
        )
    return report


def pytest_sessionfinish(session):
    if PLAN is not None:
        Path(os.environ["TORCHSPECS_FALSIFY_OUTCOMES"]).write_text(json.dumps(OUTCOMES))


@pytest.fixture
def breakage_name():
    return None


@pytest.fixture(autouse=True)
def _broken_torch(monkeypatch, breakage_name):
    if breakage_name:
        BREAKAGES[breakage_name].apply(monkeypatch)
"""
INNER_INI = "[pytest]\naddopts = -p no:randomly -p no:cacheprovider --import-mode=importlib\n"
GROUPS = 2


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
    pytester.makeini(INNER_INI)
    return pytester


def _names(expected: str, failed: str) -> bool:
    """Whether a failed test id is the expected spec: ``f[narrow]`` names ``f[cpu-narrow]`` and any ``f[...]`` of ``f``."""
    expected_function, _, expected_params = expected.partition("[")
    failed_function, _, failed_params = failed.partition("[")
    if expected_function != failed_function:
        return False
    return not expected_params or f"-{expected_params.rstrip(']')}-" in f"-{failed_params.rstrip(']')}-"


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


def _why_not_run(breakage: Breakage | ChangeBreakage, must_fail: dict[str, list[str]]) -> str | None:
    if breakage.needs_device and breakage.needs_device not in present_device_types():
        return f"its specs need a {breakage.needs_device} device, and none is present"
    if not must_fail:
        return f"none of its specs runs under torch {torch_version()}: each is gated to other releases"
    return None


def _grouped(names: list[str], kind: str) -> list:
    """Each breakage as a parameter in one of GROUPS xdist groups of its kind: a group's batch runs on one worker."""
    return [
        pytest.param(name, marks=pytest.mark.xdist_group(f"falsify-{kind}-{index % GROUPS}"))
        for index, name in enumerate(names)
    ]


ORDINARY = _grouped(sorted(name for name, b in BREAKAGES.items() if isinstance(b, Breakage)), "ordinary")
CHANGES = _grouped(sorted(name for name, b in BREAKAGES.items() if isinstance(b, ChangeBreakage)), "change")
GROUP_OF = {param.values[0]: param.marks[0].args[0] for param in ORDINARY + CHANGES}


@pytest.fixture(scope="session")
def batches(tmp_path_factory, inventory):
    """The outcomes of a group's batch run, by breakage: (spec id, failed) pairs. Each group's batch runs once."""
    copy = tmp_path_factory.mktemp("falsify")
    shutil.copytree(SPECS, copy / "specs")
    (copy / "conftest.py").write_text(INNER_CONFTEST, encoding="utf-8")
    (copy / "pytest.ini").write_text(INNER_INI, encoding="utf-8")
    done: dict[str, dict[str, list[tuple[str, bool]]]] = {}

    def outcomes_of(group: str) -> dict[str, list[tuple[str, bool]]]:
        if group not in done:
            plan: dict[str, list[str]] = {}
            for name, member_group in GROUP_OF.items():
                must_fail = _must_fail(BREAKAGES[name], inventory)
                if member_group != group or _why_not_run(BREAKAGES[name], must_fail):
                    continue
                for spec_file, specs in must_fail.items():
                    for function in sorted({spec.split("[")[0] for spec in specs}):
                        plan.setdefault(f"{spec_file}::{function}", []).append(name)
            plan_path, outcomes_path = copy / f"{group}-plan.json", copy / f"{group}-outcomes.json"
            plan_path.write_text(json.dumps(plan), encoding="utf-8")
            environment = {
                **os.environ,
                "PYTHONPATH": str(REPO / "tests"),
                "TORCHSPECS_FALSIFY_PLAN": str(plan_path),
                "TORCHSPECS_FALSIFY_OUTCOMES": str(outcomes_path),
            }
            ran = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pytest",
                    "specs",
                    "-q",
                    "--tb=no",
                    "--hypothesis-profile=falsify",
                    "-p",
                    "no:xdist",
                ],
                cwd=copy,
                env=environment,
                capture_output=True,
                text=True,
                check=False,
            )
            assert outcomes_path.exists(), (
                f"the batch of {group} did not finish:\n{ran.stdout[-4000:]}{ran.stderr[-3000:]}"
            )
            by_breakage: dict[str, list[tuple[str, bool]]] = {}
            for outcome in json.loads(outcomes_path.read_text(encoding="utf-8")):
                by_breakage.setdefault(outcome["breakage"], []).append((outcome["spec"], outcome["failed"]))
            done[group] = by_breakage
        return done[group]

    return outcomes_of


def _assert_breakage_fails(batches, inventory, name: str) -> None:
    breakage = BREAKAGES[name]
    must_fail = _must_fail(breakage, inventory)
    reason = _why_not_run(breakage, must_fail)
    if reason:
        pytest.skip(reason)
    outcomes = batches(GROUP_OF[name]).get(name, [])
    failed = sorted(spec for spec, did_fail in outcomes if did_fail)
    expected = [spec for specs in must_fail.values() for spec in specs]
    missing = [spec for spec in expected if not any(_names(spec, f) for f in failed)]
    assert not missing, f"{name}: these specs passed against broken torch: {missing}; failed were {failed}"


@pytest.mark.parametrize("name", ORDINARY)
def test_breakage_makes_its_specs_fail(batches, inventory, name):
    """Under each breakage, the specs it names fail (those the installed torch runs)."""
    _assert_breakage_fails(batches, inventory, name)


@pytest.mark.parametrize("name", CHANGES)
def test_change_breakage_makes_the_installed_side_fail(batches, inventory, name):
    """Putting back the other side of a change makes every spec of the side the installed torch runs fail.

    ``nox -s "breakages(torch='X')"`` runs these under each release, so each side is seen failing where it runs.
    """
    _assert_breakage_fails(batches, inventory, name)


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
