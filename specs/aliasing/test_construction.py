"""Making tensors from data: which constructors share the data's memory and which copy it."""

import numpy as np
import pytest
import torch

from torchspecs.assertions import (
    assert_aliased,
    assert_dtype,
    assert_independent,
    assert_is_copy_of,
    assert_is_view_of,
    assert_same_object,
    assert_shares_storage,
    assert_values_equal,
)
from torchspecs.isolation import default_dtype

COPY_CONSTRUCT_WARNING = "To copy construct from a tensor, it is recommended to use"
# Specs about what torch.tensor(tensor) returns ignore just this warning; the warning has specs of its own.
IGNORE_COPY_CONSTRUCT_WARNING = pytest.mark.filterwarnings(f"ignore:{COPY_CONSTRUCT_WARNING}:UserWarning")


@pytest.mark.doc("torch.from_numpy")
def test_from_numpy_shares_memory_both_ways():
    """from_numpy returns a tensor that shares the array's memory: writes to either show in the other."""
    array = np.arange(6.0).reshape(2, 3).T
    tensor = torch.from_numpy(array)
    assert_shares_storage(array, tensor)
    assert_values_equal(tensor, torch.tensor(array.tolist()))
    assert_aliased(array, tensor)
    assert_aliased(tensor, array)


@pytest.mark.doc("torch.Tensor.numpy")
def test_tensor_numpy_shares_memory():
    """Tensor.numpy() of a CPU tensor returns an array that shares the tensor's memory."""
    tensor = torch.arange(6.0).reshape(2, 3).t()
    assert_values_equal(tensor.numpy(), tensor)
    assert_aliased(tensor, tensor.numpy())
    assert_aliased(tensor.numpy(), tensor)


@pytest.mark.doc("torch.as_tensor")
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_as_tensor_shares_an_ndarray_of_matching_dtype(dtype):
    """as_tensor of an ndarray, with no dtype or device change, shares the array's memory."""
    array = np.arange(3, dtype=dtype)
    assert_aliased(array, torch.as_tensor(array))
    assert_aliased(array, torch.as_tensor(array, dtype=getattr(torch, np.dtype(dtype).name), device="cpu"))


@pytest.mark.doc("torch.as_tensor")
def test_as_tensor_returns_a_tensor_of_matching_dtype_itself():
    """as_tensor returns its tensor argument itself when dtype and device already match."""
    tensor = torch.arange(3.0)
    assert_same_object(torch.as_tensor(tensor), tensor, "as_tensor")
    assert_same_object(torch.as_tensor(tensor, dtype=torch.float32, device="cpu"), tensor, "as_tensor(float32, cpu)")


@pytest.mark.doc("torch.as_tensor")
def test_as_tensor_copies_when_the_dtype_changes():
    """as_tensor copies, as data.to(dtype) would, when asked for another dtype."""
    array = np.arange(3, dtype=np.float32)
    converted = torch.as_tensor(array, dtype=torch.float64)
    assert_dtype(converted, torch.float64)
    assert_is_copy_of(array, converted)


@pytest.mark.doc("torch.tensor")
@pytest.mark.claim("001.tensor-function-always-copies", verdict="holds")
@IGNORE_COPY_CONSTRUCT_WARNING
@pytest.mark.parametrize(
    "make_data",
    [lambda: np.arange(4.0), lambda: np.arange(4, dtype=np.float32), lambda: torch.arange(4.0)],
    ids=["float64-ndarray", "float32-ndarray", "tensor"],
)
def test_torch_tensor_always_copies(make_data):
    """torch.tensor copies its data, even an ndarray or tensor it could have shared."""
    data = make_data()
    assert_is_copy_of(data, torch.tensor(data))


@pytest.mark.doc("torch.tensor")
@pytest.mark.claim("001.tensor-function-keeps-int", verdict="holds")
def test_torch_tensor_keeps_python_ints_as_int64():
    """torch.tensor infers int64 from Python ints (and the default float dtype only from floats)."""
    assert_dtype(torch.tensor([1, 2, 3]), torch.int64)
    assert_dtype(torch.tensor([1.0, 2.0]), torch.float32)
    with default_dtype(torch.float64):
        assert_dtype(torch.tensor([1, 2, 3]), torch.int64)
        assert_dtype(torch.tensor([1.0, 2.0]), torch.float64)


