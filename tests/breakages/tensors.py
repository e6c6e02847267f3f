"""Breakages of the tensors area: wrong dtypes, shapes, values, refusals that stop refusing, and the reverse."""

from __future__ import annotations

import contextlib
import math
import random
import warnings
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from .core import (
    Breakage,
    ChangeBreakage,
    Tensor,
    combined,
    copying,
    deleting,
    dropping_keyword,
    function,
    legacy,
    legacy_keeps_python_types,
    mapping_result,
    method,
    module_method,
    raising,
    refusing_keyword,
    reraising_as,
    returning_self,
    setting,
    silenced,
    warning_first,
)

CREATION = "specs/tensors/test_creation.py"
NAMESPACE = "specs/tensors/test_namespace.py"
BASICS = "specs/tensors/test_tensor_basics.py"
PROMOTION = "specs/tensors/test_promotion_and_broadcasting.py"
SHAPE = "specs/tensors/test_shape_ops.py"
INDEXING = "specs/tensors/test_indexing.py"
MATMUL = "specs/tensors/test_matmul_and_reductions.py"
IN_PLACE = "specs/tensors/test_in_place.py"
DEVICES = "specs/tensors/test_devices.py"
RANDOMNESS = "specs/tensors/test_randomness.py"
REPRODUCIBILITY = "specs/tensors/test_reproducibility.py"
METHODS = "specs/tensors/test_tensor_methods.py"
ACCURACY = "specs/tensors/test_numerical_accuracy.py"
ATTRIBUTES = "specs/tensors/test_tensor_attributes.py"
BROADCASTING = "specs/tensors/test_broadcasting_semantics.py"

WIDE_UNSIGNED = (np.uint16, np.uint32, np.uint64)


def _filled(value: float):
    """torch.empty that hands back memory filled with ``value`` (floats only), whatever the deterministic mode."""

    def make(original):
        def empty(*args, **kwargs):
            tensor = original(*args, **kwargs)
            return tensor.fill_(value) if tensor.is_floating_point() else tensor

        return empty

    return make


def _inclusive_arange(original):
    def arange(*args, **kwargs):
        start, end, step = (0, args[0], 1) if len(args) == 1 else (*args, 1)[:3]
        return original(start, end + step, step, **kwargs)

    return arange


def _exclusive_range(original):
    return lambda start, end, step=1, **kwargs: torch.arange(start, end, step, **kwargs).to(torch.get_default_dtype())


def _draining_tensor(original):
    return lambda data, **kwargs: original(list(data) if isinstance(data, Iterator) else data, **kwargs)


def _type_naming_the_dtype(original):
    return lambda self, dtype=None, *args, **kwargs: str(self.dtype) if dtype is None else original(self, dtype)


def _type_ignoring_its_argument(original):
    return lambda self, dtype=None, *args, **kwargs: original(self) if dtype is None else self


def _from_numpy_refusing_wide_unsigned(original):
    def from_numpy(array):
        if array.dtype.type in WIDE_UNSIGNED:
            raise TypeError(f"broken: can't convert np.ndarray of type numpy.{array.dtype.name}")
        return original(array)

    return from_numpy


def _from_numpy_widening_unsigned(original):
    return lambda array: original(array.astype(np.int64) if array.dtype.type in WIDE_UNSIGNED else array)


def _all_with_dtypes(brought: bool):
    """torch.__all__ with (or without) the dtype names, as a release whose star import brings them (or not)."""

    def apply(monkeypatch):
        dtypes = [name for name in dir(torch) if isinstance(getattr(torch, name, None), torch.dtype)]
        others = [name for name in torch.__all__ if name not in dtypes]
        monkeypatch.setattr(torch, "__all__", others + dtypes if brought else others)

    return apply


def _positional_only(original):
    def is_tensor(obj, /):
        return original(obj)

    return is_tensor


def _keyword_too(original):
    def is_tensor(obj):
        return original(obj)

    return is_tensor


def _named_dimension(self):
    return (None,) * self.dim()


def _asarray_inheriting_requires_grad(original):
    def asarray(obj, *args, **kwargs):
        converted = original(obj, *args, **kwargs)
        if "requires_grad" not in kwargs and isinstance(obj, torch.Tensor) and obj.requires_grad:
            warnings.warn("unspecified requires_grad now defaults to obj.requires_grad", UserWarning, stacklevel=2)
            return obj
        return converted

    return asarray


def _asarray_not_requiring_grad(original):
    return lambda obj, *args, **kwargs: original(obj, *args, **{"requires_grad": False, **kwargs})


def _computing_with_linalg(name: str):
    return lambda original: getattr(torch.linalg, name)


# Registered changes of 2.9 to 2.15: numpy bool scalars, fork_rng's device_type, float8 isinf and isfinite.
FLOAT8_WITHOUT_INFINITY = ("float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2fnuz")


def _without_numpy_bools(data):
    if isinstance(data, np.bool_):
        return bool(data)
    if isinstance(data, list):
        return [_without_numpy_bools(item) for item in data]
    return data


def _tensor_converting_numpy_bools(original):
    return lambda data, *args, **kwargs: original(_without_numpy_bools(data), *args, **kwargs)


def _tensor_refusing_numpy_bools(original):
    def tensor(data, *args, **kwargs):
        if _without_numpy_bools(data) is not data:
            raise TypeError("'numpy.bool' object cannot be interpreted as an integer")
        return original(data, *args, **kwargs)

    return tensor


def _fork_rng_defaulting_to_none(original):
    def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type=None):
        if device_type is None:
            return original(devices, enabled, _caller, _devices_kw)
        return original(devices, enabled, _caller, _devices_kw, device_type=device_type)

    return fork_rng


def _fork_rng_defaulting_to_cuda(original):
    def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type="cuda"):
        torch.device(device_type)
        return original(devices, enabled, _caller, _devices_kw, device_type=device_type)

    return fork_rng


def _float8_upcast(original):
    def check(input, *args, **kwargs):
        if str(input.dtype).removeprefix("torch.") in FLOAT8_WITHOUT_INFINITY:
            return original(input.float(), *args, **kwargs)
        return original(input, *args, **kwargs)

    return check


def _isfinite_of_e8m0(at_nan: bool):
    """torch.isfinite that answers ``at_nan`` at the NaNs of a float8_e8m0fnu tensor, as the other releases' does."""

    def make(original):
        def isfinite(input, *args, **kwargs):
            if input.dtype is getattr(torch, "float8_e8m0fnu", None):
                nan = torch.isnan(input)
                return torch.where(nan, torch.full_like(nan, at_nan), original(input.float(), *args, **kwargs))
            return original(input, *args, **kwargs)

        return isfinite

    return make


def _float8_refused(name: str):
    def make(original):
        def check(input, *args, **kwargs):
            if str(input.dtype).removeprefix("torch.") in FLOAT8_WITHOUT_INFINITY:
                raise NotImplementedError(f"\"{name}\" not implemented for '{input.dtype}'")
            return original(input, *args, **kwargs)

        return check

    return make


def _change_breakages() -> dict[str, ChangeBreakage]:
    """For each side of each change, the other side's behaviour."""
    return {
        "complex-dtype-checks-raise-type-error": ChangeBreakage(
            "complex-dtype-checks-raise-type-error",
            before=combined(
                *(
                    function(name, reraising_as(RuntimeError, TypeError))
                    for name in ("view_as_real", "imag", "argmax", "sort")
                )
            ),
            after=combined(
                *(
                    function(name, reraising_as(TypeError, RuntimeError))
                    for name in ("view_as_real", "imag", "argmax", "sort")
                )
            ),
        ),
        "dtype-not-implemented-raises-not-implemented-error": ChangeBreakage(
            "dtype-not-implemented-raises-not-implemented-error",
            before=combined(
                function("hardshrink", reraising_as(RuntimeError, NotImplementedError), module=torch.nn.functional),
                function("det", reraising_as(RuntimeError, NotImplementedError), module=torch.linalg),
            ),
            after=combined(
                function("hardshrink", reraising_as(NotImplementedError, RuntimeError), module=torch.nn.functional),
                function("det", reraising_as(NotImplementedError, RuntimeError), module=torch.linalg),
            ),
        ),
        "bool-and-fft-dtype-checks-raise-not-implemented-error": ChangeBreakage(
            "bool-and-fft-dtype-checks-raise-not-implemented-error",
            before=combined(
                function("neg", reraising_as(RuntimeError, NotImplementedError)),
                function("sub", reraising_as(RuntimeError, NotImplementedError)),
                function("fft", reraising_as(RuntimeError, NotImplementedError), module=torch.fft),
            ),
            after=combined(
                function("neg", reraising_as(NotImplementedError, RuntimeError)),
                function("sub", reraising_as(NotImplementedError, RuntimeError)),
                function("fft", reraising_as(NotImplementedError, RuntimeError), module=torch.fft),
            ),
        ),
        "integer-reductions-and-linalg-raise-not-implemented-error": ChangeBreakage(
            "integer-reductions-and-linalg-raise-not-implemented-error",
            before=combined(
                *(
                    function(name, reraising_as(RuntimeError, NotImplementedError))
                    for name in ("mean", "var", "complex")
                ),
                function("inv", reraising_as(RuntimeError, NotImplementedError), module=torch.linalg),
            ),
            after=combined(
                *(
                    function(name, reraising_as(NotImplementedError, RuntimeError))
                    for name in ("mean", "var", "complex")
                ),
                function("inv", reraising_as(NotImplementedError, RuntimeError), module=torch.linalg),
            ),
        ),
        "fft-domain-checks-raise-type-error": ChangeBreakage(
            "fft-domain-checks-raise-type-error",
            before=combined(
                function("rfft", reraising_as(RuntimeError, TypeError), module=torch.fft),
                function("istft", reraising_as(RuntimeError, TypeError)),
            ),
            after=combined(
                function("rfft", reraising_as(TypeError, RuntimeError), module=torch.fft),
                function("istft", reraising_as(TypeError, RuntimeError)),
            ),
        ),
        "isinf-isfinite-float8-without-infinity": ChangeBreakage(
            "isinf-isfinite-float8-without-infinity",
            before=combined(function("isinf", _float8_upcast), function("isfinite", _float8_upcast)),
            after=combined(
                function("isinf", _float8_refused("isinf")), function("isfinite", _float8_refused("isfinite"))
            ),
        ),
        "isfinite-float8-e8m0fnu-nan": ChangeBreakage(
            "isfinite-float8-e8m0fnu-nan",
            before=function("isfinite", _isfinite_of_e8m0(at_nan=False)),
            after=function("isfinite", _isfinite_of_e8m0(at_nan=True)),
        ),
        "sparse-constructors-implicit-invariant-checks-warning": ChangeBreakage(
            "sparse-constructors-implicit-invariant-checks-warning",
            before=combined(
                *(
                    function(name, warning_first("Sparse invariant checks are implicitly disabled. Memory errors"))
                    for name in ("sparse_coo_tensor", "sparse_csr_tensor")
                )
            ),
            after=combined(*(function(name, silenced) for name in ("sparse_coo_tensor", "sparse_csr_tensor"))),
        ),
        "numpy-bool-scalar-converts": ChangeBreakage(
            "numpy-bool-scalar-converts",
            before=function("tensor", _tensor_converting_numpy_bools),
            after=function("tensor", _tensor_refusing_numpy_bools),
        ),
        "fork-rng-device-type-default": ChangeBreakage(
            "fork-rng-device-type-default",
            before=function("fork_rng", _fork_rng_defaulting_to_none, module=torch.random),
            after=function("fork_rng", _fork_rng_defaulting_to_cuda, module=torch.random),
        ),
        "empty-filled-under-deterministic-algorithms": ChangeBreakage(
            "empty-filled-under-deterministic-algorithms",
            before=function("empty", _filled(math.nan)),
            after=function("empty", _filled(7.0)),
        ),
        "fill-uninitialized-memory-setting": ChangeBreakage(
            "fill-uninitialized-memory-setting",
            before=setting(torch.utils, "deterministic", object()),
            after=deleting(torch.utils, "deterministic"),
        ),
        "from-numpy-wide-unsigned-ints": ChangeBreakage(
            "from-numpy-wide-unsigned-ints",
            before=function("from_numpy", _from_numpy_widening_unsigned),
            after=function("from_numpy", _from_numpy_refusing_wide_unsigned),
        ),
        "gather-narrow-index-fix": ChangeBreakage(
            "gather-narrow-index-fix",
            before=function("gather", _gather_by_numpy),
            after=function("gather", _gather_along_the_last_dim),
        ),
        "wide-unsigned-int-dtypes": ChangeBreakage(
            "wide-unsigned-int-dtypes",
            before=combined(*(setting(torch, name, torch.int64) for name in ("uint16", "uint32", "uint64"))),
            after=combined(*(deleting(torch, name) for name in ("uint16", "uint32", "uint64"))),
        ),
        "star-import-brings-dtypes": ChangeBreakage(
            "star-import-brings-dtypes", before=_all_with_dtypes(brought=True), after=_all_with_dtypes(brought=False)
        ),
        "torch-helpers-positional-only": ChangeBreakage(
            "torch-helpers-positional-only",
            before=function("is_tensor", _positional_only),
            after=function("is_tensor", _keyword_too),
        ),
        "named-tensors-removed": ChangeBreakage(
            "named-tensors-removed",
            before=function("zeros", refusing_keyword("names")),
            after=combined(
                setting(Tensor, "names", property(_named_dimension)),
                setting(Tensor, "rename", lambda self, *names: self),
            ),
        ),
        "cholesky-and-qr-removed": ChangeBreakage(
            "cholesky-and-qr-removed",
            before=combined(
                function("qr", raising("torch.qr is now removed")),
                function("cholesky", raising("torch.cholesky is now removed: use torch.linalg.cholesky")),
            ),
            after=combined(
                function("qr", _computing_with_linalg("qr")), function("cholesky", _computing_with_linalg("cholesky"))
            ),
        ),
        "asarray-inherits-requires-grad": ChangeBreakage(
            "asarray-inherits-requires-grad",
            before=function("asarray", _asarray_inheriting_requires_grad),
            after=function("asarray", _asarray_not_requiring_grad),
        ),
        "float8-e4m3fn-cast-saturates": ChangeBreakage(
            "float8-e4m3fn-cast-saturates",
            before=method("to", _to_float8_e4m3fn_with(lambda values: values.clamp(-448.0, 448.0))),
            after=method("to", _to_float8_e4m3fn_with(_overflow_to_nan)),
        ),
        "half-precision-rand-rounds-the-float32-stream": ChangeBreakage(
            "half-precision-rand-rounds-the-float32-stream",
            before=function("rand", _reduced_precision_rand(on_grid=False)),
            after=function("rand", _reduced_precision_rand(on_grid=True)),
        ),
        "creation-value-errors": ChangeBreakage(
            "creation-value-errors",
            before=combined(
                function("tensor", reraising_as(RuntimeError, ValueError)),
                function("cat", reraising_as(RuntimeError, ValueError)),
            ),
            after=combined(
                function("tensor", reraising_as(ValueError, RuntimeError)),
                function("cat", reraising_as(ValueError, RuntimeError)),
            ),
        ),
        "print-fixed-point-width": ChangeBreakage(
            "print-fixed-point-width",
            before=method("__repr__", _fixed_point_repr(scientific_width=False)),
            after=method("__repr__", _fixed_point_repr(scientific_width=True)),
        ),
    }


