"""What is recorded can be trusted: the other side approves or corrects a discussion record
(every version kept), the buttons that change a dispute ask first, and a quick note names
who took part."""

from __future__ import annotations

from datetime import timedelta

from bot.messages import disputes as views
from models.dispute import DiscussionCorrection, DiscussionEntry
from tests.e2e.conftest import Bot
from tests.e2e.test_child_data_at_rest import raw_rows
from tests.e2e.test_journey import REF, audit_count, last_notice, open_dispute

NOTE = "Spoke with Ben; agreed to re-screen"
CORRECTED = "Spoke with Lucy; agreed to re-screen once the school report is in"


def approval(bot: Bot, key: str) -> dict:
    requests = [m for m in bot.dms(key) if "approve a discussion record" in m["text"]]
    assert requests, f"{key} was not asked to approve"
    return requests[-1]


def buttons(message: dict) -> dict[str, dict]:
    return {
        e["action_id"]: e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }


def record(bot: Bot) -> str:
    bot.slack.command(bot.ids["pol_dc"], f"record {REF} md")
    return bot.emulator.files()[-1]["content"].decode()


def logged(bot: Bot) -> None:
    open_dispute(bot)
    bot.slack.command(bot.ids["pol_dc"], f"log {REF} {NOTE}")
    bot.deliver()


def test_a_correction_goes_back_and_the_record_shows_both_versions(bot: Bot) -> None:
    logged(bot)
    request = approval(bot, "csc_sw")
    assert set(buttons(request)) == {views.APPROVE, views.CORRECT}

    bot.clock.advance(timedelta(minutes=20))
    assert bot.slack.press(bot.ids["csc_sw"], request, views.CORRECT).status == 200
    form = bot.emulator.views_opened()[-1]
    assert form["callback_id"] == "correct_discussion"
    assert NOTE in str(form["blocks"])  # prefilled with the record as it stands
    reply = bot.slack.submit(
        bot.ids["csc_sw"],
        form,
        {"participants": "Lucy Moss, Ben Okafor", "discussion": CORRECTED},
    )
    assert reply.status == 200 and reply.body == ""
    bot.deliver()
    assert any("Your correction" in m["text"] for m in bot.dms("csc_sw"))

    # The correction goes back to the logger, who approves it after confirming.
    back = approval(bot, "pol_dc")
    assert CORRECTED in str(back["blocks"])
    assert "proposed a correction" in str(back["blocks"])
    assert "confirm" in buttons(back)[views.APPROVE]
    bot.clock.advance(timedelta(minutes=20))
    bot.slack.press(bot.ids["pol_dc"], back, views.APPROVE)
    bot.deliver()
    assert any("You approved the discussion record" in m["text"] for m in bot.dms("pol_dc"))
    approver = "<@U0POLDC> (Detective Constable, Northshire Police)"
    news = [m["text"] for m in bot.dms("csc_sw")]
    assert any(f"{approver} approved your discussion record" in text for text in news)
    # The corrector is told their own wording won, as "your", never by their own name.
    assert any("Your version of" in text and "is the agreed one" in text for text in news)
    assert not any("Ben Okafor" in text for text in news)

    shown = record(bot)
    assert f"> {CORRECTED}" in shown  # the agreed wording is the one shown
    assert "**History of this record**" in shown
    assert "1. Logged by Lucy Moss on Monday 23 November 2026 at 10:00am" in shown
    assert f"What was said: {NOTE}" in shown
    assert "2. Correction proposed by Ben Okafor on Monday 23 November 2026 at 10:20am" in shown
    assert "- **Approved:** by Lucy Moss on Monday 23 November 2026 at 10:40am" in shown

    rows = raw_rows(bot)
    assert CORRECTED not in rows and NOTE not in rows  # both versions sealed at rest
    with bot.rt.factory() as session:
        assert session.query(DiscussionCorrection).count() == 1


def test_the_same_side_and_outsiders_cannot_approve_or_correct(bot: Bot) -> None:
    logged(bot)
    request = approval(bot, "csc_sw")
    events = audit_count(bot)
    for key in ("outsider", "pol_dc"):
        bot.slack.press(bot.ids[key], request, views.APPROVE)
        bot.slack.press(bot.ids[key], request, views.CORRECT)
    bot.deliver()
    assert "no dispute" in bot.replies("outsider")[-1]["text"]
    refusal = bot.replies("pol_dc")[-1]["text"]
    assert "only the other side can correct it" in refusal or "other side must" in refusal
    assert "Nothing has changed" in refusal
    assert audit_count(bot) == events
    assert len(bot.emulator.views_opened()) == 1  # only the open form; no correction form
    with bot.rt.factory() as session:
        entry = session.query(DiscussionEntry).one()
        assert entry.approved_at is None and entry.corrections == []


def test_a_correction_the_same_as_the_record_is_refused(bot: Bot) -> None:
    logged(bot)
    bot.slack.press(bot.ids["csc_sw"], approval(bot, "csc_sw"), views.CORRECT)
    form = bot.emulator.views_opened()[-1]
    participants = "Lucy Moss (Northshire Police)"
    reply = bot.slack.submit(
        bot.ids["csc_sw"], form, {"participants": participants, "discussion": NOTE}
    )
    assert "same as the record" in reply.json()["errors"]["discussion"]


def test_approve_escalate_and_resolve_ask_before_they_act(bot: Bot) -> None:
    logged(bot)
    notice = buttons(last_notice(bot, "csc_sw"))
    request = buttons(approval(bot, "csc_sw"))
    for element, says in (
        (request[views.APPROVE], "It goes on the child's file as written"),
        (notice[views.ESCALATE], "moves to the next stage"),
        (notice[views.RESOLVE], "the dispute is closed"),
    ):
        assert says in element["confirm"]["text"]["text"]
        assert element["confirm"]["deny"]["text"] == "Not yet"
    assert "confirm" not in notice[views.LOG]


def test_a_quick_note_records_everyone_mentioned(bot: Bot) -> None:
    open_dispute(bot)
    note = f"Spoke with <@{bot.ids['csc_sw']}|ben> and <@{bot.ids['csc_tm']}>; agreed to re-screen"
    bot.slack.command(bot.ids["pol_dc"], f"log {REF} {note}")
    bot.deliver()
    reply = bot.replies("pol_dc")[-1]["text"]
    assert (
        "Recorded as taking part: you (Northshire Police), Ben Okafor (Northshire "
        "Children's Social Care), Amy Clarke (Northshire Children's Social Care)." in reply
    )
    shown = record(bot)
    assert "Lucy Moss (Northshire Police), Ben Okafor" in shown
    assert "Spoke with Ben Okafor and Amy Clarke; agreed to re-screen" in shown
    assert "<@" not in shown


def test_a_quick_note_naming_nobody_says_how_to(bot: Bot) -> None:
    logged(bot)
    reply = bot.replies("pol_dc")[-1]["text"]
    assert "Recorded as taking part: you (Northshire Police)." in reply
    assert "@mention them" in reply
    assert "quick note" not in record(bot)
