"""A dispute whose private conversation cannot be set up: its posts fail with the set-up, the
admins are told once, and the set-up is tried again by command or at the next stage."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from bot.cli import cli
from bot.commands.common import Context
from bot.flows.sweep import Sweeper
from bot.messages.disputes import plain_message
from models.dispute import Dispute
from models.outbox import OutboxKind, OutboxMessage, OutboxStatus
from tests.conftest import london
from tests.e2e.conftest import Bot
from tests.e2e.test_delivery import rows, submit_open
from tests.e2e.test_journey import open_dispute

REF = "RPD-2026-0001"
CHILD = "CS-1"  # the child reference submit_open uses


def retry(database_url: str, bot: Bot, *args: str) -> Result:
    return CliRunner().invoke(
        cli,
        ["outbox", "retry", *args],
        env={"DATABASE_URL": database_url},
        obj=Context(clock=bot.clock),
        catch_exceptions=False,
    )


def alerts(bot: Bot) -> list[str]:
    return [m["text"] for m in bot.dms("admin") if "rotating_light" in m["text"]]


def conversation_rows(bot: Bot) -> list[OutboxMessage]:
    kinds = (OutboxKind.SYNC_MEMBERS, OutboxKind.CONVERSATION)
    return [r for r in rows(bot) if r.kind in kinds]


def stage_posts(bot: Bot) -> list[str]:
    created = [c for c in bot.emulator.calls("conversations.create") if c.status == 200]
    assert len(created) == 1
    channel = created[0].response["channel"]["id"]
    return [m["text"] for m in bot.emulator.messages(channel) if m["text"].startswith(REF)]


@pytest.fixture
def stuck(bot: Bot) -> Bot:
    """A new dispute whose channel creation fails until it is dead-lettered."""
    submit_open(bot)
    attempts = bot.rt.settings.outbox_max_attempts
    bot.emulator.fail_next("conversations.create", status=500, retry_after=None, times=attempts)
    for _ in range(attempts + 2):
        bot.rt.delivery.drain()
        bot.clock.advance(timedelta(minutes=20))
    return bot


def test_posts_are_dead_lettered_with_their_setup_and_the_admins_told_once(stuck: Bot) -> None:
    bot = stuck
    setup, post = conversation_rows(bot)
    assert (setup.kind, setup.status, setup.attempts) == ("sync_members", "dead", 8)
    assert post.kind == "conversation" and post.status == "dead"
    assert post.attempts >= 5  # each wait for the set-up counted
    assert "could not be set up" in (post.last_error or "")
    # Nothing is retried any more, and nobody is told twice.
    for _ in range(3):
        bot.clock.advance(timedelta(minutes=20))
        bot.rt.delivery.drain()
    assert [r.attempts for r in conversation_rows(bot)] == [setup.attempts, post.attempts]
    [alert] = alerts(bot)
    assert f"The private conversation for {REF} could not be set up" in alert
    assert "1 message for it is held back" in alert
    assert f"resolve outbox retry --dispute {REF}" in alert
    assert CHILD not in alert


def test_outbox_retry_sets_up_the_conversation_then_delivers_its_posts(
    stuck: Bot, database_url: str
) -> None:
    bot = stuck
    result = retry(database_url, bot, "--dispute", REF)
    assert result.exit_code == 0
    assert result.output.splitlines()[:3] == [
        f"Requeued 2 messages for {REF}; the running bot sends them on its next round:",
        f"  {REF}: set up the dispute's private conversation and its members (last error: "
        "gave up after 8 attempts: conversations.create: Slack answered 500 (internal_error))",
        f"  {REF}: post in the dispute's conversation (last error: the dispute's conversation "
        "could not be set up: gave up after 8 attempts: conversations.create: Slack answered "
        "500 (internal_error))",
    ]
    assert CHILD not in result.output
    bot.deliver()
    assert all(r.status == OutboxStatus.SENT for r in rows(bot))
    assert stage_posts(bot) == [f"{REF}: Stage 1 of 5: Referrer and receiving professional"]
    again = retry(database_url, bot)
    assert again.output == "Nothing to retry: no message is dead-lettered.\n"


def test_outbox_retry_refuses_a_bad_reference_and_changes_nothing(
    stuck: Bot, database_url: str
) -> None:
    result = retry(database_url, stuck, "--dispute", "RPD-2026-9999")
    assert result.exit_code == 1
    assert "There is no dispute RPD-2026-9999." in result.output
    assert [r.status for r in conversation_rows(stuck)] == ["dead", "dead"]


def test_the_next_stage_sets_the_conversation_up_again(stuck: Bot) -> None:
    bot = stuck
    rt = bot.rt
    sweeper = Sweeper(factory=rt.factory, service=rt.service, notifier=rt.notifier, clock=rt.clock)
    bot.clock.set(london(2026, 11, 30, 17, 0))  # stage 1's timescale lapses
    assert sweeper.run_once().escalated == 1
    bot.deliver()
    assert stage_posts(bot) == [
        f"{REF}: Stage 1 of 5: Referrer and receiving professional",
        f"{REF}: Stage 2 of 5: First line managers",
    ]
    assert all(r.status == OutboxStatus.SENT for r in conversation_rows(bot))
    with rt.factory() as session:
        pending = session.scalars(
            select(OutboxMessage).where(OutboxMessage.status != OutboxStatus.SENT)
        ).all()
    assert pending == []
    assert len(alerts(bot)) == 1


def test_a_failed_member_sync_does_not_hold_back_posts_to_an_existing_channel(bot: Bot) -> None:
    open_dispute(bot)
    with bot.rt.factory() as session, session.begin():
        dispute = session.scalar(select(Dispute))
        assert dispute is not None and dispute.conversation_id is not None
        bot.rt.notifier.conversation(session, dispute, plain_message(f"{REF}: a note"))
    bot.emulator.fail_next("conversations.members", error="not_in_channel", status=200)
    bot.rt.delivery.drain()
    sync, post = conversation_rows(bot)[-2:]
    assert (sync.status, post.status) == ("dead", "sent")
    [alert] = alerts(bot)
    assert f"A message for {REF} could not be delivered" in alert
    assert "not_in_channel" in alert
