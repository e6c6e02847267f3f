"""Indexing and selection: gather, topk, index_select, scatter, masks, where, and max/argmax along a dim."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from torchspecs.assertions import assert_dtype, assert_equal, assert_shape, assert_values_equal
from torchspecs.strategies import dims, gather_cases, numbered, numbered_tensors

distinct_values = st.lists(st.integers(-100, 100), min_size=1, max_size=12, unique=True)


def _gather_by_formula(source: np.ndarray, dim: int, index: np.ndarray) -> np.ndarray:
    """out[i][j][k] = source[i][index[i][j][k]][k] for dim=1, and the same with any dim replaced."""
    out = np.empty(index.shape, dtype=source.dtype)
    for position in np.ndindex(*index.shape):
        source_position = list(position)
        source_position[dim] = index[position]
        out[position] = source[tuple(source_position)]
    return out


@pytest.mark.doc("torch.gather")
@pytest.mark.change("gather-narrow-index-fix", side="after")
@given(case=gather_cases())
def test_gather_agrees_with_numpy_take_along_axis(case):
    """gather(input, dim, index) reads input along dim at index, like take_along_axis on input's leading window."""
    along = case.dim % case.input.dim()
    window = tuple(slice(None) if d == along else slice(0, s) for d, s in enumerate(case.index.shape))
    expected = np.take_along_axis(case.input.numpy()[window], case.index.numpy(), axis=along)
    assert_values_equal(torch.gather(case.input, case.dim, case.index), expected)


@pytest.mark.doc("torch.gather")
@pytest.mark.claim("000.gather-index-formula", verdict="holds")
@pytest.mark.parametrize("dim", [0, 1, 2])
def test_gather_follows_its_formula_on_the_notes_example(dim):
    """gather(A, 1, idx)[i][j][k] is A[i][idx[i][j][k]][k]; with dim=2 it is A[i][j][idx[i][j][k]]; dim=0 likewise."""
    source = torch.arange(27).reshape(3, 3, 3)
    index = torch.tensor(
        [[[0, 0, 0], [1, 1, 1], [2, 2, 2]], [[1, 1, 1], [2, 2, 2], [0, 0, 0]], [[0, 1, 2], [0, 1, 2], [0, 1, 2]]]
    )
    expected = _gather_by_formula(source.numpy(), dim, index.numpy())
    assert_values_equal(torch.gather(source, dim, index), expected)


@pytest.mark.doc("torch.gather")
@pytest.mark.claim("001.gather-picks-one-per-row", verdict="holds")
@pytest.mark.claim("002.gather-along-dim-by-index", verdict="holds")
def test_gather_index_may_be_smaller_than_input_outside_dim():
    """index may be smaller than input in the other dims: gather(A (3x4), 1, [[0], [1]]) is [[A[0][0]], [A[1][1]]]."""
    source = torch.randn(3, 4)
    picked = torch.gather(source, 1, torch.tensor([[0], [1]]))
    assert_values_equal(picked, torch.stack([source[0, 0:1], source[1, 1:2]]))


@pytest.mark.doc("torch.gather")
@pytest.mark.change("gather-narrow-index-fix", side="after")
def test_gather_along_dim_0_with_an_index_narrower_than_input_reads_the_indexed_row():
    """gather(y, 0, [[2]]) of a float (3, 2) y is y[2][0], as the formula says."""
    source = numbered((3, 2))
    assert_values_equal(torch.gather(source, 0, torch.tensor([[2]])), source[2:3, 0:1])


@pytest.mark.doc("torch.gather")
@pytest.mark.change("gather-narrow-index-fix", side="before")
def test_gather_along_dim_0_with_an_index_narrower_than_input_misreads_floats():
    """gather(y, 0, [[2]]) of a float (3, 2) y wrongly reads y.flatten()[2], not y[2][0]."""
    source = numbered((3, 2))
    assert_values_equal(torch.gather(source, 0, torch.tensor([[2]])), source.flatten()[2:3].reshape(1, 1))


@pytest.mark.doc("torch.gather")
def test_gather_refuses_an_index_larger_than_input_outside_dim():
    """An index larger than input in a dim other than dim raises 'Size does not match at dimension'."""
    with pytest.raises(RuntimeError, match="Size does not match at dimension 0"):
        torch.gather(torch.zeros(2, 2), 1, torch.zeros(3, 1, dtype=torch.long))