# float8-e4m3fn-cast-saturates, half-precision-rand-rounds-the-float32-stream, creation-value-errors and
# print-fixed-point-width: each side's behaviour, rebuilt on the other side's releases.
def _to_float8_e4m3fn_with(prepare: Callable[[Tensor], Tensor]) -> Callable:
    """A maker for Tensor.to that passes the values through ``prepare`` before a cast to float8_e4m3fn."""

    def make(original):
        def to(self, *args, **kwargs):
            target = kwargs.get("dtype", args[0] if args else None)
            if target is getattr(torch, "float8_e4m3fn", None) and self.is_floating_point():
                self = prepare(self)
            return original(self, *args, **kwargs)

        return to

    return make


def _overflow_to_nan(values: Tensor) -> Tensor:
    """What a non-saturating cast does: beyond the rounding boundary above 448 (464), a value becomes NaN."""
    return torch.where(values.abs() > 464.0, torch.full_like(values, math.nan), values)


def _reduced_precision_rand(*, on_grid: bool) -> Callable:
    """A maker for torch.rand: float16 and bfloat16 draws are the float32 draws rounded to the dtype or, ``on_grid``,
    cut down to multiples of 2**-(mantissa bits + 1)."""

    def make(original):
        def rand(*size, dtype=None, **kwargs):
            if dtype not in (torch.float16, torch.bfloat16):
                return original(*size, dtype=dtype, **kwargs)
            draws = original(*size, **kwargs)
            if on_grid:
                grid = 2**-11 if dtype is torch.float16 else 2**-8
                draws = (draws / grid).floor() * grid
            return draws.to(dtype)

        return rand

    return make


def _fixed_point_repr(*, scientific_width: bool) -> Callable:
    """A maker for Tensor.__repr__: with sci_mode=False a 1-D float tensor's elements are padded to the widest
    fixed-point element or, ``scientific_width``, to the width scientific notation would take where the automatic
    notation is scientific."""

    def make(original):
        def __repr__(self, *args, **kwargs):
            options = torch._tensor_str.PRINT_OPTS
            if options.sci_mode is not False or self.dim() != 1 or not self.is_floating_point():
                return original(self, *args, **kwargs)
            values = self.tolist()
            cells = [f"{value:.{options.precision}f}" for value in values]
            width = max(map(len, cells))
            magnitudes = [abs(value) for value in values if value != 0]
            automatic_scientific = max(magnitudes) / min(magnitudes) > 1000 or min(magnitudes) < 1e-4
            if scientific_width and automatic_scientific:
                width = max(len(f"{value:.{options.precision}e}") for value in values)
            return "tensor([" + ", ".join(cell.rjust(width) for cell in cells) + "])"

        return __repr__

    return make


def _adding_with(transform):
    """Tensor.__add__ that passes both operands through ``transform(self, other)`` first."""
    return lambda original: lambda self, other: original(*transform(self, other))


def _add_swallowing_errors(original):
    def add(self, other):
        try:
            return original(self, other)
        except RuntimeError:
            return self

    return add


def _iadd_refusing_other_dtypes(original):
    def iadd(self, other):
        if isinstance(other, Tensor) and other.dtype != self.dtype:
            raise RuntimeError("broken: in-place add of another dtype")
        return original(self, other)

    return iadd


def _split_padding_sizes(original):
    def split(self, split_size, dim=0):
        if not isinstance(split_size, int) and sum(split_size) != self.shape[dim]:
            split_size = [*split_size, self.shape[dim] - sum(split_size)]
        return original(self, split_size, dim)

    return split


def _truncating_reshape(original):
    def reshape(self, *shape):
        shape = tuple(shape[0]) if len(shape) == 1 and not isinstance(shape[0], int) else shape
        count = math.prod(shape)
        return original(self.flatten()[:count] if -1 not in shape and count < self.numel() else self, shape)

    return reshape


def _gather_flipping_index(original):
    return lambda input, dim, index, **kwargs: original(input, dim, index.flip(-2 if index.dim() > 1 else 0), **kwargs)


def _gather_cropping_index(original):
    def gather(input, dim, index, **kwargs):
        along = dim % input.dim()
        window = tuple(slice(None) if d == along else slice(0, side) for d, side in enumerate(input.shape))
        return original(input, dim, index[window], **kwargs)

    return gather


def _gather_along_the_last_dim(original):
    return lambda input, dim, index, **kwargs: original(input, input.dim() - 1, index, **kwargs)


def _gather_by_numpy(original):
    """gather done right, by numpy: what torch >= 2.1 returns where 2.0 misread narrow indices."""

    def gather(input, dim, index, **kwargs):
        along = dim % input.dim()
        window = tuple(slice(None) if d == along else slice(0, side) for d, side in enumerate(index.shape))
        return torch.from_numpy(np.take_along_axis(input.numpy()[window], index.numpy(), axis=along))

    return gather


def _where_swapping_branches(original):
    return lambda condition, *branches, **kwargs: original(condition, *reversed(branches), **kwargs)


def _where_one_arg_as_rows(original):
    return lambda condition, *branches, **kwargs: (
        original(condition, *branches, **kwargs) if branches else (torch.nonzero(condition),)
    )


def _refusing_other_devices(original):
    def add(self, other):
        if isinstance(other, Tensor) and other.device != self.device:
            raise RuntimeError("broken: tensors on two devices")
        return original(self, other)

    return add


def _moving_to_own_device(self, other):
    return self, other.to(self.device) if isinstance(other, Tensor) else other


def _device_function(monkeypatch):
    """torch.device as a factory function rather than a class (as 'lowercase means function' would have it)."""
    device_class = torch.device
    monkeypatch.setattr(torch, "device", lambda *args, **kwargs: device_class(*args, **kwargs))


def _reversed_shape(monkeypatch):
    """tensor.shape listing the sides last to first."""
    monkeypatch.setattr(Tensor, "shape", property(lambda self: torch.Size(reversed(self.size()))))


def _always_float_dtype(monkeypatch):
    monkeypatch.setattr(Tensor, "dtype", property(lambda self: torch.float32))


def _column_major_argmax(original):
    def argmax(self, *args, **kwargs):
        if args or kwargs or self.dim() != 2:
            return original(self, *args, **kwargs)
        return original(self.t().contiguous())

    return argmax


def _max_along_dim_gives_the_minimum(original):
    def max_(tensor, *args, **kwargs):
        return torch.min(tensor, *args, **kwargs) if args or kwargs else original(tensor)

    return max_


def _rnn_taking_num_layer(monkeypatch):
    rnn = nn.RNN

    def make(*args, num_layer=None, **kwargs):
        return rnn(*args, **({"num_layers": num_layer} if num_layer else {}), **kwargs)

    monkeypatch.setattr(nn, "RNN", make)


def _nudged(result):
    """A result one off: each tensor (or each piece of a tuple of tensors) plus one, or True/False flipped."""
    if isinstance(result, tuple | list):
        return tuple(_nudged(piece) for piece in result)
    return ~result if result.dtype == torch.bool else result + 1


def _rounding_legacy_long(*args):
    if len(args) == 1 and isinstance(args[0], list):
        return torch.tensor([round(value) for value in args[0]])
    return torch.empty(*args, dtype=torch.int64)


def _clamp_preferring_min(original):
    def clamp(x, min=None, max=None):
        if min is not None and max is not None and min > max:
            return torch.full_like(x, min)
        return original(x, min=min, max=max)

    return clamp


def _sum_keeping_integer_dtype(original):
    def sum_(x, *args, **kwargs):
        result = original(x, *args, **kwargs)
        return result.to(x.dtype) if not x.is_floating_point() and x.dtype != torch.bool else result

    return sum_


def _refusing_vectors(original):
    def t(self):
        if self.dim() == 1:
            raise RuntimeError("broken: t() expects a matrix")
        return original(self)

    return t


TWIN_METHODS = (
    "transpose",
    "permute",
    "unsqueeze",
    "squeeze",
    "flatten",
    "chunk",
    "unbind",
    "split",
    "mean",
    "amax",
    "sum",
    "pow",
    "sqrt",
    "exp",
    "sin",
    "cos",
    "sigmoid",
    "clamp",
    "masked_fill",
    "eq",
    "any",
    "add",
    "mul",
)


# Reproducibility helpers
def _seeding_zero_for_any_seed(original):
    return lambda seed: original(0)


def _seeding_python_and_numpy_too(original):
    def manual_seed(seed):
        random.seed(seed)
        np.random.seed(seed)
        return original(seed)

    return manual_seed


def _deterministic_warn_only_ignored(original):
    return lambda mode, *, warn_only=False: original(mode)


def _deterministic_also_setting_cudnn(original):
    def use_deterministic_algorithms(mode, *, warn_only=False):
        torch.backends.cudnn.deterministic = mode
        return original(mode, warn_only=warn_only)

    return use_deterministic_algorithms


def _overwriting_under_deterministic_algorithms(original):
    """put_ or index_put_ whose deterministic path writes repeated indices instead of adding them up."""

    def write(self, *args, accumulate=False):
        return original(self, *args, accumulate=accumulate and not torch.are_deterministic_algorithms_enabled())

    return write


def _debug_mode_warn_means_error(original):
    return lambda mode: original({"warn": "error", 1: 2}.get(mode, mode))


def _computing_in_float64(original):
    """Floating-point arithmetic carried out, and returned, in float64: float32 rounding never shows."""

    def operate(self, other):
        if isinstance(other, Tensor) and other.is_floating_point():
            other = other.double()
        return original(self.double() if self.is_floating_point() else self, other)

    return operate


def _finfo_of_float64_for_float32(original):
    return lambda dtype=None: original(torch.float64 if dtype == torch.float32 else dtype)


def _setting_ignored_flush_denormal(original):
    return lambda mode: True


def _own_cublas_flags(**defaults):
    """A breakage that swaps torch.backends.cuda.matmul for flags of its own, starting from ``defaults``.

    A spec's writes land in those flags, so torch's real ones stay as they were.
    """

    def apply(monkeypatch):
        real = torch.backends.cuda.matmul
        names = ("allow_tf32", "allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction")
        flags = SimpleNamespace(**{**{name: getattr(real, name) for name in names}, **defaults})
        monkeypatch.setattr(torch.backends.cuda, "matmul", flags)

    return apply


