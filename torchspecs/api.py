"""Which documented torch API the specs touch: the pages they cite, and the functions and methods they call.

Two measures, each exact in its own way:

cited
    a spec's ``@pytest.mark.doc`` names the API, e.g. ``doc("torch.gather")``
    or ``doc("torch.nn.Module.to")``; a page citation names none.
called
    a spec file calls it, read from the source: ``torch.x``, ``F.x``, ``nn.X``
    and names imported from torch are resolved through the file's imports;
    a method call ``anything.x(...)`` counts for ``torch.Tensor.x`` and
    ``torch.nn.Module.x`` when they have a method of that name.  Only names
    that exist in the installed torch are counted.

Coverage is given against each namespace's public API in the installed torch, and weighted by usage: the share
of the torch calls in a corpus of public PyTorch code (``torchspecs/usage_ranked.csv``, measured by
``python -m torchspecs.usage``) that go to an API a spec cites.
"""

from __future__ import annotations

import ast
import csv
import importlib
import inspect
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import torch

from torchspecs.docs import exists, resolve

__all__ = [
    "Usage",
    "api_markdown",
    "called_api",
    "cited_api",
    "load_usage",
    "namespaces",
    "usage_markdown",
    "with_aliases",
]

TOP = 200


def cited_api(records: list[dict]) -> dict[str, set[str]]:
    """API name -> the specs (``topic::function``) whose documentation citations name it."""
    cited: dict[str, set[str]] = defaultdict(set)
    for record in records:
        for result in record["results"]:
            for citation in result["docs"]:
                if citation["cite"].startswith("torch."):
                    cited[citation["cite"]].add(f"{result['topic']}::{result['case'].split('[')[0]}")
    return cited


def _torch_aliases(tree: ast.AST) -> dict[str, str]:
    """Local name -> the torch object it stands for, from a file's imports."""
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "torch":
                    aliases[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else "torch"
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "torch":
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _dotted(node: ast.AST) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id, *reversed(parts)]
    return None


def _public_methods(cls: type) -> set[str]:
    return {name for name in dir(cls) if not name.startswith("_") and callable(getattr(cls, name, None))}


def called_api(spec_root: Path) -> dict[str, set[str]]:
    """API name -> the spec files (``topic/test_file``) that call it."""
    methods = {"torch.Tensor": _public_methods(torch.Tensor), "torch.nn.Module": _public_methods(torch.nn.Module)}
    called: dict[str, set[str]] = defaultdict(set)
    for path in sorted(spec_root.rglob("test_*.py")):
        where = path.relative_to(spec_root).with_suffix("").as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = _torch_aliases(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            parts = _dotted(node.func)
            if parts and parts[0] in aliases:
                called[".".join([aliases[parts[0]], *parts[1:]])].add(where)
            elif isinstance(node.func, ast.Attribute):
                for owner, names in methods.items():
                    if node.func.attr in names:
                        called[f"{owner}.{node.func.attr}"].add(where)
    return {name: files for name, files in called.items() if exists(name)}


def _module_public(module_name: str, keep) -> set[str]:
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None) or [name for name in dir(module) if not name.startswith("_")]
    return {f"{module_name}.{name}" for name in names if not name.startswith("_") and keep(getattr(module, name, None))}


def _is_function(obj: object) -> bool:
    return callable(obj) and not inspect.isclass(obj)


def _is_module_class(obj: object) -> bool:
    return inspect.isclass(obj) and issubclass(obj, torch.nn.Module)


def _is_optimizer(obj: object) -> bool:
    return inspect.isclass(obj) and issubclass(obj, torch.optim.Optimizer) and obj is not torch.optim.Optimizer


def _is_scheduler(obj: object) -> bool:
    return (
        inspect.isclass(obj)
        and obj.__name__.endswith(("LR", "Plateau", "Scheduler"))
        and not obj.__name__.startswith("_")
    )


def namespaces() -> dict[str, set[str]]:
    """Each documented namespace's public API in the installed torch."""
    return {
        "torch functions": _module_public("torch", _is_function),
        "torch.Tensor methods": {f"torch.Tensor.{name}" for name in _public_methods(torch.Tensor)},
        "torch.nn.functional": _module_public("torch.nn.functional", _is_function),
        "torch.nn modules": _module_public("torch.nn", _is_module_class),
        "torch.nn.Module methods": {f"torch.nn.Module.{name}" for name in _public_methods(torch.nn.Module)},
        "torch.optim optimizers": _module_public("torch.optim", _is_optimizer),
        "torch.optim.lr_scheduler": _module_public("torch.optim.lr_scheduler", _is_scheduler),
        "torch.utils.data": _module_public("torch.utils.data", callable),
    }


@dataclass(frozen=True)
class Usage:
    """One API's use in the corpus: its rank, how many calls and in how many files."""

    rank: int
    api: str
    calls: int
    files: int


class UsageError(ValueError):
    """A ranked usage list that cannot be read."""


