"""The Modules note: the ways of registering state and what the state dict keeps of them, what Module.to and the
constructors' dtype convert, building on the meta device and materialising with to_empty, skip_init, and the hooks
around state_dict and load_state_dict."""

import pytest
import torch
from torch import nn

from torchspecs.assertions import assert_dtype, assert_equal, assert_same_object, assert_values_equal


class StatefulModule(nn.Module):
    """The note's example: every way of registering parameters and buffers, and a submodule."""

    def __init__(self):
        super().__init__()
        self.param1 = nn.Parameter(torch.zeros(2))
        self.register_parameter("param2", nn.Parameter(torch.zeros(3)))
        self.register_parameter("param3", None)
        self.param_list = nn.ParameterList([nn.Parameter(torch.zeros(2)) for _ in range(3)])
        self.param_dict = nn.ParameterDict({"foo": nn.Parameter(torch.zeros(3)), "bar": nn.Parameter(torch.zeros(4))})
        self.register_buffer("buffer1", torch.zeros(4), persistent=True)
        self.register_buffer("buffer2", torch.zeros(5), persistent=False)
        self.register_buffer("buffer3", None)
        self.linear = nn.Linear(2, 3)


@pytest.mark.doc("notes/modules", "module-state")
@pytest.mark.doc("torch.nn.Module.register_parameter")
@pytest.mark.doc("torch.nn.ParameterDict")
def test_state_dict_holds_own_parameters_then_own_buffers_then_each_childs():
    """state_dict() lists the module's own parameters, then its persistent buffers, then each child's state; None
    entries and non-persistent buffers are left out, and a ParameterDict built from a dict sorts its keys."""
    expected = ["param1", "param2", "buffer1", "param_list.0", "param_list.1", "param_list.2"]
    expected += ["param_dict.bar", "param_dict.foo", "linear.weight", "linear.bias"]
    assert_equal(list(StatefulModule().state_dict()), expected, "the state_dict keys")


@pytest.mark.doc("notes/modules", "module-state")
@pytest.mark.doc("torch.nn.Module.register_parameter")
def test_registering_none_reserves_the_name_for_a_parameter():
    """register_parameter(name, None) reserves the name: assigning a plain tensor to it raises TypeError."""
    module = StatefulModule()
    assert_equal((module.param3, module.buffer3), (None, None), "the reserved attributes")
    with pytest.raises(
        TypeError, match=r"cannot assign .* as parameter 'param3' \(torch.nn.Parameter or None expected\)"
    ):
        module.param3 = torch.ones(1)
    module.param3 = nn.Parameter(torch.ones(1))
    assert_equal("param3" in dict(module.named_parameters()), True, "param3 registered once given a Parameter")


@pytest.mark.doc("torch.nn.Module.register_parameter")
@pytest.mark.doc("torch.nn.Module.register_buffer")
@pytest.mark.doc("torch.nn.Module.register_module")
def test_register_methods_refuse_a_dotted_name():
    """register_parameter, register_buffer and register_module raise KeyError for a name containing '.'."""
    module = nn.Module()
    registrations = {
        "parameter": lambda: module.register_parameter("a.b", nn.Parameter(torch.ones(1))),
        "buffer": lambda: module.register_buffer("a.b", torch.ones(1)),
        "module": lambda: module.register_module("a.b", nn.Identity()),
    }
    for kind, register in registrations.items():
        with pytest.raises(KeyError, match=f"{kind} name can.{{1,3}}t contain"):
            register()
    assert_equal(list(module.state_dict()) + list(dict(module.named_modules())), [""], "what was registered")


@pytest.mark.doc("notes/modules", "module-state")
@pytest.mark.doc("torch.nn.Module.to")
def test_module_to_a_dtype_converts_floating_parameters_and_buffers_and_leaves_integer_ones():
    """module.to(torch.float64) converts the floating-point parameters and buffers; an integer buffer keeps its dtype."""
    norm = nn.BatchNorm1d(2).to(torch.float64)
    assert_dtype(norm.weight, torch.float64)
    assert_dtype(norm.running_mean, torch.float64)
    assert_dtype(norm.num_batches_tracked, torch.int64)


