"""Activation checkpointing: torch.utils.checkpoint without use_reentrant, and the error its warning keeps announcing."""

import re

import pytest
import torch
import torch.utils.checkpoint

from torchspecs.assertions import assert_close, assert_equal, assert_values_equal


def _checkpointed_square():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    return x, torch.utils.checkpoint.checkpoint(lambda t: t * t, x)


def _warning_without_use_reentrant() -> str:
    """The text of the UserWarning checkpoint gives when use_reentrant is not passed."""
    with pytest.warns(UserWarning, match="use_reentrant") as caught:
        _checkpointed_square()
    return " ".join(str(record.message) for record in caught if "use_reentrant" in str(record.message))


@pytest.mark.doc("torch.utils.checkpoint.checkpoint")
@pytest.mark.change("checkpoint-use-reentrant-warning", side="after")
def test_checkpoint_without_use_reentrant_still_runs_reentrant_despite_the_announced_error():
    """checkpoint(fn, x) without use_reentrant only warns and computes fn(x) with its gradient: no error has landed."""
    with pytest.warns(UserWarning, match="use_reentrant"):
        x, y = _checkpointed_square()
    y.sum().backward()
    assert_values_equal(x.grad, torch.tensor([2.0, 4.0, 6.0]))


@pytest.mark.doc("torch.utils.checkpoint.checkpoint")
@pytest.mark.change("checkpoint-use-reentrant-warning", side="before")
@pytest.mark.filterwarnings("error::UserWarning")
def test_checkpoint_without_use_reentrant_is_silent():
    """checkpoint(fn, x) without use_reentrant gives no warning and uses the reentrant implementation."""
    x, y = _checkpointed_square()
    y.sum().backward()
    assert_values_equal(x.grad, torch.tensor([2.0, 4.0, 6.0]))


@pytest.mark.doc("torch.utils.checkpoint.checkpoint")
@pytest.mark.change("checkpoint-use-reentrant-warning", side="after")
@pytest.mark.change("checkpoint-warning-announces-an-error", side="before")
def test_checkpoint_warning_says_the_default_will_become_false():
    """The warning asks for use_reentrant explicitly and says its default will become False in the future."""
    assert re.search("default value of use_reentrant will be updated to be False", _warning_without_use_reentrant())


@pytest.mark.doc("torch.utils.checkpoint.checkpoint")
@pytest.mark.change("checkpoint-warning-announces-an-error", side="after")
@pytest.mark.change("checkpoint-warning-postpones-the-error", side="before")
def test_checkpoint_warning_announces_an_error_in_the_next_release():
    """The warning announces that leaving out use_reentrant will raise an exception in a release it names."""
    assert re.search("In version 2.4 we will raise an exception", _warning_without_use_reentrant())


@pytest.mark.doc("torch.utils.checkpoint.checkpoint")
@pytest.mark.change("checkpoint-warning-postpones-the-error", side="after")
@pytest.mark.change("checkpoint-warning-postpones-the-error-again", side="before")
def test_checkpoint_warning_announces_the_error_one_release_later():
    """The warning moves the announced exception to a later release, which has already shipped without it."""
    assert re.search("In version 2.5 we will raise an exception", _warning_without_use_reentrant())


@pytest.mark.doc("torch.utils.checkpoint.checkpoint")
@pytest.mark.change("checkpoint-warning-postpones-the-error-again", side="after")
@pytest.mark.change("checkpoint-warning-drops-the-release", side="before")
def test_checkpoint_warning_announces_the_error_from_a_named_release():
    """The warning announces the exception starting in a named release; calls in that release still only warn."""
    assert re.search(
        "Starting in PyTorch 2.9, calling checkpoint without use_reentrant will raise", _warning_without_use_reentrant()
    )


@pytest.mark.doc("torch.utils.checkpoint.checkpoint")
@pytest.mark.change("checkpoint-warning-drops-the-release", side="after")
def test_checkpoint_warning_announces_the_error_for_a_future_release():
    """The warning no longer names a release: the exception is announced for 'a future release'."""
    assert re.search(
        "In a future release, calling checkpoint without use_reentrant will raise", _warning_without_use_reentrant()
    )


def _counting_square(calls: list):
    def square(t):
        calls.append(t.shape)
        return t * t

    return square


@pytest.mark.doc("torch.utils.checkpoint.checkpoint")
@pytest.mark.change("checkpoint-decorator-form", side="after")
def test_checkpoint_without_a_function_returns_a_decorator_that_checkpoints_it():
    """checkpoint(use_reentrant=False)(fn) is fn checkpointed: it runs once forward and again in the backward pass."""
    calls = []
    checkpointed = torch.utils.checkpoint.checkpoint(use_reentrant=False)(_counting_square(calls))
    x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = checkpointed(x)
    assert_values_equal(y.detach(), torch.tensor([1.0, 4.0, 9.0]))
    assert len(calls) == 1, f"fn ran {len(calls)} times in the forward pass"
    y.sum().backward()
    assert len(calls) == 2, f"fn ran {len(calls)} times by the end of the backward pass, not recomputed once"
    assert_values_equal(x.grad, torch.tensor([2.0, -4.0, 6.0]))


@pytest.mark.doc("torch.utils.checkpoint.checkpoint")
@pytest.mark.change("checkpoint-decorator-form", side="before")
def test_checkpoint_needs_the_function_to_run():
    """checkpoint(use_reentrant=False) without a function raises TypeError: function is a required argument."""
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'function'"):
        torch.utils.checkpoint.checkpoint(use_reentrant=False)


def _sine_recomputed_in_float64(calls: list):
    """sin(t) that runs in t's dtype the first time and in float64 every later time, as when recomputed."""

    def sine(t):
        calls.append(t.dtype)
        return (t if len(calls) == 1 else t.double()).sin()

    return sine


def _checkpointed_sine_recomputed_in_float64() -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    return x, torch.utils.checkpoint.checkpoint(_sine_recomputed_in_float64([]), x, use_reentrant=False)


@pytest.mark.doc("torch.utils.checkpoint.checkpoint")
@pytest.mark.change("checkpoint-checks-recomputed-metadata", side="after")
def test_checkpoint_refuses_a_recomputation_that_saves_another_dtype():
    """Non-reentrant checkpoint raises CheckpointError, a RuntimeError, when the recomputation saves another dtype."""
    _, y = _checkpointed_sine_recomputed_in_float64()
    with pytest.raises(
        torch.utils.checkpoint.CheckpointError,
        match="Recomputed values for the following tensors have different metadata",
    ) as raised:
        y.sum().backward()
    assert_equal(isinstance(raised.value, RuntimeError), True, "CheckpointError is a RuntimeError")


@pytest.mark.doc("torch.utils.checkpoint.checkpoint")
@pytest.mark.change("checkpoint-checks-recomputed-metadata", side="before")
def test_checkpoint_uses_a_recomputation_of_another_dtype_unchecked():
    """Non-reentrant checkpoint does not compare its recomputation with the forward: one in float64 goes unnoticed."""
    x, y = _checkpointed_sine_recomputed_in_float64()
    y.sum().backward()
    assert_close(x.grad, x.detach().cos())
