"""Making tensors: the dtype each constructor and factory picks, the values factories fill in, numpy round trips."""

import os
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from torchspecs.assertions import (
    assert_close,
    assert_dtype,
    assert_equal,
    assert_shape,
    assert_values_equal,
)
from torchspecs.isolation import default_dtype, deterministic_algorithms, fill_uninitialized_memory

STATM = Path("/proc/self/statm")
MIB = 2**20

# The numpy dtypes from_numpy has accepted on every torch release this suite covers, and what each becomes.
FROM_NUMPY_DTYPES = {
    np.float64: torch.float64,
    np.float32: torch.float32,
    np.float16: torch.float16,
    np.complex64: torch.complex64,
    np.complex128: torch.complex128,
    np.int64: torch.int64,
    np.int32: torch.int32,
    np.int16: torch.int16,
    np.int8: torch.int8,
    np.uint8: torch.uint8,
    np.bool_: torch.bool,
}
WIDE_UNSIGNED = (np.uint16, np.uint32, np.uint64)


@pytest.mark.doc("torch.tensor")
@pytest.mark.parametrize(
    ("data", "expected"),
    [([True, False], torch.bool), ([1, 2], torch.int64), ([1.5, 2], torch.float32), ([1 + 2j], torch.complex64)],
    ids=["bool", "int", "float", "complex"],
)
def test_torch_tensor_infers_the_dtype_from_the_data(data, expected):
    """torch.tensor infers bool from bools, int64 from ints, the default float dtype from floats (any float wins)."""
    assert_dtype(torch.tensor(data), expected)


@pytest.mark.doc("torch.tensor")
def test_torch_tensor_follows_the_default_dtype_for_floats_only():
    """Under set_default_dtype(float64), torch.tensor makes float64 (and complex128) from floats; ints stay int64."""
    with default_dtype(torch.float64):
        assert_dtype(torch.tensor([1.5]), torch.float64)
        assert_dtype(torch.tensor([1j]), torch.complex128)
        assert_dtype(torch.tensor([1]), torch.int64)


@pytest.mark.doc("torch.Tensor")
def test_legacy_constructor_turns_bools_into_the_default_dtype():
    """torch.Tensor([True, False]) is the float tensor [1., 0.], where torch.tensor keeps bool."""
    made = torch.Tensor([True, False])
    assert_dtype(made, torch.get_default_dtype())
    assert_values_equal(made, torch.tensor([1.0, 0.0]))


@pytest.mark.doc("torch.tensor")
@pytest.mark.claim("003.tensor-from-iterator", verdict="wrong")
def test_torch_tensor_refuses_an_iterator_but_takes_a_sequence():
    """torch.tensor needs a sequence (list, tuple, range); an iterator or generator raises 'Could not infer dtype'."""
    assert_values_equal(torch.tensor(range(3)), torch.tensor([0, 1, 2]))
    with pytest.raises(RuntimeError, match="Could not infer dtype of list_iterator"):
        torch.tensor(iter([1, 2]))
    with pytest.raises(RuntimeError, match="Could not infer dtype of generator"):
        torch.tensor(value for value in [1, 2])


@pytest.mark.doc("torch.Tensor.item")
@pytest.mark.claim("003.item-of-one-element", verdict="holds")
def test_item_returns_the_python_number_of_a_one_element_tensor():
    """item() turns a one-element tensor (of any shape) into a Python number, and refuses any other tensor."""
    assert_equal(type(torch.tensor([[7]]).item()), int, "the type of item() of an int tensor")
    assert_equal(torch.tensor([2.5]).item(), 2.5, "item() of tensor([2.5])")
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        torch.tensor([1, 2]).item()


@pytest.mark.doc("torch.Tensor.type")
@pytest.mark.claim("001.type-returns-and-casts", verdict="holds")
@pytest.mark.parametrize(
    ("dtype", "name"),
    [
        (torch.float32, "torch.FloatTensor"),
        (torch.float64, "torch.DoubleTensor"),
        (torch.float16, "torch.HalfTensor"),
        (torch.bfloat16, "torch.BFloat16Tensor"),
        (torch.int64, "torch.LongTensor"),
        (torch.int32, "torch.IntTensor"),
        (torch.uint8, "torch.ByteTensor"),
        (torch.bool, "torch.BoolTensor"),
    ],
)
def test_type_without_arguments_names_the_legacy_tensor_type(dtype, name):
    """Tensor.type() returns the legacy type name as a string, such as 'torch.FloatTensor' for a CPU float32 tensor."""
    assert_equal(torch.zeros(1, dtype=dtype).type(), name, f"type() of a {dtype} tensor")


