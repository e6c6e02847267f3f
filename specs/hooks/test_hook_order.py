"""The order hooks run in, asserted as exact event sequences: global before local, registration order, nesting."""

import pytest
import torch
import torch.nn.modules.module as module_globals
from torch import nn

from torchspecs.assertions import assert_equal
from torchspecs.isolation import global_module_hooks


class Recorded(nn.Module):
    """A linear layer that writes 'name.forward' to the event log when its forward runs."""

    def __init__(self, name: str, log: list[str]):
        super().__init__()
        self.name, self.log, self.linear = name, log, nn.Linear(2, 2)

    def forward(self, x):
        self.log.append(f"{self.name}.forward")
        return self.linear(x)


def _recorder(log: list[str], event: str, only: nn.Module | None = None):
    """A hook that logs ``event``; a global hook given ``only`` logs just the calls for that module."""

    def hook(*args, **kwargs):
        if only is None or args[0] is only:
            log.append(event)

    return hook


def _hook_every_stage(module: nn.Module, log: list[str], name: str) -> None:
    module.register_forward_pre_hook(_recorder(log, f"{name}.forward_pre"))
    module.register_forward_hook(_recorder(log, f"{name}.forward_hook"))
    module.register_full_backward_pre_hook(_recorder(log, f"{name}.backward_pre"))
    module.register_full_backward_hook(_recorder(log, f"{name}.backward_hook"))


@pytest.mark.doc("torch.nn.Module.register_forward_hook")
def test_forward_runs_pre_hook_then_forward_then_forward_hook():
    """A call runs the forward pre-hook, then forward, then the forward hook."""
    log = []
    module = Recorded("m", log)
    module.register_forward_hook(_recorder(log, "m.forward_hook"))
    module.register_forward_pre_hook(_recorder(log, "m.forward_pre"))
    module(torch.ones(1, 2))
    assert_equal(log, ["m.forward_pre", "m.forward", "m.forward_hook"], "the events")


@pytest.mark.doc("torch.nn.Module.register_forward_hook")
def test_hooks_run_in_registration_order_unless_prepended():
    """Hooks of one kind run in the order registered; prepend=True puts a hook before those already there."""
    log = []
    module = Recorded("m", log)
    for register, kind in ((module.register_forward_pre_hook, "pre"), (module.register_forward_hook, "hook")):
        register(_recorder(log, f"{kind}.first"))
        register(_recorder(log, f"{kind}.second"))
        register(_recorder(log, f"{kind}.prepended"), prepend=True)
    module(torch.ones(1, 2))
    expected = ["pre.prepended", "pre.first", "pre.second", "m.forward", "hook.prepended", "hook.first", "hook.second"]
    assert_equal(log, expected, "the events")


@pytest.mark.doc("torch.nn.modules.module.register_module_forward_hook")
def test_global_module_hooks_run_before_the_modules_own():
    """Hooks registered for all modules run before a module's own (even those registered earlier), forward and backward."""
    log = []
    module = Recorded("m", log)
    with global_module_hooks():
        _hook_every_stage(module, log, "m")
        module_globals.register_module_forward_pre_hook(_recorder(log, "global.forward_pre", only=module))
        module_globals.register_module_forward_hook(_recorder(log, "global.forward_hook", only=module))
        module_globals.register_module_full_backward_pre_hook(_recorder(log, "global.backward_pre", only=module))
        module_globals.register_module_full_backward_hook(_recorder(log, "global.backward_hook", only=module))
        module(torch.ones(1, 2, requires_grad=True)).sum().backward()
    expected = [
        "global.forward_pre", "m.forward_pre", "m.forward", "global.forward_hook", "m.forward_hook",
        "global.backward_pre", "m.backward_pre", "global.backward_hook", "m.backward_hook",
    ]  # fmt: skip
    assert_equal(log, expected, "the events")


@pytest.mark.doc("notes/autograd", "backward-hooks-execution")
def test_a_hook_on_the_output_tensor_runs_before_the_modules_backward_hooks():
    """In backward, a tensor hook on the module's output runs first, then the backward pre-hook, then the backward hook."""
    log = []
    module = Recorded("m", log)
    _hook_every_stage(module, log, "m")
    output = module(torch.ones(1, 2, requires_grad=True))
    output.register_hook(_recorder(log, "output.tensor_hook"))
    log.clear()
    output.sum().backward()
    assert_equal(log, ["output.tensor_hook", "m.backward_pre", "m.backward_hook"], "the backward events")


@pytest.mark.doc("torch.nn.Module.register_full_backward_hook")
def test_nested_modules_hook_outside_in_forward_and_inside_out_in_backward():
    """Forward: parent pre, child pre, child forward, child hook, parent hook; backward runs the parent's first."""
    log = []
    child = Recorded("child", log)

    class Parent(nn.Module):
        def __init__(self):
            super().__init__()
            self.child = child

        def forward(self, x):
            return self.child(x) * 2

    parent = Parent()
    _hook_every_stage(parent, log, "parent")
    _hook_every_stage(child, log, "child")
    parent(torch.ones(1, 2, requires_grad=True)).sum().backward()
    expected = [
        "parent.forward_pre", "child.forward_pre", "child.forward", "child.forward_hook", "parent.forward_hook",
        "parent.backward_pre", "child.backward_pre", "child.backward_hook", "parent.backward_hook",
    ]  # fmt: skip
    assert_equal(log, expected, "the events")
