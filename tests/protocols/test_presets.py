"""The shipped presets load and say what their source protocols say."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.protocols import PRESET_DIR, ProtocolCatalog, load_protocol_file, validate_protocol_data
from models.protocol import Protocol, Stage
from models.roles import AgencyKind, Role

PRESETS = ["portsmouth", "sussex", "suffolk", "specialist-childrens-services", "oxfordshire"]


def load(key: str) -> Protocol:
    return load_protocol_file(PRESET_DIR / f"{key}.yaml")


def ladder(protocol: Protocol) -> list[tuple[str, Role, str | None]]:
    return [
        (s.key, s.role, None if s.timescale is None else s.timescale.text) for s in protocol.stages
    ]


def duty_texts(stage: Stage) -> str:
    return " ".join(d.text for d in stage.duties).lower()


@pytest.mark.parametrize("key", PRESETS)
def test_preset_loads_with_its_file_name_as_key(key: str) -> None:
    protocol = load(key)
    assert protocol.key == key
    assert protocol.urgency("standard") is not None
    assert protocol.stages[-1].timescale is None


@pytest.mark.parametrize("key", PRESETS)
def test_the_catalog_reads_each_preset_as_a_partnership_file_is_read(key: str) -> None:
    # The catalog reads the shipped presets with libyaml for speed; partnerships' own files go
    # through the pure-Python reader. Both must give the very same protocol.
    assert ProtocolCatalog().get(key) == load(key)


@pytest.mark.parametrize("key", PRESETS)
def test_everything_cites_its_source(key: str) -> None:
    protocol = load(key)
    items = [*protocol.categories, *protocol.urgencies, *protocol.record_fields, *protocol.duties]
    for stage in protocol.stages:
        items += [stage, *stage.duties, *stage.alternatives]
    assert all(item.source.strip() for item in items)


@pytest.mark.parametrize("key", PRESETS)
def test_reminders_fit_the_stage_length(key: str) -> None:
    for stage in load(key).stages:
        if stage.timescale is None:
            continue
        texts = [r.text for r in stage.reminders]
        short = stage.timescale.working_days == 1 or stage.timescale.duration == timedelta(hours=24)
        assert texts == (["50%"] if short else ["50%", "1 working day before"]), stage.key


# Portsmouth


def test_portsmouth_ladder_uses_default_timescales() -> None:
    protocol = load("portsmouth")
    assert ladder(protocol) == [
        ("practitioners", Role.PRACTITIONER, "1 working day"),
        ("line-manager", Role.LINE_MANAGER, "5 working days"),
        ("safeguarding-lead", Role.SAFEGUARDING_LEAD, "5 working days"),
        ("agency-leads", Role.DIRECTOR, "5 working days"),
        ("pscb-chair", Role.PARTNERSHIP_CHAIR, None),
    ]
    assert all(s.timescale_is_default for s in protocol.stages[:-1])
    assert any("no fixed timescales" in note for note in protocol.notes)


def test_portsmouth_line_manager_tells_other_agency_safeguarding_lead_is_next() -> None:
    stage = load("portsmouth").stages[1]
    tell = [d for d in stage.duties if "safeguarding lead" in d.text.lower()]
    assert len(tell) == 1
    assert tell[0].who == "escalator"
    assert "other agency" in tell[0].text
    assert "formal note" in duty_texts(stage)


def test_portsmouth_record_scope_and_learning() -> None:
    protocol = load("portsmouth")
    fields = {f.key for f in protocol.record_fields}
    assert {"raiser_name", "child_name", "lead_professional", "resolved", "escalated_to"} <= fields
    assert {"actions_taken", "learning", "signature"} <= fields
    notes = " ".join(protocol.notes).lower()
    assert "intra-agency" in notes
    assert "complaint" in notes
    assert "professional practice committee" in notes
    assert "six-monthly" in notes
    assert "case reference" in notes
    assert any("Professional Practice Committee" in d.text for d in protocol.duties)


# Sussex


def test_sussex_six_steps() -> None:
    protocol = load("sussex")
    assert ladder(protocol) == [
        ("professional", Role.PRACTITIONER, "5 working days"),
        ("managers", Role.LINE_MANAGER, "5 working days"),
        ("senior-managers", Role.SENIOR_MANAGER, "5 working days"),
        ("professional-leads", Role.SAFEGUARDING_LEAD, "5 working days"),
        ("independent-scrutineer", Role.PARTNERSHIP_CHAIR, "10 working days"),
        ("secretary-of-state", Role.PARTNERSHIP_CHAIR, None),
    ]


def test_sussex_escalator_states_every_timeframe() -> None:
    stages = load("sussex").stages
    for stage in stages[:-1]:
        assert stage.stated_timescale == "replaces", stage.key
        assert stage.timescale_is_default, stage.key


def test_sussex_scrutineer_and_secretary_of_state_are_referrals() -> None:
    protocol = load("sussex")
    assert [s.key for s in protocol.stages if s.referral_only] == [
        "independent-scrutineer",
        "secretary-of-state",
    ]
    final = protocol.stages[-1]
    assert "outside the partnership" in (final.guidance or "")


def test_sussex_health_routes() -> None:
    protocol = load("sussex")
    senior = protocol.stages[protocol.stage_index("senior-managers")]
    leads = protocol.stages[protocol.stage_index("professional-leads")]
    assert [(a.role, a.when_agency_kind, a.instead) for a in senior.alternatives] == [
        (Role.NAMED_SAFEGUARDING_PROFESSIONAL, [AgencyKind.HEALTH], True),
        (Role.HEAD_OF_SERVICE, [AgencyKind.CHILDRENS_SOCIAL_CARE], True),
    ]
    assert [(a.role, a.when_agency_kind, a.instead) for a in leads.alternatives] == [
        (Role.DESIGNATED_SAFEGUARDING_PROFESSIONAL, [AgencyKind.HEALTH], True)
    ]


def test_sussex_immediate_risk_may_start_later() -> None:
    urgency = load("sussex").urgency("immediate")
    assert urgency is not None
    assert urgency.latest_start_stage == "professional-leads"


# Specialist Children's Services


def test_specialist_childrens_services_ladder() -> None:
    protocol = load("specialist-childrens-services")
    assert ladder(protocol) == [
        ("professionals", Role.PRACTITIONER, "1 working day"),
        ("line-managers", Role.LINE_MANAGER, "24 hours"),
        ("second-tier", Role.SENIOR_MANAGER, "5 working days"),
        ("head-of-service", Role.HEAD_OF_SERVICE, "5 working days"),
        ("head-of-safeguarding", Role.SAFEGUARDING_LEAD, None),
    ]
    first, second = protocol.stages[0], protocol.stages[1]
    assert first.timescale.working_days == 1
    assert second.timescale.duration == timedelta(hours=24)
    assert not first.timescale_is_default
    assert not second.timescale_is_default
    assert [s.timescale_is_default for s in protocol.stages[2:4]] == [True, True]


def test_specialist_childrens_services_threshold_adviser_joins_threshold_disputes() -> None:
    protocol = load("specialist-childrens-services")
    assert protocol.category("threshold") is not None
    stage = protocol.stages[protocol.stage_index("second-tier")]
    routes = [a for a in stage.alternatives if a.role == Role.THRESHOLD_ADVISER]
    assert len(routes) == 1
    assert routes[0].when_category == ["threshold"]
    assert routes[0].instead is False


def test_specialist_childrens_services_final_stage_and_board_chair() -> None:
    protocol = load("specialist-childrens-services")
    final = protocol.stages[-1]
    assert "multi-agency case review" in duty_texts(final)
    assert "Board Chair" in (final.guidance or "")
    assert all(s.role != Role.PARTNERSHIP_CHAIR for s in protocol.stages)


# Oxfordshire


def test_oxfordshire_ladder() -> None:
    protocol = load("oxfordshire")
    assert ladder(protocol) == [
        ("professionals", Role.PRACTITIONER, "5 working days"),
        ("line-manager", Role.LINE_MANAGER, "5 working days"),
        ("service-manager", Role.SENIOR_MANAGER, "5 working days"),
        ("head-of-service", Role.HEAD_OF_SERVICE, "5 working days"),
        ("deputy-director", "deputy_director", None),
    ]
    declared = protocol.roles[0]
    assert (declared.key, declared.above) == ("deputy_director", Role.HEAD_OF_SERVICE)
    assert "Local Authority Deputy Director for Safeguarding" in declared.source
    assert not any(s.timescale_is_default for s in protocol.stages)
    assert "Independent Chair" in (protocol.stages[-1].guidance or "")


def test_oxfordshire_step_one_consults_own_agency_and_shares_record() -> None:
    stage = load("oxfordshire").stages[0]
    assert stage.duties[0].who == "raiser"
    assert "own organisation" in stage.duties[0].text
    # Reasons confirmed in writing (Step 1b, within the step's ceiling) and the record shared
    # (Step 1d) are each tracked deadlines of their own.
    tracked = [d for d in stage.duties if d.within is not None]
    assert [d.within.text for d in tracked] == ["5 working days", "5 working days"]
    assert "in writing" in tracked[0].text and "copy of the record" in tracked[1].text
    guidance = stage.guidance or ""
    assert "24 hours" in guidance
    assert "restorative" in guidance
    assert "Tell me what got in the way" in guidance


def test_oxfordshire_written_response_at_steps_two_to_four() -> None:
    protocol = load("oxfordshire")
    for stage in protocol.stages[1:4]:
        responses = [d for d in stage.duties if d.text.startswith("Give a written response")]
        assert len(responses) == 1, stage.key
        assert responses[0].within.working_days == 5
        assert responses[0].who == "counterpart"  # the agency challenged answers in writing


def test_oxfordshire_emergency_and_conference_dissent() -> None:
    protocol = load("oxfordshire")
    emergency = protocol.urgency("emergency")
    assert emergency is not None
    assert emergency.any_hour
    # Daily joint problem-solving is a daily check-in, not a step a day.
    assert emergency.stage_timescale is None
    assert emergency.check_in_every.working_days == 1
    assert emergency.latest_start_stage == "service-manager"
    category = protocol.category("cp-conference-dissent")
    assert category is not None
    assert "6.2" in category.source


# Suffolk


def test_suffolk_ladder_and_health_route() -> None:
    protocol = load("suffolk")
    assert ladder(protocol) == [
        ("professionals", Role.PRACTITIONER, "5 working days"),
        ("first-line-managers", Role.LINE_MANAGER, "5 working days"),
        ("senior-managers", Role.SENIOR_MANAGER, "5 working days"),
        ("heads-of-service", Role.HEAD_OF_SERVICE, "5 working days"),
        ("lscb", Role.PARTNERSHIP_CHAIR, None),
    ]
    assert [s.timescale_is_default for s in protocol.stages[:4]] == [False, False, True, True]
    route = protocol.stages[1].alternatives[0]
    assert route.role == Role.DESIGNATED_SAFEGUARDING_PROFESSIONAL
    assert route.when_agency_kind == [AgencyKind.HEALTH]
    assert route.instead


def test_a_snapshot_from_before_stated_timescale_still_loads_and_only_shortens() -> None:
    document = load("sussex").model_dump(mode="json")
    for stage in document["stages"]:
        stage.pop("stated_timescale")
        stage["escalator_states_timescale"] = True
        stage["whichever_is_less"] = True
    older = Protocol.model_validate(document)
    assert all(s.stated_timescale == "shortens" for s in older.stages)


def test_a_protocol_file_is_told_where_a_routing_rule_is_wrong() -> None:
    document = load("sussex").model_dump(mode="json")
    document["stages"][1]["referred_by"] = ["partnership_chair"]
    document["scope"] = {"intra_agency": "refused", "source": "1.4"}
    _, errors = validate_protocol_data(document)
    assert errors == [
        "scope: intra_agency: refused needs where_instead, saying where to go instead"
    ]
    del document["scope"]
    _, errors = validate_protocol_data(document)
    assert errors == [
        "stages[2] (managers) referred_by: only a referral_only stage names who refers"
    ]
