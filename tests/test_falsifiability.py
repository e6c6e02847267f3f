"""Every spec can fail: run the specs against deliberately broken torch behaviours and watch them fail.

Each breakage is a test of its own, but the specs are run in batches: one inner pytest run per batch of breakages,
in which every spec a breakage names is run once under that breakage (the breakage is a parameter the inner
conftest adds), and once unbroken, as the control: a spec counts as failing for the breakage's reason only if it
passes in the control. Each batch is a test class, and the project's tests run with --dist loadscope, so a batch runs once,
on one worker, and the batches spread over the workers. (xdist's loadgroup would say this with a mark, but it
cannot regroup tests under pytest 9.2, whose node ids it can no longer rewrite.)

A breakage that lingers (undoing it cannot give torch back as it was: CPython keeps a sequence slot of torch.Tensor
filled) is applied in a child process around the spec's call. Any other breakage that leaves torch changed after it is
undone stops its batch, naming it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from breakages import BREAKAGES, Breakage, ChangeBreakage, core
from filelock import FileLock

from torchspecs.changes import changes
from torchspecs.devices import device_present
from torchspecs.versions import torch_version

REPO = Path(__file__).resolve().parent.parent
SPECS = REPO / "specs"

INNER_CONFTEST = """
import inspect
import json
import os
from pathlib import Path

import pytest
import torch
from breakages import BREAKAGES
from hypothesis import HealthCheck, Phase, settings

# Few examples (12), always the same ones: each breakage is caught by the first examples. No shrinking: a failure is all
# a breakage needs to show, not the smallest failing input.
settings.register_profile(
    "falsify",
    max_examples=12,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)

pytest_plugins = ["torchspecs.plugin"]

# The batch: "spec file::function" -> the breakages to run it under, besides once unbroken (the control).
PLAN = json.loads(Path(os.environ["TORCHSPECS_FALSIFY_PLAN"]).read_text()) if "TORCHSPECS_FALSIFY_PLAN" in os.environ else None
OUTCOMES = []
STOPPED = []


def pytest_generate_tests(metafunc):
    if PLAN is None:
        return
    spec = f"{metafunc.definition.path.relative_to(metafunc.config.rootpath).as_posix()}::{metafunc.function.__name__}"
    names = PLAN.get(spec)
    if names:
        ids = ["unbroken", *(f"broken{index}" for index in range(len(names)))]
        metafunc.parametrize("breakage_name", ["", *names], ids=ids)


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
        params = "-".join(part for part in params.rstrip("]").split("-") if not part.startswith(("broken", "unbroken")))
        OUTCOMES.append(
            {
                "breakage": item.callspec.params["breakage_name"],
                "spec": f"{function}[{params}]" if params else function,
                "failed": None if report.skipped else report.failed,
            }
        )
    return report


def pytest_sessionfinish(session):
    if PLAN is not None and not STOPPED:
        Path(os.environ["TORCHSPECS_FALSIFY_OUTCOMES"]).write_text(json.dumps(OUTCOMES))


@pytest.fixture
def breakage_name():
    return None


@pytest.fixture(autouse=True)
def _broken_torch(monkeypatch, breakage_name):
    if not breakage_name or BREAKAGES[breakage_name].lingers:
        yield
        return
    BREAKAGES[breakage_name].apply(monkeypatch)
    yield
    monkeypatch.undo()
    try:
        torch.tensor([torch.tensor(1.0)])
    except Exception as error:
        STOPPED.append(breakage_name)
        pytest.exit(
            f"{breakage_name} leaves torch changed after it is undone ({error!r}): a breakage changes torch only "
            "through the monkeypatch it is given, and one replacing a sequence method of torch.Tensor is made with "
            "the makers in breakages.core (method, setting, ...), which mark it as lingering",
            returncode=3,
        )


PASSED, FAILED, SKIPPED = 0, 1, 2


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    # A breakage that lingers after it is undone is applied around the spec's call only, in a child process that
    # ends with it, so that what it leaves behind goes with the child.
    name = getattr(getattr(pyfuncitem, "callspec", None), "params", {}).get("breakage_name")
    if not name or not BREAKAGES[name].lingers:
        return None
    wanted = inspect.signature(pyfuncitem.obj).parameters
    arguments = {argument: value for argument, value in pyfuncitem.funcargs.items() if argument in wanted}
    child = os.fork()
    if child == 0:
        status = FAILED
        try:
            with pytest.MonkeyPatch.context() as monkeypatch:
                BREAKAGES[name].apply(monkeypatch)
                pyfuncitem.obj(**arguments)
            status = PASSED
        except pytest.skip.Exception:
            status = SKIPPED
        except BaseException:
            status = FAILED
        finally:
            os._exit(status)
    _, waited = os.waitpid(child, 0)
    status = os.waitstatus_to_exitcode(waited)
    if status == SKIPPED:
        pytest.skip("skipped itself under the breakage")
    assert status == PASSED, f"failed under {name}, in its own process (exit status {status})"
    return True
