"""The forms behind the buttons and subcommands: each opens, validates and records."""

from __future__ import annotations

import time

from sqlalchemy import select

from bot.app import create_app
from bot.http_server import SlackHTTPServer
from bot.messages import disputes as views
from bot.messages import modals
from bot.slack_emulator.driver import SlackDriver
from models.dispute import DiscussionEntry, Dispute
from tests.conftest import london
from tests.e2e.conftest import SECRET, Bot
from tests.e2e.test_journey import REF, last_notice, open_dispute


def test_picking_the_counterpart_shows_their_agency_from_the_directory(bot: Bot) -> None:
    bot.slack.command(bot.ids["pol_dc"], "open")
    modal = bot.emulator.views_opened()[-1]
    bot.slack.pick_user(bot.ids["pol_dc"], modal, modals.COUNTERPART_PICKED, bot.ids["csc_sw"])
    updated = bot.emulator.views_opened()[-1]
    assert "Ben Okafor: Social Worker, Northshire Children's Social Care (from the directory)" in (
        str(updated["blocks"])
    )
    bot.emulator.add_user("U0STRANGER", "Not Listed", "x@elsewhere.example")
    bot.slack.pick_user(bot.ids["pol_dc"], updated, modals.COUNTERPART_PICKED, "U0STRANGER")
    assert "not in the agency directory" in str(bot.emulator.views_opened()[-1]["blocks"])


def test_logging_through_the_form_records_when_who_what_and_agreed(bot: Bot) -> None:
    open_dispute(bot)
    bot.clock.set(london(2026, 11, 23, 15, 0))
    bot.slack.command(bot.ids["csc_sw"], f"log {REF}")
    modal = bot.emulator.views_opened()[-1]
    assert modal["callback_id"] == "log_discussion"
    bad = bot.slack.submit(
        bot.ids["csc_sw"],
        modal,
        {"occurred": "tomorrow 10am", "participants": "x", "discussion": "y"},
    )
    assert "in the future" in bad.json()["errors"]["occurred"]
    good = bot.slack.submit(
        bot.ids["csc_sw"],
        modal,
        {
            "occurred": "today 14:15",
            "participants": "Ben Okafor (CSC), Lucy Moss (Police)",
            "discussion": "Reviewed the referral together.",
            "agreed": "Re-screen with the police intelligence.",
        },
    )
    assert good.body == ""
    bot.deliver()
    with bot.rt.factory() as session:
        entry = session.scalar(select(DiscussionEntry))
        assert entry is not None
        assert entry.occurred_at == london(2026, 11, 23, 14, 15)
        assert entry.agreed == "Re-screen with the police intelligence."
    assert any("approve a discussion record" in m["text"] for m in bot.dms("pol_dc"))


def test_notice_buttons_open_their_forms(bot: Bot) -> None:
    open_dispute(bot)
    notice = last_notice(bot, "csc_sw")
    for action, callback in (
        (views.LOG, "log_discussion"),
        (views.ESCALATE, "escalate_dispute"),
        (views.RESOLVE, "resolve_dispute"),
    ):
        bot.slack.press(bot.ids["csc_sw"], notice, action)
        assert bot.emulator.views_opened()[-1]["callback_id"] == callback


def test_resolve_form_names_the_bad_action_line_and_changes_nothing(bot: Bot) -> None:
    open_dispute(bot)
    bot.slack.press(bot.ids["csc_sw"], last_notice(bot, "csc_sw"), views.RESOLVE)
    modal = bot.emulator.views_opened()[-1]
    reply = bot.slack.submit(
        bot.ids["csc_sw"],
        modal,
        {"outcome": "resolved", "summary": "Agreed", "actions": "Visit; Amy; 30/11/2026\nOops"},
    )
    assert "Action line 2 needs three parts" in reply.json()["errors"]["actions"]
    with bot.rt.factory() as session:
        dispute = session.scalar(select(Dispute))
        assert dispute is not None and dispute.status == "open"


def test_escalating_at_the_final_stage_is_refused_kindly(bot: Bot) -> None:
    open_dispute(bot)
    with bot.rt.factory() as session, session.begin():
        dispute = session.scalar(select(Dispute))
        assert dispute is not None
        dispute.stage_index = 4
    bot.slack.command(bot.ids["pol_dc"], f"escalate {REF} please")
    assert "already at the final stage" in bot.replies("pol_dc")[-1]["text"]


def test_requests_are_acknowledged_before_slow_work(bot: Bot) -> None:
    """Slack waits 3 seconds for an answer; the bot answers first and works afterwards."""
    open_dispute(bot)
    app = create_app(bot.rt)  # the production mode: acknowledge, then process
    server = SlackHTTPServer(app, host="127.0.0.1", port=0).start()
    try:
        slack = SlackDriver(
            url=f"http://127.0.0.1:{server.port}/slack/events",
            secret=SECRET,
            emulator=bot.emulator,
            bot=bot.slack.bot,
        )
        # Slack takes the bot's reply only when the test lets it: a bot that worked before
        # answering would still be waiting on it, well past Slack's 3 seconds.
        hold = bot.emulator.hold_next("response_url")
        began = time.monotonic()
        reply = slack.command(bot.ids["pol_dc"], f"status {REF}")
        answered = time.monotonic() - began
        assert reply.status == 200
        assert answered < 3
        assert hold.arrived.wait(10), "the work after the answer never sent its reply"
        assert not any(m.get("via_response_url") for m in bot.emulator.messages())
        hold.set()
        for _ in range(100):
            if any(m.get("via_response_url") for m in bot.emulator.messages()):
                break
            time.sleep(0.1)
        assert "Stage 1 of 5" in bot.replies("pol_dc")[-1]["text"]
    finally:
        server.stop()
