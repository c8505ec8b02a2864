"""What people see about a dispute: notices, updates, status, and what happens next.

Direct messages and replies never carry the child reference; only the dispute's private
conversation and the record file do. Direct messages leave out the case summary too, unless the
partnership allows it (`summary_in_dms`).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bot.messages import people, procedures
from bot.messages.blocks import (
    Block,
    actions,
    button,
    clip,
    confirm,
    context,
    escape,
    fields,
    header,
    section,
)
from bot.messages.dates import when
from bot.messages.held import per_dispute
from bot.working_days import WorkingCalendar, long_date
from models.directory import Person
from models.dispute import DiscussionEntry, Dispute, Outcome, Resolution, StageNotice
from models.payloads import ActionMeta
from models.protocol import Protocol, Stage

Message = dict[str, Any]

ACKNOWLEDGE = "notice_acknowledge"
LOG = "notice_log"
ESCALATE = "notice_escalate"
RESOLVE = "notice_resolve"
APPROVE = "record_approve"
CORRECT = "record_correct"

APPROVE_CONFIRM = confirm(
    "Approve this record?",
    "It goes on the child's file as written, with your name as the person who approved it. "
    "If anything is wrong, choose Propose a correction instead.",
    "Approve",
)
ESCALATE_CONFIRM = confirm(
    "Escalate this dispute?",
    "You will be asked why next. When you submit, the dispute moves to the next stage and "
    "the people there are asked to act.",
    "Escalate",
)
RESOLVE_CONFIRM = confirm(
    "Close this dispute?",
    "You will record the outcome next. When you submit, the dispute is closed and everyone "
    "involved is told the outcome.",
    "Continue",
)


def message(text: str, blocks: list[Block]) -> Message:
    """`text` is the notification and screen-reader fallback; blocks are what people see."""
    return {"text": text, "blocks": blocks}


def plain_message(text: str) -> Message:
    """A message that is one paragraph, for confirmations and short news."""
    return message(text, [section(text)])


def who(person: Person) -> str:
    return f"{person.name} ({person.agency.name})"


def parties(dispute: Dispute) -> str:
    return f"{who(dispute.raiser)} and {who(dispute.counterpart)}"


def stage_label(dispute: Dispute, protocol: Protocol, index: int | None = None) -> str:
    return numbered_stage(protocol, dispute.stage_index if index is None else index)


def numbered_stage(protocol: Protocol, index: int) -> str:
    """'Stage 2 of 5: First line managers'."""
    return f"Stage {index + 1} of {len(protocol.stages)}: {protocol.stage(index).title}"


def category_label(dispute: Dispute, protocol: Protocol) -> str:
    return theme_label(protocol, dispute.category)


def theme_label(protocol: Protocol, key: str) -> str:
    """The category's label in the protocol, or its key if the protocol no longer has it."""
    category = protocol.category(key)
    return category.label if category else key


@per_dispute
def next_step(dispute: Dispute, protocol: Protocol, calendar: WorkingCalendar) -> str:
    """One sentence: what happens next, and when."""
    if not dispute.is_open:
        return "Nothing further is due. The record stays available with `/dispute record`."
    if dispute.stage_index >= protocol.final_index:
        review = calendar.due(dispute.stage_started_at, protocol.final_review_every)
        return final_stage_step(protocol, review, calendar)
    following = protocol.stage(dispute.stage_index + 1)
    how = _how_to_refer(protocol, following)
    if dispute.deadline_at is None:
        return f"Awaiting a referral to {following.title}: {how}."
    by = when(calendar, dispute.deadline_at)
    if following.referral_only:
        return (
            f"If it is not resolved by {by}, the next step ({following.title}) is by "
            f"referral: {how}."
        )
    return f"If it is not resolved by {by}, it escalates automatically to {following.title}."


def final_stage_step(protocol: Protocol, review: datetime, calendar: WorkingCalendar) -> str:
    """What happens at the final stage: nothing escalates; it is reviewed next at `review`."""
    return (
        "This is the final stage: nothing escalates further. The partnership reviews it "
        f"every {protocol.final_review_every} ({review_basis(protocol)}); next review "
        f"{when(calendar, review)}."
    )


def _how_to_refer(protocol: Protocol, stage: Stage) -> str:
    if not stage.referred_by:
        return "press *Escalate now* to refer it"
    roles = " or ".join(protocol.role_book.label(r) for r in stage.referred_by)
    return f"only the {roles} can refer it, with *Escalate now*"


