"""Breakages of the data area: loaders that miscount, samplers that repeat, workers that are not what they claim."""

from __future__ import annotations

import collections.abc
import copy
import dataclasses
import functools
import inspect
import multiprocessing.reduction
import pickle
import typing
import warnings

import numpy as np
import torch
import torch._utils
import torch.multiprocessing
import torch.multiprocessing.reductions
import torch.utils.data
import torch.utils.data._utils.collate as collate_module
import torch.utils.data._utils.worker as worker_module
from torch.utils.data import (
    DataLoader,
    IterableDataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
    Subset,
    TensorDataset,
    WeightedRandomSampler,
)

from .core import (
    Breakage,
    ChangeBreakage,
    combined,
    deleting,
    dropping_keyword,
    function,
    method,
    module_method,
    refusing_keyword,
    returning_self,
    setting,
    silenced,
)
from .modules import to_also_moving_plain_tensors

DATASETS = "specs/data/test_datasets_and_batching.py"
COLLATE = "specs/data/test_collate.py"
WORKERS = "specs/data/test_workers.py"
PINNED = "specs/data/test_pinned_memory_and_transfers.py"
MULTIPROCESSING = "specs/data/test_multiprocessing.py"

WORKER_SPECS_NEEDING_WORKERS = (
    "test_workers_are_separate_processes",
    "test_get_worker_info_describes_the_worker_inside_one",
    "test_an_iterable_dataset_is_replicated_in_every_worker_unless_sharded",
)


def _loader_init(change):
    """DataLoader.__init__ whose keyword arguments pass through ``change(kwargs)`` first."""

    def make(original):
        @functools.wraps(original)
        def init(self, dataset, *args, **kwargs):
            return original(self, dataset, *args, **change(dataset, dict(kwargs)))

        return init

    return module_method("__init__", make, owner=DataLoader)


def _with(**values):
    return _loader_init(lambda dataset, kwargs: {**kwargs, **values})


def _without_conflicts_beside_a_batch_sampler(dataset, kwargs):
    if kwargs.get("batch_sampler") is not None:
        for name in ("batch_size", "shuffle", "sampler", "drop_last"):
            kwargs.pop(name, None)
    return kwargs


def _no_shuffle_beside_a_sampler(dataset, kwargs):
    if kwargs.get("sampler") is not None:
        kwargs.pop("shuffle", None)
    return kwargs


def _worker_options_dropped_without_workers(dataset, kwargs):
    if not kwargs.get("num_workers"):
        kwargs.pop("prefetch_factor", None)
        kwargs.pop("persistent_workers", None)
    return kwargs


def _reseeding_every_worker_alike(dataset, kwargs):
    def reseed(worker_id):
        torch.manual_seed(0)
        np.random.seed(0)

    return {**kwargs, "worker_init_fn": reseed}


def _collate_given_a_tuple(dataset, kwargs):
    collate_fn = kwargs.get("collate_fn")
    if collate_fn is not None:
        kwargs["collate_fn"] = lambda samples: collate_fn(tuple(samples))
    return kwargs


def _no_workers_for_iterables(dataset, kwargs):
    return {**kwargs, "num_workers": 0} if isinstance(dataset, IterableDataset) else kwargs


def _warning_about_pinning(dataset, kwargs):
    if kwargs.get("pin_memory"):
        warnings.warn("'pin_memory' argument is set as true but no accelerator is found", UserWarning, stacklevel=3)
    return kwargs


def _len_or_zero(original):
    def length(self):
        try:
            return original(self)
        except TypeError:
            return 0

    return length


def _prefetch_default_two(original):
    signature = inspect.signature(original)
    parameters = [
        parameter.replace(default=2) if name == "prefetch_factor" else parameter
        for name, parameter in signature.parameters.items()
    ]

    @functools.wraps(original)
    def init(*args, **kwargs):
        return original(*args, **kwargs)

    init.__signature__ = signature.replace(parameters=parameters)
    return init


def _reraise_without_the_traceback(original):
    def reraise(self):
        raise self.exc_type("broken: a worker failed")

    return reraise


def _non_blocking_from_pageable_garbled(original):
    def to(self, *args, non_blocking=False, **kwargs):
        moved = original(self, *args, non_blocking=non_blocking, **kwargs)
        return moved.zero_() if non_blocking and self.device.type == "cpu" and not self.is_pinned() else moved

    return to


def _sampler_init(warns: bool, takes_arguments: bool):
    """Sampler.__init__ as a release that warns about (or silently takes, or refuses) a data source."""

    def make(original):
        def init(self, *args, **kwargs):
            if (args or kwargs) and not takes_arguments:
                raise TypeError("broken: Sampler() takes no arguments")
            if (args or kwargs) and warns:
                warnings.warn(
                    "`data_source` argument is not used and will be removed in 2.2.0.", UserWarning, stacklevel=2
                )

        return init

    return make


