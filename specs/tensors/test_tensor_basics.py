"""What everyday code asks of a tensor: its shape, dims, size and dtype; zeros, ones and rand; sums, maxima and
their indices; the arithmetic operators and their functions; and the names the notes misspell."""

import numpy as np
import pytest
import torch
from torch import nn

from torchspecs.assertions import assert_dtype, assert_equal, assert_values_equal
from torchspecs.isolation import default_dtype

# Rows differ from columns, and the maximum sits off the first row and column, so a transposed or flattened answer,
# or a first-element answer, shows.
MATRIX = torch.tensor([[1, 5, -3], [7, 2, 0]])


@pytest.mark.doc("torch.Tensor.shape")
@pytest.mark.doc("torch.Tensor.dim")
@pytest.mark.claim("003.shape-attribute", verdict="holds")
@pytest.mark.claim("003.dim-method", verdict="holds")
def test_shape_is_a_torch_size_of_the_sides_and_dim_counts_them():
    """tensor.shape is the torch.Size of its sides, the same as size(); dim() is how many there are (0 for a scalar)."""
    tensor = torch.zeros(2, 3, 4)
    assert_equal(tensor.shape, torch.Size([2, 3, 4]), "zeros(2, 3, 4).shape")
    assert_equal(tensor.shape, tensor.size(), "shape against size()")
    assert_equal((tensor.dim(), torch.tensor(1.0).dim()), (3, 0), "(dim of zeros(2, 3, 4), dim of a scalar)")


@pytest.mark.doc("torch.numel")
@pytest.mark.doc("torch.Tensor.numel")
@pytest.mark.claim("001.torch-numel", verdict="holds")
def test_numel_is_the_number_of_elements():
    """torch.numel(t) and t.numel() give the number of elements: the product of the sides, 1 for a scalar."""
    tensor = torch.zeros(2, 3, 4)
    assert_equal((torch.numel(tensor), tensor.numel(), torch.tensor(5).numel()), (24, 24, 1), "numel")


@pytest.mark.doc("torch.Tensor.dtype")
@pytest.mark.claim("001.dtype-attribute", verdict="holds")
def test_dtype_is_the_element_type():
    """tensor.dtype is a torch.dtype: int64 for Python ints, the default float dtype for floats, what was asked for."""
    assert_equal(
        (torch.tensor([1]).dtype, torch.tensor([1.5]).dtype, torch.zeros(1, dtype=torch.int16).dtype),
        (torch.int64, torch.get_default_dtype(), torch.int16),
        "dtypes",
    )
    assert isinstance(torch.tensor([1]).dtype, torch.dtype)
    with default_dtype(torch.float64):
        assert_dtype(torch.tensor([1.5]), torch.float64)


@pytest.mark.doc("torch.zeros")
@pytest.mark.doc("torch.ones")
@pytest.mark.claim("003.zeros-fills-zeros", verdict="holds")
@pytest.mark.claim("003.ones-fills-ones", verdict="holds")
@pytest.mark.parametrize(("name", "value"), [("zeros", 0), ("ones", 1)], ids=["zeros", "ones"])
def test_zeros_and_ones_fill_the_shape_they_are_given(name, value):
    """torch.zeros(2, 3) and torch.ones(2, 3) make a 2-by-3 tensor of 0s or 1s, in the default dtype or the one given."""
    factory = getattr(torch, name)
    made = factory(2, 3)
    assert_values_equal(made, torch.full((2, 3), float(value)))
    assert_dtype(made, torch.get_default_dtype())
    with default_dtype(torch.float64):
        assert_dtype(factory(2, 3), torch.float64)
    asked = factory((3,), dtype=torch.int32)
    assert_dtype(asked, torch.int32)
    assert_values_equal(asked, torch.full((3,), value, dtype=torch.int32))


@pytest.mark.doc("torch.rand")
@pytest.mark.claim("003.rand-random-values", verdict="holds")
def test_rand_draws_uniformly_from_zero_up_to_one():
    """torch.rand(shape) draws from [0, 1): every value in range, not all equal, and the same after the same seed."""
    generator = torch.Generator().manual_seed(0)
    drawn = torch.rand(2, 500, generator=generator)
    assert_equal(drawn.shape, torch.Size([2, 500]), "rand(2, 500).shape")
    assert_equal((bool((drawn >= 0).all()), bool((drawn < 1).all())), (True, True), "(all >= 0, all < 1)")
    assert_equal(bool(drawn.min() < 0.05 and drawn.max() > 0.95), True, "draws reach both ends of [0, 1)")
    assert_values_equal(torch.rand(2, 500, generator=torch.Generator().manual_seed(0)), drawn)


@pytest.mark.doc("torch.Tensor.sum")
@pytest.mark.claim("003.sum-method", verdict="holds")
def test_sum_adds_every_element_or_along_a_dim():
    """tensor.sum() adds every element into a 0-dim tensor; sum(dim) adds along that dim only."""
    assert_equal(MATRIX.sum().item(), 12, "sum of [[1, 5, -3], [7, 2, 0]]")
    assert_equal(MATRIX.sum().dim(), 0, "dim of the total")
    assert_equal((MATRIX.sum(0).tolist(), MATRIX.sum(1).tolist()), ([8, 7, -3], [3, 9]), "(column sums, row sums)")


