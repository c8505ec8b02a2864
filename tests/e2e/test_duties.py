"""Duties reach the people they bind: a checklist in each side's notice, ticks that record who
and when, reminders for duties with their own timescale, and status and record that say what is
done and what is outstanding."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.database import transaction
from bot.flows import disputes as flows
from bot.flows.sweep import Sweeper
from bot.messages.dates import as_fallback
from bot.messages.duties import DUTY_TICK
from models.audit import AuditEvent
from models.directory import Person
from models.duties import DutyCompletion
from models.schedule import Reminder, ReminderKind, ReminderStatus
from tests.conftest import london
from tests.e2e.conftest import Bot
from tests.e2e.test_journey import REF, last_notice, open_dispute

RESOLVE_DUTY = "Resolve the difference through discussion"  # Suffolk stage 1, both, 5 days
REVISIT_DUTY = "re-visit the referral"  # Suffolk stage 1, the raising side only
RECORD_DUTY = "Record each intra and inter-agency discussion"  # Suffolk, whole dispute, both
TELL_OTHER_AGENCY = "Formally tell the other agency"  # Oxfordshire Step 2, the escalating side
WRITTEN_RESPONSE = "Give a written response."  # Oxfordshire Step 2, the agency challenged


@pytest.fixture
def sweeper(bot: Bot) -> Sweeper:
    rt = bot.rt
    return Sweeper(factory=rt.factory, service=rt.service, notifier=rt.notifier, clock=rt.clock)


def duty_blocks(message: dict) -> dict[str, dict]:
    """The message's checklist entries by the first words of their text."""
    return {
        b["text"]["text"]: b
        for b in message.get("blocks", [])
        if b.get("accessory", {}).get("action_id") == DUTY_TICK
    }


def block_for(message: dict, words: str) -> dict:
    found = [b for text, b in duty_blocks(message).items() if words in text]
    assert len(found) == 1, f"no single duty '{words}' in {list(duty_blocks(message))}"
    return found[0]


def opened_reply(bot: Bot) -> dict:
    return next(m for m in bot.dms("pol_dc") if f"Dispute {REF} is open" in m["text"])


def notice_now(bot: Bot, key: str, ts: str) -> dict:
    """The message as it stands now (after any update in place)."""
    return next(m for m in bot.dms(key) if m["ts"] == ts)


def completions(bot: Bot) -> list[DutyCompletion]:
    with bot.rt.factory() as session:
        rows = list(session.scalars(select(DutyCompletion)))
        for row in rows:
            _ = row.done_by.name
        return rows


def audit_kinds(bot: Bot) -> list[str]:
    with bot.rt.factory() as session:
        return list(session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id)))


def test_each_side_sees_its_own_duties_to_tick(bot: Bot) -> None:
    open_dispute(bot)
    counterpart = duty_blocks(last_notice(bot, "csc_sw"))
    raiser = duty_blocks(opened_reply(bot))
    # Both sides are asked to resolve it and keep the record; only the referrer re-visits.
    assert any(RESOLVE_DUTY in text for text in counterpart)
    assert any(RECORD_DUTY in text for text in counterpart)
    assert not any(REVISIT_DUTY in text for text in counterpart)
    assert any(REVISIT_DUTY in text for text in raiser)
    assert any(RESOLVE_DUTY in text for text in raiser)
    # The duty with its own timescale says when it falls due; none is ticked yet.
    resolve = block_for(last_notice(bot, "csc_sw"), RESOLVE_DUTY)
    assert "_Due by_ Monday 30 November 2026 at 5:00pm" in as_fallback(resolve["text"]["text"])
    assert "initial_options" not in resolve["accessory"]
    assert "What the protocol asks of Northshire Children's Social Care" in str(
        last_notice(bot, "csc_sw")["blocks"]
    )