@pytest.mark.doc("torch.tensor")
@IGNORE_COPY_CONSTRUCT_WARNING
def test_torch_tensor_detaches_a_tensor_argument():
    """torch.tensor(t) is a leaf with no autograd history, even when t requires grad."""
    source = torch.ones(2, requires_grad=True) * 2
    copy = torch.tensor(source)
    assert copy.grad_fn is None, f"expected no autograd history, got grad_fn={copy.grad_fn}"
    assert not copy.requires_grad, "expected a tensor that does not require grad"


@pytest.mark.doc("torch.tensor")
@pytest.mark.change("tensor-of-a-tensor-warning-advice", side="before")
def test_torch_tensor_of_a_tensor_warns_to_clone_then_detach():
    """torch.tensor(tensor) warns and recommends sourceTensor.clone().detach()."""
    with pytest.warns(UserWarning, match=rf"{COPY_CONSTRUCT_WARNING} sourceTensor\.clone\(\)\.detach\(\)"):
        torch.tensor(torch.arange(3.0))


@pytest.mark.doc("torch.tensor")
@pytest.mark.change("tensor-of-a-tensor-warning-advice", side="after")
def test_torch_tensor_of_a_tensor_warns_to_detach_then_clone():
    """torch.tensor(tensor) warns and recommends sourceTensor.detach().clone()."""
    with pytest.warns(UserWarning, match=rf"{COPY_CONSTRUCT_WARNING} sourceTensor\.detach\(\)\.clone\(\)"):
        torch.tensor(torch.arange(3.0))


@pytest.mark.doc("torch.Tensor.__init__")
@pytest.mark.claim("001.legacy-tensor-int-to-float", verdict="holds")
def test_legacy_constructor_turns_python_ints_into_the_default_dtype():
    """torch.Tensor([1, 2]) makes a tensor of the default float dtype, where torch.tensor keeps int64."""
    assert_dtype(torch.Tensor([1, 2]), torch.float32)
    with default_dtype(torch.float64):
        assert_dtype(torch.Tensor([1, 2]), torch.float64)


@pytest.mark.doc("torch.Tensor.__init__")
@pytest.mark.claim("001.legacy-tensor-aliases-tensor", verdict="holds")
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64])
def test_legacy_constructor_aliases_a_tensor_of_any_dtype(dtype):
    """torch.Tensor(t) returns an alias of t, keeping t's dtype (an int64 tensor stays int64)."""
    source = torch.arange(6).to(dtype).reshape(2, 3).clone()
    alias = torch.Tensor(source)
    assert_dtype(alias, dtype)
    assert_values_equal(alias, source)
    assert_is_view_of(source, alias)


@pytest.mark.doc("torch.Tensor.__init__")
@pytest.mark.claim("001.legacy-tensor-copies-list-or-ndarray", verdict="wrong")
def test_legacy_constructor_aliases_an_ndarray_of_the_default_dtype():
    """torch.Tensor(ndarray) shares the array's memory when its dtype is the default dtype (float32 by default)."""
    array = np.arange(3, dtype=np.float32)
    assert_aliased(array, torch.Tensor(array))


@pytest.mark.doc("torch.Tensor.__init__")
@pytest.mark.claim("001.legacy-tensor-copies-list-or-ndarray", verdict="wrong")
def test_legacy_constructor_aliasing_follows_the_default_dtype():
    """torch.Tensor(float64 ndarray) shares memory once float64 is the default dtype."""
    array = np.arange(3, dtype=np.float64)
    with default_dtype(torch.float64):
        assert_aliased(array, torch.Tensor(array))


@pytest.mark.doc("torch.Tensor.__init__")
@pytest.mark.parametrize("dtype", [np.float64, np.int64, np.float16])
def test_legacy_constructor_copies_an_ndarray_of_another_dtype(dtype):
    """torch.Tensor(ndarray) of a dtype other than the default converts it into a float32 copy."""
    array = np.arange(3, dtype=dtype)
    converted = torch.Tensor(array)
    assert_dtype(converted, torch.float32)
    assert_is_copy_of(array, converted)


@pytest.mark.doc("torch.Tensor.__init__")
def test_legacy_constructor_copies_a_list():
    """torch.Tensor(list) copies the list's values into new memory."""
    values = [1.0, 2.0]
    tensor = torch.Tensor(values)
    tensor[0] = 9.0
    assert values == [1.0, 2.0], f"expected the list to be untouched, got {values}"
    assert_independent(tensor, torch.Tensor(values))