@pytest.mark.doc("torch.Tensor.type")
@pytest.mark.claim("001.type-returns-and-casts", verdict="holds")
def test_type_with_a_dtype_or_type_name_casts():
    """Tensor.type(dtype) and Tensor.type('torch.IntTensor') return a copy cast to that type."""
    source = torch.tensor([1.7, -2.2])
    assert_values_equal(source.type(torch.int32), torch.tensor([1, -2], dtype=torch.int32))
    assert_dtype(source.type(torch.int32), torch.int32)
    assert_dtype(source.type("torch.IntTensor"), torch.int32)


@pytest.mark.doc("tensors", "data-types")
@pytest.mark.claim("003.dtype-methods-cast", verdict="holds")
@pytest.mark.parametrize(
    ("cast", "expected", "values"),
    [
        ("float", torch.float32, [-1.5, 0.0, 2.5]),
        ("double", torch.float64, [-1.5, 0.0, 2.5]),
        ("half", torch.float16, [-1.5, 0.0, 2.5]),
        ("long", torch.int64, [-1, 0, 2]),
        ("int", torch.int32, [-1, 0, 2]),
        ("bool", torch.bool, [True, False, True]),
    ],
    ids=["float", "double", "half", "long", "int", "bool"],
)
def test_dtype_named_methods_cast(cast, expected, values):
    """x.float(), x.double(), x.long() and the like return x cast to that dtype (integers truncate towards zero)."""
    cast_tensor = getattr(torch.tensor([-1.5, 0.0, 2.5], dtype=torch.bfloat16), cast)()
    assert_dtype(cast_tensor, expected)
    assert_values_equal(cast_tensor, torch.tensor(values, dtype=expected))


@pytest.mark.doc("tensors", "data-types")
@pytest.mark.claim("003.typed-constructors", verdict="holds")
@pytest.mark.parametrize(
    ("constructor", "expected"),
    [
        ("FloatTensor", torch.float32),
        ("DoubleTensor", torch.float64),
        ("LongTensor", torch.int64),
        ("IntTensor", torch.int32),
        ("ByteTensor", torch.uint8),
        ("BoolTensor", torch.bool),
    ],
)
def test_typed_legacy_constructors_make_their_dtype(constructor, expected):
    """torch.FloatTensor(data) is float32, torch.LongTensor(data) int64, and so on, whatever the data holds."""
    assert_dtype(getattr(torch, constructor)([1, 0]), expected)


@pytest.mark.doc("torch.dtype")
@pytest.mark.claim("003.dtype-given-at-creation", verdict="holds")
@pytest.mark.parametrize("factory", ["tensor", "zeros", "ones", "empty"])
def test_dtype_long_is_int64_and_every_factory_takes_it(factory):
    """torch.long is another name for torch.int64, and factories accept it as dtype=."""
    assert_equal(torch.long, torch.int64, "torch.long")
    assert_dtype(getattr(torch, factory)([2], dtype=torch.long), torch.int64)


@pytest.mark.doc("size")
@pytest.mark.claim("003.tensor-has-tuple-type", verdict="wrong")
def test_a_tensor_is_not_a_tuple_but_its_shape_is():
    """A tensor is not a tuple; its .shape is a torch.Size, which is a tuple subclass."""
    tensor = torch.zeros(2, 3)
    assert_equal(isinstance(tensor, tuple), False, "isinstance(tensor, tuple)")
    assert_equal(type(tensor.shape), torch.Size, "type(tensor.shape)")
    assert_equal(tensor.shape == (2, 3) and isinstance(tensor.shape, tuple), True, "shape is the tuple (2, 3)")


