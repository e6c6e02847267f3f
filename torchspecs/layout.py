"""The documented rule for when ``Tensor.view`` can reuse a tensor's memory.

From the ``Tensor.view`` documentation: a view is possible when every new
dimension either is a subspace of one original dimension, or spans original
dimensions ``d, d+1, ..., d+k`` that satisfy the contiguity-like condition
``stride[i] == stride[i+1] * size[i+1]`` for each ``d <= i < d+k``.  Size-1
dimensions place no constraint.  ``view_strides`` states that rule in plain
Python, so the specs can compare torch against the documentation rather than
against torch itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["infer_shape", "view_strides"]


def infer_shape(shape: Sequence[int], numel: int) -> tuple[int, ...]:
    """Resolve one ``-1`` in ``shape`` against ``numel`` elements."""
    if -1 not in shape:
        return tuple(shape)
    known = math.prod(side for side in shape if side != -1)
    return tuple(numel // known if side == -1 else side for side in shape)


def view_strides(shape: Sequence[int], strides: Sequence[int], new_shape: Sequence[int]) -> tuple[int, ...] | None:
    """The strides ``view(new_shape)`` must have, or None when the documented condition forbids the view."""
    numel = math.prod(shape)
    new_shape = infer_shape(new_shape, numel)
    if math.prod(new_shape) != numel:
        return None
    if not shape:
        return (1,) * len(new_shape)
    new_strides = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_stride = strides[-1]
    tensor_numel = view_numel = 1
    for tensor_d in range(len(shape) - 1, -1, -1):
        tensor_numel *= shape[tensor_d]
        chunk_ends = tensor_d == 0 or (
            shape[tensor_d - 1] != 1 and strides[tensor_d - 1] != tensor_numel * chunk_stride
        )
        if not chunk_ends:
            continue
        while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
            new_strides[view_d] = view_numel * chunk_stride
            view_numel *= new_shape[view_d]
            view_d -= 1
        if view_numel != tensor_numel:
            return None
        if tensor_d > 0:
            chunk_stride = strides[tensor_d - 1]
            tensor_numel = view_numel = 1
    if view_d != -1:
        return None
    return tuple(new_strides)