"""
INNER_INI = "[pytest]\naddopts = -p no:randomly -p no:cacheprovider --import-mode=importlib -n0\n"
ORDINARY_BATCHES, CHANGE_BATCHES = 3, 1


@pytest.fixture(scope="session")
def inventory(tmp_path_factory) -> list[dict]:
    """Every collected spec: its function, file, the change sides it asserts, and why the plugin skips it, if it does.

    Collected once per test run: xdist workers share the file (the first to arrive makes it, under a lock).
    """
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    out = shared / "spec-inventory.json"
    with FileLock(str(out) + ".lock"):
        if not out.exists():
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


def _names(expected: str, failed: str) -> bool:
    """Whether a failed test id is the expected spec: ``f[narrow]`` names ``f[cpu-narrow]`` and any ``f[...]`` of ``f``."""
    expected_function, _, expected_params = expected.partition("[")
    failed_function, _, failed_params = failed.partition("[")
    if expected_function != failed_function:
        return False
    return not expected_params or f"-{expected_params.rstrip(']')}-" in f"-{failed_params.rstrip(']')}-"


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


def _skipped_whole(breakage: Breakage | ChangeBreakage, inventory: list[dict]) -> bool:
    """Whether the breakage's spec file collects no spec here: it is skipped whole (its optional package is missing)."""
    return isinstance(breakage, Breakage) and not any(spec["file"] == breakage.spec_file for spec in inventory)


def _why_not_run(
    breakage: Breakage | ChangeBreakage, must_fail: dict[str, list[str]], inventory: list[dict]
) -> str | None:
    if breakage.needs_device and not device_present(breakage.needs_device):
        article = "an" if breakage.needs_device[0] in "aeiou" else "a"
        return f"its specs need {article} {breakage.needs_device} device, and none is present"
    if _skipped_whole(breakage, inventory):
        return f"{breakage.spec_file} collects no spec here: it is skipped whole (an optional package is missing)"
    if not must_fail:
        return f"none of its specs runs under torch {torch_version()}: each is gated to other releases"
    return None


def _batched(kind: type, batches: int, place) -> list[list[str]]:
    """The breakages of one kind in ``batches`` batches: those of one place (a spec file, an area) share a batch, so
    a batch collects only its places' specs and runs each spec's control once; the largest places are dealt first,
    each to the batch with the fewest breakages so far."""
    by_place: dict[str, list[str]] = {}
    for name, breakage in sorted(BREAKAGES.items()):
        if isinstance(breakage, kind):
            by_place.setdefault(place(breakage), []).append(name)
    dealt: list[list[str]] = [[] for _ in range(batches)]
    for _, names in sorted(by_place.items(), key=lambda item: (-len(item[1]), item[0])):
        min(dealt, key=len).extend(names)
    return [sorted(names) for names in dealt]


ORDINARY = _batched(Breakage, ORDINARY_BATCHES, lambda breakage: breakage.spec_file)
CHANGES = _batched(ChangeBreakage, CHANGE_BATCHES, lambda breakage: changes()[breakage.change].area)
BATCH_OF = {
    name: f"{kind}-{index}"
    for kind, batches in (("ordinary", ORDINARY), ("change", CHANGES))
    for index, names in enumerate(batches)
    for name in names
}


