"""Stages and escalation: entering a stage, escalating by hand or on a lapse, acknowledging,
and finding people the directory lacked when the stage began."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import inspect, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from bot.parsing import WhenError, parse_when
from bot.services import sweep_batch
from bot.services.counterparts import Assignee, StageAssignment, find_stage_people
from bot.services.disputes.access import AccessService
from bot.services.disputes.base import required
from bot.services.disputes.routing import (
    may_refer,
    oversight_gaps,
    oversight_people,
    referrers,
    who_refers,
)
from bot.services.errors import DomainError
from bot.services.reminders import cancel_pending, cancel_pending_of
from models.directory import Person
from models.dispute import Dispute, NoticeKind, StageNotice, StageTransition, Trigger
from models.protocol import Oversight, Protocol, Stage
from models.schedule import ReminderKind
from models.timescale import TimescaleError, parse_timescale


@dataclass(frozen=True)
class StageEntry:
    """What entering a stage did: the transition, and anyone the directory could not supply."""

    transition: StageTransition
    assignment: StageAssignment


# Each new notice says it is not superseded rather than leaving it to the column's server
# default, which the flush would read back, a notice at a time instead of a batch's in one go.


def _notice(
    session: Session, transition: StageTransition, dispute: Dispute, assignee: Assignee
) -> StageNotice:
    return sweep_batch.build(
        session,
        StageNotice,
        transition=transition,
        dispute_id=dispute.id,
        person=assignee.person,
        side=assignee.side,
        kind=NoticeKind.ACTING.value,
        explanation=assignee.explanation,
        superseded=False,
    )


def _informed(
    session: Session,
    transition: StageTransition,
    dispute: Dispute,
    person: Person,
    body: Oversight,
) -> StageNotice:
    return sweep_batch.build(
        session,
        StageNotice,
        transition=transition,
        dispute_id=dispute.id,
        person=person,
        side=NoticeKind.INFORMED.value,
        kind=NoticeKind.INFORMED.value,
        explanation=f"{body.label}: told at this stage, not asked to act. {body.source}",
        superseded=False,
    )


def end_current_stages(session: Session, disputes: Collection[Dispute], at: datetime) -> None:
    """Marks the current stage of each dispute ended `at`, as the report reads it, and its
    notices superseded, as the lists of what awaits people read them: called before a
    dispute's next transition is added and when it closes. A dispute whose history is loaded
    (a sweep batch loads every one) has its stage marked in memory and written by the next
    flush, with the batch's other changes; the rest take one UPDATE that looks up only the rows
    it changed. The notices take one UPDATE (a sweep batch's, one for the batch)."""
    unloaded: list[int] = []
    ended: list[int] = []
    for dispute in disputes:
        if "transitions" in inspect(dispute).unloaded:
            unloaded.append(dispute.id)
            continue
        for transition in dispute.transitions:
            if transition.ended_at is None:
                transition.ended_at = at
                _supersede_loaded(transition)
                if transition.id is not None:
                    ended.append(transition.id)
    if unloaded:
        session.execute(
            update(StageTransition)
            .where(StageTransition.dispute_id.in_(unloaded), StageTransition.ended_at.is_(None))
            .values(ended_at=at)
            .execution_options(synchronize_session="fetch")
        )
    if ended and sweep_batch.supersede(session, ended):
        ended = []
    whose = [StageNotice.transition_id.in_(ended)] if ended else []
    whose += [StageNotice.dispute_id.in_(unloaded)] if unloaded else []
    if whose:
        session.execute(
            update(StageNotice)
            .where(StageNotice.superseded.is_(False), or_(*whose))
            .values(superseded=True)
            .execution_options(synchronize_session="evaluate")
        )


def _supersede_loaded(transition: StageTransition) -> None:
    """The ended stage's notices in memory, as the UPDATE leaves them in the database: a new
    notice is inserted superseded, a stored one is left for the UPDATE."""
    if "notices" in inspect(transition).unloaded:
        return
    for notice in transition.notices:
        if notice.id is None:
            notice.superseded = True
        else:
            set_committed_value(notice, "superseded", True)


class StageService(AccessService):
    """Moves disputes between stages; every move plans its reminders and is audited."""

    def _stated_deadline(self, stated: str | None, start: datetime) -> datetime | None:
        """A timescale the escalator states: a span ('2 working days') or a time ('Friday 5pm')."""
        if stated is None or not stated.strip():
            return None
        try:
            return self.calendar.due(start, parse_timescale(stated))
        except TimescaleError:
            pass
        try:
            moment = parse_when(stated, now=start, zone=self.calendar.zone, prefer="future")
        except WhenError:
            raise DomainError(
                f"'{stated}' is not a timescale or a time. Try '2 working days', '24 hours' "
                "or 'Friday 5pm'.",
                field="stated_timescale",
            ) from None
        if moment <= start:
            raise DomainError(
                f"'{stated}' has already passed; give a time in the future.",
                field="stated_timescale",
            )
        return moment

    def _deadline(
        self, protocol: Protocol, dispute: Dispute, index: int, start: datetime, stated: str | None
    ) -> datetime | None:
        """The stage's own timescale, replaced or shortened by a stated one as the protocol says;
        an urgency's cap on each stage applies either way."""
        stage = protocol.stage(index)
        stated_at = self._stated_deadline(stated, start)
        if stage.timescale is None:
            return stated_at
        urgency = protocol.urgency(dispute.urgency)
        cap = self.calendar.due_within(start, urgency.stage_timescale if urgency else None)
        own = self.calendar.due_within(start, stage.timescale)
        if stated_at is not None:
            own = stated_at if stage.stated_timescale == "replaces" else min(own, stated_at)
        return min(c for c in (own, cap) if c is not None)

    def _stage_people(
        self, session: Session, dispute: Dispute, protocol: Protocol, index: int, now: datetime
    ) -> StageAssignment:
        return find_stage_people(
            session,
            parties=self.parties(dispute),
            protocol=protocol,
            index=index,
            category=dispute.category,
            on=self.calendar.local(now).date(),
        )

    def _enter_stage(
        self,
        session: Session,
        dispute: Dispute,
        protocol: Protocol,
        index: int,
        trigger: Trigger,
        actor: Person | None,
        reason: str | None,
        stated: str | None,
    ) -> StageEntry:
        entry = self._stage_changes(
            session, dispute, protocol, index, trigger, actor, reason, stated
        )
        session.flush()
        transition = entry.transition
        self.planner.plan_stage(session, protocol, transition, transition.created_at)
        return entry

    def _stage_changes(
        self,
        session: Session,
        dispute: Dispute,
        protocol: Protocol,
        index: int,
        trigger: Trigger,
        actor: Person | None,
        reason: str | None,
        stated: str | None,
        at: datetime | None = None,
    ) -> StageEntry:
        """Entering the stage without its reminders, which need the new rows' ids: a batch makes
        these changes for all its disputes, then writes them in one go."""
        stage = protocol.stage(index)
        with self.changing(session, "stage_entered", dispute=dispute, actor=actor, at=at) as change:
            now = change.at
            deadline = self._deadline(protocol, dispute, index, now, stated)
            assignment = self._stage_people(session, dispute, protocol, index, now)
            transition = self._move(session, dispute, index, trigger, actor, reason, stated, now)
            dispute.deadline_at = transition.deadline_at = deadline
            gaps = oversight_gaps(session, dispute, stage, protocol.role_book)
            transition.missing = [m.message for m in assignment.missing] + gaps
            for assignee in assignment.people:
                self.add_member(dispute, assignee.person, f"acts at {stage.title}", now)
                if actor is not None and assignee.person.id == actor.id:
                    continue  # nobody is asked to acknowledge their own step
                _notice(session, transition, dispute, assignee)
            informed = self._inform_oversight(session, dispute, stage, transition, actor, now)
            change.note(
                stage=stage.key,
                trigger=trigger.value,
                reason=reason,
                deadline=deadline.isoformat() if deadline else None,
                notified=[a.person.id for a in assignment.people],
                informed=informed,
                missing=transition.missing,
            )
        return StageEntry(transition, assignment)

    def _inform_oversight(
        self,
        session: Session,
        dispute: Dispute,
        stage: Stage,
        transition: StageTransition,
        actor: Person | None,
        now: datetime,
    ) -> list[int]:
        """Oversight bodies the stage names become members who read the record, not act on it."""
        skip = {n.person.id for n in transition.notices}
        skip |= {dispute.raiser_id, dispute.counterpart_id, actor.id if actor else None}
        told: list[int] = []
        for person, body in oversight_people(session, dispute, stage):
            if person.id in skip:
                continue
            self.add_member(dispute, person, f"informed at {stage.title}"[:120], now)
            _informed(session, transition, dispute, person, body)
            told.append(person.id)
        return told

    @staticmethod
    def _move(
        session: Session,
        dispute: Dispute,
        index: int,
        trigger: Trigger,
        actor: Person | None,
        reason: str | None,
        stated: str | None,
        now: datetime,
    ) -> StageTransition:
        """Points the dispute at its new stage and adds the transition that records the move,
        ending the stage it leaves."""
        previous = dispute.stage_index if trigger is not Trigger.OPENED else None
        if previous is not None:
            end_current_stages(session, [dispute], now)
        dispute.stage_index = index
        dispute.stage_started_at = now
        dispute.stage_reached = max(dispute.stage_reached or 0, index)
        if trigger is Trigger.LAPSED:
            dispute.lapsed_escalations = (dispute.lapsed_escalations or 0) + 1
        elif trigger is Trigger.MANUAL:
            dispute.manual_escalations = (dispute.manual_escalations or 0) + 1
        dispute.stated_timescale = stated.strip() if stated and stated.strip() else None
        transition = sweep_batch.build(
            session,
            StageTransition,
            dispute=dispute,
            from_stage=previous,
            to_stage=index,
            trigger=trigger.value,
            reason=reason,
            stated_timescale=dispute.stated_timescale,
            actor=actor,
            created_at=now,
        )
        return transition

    def check_escalation(self, session: Session, dispute: Dispute, actor: Person) -> Stage:
        """The stage `actor` may escalate to now, or why not; asked before the form opens too."""
        self.require_acting(session, dispute, actor, "escalate")
        protocol = dispute.protocol_snapshot
        if dispute.stage_index >= protocol.final_index:
            raise DomainError(
                f"{dispute.reference} is already at the final stage "
                f"({protocol.stage(protocol.final_index).title}); it cannot go higher. "
                "Resolve it, or record that it is not resolved."
            )
        following = protocol.stage(dispute.stage_index + 1)
        book = protocol.role_book
        if following.referral_only and not may_refer(following, actor):
            raise DomainError(
                f"Only {who_refers(following, referrers(session, dispute, following), book)} can "
                f"refer {dispute.reference} to {following.title}. Nothing has changed: ask them "
                "to make the referral if the disagreement remains."
            )
        return following

    def escalate(
        self,
        *,
        session: Session,
        dispute: Dispute,
        actor: Person,
        reason: str,
        stated_timescale: str | None = None,
    ) -> StageEntry:
        """Moves to the next stage by hand, for a stated reason."""
        self.check_escalation(session, dispute, actor)
        protocol = dispute.protocol_snapshot
        why = required(reason, "a reason for escalating", "reason")
        self.child_refs.refuse(why, field="reason", where="the reason", known=dispute.child_ref)
        return self._enter_stage(
            session,
            dispute,
            protocol,
            dispute.stage_index + 1,
            Trigger.MANUAL,
            actor,
            why,
            stated_timescale,
        )

    def escalate_lapsed(self, *, session: Session, dispute: Dispute) -> StageEntry | None:
        """Escalates when the stage's deadline has passed; None when there is nothing to do.

        The next stage may be reachable only by referral: then the dispute stays where it is,
        awaiting a person's referral, and the audit log says so.
        """
        now = self.clock.now()
        following = self._after_lapse(dispute, now)
        if following is None:
            return None
        protocol = dispute.protocol_snapshot
        if following.referral_only:
            cancel_pending(session, dispute)
            self._await_referral(session, dispute, protocol, now)
            return None
        return self._enter_stage(
            session,
            dispute,
            protocol,
            dispute.stage_index + 1,
            Trigger.LAPSED,
            None,
            Trigger.LAPSED.value,
            None,
        )

    def escalate_lapsed_many(
        self, *, session: Session, disputes: Sequence[Dispute]
    ) -> list[StageEntry | None]:
        """`escalate_lapsed` for each dispute of a sweep batch, in its order, with the same
        changes; but each kind of row is written once for the whole batch: one statement
        cancels their reminders, their new stages are numbered so that their reminders can
        follow, and the batch writes them all at its end (outside a batch, one flush does)."""
        now = self.clock.now()
        lapsed = [(d, self._after_lapse(d, now)) for d in disputes]
        cancel_pending_of(session, [d.id for d, following in lapsed if following is not None])
        entries: list[StageEntry | None] = []
        with session.no_autoflush:
            for dispute, following in lapsed:
                protocol = dispute.protocol_snapshot
                if following is None or following.referral_only:
                    if following is not None:
                        self._await_referral(session, dispute, protocol, now)
                    entries.append(None)
                    continue
                index = dispute.stage_index + 1
                reason = Trigger.LAPSED.value
                entry = self._stage_changes(
                    session, dispute, protocol, index, Trigger.LAPSED, None, reason, None, now
                )
                entries.append(entry)
        sweep_batch.number_new(session)
        if sweep_batch.batch_reads(session) is None:
            session.flush()
        with session.no_autoflush:
            for entry in entries:
                if entry is not None:
                    protocol = entry.transition.dispute.protocol_snapshot
                    self.planner.plan_new_stage(session, protocol, entry.transition, now)
        return entries

    @staticmethod
    def _after_lapse(dispute: Dispute, now: datetime) -> Stage | None:
        """The stage a lapsed dispute moves towards; None when it has not lapsed or has nowhere
        to go."""
        if not dispute.is_open or dispute.deadline_at is None or dispute.deadline_at > now:
            return None
        protocol = dispute.protocol_snapshot
        if dispute.stage_index >= protocol.final_index:
            return None
        return protocol.stage(dispute.stage_index + 1)

    def _await_referral(
        self, session: Session, dispute: Dispute, protocol: Protocol, now: datetime
    ) -> None:
        """The stage lapsed but the next is entered only by referral: remind, and wait (the
        caller has cancelled the stage's reminders)."""
        following = protocol.stage(dispute.stage_index + 1)
        with self.changing(session, "awaiting_referral", dispute=dispute, at=now) as change:
            lapsed_at = dispute.deadline_at
            assert lapsed_at is not None
            dispute.deadline_at = None
            self.planner.add(
                session,
                dispute.current_transition,
                ReminderKind.REFERRAL,
                change.at,
                following.title,
            )
            change.note(
                stage=protocol.stage(dispute.stage_index).key,
                next_stage=following.key,
                lapsed_at=lapsed_at.isoformat(),
            )

    def fill_directory_gaps(
        self, *, session: Session, dispute: Dispute
    ) -> tuple[list[StageNotice], list[str]]:
        """Looks again for whoever the directory lacked; returns new notices and what is missing."""
        now = self.clock.now()
        protocol = dispute.protocol_snapshot
        stage = protocol.stage(dispute.stage_index)
        assignment = self._stage_people(session, dispute, protocol, dispute.stage_index, now)
        transition = dispute.current_transition
        noticed = {n.person_id for n in transition.notices}
        added: list[StageNotice] = []
        for assignee in assignment.people:
            if assignee.person.id in noticed or assignee.person.id == dispute.raiser_id:
                continue
            self.add_member(dispute, assignee.person, f"acts at {stage.title}", now)
            notice = _notice(session, transition, dispute, assignee)
            added.append(notice)
        session.flush()
        self._inform_oversight(session, dispute, stage, transition, None, now)
        added += [n for n in transition.informed_notices if n.person_id not in noticed]
        missing = [m.message for m in assignment.missing]
        missing += oversight_gaps(session, dispute, stage, protocol.role_book)
        if added:
            session.flush()
            with self.changing(session, "directory_gap_filled", dispute=dispute, at=now) as change:
                change.note(notified=[n.person_id for n in added], still_missing=missing)
        return added, missing

    def acknowledge(self, *, session: Session, dispute: Dispute, actor: Person) -> StageNotice:
        """The person asked to act at the current stage says they have it in hand."""
        self.require_acting(session, dispute, actor, "acknowledge")
        notice = session.scalar(
            select(StageNotice).where(
                StageNotice.transition_id == dispute.current_transition.id,
                StageNotice.person_id == actor.id,
                StageNotice.kind == NoticeKind.ACTING.value,
            )
        )
        if notice is None:
            raise DomainError(
                f"You are not asked to acknowledge the current stage of {dispute.reference}."
            )
        if notice.acknowledged_at is not None:
            raise DomainError(
                f"You already acknowledged {dispute.reference} on "
                f"{self.calendar.describe(notice.acknowledged_at)}."
            )
        with self.changing(
            session, "acknowledged", dispute=dispute, actor=actor, stage=dispute.stage_index
        ) as change:
            notice.acknowledged_at = change.at
        return notice
