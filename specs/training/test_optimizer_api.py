"""The optimizer API as it changed: defaults, what state a step keeps, class relations, checks on construction."""

import pytest
import torch
from torch import nn

from torchspecs.assertions import assert_close, assert_equal, assert_independent, assert_shares_storage


def _parameter(*shape) -> nn.Parameter:
    return nn.Parameter(torch.arange(1.0, 1.0 + torch.Size(shape).numel()).reshape(shape))


def _stepped(optimizer: torch.optim.Optimizer, *parameters: nn.Parameter) -> torch.optim.Optimizer:
    """One step after the gradient of 0.5 * ||p||^2 (which is p) lands in each parameter."""
    for parameter in parameters:
        parameter.grad = parameter.detach().clone()
    optimizer.step()
    return optimizer


@pytest.mark.doc("torch.optim.SGD")
@pytest.mark.change("sgd-default-learning-rate", side="after")
def test_sgd_defaults_its_learning_rate_to_one_thousandth():
    """SGD(params) without lr uses lr=0.001: one step moves p to p - 0.001 * grad."""
    parameter = _parameter(2)
    _stepped(torch.optim.SGD([parameter]), parameter)
    assert_close(parameter.detach(), torch.tensor([1.0, 2.0]) * 0.999)


@pytest.mark.doc("torch.optim.SGD")
@pytest.mark.change("sgd-default-learning-rate", side="before")
def test_sgd_needs_a_learning_rate():
    """SGD(params) without lr raises: lr is a required optimization parameter."""
    with pytest.raises((ValueError, TypeError), match="lr"):
        torch.optim.SGD([_parameter(2)])


@pytest.mark.doc("torch.optim.SGD")
@pytest.mark.change("sgd-without-momentum-keeps-no-state", side="after")
def test_sgd_without_momentum_keeps_no_state():
    """A step of SGD with momentum=0 stores nothing in optimizer.state."""
    parameter = _parameter(2)
    optimizer = _stepped(torch.optim.SGD([parameter], lr=0.1), parameter)
    assert_equal(optimizer.state_dict()["state"], {}, "the state after one step")


@pytest.mark.doc("torch.optim.SGD")
@pytest.mark.change("sgd-without-momentum-keeps-no-state", side="before")
def test_sgd_without_momentum_keeps_an_empty_momentum_buffer():
    """A step of SGD with momentum=0 stores momentum_buffer=None for each parameter."""
    parameter = _parameter(2)
    optimizer = _stepped(torch.optim.SGD([parameter], lr=0.1), parameter)
    assert_equal(optimizer.state_dict()["state"], {0: {"momentum_buffer": None}}, "the state after one step")


def _loaded_and_given_momentum_buffers() -> tuple[torch.Tensor, torch.Tensor]:
    """An SGD's state dict after one step with momentum, loaded into a second SGD: its buffer, and the dict's."""
    source_parameter, target_parameter = _parameter(2), _parameter(2)
    state = _stepped(torch.optim.SGD([source_parameter], lr=0.1, momentum=0.9), source_parameter).state_dict()
    target = torch.optim.SGD([target_parameter], lr=0.1, momentum=0.9)
    target.load_state_dict(state)
    return target.state[target_parameter]["momentum_buffer"], state["state"][0]["momentum_buffer"]


@pytest.mark.doc("torch.optim.Optimizer.load_state_dict")
@pytest.mark.change("optimizer-load-state-dict-shares-state", side="after")
def test_optimizer_load_state_dict_keeps_the_given_state_tensors():
    """load_state_dict uses the state dict's own tensors where their dtype and device fit, rather than copies."""
    assert_shares_storage(*_loaded_and_given_momentum_buffers())


@pytest.mark.doc("torch.optim.Optimizer.load_state_dict")
@pytest.mark.change("optimizer-load-state-dict-shares-state", side="before")
def test_optimizer_load_state_dict_copies_the_given_state():
    """load_state_dict deep-copies the state dict: the optimizer's state tensors are copies of the given ones."""
    assert_independent(*_loaded_and_given_momentum_buffers())


@pytest.mark.doc("torch.optim.Adam")
@pytest.mark.change("adam-betas-must-match-types", side="after")
def test_adam_refuses_betas_of_an_int_and_a_float():
    """Adam(betas=(0, 0.99)) raises ValueError: both betas must be floats, or both tensors."""
    with pytest.raises(ValueError, match="betas must be either both floats or both Tensors"):
        torch.optim.Adam([_parameter(2)], betas=(0, 0.99))


