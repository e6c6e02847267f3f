"""Training and evaluation mode: what train() and eval() switch, and how zero_grad clears gradients."""

import math

import pytest
import torch
from torch import nn

from torchspecs.assertions import assert_close, assert_equal, assert_same_object, assert_values_equal


def _nested() -> nn.Module:
    return nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(0.5), nn.BatchNorm1d(2)))


@pytest.mark.doc("torch.nn.Module.eval")
def test_eval_and_train_set_the_flag_on_every_submodule_and_return_the_module():
    """eval() sets training=False on the module and all its submodules, train() sets it back; both return the module."""
    model = _nested()
    assert_same_object(model.eval(), model, "eval()")
    assert_equal({m.training for m in model.modules()}, {False}, "training flags after eval()")
    assert_same_object(model.train(), model, "train()")
    assert_equal({m.training for m in model.modules()}, {True}, "training flags after train()")


@pytest.mark.doc("torch.nn.Module.train")
def test_train_false_is_eval():
    """train(False) is the same as eval()."""
    model = _nested().train(False)
    assert_equal({m.training for m in model.modules()}, {False}, "training flags after train(False)")


@pytest.mark.doc("torch.nn.Dropout")
def test_dropout_zeroes_and_rescales_in_training_and_is_the_identity_in_eval():
    """Dropout(p) in training zeroes elements and scales the rest by 1/(1-p); in eval it returns the input unchanged."""
    dropout, ones = nn.Dropout(0.25), torch.ones(1000)
    trained = dropout(ones)
    assert_equal(set(trained.unique().tolist()), {0.0, torch.tensor(1 / 0.75).item()}, "the values left in training")
    assert_values_equal(dropout.eval()(ones), ones)


@pytest.mark.doc("torch.nn.BatchNorm1d")
def test_batch_norm_uses_batch_statistics_in_training_and_running_ones_in_eval():
    """BatchNorm in training normalises by the batch and updates running stats; in eval it uses them and updates nothing.

    In eval, 4 is normalised by the running mean 2 and the running (unbiased) variance 2: (4 - 2) / sqrt(2)."""
    norm = nn.BatchNorm1d(1, momentum=1.0, affine=False)
    batch = torch.tensor([[1.0], [3.0]])
    assert_close(norm(batch), torch.tensor([[-1.0], [1.0]]), atol=1e-4, rtol=0)
    assert_values_equal(torch.cat([norm.running_mean, norm.running_var]), torch.tensor([2.0, 2.0]))
    norm.eval()
    assert_close(norm(torch.tensor([[4.0]])), torch.tensor([[math.sqrt(2.0)]]), atol=1e-4, rtol=0)
    assert_values_equal(torch.cat([norm.running_mean, norm.running_var]), torch.tensor([2.0, 2.0]))


@pytest.mark.doc("torch.nn.Module.zero_grad")
def test_module_zero_grad_sets_grads_to_none_by_default_and_to_zeros_when_asked():
    """Module.zero_grad() sets every parameter's .grad to None; zero_grad(set_to_none=False) fills it with zeros."""
    layer = nn.Linear(2, 1)
    layer(torch.ones(1, 2)).sum().backward()
    layer.zero_grad(set_to_none=False)
    assert_values_equal(layer.weight.grad, torch.zeros(1, 2))
    layer.zero_grad()
    assert_equal(layer.weight.grad, None, "the weight's grad after zero_grad()")


@pytest.mark.doc("torch.optim.Optimizer.zero_grad")
@pytest.mark.claim("001.zero-grad-clears-previous-grads", verdict="holds")
@pytest.mark.claim("003.zero-grad-fills-zeros", verdict="wrong")
def test_optimizer_zero_grad_sets_grads_to_none_by_default():
    """optimizer.zero_grad() clears the previous gradients by setting them to None (not zeros), since 2.0."""
    layer = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(layer.parameters(), lr=0.1)
    layer(torch.ones(1, 2)).sum().backward()
    optimizer.zero_grad()
    assert_equal((layer.weight.grad, layer.bias.grad), (None, None), "the grads after optimizer.zero_grad()")
    layer(torch.ones(1, 2)).sum().backward()
    optimizer.zero_grad(set_to_none=False)
    assert_values_equal(layer.bias.grad, torch.zeros(1))