@pytest.mark.doc("notes/modules", "module-initialization")
@pytest.mark.doc("torch.nn.BatchNorm2d")
def test_constructor_dtype_applies_to_parameters_and_floating_buffers_only():
    """A dtype= given to a torch.nn constructor applies to its parameters and floating-point buffers, not integer ones."""
    norm = nn.BatchNorm2d(3, dtype=torch.half)
    assert_dtype(norm.weight, torch.float16)
    assert_dtype(norm.running_mean, torch.float16)
    assert_dtype(norm.num_batches_tracked, torch.int64)
    assert_dtype(nn.Linear(5, 3, dtype=torch.float64).weight, torch.float64)


@pytest.mark.doc("meta")
@pytest.mark.doc("notes/modules", "module-initialization")
def test_a_module_built_on_the_meta_device_has_shapes_but_no_data():
    """Built with device='meta' or inside torch.device('meta'), a module's parameters have shapes and no data:
    Module.to('cpu') cannot copy them out."""
    with torch.device("meta"):
        in_context = nn.Linear(3, 2)
    for module in (nn.Linear(3, 2, device="meta"), in_context):
        assert_equal([p.device.type for p in module.parameters()], ["meta", "meta"], "the parameters' devices")
        assert_equal([tuple(p.shape) for p in module.parameters()], [(2, 3), (2,)], "the parameters' shapes")
        with pytest.raises(NotImplementedError, match="Cannot copy out of meta tensor; no data!"):
            module.to("cpu")


@pytest.mark.doc("torch.nn.Module.to_empty")
@pytest.mark.doc("torch.nn.Linear")
def test_to_empty_materialises_a_meta_module_and_reset_parameters_initialises_it():
    """to_empty(device='cpu') gives a meta module uninitialised cpu Parameters of the same shapes, and returns it;
    reset_parameters() then initialises them exactly as construction on the cpu would."""
    torch.manual_seed(0)
    reference = nn.Linear(3, 2)
    model = nn.Sequential(nn.Linear(3, 2, device="meta"))
    assert_same_object(model.to_empty(device="cpu"), model, "to_empty(device='cpu')")
    layer = model[0]
    assert_equal(
        [(p.device.type, type(p), p.requires_grad) for p in layer.parameters()],
        [("cpu", nn.Parameter, True)] * 2,
        "the parameters",
    )
    torch.manual_seed(0)
    layer.reset_parameters()
    assert_values_equal(layer.weight.detach(), reference.weight.detach())
    assert_values_equal(layer.bias.detach(), reference.bias.detach())


@pytest.mark.doc("meta")
@pytest.mark.change("meta-to-suggests-to-empty", side="after")
def test_moving_a_meta_module_with_to_points_at_to_empty():
    """Module.to('cpu') of a module on the meta device says to use Module.to_empty() instead."""
    with pytest.raises(NotImplementedError, match=r"Please use torch\.nn\.Module\.to_empty\(\) instead"):
        nn.Linear(3, 2, device="meta").to("cpu")


@pytest.mark.doc("meta")
@pytest.mark.change("meta-to-suggests-to-empty", side="before")
def test_moving_a_meta_module_with_to_says_only_that_there_is_no_data():
    """Module.to('cpu') of a module on the meta device says there is no data, without pointing at to_empty."""
    with pytest.raises(NotImplementedError, match="no data!") as refused:
        nn.Linear(3, 2, device="meta").to("cpu")
    assert_equal("to_empty" in str(refused.value), False, "to_empty mentioned")


@pytest.mark.doc("torch.nn.utils.skip_init")
@pytest.mark.doc("notes/modules", "module-initialization")
def test_skip_init_builds_the_module_on_the_cpu_without_drawing_random_numbers():
    """skip_init(cls, *args) builds the module with its shapes on the cpu but skips its random initialisation:
    the global generator is left where it was; a class without a device argument is refused."""
    torch.manual_seed(0)
    layer = torch.nn.utils.skip_init(nn.Linear, 5, 3)
    after_skip_init = torch.rand(1)
    torch.manual_seed(0)
    assert_equal(bool(torch.equal(after_skip_init, torch.rand(1))), True, "the generator untouched by skip_init")
    assert_equal((layer.weight.device.type, tuple(layer.weight.shape)), ("cpu", (3, 5)), "the weight's device, shape")

    class WithoutDevice(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(torch.ones(1))

    with pytest.raises(RuntimeError, match="Module must support a 'device' arg to skip initialization"):
        torch.nn.utils.skip_init(WithoutDevice)


@pytest.mark.doc("notes/modules", "module-hooks")
@pytest.mark.doc("torch.nn.Module.register_forward_pre_hook")
def test_a_forward_pre_hook_may_return_a_bare_value_for_a_single_input():
    """A forward pre-hook that returns a single value, not a tuple, has it taken as the module's one input."""
    layer = nn.Linear(2, 1)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0, -3.0]]))
        layer.bias.zero_()
    layer.register_forward_pre_hook(lambda module, args: args[0] + 1.0)
    assert_values_equal(layer(torch.tensor([[1.0, 2.0]])), torch.tensor([[2.0 - 9.0]]))


