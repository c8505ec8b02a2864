"""What the protocol-specific procedures show: the questions that help a discussion, a
reflective practice meeting asked for, and a pattern of disagreements between two agencies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.messages.blocks import Block, context, escape, header, section
from bot.messages.dates import when
from bot.working_days import WorkingCalendar, long_date
from models.dispute import Dispute
from models.procedures import ReflectiveRequest
from models.protocol import DiscussionPrompt, PatternAlert, Protocol

Message = dict[str, Any]


def prompt_lines(prompts: Sequence[DiscussionPrompt]) -> str:
    return "\n".join(f"• {escape(p.text)}" for p in prompts)


def questions_that_help(protocol: Protocol) -> list[Block]:
    """The protocol's restorative questions for a notice; nothing when it offers none."""
    if not protocol.discussion_prompts:
        return []
    return [
        context(
            f"*Questions that help* ({escape(protocol.name)}):\n"
            + prompt_lines(protocol.discussion_prompts)
        )
    ]


def reflective_requested(
    dispute: Dispute, request: ReflectiveRequest, calendar: WorkingCalendar
) -> Message:
    """Told to both sides and the people acting: who asked, what for, and what happens next."""
    protocol = dispute.protocol_snapshot
    text = (
        f"*{dispute.reference}*: {escape(request.requested_by.name)} "
        f"({escape(request.requested_by.agency.name)}) asked for a reflective practice meeting on "
        f"{when(calendar, request.requested_at)}.\n*To reflect on:* {escape(request.topic)}"
    )
    deadline = (
        f" The stage's timescale still runs: by {when(calendar, dispute.deadline_at)}."
        if dispute.deadline_at
        else ""
    )
    nxt = (
        "*Next:* agree a time for the meeting with the people named in this dispute and log it "
        f"with `/dispute log {dispute.reference}` once it has happened.{deadline}"
    )
    source = protocol.reflective_meeting.source if protocol.reflective_meeting else ""
    return {
        "text": f"{dispute.reference}: a reflective practice meeting was asked for.",
        "blocks": [section(text), section(nxt), context(escape(source))],
    }


def reflective_saved(request: ReflectiveRequest, calendar: WorkingCalendar) -> str:
    dispute = request.dispute
    return (
        f":white_check_mark: Your request for a reflective practice meeting on "
        f"*{dispute.reference}* is recorded ({when(calendar, request.requested_at)}). Both "
        "sides and the people acting at this stage have been told. Next: agree a time together, "
        f"then log the meeting with `/dispute log {dispute.reference}`."
    )


def reflective_line(request: ReflectiveRequest, calendar: WorkingCalendar) -> str:
    return (
        f"Reflective practice meeting asked for by {escape(request.requested_by.name)} on "
        f"{when(calendar, request.requested_at)}: {escape(request.topic)}"
    )


def pattern_found(
    disputes: Sequence[Dispute], rule: PatternAlert, protocol: Protocol, calendar: WorkingCalendar
) -> Message:
    """For the safeguarding leads: references and agency names only, never a child or summary."""
    newest = disputes[-1]
    agencies = sorted({newest.raiser_agency.name, newest.counterpart_agency.name})
    category = protocol.category(newest.category)
    label = category.label if category else newest.category
    refs = ", ".join(d.reference for d in disputes)
    text = (
        f"{len(disputes)} disputes between *{escape(agencies[0])}* and *{escape(agencies[-1])}* "
        f"about *{escape(label)}* have opened within {escape(str(rule.within))}, the latest on "
        f"{when(calendar, newest.opened_at)}: {refs}.\n"
        f"*Next:* decide whether the pattern goes further under _{escape(protocol.name)}_ "
        "(below). You will hear again about these two agencies if it reaches "
        f"{len(disputes) + rule.count} disputes in the window."
    )
    return {
        "text": f"Pattern: {len(disputes)} similar disputes between the same two agencies.",
        "blocks": [
            header("A pattern of similar disagreements"),
            section(text),
            context(escape(rule.source)),
        ],
    }


def reflective_record(dispute: Dispute, calendar: WorkingCalendar) -> list[str]:
    """The record's section on reflective meetings, under protocols that provide them."""
    if dispute.protocol_snapshot.reflective_meeting is None and not dispute.reflective_requests:
        return []
    lines = ["## Reflective practice meetings", ""]
    if not dispute.reflective_requests:
        lines.append("None was asked for.")
    for n, request in enumerate(dispute.reflective_requests, start=1):
        topic = "\n".join(f"> {line}" for line in request.topic.splitlines() if line.strip())
        lines += [
            f"{n}. Asked for by {request.requested_by.name} "
            f"({request.requested_by.agency.name}) on {calendar.describe(request.requested_at)}, "
            f"at {dispute.protocol_snapshot.stage(request.stage_index).title}",
            "",
            topic,
            "",
        ]
    return ["\n".join(lines).rstrip()]


def category_details(dispute: Dispute) -> list[tuple[str, str]]:
    """The details the dispute's category asked for, labelled, in the protocol's order."""
    category = dispute.protocol_snapshot.category(dispute.category)
    if category is None:
        return []
    given = {answer.key: answer.value for answer in dispute.category_answers}
    pairs: list[tuple[str, str]] = []
    for ask in category.asks:
        value = given.get(ask.key)
        if value is None:
            continue
        if ask.kind == "past_date":
            day = date.fromisoformat(value)
            value = long_date(day)
        pairs.append((ask.label, value))
    return pairs


def details_lines(dispute: Dispute) -> list[str]:
    return [f"*{escape(label)}:* {escape(value)}" for label, value in category_details(dispute)]


def details_record(dispute: Dispute) -> list[str]:
    """The record's section with the category's details, when it asked for any."""
    pairs = category_details(dispute)
    if not pairs:
        return []
    category = dispute.protocol_snapshot.category(dispute.category)
    lines = [f"## {category.label if category else 'Details'}", ""]
    for label, value in pairs:
        if "\n" in value.strip():
            quoted = "\n".join(f"> {line}" for line in value.splitlines() if line.strip())
            lines += [f"**{label}**", "", quoted, ""]
        else:
            lines.append(f"- **{label}:** {value}")
    return ["\n".join(lines).rstrip()]
