"""Assertions about storage, views and values, with messages that say what was expected and what was seen.

Every helper hides its own frame from pytest tracebacks, so a failure points at
the spec line that called it.  Helpers that prove aliasing write one element
and put it back: the tensors they are given end up as they came in.

Views are checked the way PyTorch's own ``test/test_view_ops.py`` does: the
result is marked as a view, its ``_base`` is the base, it lives on the same
device and in the same storage, and a write through it is seen in the base.
"""

from __future__ import annotations

import numpy as np
import torch

Array = torch.Tensor | np.ndarray

__all__ = [
    "assert_aliased",
    "assert_close",
    "assert_distinct_storage",
    "assert_dtype",
    "assert_equal",
    "assert_independent",
    "assert_is_copy_of",
    "assert_is_view_of",
    "assert_not_view",
    "assert_same_object",
    "assert_shape",
    "assert_shares_storage",
    "assert_strides",
    "assert_values_equal",
    "describe",
    "storage_address",
]


def storage_address(x: Array) -> int:
    """Where the memory of ``x`` begins: the storage's address for a tensor, the buffer's for an array."""
    if isinstance(x, np.ndarray):
        base = x
        while isinstance(base.base, np.ndarray):
            base = base.base
        return base.__array_interface__["data"][0]
    return x.untyped_storage().data_ptr()


def describe(x: object) -> str:
    """One line naming the layout of a tensor or array: enough to see why an aliasing rule failed."""
    if isinstance(x, torch.Tensor):
        dtype = str(x.dtype).removeprefix("torch.")
        return (
            f"tensor(shape={tuple(x.shape)}, stride={x.stride()}, offset={x.storage_offset()}, "
            f"dtype={dtype}, device={x.device}, storage=0x{storage_address(x):x}, is_view={x._is_view()})"
        )
    if isinstance(x, np.ndarray):
        return (
            f"ndarray(shape={x.shape}, strides={x.strides}, dtype={x.dtype}, "
            f"buffer=0x{storage_address(x):x}, owns_data={x.flags.owndata})"
        )
    return repr(x)


def _fail(message: str) -> None:
    __tracebackhide__ = True
    raise AssertionError(message)


def _root_base(t: torch.Tensor) -> torch.Tensor:
    # A view of a view records the first non-view tensor as its _base.
    return t._base if t._is_view() else t


def _snapshot(x: Array) -> Array:
    return x.copy() if isinstance(x, np.ndarray) else x.detach().clone()


def _same_values(x: Array, y: Array) -> bool:
    x = torch.from_numpy(x) if isinstance(x, np.ndarray) else x.detach()
    y = torch.from_numpy(y) if isinstance(y, np.ndarray) else y.detach()
    y = y.to(x.device)
    if x.shape != y.shape:
        return False
    same = x == y
    if x.is_floating_point() or x.is_complex():
        same |= x.isnan() & y.isnan()
    return bool(same.all())


def _write_probe(target: Array, observed: Array) -> bool:
    """Write a new value into the first element of ``target``; report whether ``observed`` changed.

    The element is restored before returning.  The write goes through a
    single-element view, so it is legal even where ``target`` overlaps itself
    (an expanded tensor).
    """
    size = target.size if isinstance(target, np.ndarray) else target.numel()
    if size == 0:
        return False
    before = _snapshot(observed)
    index = (0,) * target.ndim
    if isinstance(target, np.ndarray):
        old = target[index].copy()
        target[index] = 1 if old == 0 else 0
        changed = not _same_values(observed, before)
        target[index] = old
        return changed
    with torch.no_grad():
        element = target[index]
        old = element.clone()
        element.fill_(1 if bool(old == 0) else 0)
        changed = not _same_values(observed, before)
        element.copy_(old)
    return changed


def assert_shares_storage(a: Array, b: Array) -> None:
    """``a`` and ``b`` live in the same memory: the same storage for tensors, the same buffer for arrays."""
    __tracebackhide__ = True
    if storage_address(a) != storage_address(b):
        _fail(f"expected a and b to share storage, but they do not\n  a: {describe(a)}\n  b: {describe(b)}")


def assert_distinct_storage(a: Array, b: Array) -> None:
    """``a`` and ``b`` live in different memory."""
    __tracebackhide__ = True
    if storage_address(a) == storage_address(b):
        _fail(f"expected a and b to have separate storage, but they share it\n  a: {describe(a)}\n  b: {describe(b)}")


def assert_aliased(source: Array, derived: Array) -> None:
    """``derived`` shares memory with ``source``: a write into ``derived`` is seen in ``source``."""
    __tracebackhide__ = True
    if not _write_probe(derived, source):
        _fail(
            "expected a write into the derived tensor to be seen in its source, but the source did not change\n"
            f"  source:  {describe(source)}\n  derived: {describe(derived)}"
        )


