"""Choosing immediate risk on the open form says, there and in the reply once the dispute is open,
that a child at immediate risk needs the child protection procedures now, whom to call, and that
Resolve is not a referral route."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import Bot
from tests.e2e.test_journey import CHILD, open_dispute

CONTACT = "Northshire MASH on 0300 123 4567 (out of hours 0300 123 4000)"
PROCEDURES = "A child at immediate risk needs the child protection procedures now."
NOT_A_REFERRAL = "Resolve is not a referral route"


@pytest.fixture
def bot(bot_with: Callable[..., Bot]) -> Bot:
    """Northshire's bot with its child protection line set as RESOLVE_CHILD_PROTECTION_CONTACT."""
    return bot_with(child_protection_contact=CONTACT)


def last_update(bot: Bot) -> dict[str, Any]:
    """The view in the newest views.update request the bot sent."""
    view = bot.emulator.calls("views.update")[-1].params["view"]
    return json.loads(view) if isinstance(view, str) else view


def test_choosing_immediate_risk_redraws_the_form_with_the_warning(bot: Bot) -> None:
    raiser = bot.ids["pol_dc"]
    bot.slack.command(raiser, "open")
    form = bot.emulator.views_opened()[-1]
    assert PROCEDURES not in json.dumps(form)
    urgency = next(b for b in form["blocks"] if b.get("block_id") == "urgency")
    assert urgency["dispatch_action"] is True

    bot.slack.pick_option(raiser, form, "urgency", "immediate")
    shown = json.dumps(last_update(bot))
    for said in (PROCEDURES, CONTACT, "999", NOT_A_REFERRAL):
        assert said in shown
    redrawn = bot.emulator.views_opened()[-1]
    chosen = next(b for b in redrawn["blocks"] if b.get("block_id") == "urgency")
    assert chosen["element"]["initial_option"]["value"] == "immediate"

    # Going back to standard takes the warning away again.
    bot.slack.pick_option(raiser, redrawn, "urgency", "standard")
    assert PROCEDURES not in json.dumps(last_update(bot))


def test_the_warning_stays_when_the_counterpart_is_picked_after_the_urgency(bot: Bot) -> None:
    raiser = bot.ids["pol_dc"]
    bot.slack.command(raiser, "open")
    bot.slack.pick_option(raiser, bot.emulator.views_opened()[-1], "urgency", "immediate")
    redrawn = bot.emulator.views_opened()[-1]
    state = {
        "urgency": {
            "open_urgency_picked": {
                "type": "radio_buttons",
                "selected_option": {"value": "immediate"},
            }
        }
    }
    bot.slack.pick_user(
        raiser, redrawn | {"state": {"values": state}}, "open_counterpart_picked", bot.ids["csc_sw"]
    )
    shown = json.dumps(last_update(bot))
    assert "Ben Okafor" in shown and PROCEDURES in shown


def test_the_reply_after_opening_repeats_the_warning(bot: Bot) -> None:
    open_dispute(bot, urgency="immediate")
    opened = next(m for m in bot.dms("pol_dc") if m["text"].endswith("is open."))
    shown = json.dumps(opened["blocks"])
    for said in (PROCEDURES, CONTACT, NOT_A_REFERRAL):
        assert said in shown
    assert CHILD not in shown


def test_a_standard_dispute_is_opened_without_the_warning(bot: Bot) -> None:
    open_dispute(bot)
    opened = next(m for m in bot.dms("pol_dc") if m["text"].endswith("is open."))
    assert PROCEDURES not in json.dumps(opened["blocks"])
