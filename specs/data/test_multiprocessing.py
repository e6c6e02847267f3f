"""Sharing tensors between processes: share_memory_ and is_shared, tensors sent through a torch.multiprocessing queue,
the sharing strategies, and processes started by torch.multiprocessing.start_processes."""

import sys

import pytest
import torch
import torch.multiprocessing as mp
from torch import nn

from torchspecs.assertions import assert_aliased, assert_equal, assert_same_object, assert_values_equal
from torchspecs.isolation import sharing_strategy

# Long enough for a loaded machine to start a process; a healthy run takes a fraction of it.
PATIENCE_SECONDS = 60


@pytest.mark.doc("torch.Tensor.share_memory_")
@pytest.mark.doc("torch.Tensor.is_shared")
def test_share_memory_moves_the_storage_in_place_and_returns_the_tensor():
    """share_memory_() moves a tensor's storage to shared memory and returns the tensor itself, its values kept."""
    tensor = torch.tensor([[1.5, -2.0, 0.0], [4.0, -0.5, 3.0]])
    assert_equal(tensor.is_shared(), False, "is_shared() of a fresh tensor")
    assert_same_object(tensor.share_memory_(), tensor, "tensor.share_memory_()")
    assert_equal(tensor.is_shared(), True, "is_shared() after share_memory_()")
    assert_values_equal(tensor, torch.tensor([[1.5, -2.0, 0.0], [4.0, -0.5, 3.0]]))


@pytest.mark.doc("torch.Tensor.share_memory_")
def test_share_memory_of_a_view_shares_the_whole_storage_and_keeps_the_aliasing():
    """The storage moves, not the view: its base is shared too, and writes through either are still seen in the other."""
    base = torch.arange(6.0).view(2, 3)
    row = base[1]
    row.share_memory_()
    assert_equal((base.is_shared(), row.is_shared()), (True, True), "(base.is_shared(), row.is_shared())")
    assert_aliased(base, row)


@pytest.mark.doc("torch.Tensor.share_memory_")
@pytest.mark.doc("notes/multiprocessing", "reuse-buffers-passed-through-a-queue")
def test_share_memory_of_a_shared_tensor_is_a_no_op():
    """share_memory_() on a tensor already in shared memory leaves its storage where it is."""
    tensor = torch.tensor([3.0, -1.0]).share_memory_()
    address = tensor.untyped_storage().data_ptr()
    tensor.share_memory_()
    assert_equal(tensor.untyped_storage().data_ptr(), address, "the storage's address after a second share_memory_()")


@pytest.mark.doc("torch.nn.Module.share_memory")
@pytest.mark.doc("notes/multiprocessing", "hogwild")
def test_module_share_memory_shares_every_parameter_and_buffer():
    """Module.share_memory() moves every parameter and buffer to shared memory and returns the module."""
    module = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    assert_same_object(module.share_memory(), module, "module.share_memory()")
    tensors = {name: tensor.is_shared() for name, tensor in [*module.named_parameters(), *module.named_buffers()]}
    assert_equal(tensors, dict.fromkeys(tensors, True), "is_shared() of each parameter and buffer")


@pytest.mark.doc("torch.multiprocessing.get_all_sharing_strategies")
@pytest.mark.doc("torch.multiprocessing.get_sharing_strategy")
@pytest.mark.doc("torch.multiprocessing.set_sharing_strategy")
@pytest.mark.skipif(sys.platform != "linux", reason="the strategies documented for Linux")
def test_linux_shares_through_file_descriptors_unless_told_to_use_the_file_system():
    """On Linux the strategies are file_descriptor (the default) and file_system; set_sharing_strategy picks one."""
    assert_equal(mp.get_all_sharing_strategies(), {"file_descriptor", "file_system"}, "the sharing strategies")
    assert_equal(mp.get_sharing_strategy(), "file_descriptor", "the default sharing strategy")
    with sharing_strategy("file_system"):
        assert_equal(mp.get_sharing_strategy(), "file_system", "the strategy after set_sharing_strategy")


def _add_ten_in_place(queue, done) -> None:
    tensor = queue.get()
    tensor.add_(10)
    done.set()


@pytest.mark.doc("notes/multiprocessing", "multiprocessing-best-practices")
def test_a_tensor_sent_through_a_queue_is_shared_with_the_receiving_process():
    """A tensor put on a torch.multiprocessing queue moves to shared memory: the receiver's in-place write shows here."""
    context = mp.get_context("fork")
    queue, done = context.Queue(), context.Event()
    tensor = torch.tensor([1.0, -2.0, 3.5])
    child = context.Process(target=_add_ten_in_place, args=(queue, done))
    child.start()
    try:
        queue.put(tensor)
        assert_equal(done.wait(PATIENCE_SECONDS), True, "the child wrote into the tensor in time")
    finally:
        child.join(PATIENCE_SECONDS)
        if child.is_alive():
            child.kill()
    assert_equal(child.exitcode, 0, "the child's exit code")
    assert_equal(tensor.is_shared(), True, "is_shared() of the tensor that was sent")
    assert_values_equal(tensor, torch.tensor([11.0, 8.0, 13.5]))


def _send_a_new_tensor(rank: int, queue, received) -> None:
    queue.put(torch.tensor([rank + 0.5, -4.0, 2.0]))
    # A tensor in shared memory is handed over by its handle: its sender stays until the receiver has it.
    received.wait(PATIENCE_SECONDS)


@pytest.mark.doc("multiprocessing", "spawning-subprocesses")
def test_start_processes_runs_fn_with_its_rank_and_its_tensors_arrive_shared():
    """torch.multiprocessing.start_processes (spawn's general form) runs fn(rank, *args) in new processes; a tensor a
    process queues arrives with its values, in shared memory. (Forked here: a spawned child would import torch anew.)"""
    context = mp.get_context("fork")
    queue, received = context.Queue(), context.Event()
    processes = mp.start_processes(
        _send_a_new_tensor, args=(queue, received), nprocs=2, join=False, start_method="fork"
    )
    try:
        tensors = sorted((queue.get(timeout=PATIENCE_SECONDS) for _ in range(2)), key=lambda t: float(t[0]))
        received.set()
        # join() reaps one finished process per call and says True once none is left.
        joined = [processes.join(PATIENCE_SECONDS) for _ in range(2)]
        assert_equal(joined[-1], True, "every process finished in time")
    finally:
        for process in processes.processes:
            if process.is_alive():
                process.kill()
    assert_equal([t.tolist() for t in tensors], [[0.5, -4.0, 2.0], [1.5, -4.0, 2.0]], "the tensors of ranks 0 and 1")
    assert_equal([t.is_shared() for t in tensors], [True, True], "is_shared() of the received tensors")
