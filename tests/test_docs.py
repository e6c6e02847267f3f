"""Citations by documented name: where each kind of name lives on docs.pytorch.org, and which release's docs a gate calls for."""

import pytest

from torchspecs import docs
from torchspecs.versions import parse_spec

STABLE = "https://docs.pytorch.org/docs/stable"


@pytest.mark.parametrize(
    ("citation", "url"),
    [
        (("torch.load",), f"{STABLE}/generated/torch.load.html"),
        (("torch.Tensor.view",), f"{STABLE}/generated/torch.Tensor.view.html"),
        (("torch.optim.Optimizer.zero_grad",), f"{STABLE}/generated/torch.optim.Optimizer.zero_grad.html"),
        (("torch.nn.Module.to",), f"{STABLE}/generated/torch.nn.Module.html#torch.nn.Module.to"),
        (
            ("torch.nn.Embedding.from_pretrained",),
            f"{STABLE}/generated/torch.nn.Embedding.html#torch.nn.Embedding.from_pretrained",
        ),
        (("torch.nn.functional.softmax",), f"{STABLE}/generated/torch.nn.functional.softmax.html"),
        (("torch.utils.data.DataLoader",), f"{STABLE}/data.html#torch.utils.data.DataLoader"),
        (("torch.nn.init.constant_",), f"{STABLE}/nn.init.html#torch.nn.init.constant_"),
        (("torch.serialization.safe_globals",), f"{STABLE}/notes/serialization.html#torch.serialization.safe_globals"),
        (("torch.device",), f"{STABLE}/tensor_attributes.html#torch.device"),
        (("torch.Tensor",), f"{STABLE}/tensors.html#torch.Tensor"),
        (("notes/serialization", "weights-only"), f"{STABLE}/notes/serialization.html#weights-only"),
        (("tensor_view",), f"{STABLE}/tensor_view.html"),
        (
            ("torchvision.transforms.ToTensor",),
            "https://docs.pytorch.org/vision/stable/generated/torchvision.transforms.ToTensor.html",
        ),
    ],
)
def test_a_citation_resolves_to_where_the_documentation_puts_it(citation, url):
    assert docs.url(docs.parse_citation(*citation)) == url


@pytest.mark.parametrize(
    ("gates", "version"),
    [
        ([], "stable"),
        ([">=2.6"], "stable"),
        (["<2.6"], "2.5"),
        ([">=2.4,<2.6"], "2.5"),
        (["<2.4 or >=2.6"], "stable"),
        (["<2.1"], "2.0"),
        ([">=2.2", "<2.7"], "2.6"),
        (["<3.0"], "stable"),
    ],
)
def test_a_gated_spec_cites_the_newest_release_its_gates_admit(gates, version):
    assert docs.docs_version([parse_spec(gate) for gate in gates]) == version


def test_a_versioned_citation_points_into_that_releases_docs():
    assert (
        docs.url(docs.parse_citation("torch.load"), "2.5")
        == "https://docs.pytorch.org/docs/2.5/generated/torch.load.html"
    )


@pytest.mark.parametrize(
    ("citation", "message"),
    [
        (("https://docs.pytorch.org/docs/stable/tensors.html",), "cite a page by its path"),
        (("tensors.html",), "cite a page by its path"),
        (("notes/no_such_note",), "neither an API"),
        (("torch.load", "section"), "is an API: cite it without a section"),
    ],
)
def test_a_malformed_citation_is_refused(citation, message):
    with pytest.raises(docs.CitationError, match=message):
        docs.parse_citation(*citation)


@pytest.mark.parametrize(
    ("name", "found"),
    [("torch.load", True), ("torch.nn.Module.to", True), ("torch.utils.data", True), ("torch.no_such_thing", False)],
)
def test_exists_resolves_names_in_the_installed_torch(name, found):
    assert docs.exists(name) is found
