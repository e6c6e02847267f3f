"""What torch.load(weights_only=True) accepts: the default allow-list, classes allowed by the user, and its checks."""

import contextlib
import io
import pickle
import warnings

import pytest
import torch

from torchspecs.assertions import assert_equal, assert_values_equal

# Not symmetric, so a sparse tensor loaded transposed shows.
SPARSE_SOURCE = torch.tensor([[0.0, 2.0, 0.0], [-1.0, 0.0, 3.0]])


class Point:
    """A plain class of the user's: not on weights_only's default allow-list."""

    def __init__(self, x):
        self.x = x


class TaggedDict(dict):
    """A dict subclass of the user's."""


def _saved(obj) -> io.BytesIO:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    buffer.seek(0)
    return buffer


@contextlib.contextmanager
def _allowed_for_good(*classes):
    """add_safe_globals(classes), then the allow-list put back as it was: it is process-wide state."""
    before = torch.serialization.get_safe_globals()
    torch.serialization.add_safe_globals(list(classes))
    try:
        yield
    finally:
        torch.serialization.clear_safe_globals()
        torch.serialization.add_safe_globals(before)


def _refused(obj) -> pickle.UnpicklingError:
    with pytest.raises(pickle.UnpicklingError) as refused:
        torch.load(_saved(obj), weights_only=True)
    return refused.value


@pytest.mark.doc("torch.serialization.add_safe_globals")
@pytest.mark.change("add-safe-globals", side="after")
def test_add_safe_globals_allows_a_class_for_every_later_load():
    """torch.serialization.add_safe_globals([cls]) lets weights_only loading rebuild instances of cls until cleared."""
    payload = _saved({"p": Point(3)})
    # A later call adds to the allow-list: Point stays allowed after TaggedDict is.
    with _allowed_for_good(Point), _allowed_for_good(TaggedDict):
        loaded = torch.load(payload, weights_only=True)
    assert_equal((type(loaded["p"]), loaded["p"].x), (Point, 3), "the loaded object's type and attribute")


@pytest.mark.doc("torch.serialization.add_safe_globals")
@pytest.mark.change("add-safe-globals", side="before")
def test_serialization_has_no_add_safe_globals():
    """torch.serialization has no add_safe_globals: weights_only loading cannot be taught a class of the user's."""
    assert_equal(hasattr(torch.serialization, "add_safe_globals"), False, "hasattr(torch.serialization, ...)")


@pytest.mark.doc("notes/serialization", "weights-only")
@pytest.mark.change("weights-only-allows-devices", side="after")
def test_weights_only_loads_a_device():
    """torch.load(weights_only=True) rebuilds a torch.device saved in a checkpoint, its index included."""
    devices = {"plain": torch.device("cpu"), "indexed": torch.device("cuda", 1)}
    assert_equal(torch.load(_saved(devices), weights_only=True), devices, "the loaded devices")


@pytest.mark.doc("notes/serialization", "weights-only")
@pytest.mark.change("weights-only-allows-devices", side="before")
def test_weights_only_refuses_a_device():
    """torch.load(weights_only=True) refuses a checkpoint holding a torch.device: the class is not on its allow-list."""
    assert_equal("torch.device" in str(_refused({"device": torch.device("cpu")})), True, "the error names torch.device")


@pytest.mark.doc("notes/serialization", "weights-only")
@pytest.mark.change("weights-only-allows-bytes", side="after")
def test_weights_only_loads_bytes():
    """torch.load(weights_only=True) rebuilds bytes objects, which pickle protocol 2 stores through _codecs.encode."""
    assert_equal(torch.load(_saved({"b": b"\x00ab"}), weights_only=True), {"b": b"\x00ab"}, "the loaded dict")


@pytest.mark.doc("notes/serialization", "weights-only")
@pytest.mark.change("weights-only-allows-bytes", side="before")
def test_weights_only_refuses_bytes():
    """torch.load(weights_only=True) refuses a checkpoint holding bytes: _codecs.encode is not on its allow-list."""
    assert_equal("_codecs.encode" in str(_refused({"b": b"\x00ab"})), True, "the error names _codecs.encode")


