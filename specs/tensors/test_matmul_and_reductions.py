"""The matmul family, einsum, norms and elementwise math: which call does what, and which shapes each refuses."""

import math

import numpy as np
import pytest
import torch

from torchspecs.assertions import assert_close, assert_equal, assert_shape, assert_values_equal
from torchspecs.strategies import numbered


def _operands(*shapes):
    # Each operand is shifted by its position, so two of the same shape still differ.
    return [numbered(shape, torch.float64) - 3 - 2 * position for position, shape in enumerate(shapes)]


@pytest.mark.doc("torch.matmul")
@pytest.mark.claim("003.matmul-picks-dot-mv-or-mm", verdict="holds")
def test_matmul_of_two_vectors_is_their_dot_product_as_a_zero_dim_tensor():
    """matmul of two 1-D tensors is the dot product, a 0-d tensor."""
    a, b = _operands((4,), (4,))
    assert_values_equal(torch.matmul(a, b), torch.dot(a, b))
    assert_shape(torch.matmul(a, b), ())


@pytest.mark.doc("torch.matmul")
@pytest.mark.claim("003.matmul-picks-dot-mv-or-mm", verdict="holds")
def test_matmul_of_a_matrix_and_a_vector_is_mv():
    """matmul of a 2-D and a 1-D tensor is the matrix-vector product, a 1-D tensor."""
    matrix, vector = _operands((2, 3), (3,))
    assert_values_equal(torch.matmul(matrix, vector), torch.mv(matrix, vector))


@pytest.mark.doc("torch.matmul")
def test_matmul_of_a_vector_and_a_matrix_treats_the_vector_as_a_row():
    """matmul of a 1-D and a 2-D tensor prepends a 1 to the vector's shape, multiplies, then removes it."""
    vector, matrix = _operands((2,), (2, 3))
    assert_values_equal(torch.matmul(vector, matrix), torch.mm(vector.unsqueeze(0), matrix).squeeze(0))


@pytest.mark.doc("torch.matmul")
@pytest.mark.claim("003.matmul-picks-dot-mv-or-mm", verdict="holds")
def test_matmul_of_two_matrices_is_mm():
    """matmul of two 2-D tensors is the matrix product mm."""
    left, right = _operands((2, 3), (3, 4))
    assert_values_equal(torch.matmul(left, right), torch.mm(left, right))


@pytest.mark.doc("torch.matmul")
def test_matmul_broadcasts_batch_dimensions():
    """matmul of higher-dimensional tensors multiplies the last two dims and broadcasts the rest, as numpy does."""
    left, right = _operands((2, 1, 3, 4), (5, 4, 2))
    product = torch.matmul(left, right)
    assert_shape(product, (2, 5, 3, 2))
    assert_values_equal(product, np.matmul(left.numpy(), right.numpy()))


@pytest.mark.doc("torch.dot")
@pytest.mark.claim("004.mm-not-dot-for-matrices", verdict="holds")
@pytest.mark.claim("004.dot-of-matrices-raises", verdict="holds")
def test_dot_refuses_matrices():
    """dot takes only 1-D tensors: t1.dot(t2) on matrices raises, where mm and matmul multiply them."""
    left, right = _operands((2, 5), (5, 2))
    with pytest.raises(RuntimeError, match="1D tensors expected, but got 2D and 2D tensors"):
        left.dot(right)


@pytest.mark.doc("torch.mm")
@pytest.mark.claim("004.mm-of-vectors", verdict="wrong")
def test_mm_refuses_vectors():
    """mm takes only 2-D tensors: a.mm(b) on two vectors raises, where a.dot(b) works."""
    a, b = torch.rand(10), torch.rand(10)
    with pytest.raises(RuntimeError, match="self must be a matrix"):
        a.mm(b)


@pytest.mark.doc("torch.mm")
@pytest.mark.claim("004.mm-example-values", verdict="holds")
def test_mm_of_the_notes_example():
    """arange(10) as (2, 5) times FloatTensor(arange(10) as (5, 2)) is [[60, 70], [160, 195]], by mm and by matmul."""
    t1 = torch.arange(10.0).reshape(2, 5)
    t2 = torch.FloatTensor(np.arange(10).reshape(5, 2))
    expected = torch.tensor([[60.0, 70.0], [160.0, 195.0]])
    assert_values_equal(t1.mm(t2), expected)
    assert_values_equal(t1.matmul(t2), expected)


