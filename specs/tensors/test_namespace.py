"""What the torch namespace offers: what a star import brings, keyword use of its helpers, the APIs removed from it,
and which of its lowercase names are classes."""

import inspect

import pytest
import torch

from torchspecs.assertions import assert_close, assert_equal


@pytest.mark.doc("torch.dtype")
@pytest.mark.change("star-import-brings-dtypes", side="after")
def test_a_star_import_of_torch_rebinds_float_int_and_bool():
    """'from torch import *' brings the dtypes, so float, int and bool become torch.float32, torch.int32 and torch.bool."""
    namespace = {}
    exec("from torch import *", namespace)
    found = (namespace["float"], namespace["int"], namespace["bool"])
    assert_equal(found, (torch.float32, torch.int32, torch.bool), "float, int, bool after the star import")


@pytest.mark.doc("torch.dtype")
@pytest.mark.change("star-import-brings-dtypes", side="before")
def test_a_star_import_of_torch_leaves_the_builtins_alone():
    """'from torch import *' does not bring the dtypes: float, int and bool stay Python's builtins."""
    namespace = {}
    exec("from torch import *", namespace)
    assert_equal(
        [name for name in ("float", "int", "bool", "float32") if name in namespace], [], "dtype names imported"
    )


@pytest.mark.doc("torch.is_tensor")
@pytest.mark.change("torch-helpers-positional-only", side="after")
def test_is_tensor_takes_its_argument_by_position_only():
    """torch.is_tensor(obj=x) raises TypeError: the argument is positional-only."""
    with pytest.raises(TypeError, match="positional-only arguments passed as keyword arguments: 'obj'"):
        torch.is_tensor(obj=torch.ones(1))


@pytest.mark.doc("torch.is_tensor")
@pytest.mark.change("torch-helpers-positional-only", side="before")
def test_is_tensor_takes_its_argument_by_keyword_too():
    """torch.is_tensor(obj=x) works: the argument may be passed by keyword."""
    assert_equal(torch.is_tensor(obj=torch.ones(1)), True, "torch.is_tensor(obj=torch.ones(1))")


@pytest.mark.doc("torch.Tensor.rename")
@pytest.mark.change("named-tensors-removed", side="before")
@pytest.mark.filterwarnings("ignore:Named tensors and all their associated APIs are an experimental feature")
def test_named_tensors_name_their_dimensions():
    """Factory functions take names=, and a tensor's names name its dimensions (an experimental API)."""
    named = torch.zeros(2, 3, names=("batch", "channel"))
    assert_equal((named.names, named.rename(None).names), (("batch", "channel"), (None, None)), "names")


@pytest.mark.doc("torch.Tensor.rename")
@pytest.mark.change("named-tensors-removed", side="after")
def test_named_tensors_are_gone():
    """Named tensors are removed: tensors have no names or rename, and factories take no names=."""
    assert_equal((hasattr(torch.Tensor, "names"), hasattr(torch.Tensor, "rename")), (False, False), "names, rename")
    with pytest.raises(TypeError, match="unexpected keyword argument 'names'"):
        torch.zeros(2, 3, names=("batch", "channel"))


@pytest.mark.doc("torch.qr")
@pytest.mark.change("cholesky-and-qr-removed", side="before")
@pytest.mark.filterwarnings("ignore:torch.qr is deprecated:UserWarning")
@pytest.mark.filterwarnings("ignore:torch.cholesky is deprecated:UserWarning")
def test_deprecated_qr_and_cholesky_still_compute():
    """torch.qr and torch.cholesky, deprecated since 1.9, still compute what torch.linalg.qr and cholesky do."""
    matrix = torch.tensor([[4.0, 2.0], [2.0, 3.0]])
    assert_close(torch.qr(matrix)[1].abs(), torch.linalg.qr(matrix)[1].abs())
    assert_close(torch.cholesky(matrix), torch.linalg.cholesky(matrix))


@pytest.mark.doc("torch.linalg.qr")
@pytest.mark.change("cholesky-and-qr-removed", side="after")
def test_qr_and_cholesky_are_removed_in_favour_of_linalg():
    """torch.qr and torch.cholesky raise RuntimeError that they are removed, naming torch.linalg's replacement."""
    matrix = torch.tensor([[4.0, 2.0], [2.0, 3.0]])
    with pytest.raises(RuntimeError, match="is now removed"):
        torch.qr(matrix)
    with pytest.raises(RuntimeError, match=r"torch\.linalg\.cholesky"):
        torch.cholesky(matrix)


LOWERCASE_CLASSES = ("device", "dtype", "finfo", "iinfo", "no_grad", "enable_grad", "inference_mode", "layout")


@pytest.mark.doc("torch.device")
@pytest.mark.doc("torch.no_grad")
@pytest.mark.claim("001.capitals-are-classes-lowercase-are-functions", verdict="wrong")
@pytest.mark.parametrize("name", LOWERCASE_CLASSES)
def test_lowercase_names_in_torch_can_be_classes(name):
    """torch does not follow 'capitalised means class': torch.device, dtype, finfo, no_grad and others are classes."""
    assert inspect.isclass(getattr(torch, name)), f"torch.{name} is not a class"


@pytest.mark.doc("torch.tensor")
@pytest.mark.doc("torch.Tensor")
@pytest.mark.claim("001.capitals-are-classes-lowercase-are-functions", verdict="wrong")
def test_torch_tensor_is_a_function_and_torch_capital_tensor_is_the_class():
    """torch.tensor is a function that returns an instance of the class torch.Tensor."""
    assert_equal((inspect.isclass(torch.tensor), inspect.isclass(torch.Tensor)), (False, True), "(tensor, Tensor)")
    assert isinstance(torch.tensor([1]), torch.Tensor)
