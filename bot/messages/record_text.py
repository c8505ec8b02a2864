"""Pieces of text the record is built from, shared by its sections and its protocol's fields."""

from __future__ import annotations

from bot.services.duty_list import BoundDuty, Ticks, side_label
from bot.working_days import WorkingCalendar
from models.directory import Agency, Person
from models.dispute import Dispute, StageTransition, Trigger

AUTOMATIC = "Resolve (automatic)"


def describe_person(person: Person, agency: Agency) -> str:
    """Name, job title, and the agency they were in when the dispute opened."""
    return f"{person.name}, {person.job_title}, {agency.name}"


def quoted(text: str) -> str:
    """Free text as a quoted paragraph, so line breaks survive and it reads as someone's words."""
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.strip().splitlines())


def duty_lines(
    dispute: Dispute, items: list[BoundDuty], calendar: WorkingCalendar, done: Ticks
) -> list[str]:
    """Each duty for each side it binds: who ticked it and when, or that it is outstanding."""
    lines = []
    for item in items:
        for side in item.sides:
            tick = done.get((item.key, side))
            if tick is not None:
                state = f"done, ticked by {tick.done_by.name} on {calendar.describe(tick.done_at)}"
            elif item.due_at is not None:
                state = f"outstanding (due by {calendar.describe(item.due_at)})"
            else:
                state = "outstanding"
            lines.append(f"  - {item.duty.text} ({side_label(dispute, side)}): {state}")
    return lines


def trigger_text(transition: StageTransition) -> str:
    actor = transition.actor.name if transition.actor else AUTOMATIC
    if transition.trigger == Trigger.OPENED:
        return f"Dispute opened by {actor}"
    if transition.trigger == Trigger.MANUAL:
        return f"Escalated by {actor}. Reason: {transition.reason or 'none given'}"
    if transition.trigger == Trigger.LAPSED:
        return "Escalated automatically: the previous stage's timescale lapsed"
    if transition.trigger == Trigger.REOPENED:
        return f"Reopened after closure by {actor}. Reason: {transition.reason or 'none given'}"
    return transition.trigger
