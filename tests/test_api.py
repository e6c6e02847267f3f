"""The API report: citations name the API they document, calls are resolved through a file's imports."""

import textwrap

from torchspecs import api

DOCS = "https://docs.pytorch.org/docs/stable"
GATHER = f"{DOCS}/generated/torch.gather.html"


def test_calls_resolve_through_the_files_imports_and_unknown_names_are_dropped(tmp_path):
    (tmp_path / "topic").mkdir()
    (tmp_path / "topic" / "test_example.py").write_text(
        textwrap.dedent(
            """
            import torch
            import torch.nn.functional as F
            from torch import nn
            from torch.utils.data import DataLoader

            def test_x(x, items, model, hook):
                F.relu(x)
                nn.Linear(2, 2)
                DataLoader([1, 2])
                torch.gather(x, 0, x).unsqueeze(0)
                model.register_forward_hook(hook)
                torch.no_such_function()
                items.append(1)
            """
        )
    )
    called = api.called_api(tmp_path)
    assert set(called) == {
        "torch.nn.functional.relu",
        "torch.nn.Linear",
        "torch.utils.data.DataLoader",
        "torch.gather",
        "torch.Tensor.unsqueeze",
        "torch.nn.Module.register_forward_hook",
    }
    assert called["torch.gather"] == {"topic/test_example"}


def test_cited_api_is_read_from_the_records_doc_citations():
    gather, page = (
        {"cite": "torch.gather", "url": GATHER},
        {"cite": "notes/autograd", "url": f"{DOCS}/notes/autograd.html"},
    )
    record = {
        "results": [
            {"topic": "t/test_a", "case": "test_x[cpu]", "docs": [gather, page]},
            {"topic": "t/test_a", "case": "test_x[cuda]", "docs": [gather]},
        ]
    }
    assert api.cited_api([record]) == {"torch.gather": {"t/test_a::test_x"}}


def test_another_spelling_of_a_cited_api_counts_as_cited_and_a_method_is_not_its_function():
    cited = {"torch.nn.parameter.Parameter": {"m/test_a::test_x"}, "torch.add": {"t/test_b::test_y"}}
    merged = api.with_aliases(cited, ["torch.nn.Parameter", "torch.Tensor.add", "torch.no_such_name"])
    assert merged == {**cited, "torch.nn.Parameter": {"m/test_a::test_x"}}


def test_each_namespace_lists_its_public_api():
    found = api.namespaces()
    expected = {
        "torch functions": "torch.gather",
        "torch.Tensor methods": "torch.Tensor.reshape",
        "torch.nn.functional": "torch.nn.functional.cross_entropy",
        "torch.nn modules": "torch.nn.Linear",
        "torch.nn.Module methods": "torch.nn.Module.state_dict",
        "torch.optim optimizers": "torch.optim.SGD",
        "torch.optim.lr_scheduler": "torch.optim.lr_scheduler.StepLR",
        "torch.utils.data": "torch.utils.data.DataLoader",
    }
    for namespace, member in expected.items():
        assert member in found[namespace], f"{member} missing from {namespace}"
    assert "torch.optim.Optimizer" not in found["torch.optim optimizers"]


def test_the_report_counts_each_namespace_and_lists_each_api(tmp_path):
    (tmp_path / "test_example.py").write_text("import torch\n\ndef test_x():\n    torch.gather\n    torch.zeros(2)\n")
    record = {"results": [{"topic": "t", "case": "test_x", "docs": [{"cite": "torch.gather", "url": GATHER}]}]}
    text = api.api_markdown(tmp_path, [record])
    namespace_row = next(line for line in text.splitlines() if line.startswith("| torch functions |"))
    assert namespace_row.split(" | ")[2:5] == ["1", "1", "2"]
    assert "| `torch.gather` | `t::test_x` |  |" in text
    assert "| `torch.zeros` |  | test_example |" in text
