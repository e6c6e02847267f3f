"""Shape operations: squeeze and unsqueeze, cat and stack, split and chunk, unbind, permutations, flatten."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from torchspecs.assertions import assert_equal, assert_shape, assert_values_equal
from torchspecs.strategies import dims, numbered, numbered_tensors, shapes


def _with_ones(draw_shape: tuple[int, ...], ones_at: list[bool]) -> tuple[int, ...]:
    return tuple(1 if one else side for side, one in zip(draw_shape, ones_at, strict=False))


squeezable_tensors = shapes(min_dims=1, max_dims=5).flatmap(
    lambda shape: st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)).map(
        lambda ones_at: numbered(_with_ones(shape, ones_at))
    )
)


@pytest.mark.doc("torch.squeeze")
@pytest.mark.claim("004.squeeze-removes-size-one", verdict="holds")
@pytest.mark.claim("003.squeeze-method-removes-size-one", verdict="holds")
@pytest.mark.claim("001.squeeze-unsqueeze-size-one-dims", verdict="holds")
@pytest.mark.claim("003.squeeze-all-or-one-dim", verdict="holds")
@given(tensor=squeezable_tensors)
def test_squeeze_removes_every_size_one_dimension(tensor):
    """squeeze() removes every dimension of size 1 and keeps the others in order, as numpy.squeeze does."""
    assert_values_equal(tensor.squeeze(), np.squeeze(tensor.numpy()))


@pytest.mark.doc("torch.squeeze")
@pytest.mark.claim("003.squeeze-all-or-one-dim", verdict="holds")
def test_squeeze_with_a_dim_removes_only_that_dim_and_leaves_a_non_one_dim_alone():
    """squeeze(dim) removes dim only if its size is 1; a dim of another size is left as it is, without error."""
    tensor = torch.zeros(1, 2, 1)
    assert_shape(tensor.squeeze(0), (2, 1))
    assert_shape(tensor.squeeze(-1), (1, 2))
    assert_shape(tensor.squeeze(1), (1, 2, 1))


@pytest.mark.doc("torch.squeeze")
def test_squeeze_accepts_a_tuple_of_dims():
    """squeeze((d1, d2)) removes each listed dimension of size 1 and no other."""
    assert_shape(torch.zeros(1, 2, 1, 1).squeeze((0, 2)), (2, 1))


@pytest.mark.doc("torch.unsqueeze")
@pytest.mark.claim("001.squeeze-unsqueeze-size-one-dims", verdict="holds")
@given(data=st.data(), tensor=numbered_tensors(min_dims=0, max_dims=4))
def test_unsqueeze_inserts_a_size_one_dim_at_any_position(data, tensor):
    """unsqueeze(d) inserts a size-1 dim at d; a negative d counts from the end of the result, as in expand_dims."""
    dim = data.draw(dims(tensor.dim(), extra=1), label="dim")
    assert_values_equal(tensor.unsqueeze(dim), np.expand_dims(tensor.numpy(), dim))


@pytest.mark.doc("torch.unsqueeze")
@pytest.mark.claim("003.unsqueeze-adds-size-one-at-i", verdict="holds")
@pytest.mark.claim("004.unsqueeze-adds-at-position", verdict="holds")
@pytest.mark.parametrize(("dim", "expected"), [(0, (1, 2, 2)), (1, (2, 1, 2)), (2, (2, 2, 1))])
def test_unsqueeze_positions_of_the_notes_example(dim, expected):
    """A (2, 2) tensor unsqueezed at 0, 1 and 2 has shapes (1, 2, 2), (2, 1, 2) and (2, 2, 1)."""
    assert_shape(torch.rand(2, 2).unsqueeze(dim), expected)


@pytest.mark.doc("torch.cat")
@pytest.mark.claim("001.cat-existing-dim-stack-new-dim", verdict="holds")
@pytest.mark.claim("003.cat-grows-one-dim", verdict="holds")
@given(data=st.data(), base=shapes(min_dims=1, max_dims=4), extra=st.integers(1, 3))
def test_cat_joins_along_an_existing_dim(data, base, extra):
    """cat joins along an existing dim, which grows by the other tensor's size; the number of dims is unchanged."""
    dim = data.draw(dims(len(base)), label="dim")
    other_shape = list(base)
    other_shape[dim] = extra
    first, second = numbered(base), numbered(tuple(other_shape)) + 100
    assert_values_equal(torch.cat([first, second], dim=dim), np.concatenate([first.numpy(), second.numpy()], axis=dim))


