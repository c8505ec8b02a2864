"""`/dispute list` and the App Home for a busy person: each group capped in SQL, with its count."""

from __future__ import annotations

from datetime import timedelta

from bot.messages.home import HOME_ITEMS, UPCOMING_WINDOW, home_view, list_message
from bot.services.queries import awaiting_acknowledgement, my_disputes, upcoming_deadlines
from models.my_disputes import Capped, MyDisputes
from tests.messages.test_home import open_many, texts

SEE_HOME = "more."  # with a button beside it to the next page of the group


def test_each_group_comes_back_capped_with_its_full_count(service, session, people, clock):
    open_many(service, session, people, 7)
    manager = people["csc_tm"]
    whole = my_disputes(session, manager)
    capped = my_disputes(session, manager, limit=3)
    assert [d.reference for d in capped.involved] == [d.reference for d in whole.involved][:3]
    assert (len(capped.involved), capped.involved.total, capped.open_count) == (3, 7, 7)
    assert [n.id for n in capped.awaiting] == [n.id for n in whole.awaiting][:3]
    assert capped.awaiting.total == len(awaiting_acknowledgement(session, manager)) == 7
    upcoming = upcoming_deadlines(
        session, manager, now=clock.now(), within=timedelta(days=14), limit=2
    )
    assert (len(upcoming), upcoming.total) == (2, 7)


def test_the_list_says_how_many_more_each_capped_group_holds(
    service, session, people, calendar, clock
):
    open_many(service, session, people, 7)
    reply = list_message(my_disputes(session, people["csc_tm"], limit=3), calendar=calendar)
    dumped = texts(reply)
    assert reply["text"] == "You have 7 open disputes; 7 waiting for your acknowledgement."
    assert dumped.count(f"…and 4 {SEE_HOME}") == 2  # awaiting, and escalated to them
    assert dumped.count("RPD-2026-") == 6


def test_the_home_tab_counts_what_the_query_left_out(service, session, people, calendar, clock):
    open_many(service, session, people, HOME_ITEMS + 5)
    manager, now = people["csc_tm"], clock.now()
    view = home_view(
        my_disputes(session, manager, limit=HOME_ITEMS),
        upcoming_deadlines(session, manager, now=now, within=UPCOMING_WINDOW, limit=HOME_ITEMS),
        calendar=calendar,
        now=now,
    )
    more = [b["elements"][0]["text"] for b in view["blocks"] if b["type"] == "context"]
    assert more[1:] == ["and 5 more: use `/dispute list`"] * 3


def test_thousands_are_written_with_separators(service, session, people, calendar):
    (dispute,) = open_many(service, session, people, 1, escalate=False)
    busy = MyDisputes(involved=Capped([dispute] * 50, total=1_154))
    reply = list_message(busy, calendar=calendar)
    assert reply["text"].startswith("You have 1,154 open disputes;")
    assert f"…and 1,104 {SEE_HOME}" in texts(reply)
    [more] = [b for b in reply["blocks"] if "accessory" in b]
    assert more["accessory"]["text"]["text"] == "Next 50"
    assert more["accessory"]["value"] == "involved:2"


def test_the_home_tab_writes_thousands_with_separators_too(
    service, session, people, calendar, clock
):
    (dispute,) = open_many(service, session, people, 1, escalate=False)
    busy = MyDisputes(involved=Capped([dispute] * HOME_ITEMS, total=1_154))
    view = home_view(busy, [], calendar=calendar, now=clock.now())
    assert "and 1,139 more: use `/dispute list`" in texts(view)
