"""The pytest plugin, seen from a user's run: options, metadata checks, gates, isolation and the header."""

import textwrap

import pytest
import torch

from torchspecs import report
from torchspecs.versions import torch_version

DOC = "tensors"
STABLE = "https://docs.pytorch.org/docs/stable"


def write_spec(pytester, body, name="test_example.py"):
    path = pytester.path / "specs" / name
    path.write_text("import pytest\nimport torch\n\n" + textwrap.dedent(body))
    return path


def assert_usage_error(pytester, *args, lines):
    """The run stops before any test with a usage error whose message has these lines."""
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(lines)


def test_misspelled_device_is_a_usage_error(project):
    assert_usage_error(project, "--device=cdua", lines=["*--device: 'cdua' is not a torch device*"])


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal of an absent CUDA device")
def test_absent_device_is_a_usage_error_not_a_skip(project):
    assert_usage_error(project, "--device=cpu,cuda", lines=["*'cuda' was asked for but is not present here*"])


def test_device_fixture_is_parametrised_over_selected_devices(project):
    write_spec(
        project,
        f'''
        @pytest.mark.doc("{DOC}")
        def test_on_device(device):
            """Tensors can be made on the device."""
            assert torch.zeros(1, device=device).device.type == device.type
        ''',
    )
    result = project.runpytest("-v", "--device=cpu")
    result.stdout.fnmatch_lines(["*test_on_device?cpu? PASSED*"])


def test_spec_without_metadata_is_refused_at_collection(project):
    write_spec(project, "def test_bare():\n    pass\n")
    assert_usage_error(project, lines=["*test_bare: no rule*", "*test_bare: no @pytest.mark.doc(...)*"])


def test_tests_outside_the_spec_paths_need_no_metadata(project):
    project.makepyfile(test_helper="def test_plain():\n    pass\n")
    project.runpytest("test_helper.py").assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("marks", "message"),
    [
        ('@pytest.mark.doc("https://example.com/torch")', "cite a page by its path without .html"),
        ('@pytest.mark.doc("notes/serialisation")', "'notes/serialisation' is neither an API"),
        (
            '@pytest.mark.doc("torch.no_such_function")',
            "doc('torch.no_such_function'): no such API in the installed torch",
        ),
        ('@pytest.mark.doc("torch.load", "weights-only")', "'torch.load' is an API: cite it without a section"),
        (
            f'@pytest.mark.doc("{DOC}")\n@pytest.mark.claim("999.nothing", verdict="holds")',
            "'999.nothing' is not in torchspecs/claims.toml",
        ),
        (
            f'@pytest.mark.doc("{DOC}")\n@pytest.mark.claim("004.view-shares-memory", verdict="true")',
            "verdict='true' is not one of holds, wrong, depends-on-version",
        ),
        (f'@pytest.mark.doc("{DOC}")\n@pytest.mark.torch_version("2.5")', "'2.5' is not a version range"),
        (f'@pytest.mark.doc("{DOC}")\n@pytest.mark.torch_version(">=two")', "'>=two' is not a version range"),
        ('@pytest.mark.doc("a", "b", "c")', "@pytest.mark.doc takes 1 or 2 string argument(s)"),
        (f'@pytest.mark.doc("{DOC}")\n@pytest.mark.claim("004.view-shares-memory")', "claim needs verdict="),
        (f'@pytest.mark.doc("{DOC}")\n@pytest.mark.torch_version("<2.6 or >=2.4")', "its alternatives overlap"),
        (
            f'@pytest.mark.doc("{DOC}")\n@pytest.mark.change("no-such-change", side="after")',
            "'no-such-change' is not in the change registry",
        ),
        (
            f'@pytest.mark.doc("{DOC}")\n@pytest.mark.change("a-change", side="later")',
            "side='later' is not one of before, after",
        ),
        (f'@pytest.mark.doc("{DOC}")\n@pytest.mark.change("a-change")', "change needs side="),
        (
            f'@pytest.mark.doc("{DOC}")\n@pytest.mark.torch_version("<2.0")\n@pytest.mark.torch_version(">=2.1")',
            "its gates admit no release: >=2.1 and <2.0",
        ),
    ],
    ids=[
        "url-not-name",
        "unknown-page",
        "unknown-api",
        "api-with-section",
        "unknown-claim",
        "bad-verdict",
        "bare-version",
        "malformed-version",
        "three-args",
        "claim-without-verdict",
        "overlapping-union",
        "unknown-change",
        "unknown-side",
        "change-without-side",
        "empty-gates",
    ],
)
def test_malformed_metadata_is_a_usage_error(project, marks, message):
    write_spec(project, f'{marks}\ndef test_it():\n    """A rule."""\n')
    assert_usage_error(project, lines=[f"*{message}*"])


def test_malformed_version_range_outside_the_specs_is_a_usage_error(project):
    project.makepyfile(test_helper='import pytest\n\n@pytest.mark.torch_version("soon")\ndef test_it():\n    pass\n')
    assert_usage_error(project, "test_helper.py", lines=["*'soon' is not a version range*"])


