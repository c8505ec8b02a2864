"""The Home tab and `/dispute list`: right content, inside Slack's limits, no child references."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import FrozenClock
from bot.messages.dates import as_fallback
from bot.messages.disputes import ACKNOWLEDGE
from bot.messages.home import (
    HOME_ITEMS,
    LIST_ITEMS,
    UPCOMING_WINDOW,
    home_view,
    list_message,
)
from bot.services.disputes import DisputeService
from bot.services.queries import MyDisputes, my_disputes, upcoming_deadlines
from bot.slack_emulator import validate_blocks, validate_view
from bot.working_days import WorkingCalendar
from models.directory import Person
from models.dispute import Dispute
from tests.conftest import london


def open_many(
    service: DisputeService,
    session: Session,
    people: dict[str, Person],
    count: int,
    *,
    escalate: bool = True,
) -> list[Dispute]:
    """`count` disputes between the same two practitioners, each with its own child reference."""
    disputes = []
    for n in range(count):
        dispute = service.open(
            session=session,
            protocol_key="suffolk",
            category="referral-threshold",
            raiser=people["pol_dc"],
            counterpart=people["csc_sw"],
            child_ref=f"CS-9{n:05d}",
            summary=f"Confidential summary {n}",
        ).transition.dispute
        if escalate:
            service.escalate(
                session=session, dispute=dispute, actor=people["pol_dc"], reason="No agreement"
            )
        disputes.append(dispute)
    session.flush()
    return disputes


def home_for(
    session: Session, person: Person, calendar: WorkingCalendar, clock: FrozenClock
) -> dict[str, Any]:
    now = clock.now()
    upcoming = upcoming_deadlines(session, person, now=now, within=UPCOMING_WINDOW)
    return home_view(my_disputes(session, person), upcoming, calendar=calendar, now=now)


def texts(payload: dict[str, Any]) -> str:
    """The payload as read where Slack shows each date token's UK fallback."""
    return as_fallback(json.dumps(payload, ensure_ascii=False))


def assert_private(payload: dict[str, Any], disputes: list[Dispute]) -> None:
    dumped = texts(payload)
    for dispute in disputes:
        assert dispute.child_ref not in dumped
        assert dispute.summary not in dumped


def test_an_escalated_manager_can_acknowledge_from_home(service, session, people, calendar, clock):
    (dispute,) = open_many(service, session, people, 1)
    view = home_for(session, people["csc_tm"], calendar, clock)
    assert validate_view(view, allowed_types=["home"]) == []
    assert_private(view, [dispute])
    buttons = [
        b["accessory"] for b in view["blocks"] if b["type"] == "section" and "accessory" in b
    ]
    assert buttons == [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": "Acknowledge"},
            "action_id": ACKNOWLEDGE,
            "value": dispute.reference,
            "style": "primary",
        }
    ]
    dumped = texts(view)
    assert "Stage 2 of 5: First line managers" in dumped
    assert "Acknowledge by Tuesday 24 November 2026 at 5:00pm (GMT)" in dumped
    due = int(london(2026, 11, 24, 17, 0).timestamp())
    assert f"Acknowledge by <!date^{due}^" in json.dumps(view)  # in the reader's own time
    assert "Pol Dc (Northshire Police) and Csc Sw (Northshire Children's Social Care)" in dumped
    assert "*Escalated to you*" in dumped
    # Monday 23 November 10:00 + 5 working days.
    assert "Monday 30 November 2026 at 5:00pm (GMT) (in 7 days)" in dumped


def test_an_overdue_acknowledgement_is_flagged(service, session, people, calendar, clock):
    open_many(service, session, people, 1)
    clock.advance(timedelta(days=2))
    dumped = texts(home_for(session, people["csc_tm"], calendar, clock))
    assert "Acknowledgement overdue since Tuesday 24 November 2026 at 5:00pm (GMT)" in dumped
    assert "(in 5 days)" in dumped


def test_acknowledged_notices_leave_the_home_tab(service, session, people, calendar, clock):
    (dispute,) = open_many(service, session, people, 1)
    service.acknowledge(session=session, dispute=dispute, actor=people["csc_tm"])
    session.flush()
    view = home_for(session, people["csc_tm"], calendar, clock)
    assert "Nothing is waiting for you." in texts(view)
    assert not any("accessory" in b for b in view["blocks"])