@pytest.mark.doc("torch.gather")
@pytest.mark.claim("002.gather-diagonal-of-3d", verdict="holds")
def test_gather_picks_the_diagonal_of_every_matrix_in_a_batch():
    """Gathering index k from row k of each matrix gives each 2-D slice's diagonal: the 3-D diagonal is a stack of 2-D ones."""
    batch = numbered((2, 3, 3))
    rows = torch.arange(3).reshape(1, 3, 1).expand(2, 3, 1)
    diagonals = torch.gather(batch, 2, rows).squeeze(2)
    assert_values_equal(diagonals, torch.stack([matrix.diagonal() for matrix in batch]))


@pytest.mark.doc("torch.topk")
@pytest.mark.claim("000.topk-largest-along-dim", verdict="holds")
@pytest.mark.claim("000.gather-at-topk-positions", verdict="holds")
def test_gather_with_topk_indices_picks_the_same_positions_from_another_tensor():
    """topk(x, 1, dim=2) picks each row's largest along dim 2; gather(y, 2, indices) reads y at the same positions."""
    x, y = torch.rand(3, 4, 5), torch.rand(3, 4, 5)
    values, indices = torch.topk(x, 1, dim=2)
    assert_values_equal(values, x.max(dim=2, keepdim=True).values)
    assert_values_equal(torch.gather(y, 2, indices), np.take_along_axis(y.numpy(), indices.numpy(), axis=2))


@pytest.mark.doc("torch.topk")
@given(values=distinct_values, data=st.data())
def test_topk_returns_the_k_largest_sorted_or_the_k_smallest(values, data):
    """topk(k) is the k largest in descending order; largest=False gives the k smallest in ascending order."""
    k = data.draw(st.integers(1, len(values)), label="k")
    tensor = torch.tensor(values)
    assert_equal(torch.topk(tensor, k).values.tolist(), sorted(values, reverse=True)[:k], f"topk({k})")
    assert_equal(torch.topk(tensor, k, largest=False).values.tolist(), sorted(values)[:k], f"topk({k}, largest=False)")


@pytest.mark.doc("torch.topk")
def test_topk_of_tied_values_returns_each_tie_once_with_its_own_index():
    """With ties, topk returns the tied value as often as it is picked, each with an index holding that value."""
    tensor = torch.tensor([1.0, 3.0, 3.0, 2.0])
    values, indices = torch.topk(tensor, 2)
    assert_values_equal(values, torch.tensor([3.0, 3.0]))
    assert_equal(sorted(indices.tolist()), [1, 2], "the indices of the two tied maxima")


@pytest.mark.doc("torch.index_select")
@pytest.mark.claim("001.index-select-keeps-the-dim", verdict="holds")
@pytest.mark.claim("004.integer-index-keeps-dim", verdict="wrong")
def test_index_select_keeps_the_indexed_dim_where_an_integer_index_drops_it():
    """index_select(A, 1, tensor([0])) is a (2, 1) column; A[:, 0] drops the dim and is the 1-D (2,) tensor."""
    matrix = torch.Tensor([[1, 2], [3, 4]])
    assert_values_equal(torch.index_select(matrix, 1, torch.tensor([0])), torch.tensor([[1.0], [3.0]]))
    assert_values_equal(matrix[:, 0], torch.tensor([1.0, 3.0]))
    assert_values_equal(matrix[:, [0]], torch.tensor([[1.0], [3.0]]))


@pytest.mark.doc("torch.index_select")
@given(data=st.data(), tensor=numbered_tensors(min_dims=1, max_dims=4))
def test_index_select_equals_advanced_indexing_along_the_dim(data, tensor):
    """index_select(t, d, idx) equals numpy.take(t, idx, axis=d): repeats and any order allowed, the dim kept."""
    dim = data.draw(dims(tensor.dim()), label="dim")
    size = tensor.shape[dim]
    index = data.draw(hnp.arrays(np.int64, st.integers(1, 5), elements=st.integers(0, size - 1)), label="index")
    assert_values_equal(
        torch.index_select(tensor, dim, torch.from_numpy(index)), np.take(tensor.numpy(), index, axis=dim)
    )


