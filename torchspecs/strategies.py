"""Hypothesis strategies for shapes, dtypes and tensors in every memory layout.

View and reshape rules are about layout, so ``strided_tensors`` builds tensors
that are contiguous, permuted, transposed, step-sliced, narrowed (non-zero
storage offset) and expanded (zero strides), alone and combined.  Each drawn
tensor carries the Python expression that rebuilds it, which is what
hypothesis prints when a spec fails: paste it into a shell to reproduce.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = [
    "DTYPES",
    "GatherCase",
    "Strided",
    "broadcastable_shapes",
    "dims",
    "dtypes",
    "gather_cases",
    "numbered",
    "numbered_tensors",
    "reshape_targets",
    "shapes",
    "strided_tensors",
    "unmergeable_tensors",
]

DTYPES = (
    torch.float32,
    torch.float64,
    torch.float16,
    torch.bfloat16,
    torch.int64,
    torch.int32,
    torch.int16,
    torch.int8,
    torch.uint8,
    torch.bool,
    torch.complex64,
)

LAYOUT_STEPS = ("permute", "transpose", "step_slice", "narrow", "expand")


@dataclass(frozen=True)
class Strided:
    """A tensor and the expression that builds it."""

    tensor: torch.Tensor
    recipe: str

    def __repr__(self) -> str:
        return f"{self.recipe}  # shape={tuple(self.tensor.shape)} stride={self.tensor.stride()}"


def shapes(
    *, min_dims: int = 0, max_dims: int = 4, min_side: int = 1, max_side: int = 4
) -> st.SearchStrategy[tuple[int, ...]]:
    """Tensor shapes; sides start at 1 so that every tensor has memory to alias."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def dtypes(choices: tuple[torch.dtype, ...] = DTYPES) -> st.SearchStrategy[torch.dtype]:
    """torch dtypes, floating first so that failures shrink towards float32."""
    return st.sampled_from(choices)


def _format_dims(values) -> str:
    return ", ".join(str(v) for v in values)


@st.composite
def _layout_step(draw, tensor: torch.Tensor) -> tuple[torch.Tensor, str] | None:
    """One layout change applied to ``tensor``, or None when the drawn step does not apply."""
    step = draw(st.sampled_from(LAYOUT_STEPS))
    ndim = tensor.dim()
    if step == "permute" and ndim >= 2:
        order = draw(st.permutations(range(ndim)))
        return tensor.permute(order), f".permute({_format_dims(order)})"
    if step == "transpose" and ndim >= 2:
        first, second = draw(st.lists(st.integers(0, ndim - 1), min_size=2, max_size=2, unique=True))
        return tensor.transpose(first, second), f".transpose({first}, {second})"
    sizes = [d for d in range(ndim) if tensor.shape[d] >= 2]
    if step == "step_slice" and sizes:
        dim = draw(st.sampled_from(sizes))
        index = (slice(None),) * dim + (slice(None, None, 2),)
        return tensor[index], "[" + ":, " * dim + "::2]"
    if step == "narrow" and sizes:
        dim = draw(st.sampled_from(sizes))
        length = draw(st.integers(1, tensor.shape[dim] - 1))
        return tensor.narrow(dim, 1, length), f".narrow({dim}, 1, {length})"
    if step == "expand" and ndim < 5:
        dim = draw(st.integers(0, ndim))
        copies = draw(st.integers(2, 3))
        target = list(tensor.shape)
        target.insert(dim, copies)
        return tensor.unsqueeze(dim).expand(target), f".unsqueeze({dim}).expand({_format_dims(target)})"
    return None


@st.composite
def strided_tensors(
    draw,
    *,
    dtype: torch.dtype = torch.float32,
    min_dims: int = 1,
    max_dims: int = 4,
    max_side: int = 4,
    max_steps: int = 3,
) -> Strided:
    """Tensors of distinct values in a drawn layout: contiguous, or after up to ``max_steps`` layout changes."""
    shape = draw(shapes(min_dims=min_dims, max_dims=max_dims, max_side=max_side))
    numel = math.prod(shape)
    tensor = torch.arange(numel).to(dtype).reshape(shape).clone()
    recipe = f"torch.arange({numel}).to({dtype}).reshape({_format_dims(shape)}).clone()"
    for _ in range(draw(st.integers(0, max_steps))):
        applied = draw(_layout_step(tensor))
        if applied is not None:
            tensor, suffix = applied
            recipe += suffix
    return Strided(tensor, recipe)


