"""Worker processes: what num_workers starts, what each worker is told, how workers are seeded, and how they fail."""

import dataclasses
import os
import pickle
import time

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Dataset, IterableDataset, get_worker_info

from torchspecs.assertions import assert_equal

WORKERS = 2
_INIT_CALLS: list[int] = []


class WhoLoadsMe(Dataset):
    """Each sample reports the process, worker id, worker_init_fn calls, seeds and a numpy draw of its loader."""

    def __len__(self):
        return 4

    def __getitem__(self, index):
        info = get_worker_info()
        return {
            "pid": os.getpid(),
            "worker": -1 if info is None else info.id,
            "num_workers": 0 if info is None else info.num_workers,
            "init_calls": list(_INIT_CALLS),
            "torch_seed": torch.initial_seed(),
            "info_seed": -1 if info is None else info.seed,
            "numpy_draw": float(np.random.rand()),
        }


class Failing(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, index):
        raise KeyError(f"sample {index} is missing")


class Slow(Dataset):
    def __init__(self, seconds: float):
        self.seconds = seconds

    def __len__(self):
        return 1

    def __getitem__(self, index):
        time.sleep(self.seconds)
        return index


class Counting(IterableDataset):
    """Yields 0..7; sharded, each worker yields only its own stride of that range."""

    def __init__(self, sharded: bool):
        self.sharded = sharded

    def __iter__(self):
        info = get_worker_info()
        if self.sharded and info is not None:
            return iter(range(info.id, 8, info.num_workers))
        return iter(range(8))


class AssignsToItsWorkerInfo(Dataset):
    """Each sample tries to change its worker's get_worker_info().id and reports how that was refused."""

    def __len__(self):
        return 1

    def __getitem__(self, index):
        info = get_worker_info()
        try:
            info.id = 7
        except Exception as error:
            return {
                "refused_with": type(error).__name__,
                "is_runtime_error": isinstance(error, RuntimeError),
                "is_attribute_error": isinstance(error, AttributeError),
                "is_frozen_instance_error": isinstance(error, dataclasses.FrozenInstanceError),
                "message": str(error),
                "id_after": info.id,
            }
        return {"refused_with": None, "id_after": info.id}


def _refusal_seen_in_a_worker() -> dict:
    return next(iter(DataLoader(AssignsToItsWorkerInfo(), batch_size=None, num_workers=1)))


def _record_init(worker_id: int) -> None:
    _INIT_CALLS.append(worker_id)


def _samples(**options) -> list[dict]:
    """Every sample of WhoLoadsMe, one per batch, loaded with ``options``."""
    loader = DataLoader(WhoLoadsMe(), batch_size=None, **options)
    return list(loader)


@pytest.mark.doc("data", "multi-process-data-loading")
@pytest.mark.claim("004.num-workers-are-threads", verdict="wrong")
@pytest.mark.claim("002.num-workers-subprocesses", verdict="holds")
def test_workers_are_separate_processes():
    """num_workers > 0 loads samples in that many worker processes, each with a pid other than the main process's."""
    pids = {sample["pid"] for sample in _samples(num_workers=WORKERS)}
    assert_equal(os.getpid() in pids, False, "the main process loaded a sample")
    assert_equal(len(pids), WORKERS, "the number of distinct loading processes")


@pytest.mark.doc("data", "multi-process-data-loading")
def test_without_workers_samples_load_in_the_main_process():
    """num_workers=0 (the default) loads every sample in the main process, where get_worker_info() is None."""
    samples = _samples()
    assert_equal({sample["pid"] for sample in samples}, {os.getpid()}, "the loading processes")
    assert_equal({sample["worker"] for sample in samples}, {-1}, "worker ids seen (-1: get_worker_info() was None)")


@pytest.mark.doc("torch.utils.data.DataLoader")
@pytest.mark.claim("002.worker-init-fn-is-a-list", verdict="wrong")
@pytest.mark.claim("004.worker-init-fn-runs-in-workers", verdict="holds")
def test_worker_init_fn_is_called_once_in_each_worker_with_its_id():
    """worker_init_fn is a callable, called once in each worker process with that worker's id, before any loading."""
    samples = _samples(num_workers=WORKERS, worker_init_fn=_record_init)
    calls_by_worker = {sample["worker"]: sample["init_calls"] for sample in samples}
    assert_equal(calls_by_worker, {worker: [worker] for worker in range(WORKERS)}, "init calls seen in each worker")
    assert_equal(_INIT_CALLS, [], "init calls in the main process")