def test_a_union_gate_runs_on_either_side_of_the_window(project):
    installed = torch_version()
    write_spec(
        project,
        f'''
        @pytest.mark.doc("{DOC}")
        @pytest.mark.torch_version("<2.0 or >={installed}")
        def test_outside_the_window():
            """Holds outside a window."""

        @pytest.mark.doc("{DOC}")
        @pytest.mark.torch_version(">=2.0,<{installed}")
        def test_inside_the_window():
            """Holds inside it."""
        ''',
    )
    result = project.runpytest("-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines([f"*asserts torch >=2.0,<{installed}; installed torch is {installed}*"])


def test_conflicting_verdicts_for_one_claim_are_refused(project):
    write_spec(
        project,
        f'''
        @pytest.mark.doc("{DOC}")
        @pytest.mark.claim("004.view-shares-memory", verdict="holds")
        def test_one():
            """One rule."""

        @pytest.mark.doc("{DOC}")
        @pytest.mark.claim("004.view-shares-memory", verdict="wrong")
        def test_two():
            """Another rule."""
        ''',
    )
    assert_usage_error(project, lines=["*'004.view-shares-memory' is given different verdicts*holds, wrong*"])


def test_version_gates_run_one_side_and_skip_the_other_with_the_reason(project):
    installed = torch_version()
    write_spec(
        project,
        f'''
        @pytest.mark.doc("{DOC}")
        @pytest.mark.torch_version(">={installed}")
        def test_new_side():
            """The new behaviour."""

        @pytest.mark.doc("{DOC}")
        @pytest.mark.torch_version("<{installed}")
        def test_old_side():
            """The old behaviour."""
        ''',
    )
    result = project.runpytest("-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines([f"*asserts torch <{installed}; installed torch is {installed}*"])


def test_needs_device_skips_with_the_reason(project):
    write_spec(
        project,
        f'''
        @pytest.mark.doc("{DOC}")
        @pytest.mark.needs_device("cuda")
        def test_cuda_only():
            """Needs CUDA."""
        ''',
    )
    result = project.runpytest("-rs", "--device=cpu")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*needs a cuda device: *"])


def test_without_accelerator_runs_only_where_there_is_none(project, monkeypatch):
    write_spec(
        project,
        f'''
        @pytest.mark.doc("{DOC}")
        @pytest.mark.without_accelerator
        def test_cpu_machine_only():
            """Runs without an accelerator."""
        ''',
    )
    monkeypatch.setattr("torchspecs.plugin.present_device_types", lambda: ["cpu"])
    project.runpytest().assert_outcomes(passed=1)
    monkeypatch.setattr("torchspecs.plugin.present_device_types", lambda: ["cpu", "cuda"])
    result = project.runpytest("-rs", "--device=cpu")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*asserts what torch does without an accelerator; present: cuda*"])


def test_without_accelerator_takes_no_arguments(project):
    write_spec(
        project,
        f'''
        @pytest.mark.doc("{DOC}")
        @pytest.mark.without_accelerator("cuda")
        def test_malformed():
            """Malformed marker."""
        ''',
    )
    assert_usage_error(project, lines=["*without_accelerator takes no arguments*"])


def test_leaked_global_state_fails_the_test_and_is_restored(project):
    project.makepyfile(
        test_leak="""
        import torch

        def test_leaks():
            torch.set_default_dtype(torch.float64)
            torch.set_grad_enabled(False)

        def test_after():
            assert torch.get_default_dtype() == torch.float32
            assert torch.is_grad_enabled()
        """
    )
    result = project.runpytest("test_leak.py")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*changed global torch state and did not restore it*",
            "*default dtype: torch.float32 before, torch.float64 after*",
        ]
    )
    assert torch.get_default_dtype() == torch.float32


def test_every_test_starts_from_the_same_seed(project):
    project.makepyfile(
        test_seed="""
        import torch
        draws = []

        def test_first():
            draws.append(torch.rand(1).item())

        def test_second():
            draws.append(torch.rand(1).item())
            assert draws[0] == draws[1]
        """
    )
    project.runpytest("test_seed.py").assert_outcomes(passed=2)


def test_report_header_names_versions_devices_and_profile(project):
    result = project.runpytest("--hypothesis-profile=thorough", "--co")
    result.stdout.fnmatch_lines(
        [f"torch: {torch.__version__}*", "devices: cpu*threads:*", "numpy: *python: *", "hypothesis profile: thorough*"]
    )


def test_metadata_reaches_junit_xml_and_the_record(project):
    write_spec(
        project,
        f'''
        @pytest.mark.doc("{DOC}")
        @pytest.mark.doc("torch.nn.Module.to")
        @pytest.mark.claim("004.view-shares-memory", verdict="holds")
        def test_it():
            """The rule in words."""
        ''',
    )
    project.runpytest("--junitxml=report.xml").assert_outcomes(passed=1)
    (result,) = report.record_from_junit(project.path / "report.xml")["results"]
    assert result["rule"] == "The rule in words."
    assert result["topic"] == "test_example"
    assert result["id"] == "specs/test_example.py::test_it"
    assert result["docs"] == [
        {"cite": "torch.nn.Module.to", "url": f"{STABLE}/generated/torch.nn.Module.html#torch.nn.Module.to"},
        {"cite": "tensors", "url": f"{STABLE}/tensors.html"},
    ]
    assert result["claims"] == [{"id": "004.view-shares-memory", "verdict": "holds"}]
    assert (result["changes"], result["gates"], result["skip_cause"], result["status"]) == ([], [], "", "passed")


def test_torch_and_numpy_dtypes_are_named_in_spec_ids(project):
    write_spec(
        project,
        f'''
        import numpy as np

        @pytest.mark.doc("{DOC}")
        @pytest.mark.parametrize("dtype", [torch.float32, np.bool_, np.dtype("int16")])
        def test_dtype(dtype):
            """Any dtype."""
        ''',
    )
    result = project.runpytest("--co", "-q")
    result.stdout.fnmatch_lines(["*test_dtype[[]float32[]]", "*test_dtype[[]bool[]]", "*test_dtype[[]int16[]]"])
