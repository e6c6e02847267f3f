"""Deliberately broken torch behaviours, and the specs each one must make fail.

Each breakage monkeypatches torch the way a regression might (a view op that
copies, a copying op that aliases, a constructor that shares when it should
copy, a dtype rule that picks the wrong type).  ``tests/test_falsifiability.py``
runs the specs under each one and checks that the named specs fail; it also
checks that every spec in ``specs/`` is named by some breakage, so a spec that
cannot fail is caught.

One module per spec area.  A new spec comes with an entry in its area's module.
"""

from __future__ import annotations

from . import aliasing, autograd, data, hooks, modules, serialization, tensors, training
from .core import Breakage, gated_out

_AREAS = (aliasing, tensors, autograd, modules, serialization, hooks, training, data)

BREAKAGES: dict[str, Breakage] = {}
for _area in _AREAS:
    _clashes = BREAKAGES.keys() & _area.BREAKAGES.keys()
    if _clashes:
        raise ValueError(f"breakage names used twice: {sorted(_clashes)}")
    BREAKAGES.update(_area.BREAKAGES)

GATED_OUT_HERE = gated_out(*(sides for area in _AREAS for sides in area.VERSION_SIDES))

__all__ = ["BREAKAGES", "GATED_OUT_HERE", "Breakage"]
