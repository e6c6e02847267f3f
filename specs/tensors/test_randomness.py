"""Random number generation: seeding makes draws reproducible, and a Generator keeps a stream of its own."""

import inspect

import pytest
import torch

from torchspecs.assertions import assert_equal, assert_values_equal


def _draws(device: str = "cpu") -> list[torch.Tensor]:
    return [
        torch.rand(4, device=device),
        torch.randn(4, device=device),
        torch.randint(0, 100, (4,), device=device),
        torch.randperm(6, device=device),
    ]


def _assert_same_draws(first: list[torch.Tensor], second: list[torch.Tensor]) -> None:
    __tracebackhide__ = True
    for one, other in zip(first, second, strict=True):
        assert_values_equal(one, other)


@pytest.mark.doc("torch.manual_seed")
@pytest.mark.claim("003.manual-seed-fixes-randomness", verdict="holds")
def test_manual_seed_makes_draws_reproducible():
    """After torch.manual_seed(s), the same sequence of calls draws the same values; another seed draws others."""
    torch.manual_seed(1234)
    first = _draws()
    torch.manual_seed(1234)
    _assert_same_draws(_draws(), first)
    torch.manual_seed(4321)
    assert_equal(torch.equal(torch.rand(4), first[0]), False, "rand after another seed equals the first draw")


@pytest.mark.doc("torch.Generator")
def test_a_generator_keeps_its_own_stream():
    """Drawing with generator= leaves the global stream alone; two generators with one seed draw alike, and with
    another seed otherwise."""
    torch.manual_seed(7)
    expected_global = torch.rand(3)
    torch.manual_seed(7)
    own = torch.Generator().manual_seed(99)
    from_own = torch.rand(3, generator=own)
    assert_values_equal(torch.rand(3), expected_global)
    assert_values_equal(torch.rand(3, generator=torch.Generator().manual_seed(99)), from_own)
    from_another_seed = torch.rand(3, generator=torch.Generator().manual_seed(100))
    assert_equal(torch.equal(from_another_seed, from_own), False, "draws of generators seeded 100 and 99 are equal")


@pytest.mark.doc("torch.set_rng_state")
def test_restoring_the_rng_state_replays_the_draws():
    """set_rng_state(get_rng_state()) rewinds the global stream: the next draws repeat."""
    state = torch.get_rng_state()
    first = torch.rand(3)
    torch.set_rng_state(state)
    assert_values_equal(torch.rand(3), first)


@pytest.mark.doc("torch.random.fork_rng")
def test_fork_rng_puts_the_global_stream_back_after_the_block():
    """Draws inside torch.random.fork_rng() do not advance the stream seen after it."""
    state = torch.get_rng_state()
    expected = torch.rand(3)
    torch.set_rng_state(state)
    with torch.random.fork_rng(devices=[]):
        torch.rand(10)
    assert_values_equal(torch.rand(3), expected)


@pytest.mark.doc("torch.random.fork_rng")
@pytest.mark.change("fork-rng-device-type-default", side="after")
def test_fork_rng_device_type_defaults_to_none_and_accepts_it():
    """fork_rng's device_type defaults to None (the current accelerator's type); passed, None still forks the CPU stream."""
    default = inspect.signature(torch.random.fork_rng).parameters["device_type"].default
    assert_equal(default, None, "fork_rng's default device_type")
    state = torch.get_rng_state()
    expected = torch.rand(3)
    torch.set_rng_state(state)
    with torch.random.fork_rng(devices=[], device_type=None):
        torch.rand(10)
    assert_values_equal(torch.rand(3), expected)


@pytest.mark.doc("torch.random.fork_rng")
@pytest.mark.change("fork-rng-device-type-default", side="before")
def test_fork_rng_refuses_device_type_none():
    """fork_rng's device_type must name a device type ('cuda' by default): device_type=None raises TypeError."""
    with (
        pytest.raises(TypeError, match=r"'device_type'|\(NoneType\)"),
        torch.random.fork_rng(devices=[], device_type=None),
    ):
        torch.rand(1)


@pytest.mark.doc("torch.cuda.manual_seed_all")
def test_cuda_manual_seed_all_leaves_the_cpu_generator_alone():
    """torch.cuda.manual_seed_all seeds the CUDA generators only: the CPU stream goes on where it was, on any machine."""
    torch.manual_seed(3)
    state = torch.get_rng_state()
    expected = torch.rand(4)
    torch.set_rng_state(state)
    torch.cuda.manual_seed_all(0)
    assert_values_equal(torch.rand(4), expected)


@pytest.mark.doc("torch.cuda.manual_seed_all")
@pytest.mark.claim("003.cuda-manual-seed-all", verdict="holds")
@pytest.mark.needs_device("cuda")
def test_cuda_manual_seed_all_makes_cuda_draws_repeat():
    """After torch.cuda.manual_seed_all(i), CUDA draws repeat; a different seed gives different draws."""
    torch.cuda.manual_seed_all(7)
    first = _draws("cuda")
    torch.cuda.manual_seed_all(7)
    _assert_same_draws(_draws("cuda"), first)
    torch.cuda.manual_seed_all(8)
    assert_equal(torch.equal(_draws("cuda")[0], first[0]), False, "draws after another seed equal the first")


@pytest.mark.doc("notes/randomness")
@pytest.mark.needs_device("cuda")
def test_manual_seed_also_seeds_cuda_devices():
    """torch.manual_seed seeds the RNG of every device, so CUDA draws repeat after the same seed."""
    torch.manual_seed(5)
    first = _draws("cuda")
    torch.manual_seed(5)
    _assert_same_draws(_draws("cuda"), first)


# Each reduced-precision float dtype with its mantissa bits: the old CPU kernel drew from the grid of multiples of
# 2**-(mantissa bits + 1), so every draw of [0, 1) was one of 2048 (float16) or 256 (bfloat16) values.
REDUCED_PRECISION_GRIDS = [
    pytest.param("float16", 2**-11, id="float16"),
    pytest.param("bfloat16", 2**-8, id="bfloat16"),
]


@pytest.mark.doc("torch.rand")
@pytest.mark.parametrize(("dtype_name", "grid"), REDUCED_PRECISION_GRIDS)
@pytest.mark.change("half-precision-rand-rounds-the-float32-stream", side="after")
def test_half_precision_rand_rounds_the_float32_draws_of_the_same_seed(dtype_name, grid):
    """torch.rand in float16 or bfloat16 gives the float32 draws of the same generator seed, rounded to the dtype."""
    dtype = getattr(torch, dtype_name)
    draws = torch.rand(2000, dtype=dtype, generator=torch.Generator().manual_seed(7))
    rounded = torch.rand(2000, generator=torch.Generator().manual_seed(7)).to(dtype)
    below_one = rounded < 1  # a draw rounding up to 1 is kept out of [0, 1) some other way
    assert_values_equal(draws[below_one], rounded[below_one])


@pytest.mark.doc("torch.rand")
@pytest.mark.parametrize(("dtype_name", "grid"), REDUCED_PRECISION_GRIDS)
@pytest.mark.change("half-precision-rand-rounds-the-float32-stream", side="before")
def test_half_precision_rand_draws_from_a_coarse_grid(dtype_name, grid):
    """torch.rand in float16 or bfloat16 draws multiples of 2**-11 or 2**-8, not the float32 draws rounded."""
    draws = torch.rand(2000, dtype=getattr(torch, dtype_name), generator=torch.Generator().manual_seed(7)).double()
    assert_values_equal(draws / grid, (draws / grid).round())