def _prime_factors(n: int) -> list[int]:
    factors, divisor = [], 2
    while divisor * divisor <= n:
        while n % divisor == 0:
            factors.append(divisor)
            n //= divisor
        divisor += 1
    if n > 1:
        factors.append(n)
    return factors


@st.composite
def reshape_targets(draw, numel: int, *, max_dims: int = 5, allow_infer: bool = True) -> tuple[int, ...]:
    """Shapes holding exactly ``numel`` elements, with size-1 dims mixed in and, sometimes, one ``-1``."""
    ndim = draw(st.integers(1, max_dims))
    sides = [1] * ndim
    for factor in _prime_factors(numel):
        sides[draw(st.integers(0, ndim - 1))] *= factor
    sides = draw(st.permutations(sides))
    if allow_infer and draw(st.booleans()):
        sides = list(sides)
        sides[draw(st.integers(0, ndim - 1))] = -1
    return tuple(sides)


@st.composite
def unmergeable_tensors(draw, *, dtype: torch.dtype = torch.float32) -> Strided:
    """Contiguous tensors with their first and last dimensions (both of size >= 2) swapped: never viewable flat.

    In a contiguous tensor the outermost dimension has the largest stride (or
    stride 0 once expanded).  After the swap the innermost dimension carries it,
    so no run of dimensions ending in it can be merged: every flattening
    reshape must copy.
    """
    strided = draw(strided_tensors(dtype=dtype, min_dims=2, max_steps=0))
    tensor, recipe = strided.tensor, strided.recipe
    if tensor.shape[0] < 2 or tensor.shape[-1] < 2:
        last = tensor.dim() - 1
        sides = [2 if d in (0, last) and side == 1 else side for d, side in enumerate(tensor.shape)]
        tensor = tensor.expand(*sides)
        recipe += f".expand({_format_dims(sides)})"
    return Strided(tensor.transpose(0, -1), recipe + ".transpose(0, -1)")


def numbered(shape: tuple[int, ...], dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """A tensor of ``shape`` whose elements are 0, 1, 2, ... in row-major order: every element is told apart."""
    return torch.arange(math.prod(shape), dtype=dtype).reshape(shape)


def numbered_tensors(**shape_bounds) -> st.SearchStrategy[torch.Tensor]:
    """Numbered float32 tensors of drawn shapes (see ``shapes`` for the bounds)."""
    return shapes(**shape_bounds).map(numbered)


def dims(ndim: int, *, extra: int = 0) -> st.SearchStrategy[int]:
    """A dimension of an ``ndim``-dimensional tensor, negative or not (``extra`` more for insert positions)."""
    count = ndim + extra
    return st.integers(-count, count - 1)


@dataclass(frozen=True)
class GatherCase:
    """Arguments gather accepts: index is no larger than input in every dimension but ``dim``."""

    input: torch.Tensor
    dim: int
    index: torch.Tensor

    def __repr__(self) -> str:
        return f"torch.gather(numbered({tuple(self.input.shape)}), {self.dim}, torch.tensor({self.index.tolist()}))"


@st.composite
def gather_cases(draw, *, max_dims: int = 4, max_side: int = 4) -> GatherCase:
    """Numbered inputs, a dim (negative or not), and a valid index, sized independently of input along dim."""
    shape = draw(shapes(min_dims=1, max_dims=max_dims, max_side=max_side))
    dim = draw(dims(len(shape)))
    along = dim % len(shape)
    index_shape = tuple(
        draw(st.integers(1, max_side)) if d == along else draw(st.integers(1, side)) for d, side in enumerate(shape)
    )
    index = draw(hnp.arrays(np.int64, index_shape, elements=st.integers(0, shape[along] - 1)))
    return GatherCase(numbered(shape), dim, torch.from_numpy(index))


def broadcastable_shapes(num_shapes: int = 2) -> st.SearchStrategy:
    """Shapes that broadcast together, with the shape they broadcast to (``.input_shapes``, ``.result_shape``)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=num_shapes, min_dims=0, max_dims=4, min_side=1, max_side=4)