@pytest.mark.doc("torch.full")
@pytest.mark.claim("003.full-fills-a-value", verdict="holds")
@pytest.mark.parametrize(
    ("fill", "expected"), [(7, torch.int64), (7.0, torch.float32), (True, torch.bool), (1j, torch.complex64)]
)
def test_full_infers_the_dtype_from_the_fill_value(fill, expected):
    """torch.full(size, fill) fills every element with fill, and takes its dtype from fill's Python type."""
    filled = torch.full((2, 3), fill)
    assert_dtype(filled, expected)
    assert_values_equal(filled, torch.tensor(fill).expand(2, 3))


@pytest.mark.doc("torch.empty")
def test_empty_only_promises_shape_and_dtype():
    """torch.empty(y, x) returns a y-by-x tensor of the default (or given) dtype."""
    assert_shape(torch.empty(2, 3), (2, 3))
    assert_dtype(torch.empty(2, 3), torch.get_default_dtype())
    assert_dtype(torch.empty(2, dtype=torch.int16), torch.int16)


def _empty_after_freeing_sevens() -> torch.Tensor:
    """torch.empty right after a tensor of 7s is freed: unfilled, it shows whatever the allocator hands back."""
    sevens = torch.full((4096,), 7.0)
    del sevens
    return torch.empty(4096)


def _resident_bytes() -> int:
    """This process's resident memory, from /proc/self/statm."""
    return int(STATM.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.doc("torch.empty")
@pytest.mark.claim("003.empty-uninitialized", verdict="holds")
@pytest.mark.skipif(not STATM.exists(), reason="reads the process's resident memory from /proc/self/statm (Linux)")
def test_empty_does_not_write_the_memory_it_gets():
    """torch.empty leaves its memory uninitialised: 64 MiB of it adds little resident memory until it is written."""
    before = _resident_bytes()
    tensor = torch.empty(16 * MIB)  # 16 Mi float32 elements: 64 MiB
    after_empty = _resident_bytes()
    tensor.fill_(7.0)
    after_writing = _resident_bytes()
    assert after_empty - before < 8 * MIB, f"empty() made {(after_empty - before) / MIB:.0f} MiB resident"
    assert after_writing - after_empty > 48 * MIB, (
        f"writing made {(after_writing - after_empty) / MIB:.0f} MiB resident"
    )


@pytest.mark.doc("torch.empty")
@pytest.mark.change("empty-filled-under-deterministic-algorithms", side="after")
def test_empty_is_filled_with_nan_or_the_maximum_under_deterministic_algorithms():
    """With deterministic algorithms on, empty fills floats with NaN and integers with their maximum."""
    with deterministic_algorithms():
        assert_values_equal(torch.empty(3), torch.full((3,), float("nan")))
        assert_values_equal(torch.empty(3, dtype=torch.int32), torch.full((3,), 2**31 - 1))


@pytest.mark.doc("torch.empty")
@pytest.mark.change("empty-filled-under-deterministic-algorithms", side="before")
def test_empty_is_left_unfilled_under_deterministic_algorithms():
    """Deterministic algorithms leave empty uninitialised: it is not filled with NaN."""
    with deterministic_algorithms():
        assert_equal(bool(_empty_after_freeing_sevens().isnan().all()), False, "every element of empty() is NaN")


@pytest.mark.doc("deterministic")
@pytest.mark.change("fill-uninitialized-memory-setting", side="after")
def test_fill_uninitialized_memory_is_on_by_default_and_can_be_turned_off():
    """torch.utils.deterministic.fill_uninitialized_memory (default True) controls that filling."""
    assert_equal(torch.utils.deterministic.fill_uninitialized_memory, True, "fill_uninitialized_memory by default")
    with deterministic_algorithms(), fill_uninitialized_memory(False):
        assert_equal(bool(_empty_after_freeing_sevens().isnan().all()), False, "every element of empty() is NaN")


@pytest.mark.doc("deterministic")
@pytest.mark.change("fill-uninitialized-memory-setting", side="before")
def test_there_is_no_fill_uninitialized_memory_setting():
    """There is no torch.utils.deterministic module: the filling under deterministic algorithms cannot be turned off."""
    assert_equal(hasattr(torch.utils, "deterministic"), False, "hasattr(torch.utils, 'deterministic')")


@pytest.mark.doc("torch.eye")
@pytest.mark.claim("003.eye-is-sparse", verdict="wrong")
def test_eye_is_a_dense_identity():
    """torch.eye returns a dense (strided) tensor with ones on the diagonal, not a sparse tensor."""
    identity = torch.eye(3)
    assert_equal(identity.layout, torch.strided, "eye(3).layout")
    assert_values_equal(identity, torch.diag(torch.ones(3)))


@pytest.mark.doc("torch.eye")
@pytest.mark.claim("003.eye-columns-default-to-rows", verdict="holds")
def test_eye_columns_default_to_rows():
    """torch.eye(n) is n-by-n; torch.eye(n, m) is n-by-m with ones where row == column."""
    assert_shape(torch.eye(3), (3, 3))
    assert_values_equal(torch.eye(2, 3), torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))


