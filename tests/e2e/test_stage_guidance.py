"""What the protocol says about working at a stage reaches the people at that stage: the
opening sentences in their notice, the whole of it in `/dispute status`."""

from __future__ import annotations

import pytest

from bot.messages.disputes import GUIDANCE_GLANCE
from bot.protocols import ProtocolCatalog
from tests.e2e.conftest import Bot
from tests.e2e.test_journey import REF, open_dispute
from tests.e2e.test_protocol_rules import escalate

SUSSEX = ProtocolCatalog().get("sussex")
assert SUSSEX is not None
FIRST, SECOND = (SUSSEX.stage(i).guidance or "" for i in (0, 1))


def guidance_shown(message: dict) -> str:
    """The text of the guidance block in a message, or '' when it has none."""
    for block in message.get("blocks", []):
        if block["type"] == "context":
            text = block["elements"][0]["text"]
            if text.startswith("*What the protocol says at this stage:*"):
                return text
    return ""


@pytest.mark.protocol("sussex")
def test_notices_give_the_stage_guidance_at_a_glance_and_status_gives_all_of_it(bot: Bot) -> None:
    assert len(FIRST) > GUIDANCE_GLANCE  # long enough to be shortened in a notice
    open_dispute(bot, category="information-sharing")

    opened = next(m for m in bot.dms("pol_dc") if "is open" in m["text"])
    notice = next(m for m in bot.dms("csc_sw") if "action is needed" in m["text"].lower())
    for message in (opened, notice):
        shown = guidance_shown(message)
        assert "Professional challenge is an integral and critical feature" in shown
        assert f"More in `/dispute status {REF}`." in shown
        assert len(shown) < GUIDANCE_GLANCE + 120
        assert FIRST[-60:] not in shown  # the rest is left for status

    bot.slack.command(bot.ids["csc_sw"], f"status {REF}")
    status = bot.replies("csc_sw")[-1]
    assert FIRST[-60:].replace("'", "&#39;") in guidance_shown(status).replace("'", "&#39;")

    # The next stage's notices carry that stage's own guidance, not the first one's.
    escalate(bot, "pol_dc", "No agreement on information sharing")
    for key in ("pol_ds", "csc_tm"):
        manager = [m for m in bot.dms(key) if "action is needed" in m["text"].lower()][-1]
        shown = guidance_shown(manager)
        assert SECOND[:60] in shown
        assert "Professional challenge" not in shown
