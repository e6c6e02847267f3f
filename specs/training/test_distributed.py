"""Distributed training as a script sees it in one process: the default process group's life, the rank and world
size, how DistributedSampler splits a dataset, DistributedDataParallel around a model, and tensor-parallel
placements. Each spec makes its own one-process gloo group in a temporary file store and destroys it."""

import datetime
import gc
import time
import warnings

import pytest
import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import DistributedSampler

from torchspecs.assertions import assert_close, assert_equal

pytestmark = pytest.mark.skipif(not dist.is_available(), reason="this torch build has no torch.distributed")

# A group of one never waits on another rank; a collective that waits this long has gone wrong, and fails.
COLLECTIVE_TIMEOUT = datetime.timedelta(seconds=60)


@pytest.fixture
def process_group(tmp_path):
    """A gloo process group of one: rank 0 of world size 1, destroyed afterwards."""
    dist.init_process_group(
        "gloo", init_method=(tmp_path / "store").as_uri(), rank=0, world_size=1, timeout=COLLECTIVE_TIMEOUT
    )
    try:
        yield
    finally:
        _destroy_once_gloo_lets_go()


def _destroy_once_gloo_lets_go() -> None:
    """Destroy the default group once gloo's threads have dropped the tensors of finished collectives: the group's
    destructor joins those threads while holding the GIL, and a thread still freeing a Python-owned tensor needs it."""
    gc.collect()
    time.sleep(0.2)
    if dist.is_initialized():
        dist.destroy_process_group()


@pytest.mark.doc("torch.distributed.init_process_group")
@pytest.mark.doc("torch.distributed.get_rank")
@pytest.mark.doc("torch.distributed.get_world_size")
@pytest.mark.doc("torch.distributed.destroy_process_group")
def test_a_process_group_gives_the_rank_and_world_size_until_it_is_destroyed(tmp_path):
    """init_process_group(backend, rank, world_size) makes the default group: is_initialized() is True and get_rank()
    and get_world_size() return what was given; destroy_process_group() ends it."""
    assert_equal(dist.is_initialized(), False, "is_initialized() before init_process_group")
    dist.init_process_group(
        "gloo", init_method=(tmp_path / "store").as_uri(), rank=0, world_size=1, timeout=COLLECTIVE_TIMEOUT
    )
    try:
        assert_equal(
            (dist.is_initialized(), dist.get_rank(), dist.get_world_size()), (True, 0, 1), "(init, rank, size)"
        )
        assert_equal(dist.get_backend(), "gloo", "get_backend()")
    finally:
        dist.destroy_process_group()
    assert_equal(dist.is_initialized(), False, "is_initialized() after destroy_process_group")


@pytest.mark.doc("torch.distributed.get_rank")
@pytest.mark.change("no-default-group-value-error", side="before")
def test_asking_for_the_rank_without_a_group_raises_runtime_error():
    """get_rank() and get_world_size() without a default group raise RuntimeError saying to call
    init_process_group."""
    for ask in (dist.get_rank, dist.get_world_size):
        with pytest.raises(RuntimeError, match="Default process group has not been initialized"):
            ask()


@pytest.mark.doc("torch.distributed.get_rank")
@pytest.mark.change("no-default-group-value-error", side="after")
def test_asking_for_the_rank_without_a_group_raises_value_error():
    """get_rank() and get_world_size() without a default group raise ValueError saying to call init_process_group."""
    for ask in (dist.get_rank, dist.get_world_size):
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            ask()


@pytest.mark.doc("torch.distributed.all_reduce")
def test_all_reduce_in_a_group_of_one_leaves_the_tensor_and_works_in_place(process_group):
    """all_reduce(t, op) reduces t across the group in place; in a group of one, SUM and MAX leave it as it is."""
    tensor = torch.tensor([1.5, -2.0, 4.0])
    for op in (dist.ReduceOp.SUM, dist.ReduceOp.MAX):
        dist.all_reduce(tensor, op=op)
    assert_equal(tensor.tolist(), [1.5, -2.0, 4.0], "the tensor after all_reduce")


@pytest.mark.doc("torch.utils.data.DistributedSampler")
def test_distributed_sampler_deals_every_num_replicas_th_index_padding_to_even_shares():
    """DistributedSampler(dataset, num_replicas, rank, shuffle=False) gives rank r the indices r, r + n, r + 2n, ...,
    after padding the list with its first indices to a multiple of n; drop_last=True drops the tail instead."""
    dataset = list(range(10))
    shares = [list(DistributedSampler(dataset, num_replicas=3, rank=rank, shuffle=False)) for rank in range(3)]
    assert_equal(shares, [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]], "the three shares")
    dropped = list(DistributedSampler(dataset, num_replicas=3, rank=1, shuffle=False, drop_last=True))
    assert_equal(dropped, [1, 4, 7], "rank 1's share with drop_last=True")