def assert_independent(a: Array, b: Array) -> None:
    """``a`` and ``b`` share no memory: they have separate storage and a write to either is not seen in the other."""
    __tracebackhide__ = True
    assert_distinct_storage(a, b)
    for name, target, observed in (("a", a, b), ("b", b, a)):
        if _write_probe(target, observed):
            other = "b" if name == "a" else "a"
            _fail(
                f"expected independent tensors, but a write into {name} changed {other}\n"
                f"  a: {describe(a)}\n  b: {describe(b)}"
            )


def assert_is_view_of(base: torch.Tensor, view: torch.Tensor) -> None:
    """``view`` is a view of ``base``: marked as a view of it, on its device, in its storage, and writes show through."""
    __tracebackhide__ = True
    root = _root_base(base)
    if not view._is_view():
        _fail(
            f"expected a view of the base, but the result is not a view\n  base:   {describe(base)}\n  result: {describe(view)}"
        )
    if view._base is not root:
        _fail(
            "expected a view of the base, but the result is a view of another tensor\n"
            f"  base:          {describe(root)}\n  result._base:  {describe(view._base)}"
        )
    if view.device != base.device:
        _fail(f"expected the view on {base.device}, but it is on {view.device}")
    assert_shares_storage(base, view)
    if view.numel() and not _write_probe(view, base):
        _fail(
            f"expected a write through the view to be seen in the base, but the base did not change\n"
            f"  base: {describe(base)}\n  view: {describe(view)}"
        )


def assert_not_view(base: torch.Tensor, result: torch.Tensor) -> None:
    """``result`` is a fresh tensor: not marked as a view of ``base`` and not sharing its memory."""
    __tracebackhide__ = True
    if result._is_view() and result._base is _root_base(base):
        _fail(
            f"expected a new tensor, but the result is a view of the base\n  base:   {describe(base)}\n  result: {describe(result)}"
        )
    assert_independent(base, result)


def assert_is_copy_of(source: Array, copy: Array) -> None:
    """``copy`` holds the same values as ``source`` in memory of its own."""
    __tracebackhide__ = True
    assert_values_equal(copy, source)
    assert_independent(source, copy)


def assert_values_equal(actual: Array, expected: Array) -> None:
    """``actual`` has ``expected``'s shape and exactly its values (NaN equals NaN); dtypes may differ."""
    __tracebackhide__ = True
    actual, expected = (np.asarray(x) if isinstance(x, np.generic) else x for x in (actual, expected))
    if tuple(actual.shape) != tuple(expected.shape):
        _fail(f"expected shape {tuple(expected.shape)}, but got {tuple(actual.shape)}\n  actual: {describe(actual)}")
    if not _same_values(actual, expected):
        _fail(f"expected values\n{expected}\nbut got\n{actual}")


def assert_same_object(result: object, original: object, operation: str) -> None:
    """``operation`` returned its input object itself, not a new one."""
    __tracebackhide__ = True
    if result is not original:
        _fail(
            f"expected {operation} to return its input object itself, but it returned a new one\n"
            f"  input:  {describe(original)}\n  result: {describe(result)}"
        )


def assert_strides(t: torch.Tensor, expected: tuple[int, ...]) -> None:
    """``t`` has exactly the strides ``expected``."""
    __tracebackhide__ = True
    if tuple(t.stride()) != tuple(expected):
        _fail(f"expected strides {tuple(expected)}, but got {tuple(t.stride())}\n  tensor: {describe(t)}")


def assert_dtype(t: torch.Tensor, expected: torch.dtype) -> None:
    """``t`` has dtype ``expected``."""
    __tracebackhide__ = True
    if t.dtype != expected:
        _fail(f"expected dtype {expected}, but got {t.dtype}\n  tensor: {describe(t)}")


def assert_shape(t: Array, expected: tuple[int, ...]) -> None:
    """``t`` has exactly the shape ``expected``."""
    __tracebackhide__ = True
    if tuple(t.shape) != tuple(expected):
        _fail(f"expected shape {tuple(expected)}, but got {tuple(t.shape)}\n  tensor: {describe(t)}")


def assert_equal(actual: object, expected: object, what: str) -> None:
    """A plain value (a dtype, a string, a count, a flag) equals ``expected``; ``what`` names the value."""
    __tracebackhide__ = True
    if actual != expected:
        _fail(f"expected {what} to be {expected!r}, but got {actual!r}")


def assert_close(actual: torch.Tensor, expected: torch.Tensor, *, rtol: float | None = None, atol: float | None = None):
    """``actual`` has ``expected``'s shape and its values within floating-point tolerance (dtype's defaults)."""
    __tracebackhide__ = True
    if tuple(actual.shape) != tuple(expected.shape):
        _fail(f"expected shape {tuple(expected.shape)}, but got {tuple(actual.shape)}\n  actual: {describe(actual)}")
    try:
        torch.testing.assert_close(actual, expected, rtol=rtol, atol=atol, check_dtype=False)
    except AssertionError as mismatch:
        _fail(f"{mismatch}\nexpected values\n{expected}\nbut got\n{actual}")
