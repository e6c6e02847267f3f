"""Which operations return views of their input, which return copies, and what in-place writes reach."""

import pytest
import torch

from torchspecs.assertions import assert_is_view_of, assert_not_view, assert_values_equal


def _grid():
    return torch.arange(24.0).reshape(2, 3, 4).clone()


def _complex_grid():
    return torch.arange(6.0).reshape(3, 2).clone().to(torch.complex64)


def _pairs_grid():
    return torch.arange(6.0).reshape(3, 2).clone()


# (id, make the base, the operation)
SINGLE_VIEW_OPS = [
    ("basic-slice", _grid, lambda t: t[:, 1:, ::2]),
    ("integer-index", _grid, lambda t: t[1]),
    ("ellipsis-and-none", _grid, lambda t: t[..., None]),
    ("select", _grid, lambda t: t.select(2, -1)),
    ("narrow", _grid, lambda t: t.narrow(1, 1, 2)),
    ("transpose", _grid, lambda t: t.transpose(0, 2)),
    ("t", lambda: _grid()[0], lambda t: t.t()),
    ("T-of-matrix", lambda: _grid()[0], lambda t: t.T),
    ("mT", _grid, lambda t: t.mT),
    ("permute", _grid, lambda t: t.permute(2, 0, 1)),
    ("movedim", _grid, lambda t: t.movedim(0, -1)),
    ("swapaxes", _grid, lambda t: t.swapaxes(0, 1)),
    ("squeeze", lambda: torch.zeros(2, 1, 3), lambda t: t.squeeze()),
    ("squeeze-dim", lambda: torch.zeros(2, 1, 3), lambda t: t.squeeze(1)),
    ("unsqueeze", _grid, lambda t: t.unsqueeze(-1)),
    ("view", _grid, lambda t: t.view(6, 4)),
    ("view-as", _grid, lambda t: t.view_as(torch.empty(4, 6))),
    ("flatten-contiguous", _grid, lambda t: t.flatten(1)),
    ("unflatten", _grid, lambda t: t.unflatten(2, (2, 2))),
    ("expand", lambda: torch.zeros(1, 3), lambda t: t.expand(4, 3)),
    ("expand-as", lambda: torch.zeros(1, 3), lambda t: t.expand_as(torch.empty(4, 3))),
    ("diagonal", _grid, lambda t: t.diagonal(dim1=1, dim2=2)),
    ("unfold", lambda: torch.arange(8.0), lambda t: t.unfold(0, 3, 2)),
    ("as-strided", _grid, lambda t: t.as_strided((2, 2), (1, 4))),
    ("view-as-real", _complex_grid, torch.view_as_real),
    ("view-as-complex", _pairs_grid, torch.view_as_complex),
    ("real", _complex_grid, lambda t: t.real),
    ("imag", _complex_grid, lambda t: t.imag),
]

MULTI_VIEW_OPS = [
    ("unbind", _grid, lambda t: t.unbind(1)),
    ("split-by-size", _grid, lambda t: t.split(2, dim=2)),
    ("split-by-sizes", _grid, lambda t: t.split([1, 2], dim=1)),
    ("chunk", _grid, lambda t: t.chunk(2, dim=2)),
    ("tensor-split", _grid, lambda t: t.tensor_split(3, dim=2)),
    ("hsplit", _grid, lambda t: t.hsplit(3)),
]

COPY_OPS = [
    ("advanced-index-list", lambda t: t[:, [0, 2]]),
    ("advanced-index-tensor", lambda t: t[t.new_tensor([1, 0], dtype=torch.long)]),
    ("boolean-mask-index", lambda t: t[t > 5]),
    ("index-select", lambda t: t.index_select(1, t.new_tensor([0, 2], dtype=torch.long))),
    ("masked-select", lambda t: t.masked_select(t > 5)),
    ("take", lambda t: t.take(t.new_tensor([0, 5], dtype=torch.long))),
    ("gather", lambda t: t.gather(2, t.new_zeros(2, 3, 1, dtype=torch.long))),
    ("clone", lambda t: t.clone()),
    ("repeat", lambda t: t.repeat(1, 1, 1)),
    ("transpose-copy", lambda t: torch.transpose_copy(t, 0, 2)),
    ("permute-copy", lambda t: torch.permute_copy(t, (2, 0, 1))),
    ("select-copy", lambda t: torch.select_copy(t, 0, 1)),
    ("narrow-copy", lambda t: torch.narrow_copy(t, 1, 0, 2)),
    ("diagonal-copy", lambda t: torch.diagonal_copy(t, dim1=1, dim2=2)),
    ("view-copy", lambda t: torch.view_copy(t, (6, 4))),
    ("unsqueeze-copy", lambda t: torch.unsqueeze_copy(t, 0)),
    ("to-other-dtype", lambda t: t.to(torch.float64)),
]


def _ids(table):
    return [entry[0] for entry in table]


@pytest.mark.doc("tensor_view")
@pytest.mark.parametrize(("name", "make_base", "operation"), SINGLE_VIEW_OPS, ids=_ids(SINGLE_VIEW_OPS))
def test_view_op_returns_a_view_of_its_input(name, make_base, operation, device):
    """An operation listed as a view op returns a view of its input that shares its memory."""
    base = make_base().to(device)
    assert_is_view_of(base, operation(base))


@pytest.mark.doc("tensor_view")
@pytest.mark.parametrize(("name", "make_base", "operation"), MULTI_VIEW_OPS, ids=_ids(MULTI_VIEW_OPS))
def test_splitting_view_op_returns_views_of_its_input(name, make_base, operation, device):
    """A splitting view op (unbind, split, chunk, ...) returns pieces that are each a view of the input."""
    base = make_base().to(device)
    for piece in operation(base):
        assert_is_view_of(base, piece)


@pytest.mark.doc("tensor_view")
@pytest.mark.doc("torch.transpose_copy")
@pytest.mark.parametrize(("name", "operation"), COPY_OPS, ids=_ids(COPY_OPS))
def test_copying_op_returns_a_new_tensor(name, operation, device):
    """Advanced indexing, index_select, masked_select, clone and the *_copy ops return new tensors, never views."""
    base = _grid().to(device)
    assert_not_view(base, operation(base))


@pytest.mark.doc("tensor_view")
def test_in_place_op_through_a_view_changes_the_base():
    """An in-place op applied to a view writes into the base tensor's memory."""
    base = torch.zeros(2, 3)
    base[1].add_(5)
    base[:, 0].mul_(0).add_(7)
    assert_values_equal(base, torch.tensor([[7.0, 0.0, 0.0], [7.0, 5.0, 5.0]]))


@pytest.mark.doc("tensors")
@pytest.mark.claim("003.in-place-overwrites", verdict="holds")
def test_in_place_op_overwrites_while_out_of_place_op_leaves_input_unchanged():
    """x.mul(2) returns a new tensor and leaves x alone, while x.mul_(2) overwrites x and returns x itself."""
    x = torch.arange(3.0)
    doubled = x.mul(2.0)
    assert_values_equal(x, torch.arange(3.0))
    assert_not_view(x, doubled)
    result = x.mul_(2.0)
    assert result is x, "expected mul_ to return the tensor it modified"
    assert_values_equal(x, torch.tensor([0.0, 2.0, 4.0]))
