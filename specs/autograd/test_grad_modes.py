"""Grad modes: no_grad, enable_grad, set_grad_enabled and inference_mode, and what each does to tensors made inside."""

import pytest
import torch
from torch import nn

from torchspecs.assertions import assert_equal


@pytest.mark.doc("torch.no_grad")
@pytest.mark.claim("000.no-grad-sets-requires-grad-false", verdict="wrong")
def test_no_grad_leaves_a_leafs_requires_grad_alone():
    """torch.no_grad() does not turn a leaf's requires_grad from True to False, inside or after the block."""
    weights = torch.ones(2, requires_grad=True)
    with torch.no_grad():
        assert_equal(weights.requires_grad, True, "requires_grad of the leaf inside no_grad")
    assert_equal(weights.requires_grad, True, "requires_grad of the leaf after no_grad")


@pytest.mark.doc("torch.no_grad")
@pytest.mark.claim("003.no-grad-computes-no-gradients", verdict="holds")
def test_results_computed_under_no_grad_do_not_require_grad():
    """Results computed under no_grad have requires_grad False and no grad_fn: nothing is recorded to differentiate."""
    weights = torch.ones(2, requires_grad=True)
    with torch.no_grad():
        result = weights * 2
    assert_equal((result.requires_grad, result.grad_fn), (False, None), "(requires_grad, grad_fn) of the result")


@pytest.mark.doc("torch.enable_grad")
def test_enable_grad_inside_no_grad_records_again():
    """torch.enable_grad() inside no_grad turns recording back on for its own block only."""
    weights = torch.ones(2, requires_grad=True)
    with torch.no_grad():
        with torch.enable_grad():
            inner = weights * 2
        outer = weights * 2
    assert_equal((inner.requires_grad, outer.requires_grad), (True, False), "(inner, outer) requires_grad")


@pytest.mark.doc("torch.autograd.grad_mode.set_grad_enabled")
def test_set_grad_enabled_switches_recording_by_flag():
    """torch.set_grad_enabled(flag) as a context turns recording on or off by its flag; on exit the previous mode returns."""
    weights = torch.ones(2, requires_grad=True)
    with torch.set_grad_enabled(False):
        off = weights * 2
    with torch.no_grad():
        with torch.set_grad_enabled(True):
            on = weights * 2
        restored_inside_no_grad = torch.is_grad_enabled()
    assert_equal((off.requires_grad, on.requires_grad), (False, True), "(off, on) requires_grad")
    assert_equal((restored_inside_no_grad, torch.is_grad_enabled()), (False, True), "grad mode after each block")


@pytest.mark.doc("torch.autograd.grad_mode.inference_mode")
def test_inference_mode_makes_inference_tensors_that_autograd_refuses_later():
    """Tensors made under inference_mode are inference tensors; autograd refuses to save them for backward afterwards."""
    with torch.inference_mode():
        frozen = torch.ones(2) * 2
    assert_equal(frozen.is_inference(), True, "is_inference() of a tensor made in inference_mode")
    weights = torch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward"):
        weights * frozen


@pytest.mark.doc("notes/autograd", "locally-disabling-gradient-computation")
@pytest.mark.claim("003.eval-switches-to-inference", verdict="holds")
@pytest.mark.claim("000.eval-for-evaluation", verdict="holds")
def test_eval_does_not_disable_autograd():
    """model.eval() switches layers to evaluation behaviour; outputs still record a graph (use no_grad for that)."""
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5)).eval()
    output = model(torch.ones(1, 2))
    assert_equal(model.training, False, "model.training after eval()")
    assert_equal(output.requires_grad, True, "requires_grad of an output in eval mode")


@pytest.mark.doc("torch.no_grad")
@pytest.mark.change("grad-mode-decorators-without-parentheses", side="after")
def test_no_grad_decorates_a_function_without_parentheses():
    """@torch.no_grad without parentheses decorates a function, which then runs with grad disabled."""

    @torch.no_grad
    def grad_enabled_inside():
        return torch.is_grad_enabled()

    assert_equal(grad_enabled_inside(), False, "is_grad_enabled() inside a @torch.no_grad function")


@pytest.mark.doc("torch.no_grad")
@pytest.mark.change("grad-mode-decorators-without-parentheses", side="before")
def test_no_grad_needs_parentheses_to_decorate():
    """torch.no_grad takes no function: @torch.no_grad without parentheses raises TypeError; @torch.no_grad() works."""
    with pytest.raises(TypeError, match="takes 1 positional argument but 2 were given"):
        torch.no_grad(lambda: None)


@pytest.mark.doc("torch.autograd.grad_mode.set_grad_enabled")
@pytest.mark.change("set-grad-enabled-decorator-restores-mode", side="after")
def test_set_grad_enabled_as_a_decorator_leaves_the_mode_alone_until_called():
    """Decorating with @torch.set_grad_enabled(False) does not change the grad mode; calling the function does, inside it."""

    @torch.set_grad_enabled(False)
    def grad_enabled_inside():
        return torch.is_grad_enabled()

    assert_equal(torch.is_grad_enabled(), True, "is_grad_enabled() after decorating")
    assert_equal(grad_enabled_inside(), False, "is_grad_enabled() inside the decorated function")


@pytest.mark.doc("torch.autograd.grad_mode.set_grad_enabled")
@pytest.mark.change("set-grad-enabled-decorator-restores-mode", side="before")
def test_set_grad_enabled_as_a_decorator_switches_the_mode_when_decorating():
    """Decorating with @torch.set_grad_enabled(False) turns grad off at once, for the whole process, not only inside."""
    try:

        @torch.set_grad_enabled(False)
        def decorated():
            return None

        assert_equal(torch.is_grad_enabled(), False, "is_grad_enabled() after decorating")
    finally:
        torch.set_grad_enabled(True)


@pytest.mark.doc("autograd", "locally-disabling-gradient-computation")
@pytest.mark.claim("003.autograd-controls-grad-mode", verdict="holds")
def test_torch_autograd_holds_the_switches_for_recording():
    """torch.autograd.no_grad, enable_grad and set_grad_enabled turn recording off and on for their block."""
    x = torch.ones(2, requires_grad=True)
    with torch.autograd.no_grad():
        assert_equal((x * 2).requires_grad, False, "requires_grad under torch.autograd.no_grad()")
        with torch.autograd.enable_grad():
            assert_equal((x * 2).requires_grad, True, "requires_grad under torch.autograd.enable_grad()")
    with torch.autograd.set_grad_enabled(False):
        assert_equal((x * 2).requires_grad, False, "requires_grad under torch.autograd.set_grad_enabled(False)")
    assert_equal((x * 2).requires_grad, True, "requires_grad after the blocks")