@pytest.mark.doc("torch.Tensor.max")
@pytest.mark.doc("torch.Tensor.argmax")
@pytest.mark.claim("003.max-method", verdict="holds")
@pytest.mark.claim("003.argmax-method", verdict="holds")
def test_max_is_the_largest_element_and_argmax_its_index_in_the_flattened_tensor():
    """tensor.max() is the largest element as a 0-dim tensor; argmax() is its index counted in row-major order."""
    assert_equal((MATRIX.max().item(), MATRIX.max().dim()), (7, 0), "(max, its dim)")
    assert_equal(MATRIX.argmax().item(), 3, "argmax of [[1, 5, -3], [7, 2, 0]] in the flattened tensor")


@pytest.mark.doc("torch.max")
@pytest.mark.claim("003.max-along-dim-values-and-indices", verdict="holds")
def test_max_along_a_dim_returns_the_values_and_their_indices():
    """torch.max(t, dim) returns (values, indices) of the maxima along dim; indices is an int64 tensor."""
    values, indices = torch.max(MATRIX, 1)
    assert_equal((values.tolist(), indices.tolist()), ([5, 7], [1, 0]), "(row maxima, their columns)")
    assert_dtype(indices, torch.int64)
    assert_equal(torch.max(MATRIX, 0).indices.tolist(), [1, 0, 1], "the rows of the column maxima")


@pytest.mark.doc("torch.add")
@pytest.mark.doc("torch.mul")
@pytest.mark.doc("torch.div")
@pytest.mark.claim("003.add-mul-div-and-operators", verdict="holds")
@pytest.mark.parametrize(
    ("name", "operator", "expected"),
    [
        ("add", lambda a, b: a + b, [5.0, -2.0, 2.75]),
        ("mul", lambda a, b: a * b, [6.0, -8.0, -0.75]),
        ("div", lambda a, b: a / b, [1.5, -0.5, -12.0]),
    ],
    ids=["add", "mul", "div"],
)
def test_add_mul_and_div_are_the_elementwise_operators(name, operator, expected):
    """torch.add, torch.mul and torch.div work element by element, the same as +, * and /; div is true division."""
    function = getattr(torch, name)
    left, right = torch.tensor([3.0, 2.0, 3.0]), torch.tensor([2.0, -4.0, -0.25])
    assert_equal(function(left, right).tolist(), expected, f"torch.{name}(left, right)")
    assert_values_equal(operator(left, right), function(left, right))


@pytest.mark.doc("torch.Tensor.matmul")
@pytest.mark.doc("torch.Tensor.dot")
@pytest.mark.claim("003.matmul-method", verdict="holds")
@pytest.mark.claim("004.matmul-same-as-mm", verdict="holds")
@pytest.mark.claim("004.dot-of-vectors", verdict="holds")
def test_matmul_of_matrices_is_mm_and_dot_of_vectors_is_a_zero_dim_sum_of_products():
    """t1.matmul(t2) of a 2-by-5 and a 5-by-2 is t1.mm(t2) and t1 @ t2; a.dot(b) is the 0-dim sum of a * b."""
    first = torch.arange(10.0).view(2, 5)
    second = torch.arange(10.0).view(5, 2) - 4
    assert_equal(first.matmul(second).tolist(), [[20.0, 30.0], [20.0, 55.0]], "matmul")
    assert_values_equal(first.matmul(second), first.mm(second))
    a, b = torch.tensor([1.0, -2.0, 3.0]), torch.tensor([4.0, 5.0, -6.0])
    assert_equal((a.dot(b).item(), a.dot(b).dim()), (-24.0, 0), "(a.dot(b), its dim)")


@pytest.mark.doc("torch.Tensor.view")
@pytest.mark.doc("torch.Tensor.reshape")
@pytest.mark.claim("004.view-and-reshape-give-the-same-result", verdict="holds")
@pytest.mark.claim("003.view-flattens-all-but-first", verdict="holds")
def test_view_and_reshape_of_a_contiguous_tensor_agree_and_minus_one_is_inferred():
    """view and reshape give the same tensor for a contiguous input; x.view(x.size(0), -1) flattens all but the first dim."""
    x = torch.arange(12).view(2, 3, 2)
    assert_values_equal(x.view(-1, 6), x.reshape(-1, 6))
    assert_equal(x.view(-1, 6).shape, torch.Size([2, 6]), "view(-1, 6).shape")
    flat = x.view(x.size(0), -1)
    assert_equal(flat.shape, torch.Size([2, 6]), "view(x.size(0), -1).shape")
    assert_values_equal(flat, torch.flatten(x, 1))


# The names as the notes spell them, the names torch has, and what the notes meant.
MISSPELT = [
    pytest.param(torch, "linespace", "linspace", id="linespace"),
    pytest.param(torch, "unsqeeze", "unsqueeze", id="unsqeeze"),
    pytest.param(torch.Tensor, "backword", "backward", id="backword"),
    pytest.param(torch.Tensor, "extend", "expand", id="extend"),
    pytest.param(torch, "Module", None, id="torch.Module"),
    pytest.param(nn.Module, "register_foward_hook", "register_forward_hook", id="register_foward_hook"),
]


