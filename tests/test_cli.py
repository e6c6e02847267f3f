"""The torchspecs command: run summarises a spec run and writes its record, diff reads the committed records and the
change registry offline, report builds the reports; bad input is a usage error. The wheel carries all it needs."""

import configparser
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from torchspecs import cli
from torchspecs.changes import tomllib
from torchspecs.locations import PACKAGE, LocationError, Locations, locations

REPO = Path(__file__).resolve().parent.parent
KNOWN = "known releases: 2.0 (2.0.1), 2.1 (2.1.2), 2.2 (2.2.2)"


def diff(capsys, *versions: str) -> tuple[int, str, str]:
    status = cli.main(["diff", *versions])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _changes_between(older: str, newer: str) -> int:
    """How many registered changes begin or end after ``older`` up to ``newer``, counted from the registry itself."""
    from torchspecs.changes import changes
    from torchspecs.versions import parse_version

    low, high = parse_version(older), parse_version(newer)
    return sum(
        any(edge and low < parse_version(edge) <= high for edge in (change.since, change.until))
        for change in changes().values()
    )


def test_diff_gives_each_change_between_two_releases_with_its_rule_at_either_end(capsys):
    status, out, _ = diff(capsys, "2.5", "2.8")
    assert status == 0
    count = _changes_between("2.5", "2.8")
    assert out.startswith(f"torch 2.5 -> 2.8: {count} behaviour change(s) (records of 2.5.1 and 2.8.0")
    change = out[out.index("2.6  load-weights-only-default  [serialization; default-changed]") :]
    assert change.index("in 2.5: torch.load defaults to weights_only=False") < change.index(
        "in 2.8: torch.load defaults to weights_only=True"
    )
    assert "evidence: https://github.com/pytorch/pytorch/pull/137602" in change
    assert (
        "spec after: specs/serialization/test_whole_module.py::test_load_refuses_a_pickled_module_by_default "
        "(other-side on 2.5.1, passed on 2.8.0)" in change
    )


def test_diff_leaves_out_the_changes_at_or_before_the_older_release_and_after_the_newer(capsys):
    _, out, _ = diff(capsys, "2.5", "2.8")
    assert "safe-globals-context-manager" not in out  # 2.5
    assert "muon-optimizer" not in out  # 2.9
    assert "2.4, taken back in 2.6  load-weights-only-default-warning" in out  # taken back in between


def test_diff_ends_with_the_api_surface_of_each_release_between(capsys):
    _, out, _ = diff(capsys, "2.5", "2.8")
    surface = out[out.index("API surface of the covered namespaces, 2.5 -> 2.8:") :]
    assert [line.split(" (")[0].strip() for line in surface.splitlines() if line.startswith("  2.")] == [
        "2.6",
        "2.7",
        "2.8",
    ]
    assert "removed   torch.optim.lr_scheduler.LRScheduler.print_lr: change scheduler-verbose-removed" in surface


def test_diff_takes_a_minor_release_or_its_recorded_patch_and_either_order(capsys):
    _, by_minor, _ = diff(capsys, "2.5", "2.8")
    _, by_patch, _ = diff(capsys, "2.5.1", "2.8.0")
    _, backwards, _ = diff(capsys, "2.8", "2.5")
    assert by_minor == by_patch
    assert backwards.startswith(f"torch 2.8 -> 2.5: {_changes_between('2.5', '2.8')} behaviour change(s)")
    change = backwards[backwards.index("2.6  load-weights-only-default  ") :]
    assert change.index("in 2.8: torch.load defaults to weights_only=True") < change.index("in 2.5:")


@pytest.mark.parametrize(
    ("version", "error"),
    [
        ("banana", "'banana' is not a version"),
        ("2.5.0", "no record of torch 2.5.0 (give 2.5 for that minor release)"),
        ("2.99", "no record of torch 2.99;"),
    ],
)
def test_an_unknown_version_is_a_usage_error_that_lists_the_known_ones(capsys, version, error):
    status, out, err = diff(capsys, version, "2.8")
    assert (status, out) == (2, "")
    assert error in err
    assert KNOWN in err


def test_diff_needs_two_versions(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["diff", "2.5"])
    assert exit_info.value.code == 2
    assert "the following arguments are required: new" in capsys.readouterr().err


