"""A dispute's duties as people meet them: which side each binds, when it falls due, who ticked it.

A duty's `who` names a side of the dispute: `raiser` and `counterpart` are the two sides, `both`
binds each side separately (each ticks its own), and `escalator` binds the side that moved the
dispute into the stage. The raiser opened the dispute, so the raising side is the escalator at
the first stage. When a stage's timescale lapsed nobody chose to escalate, so an escalator's duty
binds both sides: whichever side does it, the child is not left waiting on a side nobody asked.

A person acts for a side when they are that side's party, were given the stage's notice for that
side, or moved the dispute into the stage for that side. People acting for the partnership or a
lead agency hold a post for the whole dispute and are bound by none of the sides' duties.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.sweep_batch import Ticks, batch_reads
from bot.working_days import WorkingCalendar
from models.directory import Person
from models.dispute import Dispute, StageTransition, Trigger
from models.duties import DutyCompletion
from models.protocol import Duty, Side

SIDES = ("raiser", "counterpart")
WHOLE_PROTOCOL = "*"


def duty_key(scope: str, duty: Duty) -> str:
    """'line-manager.3f2a1b9c0d4e': the stage's key (or '*') and a hash of the duty's text."""
    return f"{scope}.{hashlib.sha256(duty.text.encode()).hexdigest()[:12]}"


@dataclass(frozen=True)
class BoundDuty:
    """One duty of the current stage or the whole protocol, the sides it binds, and its due time."""

    key: str
    duty: Duty
    sides: tuple[str, ...]
    due_at: datetime | None
    whole_protocol: bool = False


def escalating_side(dispute: Dispute, transition: StageTransition) -> str | None:
    """The side that moved the dispute into the stage; None when its timescale lapsed."""
    if transition.trigger == Trigger.OPENED:
        return "raiser"
    actor = transition.actor
    if actor is None:
        return None
    if actor.id == dispute.raiser_id:
        return "raiser"
    if actor.id == dispute.counterpart_id:
        return "counterpart"
    for earlier in dispute.transitions:
        for notice in earlier.acting_notices:
            if notice.person_id == actor.id and notice.side in SIDES:
                return notice.side
    if actor.agency_id == dispute.raiser_agency_id:
        return "raiser"
    if actor.agency_id == dispute.counterpart_agency_id:
        return "counterpart"
    return None


def bound_sides(who: Side, dispute: Dispute, transition: StageTransition) -> tuple[str, ...]:
    if who in SIDES:
        return (who,)
    if who == "escalator":
        side = escalating_side(dispute, transition)
        return (side,) if side is not None else SIDES
    return SIDES


def stage_duties(
    dispute: Dispute, transition: StageTransition, calendar: WorkingCalendar
) -> list[BoundDuty]:
    """The duties of the stage `transition` entered, each due from the moment it was entered."""
    stage = dispute.protocol_snapshot.stage(transition.to_stage)
    return [
        BoundDuty(
            duty_key(stage.key, duty),
            duty,
            bound_sides(duty.who, dispute, transition),
            calendar.due(transition.created_at, duty.within) if duty.within else None,
        )
        for duty in stage.duties
    ]


def protocol_duties(dispute: Dispute, calendar: WorkingCalendar) -> list[BoundDuty]:
    """Duties that hold at every stage, each due from the moment the dispute opened."""
    first = dispute.transitions[0]
    return [
        BoundDuty(
            duty_key(WHOLE_PROTOCOL, duty),
            duty,
            bound_sides(duty.who, dispute, first),
            calendar.due(dispute.opened_at, duty.within) if duty.within else None,
            whole_protocol=True,
        )
        for duty in dispute.protocol_snapshot.duties
    ]


def current_duties(dispute: Dispute, calendar: WorkingCalendar) -> list[BoundDuty]:
    """What the current stage asks, then what the whole protocol asks."""
    return [
        *stage_duties(dispute, dispute.current_transition, calendar),
        *protocol_duties(dispute, calendar),
    ]


def ticks(session: Session, dispute: Dispute) -> Ticks:
    reads = batch_reads(session)
    if reads is not None and dispute.id in reads.ticks:
        return reads.ticks[dispute.id]
    rows = session.scalars(select(DutyCompletion).where(DutyCompletion.dispute_id == dispute.id))
    return {(row.duty_key, row.side): row for row in rows}


def side_of(dispute: Dispute, person: Person) -> str | None:
    """The side `person` acts for at the current stage, if any."""
    transition = dispute.current_transition
    for notice in transition.acting_notices:
        if notice.person_id == person.id and notice.side in SIDES:
            return notice.side
    if person.id == dispute.raiser_id:
        return "raiser"
    if person.id == dispute.counterpart_id:
        return "counterpart"
    if transition.actor_id == person.id:
        return escalating_side(dispute, transition)
    return None


def record_side(dispute: Dispute, person: Person) -> str | None:
    """The side a person speaks for on a discussion record: the side they act for now, or
    else their agency's side, so a manager from an earlier stage still counts for theirs."""
    side = side_of(dispute, person)
    if side is not None:
        return side
    if person.agency_id == dispute.raiser_agency_id:
        return "raiser"
    if person.agency_id == dispute.counterpart_agency_id:
        return "counterpart"
    return None


def other_side(side: str) -> str:
    return "counterpart" if side == "raiser" else "raiser"


def acting_for(dispute: Dispute, side: str) -> list[Person]:
    """Everyone acting for `side` at the current stage: its party, its notices, its escalator."""
    transition = dispute.current_transition
    party = dispute.raiser if side == "raiser" else dispute.counterpart
    people = {party.id: party}
    for notice in transition.acting_notices:
        if notice.side == side:
            people.setdefault(notice.person_id, notice.person)
    actor = transition.actor
    if actor is not None and escalating_side(dispute, transition) == side:
        people.setdefault(actor.id, actor)
    return list(people.values())


def side_label(dispute: Dispute, side: str) -> str:
    """The side by its agency, which is how people know it."""
    agency = dispute.raiser_agency if side == "raiser" else dispute.counterpart_agency
    return agency.name
