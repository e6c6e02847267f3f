"""The Tensor methods model code calls most. A method whose documentation says "See torch.x()" gives what torch.x
gives; the conversions, fills and copies with no torch function of their own are checked against their documented
rule, on signed, non-integer values in a (2, 3, 4) block, so a transposed, truncated or rounded answer shows."""

import math

import pytest
import torch

from torchspecs.assertions import (
    assert_dtype,
    assert_equal,
    assert_independent,
    assert_same_object,
    assert_shares_storage,
    assert_strides,
    assert_values_equal,
)


def _block():
    """(2, 3, 4): unequal sides; negative and positive, non-integer values, no two equal."""
    return torch.arange(24.0).reshape(2, 3, 4) * 0.75 - 8.5


def _positive():
    return _block().abs() + 0.25


def _other():
    return torch.arange(4.0) - 1.5


# (the method, how it is called on the tensor, how its torch function is called): the method's page says "See torch.x()".
TWINS = [
    ("transpose", lambda t: t.transpose(0, 2), lambda t: torch.transpose(t, 0, 2)),
    ("permute", lambda t: t.permute(2, 0, 1), lambda t: torch.permute(t, (2, 0, 1))),
    ("unsqueeze", lambda t: t.unsqueeze(1), lambda t: torch.unsqueeze(t, 1)),
    ("squeeze", lambda t: t[:, :1].squeeze(1), lambda t: torch.squeeze(t[:, :1], 1)),
    ("flatten", lambda t: t.flatten(1), lambda t: torch.flatten(t, 1)),
    ("chunk", lambda t: t.chunk(3, dim=2), lambda t: torch.chunk(t, 3, dim=2)),
    ("unbind", lambda t: t.unbind(1), lambda t: torch.unbind(t, 1)),
    # torch.split calls the method, so the pieces it must give are written out.
    ("split", lambda t: t.split([1, 2], dim=1), lambda t: (t.narrow(1, 0, 1), t.narrow(1, 1, 2))),
    ("mean", lambda t: t.mean(dim=1, keepdim=True), lambda t: torch.mean(t, dim=1, keepdim=True)),
    ("amax", lambda t: t.amax(dim=(0, 2)), lambda t: torch.amax(t, dim=(0, 2))),
    ("sum", lambda t: t.sum(dim=(0, 2)), lambda t: torch.sum(t, dim=(0, 2))),
    ("pow", lambda t: t.pow(3), lambda t: torch.pow(t, 3)),
    ("sqrt", lambda t: t.abs().sqrt(), lambda t: torch.sqrt(t.abs())),
    ("exp", lambda t: t.exp(), lambda t: torch.exp(t)),
    ("sin", lambda t: t.sin(), lambda t: torch.sin(t)),
    ("cos", lambda t: t.cos(), lambda t: torch.cos(t)),
    ("sigmoid", lambda t: t.sigmoid(), lambda t: torch.sigmoid(t)),
    ("clamp", lambda t: t.clamp(min=-2.0, max=5.0), lambda t: torch.clamp(t, min=-2.0, max=5.0)),
    ("masked_fill", lambda t: t.masked_fill(t > 3, -1.0), lambda t: torch.masked_fill(t, t > 3, -1.0)),
    ("eq", lambda t: t.eq(t.round()), lambda t: torch.eq(t, t.round())),
    ("any", lambda t: (t > 5).any(dim=2), lambda t: torch.any(t > 5, dim=2)),
    ("add", lambda t: t.add(_other(), alpha=2), lambda t: torch.add(t, _other(), alpha=2)),
    ("mul", lambda t: t.mul(_other()), lambda t: torch.mul(t, _other())),
]


@pytest.mark.doc("tensors")
@pytest.mark.parametrize(
    ("method_call", "function_call"),
    [pytest.param(call, twin, id=name, marks=pytest.mark.doc(f"torch.Tensor.{name}")) for name, call, twin in TWINS],
)
def test_tensor_method_gives_what_its_torch_function_gives(method_call, function_call):
    """tensor.x(args) gives the same values, shape and dtype as torch.x(tensor, args), tuples piece by piece."""
    by_method, by_function = method_call(_block()), function_call(_block())
    if isinstance(by_method, torch.Tensor):
        by_method, by_function = (by_method,), (by_function,)
    assert_equal(len(by_method), len(by_function), "number of pieces")
    for method_piece, function_piece in zip(by_method, by_function, strict=True):
        assert_values_equal(method_piece, function_piece)
        assert_dtype(method_piece, function_piece.dtype)


# (name, the formula on one Python float): elementwise functions against math, on signed values.
FORMULAS = [
    ("sqrt", math.sqrt),
    ("rsqrt", lambda x: 1 / math.sqrt(x)),
    ("sin", math.sin),
    ("cos", math.cos),
]


