"""The change registry: its validation, the gates and skip reasons it gives specs, and what collection refuses."""

import re
import textwrap

import pytest
from packaging.version import Version

from torchspecs import report
from torchspecs.changes import ChangeRegistryError, changes, load_changes
from torchspecs.versions import torch_version

INSTALLED = torch_version()
NEXT = f"{INSTALLED.major}.{INSTALLED.minor + 1}"
THIS = f"{INSTALLED.major}.{INSTALLED.minor}"
PREVIOUS = f"{INSTALLED.major}.{INSTALLED.minor - 1}"


def entry(change_id="load-default", **fields):
    values = {
        "area": "serialization",
        "apis": ["torch.load"],
        "kind": "default-changed",
        "since": NEXT,
        "before": "Old behaviour.",
        "after": "New behaviour.",
        "evidence": ["https://github.com/pytorch/pytorch/pull/1"],
        "pinned": ["2.5.1", "2.6.0"],
        **fields,
    }
    lines = [f"[changes.{change_id}]"]
    for name, value in values.items():
        if value is not None:
            lines.append(f"{name} = {value!r}".replace("'", '"'))
    return "\n".join(lines) + "\n"


def write_registry(path, *entries):
    path.write_text("".join(entries) or "[changes]\n", encoding="utf-8")
    return path


# The registry


def test_the_bundled_registry_loads_and_names_each_side():
    registry = changes()
    assert registry
    default = registry["load-weights-only-default"]
    assert (str(default.gate("before")), str(default.gate("after"))) == ("<2.6", ">=2.6")
    assert (default.side_of("2.5.1"), default.side_of("2.6.0")) == ("before", "after")


def test_a_behaviour_taken_back_has_its_before_side_on_both_ends(tmp_path):
    change = load_changes(write_registry(tmp_path / "c.toml", entry(since="2.4", until="2.6")))["load-default"]
    assert str(change.gate("after")) == ">=2.4,<2.6"
    assert str(change.gate("before")) == "<2.4 or >=2.6"
    assert [change.side_of(v) for v in ("2.3.1", "2.4.0", "2.5.1", "2.6.0")] == ["before", "after", "after", "before"]
    assert (change.releases("before"), change.releases("after")) == ("before 2.4 and from 2.6", "2.4 to 2.5")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "changed"}, "kind 'changed' is not one of default-changed"),
        ({"area": "misc"}, "area 'misc' is not one of aliasing"),
        ({"since": "soon"}, "since 'soon' is not a release"),
        ({"since": "2.6", "until": "2.5"}, "until 2.5 is not after since 2.6"),
        ({"evidence": ["https://example.com/blog"]}, "is not an upstream link"),
        ({"evidence": []}, "evidence must be a non-empty list of strings"),
        ({"before": None}, "no before"),
        ({"pinned": ["two"]}, "pinned release 'two' is not a version"),
        ({"colour": "blue"}, "unknown field 'colour'"),
    ],
)
def test_a_malformed_entry_is_refused_with_the_reason(tmp_path, fields, message):
    with pytest.raises(ChangeRegistryError, match=message):
        load_changes(write_registry(tmp_path / "c.toml", entry(**fields)))