@pytest.fixture(scope="session")
def batches(tmp_path_factory, inventory):
    """The outcomes of a batch's run, by breakage: (spec id, failed) pairs. Each batch runs once: a batch that did not
    finish fails each of its tests with the inner run's output, without running again."""
    copy = tmp_path_factory.mktemp("falsify")
    shutil.copytree(SPECS, copy / "specs")
    (copy / "conftest.py").write_text(INNER_CONFTEST, encoding="utf-8")
    (copy / "pytest.ini").write_text(INNER_INI, encoding="utf-8")
    done: dict[str, dict[str, list[tuple[str, bool]]] | str] = {}

    def outcomes_of(group: str) -> dict[str, list[tuple[str, bool]]]:
        if group not in done:
            plan: dict[str, list[str]] = {}
            for name, member_group in BATCH_OF.items():
                must_fail = _must_fail(BREAKAGES[name], inventory)
                if member_group != group or _why_not_run(BREAKAGES[name], must_fail, inventory):
                    continue
                for spec_file, specs in must_fail.items():
                    for function in sorted({spec.split("[")[0] for spec in specs}):
                        plan.setdefault(f"{spec_file}::{function}", []).append(name)
            if not plan:
                done[group] = {}
                return done[group]
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
                    *sorted({spec.split("::")[0] for spec in plan}),
                    "-q",
                    "--tb=no",
                    "--hypothesis-profile=falsify",
                ],
                cwd=copy,
                env=environment,
                capture_output=True,
                text=True,
                check=False,
            )
            if not outcomes_path.exists():
                done[group] = f"the batch {group} did not finish:\n{ran.stdout[-4000:]}{ran.stderr[-3000:]}"
            else:
                by_breakage: dict[str, list[tuple[str, bool]]] = {}
                for outcome in json.loads(outcomes_path.read_text(encoding="utf-8")):
                    by_breakage.setdefault(outcome["breakage"], []).append((outcome["spec"], outcome["failed"]))
                done[group] = by_breakage
        if isinstance(done[group], str):
            pytest.fail(done[group])
        return done[group]

    return outcomes_of


def _assert_breakage_fails(batches, inventory, name: str) -> None:
    breakage = BREAKAGES[name]
    must_fail = _must_fail(breakage, inventory)
    reason = _why_not_run(breakage, must_fail, inventory)
    if reason:
        pytest.skip(reason)
    outcomes = batches(BATCH_OF[name])
    failed = sorted(spec for spec, did_fail in outcomes.get(name, []) if did_fail)
    expected = [spec for specs in must_fail.values() for spec in specs]
    # A spec that skips itself in the unbroken run (an optional package it needs is missing) shows nothing here.
    controls = outcomes.get("", [])
    skipped = [
        spec
        for spec in expected
        if all(did_fail is None for control, did_fail in controls if _names(spec, control))
        and any(_names(spec, control) for control, _ in controls)
    ]
    expected = [spec for spec in expected if spec not in skipped]
    if not expected:
        pytest.skip(f"its specs skip themselves here: {skipped}")
    failing_anyway = sorted(
        control for control, did_fail in outcomes.get("", []) if did_fail and any(_names(s, control) for s in expected)
    )
    assert not failing_anyway, (
        f"{name}: these specs fail unbroken too, so their failure proves nothing: {failing_anyway}"
    )
    missing = [spec for spec in expected if not any(_names(spec, f) for f in failed)]
    assert not missing, f"{name}: these specs passed against broken torch: {missing}; failed were {failed}"


def _ordinary_batch(names: list[str]) -> type:
    class OrdinaryBatch:
        @pytest.mark.parametrize("name", names)
        def test_breakage_makes_its_specs_fail(self, batches, inventory, name):
            """Under each breakage, the specs it names fail (those the installed torch runs)."""
            _assert_breakage_fails(batches, inventory, name)

    return OrdinaryBatch


def _change_batch(names: list[str]) -> type:
    class ChangeBatch:
        @pytest.mark.parametrize("name", names)
        def test_change_breakage_makes_the_installed_side_fail(self, batches, inventory, name):
            """Putting back the other side of a change makes every spec of the side the installed torch runs fail.

            ``nox -s "breakages(torch='X')"`` runs these under each release, so each side is seen failing where it runs.
            """
            _assert_breakage_fails(batches, inventory, name)

    return ChangeBatch


TestOrdinaryBatch0, TestOrdinaryBatch1, TestOrdinaryBatch2 = map(_ordinary_batch, ORDINARY)
(TestChangeBatch,) = map(_change_batch, CHANGES)


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
    """Every spec a breakage names is a collected spec in its file: a renamed spec cannot silently drop its check.
    A spec file skipped whole (its optional package missing) collects nothing; it must still exist."""
    collected = {(spec["file"], spec["function"]) for spec in inventory}
    unknown = [
        f"{name}: {spec}"
        for name, b in BREAKAGES.items()
        if isinstance(b, Breakage) and not (_skipped_whole(b, inventory) and (REPO / b.spec_file).is_file())
        for spec in b.must_fail
        if (b.spec_file, spec.split("[")[0]) not in collected
    ]
    assert unknown == []