@pytest.mark.doc("torch")
@pytest.mark.parametrize(
    ("name", "formula"),
    [pytest.param(name, formula, id=name, marks=pytest.mark.doc(f"torch.{name}")) for name, formula in FORMULAS],
)
def test_elementwise_function_follows_its_formula(name, formula):
    """torch.sqrt, rsqrt, sin and cos apply their formula to every element, keeping the shape."""
    values = _positive().double()
    result = getattr(torch, name)(values)
    expected = torch.tensor([formula(x) for x in values.flatten().tolist()], dtype=torch.float64).reshape(2, 3, 4)
    torch.testing.assert_close(result, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.doc("torch.sqrt")
@pytest.mark.doc("torch.rsqrt")
def test_sqrt_and_rsqrt_of_a_negative_number_are_nan():
    """torch.sqrt and torch.rsqrt of a negative number give NaN, not an error and not the root of its magnitude."""
    negative = torch.tensor([-4.0, 4.0])
    assert_values_equal(torch.sqrt(negative), torch.tensor([math.nan, 2.0]))
    assert_values_equal(torch.rsqrt(negative), torch.tensor([math.nan, 0.5]))


@pytest.mark.doc("torch.clamp")
@pytest.mark.doc("torch.Tensor.clamp")
def test_clamp_limits_each_side_and_min_above_max_gives_max():
    """clamp(min, max) raises values below min to min and lowers values above max to max; either bound may be left
    out; when min is above max every element becomes max."""
    values = torch.tensor([-3.0, -1.0, 0.5, 2.0, 7.0])
    assert_values_equal(torch.clamp(values, min=-1.5, max=4.0), torch.tensor([-1.5, -1.0, 0.5, 2.0, 4.0]))
    assert_values_equal(torch.clamp(values, min=0.0), torch.tensor([0.0, 0.0, 0.5, 2.0, 7.0]))
    assert_values_equal(values.clamp(max=1.0), torch.tensor([-3.0, -1.0, 0.5, 1.0, 1.0]))
    assert_values_equal(torch.clamp(values, min=3.0, max=1.0), torch.full((5,), 1.0))


@pytest.mark.doc("torch.sum")
def test_sum_over_dims_keeps_them_when_asked_and_widens_integers():
    """torch.sum(t, dim) adds over the given dims (keepdim keeps them as size 1); integer and bool sums are int64."""
    block = _block()
    assert_values_equal(torch.sum(block, dim=2), block[..., 0] + block[..., 1] + block[..., 2] + block[..., 3])
    assert_equal(torch.sum(block, dim=(0, 2), keepdim=True).shape, torch.Size([1, 3, 1]), "keepdim shape")
    small = torch.tensor([100, 100, 100], dtype=torch.int8)
    assert_equal((torch.sum(small).item(), torch.sum(small).dtype), (300, torch.int64), "int8 sum")
    assert_equal(torch.sum(torch.tensor([True, True, False])).item(), 2, "sum of bools")


@pytest.mark.doc("torch.Tensor.T")
@pytest.mark.doc("torch.Tensor.t")
def test_t_transposes_a_matrix_leaves_a_vector_and_refuses_more_dims():
    """t() and T of a matrix swap its two dims; t() returns a vector as it is and refuses three dims."""
    matrix = _block()[0]
    assert_values_equal(matrix.t(), torch.transpose(matrix, 0, 1))
    assert_values_equal(matrix.T, torch.transpose(matrix, 0, 1))
    assert_values_equal(_other().t(), _other())
    with pytest.raises(RuntimeError, match="<= 2 dim"):
        _block().t()


@pytest.mark.doc("torch.meshgrid")
def test_meshgrid_indexes_ij_unless_told_xy():
    """meshgrid(x, y, indexing='ij') gives grids of shape (len(x), len(y)) with x down the rows; 'xy' gives
    (len(y), len(x)) with x along the columns."""
    x, y = torch.tensor([1, 2]), torch.tensor([10, 20, 30])
    grid_x, grid_y = torch.meshgrid(x, y, indexing="ij")
    assert_values_equal(grid_x, torch.tensor([[1, 1, 1], [2, 2, 2]]))
    assert_values_equal(grid_y, torch.tensor([[10, 20, 30], [10, 20, 30]]))
    grid_x, grid_y = torch.meshgrid(x, y, indexing="xy")
    assert_values_equal(grid_x, torch.tensor([[1, 2], [1, 2], [1, 2]]))
    assert_values_equal(grid_y, torch.tensor([[10, 10], [20, 20], [30, 30]]))


@pytest.mark.doc("torch.meshgrid")
def test_meshgrid_without_indexing_warns_and_indexes_ij():
    """meshgrid without indexing= warns UserWarning that the argument will be required, and indexes 'ij'."""
    with pytest.warns(UserWarning, match="required to pass the indexing argument"):
        grid_x, _ = torch.meshgrid(torch.tensor([1, 2]), torch.tensor([10, 20, 30]))
    assert_equal(grid_x.shape, torch.Size([2, 3]), "shape of the first grid")


@pytest.mark.doc("torch.Tensor.float")
@pytest.mark.doc("torch.Tensor.long")
def test_float_and_long_convert_and_long_truncates_toward_zero():
    """float() is to(torch.float32) and returns the tensor itself when it already is; long() is to(torch.int64),
    which truncates toward zero (-1.7 becomes -1, not -2)."""
    doubles = torch.tensor([-1.7, 2.9], dtype=torch.float64)
    assert_dtype(doubles.float(), torch.float32)
    assert_values_equal(doubles.long(), torch.tensor([-1, 2]))
    assert_dtype(doubles.long(), torch.int64)
    already = torch.tensor([0.5])
    assert_same_object(already.float(), already, "float() of a float32 tensor")


@pytest.mark.doc("torch.Tensor.type_as")
def test_type_as_converts_to_the_other_tensors_dtype():
    """type_as(other) converts to other's dtype, and returns the tensor itself when the dtypes already match."""
    values = torch.tensor([-1.5, 2.5])
    assert_values_equal(values.type_as(torch.zeros(1, dtype=torch.int32)), torch.tensor([-1, 2], dtype=torch.int32))
    assert_dtype(values.type_as(torch.zeros(1, dtype=torch.int32)), torch.int32)
    assert_same_object(values.type_as(torch.zeros(1)), values, "type_as a tensor of the same dtype")


@pytest.mark.doc("torch.Tensor.tolist")
def test_tolist_gives_nested_python_numbers_and_a_scalar_for_zero_dims():
    """tolist() returns nested Python lists of Python ints or floats, row by row; a 0-dim tensor gives a number."""
    nested = torch.tensor([[1, -2, 3], [4, 5, -6]]).tolist()
    assert_equal(nested, [[1, -2, 3], [4, 5, -6]], "tolist of a (2, 3) int tensor")
    assert_equal(type(nested[0][0]), int, "element type")
    scalar = torch.tensor(2.5).tolist()
    assert_equal((scalar, type(scalar)), (2.5, float), "tolist of a 0-dim float tensor")


@pytest.mark.doc("torch.Tensor.clone")
def test_clone_copies_the_values_keeps_the_layout_and_passes_gradients_back():
    """clone() has new memory with the same values and dtype, keeps a transposed layout (preserve_format), and is
    recorded by autograd: the gradient reaches the source."""
    source = _block()[0].t()
    copy = source.clone()
    assert_independent(source, copy)
    assert_values_equal(copy, source)
    assert_strides(copy, source.stride())
    leaf = torch.tensor([1.0, -2.0], requires_grad=True)
    (leaf.clone() * torch.tensor([3.0, 5.0])).sum().backward()
    assert_values_equal(leaf.grad, torch.tensor([3.0, 5.0]))


@pytest.mark.doc("torch.Tensor.copy_")
def test_copy_writes_the_source_in_place_broadcasting_and_converting_it():
    """copy_(src) writes src's values into the tensor and returns it: src broadcasts to its shape and is converted
    to its dtype, which does not change."""
    target = torch.zeros(2, 3, dtype=torch.int32)
    result = target.copy_(torch.tensor([1.9, -2.9, 3.0]))
    assert_same_object(result, target, "copy_")
    assert_values_equal(target, torch.tensor([[1, -2, 3], [1, -2, 3]], dtype=torch.int32))
    assert_dtype(target, torch.int32)


@pytest.mark.doc("torch.Tensor.fill_")
@pytest.mark.doc("torch.Tensor.zero_")
def test_fill_and_zero_overwrite_every_element_in_place():
    """fill_(v) sets every element to v (converted to the tensor's dtype) and zero_() to 0; both return the tensor."""
    tensor = _block()
    assert_same_object(tensor.fill_(-2.5), tensor, "fill_")
    assert_values_equal(tensor, torch.full((2, 3, 4), -2.5))
    assert_same_object(tensor.zero_(), tensor, "zero_")
    assert_values_equal(tensor, torch.zeros(2, 3, 4))
    integers = torch.ones(3, dtype=torch.int64).fill_(2.7)
    assert_values_equal(integers, torch.tensor([2, 2, 2]))


@pytest.mark.doc("torch.Tensor.uniform_")
def test_uniform_fills_from_the_given_range():
    """uniform_(a, b) fills the tensor in place with draws from [a, b); the defaults are [0, 1)."""
    generator = torch.Generator().manual_seed(3)
    drawn = torch.empty(4000).uniform_(-2.0, 3.0, generator=generator)
    assert_equal((bool(drawn.min() >= -2.0), bool(drawn.max() < 3.0)), (True, True), "within [-2, 3)")
    assert_equal((bool(drawn.min() < -1.9), bool(drawn.max() > 2.9)), (True, True), "reaches both ends")
    default = torch.empty(4000).uniform_(generator=generator)
    assert_equal((bool(default.min() >= 0), bool(default.max() < 1), bool(default.min() < 0.01)), (True,) * 3, "[0, 1)")


@pytest.mark.doc("torch.Tensor.new_zeros")
def test_new_zeros_takes_the_tensors_dtype_and_device_unless_given():
    """new_zeros(size) makes zeros of that size with the tensor's dtype and device; dtype= overrides."""
    source = torch.ones(5, dtype=torch.float64)
    made = source.new_zeros((2, 3))
    assert_values_equal(made, torch.zeros(2, 3))
    assert_equal((made.dtype, made.device), (torch.float64, source.device), "(dtype, device)")
    assert_dtype(source.new_zeros(2, dtype=torch.int16), torch.int16)


@pytest.mark.doc("torch.Tensor.device")
def test_device_is_where_the_tensor_lives():
    """tensor.device is a torch.device: cpu with no index for a CPU tensor, and what to() moved it to."""
    tensor = torch.zeros(2)
    assert_equal((tensor.device, tensor.device.type, tensor.device.index), (torch.device("cpu"), "cpu", None), "device")
    assert_equal(tensor.to("meta").device, torch.device("meta"), "device after to('meta')")


@pytest.mark.doc("torch.Tensor.data")
@pytest.mark.doc("torch.Tensor.requires_grad")
def test_data_shares_memory_without_requiring_grad():
    """tensor.data is the same memory without autograd: requires_grad is False on it, and a write through it
    changes the tensor; requires_grad is False on a new tensor and True on one asked for."""
    weight = torch.tensor([1.0, -2.0], requires_grad=True)
    data = weight.data
    assert_equal(
        (weight.requires_grad, data.requires_grad, torch.zeros(1).requires_grad), (True, False, False), "flags"
    )
    assert_shares_storage(weight, data)
    data.mul_(3)
    assert_values_equal(weight.detach(), torch.tensor([3.0, -6.0]))


@pytest.mark.doc("torch.Tensor.detach_")
def test_detach_in_place_cuts_the_tensor_from_its_graph():
    """detach_() makes a non-leaf tensor a leaf that does not require grad, in place, and returns it."""
    leaf = torch.tensor([1.0, -2.0], requires_grad=True)
    result = leaf * 2
    assert_same_object(result.detach_(), result, "detach_")
    assert_equal((result.requires_grad, result.grad_fn, result.is_leaf), (False, None, True), "after detach_")


@pytest.mark.doc("torch.Tensor.add_")
@pytest.mark.doc("torch.Tensor.mul_")
@pytest.mark.doc("torch.Tensor.div_")
def test_in_place_arithmetic_changes_the_tensor_in_order_and_returns_it():
    """add_, mul_ and div_ change the tensor in place and return it, broadcasting the other operand; add_ then mul_
    differs from mul_ then add_; add_ honours alpha."""
    tensor = torch.tensor([[1.0, -2.0, 4.0], [0.5, 3.0, -1.0]])
    assert_same_object(
        tensor.add_(torch.tensor([1.0, 2.0, 3.0]), alpha=2).mul_(torch.tensor([[2.0], [-1.0]])), tensor, "chain"
    )
    assert_values_equal(tensor, torch.tensor([[6.0, 4.0, 20.0], [-2.5, -7.0, -5.0]]))
    assert_same_object(tensor.div_(4), tensor, "div_")
    assert_values_equal(tensor, torch.tensor([[1.5, 1.0, 5.0], [-0.625, -1.75, -1.25]]))


@pytest.mark.doc("torch.Tensor.div_")
def test_true_division_in_place_of_an_integer_tensor_is_refused():
    """div_ of an integer tensor is refused: true division gives floats, which cannot be written back as integers."""
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        torch.tensor([3, 4]).div_(2)


@pytest.mark.doc("torch.LongTensor")
@pytest.mark.doc("torch.FloatTensor")
def test_legacy_typed_constructors_make_their_dtype():
    """torch.FloatTensor(data) makes float32 and torch.LongTensor(data) int64, truncating floats toward zero;
    given sizes, they make an uninitialised tensor of that shape."""
    assert_dtype(torch.FloatTensor([1, 2]), torch.float32)
    assert_values_equal(torch.LongTensor([1.9, -1.9]), torch.tensor([1, -1]))
    assert_dtype(torch.LongTensor([1.9, -1.9]), torch.int64)
    assert_equal(torch.LongTensor(2, 3).shape, torch.Size([2, 3]), "LongTensor(2, 3).shape")