def test_diff_neither_imports_torch_nor_needs_the_network():
    code = (
        "import sys; from torchspecs.cli import main; main(['diff', '2.0', '2.15']); assert 'torch' not in sys.modules"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


RUN = {"torch": "2.13.0+cpu", "devices_selected": ["cpu"]}


def _result(status: str, message: str = "", rule: str = "A rule.", spec: str = "specs/a.py::test_a") -> dict:
    return {"id": spec, "rule": rule, "status": status, "message": message}


def test_the_run_summary_counts_statuses_groups_skips_by_reason_and_states_the_failing_rules():
    record = {
        "run": RUN,
        "results": [
            _result("passed"),
            _result("passed"),
            _result("other-side", "asserts the behaviour before 2.6 (change x)"),
            _result("skipped", "needs a cuda device: not present"),
            _result("skipped", "needs a cuda device: not present"),
            _result("skipped", "needs torchvision"),
            _result("failed", rule="view shares storage.", spec="specs/b.py::test_view"),
        ],
    }
    assert cli.summary(record, Path("records/r.json")) == [
        "torch 2.13.0+cpu on cpu: 2 passed, 1 failed, 1 other side, 3 skipped",
        "skipped, by reason:",
        "     2  needs a cuda device: not present",
        "     1  needs torchvision",
        "rules the installed torch does not follow:",
        "  specs/b.py::test_view",
        "      view shares storage.",
        "record: records/r.json",
    ]


def test_run_writes_the_record_summarises_and_exits_as_pytest_did(project, tmp_path, capsys):
    project.makepyfile(
        **{
            "specs/test_rules": '''
import pytest

@pytest.mark.doc("torch.add")
def test_adding_zero_keeps_the_value():
    """Adding zero keeps the value."""

@pytest.mark.doc("torch.mul")
def test_doubling_is_wrong_here():
    """Doubling a one gives two."""
    assert 1 * 2 == 3
'''
        }
    )
    where = Locations(project.path, project.path / "specs", tmp_path, tmp_path)
    status = cli.run(["-p", "no:randomly", "-q"], tmp_path / "records", where)
    out = capsys.readouterr().out
    assert status == 1
    assert "2 passed" not in out
    assert "1 passed, 1 failed" in out
    assert "rules the installed torch does not follow:\n  specs/test_rules.py::test_doubling_is_wrong_here\n" in out
    assert "      Doubling a one gives two." in out
    [record] = (tmp_path / "records").glob("torch-*.json")
    assert f"record: {record}" in out


def test_run_writes_no_record_when_pytest_ran_nothing(tmp_path, capsys, monkeypatch):
    """A pytest that stops before running anything (here a usage error, exit 4) leaves no JUnit file: no record."""
    ran = []
    monkeypatch.setattr(
        cli.subprocess, "run", lambda command, check: ran.append(command) or SimpleNamespace(returncode=4)
    )
    where = Locations(tmp_path, tmp_path / "specs", tmp_path, tmp_path)
    assert cli.run(["--no-such-option"], tmp_path / "records", where) == 4
    assert ran[0][-1] == "--no-such-option"
    assert "no record written" in capsys.readouterr().err
    assert not (tmp_path / "records").exists()


def test_report_builds_from_the_records_it_is_given_and_refuses_a_broken_one(tmp_path, capsys):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert cli.main(["report", str(broken), "--out-dir", str(tmp_path / "out")]) == 2
    assert "broken.json: not a readable JSON record" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    records = sorted((REPO / "reports" / "records").glob("torch-2.1[34]*.json"))
    surveys = sorted((REPO / "reports" / "surface").glob("torch-2.1[34]*.json"))
    arguments = ["report", *map(str, records), "--surveys", *map(str, surveys), "--out-dir", str(tmp_path / "out")]
    assert cli.main(arguments) == 0
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [
        "api.md",
        "changes.md",
        "claims.md",
        "matrix.html",
        "matrix.md",
        "surface.md",
    ]
    assert "| [2.14](#214) | 2.13.0 | 2.14.1 |" in (tmp_path / "out" / "surface.md").read_text()


def test_a_checkout_uses_its_own_folders_and_configuration():
    where = locations()
    assert where == Locations(REPO, REPO / "specs", REPO / "reports" / "records", REPO / "reports" / "surface")
    assert where.pytest_args == ["--rootdir", str(REPO), str(REPO / "specs")]


def test_an_installed_package_uses_the_copies_it_carries(tmp_path):
    (tmp_path / "torchspecs" / "specs").mkdir(parents=True)
    where = locations(tmp_path / "torchspecs")
    assert where.checkout is None
    assert where.records == tmp_path / "torchspecs" / "records"
    assert where.pytest_args[:2] == ["-c", str(PACKAGE / "specs.ini")]


def test_without_specs_anywhere_the_error_says_so(tmp_path):
    (tmp_path / "torchspecs").mkdir()
    with pytest.raises(LocationError, match="no specs found"):
        locations(tmp_path / "torchspecs")


def test_the_bundled_pytest_configuration_is_the_repositorys():
    ini = configparser.ConfigParser()
    ini.read(PACKAGE / "specs.ini")
    bundled = ini["pytest"]
    repository = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert set(repository["addopts"]) <= set(bundled["addopts"].split())
    assert bundled["minversion"] == repository["minversion"]
    assert bundled.getboolean("xfail_strict") == repository["xfail_strict"]
    assert bundled["torchspecs_spec_paths"].split() == repository["torchspecs_spec_paths"]
