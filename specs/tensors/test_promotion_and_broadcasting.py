"""Type promotion and broadcasting: the dtype of a mixed operation, and the shape of a mixed-shape one."""

import numpy as np
import pytest
import torch
from hypothesis import given

from torchspecs.assertions import (
    assert_dtype,
    assert_equal,
    assert_is_view_of,
    assert_shape,
    assert_strides,
    assert_values_equal,
)
from torchspecs.isolation import default_dtype
from torchspecs.strategies import broadcastable_shapes, numbered


@pytest.mark.doc("tensor_attributes", "type-promotion-doc")
@pytest.mark.claim("003.arithmetic-needs-same-type", verdict="wrong")
@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        (torch.int64, torch.float32, torch.float32),
        (torch.int32, torch.float64, torch.float64),
        (torch.uint8, torch.int8, torch.int16),
        (torch.bool, torch.int32, torch.int32),
        (torch.float16, torch.bfloat16, torch.float32),
        (torch.int64, torch.complex64, torch.complex64),
        (torch.complex64, torch.float64, torch.complex128),
    ],
)
def test_tensors_of_different_dtypes_combine_in_a_promoted_dtype(left, right, expected):
    """Arithmetic between tensors of different dtypes works: the result has the smallest dtype that holds both."""
    result = torch.ones(2, dtype=left) + torch.ones(2, dtype=right)
    assert_dtype(result, expected)
    assert_equal(torch.result_type(torch.ones(2, dtype=left), torch.ones(2, dtype=right)), expected, "result_type")


@pytest.mark.doc("tensor_attributes", "type-promotion-doc")
def test_int_tensor_with_a_python_float_gives_the_default_dtype():
    """An integer tensor plus a Python float is a tensor of the default float dtype."""
    assert_dtype(torch.tensor([1, 2]) + 0.5, torch.float32)
    with default_dtype(torch.float64):
        assert_dtype(torch.tensor([1, 2]) + 0.5, torch.float64)


@pytest.mark.doc("tensor_attributes", "type-promotion-doc")
@pytest.mark.parametrize(
    ("tensor_dtype", "scalar", "expected"),
    [
        (torch.int32, torch.tensor(1), torch.int32),
        (torch.float16, torch.tensor(1.0, dtype=torch.float64), torch.float16),
        (torch.int32, torch.tensor(1.0, dtype=torch.float64), torch.float64),
        (torch.int8, 1000, torch.int8),
    ],
    ids=["int-0d-int64", "half-0d-double", "int-0d-double", "int8-big-python-int"],
)
def test_zero_dim_and_python_scalars_only_promote_across_categories(tensor_dtype, scalar, expected):
    """A 0-d tensor or Python scalar never widens a dimensioned tensor of its own category; a higher category does."""
    assert_dtype(torch.ones(2, dtype=tensor_dtype) + scalar, expected)


@pytest.mark.doc("tensor_attributes", "type-promotion-doc")
def test_bool_tensors_add_as_logical_or_and_count_as_ints():
    """bool + bool stays bool (True + True is True); bool with an int is int64; the sum of bools counts Trues."""
    flags = torch.tensor([True, True, False])
    assert_values_equal(flags + torch.tensor([True, False, False]), torch.tensor([True, True, False]))
    assert_dtype(flags * 2, torch.int64)
    assert_values_equal(flags.sum(), torch.tensor(2))


@pytest.mark.doc("tensor_attributes", "type-promotion-doc")
def test_subtracting_bool_tensors_is_refused():
    """bool - bool raises and points to ^ or logical_xor instead."""
    with pytest.raises(RuntimeError, match=r"Subtraction, the `-` operator, with two bool tensors is not supported"):
        torch.tensor([True]) - torch.tensor([False])