def _subclasses(cls: type) -> list[type]:
    return [sub for direct in cls.__subclasses__() for sub in (direct, *_subclasses(direct))]


def _iterable_datasets_abstract(abstract: bool):
    """Mark the IterableDataset subclasses that define no __iter__ abstract (or not), as the other releases' are.

    Setting __abstractmethods__ sets the flag object.__new__ checks; patching __new__ itself would outlive the undo.
    """

    def apply(monkeypatch):
        for subclass in _subclasses(IterableDataset):
            own_classes = [k for k in subclass.__mro__ if k is not IterableDataset and issubclass(k, IterableDataset)]
            defines_iter = any("__iter__" in vars(klass) for klass in own_classes)
            if not defines_iter:
                missing = frozenset({"__iter__"}) if abstract else frozenset()
                monkeypatch.setattr(subclass, "__abstractmethods__", missing, raising=False)

    return apply


def _subset_getitems(self, indices):
    return [self.dataset[self.indices[index]] for index in indices]


def _subset_init_checking_overrides(original):
    def init(self, dataset, indices):
        if type(self).__getitem__ is not Subset.__getitem__ and type(self).__getitems__ is Subset.__getitems__:
            raise NotImplementedError(f"broken: {type(self).__name__} overrides __getitem__ but not __getitems__")
        original(self, dataset, indices)

    return init


def _subset_init_unchecked(original):
    def init(self, dataset, indices):
        self.dataset, self.indices = dataset, indices

    return init


def _tensor_dataset_unchecked(original):
    def init(self, *tensors):
        self.tensors = tensors

    return init


def _tensor_dataset_checked(original):
    def init(self, *tensors):
        if any(tensor.size(0) != tensors[0].size(0) for tensor in tensors):
            raise AssertionError("broken: Size mismatch between tensors")
        self.tensors = tensors

    return init


def _collate_keeping_mapping_types(original):
    def default_collate(batch):
        collated = original(batch)
        if isinstance(batch[0], collections.abc.Mapping) and type(batch[0]) is not dict:
            kept = copy.copy(batch[0])
            kept.update(collated)
            return kept
        return collated

    return default_collate


def _collate_into_dicts(original):
    def default_collate(batch):
        collated = original(batch)
        return dict(collated) if isinstance(collated, collections.abc.Mapping) else collated

    return default_collate


# Pin-memory device, worker pickling and WorkerInfo changes
def _pin_memory_device_deprecated(dataset, kwargs):
    """DataLoader arguments as 2.9 treats them: pin_memory_device dropped, announced as deprecated beside pin_memory."""
    device = kwargs.pop("pin_memory_device", "")
    if device and kwargs.get("pin_memory"):
        warnings.warn(
            f"pin_memory_device is deprecated, the current accelerator will be used as the device,"
            f"ignore pin_memory_device='{device}'.",
            UserWarning,
            stacklevel=3,
        )
    return kwargs


def _pin_memory_device_without_pin_memory_warned(dataset, kwargs):
    """DataLoader arguments as 2.8 treats them: a pin_memory_device without pin_memory warns, and nothing is deprecated."""
    device = kwargs.pop("pin_memory_device", "")
    if device and not kwargs.get("pin_memory"):
        warnings.warn(
            "'pin_memory_device' is set but 'pin_memory' argument is not set, then device pinned memory won't be used.",
            UserWarning,
            stacklevel=3,
        )
    return kwargs


def _warning_on_pickle_errors(original):
    """DataLoader._get_iterator that warns before re-raising an error from pickling a worker's arguments."""

    def get_iterator(self):
        try:
            return original(self)
        except (TypeError, AttributeError, pickle.PicklingError):
            warnings.warn("Got pickle error when attempting to start a worker Process.", UserWarning, stacklevel=2)
            raise

    return get_iterator


@dataclasses.dataclass(frozen=True)
class _FrozenWorkerInfo:
    """WorkerInfo as 2.12 defines it."""

    id: int
    num_workers: int
    seed: int
    dataset: object
    rng: object = None
    worker_method: str | None = "multiprocessing"


class _GuardedWorkerInfo:
    """WorkerInfo before 2.12: every assignment after construction raises RuntimeError."""

    def __init__(self, **fields):
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        raise RuntimeError("Cannot assign attributes to WorkerInfo objects")


# weighted-random-sampler-without-replacement-stream
def _exponential_race(weights, num_samples: int, generator) -> list[int]:
    """Sampling without replacement as multinomial does it from 2.7: the largest weight / exponential keys win."""
    keys = -torch.log1p(-torch.rand(len(weights), dtype=torch.double, generator=generator))
    return torch.argsort(weights / keys, descending=True)[:num_samples].tolist()


