"""The leads' digests reach their channel through the real client, chart and all."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.database import transaction
from bot.services.digests import DigestService
from bot.services.notifications import Notifier
from bot.settings import QuietDigest
from models.directory import Person
from tests.conftest import london
from tests.e2e.conftest import Bot

CHILD = "CS-300911"


def leads_digests(bot: Bot, **settings: Any) -> tuple[str, DigestService]:
    """A leads' channel the bot is in, and the digest service posting to it."""
    channel = bot.emulator.add_channel("safeguarding-leads", members=[bot.emulator.bot_user_id])
    changed = bot.rt.settings.model_copy(update={"leads_channel": channel["id"], **settings})
    calendar = bot.rt.calendar
    notifier = Notifier(clock=bot.clock, calendar=calendar, settings=changed)
    service = DigestService(clock=bot.clock, calendar=calendar, settings=changed, notifier=notifier)
    return channel["id"], service


def open_one(bot: Bot) -> None:
    with transaction(bot.rt.factory) as session:
        raiser, counterpart = (
            session.scalars(select(Person).where(Person.slack_user_id == user)).one()
            for user in (bot.ids["pol_dc"], bot.ids["csc_sw"])
        )
        bot.rt.service.open(
            session=session,
            protocol_key="suffolk",
            category="referral-threshold",
            raiser=raiser,
            counterpart=counterpart,
            child_ref=CHILD,
            summary="Strategy discussion declined; police consider the threshold met.",
        )


def test_the_monday_digests_and_chart_reach_the_leads_channel(bot: Bot):
    channel, digests = leads_digests(bot)
    open_one(bot)
    bot.clock.set(london(2026, 11, 30, 8, 30))
    with transaction(bot.rt.factory) as session:
        assert digests.run_due(session) == ["daily:2026-11-30", "weekly:2026-W49"]
    bot.deliver()

    daily, weekly, chart = bot.emulator.messages(channel)
    # Nothing changed over the weekend: the daily is one line.
    assert daily["text"] == "Monday 30 November 2026: no change; 1 dispute open, none overdue."
    assert weekly["text"].startswith("Weekly digest: week commencing 23 November 2026: 1 new")
    new = next(b for b in weekly["blocks"] if b.get("block_id") == "digest-new")
    assert (
        "*RPD-2026-0001* · Northshire Police ↔ Northshire Children's Social Care"
        in (new["text"]["text"])
    )
    assert chart["subtype"] == "file_share"
    assert [f["name"] for f in chart["files"]] == ["digest-2026-W49.png"]
    (uploaded,) = bot.emulator.files()
    assert uploaded["channels"] == [channel]
    assert uploaded["content"].startswith(b"\x89PNG\r\n\x1a\n")
    assert all(CHILD not in str(m) for m in bot.emulator.messages())


def test_a_first_start_sends_nothing_for_the_time_before_it(bot: Bot):
    channel, digests = leads_digests(bot)
    # First started on Monday 23 November at 10:00, after that morning's digest time.
    with transaction(bot.rt.factory) as session:
        assert digests.run_due(session) == []
    open_one(bot)
    bot.clock.set(london(2026, 11, 24, 8, 30))
    with transaction(bot.rt.factory) as session:
        assert digests.run_due(session) == ["daily:2026-11-24"]
    bot.deliver()
    (daily,) = bot.emulator.messages(channel)
    assert daily["text"].startswith("Daily digest for Tuesday 24 November 2026: 1 new")
    bot.clock.set(london(2026, 11, 30, 8, 30))
    with transaction(bot.rt.factory) as session:
        assert digests.run_due(session) == ["daily:2026-11-30", "weekly:2026-W49"]


def test_a_quiet_day_is_skipped_when_the_setting_says_so(bot: Bot):
    channel, digests = leads_digests(bot, digest_quiet=QuietDigest.SKIP)
    open_one(bot)
    bot.clock.set(london(2026, 11, 30, 8, 30))
    with transaction(bot.rt.factory) as session:
        assert digests.run_due(session) == ["daily:2026-11-30", "weekly:2026-W49"]
    bot.clock.set(london(2026, 12, 1, 8, 30))
    with transaction(bot.rt.factory) as session:
        assert digests.run_due(session) == ["daily:2026-12-01"]
    bot.deliver()
    weekly, chart = bot.emulator.messages(channel)
    assert weekly["text"].startswith("Weekly digest: week commencing 23 November 2026: 1 new")
    assert chart["subtype"] == "file_share"
