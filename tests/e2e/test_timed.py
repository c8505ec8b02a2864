"""Deadlines that enforce themselves: reminders, acknowledgement chasing, automatic escalation,
the final stage and directory gaps — all by moving the injected clock."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.flows.sweep import Sweeper
from models.audit import AuditEvent
from models.directory import Person
from models.dispute import Dispute, StageTransition
from models.schedule import Reminder
from tests.conftest import london
from tests.e2e.conftest import Bot
from tests.e2e.test_journey import last_notice, open_dispute


@pytest.fixture
def sweeper(bot: Bot) -> Sweeper:
    rt = bot.rt
    return Sweeper(factory=rt.factory, service=rt.service, notifier=rt.notifier, clock=rt.clock)


def sweep(bot: Bot, sweeper: Sweeper):
    report = sweeper.run_once()
    bot.deliver()
    return report


def texts(bot: Bot, key: str) -> list[str]:
    return [m["text"] for m in bot.dms(key)]


def test_reminders_at_halfway_and_a_working_day_before(bot: Bot, sweeper: Sweeper) -> None:
    open_dispute(bot)  # Monday 23 Nov 10:00; due Monday 30 Nov 17:00
    bot.slack.press(bot.ids["csc_sw"], last_notice(bot, "csc_sw"), "notice_acknowledge")
    # 47 working hours: halfway is 23.5 of them, Thursday 09:30 (by the clock, Friday 01:30).
    bot.clock.set(london(2026, 11, 26, 9, 29))
    assert sweep(bot, sweeper).reminders_sent == 0
    bot.clock.set(london(2026, 11, 26, 9, 30))
    assert sweep(bot, sweeper).reminders_sent == 1
    halfway = "Halfway: RPD-2026-0001 is due by Monday 30 November 2026 at 5:00pm (GMT)."
    assert halfway in texts(bot, "csc_sw") and halfway in texts(bot, "pol_dc")
    assert not any("%" in str(m["blocks"]) for m in bot.dms("csc_sw"))
    bot.clock.set(london(2026, 11, 27, 17, 0))  # one working day before the deadline
    sweep(bot, sweeper)
    assert "Due Monday: RPD-2026-0001 is due by Monday 30 November 2026 at 5:00pm (GMT)." in texts(
        bot, "csc_sw"
    )
    assert sweep(bot, sweeper).reminders_sent == 0  # nothing twice


def test_reminders_are_planned_in_working_hours(bot: Bot, sweeper: Sweeper) -> None:
    bot.clock.set(london(2026, 11, 23, 16, 0))
    open_dispute(bot)  # due Monday 30 Nov 17:00
    with bot.rt.factory() as session:
        planned = {r.label: r.due_at for r in session.scalars(select(Reminder))}
    # 41 working hours: halfway is Thursday 12:30; the day-before one is at close of Friday.
    assert planned["50%"] == london(2026, 11, 26, 12, 30)
    assert planned["1 working day before"] == london(2026, 11, 27, 17, 0)
    assert all(bot.rt.calendar.is_working_time(d) for d in planned.values())


def test_urgent_reminders_may_come_at_any_hour(bot: Bot, sweeper: Sweeper) -> None:
    bot.clock.set(london(2026, 11, 23, 16, 0))
    open_dispute(bot, urgency="immediate")  # 24 hours: due Tuesday 16:00
    bot.clock.set(london(2026, 11, 24, 4, 0))  # halfway: 04:00
    assert sweep(bot, sweeper).reminders_sent == 1


def test_unacknowledged_notice_is_chased_then_leads_told(bot: Bot, sweeper: Sweeper) -> None:
    open_dispute(bot)
    bot.clock.set(london(2026, 11, 24, 17, 0))  # 1 working day
    sweep(bot, sweeper)
    assert any("Reminder 1" in str(m["blocks"]) for m in bot.dms("csc_sw"))
    bot.clock.set(london(2026, 11, 25, 17, 0))
    sweep(bot, sweeper)
    assert any("Reminder 2" in str(m["blocks"]) for m in bot.dms("csc_sw"))
    bot.clock.set(london(2026, 11, 26, 17, 0))
    sweep(bot, sweeper)
    # No leads channel is configured, so the partnership's admins hear of it directly.
    assert any(
        "has not been acknowledged by <@U0CSCSW> (Social Worker, Northshire Children's Social "
        "Care) after 2 reminders" in str(m["blocks"])
        for m in bot.dms("admin")
    )


def test_acknowledging_stops_the_chasing(bot: Bot, sweeper: Sweeper) -> None:
    open_dispute(bot)
    bot.slack.press(bot.ids["csc_sw"], last_notice(bot, "csc_sw"), "notice_acknowledge")
    bot.deliver()
    bot.clock.set(london(2026, 11, 24, 17, 0))
    sweep(bot, sweeper)
    assert not any("Reminder 1" in str(m["blocks"]) for m in bot.dms("csc_sw"))


def test_automatic_escalation_when_the_deadline_lapses(bot: Bot, sweeper: Sweeper) -> None:
    open_dispute(bot)
    bot.clock.set(london(2026, 11, 30, 16, 59))
    assert sweep(bot, sweeper).escalated == 0
    bot.clock.set(london(2026, 11, 30, 17, 0))
    assert sweep(bot, sweeper).escalated == 1
    for manager in ("pol_ds", "csc_tm"):
        shown = str(last_notice(bot, manager)["blocks"])
        assert "Stage 2 of 5: First line managers" in shown
        assert "Monday 7 December 2026 at 5:00pm (GMT)" in shown
    told = [t for t in texts(bot, "pol_dc") if "moved to Stage 2" in t]
    assert told
    assert any("its timescale lapsed" in str(m["blocks"]) for m in bot.dms("csc_sw"))
    with bot.rt.factory() as session:
        lapsed = session.scalar(select(StageTransition).where(StageTransition.to_stage == 1))
        assert lapsed is not None and lapsed.reason == "timescale lapsed"
        assert lapsed.actor_id is None
    channel = bot.emulator.calls("conversations.create")[0].response["channel"]["id"]
    members = set(bot.rt.client.conversations_members(channel=channel)["members"])
    assert {bot.ids["pol_ds"], bot.ids["csc_tm"]} <= members
    assert sweep(bot, sweeper).escalated == 0


def test_final_stage_tells_admins_and_reviews_on_cadence(bot: Bot, sweeper: Sweeper) -> None:
    open_dispute(bot)
    for deadline in (
        london(2026, 11, 30, 17, 0),
        london(2026, 12, 7, 17, 0),
        london(2026, 12, 14, 17, 0),
        london(2026, 12, 21, 17, 0),
    ):
        bot.clock.set(deadline)
        assert sweep(bot, sweeper).escalated == 1
    assert "Stage 5 of 5" in str(last_notice(bot, "chair")["blocks"])
    reached = [str(m["blocks"]) for m in bot.dms("admin") if "reached the final stage" in m["text"]]
    assert len(reached) == 1 and "Monday 21 December 2026 at 5:00pm" in reached[0]
    # Five working days at the final stage (skipping Christmas) bring the review. The same
    # sweep chases those acting for their acknowledgement, so the review, which goes to them
    # too, waits for their next half day: the next working day's morning, after New Year's Day.
    bot.clock.set(london(2026, 12, 31, 17, 0))
    assert sweep(bot, sweeper).deferred == 1
    assert not any("still open" in str(m["blocks"]) for m in bot.dms("admin"))
    bot.clock.set(london(2027, 1, 4, 9, 0))
    assert sweep(bot, sweeper).reminders_sent == 1
    assert any(
        "final stage" in str(m["blocks"]) and "still open" in str(m["blocks"])
        for m in bot.dms("admin")
    )
    with bot.rt.factory() as session:
        dispute = session.scalar(select(Dispute))
        assert dispute is not None and dispute.stage_index == 4 and dispute.deadline_at is None


def test_missing_directory_entry_is_reported_and_chased_until_fixed(
    bot: Bot, sweeper: Sweeper
) -> None:
    with bot.rt.factory() as session, session.begin():
        head = session.scalar(select(Person).where(Person.email == "csc_hos@northshire.example"))
        assert head is not None
        # Now nobody in social care is a head of service, and no one senior to one is there
        # for the protocol's fallback order to turn to.
        head.role = "senior_manager"
    open_dispute(bot)
    for deadline in (
        london(2026, 11, 30, 17, 0),
        london(2026, 12, 7, 17, 0),
        london(2026, 12, 14, 17, 0),
    ):
        bot.clock.set(deadline)
        sweep(bot, sweeper)
    # The service manager who acted at the stage before carries on for social care.
    assert "keeps acting for the" in str(last_notice(bot, "csc_sm")["blocks"])
    alerts = [str(m["blocks"]) for m in bot.dms("admin")]
    assert any(
        "Nobody in Northshire Children's Social Care has the role 'head of service'" in a
        for a in alerts
    )
    bot.clock.set(london(2026, 12, 15, 17, 0))
    sweep(bot, sweeper)
    assert sum("directory could not supply" in str(m["blocks"]) for m in bot.dms("admin")) == 2
    with bot.rt.factory() as session, session.begin():
        head = session.scalar(select(Person).where(Person.email == "csc_hos@northshire.example"))
        assert head is not None
        head.role = "head_of_service"
    bot.clock.set(london(2026, 12, 16, 17, 0))
    sweep(bot, sweeper)
    assert "Stage 4 of 5: Heads of service" in str(last_notice(bot, "csc_hos")["blocks"])
    bot.clock.set(london(2026, 12, 17, 17, 0))
    sweep(bot, sweeper)
    assert sum("directory could not supply" in str(m["blocks"]) for m in bot.dms("admin")) == 2


def test_restart_catches_up_exactly_once_and_drops_stale_reminders(
    bot: Bot, sweeper: Sweeper
) -> None:
    open_dispute(bot)  # due Monday 30 November 17:00
    bot.clock.set(london(2026, 11, 25, 11, 0))
    open_dispute(bot, child_ref="CS-2", counterpart=bot.ids["csc_tm"])  # due Wed 2 Dec 17:00
    bot.clock.set(london(2026, 11, 26, 9, 0))
    open_dispute(bot, child_ref="CS-3", counterpart=bot.ids["csc_sm"])  # due Thu 3 Dec 17:00
    sent_before = len(bot.emulator.messages())

    # The bot is stopped; when it starts again it is Monday 7 December, past all three.
    bot.clock.set(london(2026, 12, 7, 9, 0))
    restarted = Sweeper(
        factory=bot.rt.factory, service=bot.rt.service, notifier=bot.rt.notifier, clock=bot.rt.clock
    )
    report = sweep(bot, restarted)
    assert report.escalated == 3
    assert report.reminders_sent == 0  # halfway reminders for a stage already gone
    with bot.rt.factory() as session:
        disputes = session.scalars(select(Dispute).order_by(Dispute.id)).all()
        assert [d.stage_index for d in disputes] == [1, 1, 1]
        # The managers get their full timescale from now, not a stage already run out.
        assert {d.deadline_at for d in disputes} == {london(2026, 12, 14, 17, 0)}
        entered = session.scalars(
            select(AuditEvent).where(AuditEvent.kind == "stage_entered")
        ).all()
    assert len(entered) == 6
    new = bot.emulator.messages()[sent_before:]
    assert not any("Reminder" in m["text"] and "is due by" in m["text"] for m in new)
    assert sweep(bot, restarted).escalated == 0
    assert sweep(bot, sweeper).escalated == 0
