"""Asking torch which devices there are: torch.accelerator, the old has_* flags, and the default device.

torch.accelerator is specified on both kinds of machine: the specs marked
without_accelerator run where none is present, those that need an
accelerator where one is (each skips, with the reason, on the other).
"""

import pytest
import torch

from torchspecs.assertions import assert_equal
from torchspecs.devices import NO_ACCELERATOR_ERRORS

# Calls that need the accelerator's current device, looked up at call time so that a breakage reaches them.
DEVICE_CALLS = {
    "current_device_index": lambda: torch.accelerator.current_device_index(),
    "set_device_index": lambda: torch.accelerator.set_device_index(0),
    "synchronize": lambda: torch.accelerator.synchronize(),
}


def _accelerator_torch_was_built_for() -> torch.device | None:
    """The accelerator this torch was compiled for, from each backend's own is-built flag; None for a CPU-only build."""
    built = {
        "cuda": torch.backends.cuda.is_built(),
        "xpu": torch.xpu._is_compiled(),
        "mps": torch.backends.mps.is_built(),
    }
    return next((torch.device(name) for name, is_built in built.items() if is_built), None)


@pytest.mark.doc("torch.accelerator.is_available")
@pytest.mark.change("accelerator-namespace", side="after")
@pytest.mark.without_accelerator
def test_torch_accelerator_reports_no_accelerator_on_a_machine_without_one():
    """Without an accelerator, torch.accelerator.is_available() is False (whatever accelerator torch was built for)."""
    assert_equal(torch.accelerator.is_available(), False, "torch.accelerator.is_available()")


@pytest.mark.doc("torch.accelerator.device_count")
@pytest.mark.change("accelerator-namespace", side="after")
# 2.7 asks the runtime of the accelerator torch was built for, and a CUDA build's raises when there is no driver.
@pytest.mark.torch_version("<2.7 or >=2.8")
@pytest.mark.without_accelerator
def test_device_count_is_zero_without_an_accelerator():
    """Without an accelerator, torch.accelerator.device_count() is 0."""
    assert_equal(torch.accelerator.device_count(), 0, "torch.accelerator.device_count()")


@pytest.mark.doc("torch.accelerator.current_accelerator")
@pytest.mark.change("accelerator-namespace", side="after")
@pytest.mark.change("current-accelerator-is-the-built-one", side="before")
@pytest.mark.without_accelerator
def test_current_accelerator_raises_without_an_accelerator():
    """current_accelerator() is the accelerator available at run time: without one it raises RuntimeError."""
    with pytest.raises(RuntimeError, match="Cannot access accelerator device when none is available"):
        torch.accelerator.current_accelerator()


@pytest.mark.doc("torch.accelerator.current_accelerator")
@pytest.mark.change("current-accelerator-is-the-built-one", side="after")
def test_current_accelerator_is_the_one_torch_was_built_for():
    """current_accelerator() is the accelerator torch was built for, present or not (None for a CPU-only build)."""
    assert_equal(torch.accelerator.current_accelerator(), _accelerator_torch_was_built_for(), "current_accelerator()")


@pytest.mark.doc("torch.accelerator.current_device_index")
@pytest.mark.doc("torch.accelerator.set_device_index")
@pytest.mark.doc("torch.accelerator.synchronize")
@pytest.mark.change("accelerator-namespace", side="after")
@pytest.mark.without_accelerator
@pytest.mark.parametrize("call", list(DEVICE_CALLS))
def test_calls_on_the_current_device_raise_without_an_accelerator(call):
    """Without an accelerator, current_device_index(), set_device_index(0) and synchronize() raise RuntimeError."""
    with pytest.raises(RuntimeError, match=NO_ACCELERATOR_ERRORS):
        DEVICE_CALLS[call]()


@pytest.mark.doc("torch.accelerator.current_accelerator")
@pytest.mark.torch_version(">=2.6")
@pytest.mark.needs_device("accelerator")
def test_current_accelerator_is_the_accelerator_present(accelerator):
    """With an accelerator present, current_accelerator() is a torch.device of its type, with no index."""
    assert_equal(torch.accelerator.current_accelerator(), torch.device(accelerator.type), "current_accelerator()")


