"""The report generator: golden JUnit inputs give the expected records, matrix, changes and ledger; bad input stops it.

The inputs are three runs in tests/test_report/: torch 2.0.1 on a CPU machine, and torch 2.13.0 on a CPU machine and
on a CUDA machine.  Between them they hold every status, a version-gated pair, a spec run on CPU and CUDA, a column
two runs land in (one passes where the other fails), and a spec one run did not collect.  The expected outputs sit
beside them; after a deliberate change, `pytest tests/test_report.py --force-regen` rewrites them for review.
"""

import importlib.util
import json
import shutil
import subprocess
import sys

import pytest
import torch

from torchspecs import report

INPUTS = ("junit-2.0.1-cpu.xml", "junit-2.13.0-cpu.xml", "junit-2.13.0-cuda.xml")
RUN = {name: "" for name in report.RUN_FIELDS} | {
    "torch": "2.6.0",
    "devices_present": ["cpu"],
    "devices_selected": ["cpu"],
}
RESULT = {name: "" for name in report.RESULT_FIELDS}


@pytest.fixture
def records(datadir, tmp_path):
    """The three golden runs turned into records by the command line, as CI and nox do it."""
    paths = []
    for name in INPUTS:
        assert report.main(["record", str(datadir / name), "--out-dir", str(tmp_path / "records")]) == 0
    paths = sorted((tmp_path / "records").glob("*.json"))
    assert [path.name for path in paths] == [
        "torch-2.0.1-cpu-py3.10.json",
        "torch-2.13.0-cpu+cuda-py3.11.json",
        "torch-2.13.0-cpu-py3.11.json",
    ]
    return paths


SURVEYS = ("survey-2.3.1.json", "survey-2.1.2.json", "survey-2.2.2.json")


@pytest.fixture
def built(records, tmp_path, datadir):
    """The reports built from the golden records, surveys, change registry and surface triage."""
    out = tmp_path / "reports"
    report.build(
        records,
        out,
        spec_root=datadir,
        surveys=[datadir / name for name in SURVEYS],
        changes_path=datadir / "changes.toml",
        triage_path=datadir / "surface_triage.toml",
    )
    return out


@pytest.mark.parametrize("name", ["matrix.md", "changes.md", "claims.md", "matrix.html", "surface.md"])
def test_reports_match_their_golden_files(built, file_regression, name):
    stem, extension = name.split(".")
    file_regression.check((built / name).read_text(encoding="utf-8"), basename=stem, extension=f".{extension}")


def test_a_record_holds_the_run_and_each_specs_metadata_and_outcome(records, file_regression):
    file_regression.check(records[0].read_text(encoding="utf-8"), basename="record-2.0.1", extension=".json")


def test_a_record_drops_tests_that_are_not_specs(records):
    ids = [result["id"] for result in report.load_record(records[0])["results"]]
    assert not [spec_id for spec_id in ids if not spec_id.startswith("specs/")]


def test_a_spec_skipped_by_its_version_gate_is_the_other_side_not_a_skip(records):
    statuses = {result["case"]: result["status"] for result in report.load_record(records[2])["results"]}
    assert statuses["test_verbose_prints"] == "other-side"
    assert statuses["test_global_before_local"] == "passed"


def test_runs_in_one_column_merge_with_a_failure_winning(records):
    columns, rows = report.build_rows([report.load_record(path) for path in records])
    assert [str(column) for column in columns] == ["2.0.1 cpu", "2.13.0 cpu", "2.13.0 cuda"]
    merged = report.cell(rows[("tensors/test_creation", "test_from_numpy_keeps_dtype[bool]")], columns[1])
    assert merged.kind == "fail"
    assert "Python 3.11.7, cpu+cuda: passed" in merged.detail
    assert "Python 3.11.7, cpu: failed (AssertionError: dtype: expected torch.bool, saw torch.uint8)" in merged.detail


def test_only_version_differences_count_as_changes(records):
    columns, rows = report.build_rows([report.load_record(path) for path in records])
    view = rows[("aliasing/test_view_ops", "test_view_shares_storage[expand]")]
    pinned = rows[("data/test_pinned_memory", "test_pin_memory_raises")]
    gated = rows[("training/test_lr_schedulers", "test_verbose_warns")]
    assert not report.differs_between_versions(view, columns), "pass on cpu and on cuda is no change"
    assert not report.differs_between_versions(pinned, columns), "a skip on one of two merged runs is no change"
    assert report.differs_between_versions(gated, columns)


# Bad input: a clear error, exit status 2, and nothing saved earlier overwritten


def _saved_earlier(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("saved earlier", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a readable JSON record"),
        ('{"benchmarks": []}', "not a torchspecs result record (format 3)"),
        ('{"format": 1, "run": {}, "specs": []}', "not a torchspecs result record (format 3)"),
        ('{"format": 3, "run": [], "results": []}', "needs a run object and a list of results"),
        (json.dumps({"format": 3, "run": {**RUN, "torch": "two"}, "results": []}), "'two' is not a version"),
        (json.dumps({"format": 3, "run": {"torch": "2.6.0"}, "results": []}), "without torch_build, cuda, numpy"),
        (json.dumps({"format": 3, "run": RUN, "results": [{"status": "passed"}]}), "without results[].case"),
        (json.dumps({"format": 3, "run": RUN, "results": [{**RESULT, "status": "fine"}]}), "unknown status fine"),
    ],
)
def test_build_refuses_a_broken_record_before_writing_anything(records, tmp_path, capsys, datadir, content, message):
    broken = tmp_path / "broken.json"
    broken.write_text(content, encoding="utf-8")
    earlier = _saved_earlier(tmp_path / "out" / "matrix.md")
    arguments = ["build", *map(str, records), str(broken), "--out-dir", str(earlier.parent), "--specs", str(datadir)]
    assert report.main(arguments) == 2
    assert message in capsys.readouterr().err
    assert earlier.read_text() == "saved earlier"


