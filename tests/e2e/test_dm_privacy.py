"""Direct messages leave the case summary to the dispute's private conversation unless the
partnership allows it, and always carry the reference, the agencies, the stage and the deadline."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from tests.conftest import london
from tests.e2e.conftest import Bot, sweep_at
from tests.e2e.test_journey import REF, last_notice, open_dispute
from tests.e2e.test_reopen_and_final_closure import escalate

SUMMARY = "Referral for a 4-year-old refused as below threshold; police see a s47 need."
AGENCIES = "Northshire Police and Northshire Children's Social Care"


@pytest.fixture
def summary_in_dms(bot_with: Callable[..., Bot]) -> Bot:
    return bot_with(summary_in_dms=True)


def direct_messages(bot: Bot) -> list[dict]:
    """Everything the bot posted in its direct messages with anyone."""
    return [
        m
        for key in bot.ids
        for m in bot.dms(key)
        if m["channel"] != conversation(bot)  # a group DM would be the dispute's own
    ]


def conversation(bot: Bot) -> str:
    return bot.emulator.calls("conversations.create")[0].response["channel"]["id"]


def test_direct_messages_leave_the_summary_out_by_default(bot: Bot) -> None:
    open_dispute(bot)  # Monday 23 November 10:00, due Monday 30 November 17:00
    sweep_at(bot, london(2026, 11, 24, 17, 0))  # the acknowledgement is chased
    sweep_at(bot, london(2026, 11, 27, 9, 0))  # chased again, so halfway waits a half day
    sweep_at(bot, london(2026, 11, 27, 13, 0))  # halfway
    # As they arrived: moving on redraws them.
    chased = copy.deepcopy(next(m for m in bot.dms("csc_sw") if "acknowledge" in m["text"]))
    halfway = copy.deepcopy(next(m for m in bot.dms("pol_dc") if "Halfway" in m["text"]))
    escalate(bot, 1)
    sent = direct_messages(bot)
    assert len(sent) > 5
    for message in sent:
        assert SUMMARY not in str(message), message["text"]
    assert any(SUMMARY in str(m["blocks"]) for m in bot.emulator.messages(conversation(bot)))
    shown = str(last_notice(bot, "csc_tm")["blocks"])
    assert "The case summary is in the dispute's private conversation" in shown

    # Each notice and reminder still says which dispute, between whom, where and by when.
    first = ("Stage 1 of 5", "Monday 30 November 2026 at 5:00pm (GMT)")
    second = ("Stage 2 of 5", "Friday 4 December 2026 at 5:00pm (GMT)")
    wanted = {
        "notice": (last_notice(bot, "csc_tm"), second),
        "chased": (chased, first),
        "halfway": (halfway, first),
        "moved": (next(m for m in bot.dms("csc_sw") if "moved to Stage 2" in m["text"]), second),
    }
    for name, (message, (stage, deadline)) in wanted.items():
        shown = str(message["blocks"])
        for part in (REF, AGENCIES, stage, deadline):
            assert part in shown, (name, part)


def test_a_partnership_may_allow_the_summary_in_direct_messages(summary_in_dms: Bot) -> None:
    bot = summary_in_dms
    open_dispute(bot)
    shown = str(last_notice(bot, "csc_sw")["blocks"])
    assert SUMMARY in shown
    assert REF in shown and AGENCIES in shown and "Stage 1 of 5" in shown
    assert "Monday 30 November 2026 at 5:00pm (GMT)" in shown