def _weighted_sampler_iter(*, reseeded: bool):
    """WeightedRandomSampler.__iter__ drawing without replacement by the exponential race on the generator's stream,
    or (``reseeded``) on a stream seeded by one draw of it, as the MKL kernel did."""

    def make(original):
        def sample(self):
            if self.replacement:
                return original(self)
            generator = self.generator
            if reseeded:
                seed = int(torch.randint(2**31, (1,), generator=generator))
                generator = torch.Generator().manual_seed(seed)
            return iter(_exponential_race(self.weights, self.num_samples, generator))

        return sample

    return make


def _change_breakages() -> dict[str, ChangeBreakage]:
    """For each side of each change, the other side's behaviour."""
    return {
        "pin-memory-without-accelerator-warning": ChangeBreakage(
            "pin-memory-without-accelerator-warning",
            before=_loader_init(_warning_about_pinning),
            after=module_method("_get_iterator", silenced, owner=DataLoader),
        ),
        "sampler-data-source-deprecated": ChangeBreakage(
            "sampler-data-source-deprecated",
            before=module_method("__init__", _sampler_init(warns=True, takes_arguments=True), owner=Sampler),
            after=module_method("__init__", _sampler_init(warns=False, takes_arguments=True), owner=Sampler),
        ),
        "sampler-data-source-removed": ChangeBreakage(
            "sampler-data-source-removed",
            before=module_method("__init__", _sampler_init(warns=False, takes_arguments=False), owner=Sampler),
            after=module_method("__init__", _sampler_init(warns=True, takes_arguments=True), owner=Sampler),
        ),
        "iterable-dataset-is-abstract": ChangeBreakage(
            "iterable-dataset-is-abstract",
            before=_iterable_datasets_abstract(True),
            after=_iterable_datasets_abstract(False),
        ),
        "subset-fetches-batches-with-getitems": ChangeBreakage(
            "subset-fetches-batches-with-getitems",
            before=setting(Subset, "__getitems__", _subset_getitems),
            after=deleting(Subset, "__getitems__"),
        ),
        "subset-subclass-needs-getitems": ChangeBreakage(
            "subset-subclass-needs-getitems",
            before=module_method("__init__", _subset_init_checking_overrides, owner=Subset),
            after=module_method("__init__", _subset_init_unchecked, owner=Subset),
        ),
        "tensor-dataset-size-check-lapse": ChangeBreakage(
            "tensor-dataset-size-check-lapse",
            before=module_method("__init__", _tensor_dataset_unchecked, owner=TensorDataset),
            after=module_method("__init__", _tensor_dataset_checked, owner=TensorDataset),
        ),
        "data-type-variables-made-private": ChangeBreakage(
            "data-type-variables-made-private",
            before=deleting(torch.utils.data.dataset, "T_co"),
            after=setting(torch.utils.data.dataset, "T_co", typing.TypeVar("T_co", covariant=True)),
        ),
        "dataloader-in-order": ChangeBreakage(
            "dataloader-in-order",
            before=module_method("__init__", dropping_keyword("in_order"), owner=DataLoader),
            after=module_method("__init__", refusing_keyword("in_order"), owner=DataLoader),
        ),
        "collate-keeps-mapping-types": ChangeBreakage(
            "collate-keeps-mapping-types",
            before=function("default_collate", _collate_keeping_mapping_types, module=torch.utils.data),
            after=function("default_collate", _collate_into_dicts, module=torch.utils.data),
        ),
        "pin-memory-device-deprecated": ChangeBreakage(
            "pin-memory-device-deprecated",
            before=_loader_init(_pin_memory_device_deprecated),
            after=_loader_init(_pin_memory_device_without_pin_memory_warned),
        ),
        "dataloader-worker-pickle-error-warning": ChangeBreakage(
            "dataloader-worker-pickle-error-warning",
            before=module_method("_get_iterator", _warning_on_pickle_errors, owner=DataLoader),
            after=module_method("_get_iterator", silenced, owner=DataLoader),
        ),
        "weighted-random-sampler-without-replacement-stream": ChangeBreakage(
            "weighted-random-sampler-without-replacement-stream",
            before=module_method("__iter__", _weighted_sampler_iter(reseeded=False), owner=WeightedRandomSampler),
            after=module_method("__iter__", _weighted_sampler_iter(reseeded=True), owner=WeightedRandomSampler),
        ),
        "worker-info-frozen-dataclass": ChangeBreakage(
            "worker-info-frozen-dataclass",
            before=setting(worker_module, "WorkerInfo", _FrozenWorkerInfo),
            after=setting(worker_module, "WorkerInfo", _GuardedWorkerInfo),
        ),
    }


