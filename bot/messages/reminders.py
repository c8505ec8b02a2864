"""Reminder messages: what is due, by when, and the one button that deals with it."""

from __future__ import annotations

from datetime import datetime

from bot.messages.blocks import actions, button, confirm, context, escape, section
from bot.messages.disputes import (
    ACKNOWLEDGE,
    ESCALATE,
    RESOLVE,
    RESOLVE_CONFIRM,
    Message,
    case_line,
    final_stage_step,
    message,
    next_step,
    notice_buttons,
    stage_label,
    stage_meta,
)
from bot.working_days import WorkingCalendar
from models.directory import Person
from models.dispute import Dispute
from models.protocol import Protocol


def deadline_reminder(
    dispute: Dispute, protocol: Protocol, label: str, calendar: WorkingCalendar
) -> Message:
    assert dispute.deadline_at is not None
    text = (
        f":alarm_clock: Reminder ({escape(label)}): *{dispute.reference}* is at "
        f"{stage_label(dispute, protocol)} and is due by {calendar.describe(dispute.deadline_at)}."
    )
    return message(
        f"Reminder: {dispute.reference} is due by {calendar.describe(dispute.deadline_at)}.",
        [
            section(text),
            section(next_step(dispute, protocol, calendar)),
            case_line(dispute, protocol, calendar),
            notice_buttons(dispute, acknowledged=True),
        ],
    )


def acknowledgement_reminder(
    dispute: Dispute, protocol: Protocol, sequence: int, calendar: WorkingCalendar
) -> Message:
    since = calendar.describe(dispute.stage_started_at)
    text = (
        f":wave: Reminder {sequence}: you were asked to act on *{dispute.reference}* "
        f"({stage_label(dispute, protocol)}) on {since} and have not acknowledged it yet."
    )
    return message(
        f"Please acknowledge {dispute.reference}.",
        [
            section(text),
            section(next_step(dispute, protocol, calendar)),
            case_line(dispute, protocol, calendar),
            actions(button("Acknowledge", ACKNOWLEDGE, stage_meta(dispute), style="primary")),
        ],
    )


def not_acknowledged(
    dispute: Dispute,
    protocol: Protocol,
    people: list[Person],
    reminders: int,
    calendar: WorkingCalendar,
) -> Message:
    names = ", ".join(f"{p.name} ({p.agency.name})" for p in people)
    text = (
        f":warning: *{dispute.reference}* ({stage_label(dispute, protocol)}, since "
        f"{calendar.describe(dispute.stage_started_at)}) has not been acknowledged by "
        f"{escape(names)} after {reminders} reminders."
    )
    return message(f"{dispute.reference} is not acknowledged.", [section(text)])


def final_review(
    dispute: Dispute, protocol: Protocol, following: datetime, calendar: WorkingCalendar
) -> Message:
    """The review the final stage's cadence asks for now; `following` is the one after it."""
    text = (
        f":scales: *{dispute.reference}* has been at the final stage "
        f"({protocol.stage(protocol.final_index).title}) since "
        f"{calendar.describe(dispute.stage_started_at)} and is still open. "
        "Please review it, and resolve it or record that it is not resolved."
    )
    return message(
        f"{dispute.reference} awaits review at the final stage.",
        [
            section(text),
            section(final_stage_step(protocol, following, calendar)),
            case_line(dispute, protocol, calendar),
        ],
    )


def referral_due(dispute: Dispute, protocol: Protocol, calendar: WorkingCalendar) -> Message:
    following = protocol.stage(dispute.stage_index + 1)
    text = (
        f":arrow_up: The timescale for *{dispute.reference}* at {stage_label(dispute, protocol)} "
        f"has lapsed. The next step, *{escape(following.title)}*, is by referral only: if the "
        "disagreement remains, press *Escalate now* to refer it, or *Mark resolved*."
    )
    meta = stage_meta(dispute)
    refer = confirm(
        f"Refer to {following.title}?",
        "You will be asked why next. When you submit, the dispute is referred to "
        f"{following.title} and the people there are asked to act.",
        "Refer",
    )
    return message(
        f"{dispute.reference}: refer it to {following.title} if it is still unresolved.",
        [
            section(text),
            context(f"Since {calendar.describe(dispute.stage_started_at)}"),
            case_line(dispute, protocol, calendar),
            actions(
                button("Escalate now", ESCALATE, meta, style="primary", confirm=refer),
                button("Mark resolved", RESOLVE, meta, confirm=RESOLVE_CONFIRM),
                block_id=f"referral:{meta}",
            ),
        ],
    )


def check_in(
    dispute: Dispute, protocol: Protocol, every: str, calendar: WorkingCalendar
) -> Message:
    """The urgent route's joint problem-solving: a check-in, not a faster escalation."""
    urgency = protocol.urgency(dispute.urgency)
    route = urgency.label if urgency else dispute.urgency
    text = (
        f":rotating_light: *{dispute.reference}* is on the *{escape(route)}* route "
        f"({stage_label(dispute, protocol)}). This route asks those acting to problem-solve "
        f"together every {escape(every)} instead of escalating faster: check in with each other "
        "today and log what you agreed with `/dispute log`."
    )
    return message(
        f"{dispute.reference}: check in today ({route}).",
        [
            section(text),
            section(next_step(dispute, protocol, calendar)),
            case_line(dispute, protocol, calendar),
        ],
    )