@pytest.mark.doc("torch.cat")
def test_cat_refuses_tensors_that_differ_outside_the_cat_dim():
    """cat needs equal sizes in every dim but the one it joins along."""
    with pytest.raises(RuntimeError, match="Sizes of tensors must match except in dimension 0"):
        torch.cat([torch.zeros(1, 2), torch.zeros(1, 3)], dim=0)


@pytest.mark.doc("torch.stack")
@pytest.mark.claim("001.cat-existing-dim-stack-new-dim", verdict="holds")
@pytest.mark.claim("003.stack-adds-one-dim", verdict="holds")
@given(data=st.data(), shape=shapes(min_dims=0, max_dims=3), count=st.integers(1, 3))
def test_stack_joins_along_a_new_dim(data, shape, count):
    """stack inserts a new dim at the given position, of size the number of tensors, as numpy.stack does."""
    dim = data.draw(dims(len(shape), extra=1), label="dim")
    tensors = [numbered(shape) + 100 * k for k in range(count)]
    assert_values_equal(torch.stack(tensors, dim=dim), np.stack([t.numpy() for t in tensors], axis=dim))


@pytest.mark.doc("torch.stack")
def test_stack_refuses_tensors_of_different_shapes():
    """stack needs every tensor to have the same shape."""
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        torch.stack([torch.zeros(2), torch.zeros(3)])