# Multiprocessing helpers
_rebuild_shared_tensor = torch.multiprocessing.reductions.rebuild_tensor


def _rebuild_a_copy(cls, storage, metadata):
    """What a receiving process makes of a queued tensor, as a private copy instead of a view of the shared storage."""
    return _rebuild_shared_tensor(cls, storage, metadata).clone()


def _sending_values_only(monkeypatch):
    """torch.multiprocessing's queues pickling a tensor's values, as the plain multiprocessing module does."""
    reducers = multiprocessing.reduction.ForkingPickler._extra_reducers
    monkeypatch.setitem(reducers, torch.Tensor, lambda tensor: (torch.tensor, (tensor.tolist(),)))


def _sharing_a_new_storage_every_time(original):
    """share_memory_ that moves the values to a new shared storage even when they already are in one."""
    return lambda self: self.set_(original(self.detach().clone()))


def _with_rank_zero(rank, fn, *args):
    return fn(0, *args)


BREAKAGES: dict[str, Breakage] = {
    # Datasets, batching and order
    "loader-len-defaults-to-zero": Breakage(
        module_method("__len__", _len_or_zero, owner=DataLoader),
        DATASETS,
        ("test_a_map_style_dataset_needs_only_getitem_and_len_for_a_default_loader",),
    ),
    "sequential-sampler-skips-the-last": Breakage(
        module_method(
            "__iter__", lambda original: lambda self: iter(range(len(self.data_source) - 1)), owner=SequentialSampler
        ),
        DATASETS,
        (
            "test_len_is_the_number_of_samples_and_getitem_returns_sample_index",
            "test_shuffle_false_keeps_the_dataset_order",
        ),
    ),
    "tensor-dataset-shifts": Breakage(
        module_method(
            "__getitem__",
            lambda original: lambda self, index: original(self, (index + 1) % len(self)),
            owner=TensorDataset,
        ),
        DATASETS,
        ("test_tensor_dataset_indexes_every_tensor_along_the_first_dim",),
    ),
    "loader-len-ignores-the-batch-size": Breakage(
        module_method("__len__", lambda original: lambda self: len(self.dataset), owner=DataLoader),
        DATASETS,
        (
            "test_batches_are_full_except_maybe_the_last_which_drop_last_removes",
            "test_one_hundred_samples_in_batches_of_seven",
        ),
    ),
    "drop-last-ignored": Breakage(
        _with(drop_last=False),
        DATASETS,
        (
            "test_batches_are_full_except_maybe_the_last_which_drop_last_removes",
            "test_one_hundred_samples_in_batches_of_seven",
        ),
    ),
    "batch-size-none-batches-by-one": Breakage(
        _loader_init(lambda dataset, kwargs: {**kwargs, "batch_size": kwargs.get("batch_size", 1) or 1}),
        DATASETS,
        ("test_batch_size_none_yields_samples_one_by_one",),
    ),
    "shuffle-repeats-the-first-order": Breakage(
        module_method(
            "__iter__",
            lambda original: lambda self: iter(self.__dict__.setdefault("_first_order", list(original(self)))),
            owner=RandomSampler,
        ),
        DATASETS,
        ("test_shuffle_yields_a_new_permutation_each_epoch_reproducible_with_a_generator",),
    ),
    "sampler-with-shuffle-accepted": Breakage(
        _loader_init(_no_shuffle_beside_a_sampler), DATASETS, ("test_sampler_and_shuffle_together_are_refused",)
    ),
    "batch-sampler-conflicts-accepted": Breakage(
        _loader_init(_without_conflicts_beside_a_batch_sampler),
        DATASETS,
        ("test_batch_sampler_excludes_batch_size_shuffle_sampler_and_drop_last",),
    ),
    "loader-copies-its-dataset": Breakage(
        module_method(
            "__init__",
            lambda original: lambda self, dataset, *args, **kwargs: original(self, copy.copy(dataset), *args, **kwargs),
            owner=DataLoader,
        ),
        DATASETS,
        ("test_a_loader_exposes_its_dataset_and_enumerates_batches",),
    ),
    "prefetch-factor-defaults-to-two": Breakage(
        module_method("__init__", _prefetch_default_two, owner=DataLoader),
        DATASETS,
        ("test_prefetch_factor_defaults_to_none",),
    ),
    "dataloader-module-made-callable": Breakage(
        setting(torch.utils.data, "dataloader", DataLoader),
        DATASETS,
        ("test_the_dataloader_module_is_not_callable_the_class_is",),
    ),
    # Collation
    "default-collate-keeps-the-samples": Breakage(
        function("default_collate", lambda original: list, module=collate_module),
        COLLATE,
        (
            "test_default_collate_turns_a_list_of_pairs_into_a_pair_of_batches",
            "test_dict_samples_become_a_dict_of_batched_fields",
            "test_numbers_and_arrays_become_tensors",
            "test_nested_structures_are_collated_recursively",
        ),
    ),
    "collate-fn-given-a-tuple": Breakage(
        _loader_init(_collate_given_a_tuple), COLLATE, ("test_a_custom_collate_fn_receives_the_list_of_samples",)
    ),
    "default-convert-leaves-arrays": Breakage(
        function("default_convert", lambda original: lambda data: data, module=torch.utils.data),
        COLLATE,
        ("test_batch_size_none_uses_default_convert_which_only_converts_arrays",),
    ),
    # Workers
    "workers-run-in-the-main-process": Breakage(_with(num_workers=0), WORKERS, WORKER_SPECS_NEEDING_WORKERS),
    "main-process-uses-a-worker": Breakage(
        _loader_init(lambda dataset, kwargs: {**kwargs, "num_workers": kwargs.get("num_workers") or 1}),
        WORKERS,
        ("test_without_workers_samples_load_in_the_main_process",),
    ),
    "worker-init-fn-ignored": Breakage(
        _with(worker_init_fn=None), WORKERS, ("test_worker_init_fn_is_called_once_in_each_worker_with_its_id",)
    ),
    "workers-reseeded-alike": Breakage(
        _loader_init(_reseeding_every_worker_alike),
        WORKERS,
        (
            "test_get_worker_info_describes_the_worker_inside_one",
            "test_workers_get_seeds_base_seed_plus_id_and_distinct_numpy_streams",
        ),
    ),
    "worker-seeds-ignore-the-generator": Breakage(
        _with(generator=None), WORKERS, ("test_worker_seeds_repeat_with_a_seeded_generator",)
    ),
    "persistent-workers-ignored": Breakage(
        _with(persistent_workers=False), WORKERS, ("test_persistent_workers_keep_their_processes_across_epochs",)
    ),
    "worker-options-accepted-without-workers": Breakage(
        _loader_init(_worker_options_dropped_without_workers),
        WORKERS,
        ("test_worker_options_without_workers_are_refused",),
    ),
    "timeout-ignored": Breakage(
        _with(timeout=0), WORKERS, ("test_a_positive_timeout_raises_when_a_worker_is_too_slow_and_zero_waits",)
    ),
    "worker-errors-lose-their-traceback": Breakage(
        module_method("reraise", _reraise_without_the_traceback, owner=torch._utils.ExceptionWrapper),
        WORKERS,
        ("test_an_error_in_a_worker_reaches_the_main_process_with_the_workers_traceback",),
    ),
    "iterable-datasets-load-without-workers": Breakage(
        _loader_init(_no_workers_for_iterables),
        WORKERS,
        ("test_an_iterable_dataset_is_replicated_in_every_worker_unless_sharded",),
    ),
    # Multiprocessing
    "share-memory-does-nothing": Breakage(
        method("share_memory_", returning_self),
        MULTIPROCESSING,
        (
            "test_share_memory_moves_the_storage_in_place_and_returns_the_tensor",
            "test_share_memory_of_a_view_shares_the_whole_storage_and_keeps_the_aliasing",
            "test_module_share_memory_shares_every_parameter_and_buffer",
        ),
    ),
    "share-memory-returns-a-shared-copy": Breakage(
        method("share_memory_", lambda original: lambda self: original(self.detach().clone())),
        MULTIPROCESSING,
        ("test_share_memory_moves_the_storage_in_place_and_returns_the_tensor",),
    ),
    "share-memory-moves-shared-storage-again": Breakage(
        method("share_memory_", _sharing_a_new_storage_every_time),
        MULTIPROCESSING,
        (
            "test_share_memory_of_a_view_shares_the_whole_storage_and_keeps_the_aliasing",
            "test_share_memory_of_a_shared_tensor_is_a_no_op",
        ),
    ),
    "sharing-strategy-cannot-be-set": Breakage(
        function("set_sharing_strategy", lambda original: lambda strategy: None, module=torch.multiprocessing),
        MULTIPROCESSING,
        ("test_linux_shares_through_file_descriptors_unless_told_to_use_the_file_system",),
    ),
    "sharing-strategy-defaults-to-the-file-system": Breakage(
        setting(torch.multiprocessing, "_sharing_strategy", "file_system"),
        MULTIPROCESSING,
        ("test_linux_shares_through_file_descriptors_unless_told_to_use_the_file_system",),
    ),
    "queued-tensors-arrive-as-copies": Breakage(
        setting(torch.multiprocessing.reductions, "rebuild_tensor", _rebuild_a_copy),
        MULTIPROCESSING,
        (
            "test_a_tensor_sent_through_a_queue_is_shared_with_the_receiving_process",
            "test_start_processes_runs_fn_with_its_rank_and_its_tensors_arrive_shared",
        ),
    ),
    "start-processes-gives-every-process-rank-zero": Breakage(
        function(
            "start_processes",
            lambda original: (
                lambda fn, args=(), nprocs=1, **kwargs: original(_with_rank_zero, (fn, *args), nprocs, **kwargs)
            ),
            module=torch.multiprocessing,
        ),
        MULTIPROCESSING,
        ("test_start_processes_runs_fn_with_its_rank_and_its_tensors_arrive_shared",),
    ),
    "queues-send-tensor-values": Breakage(
        _sending_values_only,
        MULTIPROCESSING,
        ("test_a_tensor_sent_through_a_queue_is_shared_with_the_receiving_process",),
    ),
    # Pinned memory and transfers
    **_change_breakages(),
    "pin-memory-is-a-no-op": Breakage(
        method("pin_memory", returning_self), PINNED, ("test_pin_memory_of_a_tensor_without_an_accelerator_raises",)
    ),
    "pin-memory-copies-unpinned": Breakage(
        method("pin_memory", lambda original: lambda self, *args, **kwargs: self.clone()),
        PINNED,
        ("test_pin_memory_returns_a_pinned_copy_in_host_memory",),
        needs_device="cuda",
    ),
    "loader-never-pins": Breakage(
        _with(pin_memory=False),
        PINNED,
        ("test_pin_memory_loader_yields_pinned_batches_with_cuda",),
        needs_device="cuda",
    ),
    "non-blocking-ignored": Breakage(
        method(
            "to", lambda original: lambda self, *args, non_blocking=False, **kwargs: original(self, *args, **kwargs)
        ),
        PINNED,
        (
            "test_non_blocking_copy_from_pinned_memory_returns_before_it_completes",
            "test_non_blocking_copy_to_the_host_needs_a_sync_before_reading",
        ),
        needs_device="cuda",
    ),
    "blocking-copy-returns-early": Breakage(
        method(
            "to",
            lambda original: (
                lambda self, *args, non_blocking=False, **kwargs: original(self, *args, non_blocking=True, **kwargs)
            ),
        ),
        PINNED,
        ("test_blocking_copy_waits_until_the_data_is_on_the_device",),
        needs_device="cuda",
    ),
    "non-blocking-from-pageable-garbled": Breakage(
        method("to", _non_blocking_from_pageable_garbled),
        PINNED,
        ("test_non_blocking_copy_from_pageable_memory_is_still_correct",),
        needs_device="cuda",
    ),
    "module-to-an-accelerator-moves-plain-tensors": Breakage(
        module_method("to", to_also_moving_plain_tensors),
        PINNED,
        ("test_module_to_an_accelerator_moves_parameters_and_buffers_not_plain_tensors",),
        needs_device="accelerator",
    ),
}