@pytest.mark.doc("notes/serialization", "weights-only")
@pytest.mark.change("weights-only-allows-sets-and-complex", side="after")
def test_weights_only_loads_sets_and_complex_numbers():
    """torch.load(weights_only=True) rebuilds Python sets and complex numbers."""
    loaded = torch.load(_saved({"s": {1, 2}, "c": 1 + 2j}), weights_only=True)
    assert_equal(loaded, {"s": {1, 2}, "c": 1 + 2j}, "the loaded dict")


@pytest.mark.doc("notes/serialization", "weights-only")
@pytest.mark.change("weights-only-allows-sets-and-complex", side="before")
def test_weights_only_refuses_sets():
    """torch.load(weights_only=True) refuses a checkpoint holding a Python set: set is not on its allow-list."""
    assert_equal(".set" in str(_refused({"s": {1, 2}})), True, "the error names builtins.set (__builtin__.set)")


@pytest.mark.doc("torch.serialization.add_safe_globals")
@pytest.mark.change("add-safe-globals", side="after")
@pytest.mark.change("weights-only-setitem-only-plain-dicts", side="before")
def test_weights_only_fills_an_allowed_dict_subclass():
    """An allowed dict subclass loads under weights_only=True with its items."""
    with _allowed_for_good(TaggedDict):
        loaded = torch.load(_saved(TaggedDict(w=torch.ones(2))), weights_only=True)
    assert_equal(type(loaded), TaggedDict, "the loaded type")
    assert_values_equal(loaded["w"], torch.ones(2))


@pytest.mark.doc("torch.serialization.add_safe_globals")
@pytest.mark.change("add-safe-globals", side="after")
@pytest.mark.change("weights-only-setitem-only-plain-dicts", side="after")
def test_weights_only_sets_items_only_in_plain_dicts():
    """Under weights_only=True, items may be set only in a dict, OrderedDict or Counter: an allowed dict subclass is refused."""
    with _allowed_for_good(TaggedDict), pytest.raises(pickle.UnpicklingError, match="Can only SETITEM for dict"):
        torch.load(_saved(TaggedDict(w=torch.ones(2))), weights_only=True)


@pytest.mark.doc("notes/serialization", "weights-only")
@pytest.mark.change("weights-only-validates-sparse-tensors", side="after")
def test_weights_only_validates_sparse_tensors_and_says_so():
    """torch.load(weights_only=True) of a sparse tensor checks its invariants, warning that the scan may be slow."""
    with pytest.warns(UserWarning, match="Validating sparse tensor invariants because weights_only=True"):
        loaded = torch.load(_saved({"s": SPARSE_SOURCE.to_sparse()}), weights_only=True)
    assert_values_equal(loaded["s"].to_dense(), SPARSE_SOURCE)


@pytest.mark.doc("notes/serialization", "weights-only")
@pytest.mark.change("weights-only-validates-sparse-tensors", side="before")
@pytest.mark.filterwarnings("error:Validating sparse tensor invariants:UserWarning")
def test_weights_only_loads_sparse_tensors_without_a_warning():
    """torch.load(weights_only=True) of a sparse tensor gives no warning about validating it."""
    loaded = torch.load(_saved({"s": SPARSE_SOURCE.to_sparse()}), weights_only=True)
    assert_values_equal(loaded["s"].to_dense(), SPARSE_SOURCE)


@contextlib.contextmanager
def _every_warning_shown():
    """torch.set_warn_always(True), so a warning torch gives once per process shows every time; then put back."""
    before = torch.is_warn_always_enabled()
    torch.set_warn_always(True)
    try:
        yield
    finally:
        torch.set_warn_always(before)


