"""Writing the suite's JSON files: one entry a line, so they stay small and a diff of two reads entry by entry."""

from __future__ import annotations

import json
import os
from pathlib import Path

__all__ = ["dumps_one_per_line", "write_all", "write_atomically"]


def dumps_one_per_line(data: dict, key: str) -> str:
    """``data`` as JSON, with each item of ``data[key]`` (a list or a dict) on a line of its own."""
    head = json.dumps({name: value for name, value in data.items() if name != key}, sort_keys=True)[:-1]
    entries = data[key]
    if isinstance(entries, dict):
        lines = [f"{json.dumps(name)}: {json.dumps(entry, sort_keys=True)}" for name, entry in sorted(entries.items())]
        opening, closing = "{", "}"
    else:
        lines = [json.dumps(entry, sort_keys=True) for entry in entries]
        opening, closing = "[", "]"
    separator = ", " if head != "{" else ""
    return f'{head}{separator}"{key}": {opening}\n' + ",\n".join(lines) + f"\n{closing}}}\n"


def write_atomically(path: Path, text: str) -> None:
    """Write beside the target, then rename over it: a reader never sees half a file, and the umask applies."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def write_all(outputs: dict[Path, str]) -> list[Path]:
    """Write each file atomically, once every one of them has been made: a build that fails writes nothing."""
    for path, text in outputs.items():
        write_atomically(path, text)
    return list(outputs)