@pytest.mark.doc("torch.arange")
@pytest.mark.claim("003.arange-start-to-end", verdict="holds")
def test_arange_excludes_the_end():
    """torch.arange(start, end, step) runs from start up to but not including end, for int and float steps."""
    assert_values_equal(torch.arange(5), torch.tensor([0, 1, 2, 3, 4]))
    assert_values_equal(torch.arange(1, 2, 0.25), torch.tensor([1.0, 1.25, 1.5, 1.75]))
    assert_dtype(torch.arange(5), torch.int64)
    assert_dtype(torch.arange(0, 1, 0.5), torch.get_default_dtype())


@pytest.mark.doc("torch.range")
@pytest.mark.claim("003.range-like-python-range", verdict="wrong")
@pytest.mark.filterwarnings("ignore:torch.range is deprecated:UserWarning")
def test_deprecated_range_includes_the_end_unlike_python_range():
    """torch.range(start, end, step) includes end, unlike Python's range, and always makes floats."""
    assert_values_equal(torch.range(0, 3), torch.tensor([0.0, 1.0, 2.0, 3.0]))
    assert_values_equal(torch.range(1, 2, 0.5), torch.tensor([1.0, 1.5, 2.0]))
    assert_equal(len(torch.range(0, 3)), len(range(0, 3)) + 1, "len(torch.range(0, 3))")
    assert_dtype(torch.range(0, 3), torch.get_default_dtype())


@pytest.mark.doc("torch.range")
def test_deprecated_range_warns_and_points_to_arange():
    """torch.range still exists, and warns that it is deprecated in favour of torch.arange."""
    with pytest.warns(UserWarning, match=r"torch\.range is deprecated.*torch\.arange"):
        torch.range(0, 1)


@pytest.mark.doc("torch.linspace")
@pytest.mark.claim("003.linspace-includes-both-ends", verdict="holds")
@given(start=st.integers(-5, 5), length=st.integers(1, 10), steps=st.integers(2, 12))
def test_linspace_includes_both_ends_with_steps_points(start, length, steps):
    """torch.linspace(start, end, steps) has exactly steps evenly spaced points, the first start, the last end."""
    end = start + length
    points = torch.linspace(start, end, steps, dtype=torch.float64)
    assert_equal((points[0].item(), points[-1].item()), (start, end), "the first and last points")
    assert_close(points, start + torch.arange(steps, dtype=torch.float64) * (length / (steps - 1)))


@pytest.mark.doc("torch.rand")
def test_rand_draws_from_zero_inclusive_to_one_exclusive():
    """torch.rand fills its shape with draws from [0, 1) in the default dtype."""
    draws = torch.rand(10_000)
    assert_equal(bool(draws.min() >= 0 and draws.max() < 1), True, "every draw in [0, 1)")
    assert_dtype(draws, torch.get_default_dtype())


@pytest.mark.doc("torch.randn")
@pytest.mark.claim("003.randn-standard-normal", verdict="holds")
def test_randn_draws_from_the_standard_normal():
    """torch.randn draws from the normal distribution with mean 0 and variance 1 (seeded, so this is exact)."""
    draws = torch.randn(100_000, dtype=torch.float64)
    assert_equal(round(draws.mean().item(), 1), 0.0, "the sample mean, to one decimal")
    assert_equal(round(draws.var().item(), 1), 1.0, "the sample variance, to one decimal")