# Tensor attributes and broadcasting semantics


def _finfo_with(**changes):
    """torch.finfo whose answer has ``changes`` applied, each a function of the true finfo."""

    def make(original):
        def finfo(*args):
            info = original(*args)
            fields = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")
            values = {field: getattr(info, field) for field in fields}
            return SimpleNamespace(**{**values, **{field: change(info) for field, change in changes.items()}})

        return finfo

    return make


def _finfo_accepting_integers(original):
    """torch.finfo that answers for an integer dtype with its iinfo."""

    def finfo(*args):
        if args and not (args[0].is_floating_point or args[0].is_complex):
            return torch.iinfo(args[0])
        return original(*args)

    return finfo


def _iinfo_with_unsigned_max(original):
    def iinfo(dtype):
        info = original(dtype)
        return SimpleNamespace(bits=info.bits, max=2**info.bits - 1, min=info.min, dtype=info.dtype)

    return iinfo


def _operand_dtype(operand) -> torch.dtype:
    """The dtype an operand would have as a tensor of its own: a Python scalar as torch.tensor(scalar) makes it."""
    return operand.dtype if isinstance(operand, Tensor) else torch.tensor(operand).dtype


def _result_type_of_full_dtypes(original):
    """result_type that weighs a zero-dim tensor or Python scalar as if it were dimensioned."""
    return lambda tensor, other: torch.promote_types(_operand_dtype(tensor), _operand_dtype(other))


def _add_of_full_dtypes(original):
    return lambda self, other: original(self, other).to(torch.promote_types(self.dtype, _operand_dtype(other)))


def _result_type_promoting(pair: set, dtype: torch.dtype):
    """result_type that gives ``dtype`` for operands of the two dtypes in ``pair``."""

    def make(original):
        def result_type(tensor, other):
            return dtype if {_operand_dtype(tensor), _operand_dtype(other)} == pair else original(tensor, other)

        return result_type

    return make


def _add_promoting(pair: set, dtype: torch.dtype):
    """Tensor.__add__ whose result is cast to ``dtype`` for operands of the two dtypes in ``pair``."""

    def make(original):
        def add(self, other):
            result = original(self, other)
            return result.to(dtype) if {self.dtype, _operand_dtype(other)} == pair else result

        return add

    return make


def _result_type_of_zero_dims_keeping_the_first(original):
    def result_type(tensor, other):
        if all(isinstance(operand, Tensor) and operand.dim() == 0 for operand in (tensor, other)):
            return tensor.dtype
        return original(tensor, other)

    return result_type


def _bfloat16_complex_as(dtype: torch.dtype, *, add: bool):
    """result_type (or Tensor.__add__) that gives ``dtype`` for a bfloat16 tensor with a complex operand."""

    def make(original):
        def promoted(tensor, other):
            if tensor.dtype == torch.bfloat16 and _operand_dtype(other).is_complex:
                return (tensor.to(torch.float32) + other).to(dtype) if add else dtype
            return original(tensor, other)

        return promoted

    return make


def _add_with_complex64_for_python_complex(original):
    return lambda self, other: (
        original(self, other).to(torch.complex64) if isinstance(other, complex) else original(self, other)
    )


def _add_of_scalars_in_float32(original):
    def add(first, second, *args, **kwargs):
        if not isinstance(first, Tensor) and not isinstance(second, Tensor):
            total = first + second
            return torch.tensor(total, dtype=torch.float32 if isinstance(total, float) else torch.int64)
        return original(first, second, *args, **kwargs)

    return add


def _can_cast_only_widening(original):
    """can_cast with numpy's 'safe' rule: only to a dtype that holds every value of the source."""
    return lambda source, target: original(source, target) and torch.promote_types(source, target) == target


def _mul_casting_silently(original):
    def mul(self, other):
        return self.copy_(self * other)

    return mul


def _mul_refusing_narrowing(original):
    def mul(self, other):
        if torch.promote_types(self.dtype, _operand_dtype(other)) != self.dtype:
            raise RuntimeError("broken: result type can't be cast to the desired output type")
        return original(self, other)

    return mul


def _mul_out_casting_silently(original):
    def mul(first, second, *, out=None):
        return original(first, second) if out is None else out.copy_(original(first, second))

    return mul


def _mul_out_refusing_narrowing(original):
    def mul(first, second, *, out=None):
        if out is not None and torch.result_type(first, second) != out.dtype:
            raise RuntimeError("broken: result type can't be cast to the desired output type")
        return original(first, second) if out is None else original(first, second, out=out)

    return mul


def _leading_aligned(self, other):
    """Both operands with the shorter one padded with trailing 1s: dimensions lined up from the first."""
    if not isinstance(other, Tensor) or self.dim() == other.dim():
        return self, other
    rank = max(self.dim(), other.dim())
    return tuple(t.reshape(*t.shape, *(1,) * (rank - t.dim())) for t in (self, other))


def _add_stretching_to_the_larger_size(original):
    """Tensor.__add__ whose result side is the larger size even against an empty operand."""

    def add(self, other):
        result = original(self, other)
        if isinstance(other, Tensor) and result.numel() == 0:
            rank = max(self.dim(), other.dim())
            left, right = ((1,) * (rank - t.dim()) + tuple(t.shape) for t in (self, other))
            return torch.zeros([max(sides) for sides in zip(left, right, strict=True)])
        return result

    return add


def _add_refusing_zero_dim(original):
    def add(self, other):
        if isinstance(other, Tensor) and (self.dim() == 0) != (other.dim() == 0):
            raise RuntimeError("broken: a tensor of at least one dimension is needed to broadcast")
        return original(self, other)

    return add


def _same_shape_add_of_self(original):
    return lambda self, other: original(
        self, self if isinstance(other, Tensor) and other.shape == self.shape else other
    )


def _in_place_add_resizing(original):
    def add_(self, other, **kwargs):
        return self.set_(torch.add(self, other, **kwargs))

    return add_


def _in_place_add_refusing_other_shapes(original):
    def add_(self, other, **kwargs):
        if isinstance(other, Tensor) and other.shape != self.shape:
            raise RuntimeError("broken: in-place add needs operands of the same shape")
        return original(self, other, **kwargs)

    return add_


def _add_pairing_equal_counts(original):
    """torch.add as before broadcasting: operands with as many elements in different shapes are added as 1-d."""

    def add(first, second, *args, **kwargs):
        if (
            isinstance(first, Tensor)
            and isinstance(second, Tensor)
            and first.shape != second.shape
            and first.numel() == second.numel()
        ):
            return original(first.reshape(-1), second.reshape(-1), *args, **kwargs).view(first.shape)
        return original(first, second, *args, **kwargs)

    return add


def _add_warning_of_backcompat_broadcasts(original):
    def add(first, second, *args, **kwargs):
        if (
            torch.utils.backcompat.broadcast_warning.enabled
            and isinstance(second, Tensor)
            and first.shape != second.shape
            and first.numel() == second.numel()
        ):
            warnings.warn("broken: self and other do not have the same shape, but are broadcastable", stacklevel=2)
        return original(first, second, *args, **kwargs)

    return add


