"""Citations of PyTorch's documentation by documented name, turned into URLs in this one place.

A spec cites what it verifies with ``@pytest.mark.doc(...)``:

``doc("torch.load")``, ``doc("torch.nn.Module.register_forward_hook")``
    an API, by the name the documentation gives it;
``doc("notes/serialization", "weights-only")``, ``doc("tensor_view")``
    a page of the documentation, and optionally a section's anchor.

torchvision's APIs are cited the same way, by their documented name
(``doc("torchvision.transforms.ToTensor")``): its documentation has a page of
its own per API and its own release numbers, so its citations point at its
stable documentation.

``url(citation, version)`` knows where docs.pytorch.org puts each: most APIs
have a page of their own under ``generated/``; the members of ``nn`` classes,
schedulers and ``torch.Generator`` are sections of their class's page; some
namespaces are documented on one page (``torch.utils.data`` on ``data.html``).
A spec gated to older releases cites the documentation of the newest release
its gate admits (``/docs/2.5/``), which describes the behaviour it asserts;
every other spec cites ``/docs/stable/``.
"""

from __future__ import annotations

import importlib

from torchspecs.versions import VersionRange, previous_minor_release

__all__ = [
    "BASE",
    "PAGES",
    "VISION_BASE",
    "Citation",
    "CitationError",
    "docs_version",
    "exists",
    "parse_citation",
    "resolve",
    "url",
]

BASE = "https://docs.pytorch.org/docs"
# torchvision's documentation, versioned by torchvision's own releases.
VISION_BASE = "https://docs.pytorch.org/vision"

# The documentation pages specs cite as pages (not as an API).  A citation of any other page is a typo.
PAGES = frozenset(
    {
        "accelerator",
        "amp",
        "autograd",
        "checkpoint",
        "cuda",
        "data",
        "deterministic",
        "meta",
        "multiprocessing",
        "nn",
        "nn.functional",
        "nn.init",
        "notes/amp_examples",
        "notes/autograd",
        "notes/broadcasting",
        "notes/cuda",
        "notes/faq",
        "notes/modules",
        "notes/multiprocessing",
        "notes/numerical_accuracy",
        "notes/randomness",
        "notes/serialization",
        "optim",
        "random",
        "size",
        "tensor_attributes",
        "tensor_view",
        "tensors",
        "torch",
        "type_info",
    }
)

# Namespaces documented on one page, each name a section of it.
NAMESPACE_PAGES = {
    "torch.utils.data.": "data",
    "torch.nn.init.": "nn.init",
    "torch.random.": "random",
    "torch.utils.checkpoint.": "checkpoint",
    "torch.utils.deterministic.": "deterministic",
    "torch.serialization.": "notes/serialization",
    "torch.multiprocessing.": "multiprocessing",
}
# Single names documented as a section of a page.
NAME_PAGES = {
    "torch.Tensor": "tensors",
    "torch.Tensor.__init__": "tensors",
    "torch.device": "tensor_attributes",
    "torch.dtype": "tensor_attributes",
    "torch.layout": "tensor_attributes",
    "torch.memory_format": "tensor_attributes",
    "torch.finfo": "type_info",
    "torch.iinfo": "type_info",
    "torch.Size": "size",
    "torch.autocast": "amp",
    "torch.cpu.amp.autocast": "amp",
}
# Classes whose members each have a page of their own; members of any other class are sections of its page.
OWN_PAGE_MEMBERS = ("torch.Tensor", "torch.optim.Optimizer")


class CitationError(ValueError):
    """A citation that names neither a torch API nor a known documentation page."""


class Citation(tuple):
    """``(name, section)``: an API name or a page, and the page's section anchor or ''."""

    __slots__ = ()

    def __new__(cls, name: str, section: str = ""):
        return super().__new__(cls, (name, section))

    @property
    def name(self) -> str:
        return self[0]

    @property
    def section(self) -> str:
        return self[1]

    @property
    def is_api(self) -> bool:
        return self.name in ("torch", "torchvision") or self.name.startswith(("torch.", "torchvision."))

    def __str__(self) -> str:
        return f"{self.name}#{self.section}" if self.section else self.name


def parse_citation(*args: str) -> Citation:
    """A doc marker's arguments as a citation; an unknown page is an error."""
    citation = Citation(*args)
    if citation.is_api:
        if citation.section:
            raise CitationError(f"{citation.name!r} is an API: cite it without a section")
        return citation
    if citation.name.endswith(".html") or "://" in citation.name:
        raise CitationError(f"{citation.name!r}: cite a page by its path without .html, e.g. 'notes/serialization'")
    if citation.name not in PAGES:
        raise CitationError(
            f"{citation.name!r} is neither an API ('torch....') nor a known documentation page "
            f"(torchspecs.docs.PAGES: {', '.join(sorted(PAGES))})"
        )
    return citation


def docs_version(gates: list[VersionRange]) -> str:
    """The documentation a spec's gates call for: the newest release they admit, or ``stable`` if they admit today's."""
    bounds = [gate.upper_bound() for gate in gates]
    bounded = [bound for bound in bounds if bound is not None]
    if not bounded:
        return "stable"
    return previous_minor_release(min(bounded)) or "stable"


def _api_page(name: str) -> tuple[str, str]:
    """The page documenting an API, and the section anchor on it ('' for a page of its own)."""
    if name in NAME_PAGES:
        return NAME_PAGES[name], name
    for prefix, page in NAMESPACE_PAGES.items():
        if name.startswith(prefix):
            return page, name
    parent, _, member = name.rpartition(".")
    if member[:1].islower() and parent.rpartition(".")[2][:1].isupper() and parent not in OWN_PAGE_MEMBERS:
        return f"generated/{parent}", name
    return f"generated/{name}", ""


def url(citation: Citation, version: str = "stable") -> str:
    """The URL of a citation in the documentation of ``version`` ('stable' or a release such as '2.5')."""
    if citation.name.startswith("torchvision."):
        return f"{VISION_BASE}/stable/generated/{citation.name}.html"
    page, section = _api_page(citation.name) if citation.is_api else (citation.name, citation.section)
    return f"{BASE}/{version}/{page}.html" + (f"#{section}" if section else "")


def resolve(name: str) -> object:
    """What an API name stands for in the installed torch, importing submodules on the way; LookupError if nothing."""
    module_name, *attributes = name.split(".")
    try:
        target = importlib.import_module(module_name)
        for index, attribute in enumerate(attributes):
            try:
                target = getattr(target, attribute)
            except AttributeError:
                target = importlib.import_module(".".join([module_name, *attributes[: index + 1]]))
    except (ImportError, AttributeError) as error:
        raise LookupError(f"{name!r} is not in the installed torch") from error
    return target


def exists(name: str) -> bool:
    """Whether an API name resolves in the installed torch (as a module, or an attribute of one)."""
    try:
        resolve(name)
    except LookupError:
        return False
    return True
