"""What a breakage is, and the small makers the area modules build theirs from."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import torch

from torchspecs.changes import changes
from torchspecs.versions import torch_version

Tensor = torch.Tensor


@dataclass(frozen=True)
class Breakage:
    """A monkeypatch of torch, the spec file it concerns, and the spec names it must make fail.

    A named spec that the installed torch does not run (the other side of a version gate) is checked
    on the releases that run it.
    """

    apply: Callable
    spec_file: str
    must_fail: tuple[str, ...]
    needs_device: str | None = None

    @property
    def lingers(self) -> bool:
        """Whether undoing it leaves torch changed, so that it must run in a process of its own."""
        return lingers(self.apply)


@dataclass(frozen=True)
class ChangeBreakage:
    """Puts back the other side of a registered change: whichever side the installed torch runs, its specs must fail.

    ``before`` is applied where torch runs the change's before side, and gives torch the after behaviour;
    ``after`` is applied where torch runs the after side, and gives it the before behaviour.  The specs it
    must make fail are read from the collected specs: every spec asserting the side the installed torch runs.
    """

    change: str
    before: Callable
    after: Callable
    needs_device: str | None = None

    @property
    def side(self) -> str:
        """The side of the change the installed torch runs."""
        return changes()[self.change].side_of(torch_version())

    def apply(self, monkeypatch) -> None:
        (self.after if self.side == "after" else self.before)(monkeypatch)

    @property
    def lingers(self) -> bool:
        """Whether undoing it leaves torch changed, so that it must run in a process of its own."""
        return lingers(self.before) or lingers(self.after)


# Replacing a sequence method that torch.Tensor inherits from C and then undoing it leaves CPython's sequence slot
# filled on the type: torch.tensor then reads a list of zero-dim tensors as nested sequences, and fails on their len().
# No Python code can empty the slot again, so a breakage that replaces one lingers: the falsification run applies it
# in a child process that ends with the spec.
SEQUENCE_METHODS = frozenset({"__getitem__", "__setitem__", "__delitem__"})


def lingering(apply: Callable) -> Callable:
    """Mark a breakage whose undoing leaves torch changed."""
    apply.lingers = True
    return apply


def lingers(apply: Callable) -> bool:
    return getattr(apply, "lingers", False)


def deleting(target: object, name: str) -> Callable:
    """A breakage that removes ``target.name``, as a release without it would not have it."""
    return lambda monkeypatch: monkeypatch.delattr(target, name)


def _marked(target: object, name: str, apply: Callable) -> Callable:
    """``apply``, marked as lingering where it replaces a sequence method a Tensor class inherits from C."""
    inherited = isinstance(target, type) and issubclass(target, Tensor) and name not in vars(target)
    return lingering(apply) if name in SEQUENCE_METHODS and inherited else apply


def _replace(target: object, name: str, make_replacement: Callable[[Callable], Callable]) -> Callable:
    """A breakage that swaps ``target.name`` for ``make_replacement(original)``."""
    return _marked(
        target, name, lambda monkeypatch: monkeypatch.setattr(target, name, make_replacement(getattr(target, name)))
    )


def method(name: str, make_replacement: Callable) -> Callable:
    """Break ``torch.Tensor.<name>``."""
    return _replace(Tensor, name, make_replacement)


def function(name: str, make_replacement: Callable, *, module: object = torch) -> Callable:
    """Break ``<module>.<name>`` (``torch.<name>`` unless another module is given)."""
    return _replace(module, name, make_replacement)


def setting(target: object, name: str, value: object) -> Callable:
    """A breakage that sets ``target.name`` to ``value``, adding the attribute if torch does not have it."""
    return _marked(target, name, lambda monkeypatch: monkeypatch.setattr(target, name, value, raising=False))


def module_method(name: str, make_replacement: Callable, owner: type = torch.nn.Module) -> Callable:
    """Break ``owner.<name>``: a method of nn.Module unless another class (a layer, an optimizer) is given."""
    return _replace(owner, name, make_replacement)


def combined(*breakages: Callable) -> Callable:
    """Apply several monkeypatches as one breakage."""

    def apply(monkeypatch):
        for breakage in breakages:
            breakage(monkeypatch)

    return lingering(apply) if any(map(lingers, breakages)) else apply


def copying(original):
    return lambda self, *args, **kwargs: original(self, *args, **kwargs).clone()


def returning_self(original):
    return lambda self, *args, **kwargs: self


def mapping_result(transform: Callable) -> Callable:
    """A maker whose replacement calls the original and passes its result through ``transform``."""
    return lambda original: lambda *args, **kwargs: transform(original(*args, **kwargs))


def raising(message: str, exception: type[Exception] = RuntimeError) -> Callable:
    """A maker whose replacement always raises."""

    def make(original):
        def refuse(*args, **kwargs):
            raise exception(f"broken: {message}")

        return refuse

    return make


def silenced(original):
    """A maker whose replacement calls the original with every warning suppressed."""

    def quiet(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return original(*args, **kwargs)

    return quiet


def _legacy_constructor(monkeypatch, convert: Callable) -> None:
    """Replace what torch.Tensor(data) does with ``convert(original_new, cls, data)``."""
    original_new = Tensor.__new__

    def new(cls, *args, **kwargs):
        if cls is Tensor and len(args) == 1 and not kwargs:
            return convert(original_new, cls, args[0])
        return original_new(cls, *args, **kwargs)

    monkeypatch.setattr(Tensor, "__new__", new)


def legacy(convert: Callable) -> Callable:
    """Break the legacy constructor torch.Tensor(data)."""
    return lambda monkeypatch: _legacy_constructor(monkeypatch, convert)


def legacy_keeps_python_types(original_new, cls, data):
    """torch.Tensor(list) behaving as torch.tensor(list): ints and bools keep their types."""
    return torch.tensor(data) if isinstance(data, list) else original_new(cls, data)


def deleting_inherited(cls: type, name: str) -> Callable:
    """A breakage that removes ``cls.name`` from whichever class of its MRO defines it."""

    def apply(monkeypatch):
        owner = next(klass for klass in cls.__mro__ if name in vars(klass))
        monkeypatch.delattr(owner, name)

    return apply


def refusing_keyword(keyword: str) -> Callable:
    """A maker whose replacement raises TypeError when given ``keyword``, as a release without it does."""

    def make(original):
        def refuse(*args, **kwargs):
            if keyword in kwargs:
                raise TypeError(f"broken: got an unexpected keyword argument '{keyword}'")
            return original(*args, **kwargs)

        return refuse

    return make


def dropping_keyword(keyword: str) -> Callable:
    """A maker whose replacement accepts ``keyword`` and ignores it."""

    def make(original):
        def drop(*args, **kwargs):
            kwargs.pop(keyword, None)
            return original(*args, **kwargs)

        return drop

    return make


def reraising_as(caught: type[Exception], raised: type[Exception]) -> Callable:
    """A maker whose replacement re-raises a ``caught`` error (not a subclass) as ``raised``, with its message."""

    def make(original):
        def call(*args, **kwargs):
            try:
                return original(*args, **kwargs)
            except caught as error:
                if type(error) is not caught:
                    raise
                raise raised(str(error)) from None

        return call

    return make


def rewarning_as(caught: type[Warning], raised: type[Warning]) -> Callable:
    """A maker whose replacement re-issues each ``caught`` warning (not a subclass) of the original as ``raised``."""

    def make(original):
        def call(*args, **kwargs):
            with warnings.catch_warnings(record=True) as seen:
                warnings.simplefilter("always")
                result = original(*args, **kwargs)
            for warning in seen:
                category = raised if warning.category is caught else warning.category
                warnings.warn_explicit(warning.message.args[0], category, warning.filename, warning.lineno)
            return result

        return call

    return make


def warning_first(message: str, category: type[Warning] = UserWarning) -> Callable:
    """A maker whose replacement warns ``message`` and then does what the original does, its own warnings silenced."""

    def make(original):
        def warn(*args, **kwargs):
            warnings.warn(message, category, stacklevel=2)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return original(*args, **kwargs)

        return warn

    return make