@pytest.mark.doc("torch.split")
@pytest.mark.claim("003.split-into-parts", verdict="holds")
@given(length=st.integers(1, 20), size=st.integers(1, 8))
def test_split_by_size_gives_pieces_of_that_size_and_a_smaller_last_one(length, size):
    """split(n, dim) cuts pieces of n along the dim; only the last may be smaller. Together they are the whole."""
    rows = numbered((2, length))
    pieces = rows.split(size, dim=1)
    expected = [size] * (length // size) + ([length % size] if length % size else [])
    assert_equal(
        [piece.shape for piece in pieces],
        [torch.Size([2, n]) for n in expected],
        f"split({size}, dim=1) of {(2, length)}",
    )
    assert_values_equal(torch.cat(pieces, dim=1), rows)


@pytest.mark.doc("torch.split")
def test_split_by_a_list_of_sizes_needs_them_to_add_up():
    """split([a, b, c]) cuts pieces of exactly those sizes, and raises when they do not add up to the dim's size."""
    assert_equal([len(p) for p in torch.arange(6).split([1, 3, 2])], [1, 3, 2], "piece lengths of split([1, 3, 2])")
    with pytest.raises(RuntimeError, match="split_with_sizes expects split_sizes to sum exactly to 6"):
        torch.arange(6).split([1, 2])


@pytest.mark.doc("torch.chunk")
@pytest.mark.claim("003.chunk-into-parts", verdict="holds")
@given(length=st.integers(1, 20), chunks=st.integers(1, 8))
def test_chunk_cuts_equal_pieces_of_ceil_size_and_may_return_fewer(length, chunks):
    """chunk(n) cuts pieces of ceil(length / n); there may be fewer than n pieces (6 in 4 chunks gives 3)."""
    size = math.ceil(length / chunks)
    pieces = torch.arange(length).chunk(chunks)
    assert_equal([len(p) for p in pieces], [len(p) for p in torch.arange(length).split(size)], "piece lengths")
    assert_equal(len(pieces) <= chunks, True, f"at most {chunks} pieces")


@pytest.mark.doc("torch.chunk")
def test_chunk_of_six_into_four_returns_three():
    """The documented example: six elements in four chunks are three chunks of two."""
    assert_equal([len(p) for p in torch.arange(6).chunk(4)], [2, 2, 2], "piece lengths of chunk(4) of 6")


@pytest.mark.doc("torch.unbind")
@pytest.mark.claim("003.unbind-into-1d-tensors", verdict="wrong")
def test_unbind_removes_one_dim_rather_than_splitting_into_vectors():
    """unbind removes one dim (0 by default): a (2, 3, 4) tensor unbinds into two (3, 4) tensors, not 1-D ones."""
    tensor = numbered((2, 3, 4))
    pieces = tensor.unbind()
    assert_equal(len(pieces), 2, "the number of pieces")
    for index, piece in enumerate(pieces):
        assert_values_equal(piece, tensor[index])
    assert_equal([p.shape for p in tensor.unbind(2)], [torch.Size([2, 3])] * 4, "the shapes of unbind(2)")


@pytest.mark.doc("torch.permute")
@pytest.mark.claim("003.permute-reorders-dims", verdict="holds")
@given(data=st.data(), tensor=numbered_tensors(min_dims=1, max_dims=5))
def test_permute_reorders_dims_as_numpy_transpose(data, tensor):
    """permute(order) puts input dim order[i] at position i, as numpy.transpose(axes=order) does."""
    order = data.draw(st.permutations(range(tensor.dim())), label="order")
    assert_values_equal(tensor.permute(*order), np.transpose(tensor.numpy(), order))


@pytest.mark.doc("torch.transpose")
@pytest.mark.claim("003.transpose-swaps-two-dims", verdict="holds")
@given(data=st.data(), tensor=numbered_tensors(min_dims=1, max_dims=4))
def test_transpose_swaps_two_dims_as_numpy_swapaxes(data, tensor):
    """transpose(d0, d1) swaps two dims, negative or not, as numpy.swapaxes does."""
    first, second = data.draw(dims(tensor.dim()), label="d0"), data.draw(dims(tensor.dim()), label="d1")
    assert_values_equal(tensor.transpose(first, second), np.swapaxes(tensor.numpy(), first, second))


@pytest.mark.doc("torch.movedim")
@given(data=st.data(), tensor=numbered_tensors(min_dims=1, max_dims=4))
def test_movedim_moves_one_dim_as_numpy_moveaxis(data, tensor):
    """movedim(source, destination) moves one dim and keeps the others in order, as numpy.moveaxis does."""
    source, destination = data.draw(dims(tensor.dim()), label="source"), data.draw(dims(tensor.dim()), label="dest")
    assert_values_equal(tensor.movedim(source, destination), np.moveaxis(tensor.numpy(), source, destination))


@pytest.mark.doc("torch.flatten")
@given(data=st.data(), tensor=numbered_tensors(min_dims=1, max_dims=5))
def test_flatten_merges_the_dims_from_start_to_end(data, tensor):
    """flatten(start, end) merges dims start..end (both included) into one; the others are kept."""
    start = data.draw(st.integers(0, tensor.dim() - 1), label="start")
    end = data.draw(st.integers(start, tensor.dim() - 1), label="end")
    shape = tensor.shape
    expected = (*shape[:start], math.prod(shape[start : end + 1]), *shape[end + 1 :])
    assert_values_equal(tensor.flatten(start, end), tensor.numpy().reshape(expected))


@pytest.mark.doc("torch.unflatten")
@given(tensor=numbered_tensors(min_dims=1, max_dims=4))
def test_unflatten_undoes_flatten(tensor):
    """unflatten(dim, sizes) splits one dim into sizes: unflatten(1, shape) undoes flatten(1) of a batch of one."""
    batch = tensor.unsqueeze(0)
    assert_values_equal(batch.flatten(1).unflatten(1, tensor.shape), batch)


@pytest.mark.doc("torch.reshape")
@pytest.mark.claim("000.reshape-27-elements-to-3x3-fails", verdict="holds")
def test_reshape_to_a_different_element_count_raises():
    """reshape keeps the element count: 27 elements reshape to (3, 3, 3) but not to (3, 3)."""
    assert_shape(torch.arange(27).reshape(3, 3, 3), (3, 3, 3))
    with pytest.raises(RuntimeError, match=r"shape '\[3, 3\]' is invalid for input of size 27"):
        torch.arange(27).reshape(3, 3)


@pytest.mark.doc("torch.Tensor.view_as")
@pytest.mark.claim("003.reshape-as-takes-the-others-shape", verdict="holds")
@pytest.mark.claim("003.view-as-and-reshape-as", verdict="holds")
def test_view_as_and_reshape_as_take_the_other_tensors_shape():
    """x.view_as(y) and x.reshape_as(y) give x the shape of y, which must have as many elements."""
    source, model = torch.arange(6), torch.zeros(2, 3)
    assert_shape(source.view_as(model), (2, 3))
    assert_shape(source.reshape_as(model), (2, 3))
    with pytest.raises(RuntimeError, match="is invalid for input of size 6"):
        source.view_as(torch.zeros(4))


@pytest.mark.doc("torch.Tensor.size")
@pytest.mark.claim("003.size-of-a-dim", verdict="holds")
def test_size_of_a_dim_and_dim_count():
    """x.size(d) is the length of dim d (negative d counts from the end); x.dim() is the number of dims."""
    tensor = torch.zeros(2, 3, 4)
    assert_equal((tensor.size(0), tensor.size(-1), tensor.dim()), (2, 4, 3), "(size(0), size(-1), dim())")
