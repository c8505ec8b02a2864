"""The dispute use cases: open, log, approve, escalate, acknowledge, resolve, and read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.parsing import WhenError, parse_when
from bot.protocols import ProtocolCatalog
from bot.services import audit
from bot.services.child_refs import ChildRefDetector
from bot.services.counterparts import Party, StageAssignment, find_stage_people
from bot.services.errors import DomainError, NotFound
from bot.services.references import next_reference
from bot.services.reminders import ReminderPlanner, cancel_pending
from bot.working_days import WorkingCalendar
from models.audit import AuditEvent
from models.directory import Person
from models.dispute import (
    DiscussionEntry,
    Dispute,
    DisputeMember,
    DisputeStatus,
    Outcome,
    Resolution,
    ResolutionAction,
    StageNotice,
    StageTransition,
    Trigger,
)
from models.protocol import Protocol
from models.schedule import ReminderKind
from models.timescale import TimescaleError, parse_timescale

CHILD_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.-]{2,31}$")
REFERENCE = re.compile(r"^RPD-\d{4}-\d{4,}$")
MAX_TEXT = 3000


@dataclass(frozen=True)
class ActionInput:
    """An action agreed at resolution."""

    description: str
    owner: str
    due_on: date


@dataclass(frozen=True)
class StageEntry:
    """What entering a stage did: the transition, and anyone the directory could not supply."""

    transition: StageTransition
    assignment: StageAssignment


def _required(text: str | None, what: str, field: str, limit: int = MAX_TEXT) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise DomainError(f"Please add {what}.", field=field)
    if len(cleaned) > limit:
        raise DomainError(
            f"{what.capitalize()} is too long: keep it under {limit} characters.", field=field
        )
    return cleaned


def check_child_ref(child_ref: str) -> str:
    """A case number, never a name: letters and digits with at least one digit, no spaces."""
    cleaned = (child_ref or "").strip()
    if not CHILD_REF.match(cleaned) or not any(ch.isdigit() for ch in cleaned):
        raise DomainError(
            "The child reference must be a case number such as 'CS-104233' (3 to 32 letters, "
            "digits, '-', '/', '_' or '.', with at least one digit). Never type a child's name.",
            field="child_ref",
        )
    return cleaned


class DisputeService:
    """Every change goes through here; callers own the transaction."""

    def __init__(
        self,
        *,
        clock: Clock,
        calendar: WorkingCalendar,
        catalog: ProtocolCatalog,
        child_refs: ChildRefDetector | None = None,
    ):
        self.clock = clock
        self.calendar = calendar
        self.catalog = catalog
        self.child_refs = child_refs or ChildRefDetector()
        self.planner = ReminderPlanner(calendar)

    # reading -----------------------------------------------------------------------------

    @staticmethod
    def protocol_of(dispute: Dispute) -> Protocol:
        """The protocol as it was when the dispute opened, whatever the file says now."""
        return Protocol.model_validate(dispute.protocol)

    @staticmethod
    def is_member(session: Session, dispute: Dispute, person: Person) -> bool:
        found = session.scalar(
            select(DisputeMember.id).where(
                DisputeMember.dispute_id == dispute.id, DisputeMember.person_id == person.id
            )
        )
        return found is not None

    def get_visible(self, session: Session, *, reference: str, viewer: Person) -> Dispute:
        """The dispute if `viewer` is part of it; otherwise the same answer as for no dispute."""
        cleaned = (reference or "").strip().upper()
        if not REFERENCE.match(cleaned):
            raise DomainError(
                f"'{reference}' is not a dispute reference. They look like RPD-2026-0042."
            )
        dispute = session.scalar(select(Dispute).where(Dispute.reference == cleaned))
        if dispute is None or not self.is_member(session, dispute, viewer):
            raise NotFound(f"There is no dispute {cleaned} that you are part of.")
        return dispute

    @staticmethod
    def history(session: Session, *, dispute: Dispute) -> list[AuditEvent]:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.dispute_id == dispute.id)
                .order_by(AuditEvent.id)
            )
        )

    # opening -----------------------------------------------------------------------------

    def open(
        self,
        *,
        session: Session,
        protocol_key: str,
        category: str,
        raiser: Person,
        counterpart: Person,
        child_ref: str,
        summary: str,
        urgency: str = "standard",
        stated_timescale: str | None = None,
        start_stage: str | None = None,
    ) -> StageEntry:
        protocol = self.catalog.get(protocol_key)
        if protocol is None:
            raise DomainError(
                f"There is no protocol '{protocol_key}'. Choose one of: "
                + ", ".join(self.catalog.keys())
                + ".",
                field="protocol",
            )
        if protocol.category(category) is None:
            raise DomainError(
                f"'{category}' is not a category in the {protocol.name} protocol. Choose one of: "
                + ", ".join(c.key for c in protocol.categories)
                + ".",
                field="category",
            )
        chosen_urgency = protocol.urgency(urgency)
        if chosen_urgency is None:
            raise DomainError(
                f"'{urgency}' is not an urgency this protocol knows. Choose one of: "
                + ", ".join(u.key for u in protocol.urgencies)
                + ".",
                field="urgency",
            )
        if raiser.id == counterpart.id:
            raise DomainError(
                "The counterpart must be someone other than you.", field="counterpart"
            )
        child = check_child_ref(child_ref)
        text = _required(summary, "a summary of the disagreement", "summary")
        self.child_refs.refuse(text, field="summary", where="the summary", known=child)
        index = self._start_index(protocol, chosen_urgency.key, start_stage)
        now = self.clock.now()
        year = self.calendar.local(now).year
        dispute = Dispute(
            reference=next_reference(session, year=year),
            protocol_key=protocol.key,
            protocol=protocol.model_dump(mode="json"),
            category=category,
            urgency=chosen_urgency.key,
            raiser=raiser,
            counterpart=counterpart,
            raiser_agency=raiser.agency,
            counterpart_agency=counterpart.agency,
            child_ref=child,
            summary=text,
            stage_index=index,
            stage_started_at=now,
            status=DisputeStatus.OPEN,
            opened_at=now,
        )
        session.add(dispute)
        self._add_member(session, dispute, raiser, "raised the dispute", now)
        self._add_member(session, dispute, counterpart, "counterpart", now)
        audit.record(
            session,
            kind="opened",
            at=now,
            dispute=dispute,
            actor=raiser,
            protocol=protocol.key,
            category=category,
            urgency=chosen_urgency.key,
        )
        return self._enter_stage(
            session, dispute, protocol, index, Trigger.OPENED, raiser, None, stated_timescale
        )

    @staticmethod
    def _start_index(protocol: Protocol, urgency: str, start_stage: str | None) -> int:
        if start_stage is None:
            return 0
        keys = [s.key for s in protocol.stages]
        if start_stage not in keys:
            raise DomainError(
                f"There is no stage '{start_stage}'. Stages are: " + ", ".join(keys) + ".",
                field="start_stage",
            )
        index = keys.index(start_stage)
        chosen = protocol.urgency(urgency)
        latest = chosen.latest_start_stage if chosen else None
        if index > 0 and (latest is None or index > keys.index(latest)):
            allowed = f"'{latest}'" if latest else "the first stage"
            raise DomainError(
                f"A {urgency} dispute under this protocol can start no later than {allowed}.",
                field="start_stage",
            )
        return index

    # stage changes -----------------------------------------------------------------------

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
        stage = protocol.stage(index)
        stated_at = self._stated_deadline(stated, start)
        if stage.timescale is None:
            return stated_at
        urgency = protocol.urgency(dispute.urgency)
        cap = urgency.stage_timescale if urgency else None
        candidates = [self.calendar.due_within(start, stage.timescale, cap)]
        if stated_at is not None:
            candidates.append(stated_at)
        return min(c for c in candidates if c is not None)

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
        now = self.clock.now()
        deadline = self._deadline(protocol, dispute, index, now, stated)
        stage = protocol.stage(index)
        assignment = find_stage_people(
            session,
            parties=self.parties(dispute),
            stage=stage,
            category=dispute.category,
            on=self.calendar.local(now).date(),
        )
        previous = dispute.stage_index if trigger is not Trigger.OPENED else None
        dispute.stage_index = index
        dispute.stage_started_at = now
        dispute.deadline_at = deadline
        dispute.stated_timescale = stated.strip() if stated and stated.strip() else None
        transition = StageTransition(
            dispute=dispute,
            from_stage=previous,
            to_stage=index,
            trigger=trigger.value,
            reason=reason,
            stated_timescale=dispute.stated_timescale,
            deadline_at=deadline,
            actor=actor,
            created_at=now,
            missing=[m.message for m in assignment.missing],
        )
        session.add(transition)
        session.flush()
        for assignee in assignment.people:
            self._add_member(session, dispute, assignee.person, f"acts at {stage.title}", now)
            if actor is not None and assignee.person.id == actor.id:
                continue  # nobody is asked to acknowledge their own step
            session.add(
                StageNotice(
                    transition=transition,
                    dispute_id=dispute.id,
                    person=assignee.person,
                    side=assignee.side,
                    explanation=assignee.explanation,
                )
            )
        session.flush()
        self.planner.plan_stage(session, protocol, transition, now)
        audit.record(
            session,
            kind="stage_entered",
            at=now,
            dispute=dispute,
            actor=actor,
            stage=stage.key,
            trigger=trigger.value,
            reason=reason,
            deadline=deadline.isoformat() if deadline else None,
            notified=[a.person.id for a in assignment.people],
            missing=[m.message for m in assignment.missing],
        )
        return StageEntry(transition, assignment)

    def _add_member(
        self, session: Session, dispute: Dispute, person: Person, reason: str, now: datetime
    ) -> None:
        if any(m.person_id == person.id or m.person is person for m in dispute.members):
            return
        dispute.members.append(DisputeMember(person=person, reason=reason, added_at=now))

    @staticmethod
    def parties(dispute: Dispute) -> list[Party]:
        return [
            Party("raiser", dispute.raiser, dispute.raiser_agency),
            Party("counterpart", dispute.counterpart, dispute.counterpart_agency),
        ]

    def require_open(self, dispute: Dispute, doing: str) -> None:
        if not dispute.is_open:
            raise DomainError(f"{dispute.reference} is closed, so you cannot {doing} it.")

    def _require_member(self, session: Session, dispute: Dispute, person: Person) -> None:
        if not self.is_member(session, dispute, person):
            raise NotFound(f"There is no dispute {dispute.reference} that you are part of.")

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
        self._require_member(session, dispute, actor)
        self.require_open(dispute, "escalate")
        protocol = self.protocol_of(dispute)
        if dispute.stage_index >= protocol.final_index:
            raise DomainError(
                f"{dispute.reference} is already at the final stage "
                f"({protocol.stage(protocol.final_index).title}); it cannot go higher. "
                "Resolve it, or record that it is not resolved."
            )
        why = _required(reason, "a reason for escalating", "reason")
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
        if not dispute.is_open or dispute.deadline_at is None or dispute.deadline_at > now:
            return None
        protocol = self.protocol_of(dispute)
        if dispute.stage_index >= protocol.final_index:
            return None
        following = protocol.stage(dispute.stage_index + 1)
        if following.referral_only:
            lapsed_at = dispute.deadline_at
            dispute.deadline_at = None
            cancel_pending(session, dispute)
            self.planner.add(
                session, dispute.current_transition, ReminderKind.REFERRAL, now, following.title
            )
            audit.record(
                session,
                kind="awaiting_referral",
                at=now,
                dispute=dispute,
                stage=protocol.stage(dispute.stage_index).key,
                next_stage=following.key,
                lapsed_at=lapsed_at.isoformat(),
            )
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

    def fill_directory_gaps(
        self, *, session: Session, dispute: Dispute
    ) -> tuple[list[StageNotice], list[str]]:
        """Looks again for whoever the directory lacked; returns new notices and what is missing."""
        protocol = self.protocol_of(dispute)
        now = self.clock.now()
        stage = protocol.stage(dispute.stage_index)
        assignment = find_stage_people(
            session,
            parties=self.parties(dispute),
            stage=stage,
            category=dispute.category,
            on=self.calendar.local(now).date(),
        )
        transition = dispute.current_transition
        noticed = {n.person_id for n in transition.notices}
        added: list[StageNotice] = []
        for assignee in assignment.people:
            if assignee.person.id in noticed or assignee.person.id == dispute.raiser_id:
                continue
            self._add_member(session, dispute, assignee.person, f"acts at {stage.title}", now)
            notice = StageNotice(
                transition=transition,
                dispute_id=dispute.id,
                person=assignee.person,
                side=assignee.side,
                explanation=assignee.explanation,
            )
            session.add(notice)
            added.append(notice)
        missing = [m.message for m in assignment.missing]
        if added:
            session.flush()
            audit.record(
                session,
                kind="directory_gap_filled",
                at=now,
                dispute=dispute,
                notified=[n.person_id for n in added],
                still_missing=missing,
            )
        return added, missing

    # everyday steps ----------------------------------------------------------------------

    def log_discussion(
        self,
        *,
        session: Session,
        dispute: Dispute,
        actor: Person,
        occurred: str | datetime,
        participants: str,
        discussion: str,
        agreed: str | None = None,
    ) -> DiscussionEntry:
        """Records a discussion as the protocol asks: when, who, what was said and agreed."""
        self._require_member(session, dispute, actor)
        self.require_open(dispute, "log a discussion on")
        now = self.clock.now()
        if isinstance(occurred, datetime):
            when = occurred
        else:
            try:
                when = parse_when(occurred, now=now, zone=self.calendar.zone, prefer="past")
            except WhenError as exc:
                raise DomainError(str(exc), field="occurred") from None
        if when > now:
            raise DomainError(
                "A discussion can only be logged once it has happened; that time is in the future.",
                field="occurred",
            )
        for name, where, typed in (
            ("participants", "who took part", participants),
            ("discussion", "what was said", discussion),
            ("agreed", "what was agreed", agreed),
        ):
            self.child_refs.refuse(typed, field=name, where=where, known=dispute.child_ref)
        entry = DiscussionEntry(
            dispute=dispute,
            stage_index=dispute.stage_index,
            occurred_at=when,
            logged_at=now,
            logged_by=actor,
            participants=_required(participants, "who took part", "participants", 1000),
            discussion=_required(discussion, "what was said", "discussion"),
            agreed=(agreed or "").strip() or None,
        )
        session.add(entry)
        session.flush()
        audit.record(
            session, kind="discussion_logged", at=now, dispute=dispute, actor=actor, entry=entry.id
        )
        return entry

    def approve_discussion(
        self, *, session: Session, dispute: Dispute, entry_id: int, actor: Person
    ) -> DiscussionEntry:
        """The other party confirms the record is accurate."""
        self._require_member(session, dispute, actor)
        entry = session.get(DiscussionEntry, entry_id)
        if entry is None or entry.dispute_id != dispute.id:
            raise DomainError(f"{dispute.reference} has no discussion record {entry_id}.")
        if entry.logged_by_id == actor.id:
            raise DomainError("Someone else who took part must approve your record.")
        if entry.approved_at is not None:
            approver = entry.approved_by.name if entry.approved_by else "someone"
            raise DomainError(
                f"This record was already approved by {approver} on "
                f"{self.calendar.describe(entry.approved_at)}."
            )
        now = self.clock.now()
        entry.approved_by = actor
        entry.approved_at = now
        audit.record(
            session,
            kind="discussion_approved",
            at=now,
            dispute=dispute,
            actor=actor,
            entry=entry.id,
        )
        return entry

    def acknowledge(self, *, session: Session, dispute: Dispute, actor: Person) -> StageNotice:
        """The person asked to act at the current stage says they have it in hand."""
        self._require_member(session, dispute, actor)
        self.require_open(dispute, "acknowledge")
        notice = session.scalar(
            select(StageNotice).where(
                StageNotice.transition_id == dispute.current_transition.id,
                StageNotice.person_id == actor.id,
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
        now = self.clock.now()
        notice.acknowledged_at = now
        audit.record(
            session,
            kind="acknowledged",
            at=now,
            dispute=dispute,
            actor=actor,
            stage=dispute.stage_index,
        )
        return notice

    def resolve(
        self,
        *,
        session: Session,
        dispute: Dispute,
        actor: Person,
        outcome: str,
        summary: str,
        actions: list[ActionInput] | None = None,
        learning: str | None = None,
        refer_to_partnership: bool = False,
    ) -> Resolution:
        """Closes the dispute with its outcome, agreed actions and learning."""
        self._require_member(session, dispute, actor)
        self.require_open(dispute, "resolve")
        try:
            chosen = Outcome(outcome)
        except ValueError:
            raise DomainError(
                "The outcome must be one of: " + ", ".join(o.value for o in Outcome) + ".",
                field="outcome",
            ) from None
        now = self.clock.now()
        today = self.calendar.local(now).date()
        checked = [self._checked_action(action, today) for action in actions or []]
        for name, where, typed in (
            ("summary", "the summary", summary),
            ("learning", "the learning", learning),
            *(("actions", "the actions", a.description) for a in actions or []),
        ):
            self.child_refs.refuse(typed, field=name, where=where, known=dispute.child_ref)
        resolution = Resolution(
            dispute=dispute,
            outcome=chosen.value,
            stage_index=dispute.stage_index,
            summary=_required(summary, "a summary of the outcome", "summary"),
            learning=(learning or "").strip() or None,
            refer_to_partnership=refer_to_partnership,
            resolved_by=actor,
            resolved_at=now,
            actions=checked,
        )
        session.add(resolution)
        dispute.status = DisputeStatus.CLOSED
        dispute.closed_at = now
        dispute.deadline_at = None
        cancel_pending(session, dispute)
        audit.record(
            session,
            kind="resolved",
            at=now,
            dispute=dispute,
            actor=actor,
            outcome=chosen.value,
            refer_to_partnership=refer_to_partnership,
            actions=len(resolution.actions),
        )
        return resolution

    @staticmethod
    def _checked_action(action: ActionInput, today: date) -> ResolutionAction:
        if action.due_on < today:
            raise DomainError(
                f"The action '{action.description}' is due on {action.due_on:%d/%m/%Y}, "
                "which has passed; give a date from today on.",
                field="actions",
            )
        return ResolutionAction(
            description=_required(action.description, "what the action is", "actions", 1000),
            owner=_required(action.owner, "who owns the action", "actions", 200),
            due_on=action.due_on,
        )
