"""Reproducibility: what torch.manual_seed seeds (and what it leaves alone), the deterministic-algorithms switch and its
errors and warnings, the cuDNN flags' defaults, and the page's recipe for seeding DataLoader workers."""

import random
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset, get_worker_info

from torchspecs.assertions import assert_equal, assert_same_object, assert_values_equal
from torchspecs.isolation import deterministic_algorithms

NO_DETERMINISTIC_IMPLEMENTATION = "does not have a deterministic implementation"


@contextmanager
def python_and_numpy_state() -> Iterator[None]:
    """Run a block that seeds Python's ``random`` and numpy's global generator, and put both streams back after it."""
    python_state, numpy_state = random.getstate(), np.random.get_state()
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)


def _put_without_accumulating() -> torch.Tensor:
    target = torch.zeros(5)
    return target.put_(torch.tensor([3, 0]), torch.tensor([-1.5, 2.0]))


def _max_unpool() -> torch.Tensor:
    pooled, indices = F.max_pool1d(torch.tensor([[[1.0, 3.0, -2.0, 4.0]]]), 2, return_indices=True)
    return nn.MaxUnpool1d(2)(pooled, indices)


# Operations the documentation lists as throwing under deterministic algorithms on any device, with their results.
WITHOUT_DETERMINISTIC_IMPLEMENTATION = {
    "put_": (_put_without_accumulating, torch.tensor([2.0, 0.0, 0.0, -1.5, 0.0])),
    "MaxUnpool1d": (_max_unpool, torch.tensor([[[0.0, 3.0, 0.0, 4.0]]])),
}


@pytest.mark.doc("torch.manual_seed")
def test_manual_seed_returns_the_default_generator_seeded_with_it():
    """torch.manual_seed(s) seeds and returns torch.default_generator, whose initial_seed() is then s."""
    with torch.random.fork_rng(devices=[]):
        generator = torch.manual_seed(20240)
        assert_same_object(generator, torch.default_generator, "torch.manual_seed(20240)")
        assert_equal(generator.initial_seed(), 20240, "default_generator.initial_seed() after manual_seed(20240)")
        assert_equal(torch.initial_seed(), 20240, "torch.initial_seed() after manual_seed(20240)")