def load_usage(path: Path | None = None) -> list[Usage]:
    """The ranked list ``python -m torchspecs.usage`` writes (rank,api,calls,files), the bundled one by default."""
    source = path or resources.files("torchspecs") / "usage_ranked.csv"
    try:
        with source.open(encoding="utf-8", newline="") as handle:
            rows = [
                Usage(int(row["rank"]), row["api"], int(row["calls"]), int(row["files"]))
                for row in csv.DictReader(handle)
            ]
    except (OSError, KeyError, TypeError, ValueError) as error:
        raise UsageError(f"{source}: not a ranked usage list with rank,api,calls,files ({error!r})") from error
    if not rows:
        raise UsageError(f"{source}: no APIs in it")
    return rows


def _object_of(name: str) -> object | None:
    """The object a usage name stands for in the installed torch (docs.resolve), or None; a plain value (a number, a
    string) is no API, and two names bound to the same small int are not one API."""
    try:
        found = resolve(name)
    except Exception:  # usage names reach torch's lazy namespaces, whose lookups raise more than LookupError
        return None
    return None if isinstance(found, int | float | str) else found


def with_aliases(cited: dict[str, set[str]], names: list[str]) -> dict[str, set[str]]:
    """``cited``, plus each of ``names`` that is another spelling of a cited API (``torch.nn.Parameter`` is
    ``torch.nn.parameter.Parameter``): the same object in the installed torch. Methods and attributes are told apart
    by the object itself, so ``torch.Tensor.add`` is not ``torch.add``."""
    by_object: dict[int, set[str]] = defaultdict(set)
    for name, specs in cited.items():
        found = _object_of(name)
        if found is not None:
            by_object[id(found)] |= specs
    merged = {name: set(specs) for name, specs in cited.items()}
    for name in names:
        if name not in merged:
            found = _object_of(name)
            if found is not None and id(found) in by_object:
                merged[name] = by_object[id(found)]
    return merged


def usage_markdown(usage: list[Usage], cited: dict[str, set[str]]) -> list[str]:
    """The usage-weighted coverage, the top APIs' share with a citing spec, and the top APIs one by one."""
    cited = with_aliases(cited, [entry.api for entry in usage])
    total = sum(entry.calls for entry in usage)
    covered = sum(entry.calls for entry in usage if entry.api in cited)
    top = usage[:TOP]
    top_cited = [entry for entry in top if entry.api in cited]
    lines = [
        "## The APIs real code calls",
        "",
        f"The corpus (`torchspecs/usage_corpus.toml`: training scripts, tutorials and model libraries) makes "
        f"{total:,} counted torch calls to {len(usage)} APIs (`torchspecs/usage_ranked.csv`, made by "
        "`python -m torchspecs.usage`; its docstring gives how calls are counted and the limits of counting "
        "without types).",
        "",
        f"- **Usage-weighted coverage: {covered / total:.1%}** of those calls go to an API a spec cites.",
        f"- **Top {len(top)}: {len(top_cited)} of {len(top)}** ({len(top_cited) / len(top):.0%}) have a citing spec, "
        f"covering {sum(entry.calls for entry in top_cited) / total:.1%} of all calls.",
        "",
        "| rank | API | calls | files | cited by |",
        "|---|---|---|---|---|",
    ]
    for entry in top:
        specs = cited.get(entry.api, set())
        cell = f"{len(specs)} spec{'s' if len(specs) != 1 else ''}" if specs else "**no spec**"
        lines.append(f"| {entry.rank} | `{entry.api}` | {entry.calls} | {entry.files} | {cell} |")
    return lines


def api_markdown(spec_root: Path, records: list[dict], usage: list[Usage] | None = None) -> str:
    cited, called = cited_api(records), called_api(spec_root)
    calls = {entry.api: entry.calls for entry in usage or ()}
    lines = [
        "# Documented torch API the specs touch",
        "",
        f"Measured against torch {torch.__version__}. **Cited**: a spec's documentation citation names the API. "
        "**Called**: a spec file calls it (method calls are matched by name to torch.Tensor and torch.nn.Module "
        "methods, so they count what a spec may call). **Usage-weighted**: of the corpus's calls into the "
        "namespace, the share that go to a cited API (below).",
        "",
        "| namespace | public | cited | called | either | share | usage-weighted |",
        "|---|---|---|---|---|---|---|",
    ]
    for title, names in namespaces().items():
        either = names & (set(cited) | set(called))
        share = f"{len(either) / len(names):.0%}" if names else "–"
        used = sum(calls.get(name, 0) for name in names)
        weighted = f"{sum(calls.get(name, 0) for name in names & set(cited)) / used:.0%}" if used else "–"
        lines.append(
            f"| {title} | {len(names)} | {len(names & set(cited))} | {len(names & set(called))} | {len(either)} "
            f"| {share} | {weighted} |"
        )
    if usage is not None:
        lines += ["", *usage_markdown(usage, cited)]
    lines += ["", "## Each API", "", "| API | cited by specs | called in |", "|---|---|---|"]
    for name in sorted(set(cited) | set(called)):
        specs = ", ".join(f"`{spec}`" for spec in sorted(cited.get(name, ())))
        files = ", ".join(sorted(called.get(name, ())))
        lines.append(f"| `{name}` | {specs} | {files} |")
    return "\n".join(lines) + "\n"
