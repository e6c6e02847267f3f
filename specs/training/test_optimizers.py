"""Optimizers: one step equals the documented update rule; groups, learning rates, state and skipped parameters."""

import copy

import pytest
import torch
from torch import nn

from torchspecs.assertions import assert_close, assert_equal, assert_values_equal

START = [1.0, -2.0, 0.5]


def _quadratic_steps(optimizer_class, steps: int, **options) -> torch.Tensor:
    """Minimise 0.5 * ||p||^2 (whose gradient is p) for ``steps`` steps from START; return p."""
    parameter = nn.Parameter(torch.tensor(START, dtype=torch.float64))
    optimizer = optimizer_class([parameter], **options)
    for _ in range(steps):
        optimizer.zero_grad()
        (0.5 * (parameter**2).sum()).backward()
        optimizer.step()
    return parameter.detach()


def _sgd_by_formula(steps, lr, momentum=0.0, weight_decay=0.0, nesterov=False, dampening=0.0):
    """SGD as the documentation writes it: g = grad + wd*p; b = m*b + (1-d)*g (b = g at first); p -= lr*(g + m*b if nesterov else b)."""
    p, buffer = torch.tensor(START, dtype=torch.float64), None
    for _ in range(steps):
        g = p + weight_decay * p
        if momentum:
            buffer = g.clone() if buffer is None else momentum * buffer + (1 - dampening) * g
            g = g + momentum * buffer if nesterov else buffer
        p = p - lr * g
    return p


def _adam_by_formula(steps, lr, betas=(0.9, 0.999), eps=1e-8):
    """Adam as published: m, v moving averages, bias-corrected, p -= lr * m_hat / (sqrt(v_hat) + eps)."""
    p = torch.tensor(START, dtype=torch.float64)
    m, v = torch.zeros(3, dtype=torch.float64), torch.zeros(3, dtype=torch.float64)
    for t in range(1, steps + 1):
        g = p.clone()
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        m_hat, v_hat = m / (1 - betas[0] ** t), v / (1 - betas[1] ** t)
        p = p - lr * m_hat / (v_hat.sqrt() + eps)
    return p


@pytest.mark.claim("003.optimizer-step-updates", verdict="holds")
@pytest.mark.claim("004.step-updates-parameters", verdict="holds")
@pytest.mark.doc("torch.optim.SGD")
@pytest.mark.claim("003.sgd-updates-the-given-tensors", verdict="holds")
@pytest.mark.parametrize(
    "options",
    [
        {"lr": 0.1},
        {"lr": 0.1, "momentum": 0.9},
        {"lr": 0.1, "weight_decay": 0.01},
        {"lr": 0.1, "momentum": 0.9, "nesterov": True},
        {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1},
        {"lr": 0.1, "momentum": 0.9, "dampening": 0.5},
    ],
    ids=["plain", "momentum", "weight-decay", "nesterov", "momentum-and-decay", "dampening"],
)
def test_sgd_steps_follow_the_documented_update(options):
    """Three SGD steps give exactly the documented update, with momentum, dampening, weight decay and nesterov."""
    assert_close(_quadratic_steps(torch.optim.SGD, 3, **options), _sgd_by_formula(3, **options))


@pytest.mark.doc("torch.optim.SGD")
@pytest.mark.claim("003.weight-decay-is-l2", verdict="holds")
def test_sgd_weight_decay_equals_an_l2_penalty_on_the_loss():
    """SGD(weight_decay=wd) steps as plain SGD on loss + wd/2 * ||p||^2 does (the L2 penalty)."""
    decayed = _quadratic_steps(torch.optim.SGD, 3, lr=0.1, weight_decay=0.5)
    penalised = _sgd_by_formula(3, lr=0.1 * 1.5)
    assert_close(decayed, penalised)