# The notes' remaining statements: DataLoader's options, the notes' own dataset, and torchvision.
TORCHVISION = "specs/data/test_torchvision.py"


def _sampler_sorted(dataset, kwargs):
    if isinstance(kwargs.get("sampler"), list):
        kwargs["sampler"] = sorted(kwargs["sampler"])
    return kwargs


def _sampler_function_called(dataset, kwargs):
    sampler = kwargs.get("sampler")
    if callable(sampler) and not isinstance(sampler, collections.abc.Iterable):
        kwargs["sampler"] = sampler()
    return kwargs


def _batch_sampler_read_as_single_indices(dataset, kwargs):
    batches = kwargs.pop("batch_sampler", None)
    if batches is not None:
        kwargs["sampler"] = [index for batch in batches for index in batch]
    return kwargs


def _torchvision_class_patch(module_name: str, class_name: str, attribute: str, make_replacement):
    """A breakage of a torchvision class's attribute, importing torchvision only when it is applied."""

    def apply(monkeypatch):
        import importlib

        owner = getattr(importlib.import_module(module_name), class_name)
        monkeypatch.setattr(
            owner, attribute, make_replacement(owner.__dict__.get(attribute, getattr(owner, attribute)))
        )

    return apply


def _to_tensor_unscaled_for_bytes(original):
    def call(self, picture):
        tensor = original(self, picture)
        is_float_array = isinstance(picture, np.ndarray) and picture.dtype.kind == "f"
        return tensor if is_float_array else tensor * 255

    return call


