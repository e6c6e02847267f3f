"""The API survey of the installed torch, and the surface diff of consecutive surveys with its assessment."""

import json
from pathlib import Path

import pytest

from torchspecs import report, survey
from torchspecs.changes import load_changes
from torchspecs.surface import Difference, SurfaceError, assess, diff, load_triage, pairs

# The golden inputs the report tests use: three small surveys and a one-change registry.
GOLDEN = Path(__file__).parent / "test_report"


@pytest.fixture(scope="module")
def surveyed():
    return survey.survey()


def test_the_survey_records_kinds_signatures_and_bases(surveyed):
    api = surveyed["api"]
    assert "weights_only=None" in api["torch.load"]["signature"]
    assert api["torch.nn.Linear"]["bases"] == ["torch.nn.Module"]
    assert api["torch.nn.Linear"]["signature"][:2] == ["in_features", "out_features"]
    assert api["torch.Tensor.view"]["kind"] == "function"
    assert api["torch.nn.functional"]["kind"] == "module"
    assert api["torch.float32"] == {"kind": "value", "type": "dtype"}


def test_a_class_surveyed_member_by_member_leaves_inherited_members_to_its_base(surveyed):
    assert "torch.nn.Parameter.view" not in surveyed["api"]
    assert "torch.Tensor.view" in surveyed["api"]


def test_signatures_carry_no_memory_addresses_or_paths(surveyed):
    text = json.dumps(surveyed)
    assert " at 0x" not in text
    assert "site-packages" not in text


def test_the_command_writes_a_survey_that_loads_back(tmp_path):
    out = tmp_path / "surface" / "torch.json"
    assert survey.main(["--out", str(out)]) == 0
    loaded = survey.load_survey(out)
    assert loaded["torch"]
    assert len(loaded["api"]) > 1000
    assert out.read_text(encoding="utf-8").count("\n") > 1000, "one API name a line"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{nope", "not a readable JSON survey"),
        ('{"format": 9, "torch": "2.6.0", "api": {}}', "not a torchspecs API survey"),
        ('{"format": 1, "torch": "2.6.0"}', "needs a torch version and an api object"),
        ('{"format": 1, "torch": "2.6.0", "api": {"torch.x": {}}}', "entries without a kind: torch.x"),
    ],
)
def test_a_broken_survey_is_refused(tmp_path, text, message):
    (tmp_path / "s.json").write_text(text, encoding="utf-8")
    with pytest.raises(survey.SurveyError, match=message):
        survey.load_survey(tmp_path / "s.json")


def test_a_broken_survey_stops_the_report_build_before_anything_is_written(tmp_path, capsys):
    records = tmp_path / "records"
    assert report.main(["record", str(GOLDEN / "junit-2.0.1-cpu.xml"), "--out-dir", str(records)]) == 0
    broken = tmp_path / "broken.json"
    broken.write_text("{nope", encoding="utf-8")
    out = tmp_path / "out"
    arguments = ["build", *map(str, records.glob("*.json")), "--out-dir", str(out), "--specs", str(GOLDEN)]
    assert report.main([*arguments, "--surveys", str(GOLDEN / "survey-2.1.2.json"), str(broken)]) == 2
    assert "not a readable JSON survey" in capsys.readouterr().err
    assert not out.exists()


# The diff


def _survey(torch, **api):
    return {"format": 1, "torch": torch, "api": api}


@pytest.mark.parametrize(
    ("old", "new", "detail"),
    [
        (["a", "b=1"], ["a", "b=1", "c=None"], "+c"),
        (["a", "b=1", "c=None"], ["a", "b=1"], "-c"),
        (["a", "dim"], ["a", "axis"], "dim renamed axis"),
        (["a", "b=1"], ["a", "b=2"], "b=1 became b=2"),
        (["a", "*", "b=1"], ["a", "b=1"], "parameters reordered or changed kind"),
    ],
)
def test_a_signature_change_says_what_changed(old, new, detail):
    old_survey = _survey("2.0.1", f={"kind": "function", "signature": old})
    (found,) = diff(old_survey, _survey("2.1.2", f={"kind": "function", "signature": new}))
    assert (found.api, found.what) == ("f", "signature")
    assert found.detail.startswith(detail)


def test_kind_and_base_changes_are_found():
    old = _survey("2.0.1", f={"kind": "function"}, C={"kind": "class", "bases": ["A"]})
    new = _survey("2.1.2", f={"kind": "class", "bases": ["object"]}, C={"kind": "class", "bases": ["B"]})
    assert [(d.api, d.what) for d in diff(old, new)] == [("C", "bases"), ("f", "signature")]


def test_a_change_links_a_difference_only_in_its_own_release():
    registry = load_changes(GOLDEN / "changes.toml")
    difference = Difference("torch.optim.lr_scheduler.StepLR", "signature", "")
    assert assess(difference, "2.2", registry, []) == ("change", "scheduler-verbose-deprecated")
    assert assess(difference, "2.3", registry, []) == ("untriaged", "")
    assert assess(Difference(difference.api, "bases", ""), "2.2", registry, []) == ("untriaged", ""), (
        "a base-class change needs a hierarchy change"
    )


def test_a_triage_entry_that_matches_nothing_is_refused(tmp_path):
    (tmp_path / "t.toml").write_text(
        '[[triage]]\nrelease = "2.2"\napis = ["torch.never"]\nwhat = "removed"\nreason = "Gone."\n', encoding="utf-8"
    )
    surveys = [GOLDEN / "survey-2.1.2.json", GOLDEN / "survey-2.2.2.json"]
    with pytest.raises(SurfaceError, match="match no difference"):
        pairs(surveys, load_changes(GOLDEN / "changes.toml"), load_triage(tmp_path / "t.toml"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[triage]\n", "not a readable TOML file"),
        ('[[triage]]\nrelease = "2.2"\napis = ["x"]\nwhat = "renamed"\nreason = "r"\n', "is not one of removed"),
        (
            '[[triage]]\nrelease = "2.2"\napis = ["x"]\nwhat = "removed"\n',
            "needs exactly release, apis, what and reason",
        ),
        ('[[triage]]\nrelease = "soon"\napis = ["x"]\nwhat = "removed"\nreason = "r"\n', "is not a release"),
    ],
)
def test_a_malformed_triage_file_is_refused(tmp_path, text, message):
    (tmp_path / "t.toml").write_text(text, encoding="utf-8")
    with pytest.raises(SurfaceError, match=message):
        load_triage(tmp_path / "t.toml")


def test_two_surveys_of_one_release_are_refused():
    survey_path = GOLDEN / "survey-2.1.2.json"
    with pytest.raises(SurfaceError, match="two surveys of one torch release"):
        pairs([survey_path, survey_path], load_changes(GOLDEN / "changes.toml"), [])
