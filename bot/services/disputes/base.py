"""What every part of the dispute service shares: its collaborators, the members of a dispute,
text checks, and one way to change something and append its audit event."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, object_session

from bot.clock import Clock
from bot.protocols import ProtocolCatalog
from bot.services import audit, sweep_batch
from bot.services.child_refs import ChildRefDetector
from bot.services.errors import DomainError
from bot.services.reminders import ReminderPlanner
from bot.settings import DEFAULT_REOPEN_WITHIN
from bot.working_days import WorkingCalendar
from models.directory import Person
from models.dispute import Dispute, DisputeMember
from models.timescale import Timescale, parse_timescale

MAX_TEXT = 3000


@dataclass
class Change:
    """One audited change: the instant it happens at, and what the audit event says about it."""

    at: datetime
    detail: dict[str, Any] = field(default_factory=dict)

    def note(self, **detail: Any) -> None:
        self.detail.update(detail)


def required(text: str | None, what: str, field: str, limit: int = MAX_TEXT) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise DomainError(f"Please add {what}.", field=field)
    if len(cleaned) > limit:
        raise DomainError(
            f"{what.capitalize()} is too long: keep it under {limit} characters.", field=field
        )
    return cleaned


class ServiceBase:
    """Collaborators every concern uses; callers own the transaction."""

    def __init__(
        self,
        *,
        clock: Clock,
        calendar: WorkingCalendar,
        catalog: ProtocolCatalog,
        child_refs: ChildRefDetector | None = None,
        reopen_within: Timescale | None = None,
    ):
        self.clock = clock
        self.reopen_within = reopen_within or parse_timescale(DEFAULT_REOPEN_WITHIN)
        self.calendar = calendar
        self.catalog = catalog
        self.child_refs = child_refs or ChildRefDetector()
        self.planner = ReminderPlanner(calendar)

    @contextmanager
    def changing(
        self,
        session: Session,
        kind: str,
        *,
        dispute: Dispute,
        actor: Person | None = None,
        at: datetime | None = None,
        **detail: Any,
    ) -> Iterator[Change]:
        """Takes the instant once, lets the caller change rows, then appends the audit event.

        A refusal raised inside the block leaves no event, as it leaves no change. `at` is for
        a caller that already took the instant the change belongs to.
        """
        change = Change(at or self.clock.now(), dict(detail))
        yield change
        audit.record(
            session, kind=kind, at=change.at, dispute=dispute, actor=actor, **change.detail
        )

    @staticmethod
    def add_member(dispute: Dispute, person: Person, reason: str, now: datetime) -> None:
        session = object_session(dispute)
        if session is not None and sweep_batch.add_member(
            session, dispute.id, person.id, reason, now
        ):
            return
        # A member already stored is known by its person_id, without loading its person; only
        # one added in this transaction and not yet flushed has none, and is known by its person.
        if any(
            m.person_id == person.id if m.person_id is not None else m.person is person
            for m in dispute.members
        ):
            return
        dispute.members.append(DisputeMember(person=person, reason=reason, added_at=now))
