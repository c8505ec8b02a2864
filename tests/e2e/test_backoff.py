"""When Slack fails without saying when to come back, each retry waits twice as long as the one
before: a struggling Slack is not hammered."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.services.delivery import MAX_BACKOFF
from models.outbox import OutboxMessage
from tests.e2e.conftest import Bot
from tests.e2e.test_delivery import rows, submit_open


def posts(bot: Bot) -> int:
    return len(bot.emulator.calls("chat.postMessage"))


def direct_messages(bot: Bot) -> list[OutboxMessage]:
    return [r for r in rows(bot) if r.kind == "direct"]


def test_server_errors_back_off_exponentially(bot: Bot) -> None:
    submit_open(bot)
    bot.emulator.fail_next("chat.postMessage", status=503, retry_after=None, times=1000)
    start = bot.clock.now()
    bot.rt.delivery.deliver_due()
    waited = 0
    for attempt in (1, 2, 3, 4):
        failing = direct_messages(bot)
        assert failing and all(r.status == "pending" for r in failing)
        assert {r.attempts for r in failing} == {attempt}
        backoff = 2**attempt
        assert {r.not_before for r in failing} == {start + timedelta(seconds=waited + backoff)}
        # Just before the back-off ends nothing is tried again; at its end, everything is.
        bot.clock.set(start + timedelta(seconds=waited + backoff - 1))
        before = posts(bot)
        bot.rt.delivery.deliver_due()
        assert posts(bot) == before
        waited += backoff
        bot.clock.set(start + timedelta(seconds=waited))
        bot.rt.delivery.deliver_due()
        assert posts(bot) - before >= len(failing)


def test_the_back_off_is_capped(bot: Bot) -> None:
    submit_open(bot)
    with bot.rt.factory() as session, session.begin():
        for row in session.scalars(select(OutboxMessage)):
            row.attempts = 12  # as if Slack had failed for hours
    settings = bot.rt.settings.model_copy(update={"outbox_max_attempts": 20})
    bot.rt.delivery.settings = settings
    bot.emulator.fail_next("chat.postMessage", status=500, retry_after=None, times=1000)
    bot.rt.delivery.deliver_due()
    failing = direct_messages(bot)
    assert failing
    assert {r.not_before for r in failing} == {bot.clock.now() + timedelta(seconds=MAX_BACKOFF)}
