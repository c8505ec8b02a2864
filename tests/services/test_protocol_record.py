"""The record each protocol asks for: every record field, in the protocol's order, filled from
the dispute, from what the resolver was asked, or left for the case management system."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import FrozenClock
from bot.services.disputes import ActionInput, DisputeService
from bot.services.errors import DomainError
from bot.services.record import render_record
from bot.services.retention import erase
from bot.services.subject_access import export_person
from bot.working_days import WorkingCalendar
from models.directory import Person
from models.dispute import Dispute
from models.procedures import RecordAnswer
from models.protocol import Protocol, RecordFill
from models.snapshots import ProtocolSnapshot, keep_snapshot
from tests.conftest import london

CHILD = "CS-104233"
SUMMARY = "Referral refused as below threshold; police believe section 47 is met."
TM_AGENCY = "Northshire Children's Social Care"
CASE_SYSTEM = "_To complete in your case management system; Resolve never holds it._"
FIRST_CATEGORY = {
    "portsmouth": "referral-criteria",
    "sussex": "referral-criteria",
    "suffolk": "referral-threshold",
    "specialist-childrens-services": "threshold",
    "oxfordshire": "referral-criteria",
}


def history(
    service: DisputeService,
    session: Session,
    people: dict[str, Person],
    clock: FrozenClock,
    protocol_key: str,
    answers: dict[str, str],
) -> Dispute:
    """Opened by police against social care, one discussion approved, escalated with a stated
    timescale, then partly resolved with one action, learning and the asked fields."""
    dc, sw = people["pol_dc"], people["csc_sw"]
    clock.set(london(2026, 11, 23, 10, 0))
    dispute = service.open(
        session=session,
        protocol_key=protocol_key,
        category=FIRST_CATEGORY[protocol_key],
        raiser=dc,
        counterpart=sw,
        child_ref=CHILD,
        summary=SUMMARY,
    ).transition.dispute
    clock.set(london(2026, 11, 23, 11, 0))
    entry = service.log_discussion(
        session=session,
        dispute=dispute,
        actor=dc,
        occurred=london(2026, 11, 23, 10, 15),
        participants="DC Dc, SW Sw",
        discussion="Went through the referral together.",
        agreed="Social care will re-screen by Wednesday.",
    )
    clock.set(london(2026, 11, 23, 11, 30))
    service.approve_discussion(session=session, dispute=dispute, entry_id=entry.id, actor=sw)
    clock.set(london(2026, 11, 24, 9, 0))
    service.escalate(
        session=session,
        dispute=dispute,
        actor=dc,
        reason="No agreement on threshold",
        stated_timescale="2 working days",
    )
    clock.set(london(2026, 11, 25, 12, 0))
    service.resolve(
        session=session,
        dispute=dispute,
        actor=people["csc_tm"],
        outcome="partially_resolved",
        summary="Strategy discussion agreed.",
        actions=[ActionInput("Convene strategy discussion", "Csc Tm", date(2026, 12, 1))],
        learning="Referral form lacked the police intelligence check.",
        record_answers=answers,
    )
    session.flush()
    return dispute


def protocol_section(text: str) -> list[tuple[str, str]]:
    """The record fields section as (label, value) pairs, in the order the record shows them."""
    section = text.split(": the record this protocol asks for\n\n", 1)[1].split("\n## ", 1)[0]
    parts = re.split(r"^\*\*(.+)\*\*$", section, flags=re.MULTILINE)[1:]
    return [(label, value.strip()) for label, value in zip(parts[::2], parts[1::2], strict=True)]


def stage(protocol: Protocol, index: int) -> str:
    return f"Stage {index + 1} of {len(protocol.stages)}: {protocol.stages[index].title}"


def expected(protocol: Protocol) -> dict[RecordFill, str]:
    """What each fill shows for `history`, written out as a reader of the record sees it."""
    held = "Monday 23 November 2026 at 10:15am (GMT)"
    first, second = stage(protocol, 0), stage(protocol, 1)
    stage_two = "Pol Ls, Detective Sergeant, Northshire Police; Csc Tm, Team Manager, " + TM_AGENCY
    return {
        RecordFill.RAISER_NAME: "Pol Dc",
        RecordFill.RAISER_ROLE: "Detective Constable",
        RecordFill.RAISER_AGENCY: "Northshire Police",
        RecordFill.SUMMARY: f"> {SUMMARY}",
        RecordFill.DISCUSSIONS: (
            f"Held {held}, at {first}. Who took part: DC Dc, SW Sw. Record approved by Csc Sw "
            "on Monday 23 November 2026 at 11:30am (GMT).\n\n"
            "What was said:\n\n> Went through the referral together.\n\n"
            "What was agreed:\n\n> Social care will re-screen by Wednesday."
        ),
        RecordFill.DISCUSSION_DATES: f"- {held}",
        RecordFill.PARTICIPANTS: f"- {held}: DC Dc, SW Sw",
        RecordFill.AGREEMENTS: f"- {held}: Social care will re-screen by Wednesday.",
        RecordFill.APPROVALS: (
            f"- Discussion held {held}: approved by Csc Sw on Monday 23 November 2026 at "
            "11:30am (GMT)"
        ),
        RecordFill.NOTIFIED: "\n".join(
            [
                f"- Csc Sw, Social Worker, {TM_AGENCY} ({first}, asked to act)",
                f"- Pol Ls, Detective Sergeant, Northshire Police ({second}, asked to act)",
                f"- Csc Tm, Team Manager, {TM_AGENCY} ({second}, asked to act)",
            ]
        ),
        RecordFill.ESCALATED_TO: f"{stage_two} (at {second}).",
        RecordFill.STATED_TIMESCALES: f"- 2 working days, stated on entering {second}",
        RecordFill.OUTCOME: "Partially resolved",
        RecordFill.RESOLUTION_SUMMARY: "> Strategy discussion agreed.",
        RecordFill.ACTIONS: (
            "1. Convene strategy discussion. Owner: Csc Tm. Due: Tuesday 1 December 2026"
        ),
        RecordFill.LEARNING: "> Referral form lacked the police intelligence check.",
        RecordFill.RESOLVED_BY: f"Csc Tm, Team Manager, {TM_AGENCY}",
        RecordFill.CLOSED_AT: "Wednesday 25 November 2026 at 12:00pm (GMT)",
        RecordFill.CHILD_IDENTIFIER: CASE_SYSTEM,
    }


@pytest.mark.parametrize("key", sorted(FIRST_CATEGORY))
def test_the_record_shows_every_field_the_protocol_asks_for_in_its_order(
    key: str,
    service: DisputeService,
    session: Session,
    people: dict[str, Person],
    clock: FrozenClock,
    calendar: WorkingCalendar,
):
    protocol = service.catalog.get(key)
    assert protocol is not None
    asked = protocol.asked_at_resolution
    assert asked, "every preset asks for something at resolution"
    # The last asked field is left blank: the record says it was not given.
    answers = {f.key: f"Answer for {f.label}" for f in asked[:-1]}
    dispute = history(service, session, people, clock, key, answers)
    text = render_record(session, dispute=dispute, calendar=calendar)

    assert f"\n## {protocol.name}: the record this protocol asks for\n" in text
    shown = protocol_section(text)
    assert [label for label, _ in shown] == [f.label for f in protocol.record_fields]
    values = expected(protocol)
    for record_field, (_, value) in zip(protocol.record_fields, shown, strict=True):
        if record_field.fill == RecordFill.ASKED:
            given = answers.get(record_field.key)
            want = f"> {given}" if given else "_Not given_"
        else:
            want = values[record_field.fill]
        assert value == want, record_field.key
    # The rest of the record keeps the full history.
    for heading in ("## Summary of the disagreement", "## Stages", "## Resolution"):
        assert heading in text


def test_a_child_identifier_field_is_never_filled_nor_asked(
    service: DisputeService,
    session: Session,
    people: dict[str, Person],
    clock: FrozenClock,
    calendar: WorkingCalendar,
):
    protocol = service.catalog.get("portsmouth")
    assert protocol is not None
    child_fields = [f for f in protocol.record_fields if f.fill == RecordFill.CHILD_IDENTIFIER]
    assert [f.key for f in child_fields] == [
        "child_name",
        "child_date_of_birth",
        "child_address",
        "child_setting",
    ]
    assert not set(child_fields) & set(protocol.asked_at_resolution)
    # Even an answer sent under a child field's key is not kept.
    answers = {f.key: "Answer" for f in protocol.asked_at_resolution}
    dispute = history(
        service, session, people, clock, "portsmouth", {**answers, "child_name": "Jo Bloggs"}
    )
    assert sorted(a.key for a in dispute.record_answers) == sorted(answers)
    shown = dict(protocol_section(render_record(session, dispute=dispute, calendar=calendar)))
    assert all(shown[f.label] == CASE_SYSTEM for f in child_fields)
    assert "Jo Bloggs" not in render_record(session, dispute=dispute, calendar=calendar)


def test_an_answer_holding_the_child_reference_is_refused_and_nothing_is_kept(
    service: DisputeService, session: Session, people: dict[str, Person], clock: FrozenClock
):
    with pytest.raises(DomainError) as refused:
        history(service, session, people, clock, "sussex", {"evidence": f"See {CHILD} notes"})
    assert refused.value.field == "record_evidence"
    assert "Remove the child's case number from the answer to 'Evidence for the concern'" in str(
        refused.value
    )
    assert CHILD not in str(refused.value)
    dispute = session.scalars(select(Dispute)).one()
    assert dispute.is_open and dispute.resolution is None
    assert session.scalars(select(RecordAnswer)).all() == []


def test_every_fill_reads_the_dispute_open_and_closed(
    service: DisputeService,
    session: Session,
    people: dict[str, Person],
    clock: FrozenClock,
    calendar: WorkingCalendar,
):
    """A protocol of one field per fill: what an open dispute shows, then the closed one."""
    dc, sw = people["pol_dc"], people["csc_sw"]
    clock.set(london(2026, 11, 23, 10, 0))
    dispute = service.open(
        session=session,
        protocol_key="suffolk",
        category="referral-threshold",
        raiser=dc,
        counterpart=sw,
        child_ref=CHILD,
        summary=SUMMARY,
    ).transition.dispute
    fields = [
        {"key": fill.value, "label": f"Field {fill.value}", "fill": fill.value, "source": "x"}
        | ({"ask_at": "resolution"} if fill == RecordFill.ASKED else {})
        for fill in RecordFill
    ]
    document = session.get(ProtocolSnapshot, dispute.protocol_hash).document
    dispute.protocol_hash = keep_snapshot(session, {**document, "record_fields": fields})
    session.flush()

    def shown() -> dict[str, str]:
        text = render_record(session, dispute=dispute, calendar=calendar)
        return {label.removeprefix("Field "): v for label, v in protocol_section(text)}

    opened = shown()
    assert opened["counterpart"] == f"Csc Sw, Social Worker, {TM_AGENCY}"
    assert opened["category"] == "Threshold dispute at the point of referral"
    assert opened["outcome"] == "Open"
    assert opened["escalated_to"] == (
        "Not escalated: it stayed at Stage 1 of 5: Referrer and receiving professional."
    )
    for fill in ("discussions", "discussion_dates", "participants", "agreements", "approvals"):
        assert opened[fill] == "_No discussions have been logged._"
    for fill in ("resolution_summary", "actions", "learning", "refer_to_partnership"):
        assert opened[fill] == "_Not yet resolved._"
    assert opened["closed_at"] == opened["resolved_by"] == "_Not yet resolved._"
    assert opened["stated_timescales"] == "_None stated._"
    assert opened["asked"] == "_Not given_"
    assert opened["informed"] == "_Nobody was informed without being asked to act._"
    assert opened["stages"] == (
        "- Stage 1 of 5: Referrer and receiving professional, entered Monday 23 November 2026 "
        "at 10:00am (GMT). Dispute opened by Pol Dc. Asked to act: Csc Sw, Social Worker, "
        f"{TM_AGENCY}. Informed: nobody."
    )
    assert opened["duties"].startswith("- ") and "outstanding" in opened["duties"]

    clock.set(london(2026, 11, 24, 9, 0))
    service.resolve(
        session=session,
        dispute=dispute,
        actor=sw,
        outcome="resolved",
        summary="Re-screened and accepted.",
        refer_to_partnership=True,
        record_answers={"asked": "Letters of 20 November"},
    )
    session.flush()
    closed = shown()
    assert closed["outcome"] == "Resolved"
    assert closed["refer_to_partnership"] == "Yes"
    assert closed["actions"] == "No actions were agreed."
    assert closed["learning"] == "None recorded."
    assert closed["asked"] == "> Letters of 20 November"
    assert closed["child_identifier"] == CASE_SYSTEM


def test_answers_are_left_out_of_subject_access_and_erased_with_the_dispute(
    service: DisputeService,
    session: Session,
    people: dict[str, Person],
    clock: FrozenClock,
    calendar: WorkingCalendar,
):
    evidence = "Attendance fell to 60% this term."
    dispute = history(service, session, people, clock, "sussex", {"evidence": evidence})
    session.commit()
    assert [(a.key, a.value) for a in session.scalars(select(RecordAnswer))] == [
        ("evidence", evidence)
    ]
    exported = export_person(session, email="csc_tm@example.org")
    assert [r["dispute"] for r in exported["resolutions_recorded"]] == [dispute.reference]
    assert evidence not in str(exported)

    erase(session, dispute, now=clock.now(), period_text="6 years", calendar=calendar)
    session.commit()
    assert session.scalars(select(RecordAnswer)).all() == []
