"""Which operations return views of their input, which return copies, and what in-place writes reach."""

import pytest
import torch

from torchspecs.assertions import (
    assert_aliased,
    assert_equal,
    assert_is_view_of,
    assert_not_view,
    assert_shares_storage,
    assert_values_equal,
)

# The ops the Tensor Views page (doc("tensor_view")) lists as view ops, in its order, besides basic slicing and
# indexing (the basic-slice and integer-index rows).  The page names view_as_real as a Tensor method, but torch has it
# as a function only.
PAGE_VIEW_OPS = (
    "adjoint",
    "as_strided",
    "detach",
    "diagonal",
    "expand",
    "expand_as",
    "movedim",
    "narrow",
    "permute",
    "select",
    "squeeze",
    "transpose",
    "t",
    "T",
    "H",
    "mT",
    "mH",
    "real",
    "imag",
    "view_as_real",
    "unflatten",
    "unfold",
    "unsqueeze",
    "view",
    "view_as",
    "unbind",
    "split",
    "hsplit",
    "vsplit",
    "tensor_split",
    "split_with_sizes",
    "swapaxes",
    "swapdims",
    "chunk",
    "indices",
    "values",
)
PAGE_FUNCTIONS_OF_TORCH_ONLY = ("view_as_real",)


def _grid():
    return torch.arange(24.0).reshape(2, 3, 4).clone()


def _complex_grid():
    return torch.arange(6.0).reshape(3, 2).clone().to(torch.complex64)


def _complex_batch():
    values = torch.arange(24.0).reshape(2, 3, 4)
    return torch.complex(values, -values)


def _pairs_grid():
    return torch.arange(6.0).reshape(3, 2).clone()


def _coalesced_sparse():
    return torch.tensor([[0.0, 0.0, 3.0], [4.0, 0.0, 5.0]]).to_sparse()


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
    ("H", lambda: _complex_batch()[1].clone(), lambda t: t.H),
    ("mH", _complex_batch, lambda t: t.mH),
    ("adjoint", _complex_batch, lambda t: t.adjoint()),
    ("permute", _grid, lambda t: t.permute(2, 0, 1)),
    ("movedim", _grid, lambda t: t.movedim(0, -1)),
    ("swapaxes", _grid, lambda t: t.swapaxes(0, 1)),
    ("swapdims", _grid, lambda t: t.swapdims(1, 2)),
    ("squeeze", lambda: torch.zeros(2, 1, 3), lambda t: t.squeeze()),
    ("squeeze-dim", lambda: torch.zeros(2, 1, 3), lambda t: t.squeeze(1)),
    ("unsqueeze", _grid, lambda t: t.unsqueeze(-1)),
    ("view", _grid, lambda t: t.view(6, 4)),
    ("view-as", _grid, lambda t: t.view_as(torch.empty(4, 6))),
    ("flatten-contiguous", _grid, lambda t: t.flatten(1)),
    ("reshape-as-contiguous", _grid, lambda t: t.reshape_as(torch.empty(4, 6))),
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
    ("vsplit", _grid, lambda t: t.vsplit([1])),
    ("dsplit", _grid, lambda t: t.dsplit([1, 3])),
    ("split-with-sizes", _grid, lambda t: t.split_with_sizes([1, 3], dim=2)),
]

# Listed as a view op, but autograd does not record its result as a view (it has no _base): it shares memory all the same.
UNTRACKED_VIEW_OPS = [
    ("detach", _grid, lambda t: t.detach()),
    ("detach-of-a-result-requiring-grad", lambda: _grid().requires_grad_().mul(2), lambda t: t.detach()),
]

# (id, the accessor, a write through what it returns, the dense tensor expected after that write)
SPARSE_VIEW_OPS = [
    ("indices", lambda s: s.indices(), lambda part: part[1, 0].fill_(1), [[0.0, 3.0, 0.0], [4.0, 0.0, 5.0]]),
    ("values", lambda s: s.values(), lambda part: part[1].fill_(-4), [[0.0, 0.0, 3.0], [-4.0, 0.0, 5.0]]),
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
    ("reshape-as-non-viewable", lambda t: t.transpose(0, 2).reshape_as(torch.empty(6, 4))),
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
    """Advanced indexing, index_select, clone, the *_copy ops, and reshape_as where no view fits return new tensors."""
    base = _grid().to(device)
    assert_not_view(base, operation(base))


@pytest.mark.doc("tensor_view")
@pytest.mark.doc("torch.Tensor.detach")
@pytest.mark.parametrize(("name", "make_base", "operation"), UNTRACKED_VIEW_OPS, ids=_ids(UNTRACKED_VIEW_OPS))
def test_detach_shares_its_inputs_memory_as_a_view_op(name, make_base, operation, device):
    """detach, listed as a view op, returns a tensor in its input's memory: a write through either shows in the other."""
    base = make_base().to(device)
    result = operation(base)
    assert_shares_storage(base, result)
    assert_aliased(base, result)
    assert_aliased(result, base)


@pytest.mark.doc("tensor_view")
@pytest.mark.doc("torch.Tensor.indices")
@pytest.mark.doc("torch.Tensor.values")
@pytest.mark.parametrize(("name", "accessor", "write", "expected"), SPARSE_VIEW_OPS, ids=_ids(SPARSE_VIEW_OPS))
def test_sparse_indices_and_values_are_views_into_the_sparse_tensor(name, accessor, write, expected):
    """indices() and values() of a coalesced sparse COO tensor are views: a write through them changes the tensor."""
    sparse = _coalesced_sparse()
    write(accessor(sparse))
    assert_values_equal(sparse.to_dense(), torch.tensor(expected))


@pytest.mark.doc("tensor_view")
def test_every_view_op_the_page_lists_exists_and_has_a_view_spec():
    """Every op the Tensor Views page lists as a view op exists in torch and has a row in the view tables above."""
    row_ids = _ids(SINGLE_VIEW_OPS + MULTI_VIEW_OPS + UNTRACKED_VIEW_OPS + SPARSE_VIEW_OPS)

    def has_row(name):
        dashed = name.replace("_", "-")
        return any(row == dashed or row.startswith(f"{dashed}-") for row in row_ids)

    def exists(name):
        return hasattr(torch if name in PAGE_FUNCTIONS_OF_TORCH_ONLY else torch.Tensor, name)

    assert_equal([name for name in PAGE_VIEW_OPS if not has_row(name)], [], "listed view ops without a row")
    assert_equal([name for name in PAGE_VIEW_OPS if not exists(name)], [], "listed view ops torch lacks")


@pytest.mark.doc("tensor_view")
def test_in_place_op_through_a_view_changes_the_base():
    """An in-place op applied to a view writes into the base tensor's memory."""
    base = torch.zeros(2, 3)
    base[1].add_(5)
    base[:, 0].mul_(0).add_(7)
    assert_values_equal(base, torch.tensor([[7.0, 0.0, 0.0], [7.0, 5.0, 5.0]]))


@pytest.mark.doc("tensor_view")
def test_assignment_through_basic_or_advanced_indexing_writes_in_place():
    """Assigning through basic or advanced indexing (a slice, an index list, a mask) writes into the tensor itself."""
    target = torch.zeros(2, 3)
    target[1, 1:] = torch.tensor([1.0, 2.0])
    target[:, [0, 2]] = torch.tensor([[3.0, 4.0], [5.0, 6.0]])
    target[target > 4.5] = -1.0
    assert_values_equal(target, torch.tensor([[3.0, 0.0, 4.0], [-1.0, 1.0, -1.0]]))


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
