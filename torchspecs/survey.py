"""The installed torch's public API in the namespaces the suite covers: each name's kind, signature and bases.

    python -m torchspecs.survey --out reports/surface/torch-2.13.0.json

A survey is what a release offers, read with ``inspect``: for every public
name of each covered namespace its kind (function, class, module or value),
its parameters with their defaults wherever Python can read them (C builtins
have none), and a class's bases by their public names.  The public methods of
the classes users call methods on (``torch.Tensor``, ``nn.Module``, the
optimizer and scheduler bases, the data classes) are surveyed too.
``torchspecs.surface`` diffs the surveys of consecutive releases.

Beyond torch, only the standard library and the suite's own light modules
(which need packaging) are imported, so the survey runs under every torch
from 2.0 on.  The file is written beside its target and renamed
over it; a failure leaves an earlier survey in place.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import json
import re
import sys
import types
from pathlib import Path

from torchspecs.docs import resolve
from torchspecs.files import dumps_one_per_line, write_atomically

SURVEY_FORMAT = 1

# Each covered namespace, in the order the reports list them.
NAMESPACES = (
    "torch",
    "torch.nn",
    "torch.nn.functional",
    "torch.nn.init",
    "torch.nn.utils",
    "torch.nn.parameter",
    "torch.optim",
    "torch.optim.lr_scheduler",
    "torch.utils.data",
    "torch.serialization",
    "torch.autograd",
    "torch.autograd.graph",
    "torch.utils.checkpoint",
    "torch.accelerator",
    "torch.backends",
)

# Classes whose methods users call, surveyed member by member (inherited members included).
MEMBER_CLASSES = (
    "torch.Tensor",
    "torch.nn.Module",
    "torch.nn.Parameter",
    "torch.optim.Optimizer",
    "torch.optim.lr_scheduler.LRScheduler",
    "torch.optim.lr_scheduler.ReduceLROnPlateau",
    "torch.utils.data.DataLoader",
    "torch.utils.data.Dataset",
    "torch.utils.data.Sampler",
    "torch.autograd.Function",
    "torch.Generator",
)

# Memory addresses and file paths in default reprs differ from run to run and machine to machine.
_UNSTABLE = ((re.compile(r" at 0x[0-9a-fA-F]+"), ""), (re.compile(r"(<module '[\w.]+') from '[^']*'>"), r"\1>"))
_EXTERNAL_MODULES = ("typing", "collections", "builtins", "abc", "enum", "functools", "numbers", "dataclasses")


class SurveyError(Exception):
    """A survey file that is missing, unreadable or not a survey."""


def _parameters(obj: object) -> list[str] | None:
    """The parameters as ``inspect`` prints them, "/" and "*" included, without annotations.

    Annotations change without changing behaviour, and default reprs lose their memory addresses.
    """
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    parameters = [parameter.replace(annotation=inspect.Parameter.empty) for parameter in signature.parameters.values()]
    plain = str(signature.replace(parameters=parameters, return_annotation=inspect.Signature.empty))
    for pattern, replacement in _UNSTABLE:
        plain = pattern.sub(replacement, plain)
    return _split_parameters(plain[1:-1])


def _split_parameters(text: str) -> list[str]:
    """Split ``a, b=(1, 2), *, c=None`` at the top-level commas."""
    parts, depth, current = [], 0, []
    for character in text:
        if character in "([{":
            depth += 1
        elif character in ")]}":
            depth -= 1
        if character == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(character)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


def _kind(obj: object) -> str:
    if inspect.ismodule(obj):
        return "module"
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    return "value"


def _is_own(namespace: str, name: str, obj: object) -> bool:
    """Whether a name found by dir() is the namespace's own API rather than something it imported for itself."""
    if inspect.ismodule(obj):
        return obj.__name__ == f"{namespace}.{name}"
    module = getattr(obj, "__module__", None)
    if inspect.isclass(obj) or inspect.isfunction(obj):
        return isinstance(module, str) and module.split(".")[0] == "torch"
    if callable(obj):
        return module is None or (isinstance(module, str) and not module.startswith(_EXTERNAL_MODULES))
    return type(obj).__module__.split(".")[0] == "torch"


def public_names(namespace: str) -> dict[str, object]:
    """The namespace's public names: its ``__all__`` (else its public ``dir()``), plus its public submodules."""
    module = importlib.import_module(namespace)
    declared = getattr(module, "__all__", None)
    found = {}
    for name in sorted(dir(module)):
        if name.startswith("_"):
            continue
        obj = getattr(module, name, None)
        if inspect.ismodule(obj):
            # A submodule counts where the suite covers it: a surveyed namespace, or a torch.backends flag module.
            covered = f"{namespace}.{name}" in NAMESPACES or namespace == "torch.backends"
            if covered and obj.__name__ == f"{namespace}.{name}":
                found[name] = obj
        elif name in declared if declared is not None else _is_own(namespace, name, obj):
            found[name] = obj
    for name in declared or ():
        if not name.startswith("_") and name not in found and hasattr(module, name):
            found[name] = getattr(module, name)
    return found


