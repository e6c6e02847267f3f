"""Tensor.to and moves between devices: when the result is the tensor itself, and when it is a copy."""

import pytest
import torch

from torchspecs.assertions import assert_dtype, assert_is_copy_of, assert_same_object


@pytest.mark.doc("torch.Tensor.to")
def test_to_with_nothing_to_change_returns_the_tensor_itself(device):
    """Tensor.to returns self when the tensor already has the requested dtype and device."""
    tensor = torch.arange(3.0, device=device)
    assert_same_object(tensor.to(device), tensor, f"to({device!s})")
    assert_same_object(tensor.to(torch.float32), tensor, "to(torch.float32)")
    integers = torch.arange(3, device=device)
    assert_same_object(integers.to(torch.int64), integers, "to(torch.int64)")


@pytest.mark.doc("torch.Tensor.to")
def test_to_another_dtype_returns_a_copy(device):
    """Tensor.to a different dtype returns a converted copy with memory of its own."""
    tensor = torch.arange(3.0, device=device)
    converted = tensor.to(torch.float64)
    assert_dtype(converted, torch.float64)
    assert_is_copy_of(tensor, converted)


@pytest.mark.doc("torch.Tensor.to")
def test_to_with_copy_true_always_copies(device):
    """Tensor.to(..., copy=True) returns a new tensor even when nothing needs to change."""
    tensor = torch.arange(3.0, device=device)
    assert_is_copy_of(tensor, tensor.to(device, copy=True))
    assert_is_copy_of(tensor, tensor.to(torch.float32, copy=True))


@pytest.mark.doc("torch.Tensor.cpu")
@pytest.mark.claim("003.cpu-returns-a-cpu-tensor", verdict="holds")
def test_cpu_of_a_cpu_tensor_returns_the_tensor_itself():
    """Tensor.cpu() returns the original object when the tensor is already in CPU memory."""
    tensor = torch.arange(3.0)
    assert_same_object(tensor.cpu(), tensor, "cpu()")


@pytest.mark.doc("torch.Tensor.cuda")
@pytest.mark.claim("003.cuda-returns-a-gpu-tensor", verdict="holds")
@pytest.mark.needs_device("cuda")
def test_moving_a_cpu_tensor_to_cuda_copies_it():
    """Tensor.cuda() of a CPU tensor returns a copy in CUDA memory; the CPU tensor is untouched."""
    tensor = torch.arange(3.0)
    moved = tensor.cuda()
    assert moved.device.type == "cuda", f"expected a cuda tensor, got one on {moved.device}"
    assert_is_copy_of(tensor, moved)


@pytest.mark.doc("torch.Tensor.cpu")
@pytest.mark.claim("003.cpu-returns-a-cpu-tensor", verdict="holds")
@pytest.mark.needs_device("accelerator")
def test_moving_an_accelerator_tensor_to_cpu_copies_it(accelerator):
    """Tensor.cpu() of an accelerator tensor returns a copy in CPU memory; writes to either do not reach the other."""
    tensor = torch.arange(3.0, device=accelerator)
    moved = tensor.cpu()
    assert moved.device.type == "cpu", f"expected a cpu tensor, got one on {moved.device}"
    assert_is_copy_of(tensor, moved)