@pytest.mark.doc("tensors")
@pytest.mark.claim("003.index-and-slice-access", verdict="holds")
def test_integer_indices_pick_an_element_and_slices_pick_a_block():
    """t[0, 0] is the 0-d tensor at row 0, column 0; t[:, :2] is every row's first two columns."""
    grid = numbered((3, 4))
    assert_values_equal(grid[0, 0], torch.tensor(0.0))
    assert_values_equal(grid[1, 2], torch.tensor(6.0))
    assert_values_equal(grid[:, :2], torch.tensor([[0.0, 1.0], [4.0, 5.0], [8.0, 9.0]]))


@pytest.mark.doc("torch.Tensor.scatter_")
@pytest.mark.claim("003.scatter-writes-at-index", verdict="holds")
def test_scatter_writes_src_at_the_positions_index_names():
    """scatter(0, index, src) writes src[i][j] to out[index[i][j]][j] (dim=0); other elements keep their values."""
    src = torch.arange(1.0, 7.0).reshape(2, 3)
    index = torch.tensor([[0, 1, 2], [2, 0, 1]])
    scattered = torch.zeros(3, 3).scatter(0, index, src)
    assert_values_equal(scattered, torch.tensor([[1.0, 5.0, 0.0], [0.0, 2.0, 6.0], [4.0, 0.0, 3.0]]))


@pytest.mark.doc("torch.Tensor.scatter_add_")
def test_scatter_add_sums_values_sent_to_the_same_position():
    """scatter_add adds every src value sent to a position: repeated indices accumulate, as a histogram."""
    counts = torch.zeros(4, dtype=torch.long).scatter_add(
        0, torch.tensor([0, 2, 2, 3, 2]), torch.ones(5, dtype=torch.long)
    )
    assert_values_equal(counts, torch.tensor([1, 0, 3, 1]))


@pytest.mark.doc("torch.masked_select")
@pytest.mark.claim("003.comparison-extracts-elements", verdict="wrong")
def test_comparison_makes_a_mask_and_indexing_with_it_extracts():
    """t > 2 is a bool mask of t's shape, not the elements; t[t > 2] and masked_select extract them, 1-D, in order."""
    values = torch.tensor([[1, 5], [3, 0]])
    mask = values > 2
    assert_values_equal(mask, torch.tensor([[False, True], [True, False]]))
    assert_values_equal(values[mask], torch.tensor([5, 3]))
    assert_values_equal(torch.masked_select(values, mask), torch.tensor([5, 3]))


@pytest.mark.doc("torch.where")
@pytest.mark.claim("003.where-selects-from-x-or-y", verdict="holds")
def test_where_picks_from_x_where_the_condition_holds_and_from_y_elsewhere():
    """where(cond, x, y) takes x where cond is True and y elsewhere, broadcasting all three."""
    condition = torch.tensor([[True, False, True], [False, False, True]])
    chosen = torch.where(condition, torch.tensor([1, 2, 3]), torch.tensor([[-1], [-2]]))
    assert_values_equal(chosen, torch.tensor([[1, -1, 3], [-2, -2, 3]]))


@pytest.mark.doc("torch.where")
def test_where_with_only_a_condition_is_nonzero_as_a_tuple():
    """where(cond) is nonzero(cond, as_tuple=True): one tensor of indices per dim."""
    condition = torch.tensor([[False, True, True], [True, False, False]])
    rows, columns = torch.where(condition)
    assert_values_equal(rows, torch.tensor([0, 0, 1]))
    assert_values_equal(columns, torch.tensor([1, 2, 0]))


@pytest.mark.doc("torch.argmax")
@pytest.mark.claim("003.argmax-whole-or-along-dim", verdict="holds")
def test_argmax_indexes_the_flattened_tensor_or_each_slice_along_a_dim():
    """argmax() is the index of the maximum in the flattened tensor; argmax(dim) is the index along dim per slice."""
    grid = torch.tensor([[1, 9, 2], [8, 0, 7]])
    assert_values_equal(grid.argmax(), torch.tensor(1))
    assert_values_equal(grid.argmax(dim=0), torch.tensor([1, 0, 1]))
    assert_values_equal(grid.argmax(dim=1, keepdim=True), torch.tensor([[1], [0]]))


