"""Reminder messages: what is due, by when, and the one button that deals with it."""

from __future__ import annotations

from datetime import datetime

from bot.messages.blocks import actions, button, confirm, context, escape, section
from bot.messages.dates import when
from bot.messages.disputes import (
    ACKNOWLEDGE,
    ESCALATE,
    RESOLVE,
    RESOLVE_CONFIRM,
    Message,
    acknowledgement_due,
    acting_section,
    case_line,
    final_stage_step,
    message,
    next_step,
    notice_buttons,
    stage_label,
    stage_meta,
)
from bot.messages.people import listed
from bot.working_days import WorkingCalendar
from models.directory import Person
from models.dispute import Dispute
from models.protocol import Protocol, ReminderPoint


def _lead(
    point: ReminderPoint | None, deadline: datetime, now: datetime, calendar: WorkingCalendar
) -> str:
    """What the reminder means, in words: "Halfway", or how soon the deadline is by the
    calendar ("Due tomorrow"), never a percentage."""
    if point is not None and point.fraction == 0.5:
        return "Halfway"
    days = (calendar.local(deadline).date() - calendar.local(now).date()).days
    if days <= 0:
        return "Due today"
    if days == 1:
        return "Due tomorrow"
    if days < 7:
        return f"Due {calendar.local(deadline):%A}"
    return "Reminder"


def deadline_reminder(
    dispute: Dispute,
    protocol: Protocol,
    label: str,
    calendar: WorkingCalendar,
    now: datetime,
    reader: Person | None = None,
) -> Message:
    """A reminder point of the stage (`label` is how the protocol wrote it), as sent at `now`."""
    assert dispute.deadline_at is not None
    points = protocol.stage(dispute.stage_index).reminders
    point = next((p for p in points if p.text == label), None)
    lead = _lead(point, dispute.deadline_at, now, calendar)
    due = calendar.describe(dispute.deadline_at)
    text = (
        f":alarm_clock: *{lead}:* *{dispute.reference}* ({stage_label(dispute, protocol)}) "
        f"is due by {when(calendar, dispute.deadline_at)}."
    )
    return message(
        f"{lead}: {dispute.reference} is due by {due}.",
        [
            section(text),
            acting_section(dispute, reader),
            section(next_step(dispute, protocol, calendar)),
            case_line(dispute, protocol, calendar),
            notice_buttons(dispute, acknowledged=True),
        ],
    )


def acknowledgement_reminder(
    dispute: Dispute,
    protocol: Protocol,
    sequence: int,
    calendar: WorkingCalendar,
    reader: Person | None = None,
) -> Message:
    since = when(calendar, dispute.stage_started_at)
    text = (
        f":wave: Reminder {sequence}: you were asked to act on *{dispute.reference}* "
        f"({stage_label(dispute, protocol)}) on {since} and have not acknowledged it yet."
    )
    notices = dispute.current_transition.acting_notices
    mine = [n for n in notices if reader is not None and n.person_id == reader.id]
    for notice in mine:
        due = when(calendar, acknowledgement_due(notice, calendar))
        text += f"\n*Acknowledgement was due by {due}: please acknowledge now.*"
    return message(
        f"Please acknowledge {dispute.reference}.",
        [
            section(text),
            acting_section(dispute, reader),
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
    text = (
        f":warning: *{dispute.reference}* ({stage_label(dispute, protocol)}, since "
        f"{when(calendar, dispute.stage_started_at)}) has not been acknowledged by "
        f"{listed(people)} after {reminders} reminders."
    )
    return message(
        f"{dispute.reference} is not acknowledged.", [section(text), acting_section(dispute)]
    )


def final_review(
    dispute: Dispute,
    protocol: Protocol,
    following: datetime,
    calendar: WorkingCalendar,
    reader: Person | None = None,
) -> Message:
    """The review the final stage's cadence asks for now; `following` is the one after it."""
    text = (
        f":scales: *{dispute.reference}* has been at the final stage "
        f"({protocol.stage(protocol.final_index).title}) since "
        f"{when(calendar, dispute.stage_started_at)} and is still open. "
        "Please review it, and resolve it or record that it is not resolved."
    )
    return message(
        f"{dispute.reference} awaits review at the final stage.",
        [
            section(text),
            acting_section(dispute, reader),
            section(final_stage_step(protocol, following, calendar)),
            case_line(dispute, protocol, calendar),
        ],
    )


def referral_due(
    dispute: Dispute, protocol: Protocol, calendar: WorkingCalendar, reader: Person | None = None
) -> Message:
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
            acting_section(dispute, reader),
            context(f"At this stage since {when(calendar, dispute.stage_started_at)}"),
            case_line(dispute, protocol, calendar),
            actions(
                button("Escalate now", ESCALATE, meta, style="primary", confirm=refer),
                button("Mark resolved", RESOLVE, meta, confirm=RESOLVE_CONFIRM),
                block_id=f"referral:{meta}",
            ),
        ],
    )


def check_in(
    dispute: Dispute,
    protocol: Protocol,
    every: str,
    calendar: WorkingCalendar,
    reader: Person | None = None,
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
            acting_section(dispute, reader),
            section(next_step(dispute, protocol, calendar)),
            case_line(dispute, protocol, calendar),
        ],
    )
