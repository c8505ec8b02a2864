"""Every notice says whom to talk to and by when: the people acting for both sides as Slack
mentions with job title and agency, a manager's opposite number, the acknowledgement deadline,
and dates as Slack date tokens each reader sees in their own time, with the UK text as fallback.
Nobody is told about themselves by name."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.flows.sweep import Sweeper
from bot.messages import disputes as views
from models.dispute import Dispute
from tests.conftest import london
from tests.e2e.conftest import Bot
from tests.e2e.test_journey import REF, last_notice, open_dispute

OPENED = london(2026, 11, 23, 10, 0)  # the clock fixture's Monday
ACK_DUE = london(2026, 11, 24, 17, 0)  # one working day
STAGE_ONE_DUE = london(2026, 11, 30, 17, 0)  # five working days
STAGE_TWO_STARTS = london(2026, 11, 30, 17, 5)  # the sweep after the first stage lapsed


@pytest.fixture
def sweeper(bot: Bot) -> Sweeper:
    rt = bot.rt
    return Sweeper(factory=rt.factory, service=rt.service, notifier=rt.notifier, clock=rt.clock)


def token(instant: datetime, fallback: str) -> str:
    """The exact Slack date token for an instant, with the UK text shown where Slack cannot."""
    return f"<!date^{int(instant.timestamp())}^{{date_long}} at {{time}}|{fallback}>"


def shown(message: dict) -> str:
    """Every mrkdwn text a message carries, as one string."""
    return json.dumps(message.get("blocks"), ensure_ascii=False)


def field(message: dict, label: str) -> str:
    for block in message["blocks"]:
        for item in block.get("fields", []):
            name, _, value = item["text"].partition("\n")
            if name == f"*{label}*":
                return value
    raise AssertionError(f"no {label} field")


def assert_not_named(message: dict, name: str, slack_id: str) -> None:
    """Nobody reads about themselves in the third person."""
    text = shown(message) + message["text"]
    assert name not in text
    assert f"<@{slack_id}>" not in text


def test_a_counterparts_notice_names_both_sides_and_the_acknowledgement_deadline(
    bot: Bot,
) -> None:
    open_dispute(bot)
    notice = last_notice(bot, "csc_sw")
    text = shown(notice)

    assert "<@U0POLDC> (Detective Constable, Northshire Police)" in text
    assert "you (Social Worker, Northshire Children's Social Care)" in text
    assert_not_named(notice, "Ben Okafor", "U0CSCSW")
    assert (
        f"Please acknowledge by {token(ACK_DUE, 'Tuesday 24 November 2026 at 5:00pm (GMT)')}"
        in text
    )
    assert field(notice, "By when") == token(
        STAGE_ONE_DUE, "Monday 30 November 2026 at 5:00pm (GMT)"
    )
    assert field(notice, "Since") == token(OPENED, "Monday 23 November 2026 at 10:00am (GMT)")
    assert field(notice, "Opened") == field(notice, "Since")  # the first stage began on opening
    assert "Northshire Police and Northshire Children's Social Care" in field(notice, "Between")
    assert "Why you: party to the dispute" in text
    assert " protocol protocol" not in text.lower()

    # The raiser hears who was asked, how to reach them, and by when they should acknowledge.
    opened = next(m for m in bot.dms("pol_dc") if f"Dispute {REF} is open" in m["text"])
    said = shown(opened)
    assert (
        "<@U0CSCSW> (Social Worker, Northshire Children's Social Care) has been sent the details "
        f"and asked to acknowledge by {token(ACK_DUE, 'Tuesday 24 November 2026 at 5:00pm (GMT)')}"
    ) in said
    assert "you (Detective Constable, Northshire Police)" in said
    assert_not_named(opened, "Lucy Moss", "U0POLDC")


def test_acknowledging_reads_as_english_and_keeps_the_date_in_the_readers_time(bot: Bot) -> None:
    open_dispute(bot)
    bot.clock.set(london(2026, 11, 23, 11, 15))
    assert bot.slack.press(bot.ids["csc_sw"], last_notice(bot, "csc_sw"), views.ACKNOWLEDGE)
    bot.deliver()
    at = token(london(2026, 11, 23, 11, 15), "Monday 23 November 2026 at 11:15am (GMT)")

    reply = bot.replies("csc_sw")[-1]["text"]
    assert reply.startswith(f"You acknowledged {REF} on {at}. ")
    redrawn = bot.emulator.calls("chat.update")[-1].params
    assert f"You acknowledged this on {at}." in json.dumps(redrawn["blocks"], ensure_ascii=False)
    assert "Please acknowledge by" not in json.dumps(redrawn["blocks"])
    assert_not_named(redrawn, "Ben Okafor", "U0CSCSW")

    news = bot.dms("pol_dc")[-1]
    assert news["text"].startswith(
        f"<@U0CSCSW> (Social Worker, Northshire Children's Social Care) acknowledged {REF} on {at}."
    )
    assert "• you (Detective Constable, Northshire Police)" in shown(news)
    assert_not_named(news, "Lucy Moss", "U0POLDC")


def test_an_escalation_notice_gives_a_manager_their_opposite_number_and_the_stage_start(
    bot: Bot, sweeper: Sweeper
) -> None:
    open_dispute(bot)
    bot.clock.set(STAGE_TWO_STARTS)
    sweeper.run_once()
    bot.deliver()
    with bot.rt.factory() as session:
        dispute = session.scalar(select(Dispute))
        started, deadline = dispute.stage_started_at, dispute.deadline_at
    assert dispute.stage_index == 1 and started == STAGE_TWO_STARTS

    notice = last_notice(bot, "csc_tm")
    text = shown(notice)
    assert "*Your opposite number:* <@U0POLDS> (Detective Sergeant, Northshire Police)" in text
    assert "you (Team Manager, Northshire Children's Social Care)" in text
    for mention in (
        "<@U0POLDC> (Detective Constable, Northshire Police)",
        "<@U0CSCSW> (Social Worker, Northshire Children's Social Care)",
    ):
        assert mention in text
    assert_not_named(notice, "Amy Clarke", "U0CSCTM")
    assert "Why you: line manager of Ben Okafor" in text
    # Since is when this stage began; the opening is shown on its own.
    assert field(notice, "Since") == token(started, "Monday 30 November 2026 at 5:05pm (GMT)")
    assert field(notice, "Opened") == token(OPENED, "Monday 23 November 2026 at 10:00am (GMT)")
    assert field(notice, "By when").startswith(f"<!date^{int(deadline.timestamp())}^")
    assert "Please acknowledge by <!date^" in text

    police = last_notice(bot, "pol_ds")
    assert (
        "*Your opposite number:* <@U0CSCTM> (Team Manager, Northshire Children's Social Care)"
        in (shown(police))
    )
    assert_not_named(police, "Omar Khan", "U0POLDS")

    # The parties hear the move with the new people named, themselves as "you".
    moved = next(m for m in bot.dms("csc_sw") if "moved to" in m["text"])
    said = shown(moved)
    assert "you (Social Worker, Northshire Children's Social Care)" in said
    assert "<@U0CSCTM> (Team Manager, Northshire Children's Social Care)" in said
    assert "<@U0POLDS> (Detective Sergeant, Northshire Police)" in said
    assert_not_named(moved, "Ben Okafor", "U0CSCSW")


def test_an_acknowledgement_reminder_says_when_it_was_due_and_whom_to_talk_to(
    bot: Bot, sweeper: Sweeper
) -> None:
    open_dispute(bot)
    bot.clock.set(ACK_DUE)
    sweeper.run_once()
    bot.deliver()
    reminder = next(m for m in bot.dms("csc_sw") if m["text"] == f"Please acknowledge {REF}.")
    text = shown(reminder)
    due = token(ACK_DUE, "Tuesday 24 November 2026 at 5:00pm (GMT)")
    assert f"Acknowledgement was due by {due}: please acknowledge now." in text
    assert "<@U0POLDC> (Detective Constable, Northshire Police)" in text
    assert_not_named(reminder, "Ben Okafor", "U0CSCSW")


def test_no_date_token_is_ever_escaped_into_literal_text(bot: Bot, sweeper: Sweeper) -> None:
    """A token escaped as user text would show people '&lt;!date^…' instead of a date."""
    open_dispute(bot)
    for instant in (ACK_DUE, STAGE_TWO_STARTS):
        bot.clock.set(instant)
        sweeper.run_once()
        bot.deliver()
    sent = json.dumps([c.params for c in bot.emulator.calls()])
    assert "<!date^" in sent
    assert "&lt;!date" not in sent
    assert not re.search(r"<!date\^\d+\^[^|>]*\|[^>]*&", sent)