@pytest.mark.doc("torch.accelerator.is_available")
@pytest.mark.doc("torch.accelerator.device_count")
@pytest.mark.torch_version(">=2.6")
@pytest.mark.needs_device("accelerator")
def test_an_accelerator_present_is_available_and_counted(accelerator):
    """With an accelerator present, is_available() is True and device_count() is its backend's count (at least 1)."""
    count = torch.get_device_module(accelerator.type).device_count()
    found = (torch.accelerator.is_available(), torch.accelerator.device_count(), count >= 1)
    assert_equal(found, (True, count, True), "(is_available(), device_count(), backend count >= 1)")


@pytest.mark.doc("torch.cuda.is_available")
@pytest.mark.change("accelerator-namespace", side="before")
def test_there_is_no_torch_accelerator():
    """torch has no accelerator namespace: device-generic code asks torch.cuda (or another backend) directly."""
    assert_equal(hasattr(torch, "accelerator"), False, "hasattr(torch, 'accelerator')")


@pytest.mark.doc("torch.accelerator.current_accelerator")
@pytest.mark.change("accelerator-namespace", side="after")
@pytest.mark.change("current-accelerator-check-available", side="after")
@pytest.mark.without_accelerator
def test_current_accelerator_can_check_availability():
    """current_accelerator(check_available=True) is None without an accelerator, even where current_accelerator() names the one torch was built for."""
    assert_equal(torch.accelerator.current_accelerator(check_available=True), None, "current_accelerator(...)")


@pytest.mark.doc("torch.accelerator.current_accelerator")
@pytest.mark.change("accelerator-namespace", side="after")
@pytest.mark.change("current-accelerator-check-available", side="before")
def test_current_accelerator_takes_no_check_available():
    """current_accelerator() takes no check_available argument."""
    with pytest.raises(TypeError, match="check_available"):
        torch.accelerator.current_accelerator(check_available=True)


@pytest.mark.doc("torch.backends.cuda.is_built")
@pytest.mark.change("has-cuda-flags-deprecated", side="after")
def test_torch_has_cuda_warns_that_it_is_deprecated():
    """Reading torch.has_cuda warns UserWarning that it is deprecated in favour of torch.backends.cuda.is_built()."""
    with pytest.warns(UserWarning, match=r"'has_cuda' is deprecated, please use 'torch\.backends\.cuda\.is_built\(\)'"):
        flag = torch.has_cuda
    assert_equal(flag, torch.backends.cuda.is_built(), "torch.has_cuda")


@pytest.mark.doc("torch.backends.cuda.is_built")
@pytest.mark.change("has-cuda-flags-deprecated", side="before")
@pytest.mark.filterwarnings("error::UserWarning")
def test_torch_has_cuda_is_a_plain_flag():
    """torch.has_cuda is a plain bool attribute, read without a warning: whether torch was built with CUDA."""
    assert_equal(torch.has_cuda, torch.backends.cuda.is_built(), "torch.has_cuda")


@pytest.mark.doc("torch.get_default_device")
@pytest.mark.change("get-default-device", side="after")
def test_get_default_device_says_where_factories_put_tensors():
    """torch.get_default_device() is where factory functions put tensors: cpu unless set_default_device says otherwise."""
    assert_equal((torch.get_default_device(), torch.zeros(1).device), (torch.device("cpu"),) * 2, "default and actual")


@pytest.mark.doc("torch.set_default_device")
@pytest.mark.change("get-default-device", side="before")
def test_there_is_no_get_default_device():
    """torch has set_default_device but no get_default_device: the default is seen on a new tensor's device."""
    assert_equal(hasattr(torch, "get_default_device"), False, "hasattr(torch, 'get_default_device')")


@pytest.mark.doc("torch.get_default_device")
@pytest.mark.change("get-default-device", side="after")
@pytest.mark.change("get-default-device-follows-device-context", side="after")
def test_get_default_device_follows_a_device_context_manager():
    """Inside 'with torch.device(d)', get_default_device() is d, where factory functions then put tensors."""
    with torch.device("meta"):
        found = (torch.get_default_device(), torch.zeros(1).device)
    assert_equal(found, (torch.device("meta"), torch.device("meta")), "default and actual device inside the block")


@pytest.mark.doc("torch.get_default_device")
@pytest.mark.change("get-default-device", side="after")
@pytest.mark.change("get-default-device-follows-device-context", side="before")
def test_get_default_device_ignores_a_device_context_manager():
    """Inside 'with torch.device(d)', get_default_device() still says cpu, though factory functions put tensors on d."""
    with torch.device("meta"):
        found = (torch.get_default_device(), torch.zeros(1).device)
    assert_equal(found, (torch.device("cpu"), torch.device("meta")), "default and actual device inside the block")
