"""When reminders arrive: halfway by working time, inside working hours across weekends and bank
holidays, and never twice to one person in a half day unless the dispute is urgent."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.flows.sweep import Sweeper
from models.outbox import OutboxKind, OutboxMessage
from models.schedule import Reminder
from tests.conftest import london
from tests.e2e.conftest import Bot
from tests.e2e.test_journey import last_notice, open_dispute
from tests.e2e.test_timed import sweep

SECOND_CHILD = "CS-104299"


@pytest.fixture
def sweeper(bot: Bot) -> Sweeper:
    rt = bot.rt
    return Sweeper(factory=rt.factory, service=rt.service, notifier=rt.notifier, clock=rt.clock)


def texts(bot: Bot, key: str) -> list[str]:
    """The direct messages a person was sent, as they arrived: a reminder the dispute has
    since moved past is redrawn in place without its buttons."""
    channel = bot.slack.dm_channel(bot.ids[key])
    return [
        call.params["text"]
        for call in bot.emulator.calls("chat.postMessage")
        if call.params.get("channel") == channel
    ]


def reminders_by_half_day(bot: Bot) -> Counter[tuple[int, object]]:
    """How many reminders each person was sent in each half working day."""
    calendar = bot.rt.calendar
    with bot.rt.factory() as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.REMINDER)
        ).all()
        return Counter((row.person_id, calendar.half_day(row.not_before)) for row in rows)


def test_a_stage_over_the_august_bank_holiday_is_reminded_in_working_time(
    bot: Bot, sweeper: Sweeper
) -> None:
    bot.clock.set(london(2026, 8, 27, 16, 30))  # Thursday; Monday 31 August is a bank holiday
    open_dispute(bot)  # five working days: due Friday 4 September 17:00
    bot.slack.press(bot.ids["csc_sw"], last_notice(bot, "csc_sw"), "notice_acknowledge")
    with bot.rt.factory() as session:
        planned = {r.label: r.due_at for r in session.scalars(select(Reminder))}
    # 40.5 working hours; halfway by the clock would be the bank holiday at 16:45.
    assert planned["50%"] == london(2026, 9, 2, 12, 45)
    assert planned["1 working day before"] == london(2026, 9, 3, 17, 0)
    assert all(bot.rt.calendar.is_working_time(due) for due in planned.values())
    bot.clock.set(london(2026, 8, 31, 16, 45))
    assert sweep(bot, sweeper).reminders_sent == 0
    bot.clock.set(london(2026, 9, 2, 12, 44))
    assert sweep(bot, sweeper).reminders_sent == 0
    bot.clock.set(london(2026, 9, 2, 12, 45))
    assert sweep(bot, sweeper).reminders_sent == 1
    assert "Halfway: RPD-2026-0001 is due by Friday 4 September 2026 at 5:00pm (BST)." in texts(
        bot, "csc_sw"
    )
    bot.clock.set(london(2026, 9, 3, 17, 0))
    sweep(bot, sweeper)
    assert "Due tomorrow: RPD-2026-0001 is due by Friday 4 September 2026 at 5:00pm (BST)." in (
        texts(bot, "csc_sw")
    )


def test_one_person_gets_at_most_one_reminder_a_half_day(bot: Bot, sweeper: Sweeper) -> None:
    open_dispute(bot)  # Monday 23 Nov 10:00, both due Monday 30 Nov 17:00
    open_dispute(bot, child_ref=SECOND_CHILD)
    # Neither notice is acknowledged: both chasers fall due at the close of Tuesday.
    bot.clock.set(london(2026, 11, 24, 17, 0))
    report = sweep(bot, sweeper)
    assert (report.reminders_sent, report.deferred) == (1, 1)
    chased = [t for t in texts(bot, "csc_sw") if t.startswith("Please acknowledge")]
    assert len(chased) == 1
    # The other waits for the next half day: Wednesday's opening, not Tuesday evening.
    bot.clock.set(london(2026, 11, 25, 8, 59))
    assert sweep(bot, sweeper).reminders_sent == 0
    bot.clock.set(london(2026, 11, 25, 9, 0))
    assert sweep(bot, sweeper).reminders_sent == 1
    assert len([t for t in texts(bot, "csc_sw") if t.startswith("Please acknowledge")]) == 2
    # Through the rest of the stage, hour by hour, no one hears twice in a half day.
    moment = london(2026, 11, 25, 9, 0)
    while moment < london(2026, 11, 30, 17, 0):
        moment += timedelta(hours=1)
        bot.clock.set(moment)
        sweep(bot, sweeper)
    counts = reminders_by_half_day(bot)
    assert len(counts) >= 6 and max(counts.values()) == 1
    halfway = [t for t in texts(bot, "csc_sw") if t.startswith("Halfway")]
    assert len(halfway) == 2


def test_urgent_disputes_are_reminded_at_once_whatever_else_was_sent(
    bot: Bot, sweeper: Sweeper
) -> None:
    bot.clock.set(london(2026, 11, 23, 16, 0))
    open_dispute(bot, urgency="immediate")  # 24 hours: due Tuesday 16:00
    open_dispute(bot, urgency="immediate", child_ref=SECOND_CHILD)
    bot.clock.set(london(2026, 11, 24, 4, 0))  # halfway by the clock, at night
    report = sweep(bot, sweeper)
    assert (report.reminders_sent, report.deferred) == (2, 0)
    assert len([t for t in texts(bot, "csc_sw") if t.startswith("Halfway")]) == 2