def _invariant_check_warnings(weights_only: bool) -> list[str]:
    """The UserWarnings about sparse invariant checks that loading a saved sparse tensor gives."""
    with _every_warning_shown(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = torch.load(_saved({"s": SPARSE_SOURCE.to_sparse()}), weights_only=weights_only)
    assert_values_equal(loaded["s"].to_dense(), SPARSE_SOURCE)
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    return [message[:47] for message in messages if message.startswith("Sparse invariant checks")]


@pytest.mark.doc("torch.sparse.check_sparse_tensor_invariants")
@pytest.mark.change("sparse-load-implicit-invariant-checks-warning", side="after")
def test_loading_a_sparse_tensor_warns_that_invariant_checks_are_implicitly_disabled():
    """torch.load of a sparse tensor, weights_only or not, warns UserWarning that invariant checks are off."""
    for weights_only in (False, True):
        assert_equal(
            _invariant_check_warnings(weights_only),
            ["Sparse invariant checks are implicitly disabled"],
            f"the invariant check warnings of a load with weights_only={weights_only}",
        )


@pytest.mark.doc("torch.sparse.check_sparse_tensor_invariants")
@pytest.mark.change("sparse-load-implicit-invariant-checks-warning", side="before")
def test_loading_a_sparse_tensor_says_nothing_of_invariant_checks_being_off():
    """torch.load of a sparse tensor, weights_only or not, gives no warning that invariant checks are disabled."""
    for weights_only in (False, True):
        assert_equal(
            _invariant_check_warnings(weights_only),
            [],
            f"the invariant check warnings with weights_only={weights_only}",
        )


@pytest.mark.doc("torch.load")
@pytest.mark.change("load-pickle-load-args-weights-only-warning", side="after")
def test_pickle_load_args_beside_weights_only_warn_that_they_need_weights_only_false():
    """torch.load(weights_only=True, encoding=...) warns UserWarning that pickle_load_args need weights_only=False."""
    with pytest.warns(UserWarning, match=r"pickle_load_args only works if `weights_only=False`"):
        loaded = torch.load(_saved({"t": torch.tensor([1.0, -2.0])}), weights_only=True, encoding="latin1")
    assert_values_equal(loaded["t"], torch.tensor([1.0, -2.0]))


@pytest.mark.doc("torch.load")
@pytest.mark.change("load-pickle-load-args-weights-only-warning", side="before")
@pytest.mark.filterwarnings("error:pickle_load_args:UserWarning")
def test_pickle_load_args_beside_weights_only_are_accepted_silently():
    """torch.load(weights_only=True, encoding=...) takes the extra unpickler argument without a warning."""
    loaded = torch.load(_saved({"t": torch.tensor([1.0, -2.0])}), weights_only=True, encoding="latin1")
    assert_values_equal(loaded["t"], torch.tensor([1.0, -2.0]))


def _nested_components() -> list:
    return [torch.tensor([1.0, -2.0]), torch.tensor([3.0, -4.0, 5.0])]


def _saved_nested_tensor() -> io.BytesIO:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # nested tensors warn that their API is a prototype
        return _saved(torch.nested.nested_tensor(_nested_components()))


@pytest.mark.doc("notes/serialization", "weights-only")
@pytest.mark.torch_version(">=2.2")
@pytest.mark.change("weights-only-refuses-nested-tensors", side="before")
def test_weights_only_loads_a_nested_tensor():
    """torch.load(weights_only=True) loads a (strided) nested tensor, each component with its own length."""
    loaded = torch.load(_saved_nested_tensor(), weights_only=True)
    assert_equal(loaded.is_nested, True, "is_nested of what was loaded")
    for component, expected in zip(loaded.unbind(), _nested_components(), strict=True):
        assert_values_equal(component, expected)


@pytest.mark.doc("notes/serialization", "weights-only")
@pytest.mark.change("weights-only-refuses-nested-tensors", side="after")
def test_weights_only_refuses_a_nested_tensor():
    """torch.load(weights_only=True) refuses a nested tensor: its rebuild function is not on the default allow-list."""
    with pytest.raises(
        pickle.UnpicklingError, match=r"Unsupported global: GLOBAL torch\._utils\._rebuild_nested_tensor"
    ):
        torch.load(_saved_nested_tensor(), weights_only=True)