@pytest.mark.doc("torch.randint")
@pytest.mark.claim("003.randint-high-excluded", verdict="holds")
@given(low=st.integers(-50, 50), width=st.integers(1, 4), seed=st.integers(0, 2**32))
def test_randint_includes_low_and_excludes_high(low, width, seed):
    """torch.randint(low, high, size) draws int64 values from low to high - 1: low is included, high is not."""
    generator = torch.Generator().manual_seed(seed)
    draws = torch.randint(low, low + width, (400,), generator=generator)
    assert_dtype(draws, torch.int64)
    assert_equal(sorted(draws.unique().tolist()), list(range(low, low + width)), "the distinct values drawn")


@pytest.mark.doc("torch.zeros_like")
@pytest.mark.claim("003.like-keeps-shape", verdict="holds")
@pytest.mark.parametrize(
    ("like", "extra_args", "value"), [("zeros_like", (), 0), ("ones_like", (), 1), ("full_like", (5,), 5)]
)
def test_like_factories_copy_shape_dtype_and_device(like, extra_args, value):
    """zeros_like, ones_like and full_like return a new tensor with the input's shape, dtype and device."""
    model = torch.arange(6, dtype=torch.int16).reshape(2, 3)
    made = getattr(torch, like)(model, *extra_args)
    assert_dtype(made, torch.int16)
    assert_values_equal(made, torch.full((2, 3), value))
    assert_equal(made.device, model.device, "the device")


@pytest.mark.doc("torch.from_numpy")
@pytest.mark.claim("003.from-numpy-converts", verdict="holds")
@pytest.mark.parametrize(("numpy_dtype", "expected"), FROM_NUMPY_DTYPES.items())
def test_from_numpy_maps_each_dtype_to_its_torch_dtype(numpy_dtype, expected):
    """from_numpy turns each supported numpy dtype into the torch dtype of the same kind and width."""
    assert_dtype(torch.from_numpy(np.zeros(2, dtype=numpy_dtype)), expected)


@pytest.mark.doc("torch.Tensor.numpy")
@pytest.mark.parametrize("numpy_dtype", FROM_NUMPY_DTYPES)
def test_numpy_round_trip_keeps_dtype_and_values(numpy_dtype):
    """torch.from_numpy(a).numpy() gives back an array of a's dtype and values."""
    array = np.arange(4).astype(numpy_dtype)
    back = torch.from_numpy(array).numpy()
    assert_equal(back.dtype, array.dtype, "the round-tripped dtype")
    assert_values_equal(back, array)


@pytest.mark.doc("torch.from_numpy")
@pytest.mark.change("wide-unsigned-int-dtypes", side="after")
@pytest.mark.change("from-numpy-wide-unsigned-ints", side="after")
@pytest.mark.parametrize("numpy_dtype", WIDE_UNSIGNED)
def test_from_numpy_accepts_wide_unsigned_ints(numpy_dtype):
    """from_numpy accepts uint16, uint32 and uint64 arrays, as torch.uint16/32/64."""
    converted = torch.from_numpy(np.zeros(2, dtype=numpy_dtype))
    assert_equal(converted.dtype, getattr(torch, numpy_dtype.__name__), "the dtype")


@pytest.mark.doc("torch.from_numpy")
@pytest.mark.change("from-numpy-wide-unsigned-ints", side="before")
@pytest.mark.parametrize("numpy_dtype", WIDE_UNSIGNED)
def test_from_numpy_refuses_wide_unsigned_ints(numpy_dtype):
    """from_numpy refuses uint16, uint32 and uint64 arrays: of the unsigned ints only uint8 converts."""
    with pytest.raises(TypeError, match=f"can't convert np.ndarray of type numpy.{numpy_dtype.__name__}"):
        torch.from_numpy(np.zeros(2, dtype=numpy_dtype))


@pytest.mark.doc("torch.from_numpy")
@pytest.mark.claim("004.from-numpy-of-a-list", verdict="wrong")
def test_from_numpy_refuses_a_list():
    """from_numpy takes only an ndarray: a nested list raises TypeError (torch.tensor is the function for lists)."""
    with pytest.raises(TypeError, match=r"expected np.ndarray \(got list\)"):
        torch.from_numpy([[1, 2, 3], [4, 5, 6], [7, 8, 9]])


@pytest.mark.doc("torch.Tensor.numpy")
@pytest.mark.claim("003.numpy-converts", verdict="holds")
def test_numpy_refuses_a_tensor_that_requires_grad():
    """Tensor.numpy() converts a CPU tensor, but refuses one that requires grad and points to detach().numpy()."""
    weights = torch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        weights.numpy()
    assert_values_equal(weights.detach().numpy(), np.ones(2, dtype=np.float32))


