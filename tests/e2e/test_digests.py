"""The leads' digests reach their channel through the real client, chart and all."""

from __future__ import annotations

from sqlalchemy import select

from bot.database import transaction
from bot.services.digests import DigestService
from bot.services.notifications import Notifier
from models.directory import Person
from tests.conftest import london
from tests.e2e.conftest import Bot

CHILD = "CS-300911"


def test_the_monday_digests_and_chart_reach_the_leads_channel(bot: Bot):
    channel = bot.emulator.add_channel("safeguarding-leads", members=[bot.emulator.bot_user_id])[
        "id"
    ]
    settings = bot.rt.settings.model_copy(update={"leads_channel": channel})
    calendar = bot.rt.calendar
    notifier = Notifier(clock=bot.clock, calendar=calendar, settings=settings)
    digests = DigestService(
        clock=bot.clock, calendar=calendar, settings=settings, notifier=notifier
    )
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

    bot.clock.set(london(2026, 11, 30, 8, 30))
    with transaction(bot.rt.factory) as session:
        assert digests.run_due(session) == ["daily:2026-11-30", "weekly:2026-W49"]
    bot.deliver()

    daily, weekly, chart = bot.emulator.messages(channel)
    assert daily["text"].startswith("Daily digest for Monday 30 November 2026: 0 new")
    assert weekly["text"].startswith("Weekly digest for week 49 of 2026: 1 new")
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
