"""The code base passes the linter and formatter configured in pyproject.toml."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff(command):
    # Through this interpreter, so the ruff of the project's environment runs whether or not it is on PATH.
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command, str(REPO)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
