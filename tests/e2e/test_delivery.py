"""A Slack outage delays messages; it never loses one or half-applies an escalation."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.database import transaction
from models.dispute import Dispute
from models.outbox import OutboxKind, OutboxMessage, OutboxStatus
from tests.e2e.conftest import Bot
from tests.e2e.test_journey import open_dispute


def rows(bot: Bot) -> list[OutboxMessage]:
    with bot.rt.factory() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def submit_open(bot: Bot, child_ref: str = "CS-1") -> None:
    """Opens a dispute without delivering its messages yet."""
    bot.slack.command(bot.ids["pol_dc"], "open")
    modal = bot.emulator.views_opened()[-1]
    bot.slack.submit(
        bot.ids["pol_dc"],
        modal,
        {
            "counterpart": bot.ids["csc_sw"],
            "category": "referral-threshold",
            "child_ref": child_ref,
            "summary": "Refused",
        },
    )


def test_rate_limit_waits_as_long_as_slack_says(bot: Bot) -> None:
    submit_open(bot)
    bot.emulator.fail_next("conversations.create", status=429, retry_after=30)
    bot.rt.delivery.deliver_due()
    waiting = [r for r in rows(bot) if r.status == "pending"]
    sync = next(r for r in waiting if r.kind == "sync_members")
    assert sync.not_before == bot.clock.now() + timedelta(seconds=30)
    assert "rate limited" in (sync.last_error or "")
    # The change itself is committed regardless: the dispute exists and is at stage 1.
    with bot.rt.factory() as session:
        assert session.scalar(select(Dispute.stage_index)) == 0
    bot.clock.advance(timedelta(seconds=29))
    bot.deliver()
    assert bot.emulator.calls("conversations.create")[-1].status == 429
    bot.clock.advance(timedelta(seconds=1))
    bot.deliver()
    bot.clock.advance(timedelta(seconds=5))  # the channel's first message waited for the channel
    bot.deliver()
    assert all(r.status == "sent" for r in rows(bot))
    assert len([c for c in bot.emulator.calls("conversations.create") if c.status == 200]) == 1


def test_server_errors_back_off_then_succeed(bot: Bot) -> None:
    submit_open(bot)
    bot.emulator.fail_next("chat.postMessage", status=503, retry_after=None, times=2)
    bot.rt.delivery.deliver_due()
    failed = [r for r in rows(bot) if r.attempts and r.status == "pending"]
    assert failed and "503" in (failed[0].last_error or "")
    for _ in range(5):
        bot.clock.advance(timedelta(minutes=1))
        bot.rt.delivery.drain()
    assert all(r.status == "sent" for r in rows(bot))


@pytest.mark.provokes_errors("Slack is unreachable: slack_sdk logs each refused connection")
def test_network_outage_delays_but_loses_nothing(bot: Bot) -> None:
    submit_open(bot)
    queued = {r.id for r in rows(bot)}
    bot.emulator.stop()
    report = bot.rt.delivery.deliver_due()
    assert report.sent == 0 and report.retried >= 1
    assert all(r.status == "pending" for r in rows(bot))
    assert "network error" in (rows(bot)[0].last_error or "")
    posted_during = len(bot.emulator.calls("chat.postMessage"))

    bot.emulator.start()  # Slack is back, on the same address
    for _ in range(10):
        bot.clock.advance(timedelta(minutes=1))
        bot.deliver()
    assert {r.id for r in rows(bot) if r.status == "sent"} >= queued
    assert all(r.status == "sent" for r in rows(bot))
    # What the dispute's opening caused reached the people after the outage.
    assert any("your action is needed" in m["text"].lower() for m in bot.dms("csc_sw"))
    assert any("RPD-2026-0001 is open" in m["text"] for m in bot.dms("pol_dc"))
    assert len(bot.emulator.calls("chat.postMessage")) > posted_during
    created = [c for c in bot.emulator.calls("conversations.create") if c.status == 200]
    assert len(created) == 1


def test_dead_letter_after_max_attempts_alerts_the_admins(bot: Bot) -> None:
    submit_open(bot)
    attempts = bot.rt.settings.outbox_max_attempts
    bot.emulator.fail_next("conversations.create", status=500, retry_after=None, times=attempts)
    for _ in range(attempts + 2):
        bot.rt.delivery.drain()
        bot.clock.advance(timedelta(minutes=20))
    dead = [r for r in rows(bot) if r.status == "dead"]
    assert [r.kind for r in dead] == ["sync_members", "conversation"]  # the post goes with it
    assert dead[0].attempts == attempts
    alerts = [m for m in bot.dms("admin") if "could not be delivered" in m["text"]]
    assert len(alerts) == 1
    assert "RPD-2026-0001" in alerts[0]["text"]


def test_a_permanent_error_is_dead_lettered_at_once(bot: Bot) -> None:
    open_dispute(bot)
    with bot.rt.factory() as session, session.begin():
        dispute = session.scalar(select(Dispute))
        assert dispute is not None
        bot.rt.notifier.conversation(session, dispute, {"text": "x", "blocks": []})
        dispute.conversation_id = "C0GONE"
    bot.rt.delivery.drain()
    dead = [r for r in rows(bot) if r.status == "dead"]
    assert dead and "channel_not_found" in (dead[-1].last_error or "")


def test_messages_to_one_channel_are_paced(bot: Bot) -> None:
    bot.rt.delivery.pacing_seconds = 0.2
    open_dispute(bot)
    bot.slack.command(bot.ids["pol_dc"], "log RPD-2026-0001 one")
    bot.slack.command(bot.ids["pol_dc"], "log RPD-2026-0001 two")
    bot.deliver()
    stamps = [
        c.at
        for c in bot.emulator.calls("chat.postMessage")
        if c.params.get("channel") == bot.slack.dm_channel(bot.ids["csc_sw"])
    ]
    gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    assert gaps and min(gaps) >= 0.19


def test_people_use_the_bot_while_slack_has_a_message_in_hand(bot: Bot) -> None:
    """Delivery writes nothing while it waits for Slack: a dispute opened meanwhile is stored
    there and then, not once Slack has answered (with SQLite's write lock held across the
    call, this waited the emulator's full minute)."""
    submit_open(bot)
    hold = bot.emulator.hold_next("conversations.create")
    delivering = threading.Thread(target=bot.rt.delivery.deliver_due)
    delivering.start()
    try:
        assert hold.arrived.wait(10), "delivery never reached Slack"
        submit_open(bot, child_ref="CS-2")
        assert delivering.is_alive(), "the dispute was stored only after Slack answered"
        with bot.rt.factory() as session:
            assert session.scalar(select(func.count()).select_from(Dispute)) == 2
    finally:
        hold.set()
        delivering.join(timeout=30)
    bot.deliver()
    assert all(r.status == "sent" for r in rows(bot))
    created = [c for c in bot.emulator.calls("conversations.create") if c.status == 200]
    assert len(created) == 2


def test_direct_messages_are_opened_once_and_afresh_when_one_fails(bot: Bot) -> None:
    open_dispute(bot)
    worker = bot.ids["csc_sw"]

    def opened_for_worker(since: int) -> int:
        calls = bot.emulator.calls("conversations.open", since=since)
        return sum(call.params.get("users") == worker for call in calls)

    received = len(bot.dms("csc_sw"))
    bot.slack.command(bot.ids["pol_dc"], "log RPD-2026-0001 Spoke to the school")
    before = len(bot.emulator.calls("conversations.open"))
    bot.deliver()
    assert opened_for_worker(before) == 0  # the conversation the opening's notice went to
    assert len(bot.dms("csc_sw")) == received + 1

    # Slack no longer knows the remembered conversation: the message is not lost, nor the
    # conversation asked for on every message after.
    bot.slack.command(bot.ids["pol_dc"], "log RPD-2026-0001 Met the family")
    bot.emulator.fail_next("chat.postMessage", error="channel_not_found", status=200)
    before = len(bot.emulator.calls("conversations.open"))
    bot.rt.delivery.deliver_due()
    bot.deliver()
    assert opened_for_worker(before) == 1
    assert len(bot.dms("csc_sw")) == received + 2
    assert all(r.status == "sent" for r in rows(bot))


def test_a_message_another_replica_sent_meanwhile_is_recorded_once(bot: Bot) -> None:
    """A lease can run out while Slack is slow to answer, and another replica send the row
    meanwhile: the first to record it keeps its record, and the late one counts nothing."""
    submit_open(bot)
    hold = bot.emulator.hold_next("chat.postMessage")
    reports = []
    delivering = threading.Thread(target=lambda: reports.append(bot.rt.delivery.deliver_due()))
    delivering.start()
    try:
        assert hold.arrived.wait(10), "delivery never reached Slack"
        with transaction(bot.rt.factory) as session:
            # rows go out one at a time in order: the first still pending is the one in hand
            held = session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.PENDING)
                .order_by(OutboxMessage.id)
            ).first()
            assert held is not None and held.kind in (OutboxKind.DIRECT, OutboxKind.CONVERSATION)
            held.status = OutboxStatus.SENT
            held.result = {"channel": "C_OTHER", "ts": "1.000001"}
            held_id = held.id
    finally:
        hold.set()
        delivering.join(timeout=30)
    [report] = reports
    with bot.rt.factory() as session:
        held = session.get(OutboxMessage, held_id)
        assert held is not None
        assert held.result == {"channel": "C_OTHER", "ts": "1.000001"}
        assert held.attempts == 0
        sent = session.scalar(select(func.count()).where(OutboxMessage.status == OutboxStatus.SENT))
    assert report.sent == sent - 1 and not report.dead