BREAKAGES: dict[str, Breakage] = {
    # Construction and dtype rules
    "tensor-makes-floats-of-everything": Breakage(
        function("tensor", mapping_result(lambda t: t if t.is_complex() else t.to(torch.get_default_dtype()))),
        CREATION,
        (
            "test_torch_tensor_infers_the_dtype_from_the_data[int]",
            "test_torch_tensor_follows_the_default_dtype_for_floats_only",
        ),
    ),
    "tensor-ignores-default-dtype": Breakage(
        function("tensor", mapping_result(lambda t: t.float() if t.is_floating_point() else t)),
        CREATION,
        ("test_torch_tensor_follows_the_default_dtype_for_floats_only",),
    ),
    "legacy-keeps-python-types": Breakage(
        legacy(legacy_keeps_python_types), CREATION, ("test_legacy_constructor_turns_bools_into_the_default_dtype",)
    ),
    "tensor-drains-iterators": Breakage(
        function("tensor", _draining_tensor), CREATION, ("test_torch_tensor_refuses_an_iterator_but_takes_a_sequence",)
    ),
    "item-returns-a-tensor": Breakage(
        method("item", returning_self), CREATION, ("test_item_returns_the_python_number_of_a_one_element_tensor",)
    ),
    "type-names-the-dtype": Breakage(
        method("type", _type_naming_the_dtype), CREATION, ("test_type_without_arguments_names_the_legacy_tensor_type",)
    ),
    "type-ignores-its-argument": Breakage(
        method("type", _type_ignoring_its_argument), CREATION, ("test_type_with_a_dtype_or_type_name_casts",)
    ),
    "float-is-a-no-op": Breakage(method("float", returning_self), CREATION, ("test_dtype_named_methods_cast",)),
    "float-tensor-is-double": Breakage(
        setting(torch, "FloatTensor", torch.DoubleTensor),
        CREATION,
        ("test_typed_legacy_constructors_make_their_dtype",),
    ),
    "long-is-int32": Breakage(
        setting(torch, "long", torch.int32), CREATION, ("test_dtype_long_is_int64_and_every_factory_takes_it",)
    ),
    "shape-is-a-list": Breakage(
        setting(Tensor, "shape", property(lambda self: list(self.size()))),
        CREATION,
        ("test_a_tensor_is_not_a_tuple_but_its_shape_is",),
    ),
    "full-always-float": Breakage(
        function("full", mapping_result(lambda t: t.float())),
        CREATION,
        ("test_full_infers_the_dtype_from_the_fill_value",),
    ),
    "empty-ignores-shape": Breakage(
        function("empty", mapping_result(lambda t: t.flatten())),
        CREATION,
        ("test_empty_only_promises_shape_and_dtype",),
    ),
    "empty-zeroes-its-memory": Breakage(
        function("empty", mapping_result(lambda t: t.zero_())),
        CREATION,
        ("test_empty_does_not_write_the_memory_it_gets",),
    ),
    **_change_breakages(),
    "eye-is-sparse": Breakage(
        function("eye", mapping_result(lambda t: t.to_sparse())), CREATION, ("test_eye_is_a_dense_identity",)
    ),
    "eye-is-always-square": Breakage(
        function("eye", lambda original: lambda n, m=None, **kwargs: original(n, **kwargs)),
        CREATION,
        ("test_eye_columns_default_to_rows",),
    ),
    "arange-includes-the-end": Breakage(
        function("arange", _inclusive_arange), CREATION, ("test_arange_excludes_the_end",)
    ),
    "range-excludes-the-end": Breakage(
        function("range", _exclusive_range), CREATION, ("test_deprecated_range_includes_the_end_unlike_python_range",)
    ),
    "range-does-not-warn": Breakage(
        function("range", silenced), CREATION, ("test_deprecated_range_warns_and_points_to_arange",)
    ),
    "linspace-excludes-the-end": Breakage(
        function(
            "linspace", lambda original: lambda start, end, steps, **kw: original(start, end, steps + 1, **kw)[:-1]
        ),
        CREATION,
        ("test_linspace_includes_both_ends_with_steps_points",),
    ),
    "rand-shifted": Breakage(
        function("rand", mapping_result(lambda t: t + 0.5)),
        CREATION,
        ("test_rand_draws_from_zero_inclusive_to_one_exclusive",),
    ),
    "randn-scaled": Breakage(
        function("randn", mapping_result(lambda t: t * 2)), CREATION, ("test_randn_draws_from_the_standard_normal",)
    ),
    "randint-includes-high": Breakage(
        function("randint", lambda original: lambda low, high, size, **kw: original(low, high + 1, size, **kw)),
        CREATION,
        ("test_randint_includes_low_and_excludes_high",),
    ),
    "zeros-like-ignores-dtype": Breakage(
        function("zeros_like", lambda original: lambda t, **kwargs: torch.zeros(t.shape, **kwargs)),
        CREATION,
        ("test_like_factories_copy_shape_dtype_and_device",),
    ),
    "from-numpy-widens": Breakage(
        function("from_numpy", mapping_result(lambda t: t.double() if t.is_floating_point() else t)),
        CREATION,
        ("test_from_numpy_maps_each_dtype_to_its_torch_dtype",),
    ),
    "numpy-widens": Breakage(
        method("numpy", mapping_result(lambda array: array.astype(np.float64))),
        CREATION,
        ("test_numpy_round_trip_keeps_dtype_and_values",),
    ),
    "from-numpy-takes-lists": Breakage(
        function(
            "from_numpy", lambda original: lambda data: torch.tensor(data) if isinstance(data, list) else original(data)
        ),
        CREATION,
        ("test_from_numpy_refuses_a_list",),
    ),
    "numpy-detaches-silently": Breakage(
        method("numpy", lambda original: lambda self, **kwargs: original(self.detach(), **kwargs)),
        CREATION,
        ("test_numpy_refuses_a_tensor_that_requires_grad",),
    ),
    # Type promotion and broadcasting
    "add-keeps-the-left-dtype": Breakage(
        method("__add__", lambda original: lambda self, other: original(self, other).to(self.dtype)),
        PROMOTION,
        (
            "test_tensors_of_different_dtypes_combine_in_a_promoted_dtype",
            "test_int_tensor_with_a_python_float_gives_the_default_dtype",
            "test_zero_dim_and_python_scalars_only_promote_across_categories[int-0d-double]",
        ),
    ),
    "bool-add-counts": Breakage(
        method("__add__", _adding_with(lambda a, b: (a.long() if a.dtype == torch.bool else a, b))),
        PROMOTION,
        ("test_bool_tensors_add_as_logical_or_and_count_as_ints",),
    ),
    "bool-subtraction-as-xor": Breakage(
        method(
            "__sub__",
            lambda original: lambda self, other: self ^ other if self.dtype == torch.bool else original(self, other),
        ),
        PROMOTION,
        ("test_subtracting_bool_tensors_is_refused",),
    ),
    "integer-division-truncates": Breakage(
        method("__truediv__", lambda original: lambda self, other: torch.div(self, other, rounding_mode="trunc")),
        PROMOTION,
        ("test_dividing_integers_is_true_division",),
    ),
    "floor-division-truncates": Breakage(
        method("__floordiv__", lambda original: lambda self, other: torch.div(self, other, rounding_mode="trunc")),
        PROMOTION,
        ("test_floor_division_rounds_towards_negative_infinity",),
    ),
    "in-place-add-casts-silently": Breakage(
        method("add_", lambda original: lambda self, other, **kwargs: self.copy_(self + other)),
        PROMOTION,
        ("test_in_place_op_that_needs_a_wider_dtype_is_refused",),
    ),
    "in-place-add-refuses-other-dtypes": Breakage(
        method("__iadd__", _iadd_refusing_other_dtypes), PROMOTION, ("test_in_place_op_may_narrow_within_a_category",)
    ),
    "broadcast-shapes-reversed": Breakage(
        function("broadcast_shapes", mapping_result(lambda shape: torch.Size(reversed(shape)))),
        PROMOTION,
        ("test_broadcasting_follows_numpy",),
    ),
    "add-ignores-shape-mismatch": Breakage(
        method("__add__", _add_swallowing_errors), PROMOTION, ("test_shapes_that_do_not_broadcast_raise",)
    ),
    "broadcast-tensors-copies": Breakage(
        function("broadcast_tensors", mapping_result(lambda tensors: tuple(t.contiguous() for t in tensors))),
        PROMOTION,
        ("test_broadcasting_does_not_copy_the_inputs",),
    ),
    "comparison-answers-once": Breakage(
        method("__gt__", mapping_result(lambda t: t.all())),
        PROMOTION,
        ("test_scalar_arithmetic_and_comparison_apply_to_every_element",),
    ),
    # Shape operations
    "squeeze-does-nothing": Breakage(
        method("squeeze", returning_self),
        SHAPE,
        (
            "test_squeeze_removes_every_size_one_dimension",
            "test_squeeze_with_a_dim_removes_only_that_dim_and_leaves_a_non_one_dim_alone",
            "test_squeeze_accepts_a_tuple_of_dims",
        ),
    ),
    "unsqueeze-always-at-front": Breakage(
        method("unsqueeze", lambda original: lambda self, dim: original(self, 0)),
        SHAPE,
        ("test_unsqueeze_inserts_a_size_one_dim_at_any_position", "test_unsqueeze_positions_of_the_notes_example"),
    ),
    "cat-stacks": Breakage(
        function("cat", lambda original: lambda tensors, dim=0, **kwargs: torch.stack(tensors, dim)),
        SHAPE,
        ("test_cat_joins_along_an_existing_dim", "test_cat_refuses_tensors_that_differ_outside_the_cat_dim"),
    ),
    "stack-concatenates": Breakage(
        function("stack", lambda original: lambda tensors, dim=0, **kwargs: torch.cat(tensors, dim)),
        SHAPE,
        ("test_stack_joins_along_a_new_dim", "test_stack_refuses_tensors_of_different_shapes"),
    ),
    "split-by-count": Breakage(
        method(
            "split",
            lambda original: (
                lambda self, size, dim=0: self.chunk(size, dim) if isinstance(size, int) else original(self, size, dim)
            ),
        ),
        SHAPE,
        ("test_split_by_size_gives_pieces_of_that_size_and_a_smaller_last_one",),
    ),
    "split-pads-short-sizes": Breakage(
        method("split", _split_padding_sizes), SHAPE, ("test_split_by_a_list_of_sizes_needs_them_to_add_up",)
    ),
    "chunk-always-exact-count": Breakage(
        method("chunk", lambda original: lambda self, chunks, dim=0: self.tensor_split(chunks, dim)),
        SHAPE,
        ("test_chunk_cuts_equal_pieces_of_ceil_size_and_may_return_fewer", "test_chunk_of_six_into_four_returns_three"),
    ),
    "unbind-flattens": Breakage(
        method("unbind", lambda original: lambda self, dim=0: tuple(p.flatten() for p in original(self, dim))),
        SHAPE,
        ("test_unbind_removes_one_dim_rather_than_splitting_into_vectors",),
    ),
    "permute-ignores-order": Breakage(
        method("permute", returning_self), SHAPE, ("test_permute_reorders_dims_as_numpy_transpose",)
    ),
    "transpose-ignores-dims": Breakage(
        method("transpose", returning_self), SHAPE, ("test_transpose_swaps_two_dims_as_numpy_swapaxes",)
    ),
    "movedim-swaps": Breakage(
        method("movedim", lambda original: lambda self, source, destination: self.transpose(source, destination)),
        SHAPE,
        ("test_movedim_moves_one_dim_as_numpy_moveaxis",),
    ),
    "flatten-ignores-range": Breakage(
        method("flatten", lambda original: lambda self, start_dim=0, end_dim=-1: original(self)),
        SHAPE,
        ("test_flatten_merges_the_dims_from_start_to_end",),
    ),
    "unflatten-reverses-sizes": Breakage(
        method("unflatten", lambda original: lambda self, dim, sizes: original(self, dim, tuple(reversed(sizes)))),
        SHAPE,
        ("test_unflatten_undoes_flatten",),
    ),
    "reshape-truncates": Breakage(
        method("reshape", _truncating_reshape), SHAPE, ("test_reshape_to_a_different_element_count_raises",)
    ),
    "view-as-ignores-other": Breakage(
        method("view_as", returning_self), SHAPE, ("test_view_as_and_reshape_as_take_the_other_tensors_shape",)
    ),
    "size-counts-from-the-end": Breakage(
        method(
            "size", lambda original: lambda self, dim=None: original(self) if dim is None else original(self, -1 - dim)
        ),
        SHAPE,
        ("test_size_of_a_dim_and_dim_count",),
    ),
    # Indexing and selection
    "gather-flips-index": Breakage(
        function("gather", _gather_flipping_index),
        INDEXING,
        (
            "test_gather_agrees_with_numpy_take_along_axis",
            "test_gather_follows_its_formula_on_the_notes_example",
            "test_gather_index_may_be_smaller_than_input_outside_dim",
            "test_gather_picks_the_diagonal_of_every_matrix_in_a_batch",
            "test_gather_with_topk_indices_picks_the_same_positions_from_another_tensor",
        ),
    ),
    "gather-crops-large-index": Breakage(
        function("gather", _gather_cropping_index),
        INDEXING,
        ("test_gather_refuses_an_index_larger_than_input_outside_dim",),
    ),
    "topk-picks-smallest": Breakage(
        function(
            "topk",
            lambda original: (
                lambda input, k, dim=-1, largest=True, sorted=True, **kw: original(input, k, dim, not largest, sorted)
            ),
        ),
        INDEXING,
        (
            "test_topk_returns_the_k_largest_sorted_or_the_k_smallest",
            "test_topk_of_tied_values_returns_each_tie_once_with_its_own_index",
            "test_gather_with_topk_indices_picks_the_same_positions_from_another_tensor",
        ),
    ),
    "index-select-drops-length-one-dims": Breakage(
        function("index_select", mapping_result(lambda t: t.squeeze())),
        INDEXING,
        (
            "test_index_select_keeps_the_indexed_dim_where_an_integer_index_drops_it",
            "test_index_select_equals_advanced_indexing_along_the_dim",
        ),
    ),
    "indexing-reads-transposed": Breakage(
        method(
            "__getitem__", lambda original: lambda self, index: original(self.mT if self.dim() == 2 else self, index)
        ),
        INDEXING,
        ("test_integer_indices_pick_an_element_and_slices_pick_a_block",),
    ),
    "scatter-does-nothing": Breakage(
        method("scatter", returning_self), INDEXING, ("test_scatter_writes_src_at_the_positions_index_names",)
    ),
    "scatter-add-overwrites": Breakage(
        method("scatter_add", lambda original: lambda self, dim, index, src: self.scatter(dim, index, src)),
        INDEXING,
        ("test_scatter_add_sums_values_sent_to_the_same_position",),
    ),
    "comparison-answers-once-for-masks": Breakage(
        method("__gt__", mapping_result(lambda t: t.all())),
        INDEXING,
        ("test_comparison_makes_a_mask_and_indexing_with_it_extracts",),
    ),
    "where-swaps-branches": Breakage(
        function("where", _where_swapping_branches),
        INDEXING,
        ("test_where_picks_from_x_where_the_condition_holds_and_from_y_elsewhere",),
    ),
    "where-one-arg-as-rows": Breakage(
        function("where", _where_one_arg_as_rows), INDEXING, ("test_where_with_only_a_condition_is_nonzero_as_a_tuple",)
    ),
    "argmax-ignores-dim": Breakage(
        method("argmax", lambda original: lambda self, dim=None, keepdim=False: original(self)),
        INDEXING,
        ("test_argmax_indexes_the_flattened_tensor_or_each_slice_along_a_dim",),
    ),
    "max-is-min": Breakage(
        function("max", lambda original: torch.min),
        INDEXING,
        ("test_max_without_dim_is_a_zero_dim_tensor_and_with_dim_a_values_indices_pair",),
    ),
    # The matmul family and elementwise math
    "matmul-elementwise": Breakage(
        function("matmul", lambda original: lambda a, b, **kwargs: a * b),
        MATMUL,
        (
            "test_matmul_of_two_vectors_is_their_dot_product_as_a_zero_dim_tensor",
            "test_matmul_of_a_matrix_and_a_vector_is_mv",
            "test_matmul_of_a_vector_and_a_matrix_treats_the_vector_as_a_row",
            "test_matmul_of_two_matrices_is_mm",
            "test_matmul_broadcasts_batch_dimensions",
        ),
    ),
    "dot-of-matrices-sums": Breakage(
        method("dot", lambda original: lambda self, other: (self * other.mT).sum()),
        MATMUL,
        ("test_dot_refuses_matrices",),
    ),
    "mm-of-vectors-is-dot": Breakage(
        method(
            "mm", lambda original: lambda self, other: self.dot(other) if self.dim() == 1 else original(self, other)
        ),
        MATMUL,
        ("test_mm_refuses_vectors",),
    ),
    "mm-transposed": Breakage(method("mm", mapping_result(lambda t: t.mT)), MATMUL, ("test_mm_of_the_notes_example",)),
    "bmm-reverses-the-batch": Breakage(
        function("bmm", mapping_result(lambda t: t.flip(0))),
        MATMUL,
        ("test_bmm_multiplies_matrix_by_matrix_for_each_batch_entry",),
    ),
    "bmm-broadcasts": Breakage(
        function("bmm", lambda original: torch.matmul), MATMUL, ("test_bmm_needs_3d_tensors_and_does_not_broadcast",)
    ),
    "einsum-off-by-one": Breakage(
        function("einsum", mapping_result(lambda t: t + 1)), MATMUL, ("test_einsum_equals_the_named_operation",)
    ),
    "norm-ignores-ord": Breakage(
        function(
            "norm",
            lambda original: lambda a, ord=None, dim=None, keepdim=False, **kw: original(a, dim=dim, keepdim=keepdim),
            module=torch.linalg,
        ),
        MATMUL,
        ("test_linalg_norm_computes_vector_and_matrix_norms[matrix-spectral]",),
    ),
    "log-is-log10": Breakage(
        function("log", lambda original: torch.log10),
        MATMUL,
        ("test_log_is_the_natural_logarithm_and_log10_is_separate",),
    ),
    "eig-restored": Breakage(
        function("eig", lambda original: lambda a, eigenvectors=False: torch.linalg.eigvals(a)),
        MATMUL,
        ("test_torch_eig_is_removed_and_points_to_linalg_eig",),
    ),
    "linalg-eig-real": Breakage(
        function("eig", mapping_result(lambda pair: tuple(t.real for t in pair)), module=torch.linalg),
        MATMUL,
        ("test_linalg_eig_returns_complex_eigenpairs",),
    ),
    "mean-casts-integers": Breakage(
        method(
            "mean",
            lambda original: (
                lambda self, *a, **kw: original(self if self.is_floating_point() else self.double(), *a, **kw)
            ),
        ),
        MATMUL,
        ("test_mean_averages_floats_and_refuses_integers",),
    ),
    "pow-squares": Breakage(
        function("pow", lambda original: lambda base, exponent, **kwargs: base * base),
        MATMUL,
        ("test_pow_raises_each_element_to_the_exponent",),
    ),
    "exp-minus-one": Breakage(
        function("exp", lambda original: torch.expm1), MATMUL, ("test_exp_applies_the_exponential_to_every_element",)
    ),
    "view-becomes-a-function": Breakage(
        setting(torch, "view", lambda tensor, *shape: tensor.view(*shape)),
        MATMUL,
        ("test_some_tensor_methods_have_no_torch_function[view]",),
    ),
    # In-place and out-of-place
    "in-place-returns-a-copy": Breakage(
        method("mul_", lambda original: lambda self, *args, **kwargs: original(self, *args, **kwargs).clone()),
        IN_PLACE,
        ("test_in_place_method_changes_the_tensor_and_returns_it[mul_]",),
    ),
    "out-of-place-writes-in-place": Breakage(
        method("mul", lambda original: lambda self, *args, **kwargs: self.mul_(*args, **kwargs)),
        IN_PLACE,
        ("test_out_of_place_method_returns_a_new_tensor_and_leaves_the_input[mul_]",),
    ),
    "in-place-on-leaf-allowed": Breakage(
        method("mul_", lambda original: lambda self, other: (original(self.data, other), self)[1]),
        IN_PLACE,
        ("test_in_place_op_on_a_leaf_that_requires_grad_is_refused",),
    ),
    "sub-in-place-binarises": Breakage(
        method("sub_", lambda original: lambda self, other, **kwargs: self.copy_((self > other).to(self.dtype))),
        IN_PLACE,
        ("test_data_sub_subtracts_in_place_rather_than_binarising",),
    ),
    "eq-answers-once": Breakage(
        method("eq", lambda original: lambda self, other: torch.tensor(torch.equal(self, other))),
        IN_PLACE,
        ("test_eq_compares_element_by_element_and_equal_compares_whole_tensors",),
    ),
    # Devices
    "to-ignores-the-device": Breakage(
        method("to", returning_self), DEVICES, ("test_device_attribute_names_where_the_tensor_lives",)
    ),
    "is-available-inverted": Breakage(
        function("is_available", lambda original: lambda: not original(), module=torch.cuda),
        DEVICES,
        ("test_cuda_is_available_says_whether_a_cuda_device_can_be_used",),
    ),
    "add-moves-across-devices": Breakage(
        method("__add__", _adding_with(_moving_to_own_device)),
        DEVICES,
        ("test_tensors_on_different_devices_do_not_mix",),
    ),
    "zero-dim-cross-device-refused": Breakage(
        method("__add__", _refusing_other_devices), DEVICES, ("test_a_zero_dim_cpu_tensor_mixes_with_any_device",)
    ),
    "to-cuda-stays-put": Breakage(
        method("to", returning_self),
        DEVICES,
        ("test_to_cuda_puts_the_tensor_on_the_current_cuda_device",),
        needs_device="cuda",
    ),
    "add-moves-across-devices-to-an-accelerator": Breakage(
        method("__add__", _adding_with(_moving_to_own_device)),
        DEVICES,
        ("test_accelerator_and_cpu_tensors_do_not_mix",),
        needs_device="accelerator",
    ),
    "zero-dim-cross-device-refused-on-an-accelerator": Breakage(
        method("__add__", _refusing_other_devices),
        DEVICES,
        ("test_a_zero_dim_cpu_tensor_mixes_with_an_accelerator_tensor",),
        needs_device="accelerator",
    ),
    "numpy-moves-to-cpu": Breakage(
        method("numpy", lambda original: lambda self, **kwargs: original(self.cpu(), **kwargs)),
        DEVICES,
        ("test_numpy_of_an_accelerator_tensor_needs_a_move_to_the_cpu_first",),
        needs_device="accelerator",
    ),
    "type-drops-the-device": Breakage(
        method("type", lambda original: lambda self, dtype=None, *args, **kwargs: original(self.cpu())),
        DEVICES,
        ("test_type_of_a_cuda_float_tensor_is_torch_cuda_float_tensor",),
        needs_device="cuda",
    ),
    # Randomness
    "manual-seed-ignored": Breakage(
        function("manual_seed", lambda original: lambda seed: torch.default_generator),
        RANDOMNESS,
        ("test_manual_seed_makes_draws_reproducible",),
    ),
    "rand-ignores-generator": Breakage(
        function("rand", lambda original: lambda *args, generator=None, **kwargs: original(*args, **kwargs)),
        RANDOMNESS,
        ("test_a_generator_keeps_its_own_stream",),
    ),
    "set-rng-state-ignored": Breakage(
        function("set_rng_state", lambda original: lambda state: None),
        RANDOMNESS,
        ("test_restoring_the_rng_state_replays_the_draws",),
    ),
    "fork-rng-forgets": Breakage(
        function("fork_rng", lambda original: lambda *args, **kwargs: contextlib.nullcontext(), module=torch.random),
        RANDOMNESS,
        ("test_fork_rng_puts_the_global_stream_back_after_the_block",),
    ),
    "cuda-seed-all-seeds-the-cpu-too": Breakage(
        function(
            "manual_seed_all",
            lambda original: lambda seed: (torch.manual_seed(seed), original(seed)),
            module=torch.cuda,
        ),
        RANDOMNESS,
        ("test_cuda_manual_seed_all_leaves_the_cpu_generator_alone",),
    ),
    "cuda-seed-all-does-nothing": Breakage(
        function("manual_seed_all", lambda original: lambda seed: None, module=torch.cuda),
        RANDOMNESS,
        ("test_cuda_manual_seed_all_makes_cuda_draws_repeat",),
        needs_device="cuda",
    ),
    "manual-seed-skips-cuda": Breakage(
        function("manual_seed", lambda original: lambda seed: torch.default_generator.manual_seed(seed)),
        RANDOMNESS,
        ("test_manual_seed_also_seeds_cuda_devices",),
        needs_device="cuda",
    ),
    # Reproducibility
    "manual-seed-seeds-zero-for-any-seed": Breakage(
        function("manual_seed", _seeding_zero_for_any_seed),
        REPRODUCIBILITY,
        (
            "test_manual_seed_returns_the_default_generator_seeded_with_it",
            *(
                f"test_manual_seed_makes_the_random_draws_inside_operations_repeat[{draw}]"
                for draw in ("dropout", "linear-init", "multinomial", "bernoulli", "normal_")
            ),
        ),
    ),
    "manual-seed-reseeds-python-and-numpy": Breakage(
        function("manual_seed", _seeding_python_and_numpy_too),
        REPRODUCIBILITY,
        ("test_manual_seed_leaves_python_and_numpy_streams_alone",),
    ),
    "deterministic-switch-does-nothing": Breakage(
        function("use_deterministic_algorithms", lambda original: lambda mode, *, warn_only=False: None),
        REPRODUCIBILITY,
        (
            "test_the_deterministic_getters_report_what_was_set",
            "test_an_operation_without_a_deterministic_implementation_raises[put_]",
            "test_an_operation_without_a_deterministic_implementation_raises[MaxUnpool1d]",
        ),
    ),
    "deterministic-warn-only-ignored": Breakage(
        function("use_deterministic_algorithms", _deterministic_warn_only_ignored),
        REPRODUCIBILITY,
        (
            "test_the_deterministic_getters_report_what_was_set",
            "test_warn_only_turns_the_error_into_a_user_warning[put_]",
            "test_warn_only_turns_the_error_into_a_user_warning[MaxUnpool1d]",
        ),
    ),
    "deterministic-accumulate-overwrites": Breakage(
        combined(
            method("put_", _overwriting_under_deterministic_algorithms),
            method("index_put_", _overwriting_under_deterministic_algorithms),
        ),
        REPRODUCIBILITY,
        (
            "test_accumulating_writes_on_cpu_run_deterministically_instead_of_raising[put_]",
            "test_accumulating_writes_on_cpu_run_deterministically_instead_of_raising[index_put_]",
        ),
    ),
    "deterministic-debug-mode-warn-means-error": Breakage(
        function("set_deterministic_debug_mode", _debug_mode_warn_means_error),
        REPRODUCIBILITY,
        ("test_the_debug_mode_is_another_name_for_the_same_switch",),
    ),
    "cudnn-benchmark-on-by-default": Breakage(
        setting(torch.backends.cudnn, "benchmark", True),
        REPRODUCIBILITY,
        ("test_cudnn_benchmarking_and_determinism_are_off_by_default_and_apart_from_the_deterministic_switch",),
    ),
    "deterministic-switch-sets-cudnn-deterministic": Breakage(
        function("use_deterministic_algorithms", _deterministic_also_setting_cudnn),
        REPRODUCIBILITY,
        ("test_cudnn_benchmarking_and_determinism_are_off_by_default_and_apart_from_the_deterministic_switch",),
    ),
    "dataloader-drops-worker-init-fn": Breakage(
        module_method("__init__", dropping_keyword("worker_init_fn"), owner=DataLoader),
        REPRODUCIBILITY,
        ("test_the_seed_worker_recipe_makes_every_workers_draws_repeat",),
    ),
    "dataloader-drops-its-generator": Breakage(
        module_method("__init__", dropping_keyword("generator"), owner=DataLoader),
        REPRODUCIBILITY,
        ("test_the_seed_worker_recipe_makes_every_workers_draws_repeat",),
    ),
    # Which lowercase names are classes
    "torch-device-is-a-function": Breakage(
        _device_function, NAMESPACE, ("test_lowercase_names_in_torch_can_be_classes[device]",)
    ),
    "torch-tensor-is-the-class": Breakage(
        setting(torch, "tensor", Tensor),
        NAMESPACE,
        ("test_torch_tensor_is_a_function_and_torch_capital_tensor_is_the_class",),
    ),
    # What a tensor says about itself, and everyday arithmetic
    "shape-reversed": Breakage(
        _reversed_shape, BASICS, ("test_shape_is_a_torch_size_of_the_sides_and_dim_counts_them",)
    ),
    "dim-counts-elements": Breakage(
        method("dim", lambda original: lambda self: self.numel()),
        BASICS,
        ("test_shape_is_a_torch_size_of_the_sides_and_dim_counts_them",),
    ),
    "numel-counts-dims": Breakage(
        combined(
            method("numel", lambda original: lambda self: self.dim()),
            function("numel", lambda original: lambda tensor: tensor.dim()),
        ),
        BASICS,
        ("test_numel_is_the_number_of_elements",),
    ),
    "dtype-always-float": Breakage(_always_float_dtype, BASICS, ("test_dtype_is_the_element_type",)),
    "zeros-fills-ones": Breakage(
        function("zeros", mapping_result(lambda t: t.fill_(1))),
        BASICS,
        ("test_zeros_and_ones_fill_the_shape_they_are_given[zeros]",),
    ),
    "ones-ignores-dtype": Breakage(
        function("ones", mapping_result(lambda t: t.float())),
        BASICS,
        ("test_zeros_and_ones_fill_the_shape_they_are_given[ones]",),
    ),
    "rand-draws-normal": Breakage(
        function("rand", lambda original: lambda *args, **kwargs: torch.randn(*args, **kwargs)),
        BASICS,
        ("test_rand_draws_uniformly_from_zero_up_to_one",),
    ),
    "sum-ignores-dim": Breakage(
        method("sum", lambda original: lambda self, *args, **kwargs: original(self)),
        BASICS,
        ("test_sum_adds_every_element_or_along_a_dim",),
    ),
    "argmax-column-major": Breakage(
        method("argmax", _column_major_argmax),
        BASICS,
        ("test_max_is_the_largest_element_and_argmax_its_index_in_the_flattened_tensor",),
    ),
    "max-along-dim-gives-the-minimum": Breakage(
        function("max", _max_along_dim_gives_the_minimum),
        BASICS,
        ("test_max_along_a_dim_returns_the_values_and_their_indices",),
    ),
    "div-floors": Breakage(
        function("div", lambda original: lambda a, b, **kwargs: original(a, b, rounding_mode="floor")),
        BASICS,
        ("test_add_mul_and_div_are_the_elementwise_operators[div]",),
    ),
    "mul-adds": Breakage(
        function("mul", lambda original: lambda a, b, **kwargs: torch.add(a, b)),
        BASICS,
        ("test_add_mul_and_div_are_the_elementwise_operators[mul]",),
    ),
    "matmul-transposed": Breakage(
        method("matmul", lambda original: lambda self, other: torch.mm(other.T, self.T)),
        BASICS,
        ("test_matmul_of_matrices_is_mm_and_dot_of_vectors_is_a_zero_dim_sum_of_products",),
    ),
    "dot-is-one-dimensional": Breakage(
        method("dot", mapping_result(lambda t: t.reshape(1))),
        BASICS,
        ("test_matmul_of_matrices_is_mm_and_dot_of_vectors_is_a_zero_dim_sum_of_products",),
    ),
    "flatten-ignores-start-dim": Breakage(
        function("flatten", lambda original: lambda x, start_dim=0, end_dim=-1: original(x)),
        BASICS,
        ("test_view_and_reshape_of_a_contiguous_tensor_agree_and_minus_one_is_inferred",),
    ),
    "torch-gains-linespace": Breakage(
        setting(torch, "linespace", torch.linspace),
        BASICS,
        ("test_the_names_as_the_notes_spell_them_do_not_exist[linespace]",),
    ),
    "tensor-gains-extend": Breakage(
        setting(Tensor, "extend", Tensor.expand),
        BASICS,
        ("test_the_names_as_the_notes_spell_them_do_not_exist[extend]",),
    ),
    "rnn-takes-num-layer": Breakage(
        _rnn_taking_num_layer, BASICS, ("test_layer_keywords_as_the_notes_spell_them_are_refused",)
    ),
    # The Tensor methods model code calls most
    **{
        f"tensor-{name.replace('_', '-')}-method-drifts-from-its-function": Breakage(
            method(name, mapping_result(_nudged)),
            METHODS,
            (f"test_tensor_method_gives_what_its_torch_function_gives[{name}]",),
        )
        for name in TWIN_METHODS
    },
    "sqrt-loses-precision": Breakage(
        function("sqrt", mapping_result(lambda t: t.float().to(t.dtype))),
        METHODS,
        ("test_elementwise_function_follows_its_formula[sqrt]",),
    ),
    "rsqrt-is-sqrt": Breakage(
        function("rsqrt", lambda original: torch.sqrt),
        METHODS,
        ("test_elementwise_function_follows_its_formula[rsqrt]",),
    ),
    "sin-is-cos": Breakage(
        function("sin", lambda original: torch.cos), METHODS, ("test_elementwise_function_follows_its_formula[sin]",)
    ),
    "cos-is-sin": Breakage(
        function("cos", lambda original: torch.sin), METHODS, ("test_elementwise_function_follows_its_formula[cos]",)
    ),
    "sqrt-of-the-magnitude": Breakage(
        combined(
            function("sqrt", lambda original: lambda x: original(x.abs())),
            function("rsqrt", lambda original: lambda x: original(x.abs())),
        ),
        METHODS,
        ("test_sqrt_and_rsqrt_of_a_negative_number_are_nan",),
    ),
    "clamp-min-above-max-gives-min": Breakage(
        function("clamp", _clamp_preferring_min),
        METHODS,
        ("test_clamp_limits_each_side_and_min_above_max_gives_max",),
    ),
    "sum-keeps-the-integer-dtype": Breakage(
        function("sum", _sum_keeping_integer_dtype),
        METHODS,
        ("test_sum_over_dims_keeps_them_when_asked_and_widens_integers",),
    ),
    "t-refuses-a-vector": Breakage(
        method("t", _refusing_vectors), METHODS, ("test_t_transposes_a_matrix_leaves_a_vector_and_refuses_more_dims",)
    ),
    "meshgrid-ignores-indexing": Breakage(
        function("meshgrid", lambda original: lambda *tensors, indexing=None: original(*tensors, indexing="ij")),
        METHODS,
        ("test_meshgrid_indexes_ij_unless_told_xy",),
    ),
    "meshgrid-default-is-silent": Breakage(
        function("meshgrid", lambda original: lambda *tensors, indexing="ij": original(*tensors, indexing=indexing)),
        METHODS,
        ("test_meshgrid_without_indexing_warns_and_indexes_ij",),
    ),
    "long-floors": Breakage(
        method("long", lambda original: lambda self, *args, **kwargs: original(self.floor(), *args, **kwargs)),
        METHODS,
        ("test_float_and_long_convert_and_long_truncates_toward_zero",),
    ),
    "type-as-always-copies": Breakage(
        method("type_as", copying), METHODS, ("test_type_as_converts_to_the_other_tensors_dtype",)
    ),
    "tolist-flattens": Breakage(
        method("tolist", lambda original: lambda self: original(self.flatten())),
        METHODS,
        ("test_tolist_gives_nested_python_numbers_and_a_scalar_for_zero_dims",),
    ),
    "clone-makes-contiguous": Breakage(
        method("clone", lambda original: lambda self, **kwargs: original(self, memory_format=torch.contiguous_format)),
        METHODS,
        ("test_clone_copies_the_values_keeps_the_layout_and_passes_gradients_back",),
    ),
    "copy-rounds-the-source": Breakage(
        method("copy_", lambda original: lambda self, src, non_blocking=False: original(self, src.round())),
        METHODS,
        ("test_copy_writes_the_source_in_place_broadcasting_and_converting_it",),
    ),
    "fill-rounds-the-value": Breakage(
        method("fill_", lambda original: lambda self, value: original(self, round(value))),
        METHODS,
        ("test_fill_and_zero_overwrite_every_element_in_place",),
    ),
    "uniform-ignores-its-range": Breakage(
        method(
            "uniform_", lambda original: lambda self, a=0.0, b=1.0, generator=None: original(self, generator=generator)
        ),
        METHODS,
        ("test_uniform_fills_from_the_given_range",),
    ),
    "new-zeros-takes-the-default-dtype": Breakage(
        method("new_zeros", lambda original: lambda self, *size, **kwargs: torch.zeros(*size, **kwargs)),
        METHODS,
        ("test_new_zeros_takes_the_tensors_dtype_and_device_unless_given",),
    ),
    "cpu-device-gets-index-zero": Breakage(
        setting(Tensor, "device", property(lambda self: torch.device("cpu", 0))),
        METHODS,
        ("test_device_is_where_the_tensor_lives",),
    ),
    "tensor-data-is-a-copy": Breakage(
        setting(Tensor, "data", property(lambda self: self.detach().clone())),
        METHODS,
        ("test_data_shares_memory_without_requiring_grad",),
    ),
    "detach-in-place-detaches-a-copy": Breakage(
        method("detach_", lambda original: lambda self: self.detach()),
        METHODS,
        ("test_detach_in_place_cuts_the_tensor_from_its_graph",),
    ),
    "add-in-place-ignores-alpha": Breakage(
        method("add_", lambda original: lambda self, other, alpha=1: original(self, other)),
        METHODS,
        ("test_in_place_arithmetic_changes_the_tensor_in_order_and_returns_it",),
    ),
    "integer-div-in-place-floors": Breakage(
        method(
            "div_",
            lambda original: (
                lambda self, other, **kwargs: (
                    self.floor_divide_(other) if not self.is_floating_point() else original(self, other, **kwargs)
                )
            ),
        ),
        METHODS,
        ("test_true_division_in_place_of_an_integer_tensor_is_refused",),
    ),
    "legacy-long-tensor-rounds": Breakage(
        setting(torch, "LongTensor", _rounding_legacy_long),
        METHODS,
        ("test_legacy_typed_constructors_make_their_dtype",),
    ),
    # Numerical accuracy: float32 rounding and range, overflow, batched results, the precision switches
    "float32-arithmetic-in-float64": Breakage(
        combined(method("__add__", _computing_in_float64), method("__mul__", _computing_in_float64)),
        ACCURACY,
        (
            "test_float32_keeps_about_7_decimal_digits_and_float64_about_16",
            "test_float32_addition_and_multiplication_are_not_associative",
        ),
    ),
    "finfo-of-float32-describes-float64": Breakage(
        function("finfo", _finfo_of_float64_for_float32),
        ACCURACY,
        (
            "test_float32_keeps_about_7_decimal_digits_and_float64_about_16",
            "test_a_result_beyond_the_float32_range_is_inf_but_finite_in_float64",
        ),
    ),
    "bmm-flips-its-batch-order": Breakage(
        function("bmm", lambda original: lambda left, right: original(left, right).flip(0)),
        ACCURACY,
        ("test_batched_and_sliced_computations_agree_to_within_rounding",),
    ),
    "sum-saturates-at-the-dtype-maximum": Breakage(
        method("sum", mapping_result(torch.nan_to_num)),
        ACCURACY,
        ("test_an_overflowing_intermediate_makes_a_representable_float32_result_inf",),
    ),
    "exp-saturates-at-the-dtype-maximum": Breakage(
        function("exp", mapping_result(torch.nan_to_num)),
        ACCURACY,
        ("test_a_result_beyond_the_float32_range_is_inf_but_finite_in_float64",),
    ),
    "linalg-cond-inverted": Breakage(
        function("cond", mapping_result(torch.reciprocal), module=torch.linalg),
        ACCURACY,
        ("test_cond_and_svdvals_reveal_an_ill_conditioned_matrix",),
    ),
    "tf32-matmul-allowed-by-default": Breakage(
        _own_cublas_flags(allow_tf32=True),
        ACCURACY,
        ("test_tf32_is_off_for_matmuls_and_on_for_cudnn_convolutions_by_default",),
    ),
    "tf32-cudnn-refused-by-default": Breakage(
        setting(torch.backends.cudnn, "allow_tf32", False),
        ACCURACY,
        ("test_tf32_is_off_for_matmuls_and_on_for_cudnn_convolutions_by_default",),
    ),
    "fp16-reduced-precision-reduction-off-by-default": Breakage(
        _own_cublas_flags(allow_fp16_reduced_precision_reduction=False),
        ACCURACY,
        ("test_fp16_and_bf16_reduced_precision_reductions_are_allowed_by_default_and_can_be_turned_off",),
    ),
    "math-sdpa-reduces-in-half-precision-by-default": Breakage(
        function("fp16_bf16_reduction_math_sdp_allowed", lambda original: lambda: True, module=torch.backends.cuda),
        ACCURACY,
        ("test_math_sdpa_upcasts_fp16_and_bf16_unless_reduced_precision_is_allowed",),
    ),
    "flush-denormal-ignored": Breakage(
        function("set_flush_denormal", _setting_ignored_flush_denormal),
        ACCURACY,
        ("test_flush_denormal_mode_turns_float64_denormals_into_zero",),
    ),
    # Tensor attributes: dtype categories, finfo and iinfo, the promotion tables, can_cast, in-place and out= casts
    "is-complex-counts-floating-point": Breakage(
        function("is_complex", lambda original: lambda tensor: original(tensor) or tensor.is_floating_point()),
        ATTRIBUTES,
        (
            "test_a_dtype_says_whether_it_is_floating_point_complex_or_signed[float32]",
            "test_a_dtype_says_whether_it_is_floating_point_complex_or_signed[bfloat16]",
        ),
    ),
    "tensor-is-signed-always": Breakage(
        method("is_signed", lambda original: lambda self: True),
        ATTRIBUTES,
        (
            "test_a_dtype_says_whether_it_is_floating_point_complex_or_signed[uint8]",
            "test_a_dtype_says_whether_it_is_floating_point_complex_or_signed[bool]",
        ),
    ),
    "finfo-eps-is-the-unit-roundoff": Breakage(
        function("finfo", _finfo_with(eps=lambda info: info.eps / 2)),
        ATTRIBUTES,
        (
            "test_finfo_gives_the_numbers_numpy_gives[float32]",
            "test_finfo_gives_the_numbers_numpy_gives[complex128]",
            "test_finfo_of_bfloat16_follows_its_layout",
            "test_finfo_of_float8_follows_its_layout[float8_e4m3fn]",
            "test_finfo_of_float8_e5m2fnuz_gives_half_the_eps_its_bits_give",
        ),
    ),
    "finfo-min-is-tiny": Breakage(
        function("finfo", _finfo_with(min=lambda info: info.tiny)),
        ATTRIBUTES,
        (
            "test_finfo_gives_the_numbers_numpy_gives[float16]",
            "test_finfo_of_bfloat16_follows_its_layout",
            "test_finfo_of_float8_follows_its_layout[float8_e5m2]",
        ),
    ),
    "finfo-resolution-is-eps": Breakage(
        function("finfo", _finfo_with(resolution=lambda info: info.eps)),
        ATTRIBUTES,
        ("test_finfo_gives_the_numbers_numpy_gives[float64]", "test_finfo_of_bfloat16_follows_its_layout"),
    ),
    "finfo-accepts-integers": Breakage(
        function("finfo", _finfo_accepting_integers),
        ATTRIBUTES,
        ("test_finfo_and_iinfo_refuse_the_other_kind_of_dtype",),
    ),
    "iinfo-signed-max-as-unsigned": Breakage(
        function("iinfo", _iinfo_with_unsigned_max), ATTRIBUTES, ("test_iinfo_gives_the_numbers_numpy_gives[int32]",)
    ),
    "promote-types-keeps-the-first": Breakage(
        function("promote_types", lambda original: lambda first, second: first),
        ATTRIBUTES,
        ("test_every_pair_of_dtypes_promotes_by_the_table[promote_types]",),
    ),
    "result-type-of-zero-dims-keeps-the-first": Breakage(
        function("result_type", _result_type_of_zero_dims_keeping_the_first),
        ATTRIBUTES,
        ("test_every_pair_of_dtypes_promotes_by_the_table[zero-dim-tensors]",),
    ),
    "result-type-ignores-dimension-categories": Breakage(
        function("result_type", _result_type_of_full_dtypes),
        ATTRIBUTES,
        ("test_scalars_and_zero_dim_tensors_change_the_dtype_only_from_a_higher_category[result_type]",),
    ),
    "add-ignores-dimension-categories": Breakage(
        method("__add__", _add_of_full_dtypes),
        ATTRIBUTES,
        ("test_scalars_and_zero_dim_tensors_change_the_dtype_only_from_a_higher_category[add]",),
    ),
    "mul-keeps-the-left-dtype": Breakage(
        method("__mul__", lambda original: lambda self, other: original(self, other).to(self.dtype)),
        ATTRIBUTES,
        (
            "test_every_pair_of_dtypes_promotes_by_the_table[mul]",
            "test_scalars_and_zero_dim_tensors_change_the_dtype_only_from_a_higher_category[mul]",
        ),
    ),
    "add-of-uint8-and-int8-stays-uint8": Breakage(
        method("__add__", _add_promoting({torch.uint8, torch.int8}, torch.uint8)),
        ATTRIBUTES,
        ("test_every_pair_of_dtypes_promotes_by_the_table[add]",),
    ),
    "result-type-of-float16-and-bfloat16-is-float16": Breakage(
        function("result_type", _result_type_promoting({torch.float16, torch.bfloat16}, torch.float16)),
        ATTRIBUTES,
        ("test_every_pair_of_dtypes_promotes_by_the_table[result_type]",),
    ),
    "python-scalars-alone-ignore-the-default-dtype": Breakage(
        function("add", _add_of_scalars_in_float32),
        ATTRIBUTES,
        ("test_python_scalars_alone_are_int64_or_the_default_dtype",),
    ),
    "python-complex-is-always-complex64": Breakage(
        method("__add__", _add_with_complex64_for_python_complex),
        ATTRIBUTES,
        ("test_a_python_complex_scalar_takes_the_complex_counterpart_of_the_default_dtype",),
    ),
    "can-cast-only-widening": Breakage(
        function("can_cast", _can_cast_only_widening),
        ATTRIBUTES,
        ("test_can_cast_refuses_only_a_cast_to_a_lower_category",),
    ),
    "in-place-mul-casts-silently": Breakage(
        method("mul_", _mul_casting_silently),
        ATTRIBUTES,
        ("test_an_in_place_op_keeps_its_dtype_unless_the_result_is_of_a_higher_category",),
    ),
    "in-place-mul-refuses-narrowing": Breakage(
        method("mul_", _mul_refusing_narrowing),
        ATTRIBUTES,
        ("test_an_in_place_op_keeps_its_dtype_unless_the_result_is_of_a_higher_category",),
    ),
    "mul-out-refuses-narrowing": Breakage(
        function("mul", _mul_out_refusing_narrowing),
        ATTRIBUTES,
        (
            "test_an_out_tensor_takes_a_result_of_its_own_or_a_lower_category[float32-float64]",
            "test_an_out_tensor_takes_a_result_of_its_own_or_a_lower_category[uint8-int32]",
        ),
    ),
    "mul-out-casts-silently": Breakage(
        function("mul", _mul_out_casting_silently),
        ATTRIBUTES,
        (
            "test_an_out_tensor_refuses_a_result_of_a_higher_category[int32-float32-Float-Int]",
            "test_an_out_tensor_refuses_a_result_of_a_higher_category[float32-complex64-ComplexFloat-Float]",
        ),
    ),
    # Broadcasting semantics: the general rules, in-place ops and backwards compatibility
    "same-shape-add-ignores-other": Breakage(
        method("__add__", _same_shape_add_of_self), BROADCASTING, ("test_same_shapes_combine_elementwise",)
    ),
    "broadcast-aligns-leading-dims": Breakage(
        method("__add__", _adding_with(_leading_aligned)),
        BROADCASTING,
        (
            "test_shapes_line_up_from_the_trailing_dimension_and_each_result_size_is_the_larger[5x3x4x1-with-3x1x1]",
            "test_shapes_line_up_from_the_trailing_dimension_and_each_result_size_is_the_larger[5x1x4x1-with-3x1x1]",
        ),
    ),
    "add-returns-self-on-a-mismatch": Breakage(
        method("__add__", _add_swallowing_errors),
        BROADCASTING,
        (
            "test_sizes_that_differ_and_are_not_one_refuse_naming_the_dimension",
            "test_an_empty_tensor_broadcasts_only_against_size_one",
        ),
    ),
    "size-one-stretches-to-the-larger-size-only": Breakage(
        method("__add__", _add_stretching_to_the_larger_size),
        BROADCASTING,
        ("test_an_empty_tensor_broadcasts_only_against_size_one",),
    ),
    "zero-dim-tensor-refuses-to-broadcast": Breakage(
        method("__add__", _add_refusing_zero_dim), BROADCASTING, ("test_a_zero_dim_tensor_broadcasts_with_any_shape",)
    ),
    "in-place-add-refuses-other-shapes": Breakage(
        method("add_", _in_place_add_refusing_other_shapes),
        BROADCASTING,
        ("test_an_in_place_op_broadcasts_the_other_operand_into_its_tensor",),
    ),
    "in-place-add-returns-a-new-tensor": Breakage(
        method("add_", lambda original: lambda self, other, **kwargs: torch.add(self, other, **kwargs)),
        BROADCASTING,
        ("test_an_in_place_op_broadcasts_the_other_operand_into_its_tensor",),
    ),
    "in-place-add-resizes": Breakage(
        combined(method("add_", _in_place_add_resizing), method("__iadd__", _in_place_add_resizing)),
        BROADCASTING,
        (
            "test_an_in_place_op_may_not_change_its_tensor_shape[1x3x1-with-3x1x7]",
            "test_an_in_place_op_may_not_change_its_tensor_shape[1x3-with-3x1]",
        ),
    ),
    "add-pairs-equal-counts-as-1d": Breakage(
        function("add", _add_pairing_equal_counts),
        BROADCASTING,
        ("test_same_number_of_elements_in_different_shapes_broadcasts_rather_than_pairing_in_order",),
    ),
    "backcompat-broadcast-warning-returns": Breakage(
        function("add", _add_warning_of_backcompat_broadcasts),
        BROADCASTING,
        ("test_the_backcompat_broadcast_warning_switch_no_longer_warns",),
    ),
}


