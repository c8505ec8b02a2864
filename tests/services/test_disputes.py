"""Every dispute step a user can take, and every step the protocol forbids."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.clock import FrozenClock
from bot.services.disputes import ActionInput, DisputeService
from bot.services.errors import DomainError, NotFound
from models.audit import AuditEvent
from models.directory import Person
from models.dispute import Dispute, StageTransition
from tests.conftest import london


def open_dispute(
    service: DisputeService, session: Session, people: dict[str, Person], **kw: object
):
    args: dict[str, object] = {
        "session": session,
        "protocol_key": "suffolk",
        "category": "referral-threshold",
        "raiser": people["pol_dc"],
        "counterpart": people["csc_sw"],
        "child_ref": "CS-104233",
        "summary": "Referral refused as below threshold; police believe section 47 is met.",
    }
    args.update(kw)
    return service.open(**args)  # type: ignore[arg-type]


def audit_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def test_opening_gives_a_reference_a_deadline_and_tells_both_practitioners(
    service, session, people
):
    entry = open_dispute(service, session, people)
    dispute = entry.transition.dispute
    assert dispute.reference == "RPD-2026-0001"
    # Monday 23 Nov 10:00 + 5 working days = Monday 30 Nov, close of business.
    assert dispute.deadline_at == london(2026, 11, 30, 17, 0)
    # The raiser acts at the first stage too, but only the counterpart is asked to acknowledge.
    notified = {n.person.email for n in entry.transition.notices}
    assert notified == {"csc_sw@example.org"}
    assert service.is_member(session, dispute, people["pol_dc"])
    assert [e.kind for e in service.history(session, dispute=dispute)] == [
        "opened",
        "stage_entered",
    ]


def test_references_count_up_within_the_year_and_restart_in_a_new_one(
    service, session, people, clock: FrozenClock
):
    first = open_dispute(service, session, people).transition.dispute
    second = open_dispute(service, session, people).transition.dispute
    clock.set(london(2027, 1, 4, 9, 0))
    third = open_dispute(service, session, people).transition.dispute
    assert [first.reference, second.reference, third.reference] == [
        "RPD-2026-0001",
        "RPD-2026-0002",
        "RPD-2027-0001",
    ]


def test_a_stated_shorter_timescale_wins(service, session, people):
    entry = open_dispute(service, session, people, stated_timescale="1 working day")
    assert entry.transition.deadline_at == london(2026, 11, 24, 17, 0)
    assert entry.transition.stated_timescale == "1 working day"


def test_a_stated_longer_timescale_does_not_extend_the_protocol(service, session, people):
    entry = open_dispute(service, session, people, stated_timescale="by 31/12/2026 17:00")
    assert entry.transition.deadline_at == london(2026, 11, 30, 17, 0)


def test_a_stated_time_of_day_is_read_uk_style(service, session, people):
    entry = open_dispute(service, session, people, stated_timescale="by 25/11/2026 12:00")
    assert entry.transition.deadline_at == london(2026, 11, 25, 12, 0)


def test_immediate_risk_caps_each_stage_at_24_hours(service, session, people):
    entry = open_dispute(service, session, people, urgency="immediate")
    assert entry.transition.deadline_at == london(2026, 11, 24, 10, 0)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"category": "parking"}, "not a category"),
        ({"urgency": "whenever"}, "not an urgency"),
        ({"protocol_key": "atlantis"}, "no protocol"),
        ({"child_ref": "Jane Smith"}, "Never type a child's name"),
        ({"child_ref": "JaneSmith"}, "at least one digit"),
        ({"summary": "   "}, "summary"),
        ({"stated_timescale": "a fortnight-ish"}, "not a timescale"),
        ({"stated_timescale": "by 01/11/2026 09:00"}, "already passed"),
        ({"start_stage": "heads-of-service"}, "no later than the first stage"),
        ({"start_stage": "nowhere"}, "no stage 'nowhere'"),
    ],
)
def test_bad_opening_is_refused_and_changes_nothing(service, session, people, change, message):
    with pytest.raises(DomainError, match=message):
        open_dispute(service, session, people, **change)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Dispute)) == 0


def test_cannot_open_a_dispute_with_yourself(service, session, people):
    with pytest.raises(DomainError, match="someone other than you"):
        open_dispute(service, session, people, counterpart=people["pol_dc"])


def test_manual_escalation_finds_the_line_managers_on_both_sides(service, session, people, clock):
    dispute = open_dispute(service, session, people).transition.dispute
    clock.advance(timedelta(days=1))
    entry = service.escalate(
        session=session, dispute=dispute, actor=people["pol_dc"], reason="No agreement reached"
    )
    assert dispute.stage_index == 1
    assert entry.transition.trigger == "manual"
    assert entry.transition.reason == "No agreement reached"
    explanations = {n.person.email: n.explanation for n in entry.transition.notices}
    assert set(explanations) == {"pol_ls@example.org", "csc_tm@example.org"}
    assert explanations["pol_ls@example.org"] == (
        "Pol Ls, Detective Sergeant, Northshire Police: line manager of Pol Dc"
    )
    # Tuesday 24 Nov 10:00 + 5 working days = Tuesday 1 Dec 17:00.
    assert dispute.deadline_at == london(2026, 12, 1, 17, 0)
    assert service.is_member(session, dispute, people["csc_tm"])


def test_health_goes_to_the_designated_nurse_instead_of_line_management(service, session, people):
    dispute = open_dispute(
        service, session, people, raiser=people["hv"], counterpart=people["csc_sw"]
    ).transition.dispute
    entry = service.escalate(session=session, dispute=dispute, actor=people["hv"], reason="Stuck")
    notified = {n.person.email for n in entry.transition.notices}
    assert notified == {"dn@example.org", "csc_tm@example.org"}


def test_lapsed_escalation_happens_only_once_the_deadline_passes(service, session, people, clock):
    dispute = open_dispute(service, session, people).transition.dispute
    clock.set(london(2026, 11, 30, 16, 59))
    assert service.escalate_lapsed(session=session, dispute=dispute) is None
    clock.set(london(2026, 11, 30, 17, 0))
    entry = service.escalate_lapsed(session=session, dispute=dispute)
    assert entry is not None
    assert entry.transition.trigger == "timescale lapsed"
    assert entry.transition.reason == "timescale lapsed"
    assert entry.transition.actor is None
    assert dispute.stage_index == 1
    assert service.escalate_lapsed(session=session, dispute=dispute) is None


def test_escalating_past_the_final_stage_is_refused(service, session, people):
    dispute = open_dispute(service, session, people).transition.dispute
    for _ in range(4):
        service.escalate(session=session, dispute=dispute, actor=people["pol_dc"], reason="Up")
    assert dispute.stage_index == 4
    assert dispute.deadline_at is None
    final = dispute.current_transition
    assert {n.person.email for n in final.notices} == {"chair@example.org"}
    events = audit_count(session)
    with pytest.raises(DomainError, match="already at the final stage"):
        service.escalate(session=session, dispute=dispute, actor=people["pol_dc"], reason="Up")
    assert dispute.stage_index == 4
    assert audit_count(session) == events


def test_missing_directory_entries_are_named(service, session, people):
    dispute = open_dispute(service, session, people).transition.dispute
    for _ in range(3):
        entry = service.escalate(
            session=session, dispute=dispute, actor=people["pol_dc"], reason="Up"
        )
    # Heads of service exist for social care and police; nothing is missing at stage 4.
    assert entry.transition.missing == []
    health_dispute = open_dispute(
        service, session, people, raiser=people["hv"], counterpart=people["csc_sw"]
    ).transition.dispute
    for _ in range(3):
        entry = service.escalate(
            session=session, dispute=health_dispute, actor=people["hv"], reason="Up"
        )
    assert entry.transition.missing == [
        "Nobody in Northshire Community Health has the role 'head of service': "
        "add one to the directory."
    ]


def test_logging_and_approving_a_discussion(service, session, people, clock):
    dispute = open_dispute(service, session, people).transition.dispute
    entry = service.log_discussion(
        session=session,
        dispute=dispute,
        actor=people["pol_dc"],
        occurred="today 09:15",
        participants="DC Dc, SW Sw",
        discussion="Went through the referral together.",
        agreed="Social care will re-screen by Wednesday.",
    )
    assert entry.occurred_at == london(2026, 11, 23, 9, 15)
    with pytest.raises(DomainError, match="the other side must approve it"):
        service.approve_discussion(
            session=session, dispute=dispute, entry_id=entry.id, actor=people["pol_dc"]
        )
    service.approve_discussion(
        session=session, dispute=dispute, entry_id=entry.id, actor=people["csc_sw"]
    )
    assert entry.approved_by == people["csc_sw"]
    with pytest.raises(DomainError, match="already approved by Csc Sw"):
        service.approve_discussion(
            session=session, dispute=dispute, entry_id=entry.id, actor=people["csc_sw"]
        )


@pytest.mark.parametrize(
    ("occurred", "message"),
    [("tomorrow 10am", "in the future"), ("the day the music died", "not a date")],
)
def test_bad_discussion_times_are_refused(service, session, people, occurred, message):
    dispute = open_dispute(service, session, people).transition.dispute
    with pytest.raises(DomainError, match=message):
        service.log_discussion(
            session=session,
            dispute=dispute,
            actor=people["pol_dc"],
            occurred=occurred,
            participants="both",
            discussion="talked",
        )
    assert dispute.discussions == []


def test_acknowledging_twice_is_refused(service, session, people, clock):
    dispute = open_dispute(service, session, people).transition.dispute
    notice = service.acknowledge(session=session, dispute=dispute, actor=people["csc_sw"])
    assert notice.acknowledged_at == london(2026, 11, 23, 10, 0)
    clock.advance(timedelta(minutes=5))
    with pytest.raises(DomainError, match="already acknowledged .* Monday 23 November 2026"):
        service.acknowledge(session=session, dispute=dispute, actor=people["csc_sw"])
    assert notice.acknowledged_at == london(2026, 11, 23, 10, 0)


def test_only_people_asked_can_acknowledge(service, session, people):
    dispute = open_dispute(service, session, people).transition.dispute
    service.escalate(session=session, dispute=dispute, actor=people["pol_dc"], reason="Up")
    with pytest.raises(DomainError, match="not asked to acknowledge"):
        service.acknowledge(session=session, dispute=dispute, actor=people["pol_dc"])


def test_resolving_closes_the_dispute_with_actions_and_learning(service, session, people):
    dispute = open_dispute(service, session, people).transition.dispute
    resolution = service.resolve(
        session=session,
        dispute=dispute,
        actor=people["csc_sw"],
        outcome="resolved",
        summary="Agreed to convene a strategy discussion.",
        actions=[ActionInput("Convene strategy discussion", "Csc Tm", date(2026, 11, 25))],
        learning="Referral form lacked the police intelligence check.",
        refer_to_partnership=True,
    )
    assert dispute.status == "closed"
    assert dispute.deadline_at is None
    assert resolution.actions[0].owner == "Csc Tm"
    assert resolution.refer_to_partnership is True
    for step in (
        lambda: service.escalate(
            session=session, dispute=dispute, actor=people["pol_dc"], reason="x"
        ),
        lambda: service.log_discussion(
            session=session,
            dispute=dispute,
            actor=people["pol_dc"],
            occurred="today 09:00",
            participants="a",
            discussion="b",
        ),
        lambda: service.acknowledge(session=session, dispute=dispute, actor=people["csc_sw"]),
        lambda: service.resolve(
            session=session,
            dispute=dispute,
            actor=people["csc_sw"],
            outcome="resolved",
            summary="x",
        ),
    ):
        with pytest.raises(DomainError, match="is closed"):
            step()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"outcome": "sorted"}, "outcome must be one of"),
        ({"summary": ""}, "summary of the outcome"),
        (
            {"actions": [ActionInput("Visit", "Sam", date(2026, 11, 1))]},
            "which has passed",
        ),
        ({"actions": [ActionInput("Visit", " ", date(2026, 12, 1))]}, "who owns the action"),
    ],
)
def test_bad_resolutions_change_nothing(service, session, people, kwargs, message):
    dispute = open_dispute(service, session, people).transition.dispute
    args = {"outcome": "resolved", "summary": "Done"} | kwargs
    with pytest.raises(DomainError, match=message):
        service.resolve(session=session, dispute=dispute, actor=people["csc_sw"], **args)
    assert dispute.status == "open"
    assert dispute.resolution is None


def test_people_outside_a_dispute_cannot_see_or_touch_it(service, session, people):
    dispute = open_dispute(service, session, people).transition.dispute
    outsider = people["hv"]
    with pytest.raises(NotFound) as not_theirs:
        service.get_visible(session, reference=dispute.reference, viewer=outsider)
    with pytest.raises(NotFound) as missing:
        service.get_visible(session, reference="RPD-2026-0999", viewer=outsider)
    assert str(not_theirs.value).replace(dispute.reference, "X") == str(missing.value).replace(
        "RPD-2026-0999", "X"
    )
    with pytest.raises(NotFound):
        service.escalate(session=session, dispute=dispute, actor=outsider, reason="nosy")
    with pytest.raises(DomainError, match="not a dispute reference"):
        service.get_visible(session, reference="42", viewer=outsider)


def test_every_change_appends_audit_events_in_order(service, session, people):
    dispute = open_dispute(service, session, people).transition.dispute
    service.acknowledge(session=session, dispute=dispute, actor=people["csc_sw"])
    service.escalate(session=session, dispute=dispute, actor=people["pol_dc"], reason="Up")
    service.resolve(
        session=session,
        dispute=dispute,
        actor=people["csc_tm"],
        outcome="partially_resolved",
        summary="Partly",
    )
    kinds = [e.kind for e in service.history(session, dispute=dispute)]
    assert kinds == [
        "opened",
        "stage_entered",
        "acknowledged",
        "stage_entered",
        "resolved",
    ]
    transitions = session.scalars(select(StageTransition).order_by(StageTransition.id)).all()
    assert [t.trigger for t in transitions] == ["opened", "manual"]


def test_a_senior_raiser_acts_for_their_side_at_the_first_stage(service, session, people):
    entry = open_dispute(service, session, people, raiser=people["pol_ls"])
    dispute = entry.transition.dispute
    assert service.is_member(session, dispute, people["pol_ls"])
    assert not service.is_member(session, dispute, people["pol_dc"])