@pytest.mark.doc("torch.utils.data.DistributedSampler")
def test_distributed_sampler_shuffles_by_seed_and_epoch_and_the_shares_cover_the_dataset():
    """With shuffle=True the order depends on seed + epoch, so set_epoch changes it and every rank agrees on it; the
    shares of one epoch together hold every index once (the dataset divides evenly here)."""

    def shares(epoch: int, seed: int = 0) -> list[list[int]]:
        samplers = [DistributedSampler(range(12), num_replicas=3, rank=rank, seed=seed) for rank in range(3)]
        for sampler in samplers:
            sampler.set_epoch(epoch)
        return [list(sampler) for sampler in samplers]

    first = shares(epoch=0)
    assert_equal(sorted(index for share in first for index in share), list(range(12)), "indices of epoch 0")
    assert_equal(first == shares(epoch=0), True, "the same epoch and seed give the same shares")
    assert_equal(first == shares(epoch=1), False, "set_epoch(1) reshuffles")
    assert_equal(first == shares(epoch=0, seed=5), False, "another seed reshuffles")


@pytest.mark.doc("torch.nn.parallel.DistributedDataParallel")
def test_distributed_data_parallel_wraps_the_model_and_averages_its_gradients(process_group):
    """DistributedDataParallel(model) keeps the model as .module, computes what it computes, and after backward
    gives its parameters the gradients averaged over the ranks (over one rank: the model's own)."""
    torch.manual_seed(0)
    model, twin = nn.Linear(3, 2), nn.Linear(3, 2)
    twin.load_state_dict(model.state_dict())
    wrapped = nn.parallel.DistributedDataParallel(model)
    x = torch.tensor([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])
    assert_equal(wrapped.module is model, True, "wrapped.module is the model")
    assert_close(wrapped(x), twin(x))
    (wrapped(x) * torch.tensor([2.0, -1.0])).sum().backward()
    (twin(x) * torch.tensor([2.0, -1.0])).sum().backward()
    assert_close(model.weight.grad, twin.weight.grad)


def _mesh_of_one():
    try:
        from torch.distributed.device_mesh import init_device_mesh
    except ImportError:  # before 2.2
        from torch.distributed._tensor import DeviceMesh

        return DeviceMesh("cpu", [0])
    return init_device_mesh("cpu", (1,))


@pytest.mark.doc("torch.distributed.tensor.parallel.ColwiseParallel")
@pytest.mark.doc("torch.distributed.tensor.parallel.RowwiseParallel")
@pytest.mark.doc("torch.distributed._tensor.Shard")
@pytest.mark.doc("torch.distributed._tensor.Replicate")
def test_colwise_shards_a_linear_by_output_rows_and_rowwise_by_input_columns(process_group):
    """parallelize_module with ColwiseParallel shards a Linear's weight and bias along dim 0 (the output features);
    RowwiseParallel shards the weight along dim 1 (the input features) and replicates the bias."""
    from torch.distributed._tensor import Replicate, Shard
    from torch.distributed.tensor.parallel import ColwiseParallel, RowwiseParallel, parallelize_module

    mesh = _mesh_of_one()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        colwise = parallelize_module(nn.Linear(4, 6), mesh, ColwiseParallel())
        rowwise = parallelize_module(nn.Linear(6, 3), mesh, RowwiseParallel())
    placements = [
        tuple(parameter.placements) for parameter in (colwise.weight, colwise.bias, rowwise.weight, rowwise.bias)
    ]
    assert_equal(placements, [(Shard(0),), (Shard(0),), (Shard(1),), (Replicate(),)], "placements")
    assert_equal((Shard(0) == Shard(1), Shard(1).dim, Replicate().is_replicate()), (False, 1, True), "placement types")


@pytest.fixture
def rpc_worker(tmp_path):
    """An RPC group of one worker, 'worker0', shut down afterwards."""
    from torch.distributed import rpc

    options = rpc.TensorPipeRpcBackendOptions(init_method=(tmp_path / "rpc-store").as_uri())
    rpc.init_rpc("worker0", rank=0, world_size=1, rpc_backend_options=options)
    try:
        yield rpc
    finally:
        rpc.shutdown()


@pytest.mark.doc("torch.distributed.rpc.init_rpc")
@pytest.mark.doc("torch.distributed.rpc.rpc_sync")
@pytest.mark.doc("torch.distributed.rpc.remote")
def test_rpc_runs_a_function_on_the_named_worker_and_returns_its_result(rpc_worker):
    """After init_rpc(name, rank, world_size), rpc_sync(worker, f, args) runs f(*args) there and returns its result;
    remote returns an RRef whose to_here() gives the result; get_worker_info() names this worker."""
    rpc = rpc_worker
    assert_equal((rpc.get_worker_info().name, rpc.get_worker_info().id), ("worker0", 0), "this worker")
    result = rpc.rpc_sync("worker0", torch.sub, args=(torch.tensor([5.0, -1.0]), torch.tensor([2.0, 3.0])))
    assert_equal(result.tolist(), [3.0, -4.0], "rpc_sync(sub)")
    reference = rpc.remote("worker0", torch.mul, args=(torch.tensor([2.0, -3.0]), 4))
    assert_equal(reference.to_here().tolist(), [8.0, -12.0], "remote(mul).to_here()")
