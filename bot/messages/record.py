"""The record of a dispute that goes on the child's file: everything that happened, in order.

Plain text with Markdown headings, so a safeguarding lead can file it as it is, print it, or
paste it into the case management system. Unlike chat messages it carries the child reference.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.messages import procedures
from bot.messages.disputes import category_label, outcome_label, stage_label
from bot.messages.learning import decided_line
from bot.messages.record_fields import protocol_record
from bot.messages.record_text import (
    AUTOMATIC,
    describe_person,
    duty_lines,
    quoted,
    trigger_text,
)
from bot.services.duty_list import Ticks, protocol_duties, stage_duties
from bot.working_days import WorkingCalendar, long_date
from models.audit import AuditEvent
from models.dispute import (
    DiscussionEntry,
    DiscussionVersion,
    Dispute,
    Resolution,
    StageTransition,
)
from models.protocol import Protocol

AuditLine = tuple[AuditEvent, str | None]  # an event and the name of whoever acted, if anyone


def record_filename(dispute: Dispute, extension: str = "md") -> str:
    """'RPD-2026-0001-record.md' (or '.pdf'): sorts with the reference, opens by its extension."""
    return f"{dispute.reference}-record.{extension}"


def record_document(
    dispute: Dispute,
    trail: Sequence[AuditLine],
    calendar: WorkingCalendar,
    done: Ticks | None = None,
) -> str:
    """The whole record as one document; times in the partnership's own zone. `done` holds the
    duties ticked so far, by whom and when."""
    protocol = dispute.protocol_snapshot
    done = done or {}
    parts = [
        _overview(dispute, protocol, calendar),
        protocol_record(dispute, calendar, done),
        _text_section("Summary of the disagreement", dispute.summary),
        *procedures.details_record(dispute),
        _stages(dispute, protocol, calendar, done),
        _whole_dispute_duties(dispute, calendar, done),
        _discussions(dispute, protocol, calendar),
        *procedures.reflective_record(dispute, calendar),
        _resolution(dispute, protocol, calendar),
        _audit_trail(trail, calendar),
    ]
    return "\n\n".join(parts) + "\n"


def _text_section(title: str, text: str) -> str:
    return f"## {title}\n\n{quoted(text)}"


def _overview(dispute: Dispute, protocol: Protocol, calendar: WorkingCalendar) -> str:
    urgency = protocol.urgency(dispute.urgency)
    if dispute.is_open:
        status = f"Open, at {stage_label(dispute, protocol)}"
    else:
        closed = calendar.describe(dispute.closed_at) if dispute.closed_at else "date not recorded"
        status = f"Closed on {closed}"
    lines = [
        f"# Record of a professional difference: {dispute.reference}",
        "",
        f"- **Reference:** {dispute.reference}",
        f"- **Protocol:** {protocol.name} ({protocol.partnership})",
        f"- **Protocol version:** {protocol.version}",
        f"- **Category:** {category_label(dispute, protocol)}",
        f"- **Urgency:** {urgency.label if urgency else dispute.urgency}",
        f"- **Child reference:** {dispute.child_ref}",
        f"- **Raised by:** {describe_person(dispute.raiser, dispute.raiser_agency)}",
        f"- **Counterpart:** {describe_person(dispute.counterpart, dispute.counterpart_agency)}",
        f"- **Opened:** {calendar.describe(dispute.opened_at)}",
        f"- **Status:** {status}",
    ]
    return "\n".join(lines)


def _timescale(transition: StageTransition, dispute: Dispute, protocol: Protocol) -> str:
    stage = protocol.stage(transition.to_stage)
    if stage.timescale is None:
        stated = "none (final stage)" if transition.to_stage == protocol.final_index else "none"
    else:
        stated = f"{stage.timescale} (protocol)"
        urgency = protocol.urgency(dispute.urgency)
        if urgency is not None and urgency.stage_timescale is not None:
            stated += f", at most {urgency.stage_timescale} for {urgency.label.lower()}"
    if transition.stated_timescale:
        stated += f"; stated on entering the stage: {transition.stated_timescale}"
    return stated


def _whole_dispute_duties(dispute: Dispute, calendar: WorkingCalendar, done: Ticks) -> str:
    lines = duty_lines(dispute, protocol_duties(dispute, calendar), calendar, done)
    if not lines:
        return "## Duties throughout the dispute\n\nThe protocol sets none."
    return "\n".join(["## Duties throughout the dispute", "", *(line[2:] for line in lines)])


def _stage(
    transition: StageTransition,
    dispute: Dispute,
    protocol: Protocol,
    calendar: WorkingCalendar,
    done: Ticks,
) -> str:
    deadline = calendar.describe(transition.deadline_at) if transition.deadline_at else "none"
    lines = [
        f"### {stage_label(dispute, protocol, transition.to_stage)}",
        "",
        f"- **Entered:** {calendar.describe(transition.created_at)}",
        f"- **Why:** {trigger_text(transition)}",
        f"- **Timescale:** {_timescale(transition, dispute, protocol)}",
        f"- **Deadline:** {deadline}",
        "- **Notified:**" if transition.notices else "- **Notified:** nobody",
    ]
    for notice in transition.acting_notices:
        acknowledged = (
            f"acknowledged {calendar.describe(notice.acknowledged_at)}"
            if notice.acknowledged_at
            else "not acknowledged"
        )
        lines.append(f"  - {notice.explanation} ({acknowledged})")
    for notice in transition.informed_notices:
        lines.append(f"  - {notice.person.name} informed, not asked to act: {notice.explanation}")
    if transition.missing:
        lines.append("- **Gaps in the agency directory:**")
        lines.extend(f"  - {gap}" for gap in transition.missing)
    duties = duty_lines(dispute, stage_duties(dispute, transition, calendar), calendar, done)
    if duties:
        lines.append("- **Duties:**")
        lines.extend(duties)
    return "\n".join(lines)


def _stages(dispute: Dispute, protocol: Protocol, calendar: WorkingCalendar, done: Ticks) -> str:
    stages = [_stage(t, dispute, protocol, calendar, done) for t in dispute.transitions]
    return "\n\n".join(["## Stages", *stages])


def _discussion(
    entry: DiscussionEntry, dispute: Dispute, protocol: Protocol, calendar: WorkingCalendar
) -> str:
    """The agreed wording (or the latest, marked as awaiting approval), then every version
    proposed when the record was corrected."""
    version = entry.current
    approved = (
        f"by {entry.approved_by.name} on {calendar.describe(entry.approved_at)}"
        if entry.approved_by is not None and entry.approved_at is not None
        else "not yet approved"
    )
    lines = [
        f"### Discussion held {calendar.describe(entry.occurred_at)}",
        "",
        f"- **Stage:** {stage_label(dispute, protocol, entry.stage_index)}",
        f"- **Logged by:** {entry.logged_by.name} on {calendar.describe(entry.logged_at)}",
        f"- **Who took part:** {version.participants}",
        f"- **Approved:** {approved}",
    ]
    if entry.corrections:
        lines.append(
            f"- **Wording shown:** {'agreed' if entry.approved_at else 'latest proposed'}, "
            f"version {len(entry.versions)} of {len(entry.versions)}, "
            f"by {version.proposed_by.name}"
        )
    lines += [
        "",
        "**What was said**",
        "",
        quoted(version.discussion),
        "",
        "**What was agreed**",
        "",
        quoted(version.agreed) if version.agreed else "Nothing recorded as agreed.",
    ]
    if entry.corrections:
        lines += ["", "**History of this record**", ""]
        lines += [_version(n, v, calendar) for n, v in enumerate(entry.versions, start=1)]
    return "\n".join(lines)


def _version(number: int, version: DiscussionVersion, calendar: WorkingCalendar) -> str:
    """One version on one list item; its line breaks become spaces so the list holds."""
    proposed = "Logged" if number == 1 else "Correction proposed"
    agreed = " ".join((version.agreed or "Nothing recorded as agreed.").split())
    return "\n".join(
        [
            f"{number}. {proposed} by {version.proposed_by.name} on "
            f"{calendar.describe(version.proposed_at)}",
            f"   - Who took part: {' '.join(version.participants.split())}",
            f"   - What was said: {' '.join(version.discussion.split())}",
            f"   - What was agreed: {agreed}",
        ]
    )


def _discussions(dispute: Dispute, protocol: Protocol, calendar: WorkingCalendar) -> str:
    if not dispute.discussions:
        return "## Discussions\n\nNo discussions have been logged."
    entries = [_discussion(e, dispute, protocol, calendar) for e in dispute.discussions]
    return "\n\n".join(["## Discussions", *entries])


def _resolution(dispute: Dispute, protocol: Protocol, calendar: WorkingCalendar) -> str:
    resolution = dispute.resolution
    earlier = _reopened_closures(dispute, protocol, calendar)
    if resolution is None:
        return "## Resolution\n\nNot yet resolved." + earlier
    lines = [
        "## Resolution",
        "",
        f"- **Outcome:** {outcome_label(dispute, resolution)}",
        f"- **At:** {stage_label(dispute, protocol, resolution.stage_index)}",
        f"- **Recorded by:** {resolution.resolved_by.name} on "
        f"{calendar.describe(resolution.resolved_at)}",
        "- **Referred to the partnership:** "
        + ("Yes" if resolution.refer_to_partnership else "No"),
        *_committee_review(resolution, calendar),
        "",
        "**Summary**",
        "",
        quoted(resolution.summary),
        "",
        "**Actions**",
        "",
    ]
    if resolution.actions:
        lines.extend(
            f"{n}. {action.description}. Owner: {action.owner}. Due: {long_date(action.due_on)}"
            for n, action in enumerate(resolution.actions, start=1)
        )
    else:
        lines.append("No actions were agreed.")
    lines += [
        "",
        "**Learning identified**",
        "",
        quoted(resolution.learning) if resolution.learning else "None recorded.",
    ]
    return "\n".join(lines) + earlier


def _reopened_closures(dispute: Dispute, protocol: Protocol, calendar: WorkingCalendar) -> str:
    """Closures a party reopened: kept, so the record shows what was once decided."""
    if not dispute.reopened_closures:
        return ""
    lines = ["", "", "**Earlier closures, since reopened**", ""]
    for n, closure in enumerate(dispute.reopened_closures, start=1):
        assert closure.reopened_at is not None
        lines.append(
            f"{n}. {outcome_label(dispute, closure)}, at "
            f"{stage_label(dispute, protocol, closure.stage_index)}, recorded by "
            f"{closure.resolved_by.name} on {calendar.describe(closure.resolved_at)}; reopened "
            f"on {calendar.describe(closure.reopened_at)}. Summary: "
            + " ".join(closure.summary.split())
        )
    return "\n".join(lines)


def _committee_review(resolution: Resolution, calendar: WorkingCalendar) -> list[str]:
    """What the practice committee made of the learning, when it went to their queue."""
    item = resolution.learning_item
    if item is None:
        return []
    if item.is_open:
        return ["- **Practice committee:** Learning waiting for review"]
    return [f"- **Practice committee:** {decided_line(item, calendar)}"]


def _audit_trail(trail: Sequence[AuditLine], calendar: WorkingCalendar) -> str:
    lines = ["## Audit trail", ""]
    lines.extend(
        f"{n}. {calendar.describe(event.created_at)}: {event.kind.replace('_', ' ')}, "
        f"by {name or AUTOMATIC}"
        for n, (event, name) in enumerate(trail, start=1)
    )
    return "\n".join(lines)
