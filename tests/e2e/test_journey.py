"""A dispute's whole life through Slack: open, acknowledge, log, approve, escalate, resolve,
record — asserting what reached whom, and that the child reference stays private."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.messages import disputes as views
from bot.messages.dates import as_fallback
from bot.settings import ConversationKind
from models.audit import AuditEvent
from models.dispute import Dispute
from tests.e2e.conftest import Bot

CHILD = "CS-104233"
REF = "RPD-2026-0001"


def open_dispute(bot: Bot, **values: object) -> None:
    raiser = bot.ids["pol_dc"]
    assert bot.slack.command(raiser, "open").status == 200
    modal = bot.emulator.views_opened()[-1]
    assert modal["callback_id"] == "open_dispute"
    form = {
        "counterpart": bot.ids["csc_sw"],
        "category": "referral-threshold",
        "child_ref": CHILD,
        "summary": "Referral for a 4-year-old refused as below threshold; police see a s47 need.",
    } | values
    reply = bot.slack.submit(raiser, modal, form)
    assert reply.status == 200
    assert reply.body == ""  # the modal closes
    bot.deliver()


def audit_count(bot: Bot) -> int:
    with bot.rt.factory() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def last_notice(bot: Bot, key: str) -> dict:
    notices = [m for m in bot.dms(key) if "your action is needed" in m.get("text", "").lower()]
    assert notices, f"{key} got no notice"
    return notices[-1]


def test_whole_journey(bot: Bot) -> None:
    open_dispute(bot)

    # The raiser hears the reference and the deadline; the counterpart gets the notice.
    raiser_dm = " ".join(m["text"] + str(m.get("blocks")) for m in bot.dms("pol_dc"))
    assert f"Dispute {REF} is open" in raiser_dm
    assert "Monday 30 November 2026 at 5:00pm (GMT)" in raiser_dm
    notice = last_notice(bot, "csc_sw")
    shown = str(notice["blocks"])
    for expected in (
        "<@U0POLDC> (Detective Constable, Northshire Police)",
        "Threshold dispute at the point of referral",
        "Monday 23 November 2026 at 10:00am (GMT)",
        "Acknowledge",
        "Escalate now",
    ):
        assert expected in shown

    # One private channel holds exactly the parties, and only there is the child reference.
    channel = bot.emulator.calls("conversations.create")[0].response["channel"]["id"]
    members = set(bot.rt.client.conversations_members(channel=channel)["members"])
    assert {bot.ids["pol_dc"], bot.ids["csc_sw"]} <= members
    assert bot.ids["csc_tm"] not in members
    assert any(CHILD in str(m.get("blocks")) for m in bot.emulator.messages(channel))

    # Acknowledge; the notice is redrawn in place. A second press changes nothing.
    bot.clock.advance(timedelta(minutes=30))
    assert bot.slack.press(bot.ids["csc_sw"], notice, views.ACKNOWLEDGE).status == 200
    bot.deliver()
    updates = bot.emulator.calls("chat.update")
    assert len(updates) == 1
    assert "You acknowledged this on Monday 23 November 2026 at 10:30am" in as_fallback(
        str(updates[0].params)
    )
    assert "You acknowledged RPD-2026-0001" in bot.replies("csc_sw")[-1]["text"]
    events = audit_count(bot)
    bot.slack.press(bot.ids["csc_sw"], notice, views.ACKNOWLEDGE)
    bot.deliver()
    assert "already acknowledged" in bot.replies("csc_sw")[-1]["text"]
    assert len(bot.emulator.calls("chat.update")) == 1
    assert audit_count(bot) == events
    acknowledged = "<@U0CSCSW> (Social Worker, Northshire Children's Social Care) acknowledged"
    assert any(acknowledged in m["text"] for m in bot.dms("pol_dc"))

    # A quick log entry; the other party approves the record.
    bot.slack.command(bot.ids["pol_dc"], f"log {REF} Spoke with Ben; agreed to re-screen")
    bot.deliver()
    approval = [m for m in bot.dms("csc_sw") if "approve a discussion record" in m["text"]][-1]
    bot.slack.press(bot.ids["csc_sw"], approval, views.APPROVE)
    bot.deliver()
    # The approval request is replaced in place by the confirmation.
    assert any("You approved the discussion record" in m["text"] for m in bot.dms("csc_sw"))
    assert not any("approve a discussion record" in m["text"] for m in bot.dms("csc_sw"))
    approver = "<@U0CSCSW> (Social Worker, Northshire Children's Social Care)"
    news = [m["text"] for m in bot.dms("pol_dc")]
    assert any(f"{approver} approved your discussion record" in text for text in news)

    # Escalate by hand with a stated timescale: both line managers are asked to act.
    bot.slack.command(bot.ids["pol_dc"], f"escalate {REF} Still no agreement on threshold")
    modal = bot.emulator.views_opened()[-1]
    assert modal["callback_id"] == "escalate_dispute"
    assert "Still no agreement on threshold" in str(modal["blocks"])
    reply = bot.slack.submit(
        bot.ids["pol_dc"],
        modal,
        {"reason": "Still no agreement on threshold", "stated_timescale": "1 working day"},
    )
    assert reply.status == 200 and reply.body == ""
    bot.deliver()
    for manager in ("pol_ds", "csc_tm"):
        shown = str(last_notice(bot, manager)["blocks"])
        assert "Stage 2 of 5: First line managers" in shown
        assert "Tuesday 24 November 2026 at 5:00pm (GMT)" in shown  # 1 working day, stated
    assert "line manager of Lucy Moss" in str(last_notice(bot, "pol_ds")["blocks"])
    members = set(bot.rt.client.conversations_members(channel=channel)["members"])
    assert {bot.ids["pol_ds"], bot.ids["csc_tm"]} <= members
    assert any("moved to" in m["text"] for m in bot.dms("csc_sw"))

    # Status for a party; the line manager resolves it through the modal.
    bot.slack.command(bot.ids["csc_sw"], f"status {REF}")
    assert "Stage 2 of 5" in bot.replies("csc_sw")[-1]["text"]
    bot.slack.command(bot.ids["csc_tm"], f"resolve {REF}")
    modal = bot.emulator.views_opened()[-1]
    reply = bot.slack.submit(
        bot.ids["csc_tm"],
        modal,
        {
            "outcome": "resolved",
            "summary": "Agreed to hold a strategy discussion.",
            "actions": "Convene strategy discussion; Amy Clarke; 25/11/2026",
            "learning": "Threshold guidance unclear on police intelligence.",
            "refer": ["yes"],
        },
    )
    assert reply.status == 200 and reply.body == ""
    bot.deliver()
    with bot.rt.factory() as session:
        dispute = session.scalar(select(Dispute))
        assert dispute is not None and dispute.status == "closed"
    assert any(f"{REF} closed: Resolved" in m["text"] for m in bot.dms("pol_ds"))

    # The record, as a file, to whoever asks (if they are part of it).
    bot.slack.command(bot.ids["pol_dc"], f"record {REF} md")
    files = bot.emulator.files()
    assert len(files) == 1
    record = files[0]["content"].decode()
    for part in (
        CHILD,
        "Spoke with Ben",
        "Convene strategy discussion",
        "Threshold guidance",
        "Still no agreement on threshold",
    ):
        assert part in record

    # Nowhere but the private channel (and the file) shows the child reference.
    for message in bot.emulator.messages():
        if message["channel"] != channel:
            assert CHILD not in str(message), message


def test_outsiders_cannot_see_or_touch_a_dispute(bot: Bot) -> None:
    open_dispute(bot)
    outsider = bot.ids["outsider"]
    bot.slack.command(outsider, f"status {REF}")
    not_theirs = bot.replies("outsider")[-1]["text"]
    bot.slack.command(outsider, "status RPD-2026-0999")
    missing = bot.replies("outsider")[-1]["text"]
    assert not_theirs.replace(REF, "X") == missing.replace("RPD-2026-0999", "X")
    assert "no dispute" in not_theirs

    notice = last_notice(bot, "csc_sw")
    events = audit_count(bot)
    bot.slack.press(outsider, notice, views.ACKNOWLEDGE)
    bot.slack.press(outsider, notice, views.ESCALATE)
    bot.deliver()
    assert "no dispute" in bot.replies("outsider")[-1]["text"]
    assert audit_count(bot) == events
    for other in ("record", "log", "escalate", "resolve"):
        bot.slack.command(outsider, f"{other} {REF} text")
        assert "no dispute" in bot.replies("outsider")[-1]["text"]
    assert bot.emulator.files() == []


def test_group_dm_conversation_grows_with_each_tier(bot: Bot) -> None:
    bot.rt.delivery.settings = bot.rt.settings.model_copy(
        update={"conversation": ConversationKind.GROUP_DM}
    )
    open_dispute(bot)
    opened = [c for c in bot.emulator.calls("conversations.open") if "," in c.params["users"]]
    assert set(opened[-1].params["users"].split(",")) == {bot.ids["pol_dc"], bot.ids["csc_sw"]}
    first = opened[-1].response["channel"]["id"]
    assert any(CHILD in str(m.get("blocks")) for m in bot.emulator.messages(first))
    bot.slack.command(bot.ids["pol_dc"], f"escalate {REF} No agreement")
    bot.slack.submit(bot.ids["pol_dc"], bot.emulator.views_opened()[-1], {"reason": "No agreement"})
    bot.deliver()
    opened = [c for c in bot.emulator.calls("conversations.open") if "," in c.params["users"]]
    grown = set(opened[-1].params["users"].split(","))
    assert grown == {bot.ids[k] for k in ("pol_dc", "csc_sw", "pol_ds", "csc_tm")}
    assert bot.emulator.calls("conversations.create") == []