@pytest.mark.doc("torch.optim.Adam")
@pytest.mark.change("adam-betas-must-match-types", side="before")
def test_adam_accepts_betas_of_an_int_and_a_float():
    """Adam(betas=(0, 0.99)) is accepted: a beta1 of int 0 turns momentum off, stepping as betas=(0.0, 0.99) does."""
    int_parameter, float_parameter, default_parameter = _parameter(3), _parameter(3), _parameter(3)
    with_int = torch.optim.Adam([int_parameter], lr=0.1, betas=(0, 0.99))
    with_float = torch.optim.Adam([float_parameter], lr=0.1, betas=(0.0, 0.99))
    with_default = torch.optim.Adam([default_parameter], lr=0.1)
    steppers = ((with_int, int_parameter), (with_float, float_parameter), (with_default, default_parameter))
    for _ in range(3):
        for optimizer, parameter in steppers:
            _stepped(optimizer, parameter)
    assert_equal(with_int.defaults["betas"], (0, 0.99), "the betas")
    assert_close(int_parameter.detach(), float_parameter.detach())
    assert_equal(torch.equal(int_parameter, default_parameter), False, "betas (0, 0.99) step as the default betas")


@pytest.mark.doc("torch.optim.AdamW")
@pytest.mark.change("adamw-is-an-adam", side="after")
def test_adamw_is_an_adam_with_decoupled_weight_decay():
    """AdamW is a subclass of Adam, and its param groups say decoupled_weight_decay=True."""
    optimizer = torch.optim.AdamW([_parameter(2)])
    assert_equal(isinstance(optimizer, torch.optim.Adam), True, "isinstance(AdamW(...), Adam)")
    assert_equal(optimizer.param_groups[0]["decoupled_weight_decay"], True, "decoupled_weight_decay of the group")


@pytest.mark.doc("torch.optim.AdamW")
@pytest.mark.change("adamw-is-an-adam", side="before")
def test_adamw_is_not_an_adam():
    """AdamW derives from Optimizer, not from Adam: isinstance(AdamW(...), Adam) is False."""
    assert_equal(isinstance(torch.optim.AdamW([_parameter(2)]), torch.optim.Adam), False, "isinstance(AdamW, Adam)")


@pytest.mark.doc("torch.optim.Adam")
@pytest.mark.change("adam-decoupled-weight-decay", side="after")
def test_adam_with_decoupled_weight_decay_steps_as_adamw():
    """Adam(decoupled_weight_decay=True) takes the same steps as AdamW with the same weight decay."""
    adam_parameter, adamw_parameter, coupled_parameter = _parameter(3), _parameter(3), _parameter(3)
    adam = torch.optim.Adam([adam_parameter], lr=0.1, weight_decay=0.5, decoupled_weight_decay=True)
    adamw = torch.optim.AdamW([adamw_parameter], lr=0.1, weight_decay=0.5)
    coupled = torch.optim.Adam([coupled_parameter], lr=0.1, weight_decay=0.5)
    for _ in range(3):
        _stepped(adam, adam_parameter), _stepped(adamw, adamw_parameter), _stepped(coupled, coupled_parameter)
    assert_close(adam_parameter.detach(), adamw_parameter.detach())
    assert_equal(torch.equal(adam_parameter, coupled_parameter), False, "decoupled equals coupled weight decay")


@pytest.mark.doc("torch.optim.Adam")
@pytest.mark.change("adam-decoupled-weight-decay", side="before")
def test_adam_takes_no_decoupled_weight_decay():
    """Adam takes no decoupled_weight_decay argument: decoupled weight decay is AdamW's."""
    with pytest.raises(TypeError, match="decoupled_weight_decay"):
        torch.optim.Adam([_parameter(2)], decoupled_weight_decay=True)


@pytest.mark.doc("torch.optim.Optimizer")
@pytest.mark.change("optimizer-params-set-future-warning", side="after")
def test_an_optimizer_given_a_set_of_parameters_warns_that_sets_are_unordered():
    """An optimizer given a set of parameters warns FutureWarning that sets will be an error: their order changes."""
    with pytest.warns(FutureWarning, match="ordering of tensors in sets will change between runs"):
        torch.optim.SGD({_parameter(2)}, lr=0.1)


@pytest.mark.doc("torch.optim.Optimizer")
@pytest.mark.change("optimizer-params-set-future-warning", side="before")
@pytest.mark.filterwarnings("error::FutureWarning")
def test_an_optimizer_accepts_a_set_of_parameters_silently():
    """An optimizer given a set of parameters accepts it without a warning."""
    assert_equal(len(torch.optim.SGD({_parameter(2)}, lr=0.1).param_groups[0]["params"]), 1, "the group's parameters")


@pytest.mark.doc("torch.optim.Muon")
@pytest.mark.change("muon-optimizer", side="after")
def test_muon_takes_only_2d_parameters():
    """torch.optim.Muon optimizes matrices: a 1-D parameter is refused with ValueError."""
    torch.optim.Muon([_parameter(2, 3)], lr=0.02)
    with pytest.raises(ValueError, match="Muon only supports 2D parameters"):
        torch.optim.Muon([_parameter(3)], lr=0.02)


