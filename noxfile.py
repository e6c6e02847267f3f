"""The version matrix: run the specs under chosen torch versions, keep a result record per run, build the reports.

    nox -s "specs(torch='2.13.0')"                         one torch version
    nox -s "specs(torch='2.0.1')" "specs(torch='2.6.0')"   several
    nox -s specs                                           every version in TORCH_VERSIONS (nox -l lists them)
    nox -s "benchmarks(torch='2.6.0')"                     time the benchmarks, saved in reports/benchmarks/runs
    nox -s benchmark_trends                                reports/benchmarks/trends.md and charts from those runs
    nox -s "breakages(torch='2.6.0')"                      each change's breakage under that torch: its side must fail
    nox -s report                                          reports/ from every record and API survey
    nox -s tests                                           the project's own tests, and reports/coverage.md

Each specs session has an environment of its own, with numpy<2 for torch
older than 2.3.  Arguments after ``--`` go to pytest in place of the default
``-n auto``: ``nox -s "specs(torch='2.6.0')" -- --device=cuda``.

The environments are made by uv when it is installed (``pip install uv``, or
the dev extra), else by virtualenv and pip.  uv is given the package sources
pip is configured with in the environment (PIP_INDEX_URL,
PIP_EXTRA_INDEX_URL, PIP_FIND_LINKS, PIP_CERT), so a machine whose pip finds
a local torch wheel gets the same wheel through uv.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import nox
from packaging.version import Version

# The newest patch of every minor release on PyPI from 2.0 on.
TORCH_VERSIONS = [
    "2.0.1",
    "2.1.2",
    "2.2.2",
    "2.3.1",
    "2.4.1",
    "2.5.1",
    "2.6.0",
    "2.7.1",
    "2.8.0",
    "2.9.1",
    "2.10.0",
    "2.11.0",
    "2.12.1",
    "2.13.0",
    "2.14.1",
    "2.15.0",
]
REPORT_TORCH = "2.13.0"
RECORDS = Path("reports/records")
BENCHMARK_RUNS = Path("reports/benchmarks/runs")
RAW = RECORDS / "junit"
SURVEYS = Path("reports/surface")

nox.needs_version = ">=2024.3.2"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests"]

for pip_name, uv_name in (
    ("PIP_INDEX_URL", "UV_INDEX_URL"),
    ("PIP_EXTRA_INDEX_URL", "UV_EXTRA_INDEX_URL"),
    ("PIP_FIND_LINKS", "UV_FIND_LINKS"),
    ("PIP_CERT", "SSL_CERT_FILE"),
):
    if pip_name in os.environ:
        os.environ.setdefault(uv_name, os.environ[pip_name])


def numpy_for(torch_version: str) -> str:
    """torch before 2.3 was built against numpy 1 and cannot load numpy 2."""
    return "numpy<2" if Version(torch_version) < Version("2.3") else "numpy"


def companions_for(torch_version: str) -> list[str]:
    """What that torch needs beside it: the numpy it can load, and before 2.2 the pkg_resources that
    torch.utils.benchmark imports (through torch.utils.cpp_extension), which setuptools 81 no longer has."""
    return [numpy_for(torch_version), *(["setuptools<81"] if Version(torch_version) < Version("2.2") else [])]


def install_suite(session: nox.Session, torch: str, extras: str = "") -> None:
    """That torch, with what it needs beside it, then the suite itself (editable) with its extras."""
    session.install(f"torch=={torch}", *companions_for(torch))
    session.install("-e", f".[{extras}]" if extras else ".")


@nox.session
@nox.parametrize("torch", TORCH_VERSIONS)
def specs(session: nox.Session, torch: str) -> None:
    """Run the spec suite under one torch version and write its result record and its API survey; fail if a spec
    failed."""
    install_suite(session, torch, "parallel")
    session.run("python", "-m", "torchspecs.survey", "--out", str(SURVEYS / f"torch-{torch}.json"))
    RAW.mkdir(parents=True, exist_ok=True)
    junit = RAW / f"torch-{torch}.xml"
    pytest_args = session.posargs or ["-n", "auto"]
    session.run("pytest", "specs", "-p", "no:randomly", f"--junitxml={junit}", *pytest_args, success_codes=[0, 1])
    output = session.run(
        "python", "-m", "torchspecs.report", "record", str(junit), "--out-dir", str(RECORDS), silent=True
    )
    if output is None:  # --install-only
        return
    record_path = Path(output.strip().splitlines()[-1])
    session.log(f"record: {record_path}")
    results = json.loads(record_path.read_text())["results"]
    failed = [result["id"] for result in results if result["status"] in ("failed", "error")]
    if failed:
        session.error(f"{len(failed)} spec(s) failed under torch {torch} (the record is written): {', '.join(failed)}")


@nox.session
@nox.parametrize("torch", TORCH_VERSIONS)
def benchmarks(session: nox.Session, torch: str) -> None:
    """Time the benchmarks under one torch version, saved as torch-VERSION in reports/benchmarks/runs (a folder per
    machine) for pytest-benchmark compare and the trend report.

    Arguments after -- replace that: ``-- --benchmark-disable`` runs each benchmark once as a smoke test.
    """
    install_suite(session, torch, "bench")
    saved = ["--benchmark-only", f"--benchmark-storage=file://{BENCHMARK_RUNS}", f"--benchmark-save=torch-{torch}"]
    session.run("pytest", "benchmarks", "-p", "no:randomly", *(session.posargs or saved))


@nox.session
def benchmark_trends(session: nox.Session) -> None:
    """The benchmark trend report across releases (reports/benchmarks/trends.md and a chart per comparison)."""
    install_suite(session, REPORT_TORCH, "bench")
    runs = sorted(str(path) for path in BENCHMARK_RUNS.glob("*/*.json"))
    if not runs:
        session.error(f"no saved runs in {BENCHMARK_RUNS}: run a benchmarks session first")
    session.run("python", "-m", "torchspecs.trends", *runs, "--out-dir", str(BENCHMARK_RUNS.parent))


@nox.session
@nox.parametrize("torch", TORCH_VERSIONS)
def breakages(session: nox.Session, torch: str) -> None:
    """Under one torch version, put back the other side of each registered change: its specs on this side must fail."""
    install_suite(session, torch, "dev")
    session.run(
        "pytest",
        "tests/test_falsifiability.py",
        "-k",
        "change_breakage or every_registered_change",
        *(session.posargs or ["-n", "auto"]),
    )


@nox.session
def report(session: nox.Session) -> None:
    """Build the version matrix, the changes by release, the claims ledger, the API report and the API surface."""
    install_suite(session, REPORT_TORCH)
    records = sorted(str(path) for path in RECORDS.glob("*.json"))
    if not records:
        session.error(f"no records in {RECORDS}: run a specs session first")
    surveys = sorted(str(path) for path in SURVEYS.glob("torch-*.json"))
    session.run("python", "-m", "torchspecs.report", "build", *records, "--out-dir", "reports", "--surveys", *surveys)


@nox.session
def tests(session: nox.Session) -> None:
    """The project's own tests, as the README's second command runs them; the support package's coverage goes to
    reports/coverage.md."""
    install_suite(session, REPORT_TORCH, "dev")
    session.run("pytest", "tests", "--cov", *session.posargs)
    table = session.run("coverage", "report", "--format=markdown", "--no-skip-covered", silent=True)
    if table is not None:  # None under --install-only
        Path("reports/coverage.md").write_text(
            f"# Coverage of the support package\n\nFrom `nox -s tests` with torch {REPORT_TORCH}.\n\n{table}",
            encoding="utf-8",
        )
