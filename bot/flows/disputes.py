"""The everyday use cases: open, log, approve or correct, acknowledge, escalate by hand, lapse,
resolve, reopen.

Each takes the caller's session, so the change and its outbox rows commit or fail together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from bot.flows.context import FlowContext
from bot.messages import disputes as views
from bot.messages import duties as duty_views
from bot.messages import replies
from bot.messages.blocks import Block
from bot.messages.risk import at_immediate_risk, immediate_risk_warning
from bot.services.disputes import ActionInput, DutyTick, StageEntry
from bot.services.duty_list import side_of, ticks
from models.directory import Person
from models.dispute import DiscussionEntry, Dispute, Resolution, StageNotice
from models.learning import LearningItem
from models.procedures import ReflectiveRequest


def open_dispute(
    ctx: FlowContext,
    session: Session,
    *,
    raiser: Person,
    counterpart: Person,
    protocol_key: str,
    category: str,
    child_ref: str,
    summary: str,
    urgency: str = "standard",
    stated_timescale: str | None = None,
    start_stage: str | None = None,
    answers: Mapping[str, str | None] | None = None,
) -> StageEntry:
    """Opens the dispute with the details its category asks for, gives the first stage's
    notices, confirms to the raiser, and tells the leads when it completes a pattern."""
    details = ctx.service.checked_answers(
        protocol_key=protocol_key, category=category, answers=answers or {}, child_ref=child_ref
    )
    entry = ctx.service.open(
        session=session,
        protocol_key=protocol_key,
        category=category,
        raiser=raiser,
        counterpart=counterpart,
        child_ref=child_ref,
        summary=summary,
        urgency=urgency,
        stated_timescale=stated_timescale,
        start_stage=start_stage,
    )
    dispute = entry.transition.dispute
    ctx.service.record_answers(session, dispute, details, raiser)
    ctx.notifier.stage_entered(session, entry)
    duties = ctx.notifier.duty_checklist(session, dispute, "raiser")
    reply = views.opened_reply(dispute, dispute.protocol_snapshot, ctx.calendar, duties)
    if at_immediate_risk(dispute.protocol_snapshot, dispute.urgency):
        contact = ctx.notifier.settings.child_protection_contact
        reply["blocks"].insert(1, immediate_risk_warning(contact))
    ctx.notifier.direct(session, raiser, reply, dispute=dispute)
    if pattern := ctx.service.pattern_completed(session, dispute):
        ctx.notifier.pattern_found(session, pattern)
    return entry


def request_reflective(
    ctx: FlowContext, session: Session, *, dispute: Dispute, actor: Person, topic: str
) -> ReflectiveRequest:
    """Records a reflective practice meeting asked for, and tells everyone involved."""
    request = ctx.service.request_reflective(
        session=session, dispute=dispute, actor=actor, topic=topic
    )
    ctx.notifier.reflective_requested(session, request)
    return request


def log_discussion(
    ctx: FlowContext,
    session: Session,
    *,
    dispute: Dispute,
    actor: Person,
    occurred: str | datetime,
    participants: str,
    discussion: str,
    agreed: str | None = None,
    confirm: bool = True,
) -> DiscussionEntry:
    """Logs the discussion and asks the others to approve it; `confirm` messages the logger
    (a quick note from the command line is answered in place instead)."""
    entry = ctx.service.log_discussion(
        session=session,
        dispute=dispute,
        actor=actor,
        occurred=occurred,
        participants=participants,
        discussion=discussion,
        agreed=agreed,
    )
    ctx.notifier.discussion_logged(session, entry)
    if confirm:
        text = replies.discussion_saved(dispute, ctx.calendar)
        ctx.notifier.direct(session, actor, views.plain_message(text), dispute=dispute)
    return entry


def approve_discussion(
    ctx: FlowContext, session: Session, *, dispute: Dispute, actor: Person, entry_id: int
) -> DiscussionEntry:
    """Approves another party's record and tells whoever logged it."""
    entry = ctx.service.approve_discussion(
        session=session, dispute=dispute, entry_id=entry_id, actor=actor
    )
    ctx.notifier.discussion_approved(session, entry)
    return entry


def correct_discussion(
    ctx: FlowContext,
    session: Session,
    *,
    dispute: Dispute,
    actor: Person,
    entry_id: int,
    participants: str,
    discussion: str,
    agreed: str | None = None,
) -> DiscussionEntry:
    """Keeps the other side's correction as a new version, sends it back to the first side
    to approve or correct, and confirms to the corrector."""
    correction = ctx.service.correct_discussion(
        session=session,
        dispute=dispute,
        entry_id=entry_id,
        actor=actor,
        participants=participants,
        discussion=discussion,
        agreed=agreed,
    )
    entry = correction.entry
    ctx.notifier.discussion_logged(session, entry)
    text = replies.correction_sent(entry, ctx.calendar)
    ctx.notifier.direct(session, actor, views.plain_message(text), dispute=dispute)
    return entry