@pytest.mark.doc("torch.max")
@pytest.mark.claim("003.max-returns-a-tensor", verdict="holds")
def test_max_without_dim_is_a_zero_dim_tensor_and_with_dim_a_values_indices_pair():
    """max() is a 0-d tensor (not a Python number); max(dim) returns (values, indices) along dim."""
    grid = torch.tensor([[1, 9, 2], [8, 0, 7]])
    overall = torch.max(grid)
    assert_shape(overall, ())
    assert_dtype(overall, torch.int64)
    assert_values_equal(overall, torch.tensor(9))
    values, indices = torch.max(grid, dim=1)
    assert_values_equal(values, torch.tensor([9, 8]))
    assert_values_equal(indices, torch.tensor([1, 0]))


@pytest.mark.doc("torch.topk")
@pytest.mark.claim("000.topk-returns-values-and-indices", verdict="holds")
def test_topk_returns_a_values_and_indices_pair_that_keeps_the_dim_with_size_k():
    """topk(x, 1, dim=2) of a (3, 4, 5) tensor unpacks into values and int64 indices, both (3, 4, 1), as gather takes."""
    x = numbered((3, 4, 5)).remainder(7).float()
    result = torch.topk(x, 1, dim=2)
    values, indices = result
    assert_equal(len(result), 2, "the number of parts topk returns")
    assert_shape(values, (3, 4, 1))
    assert_shape(indices, (3, 4, 1))
    assert_dtype(indices, torch.int64)
    assert_values_equal(torch.gather(x, 2, indices), values)
    assert_values_equal(indices, x.argmax(dim=2, keepdim=True))


@pytest.mark.doc("torch.gather")
@pytest.mark.claim("000.gather-dim1-index-0-1-2-is-diagonal", verdict="holds")
def test_gather_along_dim_1_with_rows_of_0_1_2_reads_the_diagonal():
    """gather(A, 1, index) with every row of index [0, 1, 2] gives, in every row, the diagonal of A's 3x3 slice."""
    source = torch.arange(27).reshape(3, 3, 3)
    index = torch.tensor([[0, 1, 2]] * 3).expand(3, 3, 3)
    gathered = torch.gather(source, 1, index)
    for block in range(3):
        assert_values_equal(gathered[block], source[block].diagonal().expand(3, 3))


@pytest.mark.doc("torch.gather")
@pytest.mark.claim("002.gather-argument-names", verdict="holds")
def test_gather_takes_input_dim_and_index_by_keyword():
    """torch.gather's arguments are named input (the source), dim (the axis) and index (the positions to read)."""
    source, index = numbered((2, 3)), torch.tensor([[2, 0], [1, 1]])
    by_keyword = torch.gather(input=source, dim=1, index=index)
    assert_values_equal(by_keyword, torch.gather(source, 1, index))
    assert_values_equal(by_keyword, torch.tensor([[2.0, 0.0], [4.0, 4.0]]))


@pytest.mark.doc("torch.gather")
@pytest.mark.claim("002.gather-index-may-differ-along-dim", verdict="holds")
def test_gather_index_may_differ_from_the_input_along_dim():
    """A (3, 5) source and a (3, 4) index differ along dim 1, yet gather(dim=1) takes them: the result is (3, 4)."""
    source = numbered((3, 5))
    index = torch.tensor([[0, 4, 4, 1], [3, 2, 3, 0], [1, 1, 4, 2]])
    gathered = torch.gather(source, 1, index)
    assert_shape(gathered, (3, 4))
    assert_values_equal(gathered, np.take_along_axis(source.numpy(), index.numpy(), axis=1))
    assert_equal(gathered[1, 2].item(), source[1, 3].item(), "gathered[1][2], read from source[1][index[1][2]]")


@pytest.mark.doc("tensors")
@pytest.mark.claim("004.numpy-like-indexing", verdict="holds")
@pytest.mark.parametrize(
    "index",
    [
        lambda a: a[0],
        lambda a: a[:, 1],
        lambda a: a[..., ::2],
        lambda a: a[-1, 1:, :3],
        lambda a: a[a > 5],
        lambda a: a[[0, 1], [2, 0]],
        lambda a: a[:, None, 0],
    ],
    ids=["integer", "slice", "ellipsis-step", "negative-and-ranges", "mask", "integer-arrays", "new-axis"],
)
def test_indexing_picks_what_numpy_indexing_picks(index):
    """Integers, slices, steps, ellipsis, masks, integer arrays and None index a tensor as they index an ndarray."""
    tensor = numbered((2, 3, 4))
    assert_values_equal(index(tensor), index(tensor.numpy()))