def review_basis(protocol: Protocol) -> str:
    """Whether the final stage's review cadence is the protocol's rule or the partnership's."""
    if protocol.final_review_source:
        return "as the protocol sets"
    return "a partnership default; the protocol sets no review interval"


@per_dispute
def summary_fields(dispute: Dispute, protocol: Protocol, calendar: WorkingCalendar) -> Block:
    """The agencies, the theme, when the current stage began and ends, and when it opened;
    the people are named in `acting_section`, each to the reader as they know them."""
    deadline = when(calendar, dispute.deadline_at) if dispute.deadline_at else "none"
    between = f"{dispute.raiser_agency.name} and {dispute.counterpart_agency.name}"
    return fields(
        [
            ("Between", escape(between)),
            ("What", escape(category_label(dispute, protocol))),
            ("Since", when(calendar, dispute.stage_started_at)),
            ("By when", deadline),
            ("Opened", when(calendar, dispute.opened_at)),
        ]
    )


def acting_section(dispute: Dispute, reader: Person | None = None) -> Block:
    """Whom to talk to: everyone acting for each side now, written for `reader`."""
    return section("*Who is acting now*\n" + "\n".join(people.acting_lines(dispute, reader)))


def acknowledgement_due(notice: StageNotice, calendar: WorkingCalendar) -> datetime:
    """When the protocol expects a stage's notice acknowledged, counted from the notice."""
    protocol = notice.transition.dispute.protocol_snapshot
    return calendar.due(notice.transition.created_at, protocol.acknowledgement)


def reason_for(notice: StageNotice) -> str:
    """Why the person was chosen, without their own name: the notice is written to them."""
    own = f"{notice.person.described}: "
    text = notice.explanation
    return text[len(own) :] if text.startswith(own) else text


def stage_meta(dispute: Dispute) -> str:
    """A button value naming the dispute and the stage entry it was drawn for, so a press
    after the dispute has moved on is refused rather than applied to a stage it never meant."""
    transition = dispute.current_transition.id
    return ActionMeta.for_dispute(dispute.reference, transition=transition).encode()


@per_dispute
def notice_buttons(dispute: Dispute, *, acknowledged: bool) -> Block:
    """What a notice offers; nothing escalates from the final stage, so no Escalate now there."""
    ref = stage_meta(dispute)
    elements = [] if acknowledged else [button("Acknowledge", ACKNOWLEDGE, ref, style="primary")]
    elements.append(button("Log discussion", LOG, ref))
    if dispute.stage_index < dispute.protocol_snapshot.final_index:
        elements.append(button("Escalate now", ESCALATE, ref, confirm=ESCALATE_CONFIRM))
    elements.append(button("Mark resolved", RESOLVE, ref, confirm=RESOLVE_CONFIRM))
    return actions(*elements, block_id=f"notice:{ref}")


GUIDANCE_GLANCE = 280  # characters of guidance a notice shows; status shows it all


def _first_sentences(text: str, limit: int) -> str:
    """Whole sentences up to about `limit` characters: a notice is read at a glance."""
    kept = ""
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if kept and len(kept) + 1 + len(sentence) > limit:
            break
        kept = f"{kept} {sentence}".strip()
    return clip(kept, limit + 40)


def stage_guidance(protocol: Protocol, index: int, reference: str | None = None) -> list[Block]:
    """What the protocol says about how to work at the stage, in its own words, beside the
    checklist: the duties say what to do, the guidance how to go about it. With `reference`,
    a notice shows the opening sentences and points to `/dispute status` for the rest."""
    guidance = protocol.stage(index).guidance
    if not guidance:
        return []
    shown = guidance
    if reference is not None and len(guidance) > GUIDANCE_GLANCE:
        brief = _first_sentences(guidance, GUIDANCE_GLANCE)
        shown = f"{brief} More in `/dispute status {reference}`."
    return [context(f"*What the protocol says at this stage:* {escape(shown)}")]


def agencies(dispute: Dispute) -> str:
    return f"{dispute.raiser_agency.name} and {dispute.counterpart_agency.name}"


@per_dispute
def case_line(dispute: Dispute, protocol: Protocol, calendar: WorkingCalendar) -> Block:
    """What every direct message about a dispute carries, whatever else it leaves out: the
    reference, the agencies, the stage and the deadline."""
    if not dispute.is_open:
        due = "closed"
    elif dispute.deadline_at is not None:
        due = f"due by {when(calendar, dispute.deadline_at)}"
    elif dispute.stage_index >= protocol.final_index:
        due = "the final stage has no deadline"
    else:
        due = "no deadline while it awaits a referral"
    return context(
        f"*{dispute.reference}* · {escape(agencies(dispute))} · {stage_label(dispute, protocol)}"
        f" · {due}"
    )