def test_build_refuses_a_missing_spec_folder(records, tmp_path, capsys):
    assert report.main(["build", str(records[0]), "--out-dir", str(tmp_path), "--specs", str(tmp_path / "nope")]) == 2
    assert "no such spec folder" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("<not xml", "not a readable JUnit XML file"),
        ("<testsuites/>", "no torchspecs-run property"),
        ("<testsuites><properties><property name='torchspecs-run' value='{' /></properties></testsuites>", "not JSON"),
        (
            "<testsuites><properties><property name='torchspecs-run' value='{}' /></properties></testsuites>",
            "no spec results in it",
        ),
    ],
)
def test_record_refuses_bad_junit_and_keeps_the_old_record(tmp_path, capsys, content, message):
    junit = tmp_path / "results.xml"
    junit.write_text(content, encoding="utf-8")
    earlier = _saved_earlier(tmp_path / "record.json")
    assert report.main(["record", str(junit), "--out", str(earlier)]) == 2
    assert message in capsys.readouterr().err
    assert earlier.read_text() == "saved earlier"


def test_the_command_line_needs_a_destination_and_exits_2_without_one(datadir):
    result = subprocess.run(
        [sys.executable, "-m", "torchspecs.report", "record", str(datadir / INPUTS[0])],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "one of the arguments --out --out-dir is required" in result.stderr


# The raw record: what the plugin writes into the JUnit XML of a real run


def test_a_real_run_under_xdist_gives_a_record_with_the_run_and_device_rows(project, tmp_path):
    (project.path / "specs" / "test_example.py").write_text(
        "import pytest, torch\n\n"
        "@pytest.mark.doc('torch.zeros')\n"
        "@pytest.mark.parametrize('dtype', [torch.float32, torch.int64])\n"
        "def test_zeros(device, dtype):\n"
        "    '''zeros is all zeros.'''\n"
        "    assert not torch.zeros(2, device=device, dtype=dtype).any()\n"
    )
    junit = tmp_path / "results.xml"
    assert project.runpytest_subprocess("-n", "1", "--device=cpu", f"--junitxml={junit}").ret == 0
    record = report.record_from_junit(junit)
    assert record["run"]["torch"] == torch.__version__
    assert record["run"]["devices_selected"] == ["cpu"]
    assert record["run"]["date"]
    cases = sorted((result["case"], result["device"], result["status"]) for result in record["results"])
    assert cases == [
        ("test_zeros[float32]", "cpu", "passed"),
        ("test_zeros[int64]", "cpu", "passed"),
    ]
    assert json.loads(json.dumps(record)) == record


@pytest.mark.parametrize(
    ("option", "content", "message"),
    [
        ("--changes", "[changes.bad-change]\nkind = 'changed'\n", "kind 'changed' is not one of"),
        ("--changes", "[changes\n", "not a readable TOML file"),
        (
            "--triage",
            "[[triage]]\nrelease = '2.2'\napis = ['x']\nwhat = 'gone'\nreason = 'r'\n",
            "is not one of removed",
        ),
    ],
)
def test_build_refuses_a_malformed_registry_or_triage_before_writing_anything(
    records, tmp_path, capsys, datadir, option, content, message
):
    broken = tmp_path / "broken.toml"
    broken.write_text(content, encoding="utf-8")
    earlier = _saved_earlier(tmp_path / "out" / "changes.md")
    surveys = [str(datadir / name) for name in SURVEYS]
    arguments = ["build", *map(str, records), "--out-dir", str(earlier.parent), "--specs", str(datadir)]
    assert report.main([*arguments, option, str(broken), "--surveys", *surveys]) == 2
    assert message in capsys.readouterr().err
    assert earlier.read_text() == "saved earlier"


CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
needs_browser = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None or importlib.util.find_spec("selenium") is None,
    reason="needs Debian's chromium and chromium-driver and the selenium package: run `.ci/install-browser`",
)


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@needs_browser
def test_the_html_matrix_opens_in_a_browser_and_its_switch_shows_only_the_changed_rows(built, browser, tmp_path):
    from selenium.webdriver.common.by import By

    browser.get((built / "matrix.html").as_uri())
    assert browser.title == "torchspecs: results by torch version"
    before = browser.get_screenshot_as_png()
    (tmp_path / "matrix.png").write_bytes(before)
    assert before.startswith(b"\x89PNG\r\n\x1a\n")

    def shown(css: str) -> list[bool]:
        return [row.is_displayed() for row in browser.find_elements(By.CSS_SELECTOR, css)]

    switch = browser.find_element(By.ID, "changes-only")
    changed = int(switch.find_element(By.XPATH, "..").text.split("show only the ")[1].split()[0])
    assert (shown("tr.same"), shown("tr.changed")) == ([True] * 3, [True] * changed)
    switch.click()
    assert (shown("tr.same"), shown("tr.changed")) == ([False] * 3, [True] * changed)
    assert browser.get_screenshot_as_png() != before
    switch.click()
    assert shown("tr.same") == [True] * 3
