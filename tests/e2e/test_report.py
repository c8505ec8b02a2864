"""`/dispute report`: leads and admins get the summary privately and the PDF and CSV in their
direct messages; anyone else is refused politely; no child reference reaches any of it."""

from __future__ import annotations

from tests.e2e.conftest import Bot
from tests.e2e.test_journey import CHILD, open_dispute


def reply_text(bot: Bot, key: str) -> str:
    replies = bot.replies(key)
    assert replies, f"{key} got no reply"
    return replies[-1]["text"] + str(replies[-1].get("blocks"))


def test_an_admin_gets_the_summary_and_both_files_privately(bot: Bot) -> None:
    open_dispute(bot)
    assert bot.slack.command(bot.ids["admin"], "report 2026-11..2026-11").status == 200
    shown = reply_text(bot, "admin")
    assert "I've sent you the report as a PDF and a CSV in our direct messages" in shown
    assert "Professional differences report, 1 November 2026 to 30 November 2026" in shown
    assert "Disputes opened in the period, as they stood at its end: **1**." in shown
    files = bot.emulator.files()
    assert sorted(f["name"] for f in files) == [
        "disputes-report-2026-11-01-to-2026-11-30.csv",
        "disputes-report-2026-11-01-to-2026-11-30.pdf",
    ]
    admin_dm = bot.slack.dm_channel(bot.ids["admin"])
    assert all(admin_dm in str(f["channels"]) for f in files)
    csv_text = next(f for f in files if f["name"].endswith(".csv"))["content"].decode()
    assert "RPD-2026-0001" in csv_text and "Northshire Police" in csv_text
    for f in files:
        assert CHILD.encode() not in f["content"]
    assert CHILD not in shown


def test_someone_else_is_refused_politely_and_sent_nothing(bot: Bot) -> None:
    open_dispute(bot)
    bot.slack.command(bot.ids["pol_dc"], "report last-6-months")
    assert "the partnership report is for safeguarding leads and partnership admins" in reply_text(
        bot, "pol_dc"
    )
    assert bot.emulator.files() == []


def test_a_period_it_cannot_read_says_how_to_write_one(bot: Bot) -> None:
    bot.slack.command(bot.ids["admin"], "report 2026-09..2026-04")
    assert "give the earlier month first" in reply_text(bot, "admin")
    bot.slack.command(bot.ids["admin"], "report spring")
    assert "such as `2026-04..2026-09`" in reply_text(bot, "admin")
    assert bot.emulator.files() == []