def test_ticking_records_who_and_when_and_redraws_the_box(bot: Bot) -> None:
    open_dispute(bot)
    notice = last_notice(bot, "csc_sw")
    block = block_for(notice, RESOLVE_DUTY)
    bot.clock.set(london(2026, 11, 23, 10, 30))
    reply = bot.slack.tick(bot.ids["csc_sw"], notice, block["block_id"], True)
    assert reply.status == 200

    redrawn = block_for(notice_now(bot, "csc_sw", notice["ts"]), RESOLVE_DUTY)
    assert redrawn["accessory"]["initial_options"] == redrawn["accessory"]["options"]
    assert "Done: ticked by Ben Okafor on Monday 23 November 2026 at 10:30am" in as_fallback(
        redrawn["text"]["text"]
    )
    # The rest of the notice is as it was: still asking for acknowledgement.
    assert "Acknowledge" in str(notice_now(bot, "csc_sw", notice["ts"])["blocks"])
    [row] = completions(bot)
    assert (row.side, row.done_by.name) == ("counterpart", "Ben Okafor")
    assert row.done_at == london(2026, 11, 23, 10, 30)
    assert audit_kinds(bot).count("duty_done") == 1

    # The same request replayed changes nothing a second time.
    bot.slack.send(reply.sent)
    assert audit_kinds(bot).count("duty_done") == 1
    assert len(completions(bot)) == 1

    # Unticking a box ticked by mistake is allowed, and audited too.
    current = notice_now(bot, "csc_sw", notice["ts"])
    bot.slack.tick(bot.ids["csc_sw"], current, block["block_id"], False)
    assert completions(bot) == []
    assert audit_kinds(bot).count("duty_undone") == 1
    after = block_for(notice_now(bot, "csc_sw", notice["ts"]), RESOLVE_DUTY)
    assert "initial_options" not in after["accessory"]


def test_only_the_side_bound_may_tick(bot: Bot) -> None:
    open_dispute(bot)
    raisers = opened_reply(bot)
    revisit = block_for(raisers, REVISIT_DUTY)["block_id"]
    events = len(audit_kinds(bot))

    # The other side's practitioner: a polite refusal, and nothing recorded.
    bot.slack.tick(bot.ids["csc_sw"], raisers, revisit, True)
    assert "Only people acting for Northshire Police" in bot.replies("csc_sw")[-1]["text"]
    # Someone outside the dispute hears only that there is no such dispute for them.
    bot.slack.tick(bot.ids["outsider"], raisers, revisit, True)
    assert f"There is no dispute {REF} that you are part of" in bot.replies("outsider")[-1]["text"]
    assert completions(bot) == []
    assert len(audit_kinds(bot)) == events

    # The raiser may.
    bot.slack.tick(bot.ids["pol_dc"], raisers, revisit, True)
    assert [(r.side, r.done_by.name) for r in completions(bot)] == [("raiser", "Lucy Moss")]


def test_status_and_record_say_what_is_done_and_outstanding(bot: Bot) -> None:
    open_dispute(bot)
    notice = last_notice(bot, "csc_sw")
    bot.clock.set(london(2026, 11, 24, 11, 0))
    bot.slack.tick(bot.ids["csc_sw"], notice, block_for(notice, RESOLVE_DUTY)["block_id"], True)

    bot.slack.command(bot.ids["pol_dc"], f"status {REF}")
    reply = bot.replies("pol_dc")[-1]
    status = as_fallback(reply["text"] + str(reply["blocks"]))
    assert "Northshire Children's Social Care: Resolve the difference through discussion" in status
    assert "Done by Ben Okafor on Tuesday 24 November 2026 at 11:00am" in status
    assert "Northshire Police: Resolve the difference through discussion" in status
    assert "Outstanding, due by Monday 30 November 2026 at 5:00pm" in status

    bot.slack.command(bot.ids["pol_dc"], f"record {REF} md")
    record = bot.emulator.files()[-1]["content"].decode()
    assert "- **Duties:**" in record
    assert (
        "(Northshire Children's Social Care): done, ticked by Ben Okafor on Tuesday 24 "
        "November 2026 at 11:00am" in record
    )
    assert "(Northshire Police): outstanding (due by Monday 30 November 2026 at 5:00pm" in record
    assert "## Duties throughout the dispute" in record
    assert "duty done, by Ben Okafor" in record  # the audit trail