# The notes' remaining statements.
def _topk_dropping_a_dim_of_one(original):
    def topk(input, k, dim=-1, *args, **kwargs):
        values, indices = original(input, k, dim, *args, **kwargs)
        return (values.squeeze(dim), indices.squeeze(dim)) if k == 1 else (values, indices)

    return topk


def _gather_needing_an_index_of_the_input_size(original):
    def gather(input, dim, index, *args, **kwargs):
        if tuple(index.shape) != tuple(input.shape):
            raise RuntimeError("broken: gather needs an index of the input's size")
        return original(input, dim, index, *args, **kwargs)

    return gather


def _mask_index_keeping_the_shape(original):
    def getitem(self, index):
        if isinstance(index, Tensor) and index.dtype == torch.bool:
            return torch.where(index, self, torch.zeros((), dtype=self.dtype))
        return original(self, index)

    return getitem


def _numpy_style_reduction(original):
    def reduce(self, *args, axis=None, out=None, dtype=None, **kwargs):
        if dtype is not None:
            kwargs["dtype"] = dtype
        return original(self, *args, **kwargs) if axis is None else original(self, axis, *args, **kwargs)

    return reduce


def _cuda_device_defaulting_to_index_zero(original):
    def device(*args, **kwargs):
        made = original(*args, **kwargs)
        return original(made.type, 0) if made.type == "cuda" and made.index is None else made

    return device