def acknowledge(
    ctx: FlowContext, session: Session, *, dispute: Dispute, actor: Person
) -> StageNotice:
    """Acknowledges the stage notice, redraws it, and tells the raiser."""
    notice = ctx.service.acknowledge(session=session, dispute=dispute, actor=actor)
    ctx.notifier.acknowledged(session, notice)
    return notice


def escalate(
    ctx: FlowContext,
    session: Session,
    *,
    dispute: Dispute,
    actor: Person,
    reason: str,
    stated_timescale: str | None = None,
) -> StageEntry:
    """Escalates by hand; the new stage's notices go out and the escalator gets the news too."""
    entry = ctx.service.escalate(
        session=session,
        dispute=dispute,
        actor=actor,
        reason=reason,
        stated_timescale=stated_timescale,
    )
    ctx.notifier.stage_entered(session, entry)
    acting = [a.person for a in entry.assignment.people]
    duties = ctx.notifier.duty_checklist(session, dispute, side_of(dispute, actor))
    moved = views.stage_moved(
        dispute,
        dispute.protocol_snapshot,
        acting,
        "manual",
        entry.transition.reason,
        ctx.calendar,
        duties,
        reader=actor,
    )
    ctx.notifier.direct(session, actor, moved, dispute=dispute)
    return entry


def lapse(ctx: FlowContext, session: Session, *, dispute: Dispute) -> StageEntry | None:
    """Escalates a stage whose timescale has lapsed; None when it now awaits a referral."""
    entry = ctx.service.escalate_lapsed(session=session, dispute=dispute)
    if entry is not None:
        ctx.notifier.stage_lapsed(session, entry)
    return entry


def lapse_many(
    ctx: FlowContext, session: Session, *, disputes: Sequence[Dispute]
) -> list[StageEntry | None]:
    """`lapse` for each dispute of a sweep batch: the same changes and notices, written for
    the whole batch at once rather than dispute by dispute."""
    entries = ctx.service.escalate_lapsed_many(session=session, disputes=disputes)
    with session.no_autoflush:
        for entry in entries:
            if entry is not None:
                ctx.notifier.stage_lapsed(session, entry)
    return entries


def resolve(
    ctx: FlowContext,
    session: Session,
    *,
    dispute: Dispute,
    actor: Person,
    outcome: str,
    summary: str,
    actions: list[ActionInput] | None = None,
    learning: str | None = None,
    refer_to_partnership: bool = False,
    record_answers: Mapping[str, str | None] | None = None,
) -> Resolution:
    """Closes the dispute; everyone involved hears the outcome, the resolver a confirmation,
    and any learning goes to the practice committee's queue."""
    resolution = ctx.service.resolve(
        session=session,
        dispute=dispute,
        actor=actor,
        outcome=outcome,
        summary=summary,
        actions=actions,
        learning=learning,
        refer_to_partnership=refer_to_partnership,
        record_answers=record_answers,
    )
    ctx.notifier.resolved(session, resolution)
    text = replies.closed(dispute)
    ctx.notifier.direct(session, actor, views.plain_message(text), dispute=dispute)
    return resolution


def decide_learning(
    ctx: FlowContext, session: Session, *, item_id: int, actor: Person, state: str
) -> LearningItem:
    """Records the committee's decision; the pressed notice is redrawn by the caller."""
    return ctx.service.decide_learning(session=session, item_id=item_id, actor=actor, state=state)


def reopen(
    ctx: FlowContext, session: Session, *, dispute: Dispute, actor: Person, reason: str
) -> StageEntry:
    """Reopens a closed dispute at the stage it closed at; the people there get fresh notices
    and the parties the news (whoever reopened it is answered where they asked)."""
    entry = ctx.service.reopen(session=session, dispute=dispute, actor=actor, reason=reason)
    ctx.notifier.stage_entered(session, entry)
    return entry


def tick_duty(
    ctx: FlowContext, session: Session, *, dispute: Dispute, actor: Person, key: str, done: bool
) -> Block:
    """Ticks or unticks a duty for the actor's side; returns its checklist entry redrawn."""
    tick: DutyTick = ctx.service.set_duty_done(
        session=session, dispute=dispute, actor=actor, key=key, done=done
    )
    return duty_views.duty_block(
        dispute, tick.item, tick.side, ticks(session, dispute), ctx.calendar
    )