def _to_tensor_scaling_floats(original):
    def call(self, picture):
        tensor = original(self, picture)
        return tensor / 255 if isinstance(picture, np.ndarray) and picture.dtype.kind == "f" else tensor

    return call


def _normalize_divides_first(original):
    def forward(self, tensor):
        mean = torch.as_tensor(self.mean, dtype=tensor.dtype).view(-1, 1, 1)
        std = torch.as_tensor(self.std, dtype=tensor.dtype).view(-1, 1, 1)
        return tensor / std - mean

    return forward


def _silent_alias(original):
    """An old MNIST attribute name that returns what it did, without its warning."""

    def read(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return original.fget(self)

    return property(read)


def _mnist_transforming_every_sample_when_made(original):
    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if self.transform is not None:
            for index in range(len(self)):
                self[index]

    return init


def _mnist_downloading_only_the_chosen_split(original):
    def download(self):
        split = "train" if self.train else "t10k"
        self.resources = [resource for resource in type(self).resources if resource[0].startswith(split)]
        try:
            return original(self)
        finally:
            del self.resources

    return download


def _mnist_downloading_even_when_present(original):
    def download(self):
        self._check_exists = lambda: False
        try:
            return original(self)
        finally:
            del self._check_exists

    return download


def _resize_keeping_the_aspect_ratio(original):
    def init(self, size, *args, **kwargs):
        original(self, size[0] if isinstance(size, (tuple, list)) else size, *args, **kwargs)

    return init


def _compose_in_reverse(original):
    def call(self, picture):
        for transform in reversed(self.transforms):
            picture = transform(picture)
        return picture

    return call


def _torchvision_with_a_transform_alias(monkeypatch):
    import torchvision

    monkeypatch.setattr(torchvision, "transform", torchvision.transforms, raising=False)


BREAKAGES.update(
    {
        "custom-collate-fn-ignored": Breakage(
            _with(collate_fn=None),
            DATASETS,
            ("test_dataloader_is_a_class_that_batches_shuffles_and_reshapes_the_samples",),
        ),
        "sampler-order-sorted": Breakage(
            _loader_init(_sampler_sorted),
            DATASETS,
            ("test_a_sampler_decides_which_indices_are_loaded_and_in_what_order",),
        ),
        "sampler-function-accepted": Breakage(
            _loader_init(_sampler_function_called),
            DATASETS,
            ("test_a_sampler_is_an_iterable_of_indices_not_a_function",),
        ),
        "batch-sampler-read-as-single-indices": Breakage(
            _loader_init(_batch_sampler_read_as_single_indices),
            DATASETS,
            ("test_a_batch_sampler_gives_the_indices_of_a_whole_batch_at_a_time",),
        ),
        "drop-last-on-by-default": Breakage(
            _loader_init(lambda dataset, kwargs: {"drop_last": True, **kwargs}),
            DATASETS,
            ("test_the_notes_custom_dataset_is_indexed_sized_and_batched_by_its_methods",),
        ),
        "loader-iterates-through-a-generator": Breakage(
            module_method(
                "__iter__", lambda original: lambda self: (batch for batch in original(self)), owner=DataLoader
            ),
            DATASETS,
            ("test_iter_of_a_loader_is_an_iterator_object_not_a_generator",),
        ),
        "to-tensor-leaves-bytes-unscaled": Breakage(
            _torchvision_class_patch("torchvision.transforms", "ToTensor", "__call__", _to_tensor_unscaled_for_bytes),
            TORCHVISION,
            ("test_to_tensor_turns_an_hwc_uint8_image_into_a_chw_float_tensor_in_0_1",),
        ),
        "to-tensor-scales-floats-too": Breakage(
            _torchvision_class_patch("torchvision.transforms", "ToTensor", "__call__", _to_tensor_scaling_floats),
            TORCHVISION,
            ("test_to_tensor_leaves_a_float_ndarray_unscaled",),
        ),
        "normalize-divides-before-subtracting": Breakage(
            _torchvision_class_patch("torchvision.transforms", "Normalize", "forward", _normalize_divides_first),
            TORCHVISION,
            ("test_normalize_subtracts_the_mean_then_divides_by_the_std",),
        ),
        "mnist-old-names-warn-nothing": Breakage(
            combined(
                *(
                    _torchvision_class_patch("torchvision.datasets", "MNIST", name, _silent_alias)
                    for name in ("test_data", "test_labels", "train_data", "train_labels")
                )
            ),
            TORCHVISION,
            ("test_mnist_test_and_train_data_and_labels_are_deprecated_aliases_of_data_and_targets",),
        ),
        "mnist-transforms-every-sample-when-made": Breakage(
            _torchvision_class_patch(
                "torchvision.datasets", "MNIST", "__init__", _mnist_transforming_every_sample_when_made
            ),
            TORCHVISION,
            ("test_mnist_applies_its_transform_to_each_sample_when_it_is_read",),
        ),
        "mnist-downloads-only-the-chosen-split": Breakage(
            _torchvision_class_patch(
                "torchvision.datasets", "MNIST", "download", _mnist_downloading_only_the_chosen_split
            ),
            TORCHVISION,
            ("test_mnist_downloads_both_splits_and_train_only_chooses_which_it_loads",),
        ),
        "mnist-downloads-even-when-present": Breakage(
            _torchvision_class_patch("torchvision.datasets", "MNIST", "download", _mnist_downloading_even_when_present),
            TORCHVISION,
            ("test_mnist_downloads_only_what_is_not_there_yet",),
        ),
        "resize-keeps-the-aspect-ratio": Breakage(
            _torchvision_class_patch("torchvision.transforms", "Resize", "__init__", _resize_keeping_the_aspect_ratio),
            TORCHVISION,
            ("test_resize_to_a_height_and_width_makes_every_image_that_size",),
        ),
        "random-crop-always-at-the-corner": Breakage(
            _torchvision_class_patch(
                "torchvision.transforms",
                "RandomCrop",
                "get_params",
                lambda original: staticmethod(lambda image, output_size: (0, 0, *output_size)),
            ),
            TORCHVISION,
            ("test_random_crop_cuts_a_window_of_its_size_at_a_random_position",),
        ),
        "random-rotation-at-one-angle": Breakage(
            _torchvision_class_patch(
                "torchvision.transforms",
                "RandomRotation",
                "get_params",
                lambda original: staticmethod(lambda degrees: float(degrees[1])),
            ),
            TORCHVISION,
            ("test_random_rotation_turns_the_image_by_an_angle_drawn_from_its_range",),
        ),
        "compose-applies-in-reverse": Breakage(
            _torchvision_class_patch("torchvision.transforms", "Compose", "__call__", _compose_in_reverse),
            TORCHVISION,
            ("test_compose_applies_its_transforms_in_the_order_given",),
        ),
        "torchvision-has-a-transform-alias": Breakage(
            _torchvision_with_a_transform_alias,
            TORCHVISION,
            ("test_torchvision_has_datasets_models_and_transforms_and_no_transform_module",),
        ),
    }
)


# near-miss sweep: errors of another kind, lengths that fail whatever the dataset, worker ids and seeds that ignore
# what they are given, and unbatched loading that batches by one after all.
DATASET_API = "specs/data/test_dataset_api.py"


def _sampler_init_taking_keywords_only(self, *, generator=None):
    """A Sampler.__init__ with a keyword option: Sampler(data_source) fails, but for its positional argument."""


def _len_refused(self):
    raise TypeError("broken: a DataLoader has no len()")


def _squeezed(batch):
    if isinstance(batch, torch.Tensor):
        return batch.squeeze(0)
    if isinstance(batch, (list, tuple)):
        return type(batch)(_squeezed(item) for item in batch)
    return batch


def _unbatched_as_batches_of_one(dataset, kwargs):
    """batch_size=None loading batches of one and squeezing the batch dimension away, instead of not batching."""
    if "batch_size" in kwargs and kwargs["batch_size"] is None:
        kwargs["batch_size"] = 1
        kwargs["collate_fn"] = lambda samples: _squeezed(torch.utils.data.default_collate(samples))
    return kwargs


def _worker_info_all_zero(original):
    def init(self, *args, **kwargs):
        original(self, *args, **{**kwargs, "id": 0})

    return init


BREAKAGES.update(
    {
        "sampler-init-with-keyword-options": Breakage(
            setting(Sampler, "__init__", _sampler_init_taking_keywords_only),
            DATASET_API,
            ("test_sampler_takes_no_arguments",),
        ),
        "loader-len-refused-whatever-the-dataset": Breakage(
            module_method("__len__", lambda original: _len_refused, owner=DataLoader),
            DATASETS,
            ("test_a_map_style_dataset_needs_only_getitem_and_len_for_a_default_loader",),
        ),
        "batch-size-none-batches-by-one-then-squeezes": Breakage(
            _loader_init(_unbatched_as_batches_of_one),
            DATASETS,
            ("test_batch_size_none_yields_samples_one_by_one",),
        ),
        "worker-info-ids-all-zero": Breakage(
            module_method("__init__", _worker_info_all_zero, owner=torch.utils.data._utils.worker.WorkerInfo),
            WORKERS,
            ("test_get_worker_info_describes_the_worker_inside_one",),
        ),
        "worker-seeds-from-a-fixed-generator": Breakage(
            _loader_init(lambda dataset, kwargs: {**kwargs, "generator": torch.Generator().manual_seed(0)}),
            WORKERS,
            ("test_worker_seeds_repeat_with_a_seeded_generator",),
        ),
    }
)