@pytest.mark.doc("torch.bmm")
@pytest.mark.claim("003.bmm-multiplies-per-batch", verdict="holds")
def test_bmm_multiplies_matrix_by_matrix_for_each_batch_entry():
    """bmm of (b, n, m) and (b, m, p) is the (b, n, p) stack of each pair's mm."""
    left, right = _operands((3, 2, 4), (3, 4, 5))
    assert_values_equal(torch.bmm(left, right), torch.stack([a.mm(b) for a, b in zip(left, right, strict=True)]))


@pytest.mark.doc("torch.bmm")
def test_bmm_needs_3d_tensors_and_does_not_broadcast():
    """bmm refuses 2-D tensors and batch sizes that differ (it does not broadcast, unlike matmul)."""
    with pytest.raises(RuntimeError, match="batch1 must be a 3D tensor"):
        torch.bmm(torch.ones(2, 2), torch.ones(2, 2))
    with pytest.raises(RuntimeError, match="Expected size for first two dimensions of batch2 tensor"):
        torch.bmm(torch.ones(2, 3, 4), torch.ones(1, 4, 5))


@pytest.mark.doc("torch.einsum")
@pytest.mark.claim("001.einsum-matrix-product", verdict="holds")
@pytest.mark.parametrize(
    ("equation", "shapes", "reference"),
    [
        ("ij,jk->ik", [(2, 3), (3, 4)], "mm"),
        ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)], "bmm"),
        ("ii->", [(3, 3)], "trace"),
        ("i,j->ij", [(3,), (4,)], "outer"),
        ("ij->ji", [(2, 3)], "t"),
    ],
    ids=["matrix-product", "batched", "trace", "outer", "transpose"],
)
def test_einsum_equals_the_named_operation(equation, shapes, reference):
    """einsum('ij,jk->ik') is mm; its batched, trace, outer and transpose forms equal bmm, trace, outer and t."""
    operands = _operands(*shapes)
    assert_values_equal(torch.einsum(equation, *operands), getattr(torch, reference)(*operands))


@pytest.mark.doc("torch.linalg.norm")
@pytest.mark.claim("001.linalg-norm-vectors-and-matrices", verdict="holds")
@pytest.mark.parametrize(
    ("shape", "kwargs", "reference"),
    [
        ((5,), {}, lambda x: torch.linalg.vector_norm(x)),
        ((5,), {"ord": 1}, lambda x: torch.linalg.vector_norm(x, ord=1)),
        ((3, 4), {}, lambda x: torch.linalg.vector_norm(x.flatten())),
        ((3, 4), {"ord": "fro"}, lambda x: torch.linalg.matrix_norm(x)),
        ((3, 4), {"ord": 2}, lambda x: torch.linalg.matrix_norm(x, ord=2)),
        ((2, 3, 4), {"ord": "nuc", "dim": (1, 2)}, lambda x: torch.linalg.matrix_norm(x, ord="nuc")),
    ],
    ids=["vector-2", "vector-1", "matrix-default", "matrix-fro", "matrix-spectral", "batched-nuclear"],
)
def test_linalg_norm_computes_vector_and_matrix_norms(shape, kwargs, reference):
    """linalg.norm is a vector norm of a 1-D input and a matrix norm of a 2-D one (or of dim pairs), as the specific functions."""
    tensor = numbered(shape, torch.float64) - 5
    assert_close(torch.linalg.norm(tensor, **kwargs), reference(tensor))


@pytest.mark.doc("torch.log")
@pytest.mark.claim("003.log-is-log10-or-natural", verdict="wrong")
def test_log_is_the_natural_logarithm_and_log10_is_separate():
    """torch.log is the natural logarithm (log e = 1); the base-10 logarithm is torch.log10."""
    assert_close(torch.log(torch.tensor([math.e, 100.0], dtype=torch.float64)), torch.tensor([1.0, math.log(100.0)]))
    assert_close(torch.log10(torch.tensor([100.0])), torch.tensor([2.0]))


@pytest.mark.doc("torch.linalg.eig")
@pytest.mark.claim("003.eig-returns-eigenvalues", verdict="wrong")
def test_torch_eig_is_removed_and_points_to_linalg_eig():
    """torch.eig was removed (deprecated in 1.9): calling it raises and points to torch.linalg.eig."""
    with pytest.raises(
        RuntimeError, match=r"deprecated since version 1\.9 and is now removed(.|\n)*torch\.linalg\.eig"
    ):
        torch.eig(torch.eye(2))


