"""The wheel on its own: built from the repository and installed into a fresh venv beside the same torch, it runs the
specs it carries and diffs releases from the records it carries, with no clone in sight."""

import contextlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PIP_TO_UV = {
    "PIP_INDEX_URL": "UV_INDEX_URL",
    "PIP_EXTRA_INDEX_URL": "UV_EXTRA_INDEX_URL",
    "PIP_FIND_LINKS": "UV_FIND_LINKS",
    "PIP_CERT": "SSL_CERT_FILE",
}

needs_uv = pytest.mark.skipif(shutil.which("uv", path=os.path.dirname(sys.executable)) is None, reason="needs uv")


@needs_uv
def cli_diff(*versions: str) -> str:
    """What the checkout's own `torchspecs diff` prints: the wheel's must be the same."""
    from torchspecs import cli

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        cli.main(["diff", *versions])
    return buffer.getvalue()


def test_the_wheel_alone_specifies_the_installed_torch_and_diffs_releases(tmp_path):
    """Built from the repository and installed into a fresh venv beside the same torch, with no clone in sight."""
    import torch

    uv = shutil.which("uv", path=os.path.dirname(sys.executable))
    env = {**os.environ, "VIRTUAL_ENV": ""}
    for pip_name, uv_name in PIP_TO_UV.items():  # the package sources pip is configured with, as nox passes them
        if pip_name in os.environ:
            env.setdefault(uv_name, os.environ[pip_name])
    env = {name: value for name, value in env.items() if value}

    def check(*command: str, cwd: Path = tmp_path) -> str:
        result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        return result.stdout

    check(uv, "build", "--wheel", "--out-dir", str(tmp_path / "dist"), str(REPO), cwd=REPO)
    [wheel] = (tmp_path / "dist").glob("torchspecs-*.whl")
    venv = tmp_path / "venv"
    check(uv, "venv", "--python", sys.executable, str(venv))
    check(uv, "pip", "install", "--python", str(venv / "bin" / "python"), str(wheel), f"torch=={torch.__version__}")
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    torchspecs = str(venv / "bin" / "torchspecs")
    out = check(torchspecs, "run", "-k", "aliasing", "-p", "no:randomly", "-n0", cwd=workdir)
    assert f"torch {torch.__version__} on cpu:" in out
    assert str(REPO) not in out, "the run must use the wheel's specs, not the repository's"
    assert list((workdir / "torchspecs-records").glob("torch-*.json"))
    assert check(torchspecs, "diff", "2.5", "2.8", cwd=workdir) == cli_diff("2.5", "2.8")