def test_a_lingering_breakage_goes_with_its_child_process(project, monkeypatch):
    """A breakage whose undoing leaves torch changed runs in a child process: it still fails its spec, and the process
    running the batch is left as it was, so torch.tensor still reads a list of zero-dim tensors as numbers."""
    assert BREAKAGES["indexing-copies"].lingers
    project.makeconftest(INNER_CONFTEST)
    project.makeini(INNER_INI + "torchspecs_changes = changes.toml\n")
    (project.path / "specs" / "test_spec.py").write_text(
        "import pytest\nimport torch\n\n\n"
        '@pytest.mark.doc("torch.Tensor.view")\ndef test_a_row_is_a_view():\n'
        '    """Indexing a row gives a view."""\n'
        "    t = torch.arange(6).reshape(2, 3)\n    t[0].add_(10)\n    assert t[0, 0] == 10\n",
        encoding="utf-8",
    )
    plan, outcomes = project.path / "plan.json", project.path / "outcomes.json"
    plan.write_text(json.dumps({"specs/test_spec.py::test_a_row_is_a_view": ["indexing-copies"]}), encoding="utf-8")
    monkeypatch.setenv("TORCHSPECS_FALSIFY_PLAN", str(plan))
    monkeypatch.setenv("TORCHSPECS_FALSIFY_OUTCOMES", str(outcomes))
    project.runpytest("-q")
    seen = {outcome["breakage"]: outcome["failed"] for outcome in json.loads(outcomes.read_text(encoding="utf-8"))}
    assert seen == {"": False, "indexing-copies": True}
    numbers = torch.tensor([torch.tensor(1.5), torch.tensor(-2.0)])
    assert numbers.tolist() == [1.5, -2.0]


def test_a_breakage_that_leaves_torch_changed_stops_the_batch(project, monkeypatch):
    """A breakage that leaves torch changed after it is undone stops its batch with the reason, and writes no
    outcomes, instead of failing the specs after it for its own reason."""
    monkeypatch.setattr(torch, "tensor", torch.tensor)  # puts torch.tensor back when this test ends
    # The inner conftest adds its breakage to the registry this process shares; it goes when this test ends.
    monkeypatch.setitem(BREAKAGES, "tensor-set-directly", None)
    unmarked = (
        "from breakages import core\n\n"
        "def _refuse(*args, **kwargs):\n    raise RuntimeError('broken: torch.tensor')\n\n"
        "BREAKAGES['tensor-set-directly'] = core.Breakage(\n"
        "    lambda monkeypatch: setattr(torch, 'tensor', _refuse), 'specs/test_spec.py', ('test_a_sum',)\n"
        ")\n"
    )
    project.makeconftest(INNER_CONFTEST + unmarked)
    project.makeini(INNER_INI + "torchspecs_changes = changes.toml\n")
    (project.path / "specs" / "test_spec.py").write_text(
        'import pytest\nimport torch\n\n\n@pytest.mark.doc("torch.sum")\ndef test_a_sum():\n'
        '    """A sum adds."""\n    assert torch.tensor([1, 2]).sum() == 3\n',
        encoding="utf-8",
    )
    plan = project.path / "plan.json"
    plan.write_text(json.dumps({"specs/test_spec.py::test_a_sum": ["tensor-set-directly"]}), encoding="utf-8")
    monkeypatch.setenv("TORCHSPECS_FALSIFY_PLAN", str(plan))
    monkeypatch.setenv("TORCHSPECS_FALSIFY_OUTCOMES", str(project.path / "outcomes.json"))
    result = project.runpytest("-q")
    assert result.ret == 3
    result.stdout.fnmatch_lines(["*tensor-set-directly leaves torch changed after it is undone*"])
    assert not (project.path / "outcomes.json").exists()


def test_replacing_a_sequence_method_of_tensor_marks_a_breakage_as_lingering():
    """Only a sequence method that torch.Tensor inherits from C lingers, and a combined breakage lingers with any part."""
    getitem = core.method("__getitem__", core.copying)
    add = core.method("add", core.copying)
    assert core.lingers(getitem)
    assert not core.lingers(add)
    assert not core.lingers(core.method("__len__", core.copying)), "__len__ is torch.Tensor's own: undoing restores it"
    assert core.lingers(core.setting(torch.Tensor, "__setitem__", None)), "however the method is replaced"
    assert core.lingers(core.module_method("__getitem__", core.copying, owner=torch.Tensor))
    assert not core.lingers(core.module_method("__getitem__", core.copying, owner=torch.nn.ModuleList))
    assert core.lingers(core.combined(add, getitem))
    assert not core.lingers(core.combined(add, add))
