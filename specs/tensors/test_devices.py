"""Devices: where a tensor lives, which operations may mix devices, and what needs a move to the CPU first.

The meta device (shapes without data) is present on every machine, so the
mixing rules are also checked there.  The rules that hold on any accelerator
take the ``accelerator`` fixture (the one present: cuda, xpu, mps...); those
about CUDA's own names need CUDA.  Either skips, with the reason shown, where
its device is not present.  Tensor.to and Tensor.cpu returning the tensor
itself or a copy are specified in specs/aliasing/test_device_transfer.py.
"""

import re

import pytest
import torch

from torchspecs.assertions import assert_equal, assert_values_equal


@pytest.mark.doc("torch.device")
@pytest.mark.claim("001.device-attribute", verdict="holds")
@pytest.mark.claim("003.to-device-places-the-tensor", verdict="holds")
def test_device_attribute_names_where_the_tensor_lives(device):
    """t.device is the device a tensor was made on, and the target device after t.to(...)."""
    tensor = torch.zeros(2, device=device)
    assert_equal(tensor.device.type, torch.device(device).type, "the device type")
    assert_equal(tensor.to("meta").device, torch.device("meta"), "the device after to('meta')")


@pytest.mark.doc("torch.cuda.is_available")
@pytest.mark.claim("003.cuda-is-available", verdict="holds")
def test_cuda_is_available_says_whether_a_cuda_device_can_be_used():
    """torch.cuda.is_available() is a bool: True exactly when at least one CUDA device can be used."""
    available = torch.cuda.is_available()
    assert_equal(type(available), bool, "the type of is_available()")
    assert_equal(available, torch.cuda.device_count() > 0, "is_available() against device_count() > 0")


@pytest.mark.doc("meta")
def test_tensors_on_different_devices_do_not_mix():
    """An operation on tensors on two devices (here cpu and meta) raises rather than moving one of them, even a
    one-element CPU tensor: only a 0-d one is exempt."""
    with pytest.raises(RuntimeError, match="Tensor on device meta is not on the expected device cpu"):
        torch.ones(2) + torch.ones(2, device="meta")
    with pytest.raises(RuntimeError, match="Tensor on device meta is not on the expected device cpu"):
        torch.ones(1) + torch.ones(2, device="meta")


@pytest.mark.doc("meta")
def test_a_zero_dim_cpu_tensor_mixes_with_any_device():
    """A 0-d CPU tensor may be used with a tensor on another device, as if it were a Python scalar."""
    result = torch.ones(2, device="meta") + torch.tensor(1.0)
    assert_equal(result.device, torch.device("meta"), "the result's device")


@pytest.mark.doc("torch.Tensor.to")
@pytest.mark.claim("004.cuda-device-index-0", verdict="holds")
@pytest.mark.claim("001.to-cuda-moves-to-gpu", verdict="holds")
@pytest.mark.needs_device("cuda")
def test_to_cuda_puts_the_tensor_on_the_current_cuda_device():
    """t.to('cuda') returns the tensor on the current CUDA device (cuda:0 unless another is current)."""
    moved = torch.arange(3.0).to("cuda")
    assert_equal(moved.device, torch.device("cuda", torch.cuda.current_device()), "the device after to('cuda')")
    assert_values_equal(moved.cpu(), torch.arange(3.0))


@pytest.mark.doc("torch.cuda.set_device")
@pytest.mark.needs_device("cuda")
def test_set_device_makes_that_device_current_for_cuda_without_an_index():
    """torch.cuda.set_device(i) makes cuda:i the current device: current_device() is i, and 'cuda' with no index means
    cuda:i; torch.cuda.device(i) as a context puts the previous one back."""
    if torch.cuda.device_count() < 2:
        pytest.skip("set_device is told apart from doing nothing only with two CUDA devices; one is present")
    last = torch.cuda.device_count() - 1
    previous = torch.cuda.current_device()
    try:
        torch.cuda.set_device(last)
        assert_equal(torch.cuda.current_device(), last, "current_device() after set_device")
        assert_equal(torch.zeros(1, device="cuda").device, torch.device("cuda", last), "where 'cuda' puts a tensor")
        with torch.cuda.device(previous):
            assert_equal(torch.cuda.current_device(), previous, "current_device() inside torch.cuda.device")
        assert_equal(torch.cuda.current_device(), last, "current_device() after the context")
    finally:
        torch.cuda.set_device(previous)


@pytest.mark.doc("notes/cuda")
@pytest.mark.claim("003.gpu-tensors-only-with-gpu-tensors", verdict="holds")
@pytest.mark.needs_device("accelerator")
def test_accelerator_and_cpu_tensors_do_not_mix(accelerator):
    """An accelerator tensor and a CPU tensor with dimensions cannot be combined: 'Expected all tensors to be on the same device'."""
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        torch.ones(2, device=accelerator) + torch.ones(2)


@pytest.mark.doc("notes/cuda")
@pytest.mark.needs_device("accelerator")
def test_a_zero_dim_cpu_tensor_mixes_with_an_accelerator_tensor(accelerator):
    """The one exception: a 0-d CPU tensor combines with an accelerator tensor, and the result is on the accelerator."""
    result = torch.ones(2, device=accelerator) + torch.tensor(1.0)
    assert_equal(result.device.type, accelerator.type, "the result's device type")
    assert_values_equal(result, torch.full((2,), 2.0, device=accelerator))


@pytest.mark.doc("torch.Tensor.numpy")
@pytest.mark.claim("003.gpu-to-numpy-via-cpu", verdict="holds")
@pytest.mark.needs_device("accelerator")
def test_numpy_of_an_accelerator_tensor_needs_a_move_to_the_cpu_first(accelerator):
    """Tensor.numpy() of an accelerator tensor raises and points to .cpu(); t.cpu().numpy() works."""
    tensor = torch.arange(3.0, device=accelerator)
    where = re.escape(str(tensor.device))
    with pytest.raises(TypeError, match=rf"can't convert {where} device type tensor to numpy.*Tensor\.cpu\(\)"):
        tensor.numpy()
    assert_values_equal(tensor.cpu().numpy(), torch.arange(3.0))


@pytest.mark.doc("torch.Tensor.type")
@pytest.mark.claim("003.cuda-float-tensor-type", verdict="holds")
@pytest.mark.needs_device("cuda")
def test_type_of_a_cuda_float_tensor_is_torch_cuda_float_tensor():
    """A float32 tensor on a CUDA device reports type() 'torch.cuda.FloatTensor'."""
    assert_equal(torch.zeros(1, device="cuda").type(), "torch.cuda.FloatTensor", "type() of a CUDA float32 tensor")


@pytest.mark.doc("torch.device")
@pytest.mark.claim("003.torch-device-cuda", verdict="holds")
def test_torch_device_cuda_names_the_gpu_and_the_idiom_falls_back_to_the_cpu():
    """torch.device('cuda') names the GPU (type 'cuda', no index) even without one; 'cuda' if is_available() else
    'cpu' picks a device tensors can be made on."""
    assert_equal((torch.device("cuda").type, torch.device("cuda").index), ("cuda", None), "(type, index)")
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    assert_equal(torch.zeros(1, device=device).device.type, device.type, "the type of the chosen device")
    assert_equal(device.type == "cuda", torch.cuda.is_available(), "cuda chosen exactly when it is available")