@pytest.mark.doc("torch.optim.Optimizer")
@pytest.mark.change("muon-optimizer", side="before")
def test_there_is_no_muon_optimizer():
    """torch.optim has no Muon optimizer."""
    assert_equal(hasattr(torch.optim, "Muon"), False, "hasattr(torch.optim, 'Muon')")


@pytest.mark.doc("torch.optim.LBFGS")
@pytest.mark.change("lbfgs-maximize", side="after")
def test_lbfgs_can_maximize():
    """LBFGS(maximize=True) climbs: a step on f(p) = -||p||^2 raises f, moving p towards the maximum at 0."""
    parameter = _parameter(2)
    optimizer = torch.optim.LBFGS([parameter], lr=0.5, max_iter=1, maximize=True)

    def closure():
        optimizer.zero_grad()
        value = -(parameter**2).sum()
        value.backward()
        return value

    before = closure().item()
    optimizer.step(closure)
    assert_equal(closure().item() > before, True, f"f rose from {before}")


@pytest.mark.doc("torch.optim.LBFGS")
@pytest.mark.change("lbfgs-maximize", side="before")
def test_lbfgs_takes_no_maximize():
    """LBFGS takes no maximize argument: it always minimizes."""
    with pytest.raises(TypeError, match="maximize"):
        torch.optim.LBFGS([_parameter(2)], maximize=True)


@pytest.mark.doc("torch.optim.Adagrad")
@pytest.mark.change("adagrad-state-for-added-param-groups", side="after")
def test_adagrad_steps_a_param_group_added_after_construction():
    """Adagrad steps a parameter added with add_param_group after construction, making its state then."""
    first, second = _parameter(2), _parameter(2)
    optimizer = torch.optim.Adagrad([first], lr=0.1)
    optimizer.add_param_group({"params": [second]})
    _stepped(optimizer, first, second)
    assert_equal(sorted(optimizer.state[second]), ["step", "sum"], "the added parameter's state")


@pytest.mark.doc("torch.optim.Adagrad")
@pytest.mark.change("adagrad-state-for-added-param-groups", side="before")
def test_adagrad_fails_to_step_a_param_group_added_after_construction():
    """Adagrad makes its state in the constructor: stepping a group added later raises KeyError 'sum'."""
    first, second = _parameter(2), _parameter(2)
    optimizer = torch.optim.Adagrad([first], lr=0.1)
    optimizer.add_param_group({"params": [second]})
    with pytest.raises(KeyError, match="sum"):
        _stepped(optimizer, first, second)


@pytest.mark.doc("optim")
@pytest.mark.claim("003.optim-implements-optimizers", verdict="holds")
@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_torch_optim_optimizers_are_optimizers_that_step_against_the_gradient(name):
    """torch.optim's algorithms are Optimizer subclasses; a step moves each parameter against its gradient."""
    optimizer_class = getattr(torch.optim, name)
    assert_equal(issubclass(optimizer_class, torch.optim.Optimizer), True, f"torch.optim.{name} is an Optimizer")
    parameter = nn.Parameter(torch.tensor([1.0, -2.0]))
    optimizer = optimizer_class([parameter], lr=0.1)
    (parameter * torch.tensor([3.0, -4.0])).sum().backward()
    optimizer.step()
    assert_equal(torch.sign(parameter.detach() - torch.tensor([1.0, -2.0])).tolist(), [-1.0, 1.0], "step directions")


@pytest.mark.doc("torch.optim.SGD")
@pytest.mark.claim("003.sgd-accepts-model-parameters", verdict="holds")
def test_sgd_takes_a_models_parameters_as_they_come():
    """SGD(model.parameters(), lr) optimises exactly the model's parameters, in order, and steps them."""
    model = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    given = optimizer.param_groups[0]["params"]
    assert_equal(
        [p is q for p, q in zip(given, model.parameters(), strict=True)],
        [True, True],
        "the optimizer's tensors are the model's",
    )
    before = model.bias.detach().clone()
    model(torch.ones(1, 2)).sum().backward()
    optimizer.step()
    assert_close(model.bias.detach(), before - 0.5)


@pytest.mark.doc("torch.optim.SGD")
@pytest.mark.claim("003.sgd-list-wrapping-model-parameters", verdict="wrong")
def test_sgd_refuses_a_list_that_wraps_the_parameters_generator():
    """SGD([model.parameters()], lr) raises TypeError: the list holds a generator, not tensors; pass the generator."""
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors"):
        torch.optim.SGD([nn.Linear(2, 2).parameters()], lr=1e-5)
