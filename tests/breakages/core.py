"""What a breakage is, and the small makers the area modules build theirs from."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import torch

from torchspecs.versions import version_matches

Tensor = torch.Tensor


@dataclass(frozen=True)
class Breakage:
    """A monkeypatch of torch, the spec file it concerns, and the spec names it must make fail."""

    apply: Callable
    spec_file: str
    must_fail: tuple[str, ...]
    needs_device: str | None = None


def _replace(target: object, name: str, make_replacement: Callable[[Callable], Callable]) -> Callable:
    """A breakage that swaps ``target.name`` for ``make_replacement(original)``."""
    return lambda monkeypatch: monkeypatch.setattr(target, name, make_replacement(getattr(target, name)))


def method(name: str, make_replacement: Callable) -> Callable:
    """Break ``torch.Tensor.<name>``."""
    return _replace(Tensor, name, make_replacement)


def function(name: str, make_replacement: Callable, *, module: object = torch) -> Callable:
    """Break ``<module>.<name>`` (``torch.<name>`` unless another module is given)."""
    return _replace(module, name, make_replacement)


def setting(target: object, name: str, value: object) -> Callable:
    """A breakage that sets ``target.name`` to ``value``, adding the attribute if torch does not have it."""
    return lambda monkeypatch: monkeypatch.setattr(target, name, value, raising=False)


def module_method(name: str, make_replacement: Callable, owner: type = torch.nn.Module) -> Callable:
    """Break ``owner.<name>``: a method of nn.Module unless another class (a layer, an optimizer) is given."""
    return _replace(owner, name, make_replacement)


def combined(*breakages: Callable) -> Callable:
    """Apply several monkeypatches as one breakage."""

    def apply(monkeypatch):
        for breakage in breakages:
            breakage(monkeypatch)

    return apply


def copying(original):
    return lambda self, *args, **kwargs: original(self, *args, **kwargs).clone()


def returning_self(original):
    return lambda self, *args, **kwargs: self


def mapping_result(transform: Callable) -> Callable:
    """A maker whose replacement calls the original and passes its result through ``transform``."""
    return lambda original: lambda *args, **kwargs: transform(original(*args, **kwargs))


def raising(message: str, exception: type[Exception] = RuntimeError) -> Callable:
    """A maker whose replacement always raises."""

    def make(original):
        def refuse(*args, **kwargs):
            raise exception(f"broken: {message}")

        return refuse

    return make


def silenced(original):
    """A maker whose replacement calls the original with every warning suppressed."""

    def quiet(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return original(*args, **kwargs)

    return quiet


def _legacy_constructor(monkeypatch, convert: Callable) -> None:
    """Replace what torch.Tensor(data) does with ``convert(original_new, cls, data)``."""
    original_new = Tensor.__new__

    def new(cls, *args, **kwargs):
        if cls is Tensor and len(args) == 1 and not kwargs:
            return convert(original_new, cls, args[0])
        return original_new(cls, *args, **kwargs)

    monkeypatch.setattr(Tensor, "__new__", new)


def legacy(convert: Callable) -> Callable:
    """Break the legacy constructor torch.Tensor(data)."""
    return lambda monkeypatch: _legacy_constructor(monkeypatch, convert)


def legacy_keeps_python_types(original_new, cls, data):
    """torch.Tensor(list) behaving as torch.tensor(list): ints and bools keep their types."""
    return torch.tensor(data) if isinstance(data, list) else original_new(cls, data)


def installed_side(sides: dict[str, str]) -> str:
    """Of the specs on each side of a version change (range -> spec), the one the installed torch runs.

    Only that side can be made to fail here; the others are listed by ``gated_out`` so the
    coverage check does not ask for them.
    """
    return next(spec for versions, spec in sides.items() if version_matches(versions))


def gated_out(*side_tables: dict[str, str]) -> frozenset[str]:
    """The specs, across version-change tables, that the installed torch does not run."""
    return frozenset(spec for sides in side_tables for versions, spec in sides.items() if not version_matches(versions))
