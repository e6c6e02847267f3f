"""Printing tensors: how torch.set_printoptions shapes the repr of a tensor."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import torch

from torchspecs.assertions import assert_equal


@contextmanager
def sci_mode(enabled: bool | None) -> Iterator[None]:
    """Run a block with ``torch.set_printoptions(sci_mode=enabled)``; put the previous setting back after it."""
    previous = torch._tensor_str.PRINT_OPTS.sci_mode
    torch.set_printoptions(sci_mode=enabled)
    try:
        yield
    finally:
        torch.set_printoptions(sci_mode=previous)


# Values whose automatic notation is scientific (a value under 1e-4; a ratio over 1000), printed in fixed point.
FIXED_POINT_REPRS = [
    pytest.param([1e-5, 1.0], "tensor([0.0000, 1.0000])", "tensor([    0.0000,     1.0000])", id="tiny-value"),
    pytest.param(
        [123456.5, 1.0], "tensor([123456.5000,      1.0000])", "tensor([123456.5000,     1.0000])", id="wide-ratio"
    ),
]


@pytest.mark.doc("torch.set_printoptions")
@pytest.mark.parametrize(("values", "aligned", "misaligned"), FIXED_POINT_REPRS)
@pytest.mark.change("print-fixed-point-width", side="after")
def test_fixed_point_printing_pads_each_value_to_the_widest_one(values, aligned, misaligned):
    """With sci_mode=False every element is right-aligned to the width of the widest one as printed in fixed point."""
    with sci_mode(False):
        assert_equal(repr(torch.tensor(values)), aligned, f"repr(torch.tensor({values})) with sci_mode=False")


@pytest.mark.doc("torch.set_printoptions")
@pytest.mark.parametrize(("values", "aligned", "misaligned"), FIXED_POINT_REPRS)
@pytest.mark.change("print-fixed-point-width", side="before")
def test_fixed_point_printing_pads_to_the_width_scientific_notation_would_take(values, aligned, misaligned):
    """With sci_mode=False elements are padded to the width the automatic notation (here scientific) would take."""
    with sci_mode(False):
        assert_equal(repr(torch.tensor(values)), misaligned, f"repr(torch.tensor({values})) with sci_mode=False")
