"""Saving a whole module object, and what torch.load will unpickle: the weights_only default and its allowlist."""

import builtins
import io
import re

import pytest
import torch
from torch import nn

from torchspecs.assertions import assert_equal, assert_values_equal

DOCS = "https://docs.pytorch.org/docs/stable"
LOAD_DOC = f"{DOCS}/generated/torch.load.html"
WEIGHTS_ONLY_DOC = f"{DOCS}/notes/serialization.html#weights-only"
SAVE_DOC = f"{DOCS}/generated/torch.save.html"
MODULE_DOC = f"{DOCS}/generated/torch.nn.Module.html"
SENTINEL = "_torchspecs_payload_ran"
DEFAULT_WARNING = "You are using `torch.load` with `weights_only=False` (the current default value)"


class CodeRunningPayload:
    """Unpickling this runs code: it reduces to exec of a statement that sets a flag on builtins."""

    def __reduce__(self):
        return (exec, (f"import builtins; builtins.{SENTINEL} = True",))


def _saved(obj) -> io.BytesIO:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    buffer.seek(0)
    return buffer


@pytest.mark.doc(MODULE_DOC)
@pytest.mark.claim("001.model-save-method", verdict="wrong")
def test_modules_have_no_save_method():
    """nn.Module has no save() method: torch.save(model or model.state_dict(), path) is how a model is saved."""
    assert_equal(hasattr(nn.Linear(1, 1), "save"), False, "hasattr(model, 'save')")


@pytest.mark.doc(WEIGHTS_ONLY_DOC)
@pytest.mark.torch_version(">=2.6")
@pytest.mark.claim("001.load-whole-model", verdict="depends-on-version")
@pytest.mark.claim("003.torch-load-model", verdict="depends-on-version")
def test_load_refuses_a_pickled_module_by_default_from_2_6():
    """From 2.6, torch.load defaults to weights_only=True and refuses a whole pickled module ('Weights only load failed')."""
    with pytest.raises(Exception, match="Weights only load failed") as refused:
        torch.load(_saved(nn.Linear(2, 2)))
    assert_equal(type(refused.value).__name__, "UnpicklingError", "the error's type")


@pytest.mark.doc(LOAD_DOC)
@pytest.mark.torch_version("<2.6")
@pytest.mark.claim("001.load-whole-model", verdict="depends-on-version")
@pytest.mark.claim("003.torch-load-model", verdict="depends-on-version")
@pytest.mark.filterwarnings("ignore:You are using `torch.load` with `weights_only=False`:FutureWarning")
def test_load_unpickles_a_whole_module_by_default_before_2_6():
    """Before 2.6, torch.load defaults to weights_only=False and returns a pickled module, class and weights."""
    source = nn.Linear(2, 2)
    loaded = torch.load(_saved(source))
    assert_equal(type(loaded), nn.Linear, "the loaded object's type")
    assert_values_equal(loaded.weight.detach(), source.weight.detach())


@pytest.mark.doc(LOAD_DOC)
@pytest.mark.torch_version("<2.4")
@pytest.mark.filterwarnings("error:You are using `torch.load`:FutureWarning")
def test_load_without_weights_only_is_silent_about_its_default_before_2_4():
    """Before 2.4, torch.load without weights_only gives no warning about its weights_only=False default."""
    assert_equal(list(torch.load(_saved({"w": torch.ones(1)}))), ["w"], "the loaded state dict's keys")


@pytest.mark.doc(LOAD_DOC)
@pytest.mark.torch_version(">=2.4,<2.6")
def test_load_without_weights_only_warns_that_its_default_will_change_in_2_4_and_2_5():
    """In 2.4 and 2.5, torch.load without weights_only warns FutureWarning that it uses weights_only=False for now."""
    with pytest.warns(FutureWarning, match=re.escape(DEFAULT_WARNING)):
        torch.load(_saved({"w": torch.ones(1)}))


@pytest.mark.doc(WEIGHTS_ONLY_DOC)
@pytest.mark.torch_version(">=2.6")
@pytest.mark.filterwarnings("error:You are using `torch.load`:FutureWarning")
def test_load_without_weights_only_is_silent_about_its_default_from_2_6():
    """From 2.6, torch.load without weights_only loads with weights_only=True and gives no warning about it."""
    assert_equal(list(torch.load(_saved({"w": torch.ones(1)}))), ["w"], "the loaded state dict's keys")


@pytest.mark.doc(SAVE_DOC)
def test_load_with_weights_only_false_restores_the_whole_module():
    """torch.save(model) stores the module object; torch.load(..., weights_only=False) rebuilds it with its weights."""
    source = nn.Linear(2, 2)
    loaded = torch.load(_saved(source), weights_only=False)
    assert_equal(type(loaded), nn.Linear, "the loaded object's type")
    assert_values_equal(loaded.weight.detach(), source.weight.detach())


@pytest.mark.doc(WEIGHTS_ONLY_DOC)
@pytest.mark.torch_version(">=2.6")
def test_safe_globals_allows_a_module_class_under_weights_only():
    """torch.serialization.safe_globals([cls]) lets weights_only loading rebuild objects of an allowed class."""
    with torch.serialization.safe_globals([nn.Linear]):
        loaded = torch.load(_saved(nn.Linear(2, 2)))
    assert_equal(type(loaded), nn.Linear, "the loaded object's type")


@pytest.mark.doc(WEIGHTS_ONLY_DOC)
def test_weights_only_refuses_a_pickle_that_would_run_code():
    """torch.load(weights_only=True) refuses a pickle whose loading would call a function such as exec; nothing runs."""
    payload = _saved({"weight": torch.ones(1), "trap": CodeRunningPayload()})
    try:
        with pytest.raises(Exception, match="Weights only load failed"):
            torch.load(payload, weights_only=True)
        assert_equal(hasattr(builtins, SENTINEL), False, "the payload ran")
    finally:
        if hasattr(builtins, SENTINEL):
            delattr(builtins, SENTINEL)