@pytest.mark.doc("torch.optim.Adam")
@pytest.mark.claim("003.adam-optimizer", verdict="holds")
@pytest.mark.parametrize(
    "options",
    [{"lr": 0.1}, {"lr": 0.1, "betas": (0.5, 0.9)}, {"lr": 0.1, "eps": 0.5}],
    ids=["defaults", "betas", "eps"],
)
def test_adam_first_steps_follow_the_published_rule(options):
    """Adam's first three steps equal the published update: bias-corrected moments, lr * m_hat / (sqrt(v_hat) + eps)."""
    assert_close(_quadratic_steps(torch.optim.Adam, 3, **options), _adam_by_formula(3, **options))


@pytest.mark.doc("optim")
@pytest.mark.claim("003.param-groups-visible", verdict="holds")
def test_param_groups_each_use_their_own_learning_rate():
    """optimizer.param_groups lists each group's parameters and options; each group steps with its own lr."""
    slow, fast = nn.Parameter(torch.ones(1)), nn.Parameter(torch.ones(1))
    optimizer = torch.optim.SGD([{"params": [slow]}, {"params": [fast], "lr": 0.5}], lr=0.1)
    (slow + fast).sum().backward()
    optimizer.step()
    assert_equal([group["lr"] for group in optimizer.param_groups], [0.1, 0.5], "the groups' learning rates")
    assert_values_equal(torch.stack([slow.detach(), fast.detach()]), torch.tensor([[0.9], [0.5]]))


@pytest.mark.doc("optim")
def test_changing_a_groups_lr_takes_effect_on_the_next_step():
    """Writing group['lr'] between steps changes the size of the next step."""
    parameter = nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([parameter], lr=0.1)
    parameter.grad = torch.ones(1)
    optimizer.step()
    optimizer.param_groups[0]["lr"] = 1.0
    optimizer.step()
    assert_close(parameter.detach(), torch.tensor([-1.1]))


@pytest.mark.doc("torch.optim.Optimizer.state_dict")
def test_loading_an_optimizers_state_dict_resumes_identically():
    """An optimizer loaded from another's state_dict (momentum buffers included) takes the same next step."""
    first = nn.Parameter(torch.tensor(START))
    optimizer = torch.optim.SGD([first], lr=0.1, momentum=0.9)
    for _ in range(2):
        first.grad = first.detach().clone()
        optimizer.step()
    second = nn.Parameter(first.detach().clone())
    resumed = torch.optim.SGD([second], lr=0.1, momentum=0.9)
    resumed.load_state_dict(copy.deepcopy(optimizer.state_dict()))
    for parameter, stepper in ((first, optimizer), (second, resumed)):
        parameter.grad = torch.ones(3)
        stepper.step()
    assert_values_equal(second.detach(), first.detach())


@pytest.mark.doc("optim")
def test_parameters_without_a_grad_are_skipped():
    """A parameter whose .grad is None is left unchanged by step(), even with weight decay."""
    used, unused = nn.Parameter(torch.ones(1)), nn.Parameter(torch.ones(1))
    optimizer = torch.optim.SGD([used, unused], lr=0.1, weight_decay=0.5)
    used.sum().backward()
    optimizer.step()
    assert_values_equal(unused.detach(), torch.ones(1))
    assert_close(used.detach(), torch.tensor([1.0 - 0.1 * 1.5]))


@pytest.mark.doc("torch.optim.Optimizer.step")
@pytest.mark.claim("001.backward-then-update", verdict="holds")
def test_backward_computes_the_gradients_and_only_step_updates_the_parameters():
    """loss.backward() fills .grad and leaves the parameters as they were; optimizer.step() then updates them."""
    model = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    weight = model.weight.detach().clone()
    loss = ((model(torch.tensor([[1.0, -1.0]])) - 3.0) ** 2).sum()
    loss.backward()
    assert_values_equal(model.weight.detach(), weight)
    assert_equal(model.weight.grad is None, False, "the weight's grad is None after backward")
    optimizer.step()
    assert_close(model.weight.detach(), weight - 0.1 * model.weight.grad)
    assert_equal(bool(torch.equal(model.weight.detach(), weight)), False, "the weight is unchanged after step()")