def case_summary(dispute: Dispute, *, shown: bool) -> str:
    """The case summary for a direct message, or where to read it when DMs leave it out."""
    if shown:
        return escape(_clip_summary(dispute.summary))
    return "_The case summary is in the dispute's private conversation._"


def stage_notice(
    dispute: Dispute,
    protocol: Protocol,
    notice: StageNotice,
    calendar: WorkingCalendar,
    duties: list[Block] | None = None,
    *,
    summary: bool = False,
) -> Message:
    """The message asking one person to act at a stage: who, what, since when, by when, and
    `duties`, the checklist of what the protocol asks of their side; the case summary only
    with `summary`."""
    label = stage_label(dispute, protocol)
    if notice.acknowledged_at is None:
        ack = f"*Please acknowledge by {when(calendar, acknowledgement_due(notice, calendar))}.*"
    else:
        ack = (
            f":white_check_mark: You acknowledged this on {when(calendar, notice.acknowledged_at)}."
        )
    blocks = [
        header(f"{dispute.reference}: your action is needed"),
        section(
            f"*{label}* under _{escape(protocol.name)}_.\n{case_summary(dispute, shown=summary)}"
        ),
        summary_fields(dispute, protocol, calendar),
        acting_section(dispute, notice.person),
        context(f"Why you: {escape(reason_for(notice))}"),
        section(ack),
    ]
    transition = notice.transition
    if transition.trigger == "reopened" and transition.actor is not None:
        blocks.append(
            context(
                f":leftwards_arrow_with_hook: Reopened by "
                f"{people.named(transition.actor, notice.person)} on "
                f"{when(calendar, transition.created_at)}, after it closed. Reason: "
                f"{escape(transition.reason or 'none given')}"
            )
        )
    blocks += procedures.questions_that_help(protocol)
    blocks.extend(duties or [])
    blocks += stage_guidance(protocol, dispute.stage_index, dispute.reference)
    blocks.append(section(next_step(dispute, protocol, calendar)))
    blocks.append(notice_buttons(dispute, acknowledged=notice.acknowledged_at is not None))
    return message(f"{dispute.reference}: {label}. Your action is needed.", blocks)


def information_notice(
    dispute: Dispute,
    protocol: Protocol,
    notice: StageNotice,
    calendar: WorkingCalendar,
    *,
    summary: bool = False,
) -> Message:
    """To an oversight body the stage names: what is happening and why they are told. No
    buttons: they read the record, they do not act. The case summary only with `summary`."""
    label = stage_label(dispute, protocol)
    ref = dispute.reference
    blocks = [
        header(f"{ref}: for your information"),
        section(
            f"*{label}* under _{escape(protocol.name)}_.\n{case_summary(dispute, shown=summary)}"
        ),
        summary_fields(dispute, protocol, calendar),
        acting_section(dispute, notice.person),
        context(f"Why you are told: {escape(reason_for(notice))}"),
        section(next_step(dispute, protocol, calendar)),
        context(
            "No action is asked of you. Read the dispute any time with "
            f"`/dispute status {ref}` and `/dispute record {ref}`."
        ),
    ]
    return message(f"{ref}: {label}. For your information; no action is asked of you.", blocks)


def _clip_summary(summary: str) -> str:
    return summary if len(summary) <= 600 else summary[:599] + "…"


def stage_moved(
    dispute: Dispute,
    protocol: Protocol,
    acting: list[Person],
    trigger: str,
    reason: str | None,
    calendar: WorkingCalendar,
    duties: list[Block] | None = None,
    reader: Person | None = None,
) -> Message:
    """Told to the parties and the previous tier when a dispute moves up; `duties` is the
    checklist for a recipient who still acts for a side (a party, or whoever escalated), and
    `reader` the person it is written to."""
    label = stage_label(dispute, protocol)
    if trigger == "timescale lapsed":
        why = "because its timescale lapsed."
    else:
        why = f"by hand. Reason given: {escape((reason or '').rstrip('.'))}."
    text = f"*{dispute.reference}* moved to *{label}* {why}"
    if trigger == "reopened":
        text = (
            f"*{dispute.reference}* was reopened after it closed and is back at *{label}*. "
            f"Reason given: {escape((reason or '').rstrip('.'))}."
        )
    return message(
        f"{dispute.reference} moved to {label}.",
        [
            section(text),
            acting_section(dispute, reader),
            *_nobody_found(acting),
            *(duties or []),
            section(next_step(dispute, protocol, calendar)),
            case_line(dispute, protocol, calendar),
        ],
    )


