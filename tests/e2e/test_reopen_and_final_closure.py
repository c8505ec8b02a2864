"""Closures through the real app: a party reopens within the configured period and is turned
away kindly after it; a dispute closed at the final stage without agreement says so."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.messages.dates import as_fallback
from models.audit import AuditEvent
from models.dispute import Dispute, StageTransition
from tests.e2e.conftest import Bot
from tests.e2e.test_child_data_at_rest import raw_rows
from tests.e2e.test_journey import CHILD, REF, audit_count, last_notice, open_dispute

REASON = "The agreed re-screen did not happen within the week"


def resolve(bot: Bot, key: str, outcome: str, summary: str) -> None:
    bot.slack.command(bot.ids[key], f"resolve {REF}")
    reply = bot.slack.submit(
        bot.ids[key], bot.emulator.views_opened()[-1], {"outcome": outcome, "summary": summary}
    )
    assert reply.status == 200 and reply.body == "", reply.body
    bot.deliver()


def escalate(bot: Bot, times: int) -> None:
    for n in range(times):
        bot.slack.command(bot.ids["pol_dc"], f"escalate {REF} Still no agreement {n}")
        modal = bot.emulator.views_opened()[-1]
        reply = bot.slack.submit(bot.ids["pol_dc"], modal, {"reason": f"Still no agreement {n}"})
        assert reply.status == 200 and reply.body == "", reply.body
        bot.deliver()


def record(bot: Bot) -> str:
    bot.slack.command(bot.ids["pol_dc"], f"record {REF} md")
    return bot.emulator.files()[-1]["content"].decode()


def test_a_party_reopens_within_the_period_and_the_stage_starts_again(bot: Bot) -> None:
    open_dispute(bot)
    resolve(bot, "csc_sw", "resolved", "Agreed to re-screen.")
    bot.clock.advance(timedelta(days=7))
    before = len([m for m in bot.dms("csc_sw") if "your action is needed" in m["text"].lower()])

    reply = bot.slack.command(bot.ids["pol_dc"], f"reopen {REF} {REASON}")
    assert reply.status == 200
    bot.deliver()
    said = bot.replies("pol_dc")[-1]["text"]
    assert f"{REF} is open again at Stage 1" in said
    notice = last_notice(bot, "csc_sw")
    assert before + 1 == len(
        [m for m in bot.dms("csc_sw") if "your action is needed" in m["text"].lower()]
    )
    shown = as_fallback(str(notice["blocks"]))
    assert (
        "Reopened by <@U0POLDC> (Detective Constable, Northshire Police) on "
        "Monday 30 November 2026 at 10:00am"
    ) in shown
    assert REASON in shown
    assert "Monday 7 December 2026 at 5:00pm" in shown  # a fresh five working days

    with bot.rt.factory() as session:
        dispute = session.scalar(select(Dispute))
        assert dispute is not None and dispute.is_open and dispute.resolution is None
        move = dispute.current_transition
        assert (move.trigger, move.from_stage, move.to_stage) == ("reopened", 0, 0)
        kinds = [e.kind for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        assert "reopened" in kinds
    assert REASON not in raw_rows(bot)  # the reason is sealed at rest
    shown = record(bot)
    assert f"Reopened after closure by Lucy Moss. Reason: {REASON}" in shown
    assert "Agreed to re-screen." in shown  # the earlier closure stays on the record

    # It can close again.
    resolve(bot, "csc_sw", "resolved", "Re-screen done; strategy discussion held.")
    with bot.rt.factory() as session:
        dispute = session.scalar(select(Dispute))
        assert dispute is not None and not dispute.is_open
        assert len(dispute.resolutions) == 2


def test_after_the_period_reopening_is_refused_and_says_what_to_do(bot: Bot) -> None:
    open_dispute(bot)
    resolve(bot, "csc_sw", "resolved", "Agreed to re-screen.")
    bot.clock.advance(timedelta(days=40))
    events = audit_count(bot)
    bot.slack.command(bot.ids["pol_dc"], f"reopen {REF} {REASON}")
    said = bot.replies("pol_dc")[-1]["text"]
    assert "could be reopened until Monday 21 December 2026 at 5:00pm" in said
    assert "open a new dispute with `/dispute open`" in said
    assert audit_count(bot) == events
    with bot.rt.factory() as session:
        assert session.scalar(select(Dispute)).status == "closed"  # type: ignore[union-attr]


def test_outsiders_missing_reasons_and_child_refs_change_nothing(bot: Bot) -> None:
    open_dispute(bot)
    bot.slack.command(bot.ids["pol_dc"], f"reopen {REF} {REASON}")
    assert "still open" in bot.replies("pol_dc")[-1]["text"]
    resolve(bot, "csc_sw", "resolved", "Agreed to re-screen.")
    events = audit_count(bot)
    bot.slack.command(bot.ids["outsider"], f"reopen {REF} {REASON}")
    assert "no dispute" in bot.replies("outsider")[-1]["text"]
    bot.slack.command(bot.ids["pol_dc"], f"reopen {REF}")
    assert "Say why you are reopening it" in bot.replies("pol_dc")[-1]["text"]
    bot.slack.command(bot.ids["pol_dc"], f"reopen {REF} See {CHILD} notes")
    refusal = bot.replies("pol_dc")[-1]["text"]
    assert "Remove the child's case number from the reason" in refusal
    assert CHILD not in refusal
    assert audit_count(bot) == events
    with bot.rt.factory() as session:
        assert session.scalar(select(Dispute)).status == "closed"  # type: ignore[union-attr]
        assert session.query(StageTransition).filter_by(trigger="reopened").count() == 0


def test_closed_at_the_final_stage_without_agreement_says_so(bot: Bot) -> None:
    open_dispute(bot)
    escalate(bot, 4)
    with bot.rt.factory() as session:
        dispute = session.scalar(select(Dispute))
        assert dispute is not None
        assert dispute.stage_index == dispute.protocol_snapshot.final_index
    resolve(bot, "pol_dc", "not_resolved", "The agencies still disagree on threshold.")
    news = [m for m in bot.dms("csc_sw") if f"{REF} closed" in m["text"]][-1]
    assert "Closed at the final stage without agreement" in str(news["blocks"])
    assert "Closed at the final stage without agreement" in bot.dms("pol_dc")[-1]["text"]
    bot.slack.command(bot.ids["csc_sw"], f"status {REF}")
    assert "Closed at the final stage without agreement" in str(bot.replies("csc_sw")[-1])
    assert "Closed at the final stage without agreement" in record(bot)


def test_partial_agreement_at_the_final_stage_says_what_remains(bot: Bot) -> None:
    open_dispute(bot)
    escalate(bot, 4)
    resolve(bot, "pol_dc", "partially_resolved", "Agreed a visit; threshold still disputed.")
    assert "only partial agreement; what remains unagreed is set out in the summary" in record(bot)


def test_not_resolved_before_the_final_stage_has_no_final_stage_wording(bot: Bot) -> None:
    open_dispute(bot)
    resolve(bot, "csc_sw", "not_resolved", "Withdrawn by agreement to escalate elsewhere.")
    assert "final stage" not in record(bot).split("## Resolution")[1]
