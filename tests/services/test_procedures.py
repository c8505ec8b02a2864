"""The procedures' records with the real services: asked for, kept, exported and erased."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.services.disputes import DisputeService
from bot.services.retention import erase
from bot.services.subject_access import export_person
from bot.working_days import WorkingCalendar
from models.directory import Person
from models.procedures import CategoryAnswer, ReflectiveRequest
from tests.services.test_disputes import open_dispute

TOPIC = "What got in the way of the joint home visit"


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_reflective_request_is_exported_without_its_text_and_erased_with_the_dispute(
    service: DisputeService,
    session: Session,
    people: dict[str, Person],
    calendar: WorkingCalendar,
) -> None:
    dispute = open_dispute(
        service, session, people, protocol_key="portsmouth", category="referral-criteria"
    ).transition.dispute
    service.request_reflective(
        session=session, dispute=dispute, actor=people["csc_sw"], topic=TOPIC
    )
    session.commit()

    (asked,) = export_person(session, email="csc_sw@example.org")["reflective_meetings_requested"]
    assert asked["dispute"] == dispute.reference and asked["requested_at"]
    assert TOPIC not in str(asked)

    erase(session, dispute, now=service.clock.now(), period_text="6 years", calendar=calendar)
    assert _count(session, ReflectiveRequest) == 0


def test_category_details_are_checked_kept_and_erased_with_the_dispute(
    service: DisputeService,
    session: Session,
    people: dict[str, Person],
    calendar: WorkingCalendar,
) -> None:
    answers = service.checked_answers(
        protocol_key="oxfordshire",
        category="cp-conference-dissent",
        answers={
            "conference_date": "yesterday",
            "dissenting_agency": " Northshire Police ",
            "dissenting_professional": "DC Moss",
            "dissent_reason": "Risk of significant harm remains.",
        },
        child_ref="CS-104233",
    )
    assert answers["conference_date"] == "2026-11-22"
    assert answers["dissenting_agency"] == "Northshire Police"
    assert (
        service.checked_answers(
            protocol_key="oxfordshire",
            category="referral-criteria",
            answers={"dissent_reason": "ignored"},
            child_ref="CS-104233",
        )
        == {}
    )
    dispute = open_dispute(
        service,
        session,
        people,
        protocol_key="oxfordshire",
        category="cp-conference-dissent",
        counterpart=people["csc_tm"],
    ).transition.dispute
    service.record_answers(session, dispute, answers, people["pol_dc"])
    session.flush()
    assert {a.key: a.value for a in dispute.category_answers} == answers

    erase(session, dispute, now=service.clock.now(), period_text="6 years", calendar=calendar)
    assert _count(session, CategoryAnswer) == 0
