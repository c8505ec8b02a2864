"""Who sees which disputes on their own lists, and the record that goes on the child's file."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from bot.clock import FrozenClock
from bot.messages.record import record_filename
from bot.services.disputes import ActionInput, DisputeService
from bot.services.queries import awaiting_acknowledgement, my_disputes, upcoming_deadlines
from bot.services.record import render_record
from bot.working_days import WorkingCalendar
from models.directory import Person
from models.dispute import Dispute
from tests.conftest import london


def open_dispute(
    service: DisputeService,
    session: Session,
    raiser: Person,
    counterpart: Person,
    **kw: object,
) -> Dispute:
    args: dict[str, object] = {
        "session": session,
        "protocol_key": "suffolk",
        "category": "referral-threshold",
        "raiser": raiser,
        "counterpart": counterpart,
        "child_ref": "CS-104233",
        "summary": "Referral refused as below threshold; police believe section 47 is met.",
    }
    args.update(kw)
    return service.open(**args).transition.dispute  # type: ignore[arg-type]


def refs(disputes: list[Dispute]) -> list[str]:
    return [d.reference for d in disputes]


@pytest.fixture
def three(service: DisputeService, session: Session, people: dict[str, Person], clock):
    """A: police v social care, escalated to line managers. B: closed. C: social care v police."""
    a = open_dispute(service, session, people["pol_dc"], people["csc_sw"])
    b = open_dispute(service, session, people["hv"], people["csc_sw"])
    c = open_dispute(service, session, people["csc_sw"], people["pol_dc"])
    clock.advance(timedelta(hours=1))
    service.escalate(session=session, dispute=a, actor=people["pol_dc"], reason="No agreement")
    service.resolve(
        session=session, dispute=b, actor=people["hv"], outcome="resolved", summary="Ok"
    )
    session.flush()
    return a, b, c


def test_raiser_sees_what_they_raised_and_what_is_raised_against_them(session, people, three):
    a, _, c = three
    mine = my_disputes(session, people["pol_dc"])
    assert refs(mine.raised) == [a.reference]
    assert refs(mine.counterpart) == [c.reference]
    assert mine.involved == []
    # The raiser of A was never asked to acknowledge; the counterpart of C was.
    assert [n.transition.dispute.reference for n in mine.awaiting] == [c.reference]


def test_a_superseded_stage_and_a_closed_dispute_ask_nothing_of_the_counterpart(
    session, people, three
):
    a, _, c = three
    mine = my_disputes(session, people["csc_sw"])
    assert refs(mine.raised) == [c.reference]
    assert refs(mine.counterpart) == [a.reference]
    assert mine.involved == []
    # Stage 1 of A is over (A escalated) and B is closed, so nothing awaits csc_sw.
    assert mine.awaiting == []
    assert awaiting_acknowledgement(session, people["csc_sw"]) == []


@pytest.mark.parametrize("manager", ["csc_tm", "pol_ls"])
def test_a_manager_escalated_to_sees_the_dispute_as_involved_and_awaiting(
    session, people, three, manager
):
    a, _, _ = three
    mine = my_disputes(session, people[manager])
    assert (mine.raised, mine.counterpart) == ([], [])
    assert refs(mine.involved) == [a.reference]
    assert [(n.transition.dispute.reference, n.transition.to_stage) for n in mine.awaiting] == [
        (a.reference, 1)
    ]


@pytest.mark.parametrize("outsider", ["hv", "pol_hos", "chair"])
def test_outsiders_and_parties_to_closed_disputes_see_nothing(session, people, three, outsider):
    mine = my_disputes(session, people[outsider])
    assert (mine.raised, mine.counterpart, mine.involved, mine.awaiting) == ([], [], [], [])
    assert mine.open_count == 0


def test_acknowledging_takes_the_notice_off_the_awaiting_list(service, session, people, three):
    a, _, _ = three
    service.acknowledge(session=session, dispute=a, actor=people["csc_tm"])
    session.flush()
    mine = my_disputes(session, people["csc_tm"])
    assert mine.awaiting == []
    assert refs(mine.involved) == [a.reference]
    assert len(awaiting_acknowledgement(session, people["pol_ls"])) == 1


def test_upcoming_deadlines_are_in_the_window_and_soonest_first(
    service, session, people, clock: FrozenClock
):
    dc, sw = people["pol_dc"], people["csc_sw"]
    later = open_dispute(service, session, dc, sw)  # Monday 30 November, 5pm
    sooner = open_dispute(service, session, dc, sw, stated_timescale="1 working day")
    closed = open_dispute(service, session, dc, sw, stated_timescale="1 working day")
    service.resolve(session=session, dispute=closed, actor=dc, outcome="resolved", summary="Ok")
    final = open_dispute(service, session, dc, sw)
    for _ in range(4):
        service.escalate(session=session, dispute=final, actor=dc, reason="Up")
    session.flush()
    now = clock.now()
    assert sooner.deadline_at == london(2026, 11, 24, 17, 0)
    assert final.deadline_at is None

    assert refs(upcoming_deadlines(session, dc, now=now, within=timedelta(days=2))) == [
        sooner.reference
    ]
    assert refs(upcoming_deadlines(session, dc, now=now, within=timedelta(days=14))) == [
        sooner.reference,
        later.reference,
    ]
    wednesday = london(2026, 11, 25, 9, 0)
    assert refs(upcoming_deadlines(session, sw, now=wednesday, within=timedelta(days=14))) == [
        later.reference
    ]
    assert upcoming_deadlines(session, people["hv"], now=now, within=timedelta(days=14)) == []
    # Open disputes come soonest first, and the one with no deadline last.
    assert refs(my_disputes(session, dc).raised) == [
        sooner.reference,
        later.reference,
        final.reference,
    ]


@pytest.fixture
def full_history(
    service: DisputeService, session: Session, people: dict[str, Person], clock: FrozenClock
) -> Dispute:
    """Opened, discussed, acknowledged, escalated by hand, lapsed, then partly resolved."""
    dc, sw = people["pol_dc"], people["csc_sw"]
    dispute = open_dispute(service, session, dc, sw)
    clock.set(london(2026, 11, 23, 10, 30))
    service.acknowledge(session=session, dispute=dispute, actor=sw)
    clock.set(london(2026, 11, 23, 11, 0))
    approved = service.log_discussion(
        session=session,
        dispute=dispute,
        actor=dc,
        occurred=london(2026, 11, 23, 10, 15),
        participants="DC Dc, SW Sw",
        discussion="Went through the referral together.",
        agreed="Social care will re-screen by Wednesday.",
    )
    clock.set(london(2026, 11, 23, 11, 30))
    service.approve_discussion(session=session, dispute=dispute, entry_id=approved.id, actor=sw)
    service.log_discussion(
        session=session,
        dispute=dispute,
        actor=sw,
        occurred=london(2026, 11, 23, 11, 20),
        participants="SW Sw, TM Tm",
        discussion="Re-screened; threshold still not met.",
    )
    clock.set(london(2026, 11, 24, 9, 0))
    service.escalate(
        session=session,
        dispute=dispute,
        actor=dc,
        reason="No agreement on threshold",
        stated_timescale="2 working days",
    )
    clock.set(london(2026, 11, 24, 9, 45))
    service.acknowledge(session=session, dispute=dispute, actor=people["csc_tm"])
    clock.set(london(2026, 11, 26, 17, 0))
    assert service.escalate_lapsed(session=session, dispute=dispute) is not None
    clock.set(london(2026, 11, 27, 12, 0))
    service.resolve(
        session=session,
        dispute=dispute,
        actor=people["csc_sm"],
        outcome="partially_resolved",
        summary="Strategy discussion agreed; threshold question goes to the partnership.",
        actions=[ActionInput("Convene strategy discussion", "Csc Tm", date(2026, 12, 1))],
        learning="Referral form lacked the police intelligence check.",
        refer_to_partnership=True,
    )
    session.flush()
    return dispute


def test_the_record_carries_every_part_of_the_history(
    session, people, full_history: Dispute, calendar: WorkingCalendar
):
    dispute = full_history
    text = render_record(session, dispute=dispute, calendar=calendar)
    overview = [
        "# Record of a professional difference: RPD-2026-0001",
        "- **Protocol:** Working Together to Resolve Professional Disputes "
        "(Suffolk Local Safeguarding Children Board)",
        "- **Category:** Threshold dispute at the point of referral",
        "- **Urgency:** Standard",
        "- **Child reference:** CS-104233",
        "- **Raised by:** Pol Dc, Detective Constable, Northshire Police",
        "- **Counterpart:** Csc Sw, Social Worker, Northshire Children's Social Care",
        "- **Opened:** Monday 23 November 2026 at 10:00am (GMT)",
        "- **Status:** Closed on Friday 27 November 2026 at 12:00pm (GMT)",
        "> Referral refused as below threshold; police believe section 47 is met.",
    ]
    stages = [
        "### Stage 1 of 5: Referrer and receiving professional",
        "- **Why:** Dispute opened by Pol Dc",
        "- **Timescale:** 5 working days (protocol)",
        "- **Deadline:** Monday 30 November 2026 at 5:00pm (GMT)",
        f"  - {dispute.transitions[0].notices[0].explanation} "
        "(acknowledged Monday 23 November 2026 at 10:30am (GMT))",
        "### Stage 2 of 5: First line managers",
        "- **Entered:** Tuesday 24 November 2026 at 9:00am (GMT)",
        "- **Why:** Escalated by Pol Dc. Reason: No agreement on threshold",
        "- **Timescale:** 5 working days (protocol); stated on entering the stage: 2 working days",
        "- **Deadline:** Thursday 26 November 2026 at 5:00pm (GMT)",
        "line manager of Csc Sw (acknowledged Tuesday 24 November 2026 at 9:45am (GMT))",
        "line manager of Pol Dc (not acknowledged)",
        "- **Why:** Escalated automatically: the previous stage's timescale lapsed",
    ]
    discussions = [
        "### Discussion held Monday 23 November 2026 at 10:15am (GMT)",
        "- **Logged by:** Pol Dc on Monday 23 November 2026 at 11:00am (GMT)",
        "- **Who took part:** DC Dc, SW Sw",
        "- **Approved:** by Csc Sw on Monday 23 November 2026 at 11:30am (GMT)",
        "> Went through the referral together.",
        "> Social care will re-screen by Wednesday.",
        "### Discussion held Monday 23 November 2026 at 11:20am (GMT)",
        "- **Approved:** not yet approved",
        "Nothing recorded as agreed.",
    ]
    resolution = [
        "- **Outcome:** Partially resolved",
        "- **At:** Stage 3 of 5",
        "- **Recorded by:** Csc Sm on Friday 27 November 2026 at 12:00pm (GMT)",
        "- **Referred to the partnership:** Yes",
        "> Strategy discussion agreed; threshold question goes to the partnership.",
        "1. Convene strategy discussion. Owner: Csc Tm. Due: Tuesday 1 December 2026",
        "> Referral form lacked the police intelligence check.",
    ]
    for expected in overview + stages + discussions + resolution:
        assert expected in text, expected
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Working Together to Resolve Professional Disputes: the record this protocol asks for",
        "## Summary of the disagreement",
        "## Stages",
        "## Duties throughout the dispute",
        "## Discussions",
        "## Resolution",
        "## Audit trail",
    ]
    trail = text.split("## Audit trail\n\n", 1)[1].splitlines()
    assert trail == [
        "1. Monday 23 November 2026 at 10:00am (GMT): opened, by Pol Dc",
        "2. Monday 23 November 2026 at 10:00am (GMT): stage entered, by Pol Dc",
        "3. Monday 23 November 2026 at 10:30am (GMT): acknowledged, by Csc Sw",
        "4. Monday 23 November 2026 at 11:00am (GMT): discussion logged, by Pol Dc",
        "5. Monday 23 November 2026 at 11:30am (GMT): discussion approved, by Csc Sw",
        "6. Monday 23 November 2026 at 11:30am (GMT): discussion logged, by Csc Sw",
        "7. Tuesday 24 November 2026 at 9:00am (GMT): stage entered, by Pol Dc",
        "8. Tuesday 24 November 2026 at 9:45am (GMT): acknowledged, by Csc Tm",
        "9. Thursday 26 November 2026 at 5:00pm (GMT): stage entered, by Resolve (automatic)",
        "10. Friday 27 November 2026 at 12:00pm (GMT): resolved, by Csc Sm",
    ]


def test_an_open_record_names_directory_gaps_and_says_it_is_unresolved(
    service, session, people, calendar: WorkingCalendar, clock: FrozenClock
):
    clock.set(london(2026, 7, 1, 14, 5))
    dispute = open_dispute(service, session, people["hv"], people["csc_sw"], urgency="immediate")
    for _ in range(3):
        service.escalate(session=session, dispute=dispute, actor=people["hv"], reason="Stuck")
    session.flush()
    text = render_record(session, dispute=dispute, calendar=calendar)
    assert "- **Status:** Open, at Stage 4 of 5: Heads of service" in text
    assert "- **Urgency:** Immediate risk of harm" in text
    assert "at most 24 hours for immediate risk of harm" in text
    assert "- **Opened:** Wednesday 1 July 2026 at 2:05pm (BST)" in text
    assert "- **Gaps in the agency directory:**" in text
    assert (
        "  - Nobody in Northshire Community Health has the role 'head of service': "
        "add one to the directory."
    ) in text
    assert "## Discussions\n\nNo discussions have been logged." in text
    assert "## Resolution\n\nNot yet resolved." in text


def test_the_record_file_is_named_after_the_reference(service, session, people):
    dispute = open_dispute(service, session, people["pol_dc"], people["csc_sw"])
    assert record_filename(dispute) == "RPD-2026-0001-record.md"