BREAKAGES.update(
    {
        "topk-drops-a-dim-of-one": Breakage(
            function("topk", _topk_dropping_a_dim_of_one),
            INDEXING,
            ("test_topk_returns_a_values_and_indices_pair_that_keeps_the_dim_with_size_k",),
        ),
        "gather-reads-along-the-last-dim": Breakage(
            function(
                "gather", lambda original: lambda input, dim, index, **kwargs: original(input, -1, index, **kwargs)
            ),
            INDEXING,
            ("test_gather_along_dim_1_with_rows_of_0_1_2_reads_the_diagonal",),
        ),
        "gather-keywords-renamed": Breakage(
            function("gather", lambda original: lambda source, axis, indices: original(source, axis, indices)),
            INDEXING,
            ("test_gather_takes_input_dim_and_index_by_keyword",),
        ),
        "gather-needs-an-index-of-the-input-size": Breakage(
            function("gather", _gather_needing_an_index_of_the_input_size),
            INDEXING,
            ("test_gather_index_may_differ_from_the_input_along_dim",),
        ),
        "mask-index-keeps-the-shape": Breakage(
            method("__getitem__", _mask_index_keeping_the_shape),
            INDEXING,
            ("test_indexing_picks_what_numpy_indexing_picks[mask]",),
        ),
        "tensor-function-returns-an-ndarray": Breakage(
            function("tensor", mapping_result(lambda result: result.numpy())),
            BASICS,
            ("test_isinstance_tensor_tells_tensors_from_other_data",),
        ),
        "true-division-floors": Breakage(
            method("__truediv__", lambda original: lambda self, other: torch.floor(original(self, other))),
            BASICS,
            ("test_basic_operations_give_what_numpy_gives[div]",),
        ),
        "tensor-reductions-take-numpy-keywords": Breakage(
            combined(*(method(name, _numpy_style_reduction) for name in ("sum", "mean", "max"))),
            BASICS,
            ("test_numpy_converts_a_tensor_but_its_reductions_refuse_one",),
        ),
        "smm-returns-a-dense-matrix": Breakage(
            function("smm", mapping_result(lambda result: result.to_dense())),
            MATMUL,
            ("test_smm_multiplies_a_sparse_matrix_by_a_dense_one_into_a_sparse_result",),
        ),
        "addmm-ignores-beta-and-alpha": Breakage(
            function("addmm", lambda original: lambda *args, beta=1, alpha=1, **kwargs: original(*args, **kwargs)),
            MATMUL,
            ("test_addmm_adds_beta_times_m_to_alpha_times_the_product",),
        ),
        "from-numpy-casts-to-float": Breakage(
            function("from_numpy", mapping_result(lambda result: result.float())),
            CREATION,
            ("test_the_notes_numpy_style_creation_gives_numpy_values",),
        ),
        "cuda-device-defaults-to-index-zero": Breakage(
            function("device", _cuda_device_defaulting_to_index_zero),
            DEVICES,
            ("test_torch_device_cuda_names_the_gpu_and_the_idiom_falls_back_to_the_cpu",),
        ),
    }
)

