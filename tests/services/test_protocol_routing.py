"""The protocol decides: stated timescales, who may refer, who is only informed, what is in scope,
how the urgent route runs and where the final review interval comes from."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.clock import FrozenClock
from bot.messages import disputes as views
from bot.services.disputes import DisputeService
from bot.services.errors import DomainError
from bot.services.notifications import Notifier
from bot.working_days import WorkingCalendar
from models.directory import Person
from models.dispute import Dispute, NoticeKind
from models.schedule import Reminder, ReminderKind
from models.timescale import parse_timescale
from tests.conftest import london
from tests.services.conftest import add_person

SUMMARY = "Referral refused as below threshold; police believe section 47 is met."


def open_under(
    service: DisputeService,
    session: Session,
    people: dict[str, Person],
    protocol_key: str,
    category: str,
    **kw: object,
):
    args: dict[str, object] = {
        "session": session,
        "protocol_key": protocol_key,
        "category": category,
        "raiser": people["pol_dc"],
        "counterpart": people["csc_sw"],
        "child_ref": "CS-104233",
        "summary": SUMMARY,
    }
    args.update(kw)
    return service.open(**args)  # type: ignore[arg-type]


def climb_to(
    service: DisputeService, session: Session, dispute: Dispute, actor: Person, index: int
) -> None:
    while dispute.stage_index < index:
        service.escalate(session=session, dispute=dispute, actor=actor, reason="No agreement")


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


# Timescales -------------------------------------------------------------------------------------


def test_pan_sussex_stated_timeframe_replaces_the_default_even_when_longer(
    service, session, people
):
    entry = open_under(
        service,
        session,
        people,
        "sussex",
        "information-sharing",
        stated_timescale="15 working days",
    )
    # Monday 23 Nov 10:00 + 15 working days = Monday 14 December, close of business.
    assert entry.transition.deadline_at == london(2026, 12, 14, 17, 0)


def test_pan_sussex_without_a_stated_timeframe_uses_the_default(service, session, people):
    entry = open_under(service, session, people, "sussex", "information-sharing")
    assert entry.transition.deadline_at == london(2026, 11, 30, 17, 0)


def test_suffolk_cuts_a_longer_stated_timescale_to_the_stage_ceiling(service, session, people):
    entry = open_under(
        service,
        session,
        people,
        "suffolk",
        "referral-threshold",
        stated_timescale="15 working days",
    )
    assert entry.transition.deadline_at == london(2026, 11, 30, 17, 0)


def test_pan_sussex_immediate_risk_cap_still_applies_to_a_stated_timeframe(
    service, session, people
):
    entry = open_under(
        service,
        session,
        people,
        "sussex",
        "information-sharing",
        urgency="immediate",
        stated_timescale="15 working days",
    )
    assert entry.transition.deadline_at == london(2026, 11, 24, 10, 0)


def test_the_same_day_ends_at_close_of_that_working_day(service, session, people):
    entry = open_under(
        service, session, people, "sussex", "information-sharing", stated_timescale="the same day"
    )
    assert entry.transition.deadline_at == london(2026, 11, 23, 17, 0)


def test_the_same_day_stated_on_a_friday_evening_ends_monday_at_close(
    service, session, people, clock: FrozenClock
):
    clock.set(london(2026, 11, 27, 18, 30))
    entry = open_under(
        service, session, people, "sussex", "information-sharing", stated_timescale="same day"
    )
    assert entry.transition.deadline_at == london(2026, 11, 30, 17, 0)


def test_same_day_parses_as_zero_working_days(calendar: WorkingCalendar):
    same_day = parse_timescale("The same day")
    assert same_day.working_days == 0
    assert calendar.due(london(2026, 11, 24, 9, 0), same_day) == london(2026, 11, 24, 17, 0)
    # Christmas Day and Boxing Day (moved to Monday 28th) are skipped.
    assert calendar.due(london(2026, 12, 24, 17, 30), same_day) == london(2026, 12, 29, 17, 0)


# Referral permission ----------------------------------------------------------------------------


def test_a_practitioner_cannot_refer_to_the_secretary_of_state(service, session, people):
    dispute = open_under(service, session, people, "sussex", "information-sharing").transition
    dispute = dispute.dispute
    climb_to(service, session, dispute, people["pol_dc"], 4)  # the Independent Scrutineer
    before = (dispute.stage_index, dispute.deadline_at, count(session, Reminder))
    with pytest.raises(DomainError) as refused:
        service.escalate(
            session=session, dispute=dispute, actor=people["pol_dc"], reason="Still stuck"
        )
    message = str(refused.value)
    assert "Only the partnership chair or scrutineer: Chair (Northshire Safeguarding" in message
    assert "Escalation to the Secretary of State" in message and "Nothing has changed" in message
    assert (dispute.stage_index, dispute.deadline_at, count(session, Reminder)) == before


def test_the_partnership_chair_can_refer_to_the_secretary_of_state(service, session, people):
    dispute = open_under(service, session, people, "sussex", "information-sharing")
    dispute = dispute.transition.dispute
    climb_to(service, session, dispute, people["pol_dc"], 4)
    service.escalate(
        session=session, dispute=dispute, actor=people["chair"], reason="Leadership failing"
    )
    assert service.protocol_of(dispute).stage(dispute.stage_index).key == "secretary-of-state"


# Oversight bodies -------------------------------------------------------------------------------


@pytest.fixture
def directors(session: Session, people: dict[str, Person]) -> dict[str, Person]:
    csc, police = people["csc_sw"].agency, people["pol_dc"].agency
    made = {
        "csc_dir": add_person(
            session, csc, "csc_dir", "director", "Director of Children's Services"
        ),
        "pol_dir": add_person(session, police, "pol_dir", "director", "Chief Constable"),
    }
    # Each agency's safeguarding lead acts at Stage 4, so the directors are only ever told.
    add_person(session, csc, "csc_sgl", "safeguarding_lead", "Safeguarding Lead")
    add_person(session, police, "pol_sgl", "safeguarding_lead", "Head of Public Protection")
    session.flush()
    return made


def test_directors_are_informed_at_the_independent_scrutineer_stage(
    service, session, people, directors
):
    dispute = open_under(service, session, people, "sussex", "information-sharing")
    dispute = dispute.transition.dispute
    climb_to(service, session, dispute, people["pol_dc"], 4)
    transition = dispute.current_transition
    assert {n.person.email for n in transition.acting_notices} == {"chair@example.org"}
    informed = {n.person.email: n for n in transition.informed_notices}
    assert set(informed) == {"csc_dir@example.org", "pol_dir@example.org"}
    assert all(n.kind == NoticeKind.INFORMED for n in informed.values())
    assert "Directors / Chief Executives" in informed["pol_dir@example.org"].explanation
    reasons = {m.person.email: m.reason for m in dispute.members}
    assert reasons["pol_dir@example.org"] == (
        "informed at Independent Scrutineer of the Safeguarding Children Partnership"
    )
    # They can read it ...
    seen = service.get_visible(session, reference=dispute.reference, viewer=directors["pol_dir"])
    assert seen is dispute
    # ... but not act on it; nothing changes.
    stage = dispute.stage_index
    for attempt in (
        lambda: service.acknowledge(session=session, dispute=dispute, actor=directors["pol_dir"]),
        lambda: service.check_escalation(session, dispute, directors["pol_dir"]),
        lambda: service.resolve(
            session=session,
            dispute=dispute,
            actor=directors["pol_dir"],
            outcome="resolved",
            summary="Done",
        ),
        lambda: service.log_discussion(
            session=session,
            dispute=dispute,
            actor=directors["pol_dir"],
            occurred=london(2026, 11, 23, 9, 0),
            participants="Us",
            discussion="Talked",
        ),
    ):
        with pytest.raises(DomainError, match="You are kept informed of RPD-2026-0001"):
            attempt()
    assert dispute.stage_index == stage and dispute.is_open


def test_a_body_nobody_holds_is_a_directory_gap_until_someone_is_added(
    service, session, people, directors
):
    dispute = open_under(service, session, people, "sussex", "information-sharing")
    dispute = dispute.transition.dispute
    climb_to(service, session, dispute, people["pol_dc"], 4)
    # Health has no director in this directory: the administrators hear of it, by role.
    gap = [m for m in dispute.current_transition.missing if "health" in m]
    assert gap == [
        "Nobody in the directory holds the role 'director' to be told as Director or Chief "
        "Executive of health (a Safeguarding Partner) at Independent Scrutineer of the "
        "Safeguarding Children Partnership: add them to the directory."
    ]
    # Once one is added, the next look at the directory tells them, without buttons to act.
    add_person(session, people["hv"].agency, "ch_dir", "director", "Chief Executive")
    session.flush()
    added, missing = service.fill_directory_gaps(session=session, dispute=dispute)
    assert [(n.person.email, n.kind) for n in added] == [("ch_dir@example.org", "informed")]
    assert not [m for m in missing if "health" in m]


def test_informed_people_are_not_chased_for_acknowledgement(service, session, people, directors):
    dispute = open_under(service, session, people, "sussex", "information-sharing")
    dispute = dispute.transition.dispute
    climb_to(service, session, dispute, people["pol_dc"], 4)
    assert {p.email for p in Notifier.acting(dispute)} == {"chair@example.org"}


def test_the_board_chair_is_told_at_stage_four_of_specialist_childrens_services(
    service, session, people
):
    session.add(
        Person(
            email="csc_hosg@example.org",
            name="Head Of Safeguarding",
            agency=people["csc_sw"].agency,
            role="safeguarding_lead",
            job_title="Head of Safeguarding",
        )
    )
    session.flush()
    dispute = open_under(service, session, people, "specialist-childrens-services", "threshold")
    dispute = dispute.transition.dispute
    climb_to(service, session, dispute, people["pol_dc"], 4)
    informed = [n.person.email for n in dispute.current_transition.informed_notices]
    assert informed == ["chair@example.org"]


# Scope ------------------------------------------------------------------------------------------


def test_portsmouth_refuses_a_disagreement_inside_one_agency(service, session, people):
    with pytest.raises(DomainError) as refused:
        open_under(
            service,
            session,
            people,
            "portsmouth",
            "referral-criteria",
            counterpart=people["pol_ls"],
        )
    message = str(refused.value)
    assert "both in Northshire Police" in message
    assert "own agency's arrangements" in message and "Nothing was opened" in message
    assert count(session, Dispute) == 0


def test_portsmouth_accepts_a_disagreement_between_agencies(service, session, people):
    open_under(service, session, people, "portsmouth", "referral-criteria")
    assert count(session, Dispute) == 1


def test_oxfordshire_covers_a_disagreement_inside_one_agency(service, session, people):
    open_under(
        service, session, people, "oxfordshire", "referral-criteria", counterpart=people["pol_ls"]
    )
    assert count(session, Dispute) == 1


# Urgent route ------------------------------------------------------------------------------------


def test_oxfordshire_emergency_keeps_the_step_timescale_and_plans_a_daily_check_in(
    service, session, people
):
    entry = open_under(
        service,
        session,
        people,
        "oxfordshire",
        "referral-criteria",
        urgency="emergency",
        start_stage="service-manager",
    )
    # Five working days, not a step a day.
    assert entry.transition.deadline_at == london(2026, 11, 30, 17, 0)
    check_ins = session.scalars(
        select(Reminder).where(Reminder.kind == ReminderKind.CHECK_IN.value)
    ).all()
    # The check-in lands as the next working day opens, when there is a day to talk in.
    assert [r.due_at for r in check_ins] == [london(2026, 11, 24, 9, 0)]


# Final review -----------------------------------------------------------------------------------


def test_final_review_says_partnership_default_where_the_protocol_is_silent(
    service, session, people, calendar
):
    dispute = open_under(service, session, people, "suffolk", "referral-threshold")
    dispute = dispute.transition.dispute
    climb_to(service, session, dispute, people["pol_dc"], 4)
    protocol = dispute.protocol_snapshot
    text = views.next_step(dispute, protocol, calendar)
    assert "every 5 working days (a partnership default; the protocol sets no review" in text
    stated = protocol.model_copy(update={"final_review_source": "Section 9: 'weekly review'"})
    assert "(as the protocol sets)" in views.next_step(dispute, stated, calendar)


def test_presets_without_a_review_rule_say_so_in_their_notes(catalog):
    for protocol in catalog:
        if protocol.final_review_source is None:
            assert any("partnership default" in n for n in protocol.notes), protocol.key
