"""The record the protocol itself asks for: each of its `record_fields`, in its order, filled
from the dispute, from what the resolver was asked, or left as a space for the child's details,
which Resolve never holds."""

from __future__ import annotations

from collections.abc import Callable

from bot.messages.disputes import category_label, stage_label
from bot.messages.record_text import (
    describe_person,
    duty_lines,
    quoted,
    trigger_text,
)
from bot.services.duty_list import Ticks, protocol_duties, stage_duties
from bot.working_days import WorkingCalendar, long_date
from models.dispute import DiscussionEntry, Dispute, Outcome, Resolution
from models.protocol import RecordField, RecordFill

CASE_SYSTEM = "_To complete in your case management system; Resolve never holds it._"
NOT_GIVEN = "_Not given_"
NOT_YET = "_Not yet resolved._"
NO_DISCUSSIONS = "_No discussions have been logged._"

Filler = Callable[[Dispute, WorkingCalendar, Ticks], str]


def protocol_record(dispute: Dispute, calendar: WorkingCalendar, done: Ticks) -> str:
    """'## <Protocol>: the record this protocol asks for', one entry per record field."""
    protocol = dispute.protocol_snapshot
    title = f"## {protocol.name}: the record this protocol asks for"
    if not protocol.record_fields:
        return (
            f"{title}\n\nThe protocol names no fields of its own; the sections below hold it all."
        )
    entries = [
        f"**{f.label}**\n\n{field_value(f, dispute, calendar, done)}"
        for f in protocol.record_fields
    ]
    return "\n\n".join([title, *entries])


def field_value(
    record_field: RecordField, dispute: Dispute, calendar: WorkingCalendar, done: Ticks
) -> str:
    """The field's value as the record shows it."""
    if record_field.fill == RecordFill.CHILD_IDENTIFIER:
        return CASE_SYSTEM
    if record_field.fill == RecordFill.ASKED:
        answers = {a.key: a.value for a in dispute.record_answers}
        answer = answers.get(record_field.key)
        return quoted(answer) if answer else NOT_GIVEN
    return FILLERS[record_field.fill](dispute, calendar, done)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _when(entry: DiscussionEntry, calendar: WorkingCalendar) -> str:
    return calendar.describe(entry.occurred_at)


def _approval(entry: DiscussionEntry, calendar: WorkingCalendar) -> str:
    if entry.approved_by is None or entry.approved_at is None:
        return "not yet approved"
    return f"approved by {entry.approved_by.name} on {calendar.describe(entry.approved_at)}"


def _per_discussion(dispute: Dispute, line: Callable[[DiscussionEntry], str]) -> str:
    if not dispute.discussions:
        return NO_DISCUSSIONS
    return "\n".join(f"- {line(entry)}" for entry in dispute.discussions)


def _discussions(dispute: Dispute, calendar: WorkingCalendar, _: Ticks) -> str:
    """Every logged discussion in full: when, at which stage, who, what was said and agreed."""
    if not dispute.discussions:
        return NO_DISCUSSIONS
    protocol = dispute.protocol_snapshot
    entries = []
    for entry in dispute.discussions:
        stage = stage_label(dispute, protocol, entry.stage_index)
        agreed = quoted(entry.agreed) if entry.agreed else "Nothing recorded as agreed."
        entries.append(
            f"Held {_when(entry, calendar)}, at {stage}. Who took part: "
            f"{_one_line(entry.participants)}. Record {_approval(entry, calendar)}.\n\n"
            f"What was said:\n\n{quoted(entry.discussion)}\n\nWhat was agreed:\n\n{agreed}"
        )
    return "\n\n".join(entries)


def _stages(dispute: Dispute, calendar: WorkingCalendar, _: Ticks) -> str:
    """Each stage entered: when, why, who was asked to act and who was told."""
    protocol = dispute.protocol_snapshot
    lines = []
    for transition in dispute.transitions:
        acting = "; ".join(n.person.described for n in transition.acting_notices) or "nobody"
        told = "; ".join(n.person.described for n in transition.informed_notices) or "nobody"
        lines.append(
            f"- {stage_label(dispute, protocol, transition.to_stage)}, entered "
            f"{calendar.describe(transition.created_at)}. {trigger_text(transition)}. "
            f"Asked to act: {acting}. Informed: {told}."
        )
    return "\n".join(lines)


def _notified(dispute: Dispute, calendar: WorkingCalendar, _: Ticks) -> str:
    """Everyone the dispute was reported to at each stage, acting or only informed."""
    protocol = dispute.protocol_snapshot
    lines = []
    for transition in dispute.transitions:
        stage = stage_label(dispute, protocol, transition.to_stage)
        for notice in transition.notices:
            told = "informed" if notice in transition.informed_notices else "asked to act"
            lines.append(f"- {notice.person.described} ({stage}, {told})")
    return "\n".join(lines) or "_Nobody has been told yet._"


