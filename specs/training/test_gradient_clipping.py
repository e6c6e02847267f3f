"""Gradient clipping: clip_grad_norm_ and its parts, get_total_norm and clip_grads_with_norm_."""

import pytest
import torch
from torch import nn

from torchspecs.assertions import assert_close, assert_equal


def _parameters_with_grads() -> list[nn.Parameter]:
    """Two parameters whose gradients have norms 3 and 4, so the total 2-norm is 5."""
    first, second = nn.Parameter(torch.zeros(2)), nn.Parameter(torch.zeros(1))
    first.grad, second.grad = torch.tensor([3.0, 0.0]), torch.tensor([-4.0])
    return [first, second]


@pytest.mark.doc("torch.nn.utils.clip_grad_norm_")
def test_clip_grad_norm_scales_every_gradient_by_max_norm_over_the_total_norm():
    """clip_grad_norm_(params, max_norm) returns the total norm and scales every grad by max_norm / total_norm."""
    parameters = _parameters_with_grads()
    total = nn.utils.clip_grad_norm_(parameters, max_norm=1.0)
    assert_close(total, torch.tensor(5.0))
    assert_close(torch.cat([p.grad for p in parameters]), torch.tensor([0.6, 0.0, -0.8]), atol=1e-6, rtol=1e-6)


@pytest.mark.doc("torch.nn.utils.get_total_norm")
@pytest.mark.change("gradient-clipping-in-two-steps", side="after")
def test_get_total_norm_then_clip_grads_with_norm_do_what_clip_grad_norm_does():
    """get_total_norm(grads) is the norm of all grads together; clip_grads_with_norm_(params, max, total) scales them."""
    parameters = _parameters_with_grads()
    total = nn.utils.get_total_norm([p.grad for p in parameters])
    nn.utils.clip_grads_with_norm_(parameters, 1.0, total)
    assert_close(total, torch.tensor(5.0))
    assert_close(torch.cat([p.grad for p in parameters]), torch.tensor([0.6, 0.0, -0.8]), atol=1e-6, rtol=1e-6)


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
