"""The README's two commands are the ones CI runs."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _setup_commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)\n```", readme, flags=re.DOTALL)
    return [block for block in blocks if block.startswith("python3 -m venv")]


def test_readme_has_exactly_two_setup_commands():
    commands = _setup_commands()
    assert len(commands) == 2, commands
    assert commands[0].endswith(".venv/bin/pytest"), "the first command runs the spec suite"


def test_ci_runs_the_readme_test_command():
    ci_script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert _setup_commands()[1] in ci_script