@pytest.mark.doc("torch.asarray")
@pytest.mark.change("asarray-inherits-requires-grad", side="after")
def test_asarray_of_a_tensor_keeps_its_requires_grad_and_warns_of_the_new_default():
    """torch.asarray(t) of a tensor requiring grad requires grad too (requires_grad=None inherits), warning of the change."""
    source = torch.ones(2, requires_grad=True) * 2
    with pytest.warns(UserWarning, match="unspecified requires_grad now defaults to obj.requires_grad"):
        converted = torch.asarray(source)
    assert_equal(converted.requires_grad, True, "requires_grad of torch.asarray(t)")


@pytest.mark.doc("torch.asarray")
@pytest.mark.change("asarray-inherits-requires-grad", side="before")
def test_asarray_of_a_tensor_does_not_require_grad_by_default():
    """torch.asarray(t) of a tensor requiring grad does not require grad: requires_grad defaults to False."""
    assert_equal(torch.asarray(torch.ones(2, requires_grad=True) * 2).requires_grad, False, "requires_grad")


@pytest.mark.doc("tensors", "data-types")
@pytest.mark.change("wide-unsigned-int-dtypes", side="after")
def test_uint16_holds_values_beyond_int16():
    """torch.uint16 is a 16-bit unsigned dtype: 65535 round-trips through it, where int16 would wrap."""
    converted = torch.tensor([1, 65535]).to(torch.uint16)
    assert_equal(
        (converted.dtype, converted.element_size(), converted.to(torch.int64).tolist()),
        (torch.uint16, 2, [1, 65535]),
        "(dtype, element_size(), values)",
    )


@pytest.mark.doc("tensors", "data-types")
@pytest.mark.change("wide-unsigned-int-dtypes", side="before")
def test_uint8_is_the_only_unsigned_dtype():
    """torch has no uint16, uint32 or uint64 dtype: uint8 is its only unsigned integer type."""
    assert_equal([hasattr(torch, name) for name in ("uint16", "uint32", "uint64")], [False] * 3, "they exist")


@pytest.mark.doc("torch.from_numpy")
@pytest.mark.doc("torch.Tensor")
@pytest.mark.claim("004.tensors-made-like-numpy", verdict="holds")
def test_the_notes_numpy_style_creation_gives_numpy_values():
    """from_numpy(np.array([1, 2, 3, 4])) keeps the array's int64 values; torch.Tensor([1, 2, 3, 4]) makes float32;
    zeros and arange are made as numpy makes them."""
    array = np.array([1, 2, 3, 4], dtype=np.int64)
    from_numpy = torch.from_numpy(array)
    assert_dtype(from_numpy, torch.int64)
    assert_values_equal(from_numpy, array)
    legacy = torch.Tensor([1, 2, 3, 4])
    assert_dtype(legacy, torch.float32)
    assert_values_equal(legacy, array.astype(np.float32))
    assert_values_equal(torch.zeros(2, 3), np.zeros((2, 3)))
    assert_values_equal(torch.arange(1, 9, 3), np.arange(1, 9, 3))


# Values a creation call refuses: a Python int beyond int64, and no tensors at all to concatenate.
REFUSED_VALUES = [
    pytest.param(lambda: torch.tensor([1, 2**63]), "Overflow when unpacking long", id="tensor-int-beyond-int64"),
    pytest.param(lambda: torch.cat([]), r"expected a non-empty list of Tensors", id="cat-no-tensors"),
]


@pytest.mark.doc("torch.tensor")
@pytest.mark.doc("torch.cat")
@pytest.mark.parametrize(("call", "message"), REFUSED_VALUES)
@pytest.mark.change("creation-value-errors", side="after")
def test_an_int_beyond_int64_or_an_empty_cat_raises_value_error(call, message):
    """torch.tensor of a Python int beyond int64, and torch.cat of no tensors, raise ValueError, not a RuntimeError."""
    with pytest.raises(ValueError, match=message) as raised:
        call()
    assert not isinstance(raised.value, RuntimeError), "ValueError is no RuntimeError: except RuntimeError misses it"
    assert_values_equal(torch.tensor([1, 2**63 - 1]), np.array([1, 2**63 - 1]))


