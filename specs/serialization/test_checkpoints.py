"""Checkpoints: a dict of epoch, model state, optimizer state and loss round-trips, and resuming from it is exact."""

import io

import pytest
import torch
from torch import nn

from torchspecs.assertions import assert_equal, assert_values_equal

INPUTS = torch.linspace(-1, 1, 16).reshape(8, 2)
TARGETS = INPUTS.sum(dim=1, keepdim=True) * 3 + 1


def _train(model: nn.Module, optimizer: torch.optim.Optimizer, steps: int) -> float:
    loss = torch.tensor(0.0)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = ((model(INPUTS) - TARGETS) ** 2).mean()
        loss.backward()
        optimizer.step()
    return loss.item()


def _fresh(seed: int, lr: float = 0.1) -> tuple[nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(seed)
    model = nn.Linear(2, 1)
    return model, torch.optim.Adam(model.parameters(), lr=lr)


def _checkpoint(epoch: int, model: nn.Module, optimizer: torch.optim.Optimizer, loss: float) -> io.BytesIO:
    buffer = io.BytesIO()
    torch.save(
        {
            "epoch": epoch,
            "model_state_dict": model.state_dict(),
            "optimizer_state_dict": optimizer.state_dict(),
            "loss": loss,
        },
        buffer,
    )
    buffer.seek(0)
    return buffer


@pytest.mark.doc("notes/serialization")
@pytest.mark.claim("001.checkpoint-dict-round-trip", verdict="holds")
def test_a_checkpoint_dict_round_trips_under_the_default_load():
    """A dict of epoch, model and optimizer state dicts and loss loads back equal with torch.load's defaults."""
    model, optimizer = _fresh(seed=0)
    loss = _train(model, optimizer, steps=2)
    checkpoint = torch.load(_checkpoint(2, model, optimizer, loss))
    assert_equal((checkpoint["epoch"], checkpoint["loss"]), (2, loss), "(epoch, loss)")
    assert_values_equal(checkpoint["model_state_dict"]["weight"], model.weight.detach())
    assert_equal(checkpoint["optimizer_state_dict"]["state"][0]["step"].item(), 2.0, "Adam's step count")


@pytest.mark.doc("torch.optim.Optimizer.state_dict")
def test_resuming_from_a_checkpoint_continues_exactly_as_an_uninterrupted_run():
    """Training 2 steps, checkpointing, loading into fresh objects and training 2 more equals 4 steps straight, bit for bit."""
    straight_model, straight_optimizer = _fresh(seed=0)
    _train(straight_model, straight_optimizer, steps=4)

    first_model, first_optimizer = _fresh(seed=0)
    loss = _train(first_model, first_optimizer, steps=2)
    saved = _checkpoint(2, first_model, first_optimizer, loss)
    # Built with other weights and another learning rate: the checkpoint must supply both.
    resumed_model, resumed_optimizer = _fresh(seed=1, lr=0.5)
    checkpoint = torch.load(saved)
    resumed_model.load_state_dict(checkpoint["model_state_dict"])
    resumed_optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    _train(resumed_model, resumed_optimizer, steps=2)

    assert_values_equal(resumed_model.weight.detach(), straight_model.weight.detach())
    assert_values_equal(resumed_model.bias.detach(), straight_model.bias.detach())