def _entry(obj: object, public: dict[int, str]) -> dict:
    entry: dict = {"kind": _kind(obj)}
    if entry["kind"] in ("function", "class"):
        parameters = _parameters(obj)
        if parameters is not None:
            entry["signature"] = parameters
    if entry["kind"] == "class":
        entry["bases"] = [public.get(id(base), f"{base.__module__}.{base.__qualname__}") for base in obj.__bases__]
    if entry["kind"] == "value":
        entry["type"] = type(obj).__name__
    return entry


def survey() -> dict:
    """The installed torch's API in the covered namespaces, as a JSON-ready dict."""
    import torch

    objects: dict[str, object] = {}
    undeclared: set[str] = set()
    for namespace in NAMESPACES:
        try:
            members = public_names(namespace)
        except ImportError:
            continue  # a namespace this release does not have (torch.accelerator before 2.6)
        declares = hasattr(importlib.import_module(namespace), "__all__")
        for name, obj in members.items():
            objects[f"{namespace}.{name}"] = obj
            if not declares:
                undeclared.add(f"{namespace}.{name}")
    # A namespace without __all__ shows the classes it imports for itself (nn.functional's Tensor): a class with a
    # shorter public name elsewhere (torch.Tensor) is surveyed there only.
    shortest: dict[int, int] = {}
    for name, obj in objects.items():
        if inspect.isclass(obj):
            shortest[id(obj)] = min(shortest.get(id(obj), 99), name.count("."))
    for name in sorted(undeclared):
        obj = objects[name]
        if inspect.isclass(obj) and shortest[id(obj)] < name.count("."):
            del objects[name]
    member_classes = {}
    for class_name in MEMBER_CLASSES:
        with contextlib.suppress(LookupError):
            member_classes[class_name] = resolve(class_name)
    for class_name, cls in member_classes.items():
        objects.setdefault(class_name, cls)
        surveyed_bases = [base for base in member_classes.values() if base is not cls and issubclass(cls, base)]
        for name in dir(cls):
            if name.startswith("_") and name != "__init__":
                continue
            member = inspect.getattr_static(cls, name, None)
            # A member a surveyed base class already has is surveyed there (nn.Parameter's Tensor methods).
            if member is None or any(inspect.getattr_static(base, name, None) is member for base in surveyed_bases):
                continue
            objects[f"{class_name}.{name}"] = (
                member.__func__ if isinstance(member, staticmethod | classmethod) else member
            )
    # A class or function reachable under several names is known by its first, shortest public name.
    public: dict[int, str] = {}
    for name in sorted(objects, key=lambda dotted: (dotted.count("."), dotted)):
        if inspect.isclass(objects[name]):
            public.setdefault(id(objects[name]), name)
    api = {}
    for name, obj in sorted(objects.items()):
        if isinstance(obj, property | types.GetSetDescriptorType | types.MemberDescriptorType):
            api[name] = {"kind": "property"}
        else:
            api[name] = _entry(obj, public)
    return {
        "format": SURVEY_FORMAT,
        "torch": torch.__version__,
        "python": ".".join(map(str, sys.version_info[:3])),
        "namespaces": list(NAMESPACES),
        "member_classes": list(MEMBER_CLASSES),
        "api": api,
    }


def load_survey(path: Path) -> dict:
    """Read a survey, refusing anything that is not one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SurveyError(f"{path}: not a readable JSON survey ({error})") from error
    if not isinstance(data, dict) or data.get("format") != SURVEY_FORMAT:
        raise SurveyError(f"{path}: not a torchspecs API survey (format {SURVEY_FORMAT})")
    api = data.get("api")
    if not isinstance(data.get("torch"), str) or not isinstance(api, dict):
        raise SurveyError(f"{path}: a survey needs a torch version and an api object")
    broken = sorted(name for name, entry in api.items() if not isinstance(entry, dict) or "kind" not in entry)
    if broken:
        raise SurveyError(f"{path}: entries without a kind: {', '.join(broken[:5])}")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m torchspecs.survey", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, required=True, help="the survey's path, e.g. reports/surface/torch-2.13.0.json"
    )
    arguments = parser.parse_args(argv)
    data = survey()
    write_atomically(arguments.out, dumps_one_per_line(data, "api"))
    print(f"{arguments.out}: {len(data['api'])} names surveyed in torch {data['torch']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