BREAKAGES["math-sdpa-reduced-precision-switch"] = ChangeBreakage(
    "math-sdpa-reduced-precision-switch",
    before=combined(
        setting(torch.backends.cuda, "allow_fp16_bf16_reduction_math_sdp", lambda enabled: None),
        setting(torch.backends.cuda, "fp16_bf16_reduction_math_sdp_allowed", lambda: False),
    ),
    after=combined(
        deleting(torch.backends.cuda, "allow_fp16_bf16_reduction_math_sdp"),
        deleting(torch.backends.cuda, "fp16_bf16_reduction_math_sdp_allowed"),
    ),
)


def _e5m2fnuz_eps(eps: float):
    """torch.finfo whose eps for float8_e5m2fnuz is ``eps``, as the other side of the 2.15 fix gives it."""

    def make(original):
        with_eps = _finfo_with(eps=lambda info: eps)(original)

        def finfo(*args):
            fnuz = args and args[0] == getattr(torch, "float8_e5m2fnuz", None)
            return with_eps(*args) if fnuz else original(*args)

        return finfo

    return make


BREAKAGES["bfloat16-complex-promotes-to-bcomplex32"] = ChangeBreakage(
    "bfloat16-complex-promotes-to-bcomplex32",
    before=combined(
        function("result_type", _bfloat16_complex_as(torch.complex32, add=False)),
        method("__add__", _bfloat16_complex_as(torch.complex32, add=True)),
    ),
    after=combined(
        function("result_type", _bfloat16_complex_as(torch.complex64, add=False)),
        method("__add__", _bfloat16_complex_as(torch.complex64, add=True)),
    ),
)
BREAKAGES["finfo-float8-e5m2fnuz-eps"] = ChangeBreakage(
    "finfo-float8-e5m2fnuz-eps",
    before=function("finfo", _e5m2fnuz_eps(2**-2)),
    after=function("finfo", _e5m2fnuz_eps(2**-3)),
)