def _nobody_found(acting: list[Person]) -> list[Block]:
    if acting:
        return []
    return [
        context(
            ":warning: Nobody new has been found to act at this stage yet: the agency directory "
            "is incomplete, and the partnership administrators have been told."
        )
    ]


def conversation_stage(
    dispute: Dispute, protocol: Protocol, acting: list[Person], calendar: WorkingCalendar
) -> Message:
    """Posted in the dispute's private conversation; the only place the child reference shows."""
    label = stage_label(dispute, protocol)
    blocks = [
        section(
            f"*{dispute.reference}* · {label}\nChild reference: `{escape(dispute.child_ref)}`\n"
            f"{escape(_clip_summary(dispute.summary))}"
        ),
        summary_fields(dispute, protocol, calendar),
        acting_section(dispute),
        *_nobody_found(acting),
        section(next_step(dispute, protocol, calendar)),
    ]
    return message(f"{dispute.reference}: {label}", blocks)


def opened_reply(
    dispute: Dispute,
    protocol: Protocol,
    calendar: WorkingCalendar,
    duties: list[Block] | None = None,
) -> Message:
    """What the raiser sees once the dispute is open: who has been asked to acknowledge by
    when, who acts for each side, and their own side's duties to tick."""
    text = (
        f":white_check_mark: Dispute *{dispute.reference}* is open under "
        f"_{escape(protocol.name)}_, at {stage_label(dispute, protocol)}.\n"
        f"{people.named(dispute.counterpart)} has been sent the details and asked to "
        f"acknowledge{_acknowledge_by(dispute, calendar)}."
    )
    return message(
        f"Dispute {dispute.reference} is open.",
        [
            section(text),
            acting_section(dispute, dispute.raiser),
            *(duties or []),
            *stage_guidance(protocol, dispute.stage_index, dispute.reference),
            section(next_step(dispute, protocol, calendar)),
        ],
    )


def _acknowledge_by(dispute: Dispute, calendar: WorkingCalendar) -> str:
    notices = dispute.current_transition.acting_notices
    if not notices:
        return ""
    return f" by {when(calendar, min(acknowledgement_due(n, calendar) for n in notices))}"


def status(
    dispute: Dispute,
    protocol: Protocol,
    calendar: WorkingCalendar,
    duties: list[str] | None = None,
    reader: Person | None = None,
) -> Message:
    """Where the dispute stands, written to `reader`; `duties` are the lines saying what is
    done and outstanding."""
    notices = dispute.current_transition.acting_notices
    waiting = [people.named(n.person, reader) for n in notices if n.acknowledged_at is None]
    ack = ", ".join(
        f"{people.named(n.person, reader)} on {when(calendar, n.acknowledged_at)}"
        for n in notices
        if n.acknowledged_at is not None
    )
    lines = [
        f"*{dispute.reference}* · {'open' if dispute.is_open else 'closed'} · "
        f"{stage_label(dispute, protocol)}",
        escape(_clip_summary(dispute.summary)),
        *procedures.details_lines(dispute),
    ]
    if ack:
        lines.append(f"Acknowledged: {ack}")
    if waiting and dispute.is_open:
        lines.append(f"Awaiting acknowledgement: {', '.join(waiting)}")
    informed = [n.person for n in dispute.current_transition.informed_notices]
    if informed:
        lines.append(f"Informed, not asked to act: {people.listed(informed, reader)}")
    lines.append(f"Discussions logged: {len(dispute.discussions)}")
    lines += [procedures.reflective_line(r, calendar) for r in dispute.reflective_requests]
    if dispute.resolution is not None:
        lines.append(f"Outcome: {outcome_label(dispute, dispute.resolution)}")
    lines.extend(duties or [])
    return message(
        f"{dispute.reference}: {stage_label(dispute, protocol)}",
        [
            section("\n".join(lines)),
            summary_fields(dispute, protocol, calendar),
            *([acting_section(dispute, reader)] if dispute.is_open else []),
            *(stage_guidance(protocol, dispute.stage_index) if dispute.is_open else []),
            section(next_step(dispute, protocol, calendar)),
        ],
    )