@pytest.mark.doc("torch.linspace")
@pytest.mark.claim("003.linespace-name", verdict="wrong")
@pytest.mark.claim("003.unsqeeze-name", verdict="wrong")
@pytest.mark.claim("003.backword-name", verdict="wrong")
@pytest.mark.claim("002.extend-adjusts-sizes", verdict="wrong")
@pytest.mark.claim("002.torch-module-hook-names", verdict="wrong")
@pytest.mark.parametrize(("owner", "spelt", "actual"), MISSPELT)
def test_the_names_as_the_notes_spell_them_do_not_exist(owner, spelt, actual):
    """linespace, unsqeeze, backword, extend, torch.Module and register_foward_hook do not exist; the real names do."""
    assert_equal(hasattr(owner, spelt), False, f"{owner.__name__} has {spelt}")
    if actual is not None:
        assert_equal(hasattr(owner, actual), True, f"{owner.__name__} has {actual}")


@pytest.mark.doc("torch.nn.RNN")
@pytest.mark.doc("torch.nn.Embedding")
@pytest.mark.claim("003.rnn-num-layer-keyword", verdict="wrong")
@pytest.mark.claim("003.embedding-num-embedding-keyword", verdict="wrong")
def test_layer_keywords_as_the_notes_spell_them_are_refused():
    """nn.RNN takes num_layers, not num_layer, and nn.Embedding num_embeddings, not num_embedding: TypeError otherwise."""
    with pytest.raises(TypeError, match="num_layer"):
        nn.RNN(2, 3, num_layer=2)
    with pytest.raises(TypeError, match="num_embedding"):
        nn.Embedding(num_embedding=3, embedding_dim=2)
    assert_equal(
        (nn.RNN(2, 3, num_layers=2).num_layers, nn.Embedding(num_embeddings=3, embedding_dim=2).num_embeddings),
        (2, 3),
        "(num_layers, num_embeddings)",
    )


@pytest.mark.doc("torch.is_tensor")
@pytest.mark.claim("001.isinstance-tensor", verdict="holds")
def test_isinstance_tensor_tells_tensors_from_other_data():
    """isinstance(a, torch.Tensor) is True for what torch.tensor returns (and Parameters), False for lists and arrays."""
    assert_equal(isinstance(torch.tensor([1, 2]), torch.Tensor), True, "isinstance(torch.tensor(...), torch.Tensor)")
    assert_equal(isinstance(nn.Parameter(torch.ones(1)), torch.Tensor), True, "isinstance(Parameter, torch.Tensor)")
    assert_equal(isinstance([1, 2], torch.Tensor), False, "isinstance(list, torch.Tensor)")
    assert_equal(isinstance(np.array([1, 2]), torch.Tensor), False, "isinstance(ndarray, torch.Tensor)")


@pytest.mark.doc("tensors")
@pytest.mark.claim("001.basic-ops-like-ndarray", verdict="holds")
@pytest.mark.parametrize(
    "operation",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a * b,
        lambda a, b: a / b,
        lambda a, b: a**2,
        lambda a, b: -a,
        lambda a, b: abs(a),
        lambda a, b: a > b,
        lambda a, b: a @ b.T,
        lambda a, b: a.T,
        lambda a, b: a.sum(),
        lambda a, b: a.mean(),
        lambda a, b: a.max(),
        lambda a, b: a.cumsum(1),
    ],
    ids=["add", "sub", "mul", "div", "pow", "neg", "abs", "gt", "matmul", "transpose", "sum", "mean", "max", "cumsum"],
)
def test_basic_operations_give_what_numpy_gives(operation):
    """The arithmetic and comparison operators, @, .T and the common reductions give what numpy gives on the same data."""
    a = torch.tensor([[-2.0, 0.5, 3.0], [4.0, -1.5, 0.0]], dtype=torch.float64)
    b = torch.tensor([[1.0, 2.0, -4.0], [0.5, 8.0, -2.0]], dtype=torch.float64)
    assert_values_equal(operation(a, b), operation(a.numpy(), b.numpy()))


@pytest.mark.doc("torch.Tensor.numpy")
@pytest.mark.claim("003.tensors-usable-by-numpy-libraries", verdict="wrong")
def test_numpy_converts_a_tensor_but_its_reductions_refuse_one():
    """np.asarray takes a CPU tensor, but np.sum, np.mean and np.max raise TypeError on it: convert it first."""
    tensor = torch.tensor([1.0, 2.0, 4.0])
    assert_values_equal(np.asarray(tensor), np.array([1.0, 2.0, 4.0], dtype=np.float32))
    for reduction, name in ((np.sum, "sum"), (np.mean, "mean"), (np.max, "max")):
        with pytest.raises(TypeError, match=rf"^{name}\(\)"):
            reduction(tensor)
    assert_equal(float(np.sum(tensor.numpy())), 7.0, "np.sum(tensor.numpy())")
