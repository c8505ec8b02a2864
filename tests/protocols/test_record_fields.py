"""Every record field says where its value comes from, in words a protocol file can check."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot.cli import cli
from bot.protocols import PRESET_DIR, validate_protocol_data
from models.protocol import RecordFill
from models.snapshots import protocol_from_snapshot
from tests.protocols.test_presets import PRESETS, load

ASKED = {
    "portsmouth": ["lead_professional", "issue_about", "additional_comments"],
    "sussex": ["evidence", "effect_on_child"],
    "suffolk": ["written_communications"],
    "specialist-childrens-services": ["fed_back_to", "case_review_considered"],
    "oxfordshire": [
        "reasons",
        "who_to_inform",
        "copy_sent_to",
        "written_response",
        "outstanding_issues",
    ],
}


def raw(key: str) -> dict:
    return yaml.safe_load((PRESET_DIR / f"{key}.yaml").read_text())


@pytest.mark.parametrize("key", PRESETS)
def test_every_preset_record_field_names_its_fill(key: str) -> None:
    fields = raw(key)["record_fields"]
    assert fields
    assert all(field.get("fill") in set(RecordFill) for field in fields), key


@pytest.mark.parametrize("key", PRESETS)
def test_the_fields_no_dispute_holds_are_asked_at_resolution(key: str) -> None:
    protocol = load(key)
    assert [f.key for f in protocol.asked_at_resolution] == ASKED[key]
    asked = [f for f in protocol.record_fields if f.fill == RecordFill.ASKED]
    assert asked == protocol.asked_at_resolution


def test_only_portsmouth_names_the_child_and_never_as_a_value_resolve_holds() -> None:
    for key in PRESETS:
        child = [f.key for f in load(key).record_fields if f.fill == RecordFill.CHILD_IDENTIFIER]
        expected = ["child_name", "child_date_of_birth", "child_address", "child_setting"]
        assert child == (expected if key == "portsmouth" else []), key


def test_an_unknown_fill_is_named_with_its_place_and_the_words_allowed(tmp_path: Path) -> None:
    data = raw("sussex")
    data["record_fields"][1]["fill"] = "evidence_file"
    path = tmp_path / "ours.yaml"
    path.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(cli, ["protocols", "check", str(path)])
    assert result.exit_code == 1
    assert "record_fields[2] (evidence) fill: Input should be 'raiser_name', " in result.output
    assert "'child_identifier' or 'asked'" in result.output


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"fill": "asked", "ask_at": None}, "an asked field needs ask_at: resolution"),
        ({"fill": "summary", "ask_at": "resolution"}, "only a field with fill: asked takes"),
        ({"ask_at": "opening"}, "ask_at: Input should be 'resolution'"),
    ],
)
def test_when_an_asked_field_is_asked_is_checked(change: dict, message: str) -> None:
    data = raw("sussex")
    data["record_fields"][1] = {
        k: v for k, v in {**data["record_fields"][1], **change}.items() if v is not None
    }
    protocol, errors = validate_protocol_data(data)
    assert protocol is None
    assert any(e.startswith("record_fields[2] (evidence)") and message in e for e in errors), errors


def test_a_dispute_opened_before_fills_asks_for_its_record_fields_at_resolution() -> None:
    document = load("suffolk").model_dump(mode="json")
    for field in document["record_fields"]:
        for name in ("fill", "ask_at", "hint"):
            field.pop(name, None)
    protocol = protocol_from_snapshot(document)
    assert protocol.asked_at_resolution == protocol.record_fields