@pytest.mark.doc("notes/randomness", "pytorch-random-number-generator")
@pytest.mark.parametrize(
    "draw",
    [
        lambda: F.dropout(torch.ones(12), p=0.5),
        lambda: nn.Linear(3, 2).weight.detach(),
        lambda: torch.multinomial(torch.tensor([0.1, 0.2, 0.3, 0.4]), 6, replacement=True),
        lambda: torch.bernoulli(torch.full((8,), 0.5)),
        lambda: torch.empty(5).normal_(mean=-1.0, std=2.0),
    ],
    ids=["dropout", "linear-init", "multinomial", "bernoulli", "normal_"],
)
def test_manual_seed_makes_the_random_draws_inside_operations_repeat(draw):
    """Operations that draw internally (dropout, layer init, sampling) repeat after the same seed; another seed differs."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(11)
        first = draw()
        torch.manual_seed(11)
        assert_values_equal(draw(), first)
        torch.manual_seed(12)
        assert_equal(torch.equal(draw(), first), False, "the draw after seed 12 equals the draw after seed 11")


@pytest.mark.doc("notes/randomness", "python")
@pytest.mark.doc("notes/randomness", "random-number-generators-in-other-libraries")
def test_manual_seed_leaves_python_and_numpy_streams_alone():
    """torch.manual_seed seeds torch only: Python's random and numpy's global generator must be seeded on their own."""
    with python_and_numpy_state(), torch.random.fork_rng(devices=[]):
        random.seed(5)
        np.random.seed(5)
        expected = (random.random(), float(np.random.rand()))
        random.seed(5)
        np.random.seed(5)
        random.random()
        np.random.rand()
        torch.manual_seed(5)
        assert_equal(
            (random.random(), float(np.random.rand())) == expected,
            False,
            "the second draws equal the first, as if torch.manual_seed had reseeded random and numpy",
        )


@pytest.mark.doc("torch.use_deterministic_algorithms")
@pytest.mark.doc("torch.are_deterministic_algorithms_enabled")
@pytest.mark.doc("torch.is_deterministic_algorithms_warn_only_enabled")
def test_the_deterministic_getters_report_what_was_set():
    """Deterministic algorithms are off by default; the getters report the mode and warn_only that were last set."""
    modes = {}
    for enabled, warn_only in [(True, False), (True, True), (False, False)]:
        with deterministic_algorithms(enabled, warn_only=warn_only):
            modes[(enabled, warn_only)] = (
                torch.are_deterministic_algorithms_enabled(),
                torch.is_deterministic_algorithms_warn_only_enabled(),
            )
    assert_equal(
        modes,
        {(True, False): (True, False), (True, True): (True, True), (False, False): (False, False)},
        "(enabled, warn_only) read back after each setting",
    )
    assert_equal(torch.are_deterministic_algorithms_enabled(), False, "deterministic algorithms by default")


@pytest.mark.doc("torch.use_deterministic_algorithms")
@pytest.mark.doc("notes/randomness", "avoiding-nondeterministic-algorithms")
@pytest.mark.parametrize("operation", list(WITHOUT_DETERMINISTIC_IMPLEMENTATION))
def test_an_operation_without_a_deterministic_implementation_raises(operation):
    """With deterministic algorithms on, an operation that has only a nondeterministic implementation raises RuntimeError."""
    run, expected = WITHOUT_DETERMINISTIC_IMPLEMENTATION[operation]
    assert_values_equal(run(), expected)
    with deterministic_algorithms(), pytest.raises(RuntimeError, match=NO_DETERMINISTIC_IMPLEMENTATION):
        run()


@pytest.mark.doc("torch.use_deterministic_algorithms")
@pytest.mark.parametrize("operation", list(WITHOUT_DETERMINISTIC_IMPLEMENTATION))
def test_warn_only_turns_the_error_into_a_user_warning(operation):
    """With warn_only=True, that operation warns UserWarning with the same message instead, and computes its result."""
    run, expected = WITHOUT_DETERMINISTIC_IMPLEMENTATION[operation]
    with deterministic_algorithms(warn_only=True), pytest.warns(UserWarning, match=NO_DETERMINISTIC_IMPLEMENTATION):
        result = run()
    assert_values_equal(result, expected)


@pytest.mark.doc("torch.use_deterministic_algorithms")
@pytest.mark.parametrize(
    "accumulate",
    [
        lambda: torch.zeros(5).put_(torch.tensor([3, 3, 0]), torch.tensor([-1.5, 4.0, 2.0]), accumulate=True),
        lambda: torch.zeros(5).index_put_((torch.tensor([3, 3, 0]),), torch.tensor([-1.5, 4.0, 2.0]), accumulate=True),
    ],
    ids=["put_", "index_put_"],
)
def test_accumulating_writes_on_cpu_run_deterministically_instead_of_raising(accumulate):
    """put_ and index_put_ with accumulate=True on a CPU tensor have a deterministic implementation: they add up repeats."""
    with deterministic_algorithms():
        assert_values_equal(accumulate(), torch.tensor([2.0, 0.0, 0.0, 2.5, 0.0]))


@pytest.mark.doc("torch.set_deterministic_debug_mode")
@pytest.mark.doc("torch.get_deterministic_debug_mode")
def test_the_debug_mode_is_another_name_for_the_same_switch():
    """set_deterministic_debug_mode: 'default' (0) is off, 'warn' (1) is on with warn_only, 'error' (2) is on."""
    seen = {}
    with deterministic_algorithms(False):
        for mode in ["default", "warn", "error", 0, 1, 2]:
            torch.set_deterministic_debug_mode(mode)
            seen[mode] = (
                torch.get_deterministic_debug_mode(),
                torch.are_deterministic_algorithms_enabled(),
                torch.is_deterministic_algorithms_warn_only_enabled(),
            )
    expected = {"default": (0, False, False), "warn": (1, True, True), "error": (2, True, False)}
    assert_equal(seen, {**expected, 0: expected["default"], 1: expected["warn"], 2: expected["error"]}, "modes")


@pytest.mark.doc("notes/randomness", "cuda-convolution-benchmarking")
@pytest.mark.doc("notes/randomness", "cuda-convolution-determinism")
def test_cudnn_benchmarking_and_determinism_are_off_by_default_and_apart_from_the_deterministic_switch():
    """cudnn.benchmark and cudnn.deterministic default to False, on any machine; use_deterministic_algorithms sets neither."""
    cudnn = torch.backends.cudnn
    assert_equal((cudnn.benchmark, cudnn.deterministic), (False, False), "(cudnn.benchmark, cudnn.deterministic)")
    with deterministic_algorithms():
        assert_equal((cudnn.benchmark, cudnn.deterministic), (False, False), "the cudnn flags in deterministic mode")


class WorkerDraws(Dataset):
    """Each sample reports its worker, that worker's seed, and one draw from each of torch, numpy and random."""

    def __len__(self):
        return 4

    def __getitem__(self, index):
        info = get_worker_info()
        return {
            "worker": info.id,
            "seed": info.seed,
            "torch_draw": float(torch.rand(())),
            "numpy_draw": float(np.random.rand()),
            "python_draw": random.random(),
        }


def seed_worker(worker_id: int) -> None:
    """The page's worker_init_fn: seed numpy and random from the worker's torch seed."""
    worker_seed = torch.initial_seed() % 2**32
    np.random.seed(worker_seed)
    random.seed(worker_seed)


@pytest.mark.doc("notes/randomness", "dataloader")
def test_the_seed_worker_recipe_makes_every_workers_draws_repeat():
    """With worker_init_fn=seed_worker and a seeded generator, two loaders draw alike in every worker, from those seeds."""

    def load() -> list[dict]:
        generator = torch.Generator().manual_seed(0)
        loader = DataLoader(
            WorkerDraws(), batch_size=None, num_workers=2, worker_init_fn=seed_worker, generator=generator
        )
        return list(loader)

    first, second = load(), load()
    assert_equal(second, first, "the samples of a second loader built the same way")
    for sample in first[:2]:
        worker_seed = sample["seed"] % 2**32
        assert_equal(sample["numpy_draw"], np.random.RandomState(worker_seed).rand(), "a worker's first numpy draw")
        assert_equal(sample["python_draw"], random.Random(worker_seed).random(), "a worker's first random draw")