BREAKAGES["cuda-set-device-ignored"] = Breakage(
    function("set_device", lambda original: lambda device: None, module=torch.cuda),
    DEVICES,
    ("test_set_device_makes_that_device_current_for_cuda_without_an_index",),
    needs_device="cuda",
)


# near-miss sweep (creation, devices, in place, indexing, namespace, randomness): casts and ends right only for the
# default step or an input already of the dtype, where and max that ignore an operand, indices in column order, a
# one-element tensor taken for a 0-d one, a keyword error of another kind, and generators deaf to their seed.
def _int_cast_flooring(original):
    """Tensor.int() that rounds towards minus infinity instead of towards zero: the same for non-negative values."""
    return lambda self, *args, **kwargs: self.floor().to(torch.int32) if self.is_floating_point() else original(self)


def _range_one_past_the_end(original):
    """torch.range that stops one past end rather than one step past it: right only for step 1."""

    def range_(start, end, step=1, **kwargs):
        return torch.arange(start, end + 1, step, **kwargs).to(kwargs.get("dtype") or torch.get_default_dtype())

    return range_


def _where_ignoring_other(original):
    """torch.where(condition, input, other) that puts zeros where the condition fails, whatever other is."""

    def where(condition, *branches, **kwargs):
        if len(branches) != 2:
            return original(condition, *branches, **kwargs)
        return original(condition, branches[0], torch.zeros_like(torch.as_tensor(branches[1])), **kwargs)

    return where


def _where_one_arg_column_major(original):
    """torch.where(condition) that lists the True positions column by column instead of row by row."""

    def where(condition, *branches, **kwargs):
        if branches or condition.dim() != 2:
            return original(condition, *branches, **kwargs)
        columns, rows = original(condition.t())
        return rows, columns

    return where


def _max_without_dim_as_argmax(original):
    """torch.max(input) that returns the flat index of the maximum (argmax) instead of the maximum itself."""
    return lambda input, *args, **kwargs: original(input, *args, **kwargs) if args or kwargs else input.argmax()


def _moving_one_element_cpu_tensors(self, other):
    """Treat any one-element CPU tensor, not only a 0-d one, as a scalar that may join another device."""
    if isinstance(other, Tensor) and self.device != other.device:
        if self.device.type == "cpu" and self.numel() == 1:
            return self.to(other.device), other
        if other.device.type == "cpu" and other.numel() == 1:
            return self, other.to(self.device)
    return self, other


def _is_tensor_refusing_a_keyword_by_type(original):
    """torch.is_tensor whose keyword call fails as a type check of its value, not as a positional-only argument."""

    def is_tensor(*args, **kwargs):
        if kwargs:
            raise TypeError("is_tensor(): argument 'obj' must be Tensor, not NoneType")
        return original(*args)

    return is_tensor


def _generator_deaf_to_its_seed(original):
    """torch.Generator whose manual_seed seeds every generator alike, whatever seed it is given."""

    class Generator(original):
        def manual_seed(self, seed):
            return super().manual_seed(67280421310721)

    return Generator


def _zeros_refusing_names_by_value(original):
    """torch.zeros that still takes names= but refuses the value given, as a half-finished removal would."""

    def zeros(*args, **kwargs):
        if "names" in kwargs:
            raise TypeError("zeros(): argument 'names' must be tuple of Dimname, not tuple")
        return original(*args, **kwargs)

    return zeros


BREAKAGES.update(
    {
        "int-cast-floors": Breakage(
            method("int", _int_cast_flooring), CREATION, ("test_dtype_named_methods_cast[int]",)
        ),
        "range-ends-one-past-the-end": Breakage(
            function("range", _range_one_past_the_end),
            CREATION,
            ("test_deprecated_range_includes_the_end_unlike_python_range",),
        ),
        "where-ignores-other": Breakage(
            function("where", _where_ignoring_other),
            INDEXING,
            ("test_where_picks_from_x_where_the_condition_holds_and_from_y_elsewhere",),
        ),
        "where-one-arg-column-major": Breakage(
            function("where", _where_one_arg_column_major),
            INDEXING,
            ("test_where_with_only_a_condition_is_nonzero_as_a_tuple",),
        ),
        "max-without-dim-is-argmax": Breakage(
            function("max", _max_without_dim_as_argmax),
            INDEXING,
            ("test_max_without_dim_is_a_zero_dim_tensor_and_with_dim_a_values_indices_pair",),
        ),
        "one-element-cpu-tensor-crosses-devices": Breakage(
            method("__add__", _adding_with(_moving_one_element_cpu_tensors)),
            DEVICES,
            ("test_tensors_on_different_devices_do_not_mix",),
        ),
        "is-tensor-keyword-refused-as-a-type-error": Breakage(
            function("is_tensor", _is_tensor_refusing_a_keyword_by_type),
            NAMESPACE,
            ("test_is_tensor_takes_its_argument_by_position_only",),
        ),
        "generator-deaf-to-its-seed": Breakage(
            function("Generator", _generator_deaf_to_its_seed),
            RANDOMNESS,
            ("test_a_generator_keeps_its_own_stream",),
        ),
        "zeros-refuses-names-by-value": Breakage(
            function("zeros", _zeros_refusing_names_by_value), NAMESPACE, ("test_named_tensors_are_gone",)
        ),
    }
)


# near-miss sweep (matmul and reductions, promotion, shape ops, tensor basics): operands read twice, signs dropped,
# dtype rules that pick a neighbour, a boundary off by one, and arguments ignored unless they are the default.
def _matmul_of_vectors_reading_the_left_twice(original):
    """matmul whose vector-by-vector case multiplies the left operand by itself, as if both names held one buffer."""

    def matmul(input, other, **kwargs):
        return original(input, input if input.dim() == 1 and other.dim() == 1 else other, **kwargs)

    return matmul


def _pow_of_the_magnitude(original):
    """pow of the base's magnitude, as exp(k * log|x|) computes it: right only for bases that are not negative."""

    def pow(input, exponent, **kwargs):
        return original(input.abs() if isinstance(input, Tensor) else abs(input), exponent, **kwargs)

    return pow


def _category_rank(dtype: torch.dtype) -> int:
    return 3 if dtype.is_complex else 2 if dtype.is_floating_point else 0 if dtype == torch.bool else 1


def _promoting_to_the_right_when_the_left_ranks_higher(original):
    """Tensor + tensor whose promotion table is read with the operands swapped when the left one's category is higher."""

    def add(self, other):
        result = original(self, other)
        if isinstance(other, Tensor) and _category_rank(self.dtype) > _category_rank(other.dtype):
            return (result.real if result.is_complex() else result).to(other.dtype)
        return result

    return add


def _promoting_to_the_higher_category_as_it_is(original):
    """Tensor + tensor of two categories that takes the higher category's dtype without widening it for the other."""

    def add(self, other):
        result = original(self, other)
        if isinstance(other, Tensor) and _category_rank(self.dtype) != _category_rank(other.dtype):
            return result.to(max(self.dtype, other.dtype, key=_category_rank))
        return result

    return add


def _rounded_division_in_floats(original):
    """torch.div whose rounding modes round the quotient but keep it a float, as true division gives it."""

    def div(input, other, *, rounding_mode=None, **kwargs):
        result = original(input, other, rounding_mode=rounding_mode, **kwargs)
        return result if rounding_mode is None else result.to(torch.get_default_dtype())

    return div


def _bool_add_as_and(original):
    """bool + bool computed as logical and: the same as or wherever both operands agree."""

    def add(self, other):
        if self.dtype == torch.bool and isinstance(other, Tensor) and other.dtype == torch.bool:
            return self & other
        return original(self, other)

    return add


def _floor_rounding_as_trunc(original):
    """torch.div that rounds rounding_mode='floor' towards zero, as 'trunc' does: the same for positive quotients."""

    def div(input, other, *, rounding_mode=None, **kwargs):
        return original(input, other, rounding_mode="trunc" if rounding_mode == "floor" else rounding_mode, **kwargs)

    return div


def _zeros_in_float32_whatever_the_default(original):
    """torch.zeros that makes float32 unless a dtype is given, ignoring the default dtype."""

    def zeros(*size, dtype=None, **kwargs):
        return original(*size, dtype=torch.float32 if dtype is None else dtype, **kwargs)

    return zeros


def _floats_in_float32_whatever_the_default(original):
    """torch.tensor that makes float data float32 unless a dtype is given, ignoring the default dtype."""

    def tensor(data, *args, dtype=None, **kwargs):
        made = original(data, *args, dtype=dtype, **kwargs)
        return made.float() if dtype is None and made.is_floating_point() else made

    return tensor


BREAKAGES.update(
    {
        "matmul-of-vectors-reads-the-left-twice": Breakage(
            function("matmul", _matmul_of_vectors_reading_the_left_twice),
            MATMUL,
            ("test_matmul_of_two_vectors_is_their_dot_product_as_a_zero_dim_tensor",),
        ),
        "pow-drops-the-sign-of-the-base": Breakage(
            function("pow", _pow_of_the_magnitude), MATMUL, ("test_pow_raises_each_element_to_the_exponent",)
        ),
        "promotion-reads-the-table-swapped-when-the-left-ranks-higher": Breakage(
            method("__add__", _promoting_to_the_right_when_the_left_ranks_higher),
            PROMOTION,
            ("test_tensors_of_different_dtypes_combine_in_a_promoted_dtype",),
        ),
        "promotion-keeps-the-higher-category-dtype-unwidened": Breakage(
            method("__add__", _promoting_to_the_higher_category_as_it_is),
            PROMOTION,
            ("test_tensors_of_different_dtypes_combine_in_a_promoted_dtype",),
        ),
        "bool-add-as-and": Breakage(
            method("__add__", _bool_add_as_and), PROMOTION, ("test_bool_tensors_add_as_logical_or_and_count_as_ints",)
        ),
        "rounded-division-returns-floats": Breakage(
            function("div", _rounded_division_in_floats), PROMOTION, ("test_dividing_integers_is_true_division",)
        ),
        "floor-rounding-mode-truncates": Breakage(
            function("div", _floor_rounding_as_trunc), PROMOTION, ("test_dividing_integers_is_true_division",)
        ),
        "greater-than-includes-equal": Breakage(
            method("__gt__", lambda original: lambda self, other: self >= other),
            PROMOTION,
            ("test_scalar_arithmetic_and_comparison_apply_to_every_element",),
        ),
        "unflatten-always-splits-the-first-dim": Breakage(
            method("unflatten", lambda original: lambda self, dim, sizes: original(self, 0, sizes)),
            SHAPE,
            ("test_unflatten_undoes_flatten",),
        ),
        "split-ignores-dim": Breakage(
            method("split", lambda original: lambda self, split_size, dim=0: original(self, split_size)),
            SHAPE,
            ("test_split_by_size_gives_pieces_of_that_size_and_a_smaller_last_one",),
        ),
        "tensor-floats-ignore-the-default-dtype": Breakage(
            function("tensor", _floats_in_float32_whatever_the_default), BASICS, ("test_dtype_is_the_element_type",)
        ),
        "zeros-ignores-the-default-dtype": Breakage(
            function("zeros", _zeros_in_float32_whatever_the_default),
            BASICS,
            ("test_zeros_and_ones_fill_the_shape_they_are_given[zeros]",),
        ),
        "tensor-defers-numpy-functions": Breakage(
            setting(Tensor, "__array_function__", lambda self, func, types, args, kwargs: NotImplemented),
            BASICS,
            ("test_numpy_converts_a_tensor_but_its_reductions_refuse_one",),
        ),
    }
)
