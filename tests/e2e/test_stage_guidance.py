"""What a protocol says about working at a stage reaches the people at that stage: the opening
reply, the counterpart's notice and, after an escalation, the next tier's notices."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Bot
from tests.e2e.test_journey import last_notice, open_dispute
from tests.e2e.test_protocol_rules import escalate

SAYS = "What the protocol says at this stage:"
STAGE_1 = "respectful challenge can be a catalyst for change"
STAGE_2 = "Line managers should seek advice from their agency's nominated or designated"


def shown(message: dict) -> str:
    return message["text"] + str(message.get("blocks"))


@pytest.mark.protocol("sussex")
def test_each_stage_notice_and_the_opening_reply_carry_that_stages_guidance(bot: Bot) -> None:
    open_dispute(bot, category="information-sharing")

    opening = next(m for m in bot.dms("pol_dc") if "is open" in m["text"])
    notice = shown(last_notice(bot, "csc_sw"))
    for text in (shown(opening), notice):
        assert SAYS in text and STAGE_1 in text
        assert STAGE_2 not in text

    escalate(bot, "pol_dc")
    for manager in ("pol_ds", "csc_tm"):
        text = shown(last_notice(bot, manager))
        assert SAYS in text and STAGE_2 in text
        assert STAGE_1 not in text