def test_every_problem_is_listed_at_once(tmp_path):
    path = write_registry(tmp_path / "c.toml", entry("first-change", kind="x"), entry("second-change", area="y"))
    with pytest.raises(ChangeRegistryError) as refused:
        load_changes(path)
    assert len(refused.value.problems) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[changes\n", "not a readable TOML file"),
        ("title = 'x'\n", "no [changes.<id>] tables"),
        (entry("Bad_Id"), "an id is"),
    ],
)
def test_an_unreadable_registry_is_refused(tmp_path, text, message):
    (tmp_path / "c.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ChangeRegistryError, match=re.escape(message)):
        load_changes(tmp_path / "c.toml")


# What collection does with change markers


def write_spec(project, body, name="test_example.py"):
    (project.path / "specs" / name).write_text("import pytest\nimport torch\n\n" + textwrap.dedent(body))


BOTH_SIDES = """
@pytest.mark.doc("torch.load")
@pytest.mark.change("load-default", side="before")
def test_old():
    \"\"\"The old behaviour.\"\"\"

@pytest.mark.doc("torch.load")
@pytest.mark.change("load-default", side="after")
def test_new():
    \"\"\"The new behaviour.\"\"\"
"""


def test_a_change_gates_its_sides_and_skips_the_other_with_the_reason(project):
    write_registry(project.path / "changes.toml", entry(since=NEXT))
    write_spec(project, BOTH_SIDES)
    result = project.runpytest("-rs", "--junitxml=report.xml")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines([f"*asserts the behaviour from {NEXT} (change load-default); installed torch is *"])
    results = {r["case"]: r for r in report.record_from_junit(project.path / "report.xml")["results"]}
    assert (results["test_old"]["status"], results["test_new"]["status"]) == ("passed", "other-side")
    assert results["test_new"]["skip_cause"] == "other-side"
    assert results["test_old"]["changes"] == [{"id": "load-default", "side": "before"}]
    assert results["test_old"]["gates"] == [f"<{NEXT}"]


def test_a_spec_of_older_releases_cites_their_documentation(project):
    write_registry(project.path / "changes.toml", entry(since=THIS))
    write_spec(project, BOTH_SIDES)
    project.runpytest("--junitxml=report.xml").assert_outcomes(passed=1, skipped=1)
    urls = {r["case"]: r["docs"][0]["url"] for r in report.record_from_junit(project.path / "report.xml")["results"]}
    assert urls["test_old"] == f"https://docs.pytorch.org/docs/{PREVIOUS}/generated/torch.load.html"
    assert urls["test_new"] == "https://docs.pytorch.org/docs/stable/generated/torch.load.html"


def test_a_change_without_a_spec_on_one_side_stops_a_full_collection(project):
    write_registry(project.path / "changes.toml", entry(since=NEXT))
    write_spec(project, BOTH_SIDES.split("\n\n")[0] + "\n")
    result = project.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*change 'load-default' has no spec asserting its after side (from {NEXT}: *"])


def test_a_run_of_one_file_does_not_ask_for_every_change(project):
    write_registry(project.path / "changes.toml", entry(since=NEXT), entry("other-change"))
    write_spec(project, BOTH_SIDES)
    project.runpytest("specs/test_example.py").assert_outcomes(passed=1, skipped=1)


def test_one_spec_on_both_sides_of_a_change_is_refused(project):
    write_registry(project.path / "changes.toml", entry(since=NEXT))
    write_spec(
        project,
        BOTH_SIDES.replace("def test_old", '@pytest.mark.change("load-default", side="after")\ndef test_old'),
    )
    result = project.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*test_old: change 'load-default': a spec asserts one side, not both*"])


def test_a_malformed_registry_stops_collection_with_its_problems(project):
    write_registry(project.path / "changes.toml", entry(kind="changed"), entry("second-change", since="later"))
    write_spec(project, BOTH_SIDES)
    result = project.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*malformed change registry*", "*kind 'changed' is not one of*", "*since 'later' is not a release*"]
    )


def test_the_before_side_of_an_addition_may_cite_the_api_it_lacks(project):
    added = entry("thing-added", kind="added", apis=["torch.thing_from_the_future"], since=NEXT)
    write_registry(project.path / "changes.toml", added)
    write_spec(
        project,
        BOTH_SIDES.replace("load-default", "thing-added").replace(
            'doc("torch.load")', 'doc("torch.thing_from_the_future")'
        ),
    )
    project.runpytest().assert_outcomes(passed=1, skipped=1)


def test_a_spec_that_runs_may_not_cite_an_api_torch_lacks(project):
    write_registry(project.path / "changes.toml", entry(since=NEXT))
    write_spec(project, BOTH_SIDES.replace('doc("torch.load")', 'doc("torch.thing_from_the_future")', 1))
    result = project.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*test_old: @pytest.mark.doc('torch.thing_from_the_future'): no such API*"])


def test_two_changes_on_one_spec_gate_it_to_the_releases_between_them(project):
    write_registry(
        project.path / "changes.toml",
        entry("first-change", since=PREVIOUS),
        entry("second-change", since=NEXT),
    )
    write_spec(
        project,
        """
        @pytest.mark.doc("torch.load")
        @pytest.mark.change("first-change", side="before")
        def test_first():
            \"\"\"Before both.\"\"\"

        @pytest.mark.doc("torch.load")
        @pytest.mark.change("first-change", side="after")
        @pytest.mark.change("second-change", side="before")
        def test_between():
            \"\"\"Between the two.\"\"\"

        @pytest.mark.doc("torch.load")
        @pytest.mark.change("second-change", side="after")
        def test_last():
            \"\"\"After both.\"\"\"
        """,
    )
    result = project.runpytest("-v")
    result.assert_outcomes(passed=1, skipped=2)
    result.stdout.fnmatch_lines(["*test_between PASSED*"])


def test_the_suites_changes_each_have_a_spec_on_both_sides_and_their_names_carry_no_version():
    """The spec folder itself: every registered change is asserted on both sides (collection checks it), and no spec's
    name repeats a release number."""
    import ast
    from pathlib import Path

    names = [
        node.name
        for path in (Path(__file__).parent.parent / "specs").rglob("test_*.py")
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, ast.FunctionDef)
    ]
    assert [name for name in names if any(f"_2_{minor}" in name for minor in range(30))] == []
    assert Version(NEXT) > INSTALLED


def test_a_gate_naming_a_later_release_than_the_installed_one_still_admits_a_release(project):
    """A gate such as '>=2.30' names a release the installed torch predates; it admits one, so it is no error."""
    write_spec(
        project,
        '@pytest.mark.doc("torch.load")\n@pytest.mark.torch_version(">=2.30")\ndef test_later():\n    """Later."""\n',
    )
    result = project.runpytest("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines([f"*asserts torch >=2.30; installed torch is {INSTALLED}*"])
