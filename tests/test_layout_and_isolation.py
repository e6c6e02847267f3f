"""The view-stride oracle's edge cases, and the restoring of every kind of global setting."""

import pytest
import torch

from torchspecs import isolation
from torchspecs.layout import infer_shape, view_strides


@pytest.mark.parametrize(
    ("shape", "strides", "new_shape", "expected"),
    [
        ((), (), (1, 1), (1, 1)),
        ((2, 3), (3, 1), (7,), None),
        ((2, 3), (3, 1), (3, -1), (2, 1)),
        ((2, 3), (1, 2), (6,), None),
        ((3, 1, 2), (2, 100, 1), (6,), (1,)),
        ((4,), (0,), (2, 2), (0, 0)),
    ],
    ids=["zero-dim", "wrong-count", "inferred", "transposed", "size-one-stride-ignored", "expanded"],
)
def test_view_strides(shape, strides, new_shape, expected):
    assert view_strides(shape, strides, new_shape) == expected


def test_infer_shape_resolves_one_minus_one():
    assert infer_shape((2, -1), 8) == (2, 4)
    assert infer_shape((2, 4), 8) == (2, 4)


def test_restore_puts_back_module_hooks_print_options_and_threads():
    saved = isolation.snapshot()
    handle = torch.nn.modules.module.register_module_forward_hook(lambda *args: None)
    torch.set_printoptions(precision=2)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True, warn_only=True)
    leaks = isolation.leaked_settings(saved, isolation.snapshot())
    isolation.restore(saved)
    assert {line.split(":")[0] for line in leaks} >= {
        "global module hooks",
        "print options",
        "number of threads",
        "deterministic algorithms",
    }
    assert isolation.leaked_settings(saved, isolation.snapshot()) == []
    handle.remove()


def test_default_dtype_context_restores_on_error():
    with pytest.raises(ValueError, match="boom"), isolation.default_dtype(torch.float64):
        raise ValueError("boom")
    assert torch.get_default_dtype() == torch.float32


def test_deterministic_context_restores_the_previous_mode_and_warn_only_flag():
    torch.use_deterministic_algorithms(False, warn_only=True)
    try:
        with isolation.deterministic_algorithms():
            assert torch.are_deterministic_algorithms_enabled()
        assert not torch.are_deterministic_algorithms_enabled()
        assert torch.is_deterministic_algorithms_warn_only_enabled()
    finally:
        torch.use_deterministic_algorithms(False)


@pytest.mark.skipif(not hasattr(torch.utils, "deterministic"), reason="torch.utils.deterministic arrived in 2.2")
def test_fill_uninitialized_memory_is_a_restored_setting():
    saved = isolation.snapshot()
    with isolation.fill_uninitialized_memory(False):
        assert torch.utils.deterministic.fill_uninitialized_memory is False
        torch.utils.deterministic.fill_uninitialized_memory = False
    assert isolation.leaked_settings(saved, isolation.snapshot()) == []
    torch.utils.deterministic.fill_uninitialized_memory = False
    assert [line.split(":")[0] for line in isolation.leaked_settings(saved, isolation.snapshot())] == [
        "fill uninitialized memory"
    ]
    isolation.restore(saved)
    assert torch.utils.deterministic.fill_uninitialized_memory is True


def test_global_module_hooks_context_also_resets_the_full_backward_flag():
    saved = isolation.snapshot()
    with isolation.global_module_hooks():
        handle = torch.nn.modules.module.register_module_full_backward_hook(lambda *args: None)
        handle.remove()
        assert isolation.leaked_settings(saved, isolation.snapshot()) != []
    assert isolation.leaked_settings(saved, isolation.snapshot()) == []
