"""The version-matrix runner: the torch versions it offers, the numpy each gets, how nox refuses a version, and the
CI matrix asking only for versions it offers."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from packaging.version import Version

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def noxfile():
    pytest.importorskip("nox", reason="nox is not installed (pip install -e '.[dev]')")
    spec = importlib.util.spec_from_file_location("noxfile", REPO / "noxfile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_versions_run_from_2_0_in_order_and_include_the_report_torch(noxfile):
    versions = [Version(version) for version in noxfile.TORCH_VERSIONS]
    assert versions == sorted(set(versions))
    assert versions[0] == Version("2.0.1")
    assert {(version.major, version.minor) for version in versions} >= {(2, minor) for minor in range(16)}
    assert noxfile.REPORT_TORCH in noxfile.TORCH_VERSIONS


@pytest.mark.parametrize(
    ("torch", "numpy"), [("2.0.1", "numpy<2"), ("2.2.2", "numpy<2"), ("2.3.1", "numpy"), ("2.13.0", "numpy")]
)
def test_torch_before_2_3_gets_numpy_1(noxfile, torch, numpy):
    assert noxfile.numpy_for(torch) == numpy


@pytest.mark.parametrize(
    ("torch", "setuptools"), [("2.0.1", True), ("2.1.2", True), ("2.2.2", False), ("2.13.0", False)]
)
def test_torch_before_2_2_gets_the_pkg_resources_its_benchmark_timer_imports(noxfile, torch, setuptools):
    assert ("setuptools<81" in noxfile.companions_for(torch)) == setuptools


def _nox(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nox", *arguments], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )


def test_nox_lists_a_session_per_version_and_refuses_an_unknown_one(noxfile):
    listed = _nox("-l")
    assert "specs(torch='2.0.1')" in listed.stdout
    unknown = _nox("-s", "specs(torch='9.9.9')")
    assert unknown.returncode != 0
    assert "Sessions not found: specs(torch='9.9.9')" in unknown.stderr


def _matrix_torch_versions(job: dict) -> list[str]:
    matrix = job.get("strategy", {}).get("matrix", {})
    return [*matrix.get("torch", []), *(entry["torch"] for entry in matrix.get("include", []) if "torch" in entry)]


def test_the_ci_matrix_asks_only_for_torch_versions_nox_offers(noxfile):
    jobs = yaml.safe_load((REPO / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))["jobs"]
    asked = {name: _matrix_torch_versions(job) for name, job in jobs.items() if _matrix_torch_versions(job)}
    assert set(asked) == {"cpu", "cuda"}
    assert not set().union(*asked.values()) - set(noxfile.TORCH_VERSIONS)