@pytest.mark.doc("torch.utils.data.get_worker_info")
def test_get_worker_info_describes_the_worker_inside_one():
    """Inside a worker, get_worker_info() gives its id, num_workers and seed; torch there is seeded with that seed."""
    samples = _samples(num_workers=WORKERS)
    assert_equal({sample["worker"] for sample in samples}, set(range(WORKERS)), "the worker ids seen")
    assert_equal({sample["num_workers"] for sample in samples}, {WORKERS}, "num_workers seen by the workers")
    assert_equal(
        all(sample["torch_seed"] == sample["info_seed"] for sample in samples), True, "torch seed == info.seed"
    )


@pytest.mark.doc("data", "randomness-in-multi-process-data-loading")
def test_workers_get_seeds_base_seed_plus_id_and_distinct_numpy_streams():
    """Each worker's torch seed is base_seed + worker id, and numpy is seeded per worker, so numpy draws differ."""
    samples = _samples(num_workers=WORKERS, generator=torch.Generator().manual_seed(3))
    seeds = {sample["worker"]: sample["info_seed"] for sample in samples}
    assert_equal(seeds[1] - seeds[0], 1, "the difference of the two workers' seeds")
    first_draws = {sample["worker"]: sample["numpy_draw"] for sample in samples[:WORKERS]}
    assert_equal(len(set(first_draws.values())), WORKERS, "distinct first numpy draws across workers")


@pytest.mark.doc("data", "randomness-in-multi-process-data-loading")
def test_worker_seeds_repeat_with_a_seeded_generator():
    """With the same generator seed, the workers get the same seeds again; with another seed, other seeds."""
    seeds = [
        [sample["info_seed"] for sample in _samples(num_workers=WORKERS, generator=torch.Generator().manual_seed(seed))]
        for seed in (5, 5, 6)
    ]
    assert_equal(seeds[0], seeds[1], "the worker seeds of two loaders with generator seed 5")
    assert_equal(seeds[0] == seeds[2], False, "generator seeds 5 and 6 give the same worker seeds")


@pytest.mark.doc("torch.utils.data.DataLoader")
def test_persistent_workers_keep_their_processes_across_epochs():
    """persistent_workers=True keeps the same worker processes from one epoch to the next; otherwise they are restarted."""

    def pids_per_epoch(persistent: bool) -> list[set[int]]:
        loader = DataLoader(WhoLoadsMe(), batch_size=None, num_workers=WORKERS, persistent_workers=persistent)
        return [{sample["pid"] for sample in loader} for _ in range(2)]

    kept = pids_per_epoch(persistent=True)
    restarted = pids_per_epoch(persistent=False)
    assert_equal(kept[0] == kept[1], True, "the same worker pids in both epochs with persistent_workers")
    assert_equal(restarted[0] & restarted[1], set(), "pids shared by two epochs without persistent_workers")


@pytest.mark.doc("torch.utils.data.DataLoader")
@pytest.mark.parametrize(
    "option", [{"prefetch_factor": 2}, {"persistent_workers": True}], ids=["prefetch_factor", "persistent"]
)
def test_worker_options_without_workers_are_refused(option):
    """prefetch_factor and persistent_workers need num_workers > 0; given with num_workers=0 they raise ValueError."""
    with pytest.raises(ValueError, match="num_workers > 0"):
        DataLoader(range(4), **option)


@pytest.mark.doc("torch.utils.data.DataLoader")
@pytest.mark.claim("004.timeout-zero-waits", verdict="holds")
@pytest.mark.claim("002.timeout-limits-loading", verdict="holds")
def test_a_positive_timeout_raises_when_a_worker_is_too_slow_and_zero_waits():
    """timeout > 0 raises 'DataLoader timed out' when a batch takes longer; timeout=0 (the default) waits for it."""
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0\.2 seconds"):
        list(DataLoader(Slow(1.0), batch_size=None, num_workers=1, timeout=0.2))
    assert_equal(list(DataLoader(Slow(0.3), batch_size=None, num_workers=1)), [0], "what timeout=0 loads")


