"""No dead buttons: when a dispute moves on, closes or is reopened, every earlier message with
buttons is redrawn in place to say what happened and loses its buttons; a press on a copy still
shown somewhere is answered kindly and changes nothing."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.flows.sweep import Sweeper
from bot.messages import disputes as views
from models.dispute import Dispute
from models.outbox import OutboxMessage
from tests.conftest import london
from tests.e2e.conftest import Bot
from tests.e2e.test_journey import REF, audit_count, last_notice, open_dispute
from tests.e2e.test_reopen_and_final_closure import escalate, resolve

IRREVERSIBLE = {views.ESCALATE, views.RESOLVE, views.APPROVE}


@pytest.fixture
def sweeper(bot: Bot) -> Sweeper:
    rt = bot.rt
    return Sweeper(factory=rt.factory, service=rt.service, notifier=rt.notifier, clock=rt.clock)


def sweep_at(bot: Bot, sweeper: Sweeper, when: object) -> None:
    bot.clock.set(when)
    sweeper.run_once()
    bot.deliver()


def buttons(message: dict) -> list[dict]:
    """Every button or checkbox on a message, wherever it sits."""
    found = []
    for block in message.get("blocks", []):
        found += [e for e in block.get("elements", []) if "action_id" in e]
        if block.get("accessory"):
            found.append(block["accessory"])
    return found


def action_ids(message: dict) -> set[str]:
    return {b["action_id"] for b in buttons(message)}


def now_shown(bot: Bot, message: dict) -> dict:
    """The message as Slack shows it now, after any update in place."""
    [current] = [m for m in bot.emulator.messages(message["channel"]) if m["ts"] == message["ts"]]
    return current


def with_buttons(bot: Bot, key: str) -> list[dict]:
    """Copies of the DMs that carry buttons now, as a client that never refreshed keeps them."""
    return [copy.deepcopy(m) for m in bot.dms(key) if buttons(m)]


def stage(bot: Bot) -> int:
    with bot.rt.factory() as session:
        index = session.scalar(select(Dispute.stage_index))
        assert index is not None
        return index


def test_moving_on_redraws_every_earlier_notice_without_buttons(bot: Bot, sweeper: Sweeper) -> None:
    open_dispute(bot)  # Monday 23 November 10:00, Stage 1
    sweep_at(bot, sweeper, london(2026, 11, 24, 17, 0))  # the acknowledgement is chased
    earlier = {key: with_buttons(bot, key) for key in ("csc_sw", "pol_dc")}
    kinds = " ".join(m["text"] for m in earlier["csc_sw"])
    assert "Your action is needed" in kinds and "Please acknowledge" in kinds
    assert earlier["pol_dc"], "the raiser's duty checklist"

    bot.clock.set(london(2026, 11, 25, 10, 0))
    escalate(bot, 1)
    assert stage(bot) == 1
    for key, messages in earlier.items():
        for message in messages:
            shown = now_shown(bot, message)
            assert buttons(shown) == [], shown
            assert not any(b["type"] == "actions" for b in shown["blocks"])
            assert (
                "Moved on to Stage 2 of 5: First line managers on Wednesday 25 November 2026 at "
                "10:00am (GMT) — see the latest notice" in str(shown["blocks"])
            ), (key, shown)
            assert shown["text"].startswith(f"{REF}: Moved on to Stage 2")
    # The new stage's notices keep theirs.
    assert views.ACKNOWLEDGE in action_ids(last_notice(bot, "csc_tm"))
    # The retired notice still says what it was about, and where the duties went.
    [notice] = [m for m in earlier["csc_sw"] if "Your action is needed" in m["text"]]
    shown = str(now_shown(bot, notice)["blocks"])
    assert "Stage 1 of 5" in shown
    assert f"`/dispute status {REF}`" in shown


def test_a_press_on_a_superseded_copy_is_answered_and_changes_nothing(bot: Bot) -> None:
    open_dispute(bot)
    stale = copy.deepcopy(last_notice(bot, "csc_sw"))
    escalate(bot, 1)
    events = audit_count(bot)
    opened = len(bot.emulator.views_opened())
    for action in (views.ACKNOWLEDGE, views.ESCALATE, views.RESOLVE, views.LOG):
        reply = bot.slack.press(bot.ids["csc_sw"], stale, action)
        assert reply.status == 200
        said = bot.replies("csc_sw")[-1]["text"]
        assert (
            f"That message is out of date: {REF} has moved on to Stage 2 of 5: First line "
            "managers since it was sent" in said
        )
        assert "Nothing has changed" in said
    bot.deliver()
    assert audit_count(bot) == events
    assert len(bot.emulator.views_opened()) == opened  # no form opened
    assert stage(bot) == 1


def test_an_escalation_form_opened_before_the_dispute_moved_on_is_refused(
    bot: Bot, sweeper: Sweeper
) -> None:
    """A manager opens the escalate form at Stage 1; the stage lapses before they submit. The
    form must not move the dispute on a second time: it is refused beside its first field."""
    open_dispute(bot)  # Monday 23 November 10:00, Stage 1
    bot.slack.command(bot.ids["pol_dc"], f"escalate {REF} No agreement")
    form = bot.emulator.views_opened()[-1]
    sweep_at(bot, sweeper, london(2026, 11, 30, 17, 0))  # Stage 1 lapses: now Stage 2
    assert stage(bot) == 1
    events = audit_count(bot)

    reply = bot.slack.submit(bot.ids["pol_dc"], form, {"reason": "Still no agreement"})

    assert reply.status == 200
    said = reply.json()["errors"]["reason"]
    assert said == (
        f"This form is out of date: {REF} has moved on to Stage 2 of 5: First line managers "
        "since you opened it, so it no longer applies. Nothing has changed. Close it, and use "
        f"the latest notice, or `/dispute status {REF}`."
    )
    bot.deliver()
    assert audit_count(bot) == events and stage(bot) == 1
    bot.slack.command(bot.ids["pol_dc"], f"escalate {REF} No agreement")
    fresh = bot.emulator.views_opened()[-1]
    assert bot.slack.submit(bot.ids["pol_dc"], fresh, {"reason": "Still"}).body == ""
    assert stage(bot) == 2


def test_closing_redraws_the_notices_and_refuses_stale_presses(bot: Bot) -> None:
    open_dispute(bot)
    escalate(bot, 1)
    managers = {key: copy.deepcopy(last_notice(bot, key)) for key in ("csc_tm", "pol_ds")}
    bot.clock.advance(timedelta(hours=2))
    resolve(bot, "csc_tm", "resolved", "Agreed to hold a strategy discussion.")
    for message in managers.values():
        shown = now_shown(bot, message)
        assert buttons(shown) == []
        assert "Resolved on Monday 23 November 2026 at 12:00pm (GMT) by Amy Clarke" in str(
            shown["blocks"]
        )
    events = audit_count(bot)
    bot.slack.press(bot.ids["pol_ds"], managers["pol_ds"], views.RESOLVE)
    said = bot.replies("pol_ds")[-1]["text"]
    assert f"{REF} has closed since it was sent" in said and "Nothing has changed" in said
    assert audit_count(bot) == events


def test_a_notice_from_before_a_closure_stays_stale_after_reopening(bot: Bot) -> None:
    open_dispute(bot)
    stale = copy.deepcopy(last_notice(bot, "csc_sw"))
    resolve(bot, "csc_sw", "not_resolved", "No agreement.")
    shown = str(now_shown(bot, stale)["blocks"])
    assert "Closed on Monday 23 November 2026 at 10:00am (GMT) by Ben Okafor (not resolved)" in (
        shown
    )
    bot.clock.advance(timedelta(days=1))
    bot.slack.command(bot.ids["pol_dc"], f"reopen {REF} The re-screen never happened")
    bot.deliver()
    fresh = last_notice(bot, "csc_sw")
    assert fresh["ts"] != stale["ts"] and views.ACKNOWLEDGE in action_ids(fresh)
    bot.slack.press(bot.ids["csc_sw"], stale, views.ACKNOWLEDGE)
    assert "out of date" in bot.replies("csc_sw")[-1]["text"]
    bot.slack.press(bot.ids["csc_sw"], fresh, views.ACKNOWLEDGE)
    assert "You acknowledged" in bot.replies("csc_sw")[-1]["text"]


def test_a_retirement_waits_for_a_notice_still_undelivered(bot: Bot) -> None:
    """Slack is down when the notice is due and when the dispute moves on: once it is back,
    the notice arrives and is then redrawn, so it never shows a dead button."""
    open_dispute(bot)
    bot.emulator.fail_next("chat.postMessage", status=503, retry_after=None, times=12)
    bot.slack.command(bot.ids["pol_dc"], f"escalate {REF} No agreement")
    bot.slack.submit(bot.ids["pol_dc"], bot.emulator.views_opened()[-1], {"reason": "x"})
    bot.rt.delivery.deliver_due()  # the Stage 2 notices fail to go
    with bot.rt.factory() as session:
        waiting = session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending"))
        assert any(r.notice_id is not None for r in waiting)
    bot.slack.command(bot.ids["csc_tm"], f"resolve {REF}")
    bot.slack.submit(
        bot.ids["csc_tm"], bot.emulator.views_opened()[-1], {"outcome": "resolved", "summary": "y"}
    )
    for _ in range(8):
        bot.clock.advance(timedelta(minutes=16))  # past the longest back-off
        bot.rt.delivery.drain()
    with bot.rt.factory() as session:
        assert all(r.status == "sent" for r in session.scalars(select(OutboxMessage)))
    notice = [m for m in bot.dms("pol_ds") if "Stage 2 of 5" in str(m["blocks"])][0]
    assert buttons(notice) == []
    assert "Resolved on" in str(notice["blocks"])


def test_the_final_stage_offers_no_escalate_now(bot: Bot, sweeper: Sweeper) -> None:
    open_dispute(bot)
    for deadline in (
        london(2026, 11, 30, 17, 0),
        london(2026, 12, 7, 17, 0),
        london(2026, 12, 14, 17, 0),
    ):
        sweep_at(bot, sweeper, deadline)
    heads = copy.deepcopy(last_notice(bot, "csc_hos"))
    assert views.ESCALATE in action_ids(heads)
    sweep_at(bot, sweeper, london(2026, 12, 21, 17, 0))
    final = last_notice(bot, "chair")
    assert "Stage 5 of 5" in str(final["blocks"])
    assert action_ids(final) == {views.ACKNOWLEDGE, views.LOG, views.RESOLVE}
    assert buttons(now_shown(bot, heads)) == []
    assert "Moved on to Stage 5 of 5" in str(now_shown(bot, heads)["blocks"])


SUSSEX = pytest.mark.protocol("sussex")


def to_referral_due(bot: Bot, sweeper: Sweeper) -> dict:
    """Stage 4 of Pan Sussex lapses; Stage 5 is entered only by referral."""
    open_dispute(
        bot, category="information-sharing", urgency="immediate", start_stage="professional-leads"
    )
    with bot.rt.factory() as session:
        dispute = session.scalar(select(Dispute))
        assert dispute is not None and dispute.deadline_at is not None
        lapsed = dispute.deadline_at
    sweep_at(bot, sweeper, lapsed)
    sweep_at(bot, sweeper, lapsed + timedelta(minutes=1))
    [due] = [m for m in bot.dms("pol_dc") if "refer it to" in m["text"]]
    return due


@SUSSEX
def test_referral_due_offers_the_actions_it_names_and_they_work(bot: Bot, sweeper: Sweeper) -> None:
    due = to_referral_due(bot, sweeper)
    assert "press *Escalate now* to refer it, or *Mark resolved*" in str(due["blocks"])
    assert action_ids(due) == {views.ESCALATE, views.RESOLVE}
    assert all(b.get("confirm") for b in buttons(due))
    assert "Refer to Independent Scrutineer" in str(buttons(due)[0]["confirm"])

    assert bot.slack.press(bot.ids["pol_dc"], due, views.RESOLVE).status == 200
    assert bot.emulator.views_opened()[-1]["callback_id"] == "resolve_dispute"
    assert bot.slack.press(bot.ids["pol_dc"], due, views.ESCALATE).status == 200
    modal = bot.emulator.views_opened()[-1]
    assert modal["callback_id"] == "escalate_dispute"
    reply = bot.slack.submit(bot.ids["pol_dc"], modal, {"reason": "The leads could not agree"})
    assert reply.status == 200 and reply.body == ""
    bot.deliver()
    with bot.rt.factory() as session:
        dispute = session.scalar(select(Dispute))
        assert dispute is not None
        assert dispute.protocol_snapshot.stage(dispute.stage_index).key == "independent-scrutineer"
    shown = now_shown(bot, due)
    assert buttons(shown) == []
    assert "Moved on to Stage 5 of 6" in str(shown["blocks"])


def test_irreversible_buttons_ask_first(bot: Bot, sweeper: Sweeper) -> None:
    """Every escalate, resolve (close) and approve button the bot posted asks for confirmation."""
    open_dispute(bot)
    bot.slack.command(bot.ids["pol_dc"], f"log {REF} Spoke with Ben; agreed to re-screen")
    sweep_at(bot, sweeper, london(2026, 11, 27, 9, 0))  # reminders with notice buttons
    escalate(bot, 1)
    pressed = [b for m in bot.emulator.messages() for b in buttons(m)]
    seen = {b["action_id"] for b in pressed}
    assert seen >= IRREVERSIBLE
    for button in pressed:
        if button["action_id"] in IRREVERSIBLE:
            confirm = button.get("confirm")
            assert confirm and confirm["confirm"]["text"] and confirm["deny"]["text"], button


def test_a_late_acknowledgement_redraw_never_brings_the_buttons_back(bot: Bot) -> None:
    """The acknowledged notice's redraw is held up by Slack until after the dispute moved on:
    when it finally goes, it is dropped rather than drawn over the retired notice."""
    open_dispute(bot)
    notice = copy.deepcopy(last_notice(bot, "csc_sw"))
    bot.emulator.fail_next("chat.update", status=503, retry_after=None)
    bot.slack.press(bot.ids["csc_sw"], notice, views.ACKNOWLEDGE)
    bot.rt.delivery.deliver_due()  # the redraw fails and backs off
    escalate(bot, 1)
    assert buttons(now_shown(bot, notice)) == []
    bot.clock.advance(timedelta(minutes=16))
    bot.deliver()
    shown = now_shown(bot, notice)
    assert buttons(shown) == []
    assert "Moved on to Stage 2 of 5" in str(shown["blocks"])
