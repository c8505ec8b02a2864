"""The practice committee's queue through Slack: a resolution's learning reaches the queue with
its two buttons, a lead or admin decides once and the notice shows it, anyone else is refused
and nothing changes, and `/dispute learning` lists only what is still open."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.messages import learning as views
from bot.slack_emulator import SlackEmulator
from models.audit import AuditEvent
from models.learning import LearningItem
from tests.e2e.conftest import Bot
from tests.e2e.test_journey import CHILD, open_dispute

REF = "RPD-2026-0001"
LEARNING = "Threshold guidance unclear on police intelligence."


@pytest.fixture
def committee(emulator: SlackEmulator) -> str:
    """The practice committee's channel, with the bot invited."""
    return emulator.add_channel("practice-committee", members=[emulator.bot_user_id])["id"]


@pytest.fixture
def bot(request: pytest.FixtureRequest, bot_with: Callable[..., Bot], committee: str) -> Bot:
    """Northshire's bot with the committee channel set as RESOLVE_LEARNING_CHANNEL, or (given
    "admins_channel") as the admins' channel with no learning channel set."""
    setting = getattr(request, "param", "learning_channel")
    return bot_with(**{setting: committee})


def resolve(bot: Bot, reference: str = REF, **values: object) -> None:
    """The counterpart closes the dispute through the resolve form."""
    bot.slack.command(bot.ids["csc_sw"], f"resolve {reference}")
    form = {"outcome": "resolved", "summary": "Agreed to hold a strategy discussion."} | values
    reply = bot.slack.submit(bot.ids["csc_sw"], bot.emulator.views_opened()[-1], form)
    assert reply.status == 200 and reply.body == ""
    bot.deliver()


def queue(bot: Bot, committee: str) -> list[dict]:
    """The messages in the committee's channel that everyone there sees."""
    return [m for m in bot.emulator.messages(committee) if not m.get("ephemeral")]


def decided(bot: Bot) -> list[tuple[str, int | None]]:
    with bot.rt.factory() as session:
        rows = session.scalars(select(LearningItem).order_by(LearningItem.id))
        return [(item.state, item.decided_by_id) for item in rows]


def audit_count(bot: Bot) -> int:
    with bot.rt.factory() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def buttons(message: dict) -> list[str]:
    return [
        element["action_id"]
        for block in message.get("blocks", [])
        for element in block.get("elements", [])
        if element.get("type") == "button"
    ]


def test_learning_reaches_the_committee_and_a_reviewed_press_is_recorded_in_place(
    bot: Bot, committee: str
) -> None:
    open_dispute(bot)
    resolve(bot, learning=LEARNING)

    (notice,) = queue(bot, committee)
    shown = str(notice["blocks"])
    for expected in (
        f"{REF}: learning for the practice committee",
        "Working Together to Resolve Professional Disputes (Suffolk Local Safeguarding",
        "Threshold dispute at the point of referral",
        "Northshire Police ↔ Northshire Children's Social Care",
        "Resolved",
        LEARNING,
    ):
        assert expected in shown, expected
    assert CHILD not in str(notice)
    assert buttons(notice) == [views.REVIEWED, views.NEEDS_DISCUSSION]

    bot.clock.advance(timedelta(hours=2))
    assert bot.slack.press(bot.ids["admin"], notice, views.REVIEWED).status == 200
    (redrawn,) = queue(bot, committee)
    assert buttons(redrawn) == []
    assert "Learning reviewed by Joe Park on Monday 23 November 2026 at 12:00pm (GMT)" in str(
        redrawn["blocks"]
    )
    assert f"Recorded for {REF}: Learning reviewed by Joe Park" in bot.replies("admin")[-1]["text"]
    with bot.rt.factory() as session:
        admin_id = session.scalar(select(LearningItem.decided_by_id))
    assert decided(bot) == [("reviewed", admin_id)]

    # A press on a copy still showing the buttons says who decided, and changes nothing.
    events = audit_count(bot)
    bot.slack.press(bot.ids["chair"], notice, views.NEEDS_DISCUSSION)
    assert "already reviewed by Joe Park" in bot.replies("chair")[-1]["text"]
    assert decided(bot) == [("reviewed", admin_id)] and audit_count(bot) == events

    bot.slack.command(bot.ids["csc_sw"], f"record {REF} md")
    record = bot.emulator.files()[-1]["content"].decode()
    assert "Learning reviewed by Joe Park on Monday 23 November 2026 at 12:00pm (GMT)" in record


@pytest.mark.parametrize("bot", ["admins_channel"], indirect=True)
def test_without_a_learning_channel_the_admins_channel_gets_the_learning(
    bot: Bot, committee: str
) -> None:
    assert bot.rt.settings.learning_channel is None
    open_dispute(bot)
    resolve(bot, learning=LEARNING)
    notices = [m for m in queue(bot, committee) if "practice committee" in m["text"]]
    assert len(notices) == 1 and LEARNING in str(notices[0]["blocks"])


def test_a_press_by_someone_not_a_lead_or_admin_is_refused_and_changes_nothing(
    bot: Bot, committee: str
) -> None:
    open_dispute(bot)
    resolve(bot, learning=LEARNING)
    (notice,) = queue(bot, committee)
    events = audit_count(bot)
    for who in ("pol_dc", "csc_hos"):
        bot.slack.press(bot.ids[who], notice, views.NEEDS_DISCUSSION)
        refusal = bot.replies(who)[-1]["text"]
        assert "Only safeguarding leads and partnership admins" in refusal
        assert "Nothing has changed" in refusal
    assert decided(bot) == [("open", None)]
    assert audit_count(bot) == events
    (unchanged,) = queue(bot, committee)
    assert buttons(unchanged) == [views.REVIEWED, views.NEEDS_DISCUSSION]


def test_a_referral_without_learning_text_still_reaches_the_committee(
    bot: Bot, committee: str
) -> None:
    open_dispute(bot)
    resolve(bot, refer=["yes"])
    (notice,) = queue(bot, committee)
    assert "No learning was written down" in str(notice["blocks"])
    facts = [f["text"] for b in notice["blocks"] for f in b.get("fields", [])]
    assert "*Referred to the partnership*\nYes" in facts
    assert decided(bot) == [("open", None)]


def test_the_learning_command_lists_open_items_for_leads_and_admins_only(
    bot: Bot, committee: str
) -> None:
    for n in range(2):
        open_dispute(bot)
        resolve(bot, f"RPD-2026-000{n + 1}", learning=f"{LEARNING} ({n})")
    first, second = queue(bot, committee)
    bot.slack.press(bot.ids["chair"], first, views.NEEDS_DISCUSSION)
    assert "marked as needing discussion by Ruth Mercer" in str(queue(bot, committee)[0])

    bot.slack.command(bot.ids["admin"], "learning")
    reply = bot.replies("admin")[-1]
    assert reply["text"] == "1 learning item waiting for review."
    listed = str(reply["blocks"])
    assert "RPD-2026-0002" in listed and "RPD-2026-0001" not in listed
    assert "Northshire Police ↔ Northshire Children's Social Care" in listed
    assert CHILD not in listed

    bot.slack.command(bot.ids["pol_dc"], "learning")
    refusal = bot.replies("pol_dc")[-1]["text"]
    assert "Only safeguarding leads and partnership admins can see the learning" in refusal