def test_someone_with_nothing_sees_friendly_empty_states(session, people, calendar, clock):
    view = home_for(session, people["hv"], calendar, clock)
    assert validate_view(view, allowed_types=["home"]) == []
    dumped = texts(view)
    assert "Nothing is waiting for you." in dumped
    assert "You have no open disputes." in dumped
    assert "No deadlines in the next 14 days." in dumped
    reply = list_message(my_disputes(session, people["hv"]), calendar=calendar)
    assert validate_blocks(reply["blocks"], surface="message") == []
    assert "You have no open disputes. Nothing is waiting for you." in texts(reply)
    assert reply["text"] == "You have 0 open disputes; 0 waiting for your acknowledgement."


def test_forty_disputes_stay_inside_slacks_limits(service, session, people, calendar, clock):
    disputes = open_many(service, session, people, 40)
    for key in ("csc_tm", "pol_dc", "csc_sw"):
        view = home_for(session, people[key], calendar, clock)
        assert validate_view(view, allowed_types=["home"]) == []
        assert len(view["blocks"]) <= 100
        assert_private(view, disputes)
        reply = list_message(my_disputes(session, people[key]), calendar=calendar)
        assert validate_blocks(reply["blocks"], surface="message") == []
        assert_private(reply, disputes)
        assert "`/dispute status REF`" in texts(reply["blocks"][-1])

    manager = home_for(session, people["csc_tm"], calendar, clock)
    acknowledge = [b for b in manager["blocks"] if "accessory" in b]
    assert len(acknowledge) == HOME_ITEMS
    more = [b["elements"][0]["text"] for b in manager["blocks"] if b["type"] == "context"]
    hidden = 40 - HOME_ITEMS
    # Awaiting, escalated to them, and deadlines: each capped with a pointer to the full list.
    assert more[1:] == [f"and {hidden} more: use `/dispute list`"] * 3
    listed = texts(list_message(my_disputes(session, people["csc_tm"]), calendar=calendar))
    assert all(d.reference in listed for d in disputes)


def test_the_list_caps_each_group_and_says_how_many_more(service, session, people, calendar, clock):
    (dispute,) = open_many(service, session, people, 1, escalate=False)
    many = MyDisputes(raised=[dispute] * (LIST_ITEMS + 7))
    reply = list_message(many, calendar=calendar)
    assert validate_blocks(reply["blocks"], surface="message") == []
    dumped = texts(reply)
    assert dumped.count(dispute.reference) == LIST_ITEMS
    assert "…and 7 more." in dumped
    assert reply["text"].startswith(f"You have {LIST_ITEMS + 7} open disputes;")


def test_long_directory_entries_are_clipped_not_rejected(service, session, people, calendar, clock):
    for key in ("pol_dc", "csc_sw"):
        people[key].name = "N" * 200
        people[key].agency.name = "A" * 200
    open_many(service, session, people, 20)
    view = home_for(session, people["csc_tm"], calendar, clock)
    assert validate_view(view, allowed_types=["home"]) == []


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.mark.parametrize("count", [1, 12])
def test_the_home_tab_costs_the_same_few_queries_however_busy(
    service, session, people, calendar, clock, engine, factory: sessionmaker[Session], count
):
    open_many(service, session, people, count)
    manager_id = people["csc_tm"].id
    session.commit()
    with factory() as fresh:
        manager = fresh.get(Person, manager_id)
        assert manager is not None
        with counted(engine) as statements:
            view = home_for(fresh, manager, calendar, clock)
            list_message(my_disputes(fresh, manager, with_parties=False), calendar=calendar)
    assert texts(view).count("RPD-2026-") >= count
    # Each list is counted, then its first rows loaded: on the Home tab awaiting, the one group
    # the manager's disputes fall in (counted with the other groups) and upcoming; in the list
    # awaiting and that group. Awaiting also chooses its page's disputes before their notices.
    assert len(statements) == 7 + 5