def test_a_duty_with_its_own_timescale_is_reminded_until_ticked(bot: Bot, sweeper: Sweeper) -> None:
    open_dispute(bot)  # Monday 23 Nov 10:00; the resolve duty is due Monday 30 Nov 17:00
    with bot.rt.factory() as session:
        planned = sorted(
            (r.sequence, r.due_at)
            for r in session.scalars(
                select(Reminder).where(Reminder.kind == ReminderKind.DUTY.value)
            )
        )
    # A working day before it falls due, then at the moment it falls due.
    assert planned == [(1, london(2026, 11, 27, 17, 0)), (2, london(2026, 11, 30, 17, 0))]

    # The counterpart ticks it on Wednesday: only the raising side is still reminded.
    notice = last_notice(bot, "csc_sw")
    bot.clock.set(london(2026, 11, 25, 9, 0))
    bot.slack.tick(bot.ids["csc_sw"], notice, block_for(notice, RESOLVE_DUTY)["block_id"], True)
    bot.clock.set(london(2026, 11, 27, 16, 59))
    sweeper.run_once()
    bot.deliver()
    assert not any("a duty on" in m["text"] for m in bot.dms("pol_dc"))
    bot.clock.set(london(2026, 11, 27, 17, 0))
    sweeper.run_once()
    bot.deliver()
    [nudge] = [m for m in bot.dms("pol_dc") if "a duty on" in m["text"]]
    assert "due by Monday 30 November 2026 at 5:00pm" in nudge["text"]
    assert RESOLVE_DUTY in str(nudge["blocks"])
    assert not any("a duty on" in m["text"] for m in bot.dms("csc_sw"))

    # The raiser ticks it from the reminder itself: nothing more is due for it.
    block = block_for(nudge, RESOLVE_DUTY)
    bot.slack.tick(bot.ids["pol_dc"], nudge, block["block_id"], True)
    with bot.rt.factory() as session:
        pending = session.scalar(
            select(func.count())
            .select_from(Reminder)
            .where(
                Reminder.kind == ReminderKind.DUTY.value,
                Reminder.status == ReminderStatus.PENDING,
            )
        )
    assert pending == 0
    assert {r.side for r in completions(bot)} == {"raiser", "counterpart"}


def open_oxfordshire(bot: Bot) -> None:
    """Oxfordshire's own timescales for duties; the form offers the configured protocol, so the
    dispute is opened through the same flow the form calls."""
    with transaction(bot.rt.factory) as session:
        people = {p.slack_user_id: p for p in session.scalars(select(Person))}
        flows.open_dispute(
            bot.rt.flows,
            session,
            raiser=people[bot.ids["pol_dc"]],
            counterpart=people[bot.ids["csc_sw"]],
            protocol_key="oxfordshire",
            category="referral-criteria",
            child_ref="CS-104233",
            summary="Referral refused as below threshold; police see a s47 need.",
        )
    bot.deliver()


def test_after_escalation_each_side_is_asked_for_its_own_part(bot: Bot) -> None:
    open_oxfordshire(bot)
    first_stage = opened_reply(bot)
    bot.slack.command(bot.ids["pol_dc"], f"escalate {REF} No agreement on threshold")
    modal = bot.emulator.views_opened()[-1]
    bot.slack.submit(bot.ids["pol_dc"], modal, {"reason": "No agreement on threshold"})
    bot.deliver()

    # The escalating side tells the other agency; the agency challenged answers in writing.
    police = duty_blocks(last_notice(bot, "pol_ds"))
    social_care = duty_blocks(last_notice(bot, "csc_tm"))
    assert any(TELL_OTHER_AGENCY in text for text in police)
    assert not any(WRITTEN_RESPONSE in text for text in police)
    assert not any(TELL_OTHER_AGENCY in text for text in social_care)
    response = block_for(last_notice(bot, "csc_tm"), WRITTEN_RESPONSE)
    assert "_Due by_ Monday 30 November 2026 at 5:00pm" in as_fallback(response["text"]["text"])
    # The practitioner who escalated acts for their side still, and can tick from the news.
    moved = next(m for m in bot.dms("pol_dc") if "moved to" in m["text"])
    assert any(TELL_OTHER_AGENCY in text for text in duty_blocks(moved))

    # A box from the stage just left can no longer be ticked.
    consult = block_for(first_stage, "First consult co-workers")["block_id"]
    bot.slack.tick(bot.ids["pol_dc"], first_stage, consult, True)
    assert "not part of the current stage" in bot.replies("pol_dc")[-1]["text"]
    assert completions(bot) == []
