"""A policy whose list of areas is not exhaustive still takes a difference outside the list."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.services.disputes import DisputeService
from bot.services.record import render_record
from bot.working_days import WorkingCalendar
from models.directory import Person
from tests.conftest import london


def test_a_disagreement_outside_the_listed_areas_can_be_raised(
    service: DisputeService,
    session: Session,
    people: dict[str, Person],
    calendar: WorkingCalendar,
) -> None:
    entry = service.open(
        session=session,
        protocol_key="specialist-childrens-services",
        category="other",
        raiser=people["pol_dc"],
        counterpart=people["csc_sw"],
        child_ref="CS-104233",
        summary="The agencies disagree about who visits the child next week.",
    )
    dispute = entry.transition.dispute
    # Stage One: the professionals have one working day.
    assert dispute.deadline_at == london(2026, 11, 24, 17, 0)
    assert {n.person.email for n in entry.transition.notices} == {"csc_sw@example.org"}
    record = render_record(session, dispute=dispute, calendar=calendar)
    assert "- **Category:** Another disagreement about safeguarding the child" in record
