"""Broadcasting semantics, with the page's own examples: which shapes are broadcastable (sizes compared from the
trailing dimension), the size of the result, why an in-place op may not grow its tensor, and the old
same-number-of-elements behaviour that broadcasting replaced."""

import warnings

import pytest
import torch

from torchspecs.assertions import assert_equal, assert_same_object, assert_shape, assert_values_equal
from torchspecs.strategies import numbered


@pytest.mark.doc("notes/broadcasting", "general-semantics")
def test_same_shapes_combine_elementwise():
    """Tensors of the same shape are always broadcastable: (5, 7, 3) with (5, 7, 3) adds element by element."""
    left, right = numbered((5, 7, 3)), numbered((5, 7, 3)).flip(0)
    total = left + right
    assert_shape(total, (5, 7, 3))
    assert_values_equal(total, left.numpy() + right.numpy())


@pytest.mark.doc("notes/broadcasting", "general-semantics")
@pytest.mark.parametrize(
    ("left_shape", "right_shape", "result_shape"),
    [((5, 3, 4, 1), (3, 1, 1), (5, 3, 4, 1)), ((5, 1, 4, 1), (3, 1, 1), (5, 3, 4, 1)), ((1,), (3, 1, 7), (3, 1, 7))],
    ids=["5x3x4x1-with-3x1x1", "5x1x4x1-with-3x1x1", "1-with-3x1x7"],
)
def test_shapes_line_up_from_the_trailing_dimension_and_each_result_size_is_the_larger(
    left_shape, right_shape, result_shape
):
    """The page's examples: sizes are compared from the last dimension back, a missing dimension counts as 1, and the
    result takes the larger size along each one; each element comes from the operands' matching (or only) index."""
    left, right = numbered(left_shape), numbered(right_shape) * 100
    total = left + right
    assert_shape(total, result_shape)
    assert_shape(right + left, result_shape)
    # Copies made with repeat, not broadcasting: each operand padded with leading 1s and repeated up to the result.
    padded_left = left.reshape((1,) * (len(result_shape) - left.dim()) + tuple(left_shape))
    padded_right = right.reshape((1,) * (len(result_shape) - right.dim()) + tuple(right_shape))
    left_copy = padded_left.repeat(*(size // side for size, side in zip(result_shape, padded_left.shape, strict=True)))
    right_copy = padded_right.repeat(
        *(size // side for size, side in zip(result_shape, padded_right.shape, strict=True))
    )
    assert_values_equal(total, left_copy.numpy() + right_copy.numpy())


@pytest.mark.doc("notes/broadcasting", "general-semantics")
def test_sizes_that_differ_and_are_not_one_refuse_naming_the_dimension():
    """(5, 2, 4, 1) and (3, 1, 1) are not broadcastable: in the third dimension from the end 2 != 3, and the error
    names the sizes and that dimension counted in the result (1)."""
    with pytest.raises(
        RuntimeError, match=r"size of tensor a \(2\) must match the size of tensor b \(3\) at non-singleton dimension 1"
    ):
        torch.ones(5, 2, 4, 1) + torch.ones(3, 1, 1)


@pytest.mark.doc("notes/broadcasting", "general-semantics")
def test_an_empty_tensor_broadcasts_only_against_size_one():
    """torch.FloatTensor() with no sizes is an empty 1-d tensor of shape (0,): it does not broadcast with (2, 2), but
    a size-1 dimension stretches to 0, so with (2, 1) the result is (2, 0), not the larger size."""
    empty = torch.FloatTensor()
    assert_shape(empty, (0,))
    with pytest.raises(RuntimeError, match=r"size of tensor a \(0\) must match the size of tensor b \(2\)"):
        empty + torch.ones(2, 2)
    assert_shape(empty + torch.ones(2, 1), (2, 0))


@pytest.mark.doc("notes/broadcasting", "general-semantics")
def test_a_zero_dim_tensor_broadcasts_with_any_shape():
    """The page asks each tensor to have at least one dimension, yet a zero-dim tensor broadcasts against any shape,
    on either side, as if it were a 1 in every dimension."""
    scalar, matrix = torch.tensor(10.0), numbered((2, 3))
    assert_values_equal(scalar + matrix, matrix + 10)
    assert_values_equal(matrix - scalar, matrix - 10)
    assert_shape(scalar * torch.ones(4, 1, 5), (4, 1, 5))


@pytest.mark.doc("notes/broadcasting", "in-place-semantics")
def test_an_in_place_op_broadcasts_the_other_operand_into_its_tensor():
    """x.add_(y) works when y broadcasts to x's own shape: (5, 3, 4, 1).add_((3, 1, 1)) returns x, still (5, 3, 4, 1)."""
    x, y = numbered((5, 3, 4, 1)), numbered((3, 1, 1)) * 100
    expected = x + y
    result = x.add_(y)
    assert_same_object(result, x, "x.add_(y)")
    assert_shape(x, (5, 3, 4, 1))
    assert_values_equal(x, expected)


@pytest.mark.doc("notes/broadcasting", "in-place-semantics")
@pytest.mark.parametrize(
    ("x_shape", "y_shape", "broadcast_shape", "message"),
    [
        (
            (1, 3, 1),
            (3, 1, 7),
            (3, 3, 7),
            r"output with shape \[1, 3, 1\] doesn't match the broadcast shape \[3, 3, 7\]",
        ),
        ((1, 3), (3, 1), (3, 3), r"output with shape \[1, 3\] doesn't match the broadcast shape \[3, 3\]"),
    ],
    ids=["1x3x1-with-3x1x7", "1x3-with-3x1"],
)
def test_an_in_place_op_may_not_change_its_tensor_shape(x_shape, y_shape, broadcast_shape, message):
    """When the broadcast shape is larger than x's own, x.add_(y) and x += y raise and leave x as it was, where the
    out-of-place x + y would broadcast. (The page quotes an older message: "The expanded size of the tensor...")."""
    x, y = numbered(x_shape), numbered(y_shape)
    assert_shape(x + y, broadcast_shape)
    with pytest.raises(RuntimeError, match=message):
        x.add_(y)
    with pytest.raises(RuntimeError, match=message):
        x += y
    assert_values_equal(x, numbered(x_shape))


@pytest.mark.doc("notes/broadcasting", "backwards-compatibility")
def test_same_number_of_elements_in_different_shapes_broadcasts_rather_than_pairing_in_order():
    """torch.add(ones(4, 1), randn(4)) broadcasts to (4, 4): a (4, 1) column and a (4,) row are no longer viewed as
    1-d and added element by element, which gave (4, 1)."""
    column, row = torch.arange(4.0).view(4, 1), torch.tensor([10.0, 20.0, 30.0, 40.0])
    total = torch.add(column, row)
    assert_shape(total, (4, 4))
    assert_values_equal(total[2], torch.tensor([12.0, 22.0, 32.0, 42.0]))
    assert_values_equal(total[:, 1], torch.tensor([20.0, 21.0, 22.0, 23.0]))
    assert_shape(torch.add(torch.ones(4, 1), torch.randn(4, generator=torch.Generator().manual_seed(0))), (4, 4))


@pytest.mark.doc("notes/broadcasting", "backwards-compatibility")
def test_the_backcompat_broadcast_warning_switch_no_longer_warns():
    """torch.utils.backcompat.broadcast_warning.enabled is off by default, and turning it on no longer warns about a
    broadcast of same-size operands: the page's UserWarning is not raised (the page spells the switch
    broadcast.warning)."""
    switch = torch.utils.backcompat.broadcast_warning
    assert_equal(switch.enabled, False, "torch.utils.backcompat.broadcast_warning.enabled")
    switch.enabled = True
    try:
        assert_equal(switch.enabled, True, "the switch after turning it on")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            total = torch.add(torch.ones(4, 1), torch.ones(4))
    finally:
        switch.enabled = False
    assert_shape(total, (4, 4))
    assert_equal([str(warning.message) for warning in caught], [], "warnings")
