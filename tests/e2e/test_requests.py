"""Every request is checked, answered kindly, and never crashes the bot or leaks a record."""

from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import func, select

from models.dispute import Dispute
from tests.e2e.conftest import Bot
from tests.e2e.test_journey import CHILD, REF, open_dispute


def dispute_count(bot: Bot) -> int:
    with bot.rt.factory() as session:
        return session.scalar(select(func.count()).select_from(Dispute)) or 0


def test_badly_signed_and_stale_requests_get_401_and_change_nothing(bot: Bot) -> None:
    user = bot.ids["pol_dc"]
    forged = bot.slack.command(user, "open", signature="v0=" + "0" * 64)
    stale = bot.slack.command(user, "open", timestamp=int(time.time()) - 10 * 60)
    assert (forged.status, stale.status) == (401, 401)
    assert bot.emulator.views_opened() == []
    assert bot.emulator.messages() == []
    assert dispute_count(bot) == 0


def test_help_and_unknown_subcommands(bot: Bot) -> None:
    user = bot.ids["pol_dc"]
    bot.slack.command(user, "")
    assert "/dispute open" in str(bot.replies("pol_dc")[-1]["blocks"])
    bot.slack.command(user, "help")
    assert "/dispute record RPD-2026-0042" in str(bot.replies("pol_dc")[-1]["blocks"])
    bot.slack.command(user, "frobnicate")
    assert "I don't know `/dispute frobnicate`" in bot.replies("pol_dc")[-1]["text"]
    bot.slack.command(user, "status 42")
    assert "'42' is not a dispute reference" in bot.replies("pol_dc")[-1]["text"]
    bot.slack.command(user, "status")
    assert "Which dispute?" in bot.replies("pol_dc")[-1]["text"]


def test_someone_not_in_the_directory_is_told_how_to_get_added(bot: Bot) -> None:
    bot.emulator.add_user("U0NEWBIE", "New Starter", "new@elsewhere.example")
    bot.slack.command("U0NEWBIE", "list")
    reply = [m for m in bot.emulator.messages() if m.get("user") == "U0NEWBIE"][-1]
    assert "not in the partnership's agency directory" in reply["text"]


def test_whoami_shows_the_directory_entry(bot: Bot) -> None:
    bot.slack.command(bot.ids["pol_ds"], "whoami")
    shown = str(bot.replies("pol_ds")[-1]["blocks"])
    assert "Omar Khan" in shown and "Detective Sergeant" in shown and "Northshire Police" in shown
    assert "Line manager: Sara Jones, Detective Inspector" in shown


@pytest.mark.parametrize(
    ("values", "block", "message"),
    [
        ({"child_ref": "Jane Smith"}, "child_ref", "Never type a child's name"),
        ({"summary": None}, "summary", "summary"),
        ({"stated_timescale": "whenever"}, "stated_timescale", "not a timescale"),
        (
            {"counterpart": "U0HVOUT", "start_stage": "heads-of-service"},
            "start_stage",
            "no later than",
        ),
        ({"counterpart": "U0POLDC"}, "counterpart", "someone other than you"),
    ],
)
def test_open_form_errors_show_beside_the_field_and_change_nothing(
    bot: Bot, values: dict, block: str, message: str
) -> None:
    raiser = bot.ids["pol_dc"]
    bot.slack.command(raiser, "open")
    modal = bot.emulator.views_opened()[-1]
    form = {
        "counterpart": bot.ids["csc_sw"],
        "category": "referral-threshold",
        "child_ref": CHILD,
        "summary": "Referral refused.",
    } | values
    reply = bot.slack.submit(raiser, modal, form)
    assert reply.status == 200
    answer = reply.json()
    assert answer["response_action"] == "errors"
    assert message in answer["errors"][block]
    bot.deliver()
    assert dispute_count(bot) == 0
    assert bot.emulator.messages() == []


def test_choosing_someone_outside_the_directory_is_refused(bot: Bot) -> None:
    bot.emulator.add_user("U0NOBODY", "Not Listed", "nobody@elsewhere.example")
    bot.slack.command(bot.ids["pol_dc"], "open")
    modal = bot.emulator.views_opened()[-1]
    reply = bot.slack.submit(
        bot.ids["pol_dc"],
        modal,
        {
            "counterpart": "U0NOBODY",
            "category": "referral-threshold",
            "child_ref": CHILD,
            "summary": "x",
        },
    )
    assert "not in the agency directory" in reply.json()["errors"]["counterpart"]


def test_list_and_home_tab(bot: Bot) -> None:
    open_dispute(bot)
    bot.slack.command(bot.ids["csc_sw"], "list")
    listed = str(bot.replies("csc_sw")[-1])
    assert REF in listed
    assert CHILD not in listed
    bot.slack.open_home(bot.ids["csc_sw"])
    home = bot.emulator.home_views(bot.ids["csc_sw"])[-1]
    assert REF in str(home["blocks"]) and CHILD not in str(home["blocks"])
    assert "notice_acknowledge" in str(home["blocks"])
    # Acknowledging from the Home tab refreshes it: nothing awaits any more.
    bot.slack.press_on_home(bot.ids["csc_sw"], "notice_acknowledge", REF)
    home = bot.emulator.home_views(bot.ids["csc_sw"])[-1]
    assert "notice_acknowledge" not in str(home["blocks"])


def test_no_log_line_carries_a_request_body(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    open_dispute(bot)
    bot.slack.command(bot.ids["pol_dc"], f"log {REF} Discussed {CHILD} at length")
    bot.deliver()
    assert dispute_count(bot) == 1
    assert CHILD not in caplog.text
    assert "Referral for a 4-year-old" not in caplog.text