@pytest.mark.doc("data", "multi-process-data-loading")
def test_an_error_in_a_worker_reaches_the_main_process_with_the_workers_traceback():
    """An exception raised in a worker is re-raised in the main process, naming the worker and carrying its traceback."""
    with pytest.raises(KeyError, match=r"(?s)Caught KeyError in DataLoader worker process 0.*sample 0 is missing"):
        list(DataLoader(Failing(), batch_size=None, num_workers=1))


@pytest.mark.doc("torch.utils.data.IterableDataset")
def test_an_iterable_dataset_is_replicated_in_every_worker_unless_sharded():
    """Each worker gets a copy of an IterableDataset: unsharded, every item comes once per worker; sharded with get_worker_info, once."""
    duplicated = sorted(DataLoader(Counting(sharded=False), batch_size=None, num_workers=WORKERS))
    sharded = sorted(DataLoader(Counting(sharded=True), batch_size=None, num_workers=WORKERS))
    assert_equal([int(item) for item in duplicated], sorted(list(range(8)) * WORKERS), "items without sharding")
    assert_equal([int(item) for item in sharded], list(range(8)), "items with sharding")


@pytest.mark.doc("torch.utils.data.get_worker_info")
@pytest.mark.change("worker-info-frozen-dataclass", side="before")
def test_worker_info_refuses_assignment_with_a_runtime_error():
    """Assigning to an attribute of a worker's get_worker_info() raises RuntimeError 'Cannot assign attributes'."""
    refusal = _refusal_seen_in_a_worker()
    assert_equal(refusal["refused_with"], "RuntimeError", "the exception raised")
    assert_equal(refusal["message"], "Cannot assign attributes to WorkerInfo objects", "its message")
    assert_equal(refusal["id_after"], 0, "the worker id after the attempt")


@pytest.mark.doc("torch.utils.data.get_worker_info")
@pytest.mark.change("worker-info-frozen-dataclass", side="after")
def test_worker_info_is_a_frozen_dataclass_refusing_assignment_with_an_attribute_error():
    """get_worker_info() in a worker is a frozen dataclass: assigning raises FrozenInstanceError, not a RuntimeError."""
    refusal = _refusal_seen_in_a_worker()
    assert_equal(refusal["is_frozen_instance_error"], True, "the exception is a dataclasses.FrozenInstanceError")
    assert_equal(refusal["is_attribute_error"], True, "the exception is an AttributeError")
    assert_equal(refusal["is_runtime_error"], False, "the exception is a RuntimeError")
    assert_equal(refusal["id_after"], 0, "the worker id after the attempt")


def _start_a_worker_that_cannot_be_pickled():
    def collate_fn(batch):  # a local function: pickle cannot find it by name
        return batch

    loader = DataLoader(Failing(), batch_size=2, num_workers=1, multiprocessing_context="spawn", collate_fn=collate_fn)
    with pytest.raises((AttributeError, TypeError, pickle.PicklingError), match="pickle"):
        iter(loader)


@pytest.mark.doc("torch.utils.data.DataLoader")
@pytest.mark.change("dataloader-worker-pickle-error-warning", side="before")
@pytest.mark.filterwarnings("error::UserWarning")
def test_a_worker_that_cannot_be_pickled_raises_the_pickling_error_alone():
    """A spawned worker whose arguments cannot be pickled raises the pickling error when iteration starts, unwarned."""
    _start_a_worker_that_cannot_be_pickled()


@pytest.mark.doc("torch.utils.data.DataLoader")
@pytest.mark.change("dataloader-worker-pickle-error-warning", side="after")
def test_a_worker_that_cannot_be_pickled_warns_before_the_pickling_error():
    """A spawned worker whose arguments cannot be pickled warns UserWarning 'Got pickle error', then raises the error."""
    with pytest.warns(UserWarning, match="Got pickle error when attempting to start a worker Process"):
        _start_a_worker_that_cannot_be_pickled()