@pytest.mark.doc("torch.linalg.eig")
def test_linalg_eig_returns_complex_eigenpairs():
    """torch.linalg.eig returns complex eigenvalues and eigenvectors with A v = lambda v."""
    matrix = torch.tensor([[2.0, 1.0], [1.0, 2.0]], dtype=torch.float64)
    eigenvalues, eigenvectors = torch.linalg.eig(matrix)
    assert_equal(eigenvalues.dtype, torch.complex128, "the eigenvalue dtype")
    assert_close(matrix.to(torch.complex128) @ eigenvectors, eigenvectors * eigenvalues)
    assert_equal(sorted(eigenvalues.real.tolist()), [1.0, 3.0], "the eigenvalues")


@pytest.mark.doc("torch.mean")
@pytest.mark.claim("003.mean-of-elements", verdict="holds")
def test_mean_averages_floats_and_refuses_integers():
    """mean() averages the elements of a floating tensor; an integer tensor raises (cast it first)."""
    assert_values_equal(torch.tensor([1.0, 2.0, 6.0]).mean(), torch.tensor(3.0))
    with pytest.raises(RuntimeError, match="mean\\(\\): could not infer output dtype"):
        torch.tensor([1, 2]).mean()


@pytest.mark.doc("torch.pow")
@pytest.mark.claim("003.pow-raises-to-exponent", verdict="holds")
def test_pow_raises_each_element_to_the_exponent():
    """pow(t, k) raises every element to the power k; a tensor exponent works elementwise."""
    base = torch.tensor([-2.0, 1.5, 3.0])
    assert_values_equal(torch.pow(base, 3), torch.tensor([-8.0, 3.375, 27.0]))
    assert_values_equal(torch.pow(base, torch.tensor([3.0, 1.0, 2.0])), torch.tensor([-8.0, 1.5, 9.0]))


@pytest.mark.doc("torch.exp")
@pytest.mark.claim("003.exp-elementwise", verdict="holds")
def test_exp_applies_the_exponential_to_every_element():
    """exp(t) is e to the power of each element."""
    assert_close(torch.exp(torch.tensor([0.0, 1.0, 2.0], dtype=torch.float64)), torch.tensor([1.0, math.e, math.e**2]))


@pytest.mark.doc("tensors")
@pytest.mark.claim("003.every-method-is-a-torch-function", verdict="wrong")
@pytest.mark.parametrize("name", ["view", "expand", "item", "tolist", "numpy"])
def test_some_tensor_methods_have_no_torch_function(name):
    """Many ops exist both as t.op() and torch.op(t), but not all: view, expand, item, tolist and numpy are methods only."""
    assert_equal(hasattr(torch.Tensor, name), True, f"hasattr(torch.Tensor, {name!r})")
    assert_equal(hasattr(torch, name), False, f"hasattr(torch, {name!r})")


@pytest.mark.doc("torch.smm")
@pytest.mark.claim("001.smm-for-sparse-matrices", verdict="holds")
def test_smm_multiplies_a_sparse_matrix_by_a_dense_one_into_a_sparse_result():
    """torch.smm(sparse, dense) is the matrix product of a sparse COO matrix and a dense one, returned sparse."""
    dense_left = torch.tensor([[1.0, 0.0, -2.0], [0.0, 3.0, 0.0]])
    right = numbered((3, 2))
    product = torch.smm(dense_left.to_sparse(), right)
    assert_equal(product.layout, torch.sparse_coo, "the layout of smm's result")
    assert_values_equal(product.to_dense(), dense_left @ right)


@pytest.mark.doc("torch.addmm")
@pytest.mark.claim("001.addmm-is-not-only-multiplication", verdict="holds")
def test_addmm_adds_beta_times_m_to_alpha_times_the_product():
    """addmm(M, A, B) is M + A @ B, and addmm(M, A, B, beta=b, alpha=a) is b * M + a * (A @ B): more than a product."""
    m, a, b = torch.tensor([[1.0, -1.0], [2.0, 0.5]]), numbered((2, 3)), numbered((3, 2)) - 2
    assert_values_equal(torch.addmm(m, a, b), m + a @ b)
    assert_values_equal(torch.addmm(m, a, b, beta=0.5, alpha=2.0), 0.5 * m + 2.0 * (a @ b))