@pytest.mark.doc("torch.div")
def test_dividing_integers_is_true_division():
    """/ on integer tensors is true division and gives floats; rounding_mode='trunc' or 'floor' keeps integers."""
    numerators = torch.tensor([5, -5])
    assert_values_equal(numerators / 2, torch.tensor([2.5, -2.5]))
    assert_dtype(numerators / 2, torch.float32)
    for rounding_mode, expected in (("trunc", [2, -2]), ("floor", [2, -3])):
        rounded = torch.div(numerators, 2, rounding_mode=rounding_mode)
        assert_values_equal(rounded, torch.tensor(expected))
        assert_dtype(rounded, torch.int64)


@pytest.mark.doc("torch.floor_divide")
def test_floor_division_rounds_towards_negative_infinity():
    """// on integer tensors floors like Python: -5 // 2 is -3, not -2."""
    assert_values_equal(torch.tensor([5, -5]) // 2, torch.tensor([5 // 2, -5 // 2]))


@pytest.mark.doc("tensor_attributes", "type-promotion-doc")
def test_in_place_op_that_needs_a_wider_dtype_is_refused():
    """An in-place op whose result dtype cannot be cast to the tensor's own category raises: int64.add_(1.5)."""
    counts = torch.tensor([1, 2])
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        counts.add_(1.5)
    assert_values_equal(counts, torch.tensor([1, 2]))


@pytest.mark.doc("tensor_attributes", "type-promotion-doc")
def test_in_place_op_may_narrow_within_a_category():
    """In-place ops keep the tensor's dtype when casting stays within the category: float32 += float64 stays float32."""
    values = torch.ones(2, dtype=torch.float32)
    values += torch.ones(2, dtype=torch.float64)
    assert_dtype(values, torch.float32)
    assert_values_equal(values, torch.tensor([2.0, 2.0]))


@pytest.mark.doc("notes/broadcasting")
@pytest.mark.claim("003.broadcasting-matches-sizes", verdict="holds")
@pytest.mark.claim("004.ops-and-broadcasting-like-numpy", verdict="holds")
@given(case=broadcastable_shapes())
def test_broadcasting_follows_numpy(case):
    """Tensors of broadcastable shapes combine elementwise to the shape and values numpy gives."""
    left, right = (numbered(shape) for shape in case.input_shapes)
    assert_equal(torch.broadcast_shapes(*case.input_shapes), torch.Size(case.result_shape), "broadcast_shapes")
    assert_values_equal(left * 10 + right, left.numpy() * 10 + right.numpy())


@pytest.mark.doc("notes/broadcasting")
def test_shapes_that_do_not_broadcast_raise():
    """Trailing sizes must be equal or 1: a (3,) and a (4,) tensor raise naming the mismatched dimension."""
    with pytest.raises(RuntimeError, match=r"size of tensor a \(3\) must match the size of tensor b \(4\)"):
        torch.ones(3) + torch.ones(4)


@pytest.mark.doc("torch.broadcast_tensors")
@pytest.mark.claim("003.broadcasting-copies-elements", verdict="wrong")
def test_broadcasting_does_not_copy_the_inputs():
    """Broadcast operands are expanded views with stride 0 along the broadcast dimensions, not copies."""
    column, row = torch.arange(3.0).reshape(3, 1), torch.arange(4.0)
    wide_column, wide_row = torch.broadcast_tensors(column, row)
    assert_shape(wide_column, (3, 4))
    assert_strides(wide_column, (1, 0))
    assert_strides(wide_row, (0, 1))
    assert_is_view_of(column, wide_column)
    assert_is_view_of(row, wide_row)


@pytest.mark.doc("notes/broadcasting")
@pytest.mark.claim("003.ops-apply-elementwise", verdict="holds")
def test_scalar_arithmetic_and_comparison_apply_to_every_element():
    """tensor + a and tensor > 0.5 apply to each element: same shape out, the second as a bool tensor."""
    values = torch.tensor([[0.2, 0.7], [0.5, 0.1]])
    assert_values_equal(values + 1, np.array([[1.2, 1.7], [1.5, 1.1]], dtype=np.float32))
    assert_values_equal(values > 0.5, torch.tensor([[False, True], [False, False]]))
