"""load_state_dict: what assign= does, and which keys and shapes strict loading accepts."""

import pytest
import torch
from torch import nn

from torchspecs.assertions import assert_equal, assert_shares_storage


class Scalar(nn.Module):
    """A module whose one parameter is 0-dimensional."""

    def __init__(self):
        super().__init__()
        self.p = nn.Parameter(torch.tensor(0.0))


@pytest.mark.doc("torch.nn.Module.load_state_dict")
@pytest.mark.change("load-state-dict-assign", side="after")
def test_load_state_dict_with_assign_keeps_the_loaded_tensors():
    """load_state_dict(state, assign=True) makes the module's parameters the state's tensors, not copies into them."""
    state = {"weight": torch.full((2, 3), 5.0), "bias": torch.zeros(2)}
    layer = nn.Linear(3, 2)
    layer.load_state_dict(state, assign=True)
    assert_shares_storage(layer.weight.detach(), state["weight"])
    assert_equal(isinstance(layer.weight, nn.Parameter), True, "the assigned weight is a Parameter")


@pytest.mark.doc("torch.nn.Module.load_state_dict")
@pytest.mark.change("load-state-dict-assign", side="before")
def test_load_state_dict_takes_no_assign_argument():
    """load_state_dict takes no assign argument: loading always copies into the existing parameters."""
    layer = nn.Linear(3, 2)
    with pytest.raises(TypeError, match="assign"):
        layer.load_state_dict(layer.state_dict(), assign=True)


def _frozen_weight_after_an_assigning_load() -> nn.Parameter:
    """A Linear whose weight is frozen, then loaded with assign=True: its new weight."""
    layer = nn.Linear(3, 2)
    layer.weight.requires_grad_(False)
    layer.load_state_dict({"weight": torch.ones(2, 3), "bias": torch.zeros(2)}, assign=True)
    return layer.weight


@pytest.mark.doc("torch.nn.Module.load_state_dict")
@pytest.mark.change("load-state-dict-assign", side="after")
@pytest.mark.change("load-assign-keeps-requires-grad", side="after")
def test_load_state_dict_with_assign_keeps_a_frozen_parameter_frozen():
    """load_state_dict(assign=True) keeps each parameter's requires_grad: a frozen weight stays frozen."""
    assert_equal(_frozen_weight_after_an_assigning_load().requires_grad, False, "requires_grad of the weight")


@pytest.mark.doc("torch.nn.Module.load_state_dict")
@pytest.mark.change("load-state-dict-assign", side="after")
@pytest.mark.change("load-assign-keeps-requires-grad", side="before")
def test_load_state_dict_with_assign_makes_every_parameter_trainable():
    """load_state_dict(assign=True) wraps each tensor in a new Parameter, which requires grad even if the old one did not."""
    assert_equal(_frozen_weight_after_an_assigning_load().requires_grad, True, "requires_grad of the weight")


@pytest.mark.doc("torch.nn.Module.load_state_dict")
@pytest.mark.change("unexpected-nested-state-dict-key", side="after")
def test_strict_loading_refuses_a_key_below_a_parameter():
    """Strict loading reports a key such as 'weight.extra', below a parameter's name, as unexpected."""
    layer = nn.Linear(3, 2)
    with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "weight\.extra"'):
        layer.load_state_dict({**layer.state_dict(), "weight.extra": torch.ones(1)})


@pytest.mark.doc("torch.nn.Module.load_state_dict")
@pytest.mark.change("unexpected-nested-state-dict-key", side="before")
def test_strict_loading_ignores_a_key_below_a_parameter():
    """Strict loading ignores a key such as 'weight.extra', below a parameter's name, without reporting it."""
    layer = nn.Linear(3, 2)
    result = layer.load_state_dict({**layer.state_dict(), "weight.extra": torch.ones(1)})
    assert_equal(list(result.unexpected_keys), [], "the unexpected keys reported")


@pytest.mark.doc("torch.nn.Module.load_state_dict")
@pytest.mark.change("load-state-dict-0-dim-parameter-shape-check", side="after")
def test_loading_a_longer_vector_into_a_0_dim_parameter_is_a_size_mismatch():
    """Loading a 1-D tensor of 3 elements into a 0-dim parameter raises a size mismatch."""
    with pytest.raises(RuntimeError, match="size mismatch for p"):
        Scalar().load_state_dict({"p": torch.arange(1.0, 4.0)})


@pytest.mark.doc("torch.nn.Module.load_state_dict")
@pytest.mark.change("load-state-dict-0-dim-parameter-shape-check", side="before")
def test_loading_a_longer_vector_into_a_0_dim_parameter_takes_its_first_element():
    """Loading a 1-D tensor into a 0-dim parameter silently keeps its first element, whatever its length."""
    module = Scalar()
    module.load_state_dict({"p": torch.arange(1.0, 4.0)})
    assert_equal(module.p.item(), 1.0, "the loaded 0-dim parameter")
