"""expand and repeat: expand aliases its source through zero strides, repeat copies."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from torchspecs.assertions import assert_aliased, assert_independent, assert_is_view_of, assert_strides

OVERLAP_ERROR = "more than one element of the written-to tensor refers to a single memory location"


@pytest.mark.doc("torch.Tensor.expand")
@given(copies=st.integers(2, 5), width=st.integers(1, 5), position=st.integers(0, 2))
def test_expand_sets_the_stride_of_expanded_dimensions_to_zero(copies, width, position):
    """expand creates a view in which each expanded size-1 dimension has stride 0."""
    shape = [2, width]
    shape.insert(position, 1)
    source = torch.arange(2.0 * width).reshape(shape)
    sizes, strides = list(shape), list(source.stride())
    sizes[position], strides[position] = copies, 0
    expanded = source.expand(sizes)
    assert_strides(expanded, tuple(strides))
    assert_is_view_of(source, expanded)


@pytest.mark.doc("torch.Tensor.expand")
@pytest.mark.claim("000.expand-aliases-repeat-copies", verdict="holds")
def test_expand_shows_writes_to_its_source():
    """A write into the source of an expand shows in every expanded copy of it."""
    source = torch.tensor([[[1.5, -2.0, 3.0]]])
    expanded = source.expand(4, -1, -1)
    source[0, 0, 0] = -7
    assert bool((expanded[:, 0, 0] == -7).all()), (
        f"expected all four expanded rows to start with -7, got {expanded[:, 0, 0]}"
    )
    assert_aliased(source, expanded)


@pytest.mark.doc("torch.Tensor.expand")
def test_in_place_write_into_an_expanded_tensor_is_refused(device):
    """An in-place op on an expanded tensor raises, because several elements share one memory location."""
    expanded = torch.zeros(1, 3, device=device).expand(4, 3)
    with pytest.raises(RuntimeError, match=OVERLAP_ERROR):
        expanded.add_(1)


@pytest.mark.doc("torch.Tensor.repeat")
@pytest.mark.claim("000.expand-aliases-repeat-copies", verdict="holds")
def test_repeat_copies_so_writes_to_the_source_do_not_show():
    """repeat copies the data: a later write to the source does not change the repeated tensor."""
    source = torch.tensor([[[1.5, -2.0, 3.0]]])
    repeated = source.repeat(4, 1, 1)
    before = repeated.clone()
    source[0, 0, 0] = -7
    assert torch.equal(repeated, before), "expected the repeated tensor to keep its values after the source changed"
    assert_independent(source, repeated)


@pytest.mark.doc("torch.Tensor.repeat")
@pytest.mark.parametrize("repeats", [(1, 1), (1,) * 3], ids=["same-rank", "new-leading-dim"])
def test_repeat_with_all_ones_still_copies(repeats, device):
    """repeat copies even when every repeat count is 1 and the shape is unchanged."""
    source = torch.arange(6.0, device=device).reshape(2, 3)
    assert_independent(source, source.repeat(*repeats))


@pytest.mark.doc("torch.broadcast_to")
def test_broadcast_to_is_an_expand_view():
    """broadcast_to returns a zero-stride view of its input, like expand."""
    row = torch.arange(3.0)
    broadcast = torch.broadcast_to(row, (2, 3))
    assert_strides(broadcast, (0, 1))
    assert_is_view_of(row, broadcast)


@pytest.mark.doc("torch.Tensor.expand")
@pytest.mark.claim("000.expand-minus-one-keeps-size", verdict="holds")
def test_expand_with_minus_one_keeps_those_sizes():
    """expand(4, -1, -1) of a (1, 2, 3) tensor keeps the -1 dims: (4, 2, 3), the values repeat(4, 1, 1) gives."""
    source = torch.arange(6.0).reshape(1, 2, 3)
    expanded = source.expand(4, -1, -1)
    assert tuple(expanded.shape) == (4, 2, 3)
    assert torch.equal(expanded, source.repeat(4, 1, 1))
