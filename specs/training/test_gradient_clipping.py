"""Gradient clipping: clip_grad_norm_ and its parts, get_total_norm and clip_grads_with_norm_."""

import math

import pytest
import torch
from torch import nn

from torchspecs.assertions import assert_close, assert_equal

GRADIENTS = [3.0, 0.0, -4.0]

# (options, max_norm, the total norm of GRADIENTS in that norm): the 2-norm by default, the 1-norm and the inf-norm
# when asked, and a max_norm above the total, which leaves the gradients as they are.
CLIPPINGS = [({}, 1.0, 5.0), ({"norm_type": 1.0}, 1.0, 7.0), ({"norm_type": math.inf}, 1.0, 4.0), ({}, 10.0, 5.0)]
CLIPPING_IDS = ["2-norm", "1-norm", "inf-norm", "max-norm-above-the-total"]


def _parameters_with_grads() -> list[nn.Parameter]:
    """Two parameters whose gradients are [3, 0] and [-4]: total norms 5 (2-norm), 7 (1-norm) and 4 (inf-norm)."""
    first, second = nn.Parameter(torch.zeros(2)), nn.Parameter(torch.zeros(1))
    first.grad, second.grad = torch.tensor(GRADIENTS[:2]), torch.tensor(GRADIENTS[2:])
    return [first, second]


def _clipped(max_norm: float, total: float) -> torch.Tensor:
    """GRADIENTS scaled by max_norm / total, if that is below 1."""
    return torch.tensor(GRADIENTS) * min(1.0, max_norm / total)


@pytest.mark.doc("torch.nn.utils.clip_grad_norm_")
@pytest.mark.parametrize(("options", "max_norm", "total"), CLIPPINGS, ids=CLIPPING_IDS)
def test_clip_grad_norm_scales_every_gradient_by_max_norm_over_the_total_norm(options, max_norm, total):
    """clip_grad_norm_(params, max_norm, norm_type) returns the total norm and scales every grad by max_norm / total."""
    parameters = _parameters_with_grads()
    returned = nn.utils.clip_grad_norm_(parameters, max_norm=max_norm, **options)
    assert_close(returned, torch.tensor(total))
    assert_close(torch.cat([p.grad for p in parameters]), _clipped(max_norm, total), atol=1e-6, rtol=1e-6)


@pytest.mark.doc("torch.nn.utils.get_total_norm")
@pytest.mark.change("gradient-clipping-in-two-steps", side="after")
@pytest.mark.parametrize(("options", "max_norm", "total"), CLIPPINGS, ids=CLIPPING_IDS)
def test_get_total_norm_then_clip_grads_with_norm_do_what_clip_grad_norm_does(options, max_norm, total):
    """get_total_norm(grads, norm_type) is the norm of all grads together; clip_grads_with_norm_(params, max, total) scales them."""
    parameters = _parameters_with_grads()
    returned = nn.utils.get_total_norm([p.grad for p in parameters], **options)
    nn.utils.clip_grads_with_norm_(parameters, max_norm, returned)
    assert_close(returned, torch.tensor(total))
    assert_close(torch.cat([p.grad for p in parameters]), _clipped(max_norm, total), atol=1e-6, rtol=1e-6)


@pytest.mark.doc("torch.nn.utils.clip_grad_norm_")
@pytest.mark.change("gradient-clipping-in-two-steps", side="before")
def test_clipping_has_no_separate_norm_and_scale_steps():
    """torch.nn.utils has clip_grad_norm_ only: no get_total_norm or clip_grads_with_norm_."""
    found = (hasattr(nn.utils, "get_total_norm"), hasattr(nn.utils, "clip_grads_with_norm_"))
    assert_equal(found, (False, False), "(get_total_norm, clip_grads_with_norm_) exist")


@pytest.mark.doc("torch.nn.utils.clip_grad_norm_")
@pytest.mark.change("clip-grad-norm-warns-of-an-empty-generator", side="after")
def test_clip_grad_norm_of_an_empty_generator_warns_that_nothing_is_clipped():
    """clip_grad_norm_ of an empty generator warns that no gradient clipping will occur (a used-up generator, say)."""
    with pytest.warns(UserWarning, match="is an empty generator, no gradient clipping will occur"):
        nn.utils.clip_grad_norm_((p for p in []), max_norm=1.0)


@pytest.mark.doc("torch.nn.utils.clip_grad_norm_")
@pytest.mark.change("clip-grad-norm-warns-of-an-empty-generator", side="before")
@pytest.mark.filterwarnings("error::UserWarning")
def test_clip_grad_norm_of_an_empty_generator_is_silent():
    """clip_grad_norm_ of an empty generator returns a total norm of 0 without a warning."""
    assert_equal(float(nn.utils.clip_grad_norm_((p for p in []), max_norm=1.0)), 0.0, "the total norm")