@pytest.mark.doc("torch.nn.Module.register_load_state_dict_post_hook")
def test_load_state_dict_post_hook_sees_the_incompatible_keys_and_may_clear_them():
    """A load_state_dict post hook gets (module, incompatible_keys); emptying them in place spares strict loading
    its error, and load_state_dict returns them as changed."""
    layer, seen = nn.Linear(2, 2), []

    def forgive_extra_keys(module, incompatible_keys):
        seen.append((module, list(incompatible_keys.missing_keys), list(incompatible_keys.unexpected_keys)))
        incompatible_keys.unexpected_keys.clear()

    layer.register_load_state_dict_post_hook(forgive_extra_keys)
    result = layer.load_state_dict({**nn.Linear(2, 2).state_dict(), "extra": torch.ones(1)})
    assert_equal(seen, [(layer, [], ["extra"])], "what the hook was called with")
    assert_equal(repr(result), "<All keys matched successfully>", "what load_state_dict returned")


@pytest.mark.doc("torch.nn.Module.register_state_dict_pre_hook")
def test_state_dict_pre_hook_runs_before_the_state_is_collected():
    """A state_dict pre hook gets (module, prefix, keep_vars) before the module's state is collected: a change it
    makes shows in the state dict."""
    layer, seen = nn.Linear(2, 1), []

    def fill_the_bias(module, prefix, keep_vars):
        seen.append((prefix, keep_vars))
        with torch.no_grad():
            module.bias.fill_(5.0)

    layer.register_state_dict_pre_hook(fill_the_bias)
    state = nn.Sequential(layer).state_dict(keep_vars=True)
    assert_equal(seen, [("0.", True)], "the (prefix, keep_vars) the hook was called with")
    assert_equal(state["0.bias"].tolist(), [5.0], "the bias in the state dict")


@pytest.mark.doc("torch.nn.Module.register_state_dict_post_hook")
@pytest.mark.change("module-state-dict-post-and-load-pre-hooks", side="after")
def test_state_dict_post_hook_may_add_entries_in_place_and_must_return_none():
    """A state_dict post hook gets (module, state_dict, prefix, local_metadata) and may add entries in place;
    one that returns a value is refused with RuntimeError."""
    layer = nn.Linear(2, 1)
    layer.register_state_dict_post_hook(
        lambda module, state_dict, prefix, local_metadata: state_dict.update({prefix + "scale": torch.tensor(2.0)})
    )
    assert_equal(list(nn.Sequential(layer).state_dict()), ["0.weight", "0.bias", "0.scale"], "the state_dict keys")
    layer.register_state_dict_post_hook(lambda module, state_dict, prefix, local_metadata: state_dict)
    with pytest.raises(RuntimeError, match="state_dict post-hook must return None"):
        layer.state_dict()


@pytest.mark.doc("torch.nn.Module.register_load_state_dict_pre_hook")
@pytest.mark.change("module-state-dict-post-and-load-pre-hooks", side="after")
def test_load_state_dict_pre_hook_may_fill_in_a_missing_key():
    """A load_state_dict pre hook runs before the state is loaded and may add what the state dict lacks."""
    layer = nn.Linear(2, 2)

    def default_bias(module, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs):
        state_dict.setdefault(prefix + "bias", torch.tensor([7.0, -7.0]))

    layer.register_load_state_dict_pre_hook(default_bias)
    result = layer.load_state_dict({"weight": torch.ones(2, 2)})
    assert_equal(repr(result), "<All keys matched successfully>", "what load_state_dict returned")
    assert_values_equal(layer.bias.detach(), torch.tensor([7.0, -7.0]))


@pytest.mark.doc("notes/modules")
@pytest.mark.change("module-state-dict-post-and-load-pre-hooks", side="before")
def test_modules_have_no_public_state_dict_post_or_load_pre_hook():
    """nn.Module has no public register_state_dict_post_hook or register_load_state_dict_pre_hook."""
    names = ("register_state_dict_post_hook", "register_load_state_dict_pre_hook")
    assert_equal([hasattr(nn.Module, name) for name in names], [False, False], f"hasattr for {names}")