@pytest.mark.doc("torch.tensor")
@pytest.mark.doc("torch.cat")
@pytest.mark.parametrize(("call", "message"), REFUSED_VALUES)
@pytest.mark.change("creation-value-errors", side="before")
def test_an_int_beyond_int64_or_an_empty_cat_raises_runtime_error(call, message):
    """torch.tensor of a Python int beyond int64, and torch.cat of no tensors, raise a plain RuntimeError."""
    with pytest.raises(RuntimeError, match=message) as raised:
        call()
    assert_equal(type(raised.value), RuntimeError, "the exception's type")


@pytest.mark.doc("torch.tensor")
@pytest.mark.change("numpy-bool-scalar-converts", side="after")
def test_a_numpy_bool_scalar_becomes_a_bool_tensor():
    """torch.tensor of a NumPy bool scalar, alone or in a list, holds that bool as torch.bool, with no warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        single = torch.tensor(np.bool_(False))
        listed = torch.tensor([np.bool_(True), np.bool_(False)])
    assert_dtype(single, torch.bool)
    assert_values_equal(single, torch.tensor(False))
    assert_dtype(listed, torch.bool)
    assert_values_equal(listed, torch.tensor([True, False]))


@pytest.mark.doc("torch.tensor")
@pytest.mark.change("numpy-bool-scalar-converts", side="before")
def test_a_numpy_bool_scalar_is_read_as_an_integer_index():
    """torch.tensor reads a NumPy bool scalar through __index__, which NumPy refuses: TypeError under NumPy 2, a
    DeprecationWarning under NumPy 1 (raised here as an error)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        with pytest.raises(
            (TypeError, DeprecationWarning), match=r"'(numpy\.bool|np\.bool_)' .*interpreted as an (integer|index)"
        ):
            torch.tensor(np.bool_(True))


# Each sparse constructor, called without check_invariants, and the dense tensor it builds.
SPARSE_CONSTRUCTIONS = {
    "coo": lambda: torch.sparse_coo_tensor(torch.tensor([[0, 1], [2, 0]]), torch.tensor([-1.5, 2.0]), (2, 3)),
    "csr": lambda: torch.sparse_csr_tensor(
        torch.tensor([0, 1, 2]), torch.tensor([2, 0]), torch.tensor([-1.5, 2.0]), (2, 3)
    ),
}
SPARSE_DENSE = [[0.0, 0.0, -1.5], [2.0, 0.0, 0.0]]


def _invariant_check_warnings(construct) -> list[str]:
    """The UserWarnings about sparse invariant checks that one call of ``construct`` gives, every warning shown."""
    shown = torch.is_warn_always_enabled()
    torch.set_warn_always(True)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            built = construct()
    finally:
        torch.set_warn_always(shown)
    assert_values_equal(built.to_dense(), torch.tensor(SPARSE_DENSE))
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    return [message[:47] for message in messages if message.startswith("Sparse invariant checks")]


@pytest.mark.doc("torch.sparse.check_sparse_tensor_invariants")
@pytest.mark.parametrize("layout", SPARSE_CONSTRUCTIONS)
@pytest.mark.change("sparse-constructors-implicit-invariant-checks-warning", side="after")
def test_sparse_constructors_warn_that_invariant_checks_are_implicitly_disabled(layout):
    """A sparse constructor called without check_invariants warns UserWarning that invariant checks are off."""
    expected = ["Sparse invariant checks are implicitly disabled"]
    assert_equal(_invariant_check_warnings(SPARSE_CONSTRUCTIONS[layout]), expected, "the invariant check warnings")


@pytest.mark.doc("torch.sparse.check_sparse_tensor_invariants")
@pytest.mark.parametrize("layout", SPARSE_CONSTRUCTIONS)
@pytest.mark.change("sparse-constructors-implicit-invariant-checks-warning", side="before")
def test_sparse_constructors_say_nothing_of_invariant_checks(layout):
    """A sparse constructor called without check_invariants gives no warning about invariant checks."""
    assert_equal(_invariant_check_warnings(SPARSE_CONSTRUCTIONS[layout]), [], "the invariant check warnings")
