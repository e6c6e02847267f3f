"""Deliberately broken torch behaviours, and the specs each one must make fail.

Each breakage monkeypatches torch the way a regression might (a view op that
copies, a copying op that aliases, a constructor that shares when it should
copy, a dtype rule that picks the wrong type).  ``tests/test_falsifiability.py``
runs the specs under each one and checks that the named specs fail; it also
checks that every spec in ``specs/`` is named by some breakage, so a spec that
cannot fail is caught.  A registered version change has one ``ChangeBreakage``,
named after the change, that puts back the other side's behaviour: its specs are
the ones asserting the side the installed torch runs, read from collection.

One module per spec area.  A new spec comes with an entry in its area's module.
"""

from __future__ import annotations

from . import aliasing, autograd, data, devices, hooks, modules, serialization, tensors, training
from .core import Breakage, ChangeBreakage

_AREAS = (aliasing, tensors, autograd, modules, serialization, hooks, training, data, devices)

BREAKAGES: dict[str, Breakage | ChangeBreakage] = {}
for _area in _AREAS:
    _clashes = BREAKAGES.keys() & _area.BREAKAGES.keys()
    if _clashes:
        raise ValueError(f"breakage names used twice: {sorted(_clashes)}")
    BREAKAGES.update(_area.BREAKAGES)

__all__ = ["BREAKAGES", "Breakage", "ChangeBreakage"]