def approval_request(
    dispute: Dispute, entry: DiscussionEntry, calendar: WorkingCalendar
) -> Message:
    """Asks the other side to approve the latest version of a discussion record, as the
    protocols require, or to propose a correction of their own."""
    version = entry.current
    agreed = f"\n*Agreed:* {escape(version.agreed)}" if version.agreed else ""
    if entry.corrections:
        opening = (
            f"{escape(version.proposed_by.name)} proposed a correction "
            f"({when(calendar, version.proposed_at)}) to the discussion record "
            f"{escape(entry.logged_by.name)} logged on *{dispute.reference}*"
        )
    else:
        opening = f"{escape(entry.logged_by.name)} logged a discussion on *{dispute.reference}*"
    meta = ActionMeta.for_dispute(dispute.reference, entry.id).encode()
    blocks = [
        section(
            f"{opening}, held {when(calendar, entry.occurred_at)}.\n"
            f"*Who took part:* {escape(version.participants)}\n"
            f"*What was said:* {escape(version.discussion)}{agreed}"
        ),
        context(
            "If this is accurate, approve it and it goes on the record as agreed. If not, "
            "propose a correction: both versions are kept and the other side is asked to "
            "approve yours."
        ),
        actions(
            button("Approve record", APPROVE, meta, style="primary", confirm=APPROVE_CONFIRM),
            button("Propose a correction", CORRECT, meta),
            block_id=f"approve:{entry.id}:{len(entry.versions)}",
        ),
    ]
    return message(f"{dispute.reference}: please approve a discussion record.", blocks)


def final_stage_verdict(dispute: Dispute, resolution: Resolution) -> str | None:
    """Said plainly when a dispute closed at the last stage without full agreement: nothing
    sits above it, so readers must not take the closure for an agreement."""
    outcome = Outcome(resolution.outcome)
    final = dispute.protocol_snapshot.final_index
    if outcome is Outcome.RESOLVED or resolution.stage_index != final:
        return None
    if outcome is Outcome.NOT_RESOLVED:
        return "Closed at the final stage without agreement."
    return (
        "Closed at the final stage with only partial agreement; what remains unagreed is "
        "set out in the summary."
    )


def outcome_label(dispute: Dispute, resolution: Resolution) -> str:
    """The outcome as people read it, with the final-stage verdict where there is one."""
    verdict = final_stage_verdict(dispute, resolution)
    label = Outcome(resolution.outcome).label
    return f"{label}. {verdict}" if verdict else label


def resolved_notice(dispute: Dispute, resolution: Resolution, calendar: WorkingCalendar) -> Message:
    outcome = outcome_label(dispute, resolution)
    lines = [
        f"*{dispute.reference}* was closed by {escape(resolution.resolved_by.name)} on "
        f"{when(calendar, resolution.resolved_at)}: *{outcome.rstrip('.')}*.",
        escape(resolution.summary),
    ]
    for action in resolution.actions:
        lines.append(
            f"• {escape(action.description)}: {escape(action.owner)}, by {long_date(action.due_on)}"
        )
    if resolution.refer_to_partnership:
        lines.append("Referred to the partnership for learning.")
    return message(
        f"{dispute.reference} closed: {outcome.rstrip('.')}.",
        [
            section("\n".join(lines)),
            context(f"The full record: `/dispute record {dispute.reference}`"),
        ],
    )


def final_stage_reached(dispute: Dispute, protocol: Protocol, calendar: WorkingCalendar) -> Message:
    """To the partnership's admins: a dispute now sits with the partnership itself."""
    text = (
        f":triangular_flag_on_post: *{dispute.reference}* "
        f"({escape(dispute.raiser_agency.name)} ↔ {escape(dispute.counterpart_agency.name)}) "
        f"has reached the final stage, {stage_label(dispute, protocol)}, on "
        f"{when(calendar, dispute.stage_started_at)}. Nothing escalates further."
    )
    return message(
        f"{dispute.reference} has reached the final stage.",
        [section(text), acting_section(dispute), section(next_step(dispute, protocol, calendar))],
    )


def directory_gap(dispute: Dispute, protocol: Protocol, gaps: list[str]) -> Message:
    """To the partnership's admins: exactly what the directory lacks, so nothing stalls."""
    text = (
        f":warning: *{dispute.reference}* reached {stage_label(dispute, protocol)} but the "
        "agency directory could not supply everyone who should act:\n"
        + "\n".join(f"• {escape(g)}" for g in gaps)
    )
    return message(f"{dispute.reference}: the directory needs fixing.", [section(text)])