def _escalated_to(dispute: Dispute, calendar: WorkingCalendar, _: Ticks) -> str:
    """The people acting at the stage the dispute reached."""
    protocol = dispute.protocol_snapshot
    stage = stage_label(dispute, protocol)
    if len(dispute.transitions) == 1:
        return f"Not escalated: it stayed at {stage}."
    people = "; ".join(n.person.described for n in dispute.current_transition.acting_notices)
    return f"{people or 'Nobody found in the agency directory'} (at {stage})."


def _stated_timescales(dispute: Dispute, calendar: WorkingCalendar, _: Ticks) -> str:
    protocol = dispute.protocol_snapshot
    lines = [
        f"- {t.stated_timescale}, stated on entering {stage_label(dispute, protocol, t.to_stage)}"
        for t in dispute.transitions
        if t.stated_timescale
    ]
    return "\n".join(lines) or "_None stated._"


def _outcome(dispute: Dispute, calendar: WorkingCalendar, _: Ticks) -> str:
    resolution = dispute.resolution
    return "Open" if resolution is None else Outcome(resolution.outcome).label


def _actions(dispute: Dispute, calendar: WorkingCalendar, _: Ticks) -> str:
    resolution = dispute.resolution
    if resolution is None:
        return NOT_YET
    if not resolution.actions:
        return "No actions were agreed."
    return "\n".join(
        f"{n}. {action.description}. Owner: {action.owner}. Due: {long_date(action.due_on)}"
        for n, action in enumerate(resolution.actions, start=1)
    )


def _resolved(text: Callable[[Resolution, WorkingCalendar], str]) -> Filler:
    """A value the resolution holds; an open dispute has none yet."""

    def fill(dispute: Dispute, calendar: WorkingCalendar, _: Ticks) -> str:
        return NOT_YET if dispute.resolution is None else text(dispute.resolution, calendar)

    return fill


def _duties(dispute: Dispute, calendar: WorkingCalendar, done: Ticks) -> str:
    """Every duty the protocol set, whole-dispute then stage by stage: who ticked it and when."""
    items = protocol_duties(dispute, calendar)
    for transition in dispute.transitions:
        items += stage_duties(dispute, transition, calendar)
    lines = duty_lines(dispute, items, calendar, done)
    return "\n".join(line[2:] for line in lines) or "_The protocol sets none._"


def _informed(dispute: Dispute, calendar: WorkingCalendar, _: Ticks) -> str:
    protocol = dispute.protocol_snapshot
    lines = [
        f"- {n.person.described}: informed at {stage_label(dispute, protocol, t.to_stage)}, "
        f"{calendar.describe(t.created_at)}"
        for t in dispute.transitions
        for n in t.informed_notices
    ]
    return "\n".join(lines) or "_Nobody was informed without being asked to act._"


FILLERS: dict[RecordFill, Filler] = {
    RecordFill.RAISER_NAME: lambda d, c, t: d.raiser.name,
    RecordFill.RAISER_ROLE: lambda d, c, t: d.raiser.job_title,
    RecordFill.RAISER_AGENCY: lambda d, c, t: d.raiser_agency.name,
    RecordFill.COUNTERPART: lambda d, c, t: describe_person(d.counterpart, d.counterpart_agency),
    RecordFill.CATEGORY: lambda d, c, t: category_label(d, d.protocol_snapshot),
    RecordFill.SUMMARY: lambda d, c, t: quoted(d.summary),
    RecordFill.DISCUSSIONS: _discussions,
    RecordFill.DISCUSSION_DATES: lambda d, c, t: _per_discussion(d, lambda e: _when(e, c)),
    RecordFill.PARTICIPANTS: lambda d, c, t: _per_discussion(
        d, lambda e: f"{_when(e, c)}: {_one_line(e.participants)}"
    ),
    RecordFill.AGREEMENTS: lambda d, c, t: _per_discussion(
        d,
        lambda e: f"{_when(e, c)}: {_one_line(e.agreed) if e.agreed else 'nothing recorded'}",
    ),
    RecordFill.APPROVALS: lambda d, c, t: _per_discussion(
        d, lambda e: f"Discussion held {_when(e, c)}: {_approval(e, c)}"
    ),
    RecordFill.STAGES: _stages,
    RecordFill.NOTIFIED: _notified,
    RecordFill.ESCALATED_TO: _escalated_to,
    RecordFill.STATED_TIMESCALES: _stated_timescales,
    RecordFill.OUTCOME: _outcome,
    RecordFill.RESOLUTION_SUMMARY: _resolved(lambda r, c: quoted(r.summary)),
    RecordFill.ACTIONS: _actions,
    RecordFill.LEARNING: _resolved(
        lambda r, c: quoted(r.learning) if r.learning else "None recorded."
    ),
    RecordFill.REFER_TO_PARTNERSHIP: _resolved(
        lambda r, c: "Yes" if r.refer_to_partnership else "No"
    ),
    RecordFill.DUTIES: _duties,
    RecordFill.INFORMED: _informed,
    RecordFill.CLOSED_AT: _resolved(lambda r, c: c.describe(r.resolved_at)),
    RecordFill.RESOLVED_BY: _resolved(lambda r, c: r.resolved_by.described),
}
