"""The usage counter: calls resolved through imports, methods matched by name, non-tensor receivers left out; a
corpus that cannot be read stops it before anything is written. And the committed ranked list it feeds api.md."""

import json
import subprocess
import zipfile

import pytest
import torch

from torchspecs import usage
from torchspecs.api import TOP, UsageError, load_usage

TRAINING_SCRIPT = """
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader

model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in DataLoader(dataset, batch_size=8):
    loss = F.cross_entropy(model(x.view(8, 4)), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
with torch.no_grad():
    total = torch.cat([x, x]).sum()
print(", ".join(["a", "b"]), np.zeros(3).sum(), x.shape)
"""


def _count(tmp_path, *arguments: str) -> dict[str, int]:
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "train.py").write_text(TRAINING_SCRIPT)
    out = tmp_path / "ranked.csv"
    assert (
        usage.main(["--tree", str(tmp_path / "tree"), "--no-manifest", "--out", str(out), "--quiet", *arguments]) == 0
    )
    return {entry.api: entry.calls for entry in load_usage(out)}


def test_calls_are_resolved_through_the_files_imports(tmp_path):
    counts = _count(tmp_path)
    resolved = ("nn.Linear", "nn.functional.cross_entropy", "utils.data.DataLoader", "optim.SGD", "no_grad", "cat")
    assert {name: counts[f"torch.{name}"] for name in resolved} == dict(zip(resolved, (2, 1, 1, 1, 1, 1), strict=True))


def test_methods_and_attributes_are_matched_by_name(tmp_path):
    counts = _count(tmp_path)
    matched = ("Tensor.view", "Tensor.backward", "Tensor.shape", "optim.Optimizer.step", "nn.Module.parameters")
    assert {name: counts[f"torch.{name}"] for name in matched} == dict.fromkeys(matched, 1)


def test_a_numpy_or_string_receiver_is_not_a_tensor(tmp_path):
    counts = _count(tmp_path)
    assert counts["torch.Tensor.sum"] == 1, "torch.cat(...).sum() counts, np.zeros(3).sum() does not"
    assert "torch.Tensor.join" not in counts


def test_a_missing_source_stops_the_count_before_anything_is_written(tmp_path, capsys):
    manifest = tmp_path / "corpus.toml"
    manifest.write_text('[[source]]\nrepo = "someone/absent"\ncommit = "0000000"\n')
    out = tmp_path / "ranked.csv"
    out.write_text("earlier")
    status = usage.main(["--manifest", str(manifest), "--sources", str(tmp_path), "--out", str(out)])
    assert status == 2
    assert "no copy of someone/absent" in capsys.readouterr().err
    assert out.read_text() == "earlier"


def test_a_wheel_whose_checksum_differs_is_refused(tmp_path, capsys):
    (tmp_path / "wheels").mkdir()
    with zipfile.ZipFile(tmp_path / "wheels" / "lib-1.0-py3-none-any.whl", "w") as wheel:
        wheel.writestr("lib/model.py", "import torch\ntorch.zeros(1)\n")
    manifest = tmp_path / "corpus.toml"
    manifest.write_text(
        '[[source]]\nrepo = "someone/lib"\nkind = "wheel"\npackage = "lib==1.0"\n'
        'wheel = "lib-1.0-py3-none-any.whl"\nsha256 = "00"\n'
    )
    assert usage.main(["--manifest", str(manifest), "--sources", str(tmp_path), "--out", str(tmp_path / "r.csv")]) == 2
    assert "but the manifest says 00" in capsys.readouterr().err
    assert not (tmp_path / "r.csv").exists()


def test_a_broken_manifest_is_refused(tmp_path, capsys):
    manifest = tmp_path / "corpus.toml"
    manifest.write_text("[[source]\n")
    assert usage.main(["--manifest", str(manifest), "--sources", str(tmp_path), "--out", str(tmp_path / "r.csv")]) == 2
    assert "not a corpus manifest" in capsys.readouterr().err


def test_the_committed_ranked_list_is_ranked_and_long_enough_for_the_top_apis():
    ranked = load_usage()
    assert len(ranked) > TOP
    assert [entry.rank for entry in ranked] == list(range(1, len(ranked) + 1))
    assert [entry.calls for entry in ranked] == sorted((entry.calls for entry in ranked), reverse=True)
    assert all(entry.api.startswith("torch.") for entry in ranked)


def test_a_broken_ranked_list_is_refused(tmp_path):
    broken = tmp_path / "ranked.csv"
    broken.write_text("rank,api\n1,torch.cat\n")
    with pytest.raises(UsageError, match="not a ranked usage list"):
        load_usage(broken)


def _git_source(tmp_path) -> str:
    """A repository with a training script and a test file, committed; the commit id."""
    repo = tmp_path / "sources" / "someone" / "models"
    (repo / "tests").mkdir(parents=True)
    (repo / "train.py").write_text(TRAINING_SCRIPT)
    (repo / "tests" / "test_train.py").write_text("import torch\ntorch.ones(1)\n")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "corpus"], check=True)
    return subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()


def test_a_git_source_is_read_at_its_commit_with_its_globs(tmp_path, capsys):
    commit = _git_source(tmp_path)
    manifest = tmp_path / "corpus.toml"
    manifest.write_text(
        f'[[source]]\nrepo = "someone/models"\ncommit = "{commit}"\ninclude = ["**/*.py"]\nexclude = ["tests/**"]\n'
    )
    out, details = tmp_path / "ranked.csv", tmp_path / "details"
    arguments = ["--manifest", str(manifest), "--sources", str(tmp_path / "sources"), "--out", str(out)]
    assert usage.main([*arguments, "--details", str(details), "--top", "3", "--trace", "^torch.cat$"]) == 0
    captured = capsys.readouterr()
    counts = {entry.api: entry.calls for entry in load_usage(out)}
    assert "torch.ones" not in counts, "tests/ is excluded"
    assert counts["torch.nn.Linear"] == 2
    assert "top 3 of" in captured.out
    assert "someone/models:train.py:16: torch.cat:" in captured.err
    assert sorted(path.name for path in details.iterdir()) == [
        "usage_detail.csv",
        "usage_per_file.csv",
        "usage_references.csv",
    ]


def test_an_unknown_commit_is_refused(tmp_path, capsys):
    _git_source(tmp_path)
    manifest = tmp_path / "corpus.toml"
    manifest.write_text('[[source]]\nrepo = "someone/models"\ncommit = "0123456789abcdef0123456789abcdef01234567"\n')
    arguments = ["--manifest", str(manifest), "--sources", str(tmp_path / "sources"), "--out", str(tmp_path / "r.csv")]
    assert usage.main(arguments) == 2
    assert "git cannot read commit 0123456789abcdef" in capsys.readouterr().err


@pytest.mark.skipif(
    json.loads(usage.NAMES.read_text())["torch_version"] != torch.__version__,
    reason=f"usage_names.json was made from another torch than the installed {torch.__version__}",
)
def test_the_committed_names_are_what_the_installed_torch_gives():
    assert usage.names_from_torch() == json.loads(usage.NAMES.read_text())


def test_refresh_names_writes_the_names_file(tmp_path, monkeypatch):
    monkeypatch.setattr(usage, "names_from_torch", lambda: {"torch_version": "0"})
    assert usage.main(["--refresh-names", "--names", str(tmp_path / "names.json")]) == 0
    assert json.loads((tmp_path / "names.json").read_text()) == {"torch_version": "0"}
