"""The protocol-specific procedures sit in the presets that provide them, and only there."""

from __future__ import annotations

from bot.protocols import PRESET_DIR, load_protocol_file, validate_protocol_data
from tests.protocols.test_presets import PRESETS, load


def test_only_oxfordshire_offers_restorative_questions_each_from_section_4_or_appendix_a() -> None:
    oxfordshire = load("oxfordshire")
    assert len(oxfordshire.discussion_prompts) >= 5
    assert all(
        p.source.startswith(("Section 4", "Appendix A")) for p in oxfordshire.discussion_prompts
    )
    assert any("Tell me what got in the way of" in p.text for p in oxfordshire.discussion_prompts)
    assert [k for k in PRESETS if load(k).discussion_prompts] == ["oxfordshire"]


def test_only_portsmouth_provides_a_reflective_meeting_and_only_sussex_a_pattern_alert() -> None:
    assert [k for k in PRESETS if load(k).reflective_meeting] == ["portsmouth"]
    assert "At any stage a reflective practice meeting" in (
        load("portsmouth").reflective_meeting.source  # type: ignore[union-attr]
    )
    assert [k for k in PRESETS if load(k).pattern_alert] == ["sussex"]
    rule = load("sussex").pattern_alert
    assert rule is not None and rule.count == 3 and rule.within.text == "90 days"
    assert rule.source.startswith("Stage 5")


def test_the_conference_dissent_asks_for_the_conference_dissenter_and_reason() -> None:
    dissent = load("oxfordshire").category("cp-conference-dissent")
    assert dissent is not None and dissent.counterpart is not None
    assert [a.key for a in dissent.asks] == [
        "conference_date",
        "dissenting_agency",
        "dissenting_professional",
        "dissent_reason",
    ]
    assert all(a.source.startswith("Section 6.2") for a in dissent.asks)
    assert load("oxfordshire").category("cp-conference-need").asks == []  # type: ignore[union-attr]


def test_an_ask_used_twice_in_a_category_is_named() -> None:
    data = load_protocol_file(PRESET_DIR / "oxfordshire.yaml").model_dump(mode="json")
    dissent = next(c for c in data["categories"] if c["key"] == "cp-conference-dissent")
    dissent["asks"].append(dissent["asks"][0])
    _, errors = validate_protocol_data(data)
    assert any("asks: 'conference_date' is used twice" in e for e in errors)
