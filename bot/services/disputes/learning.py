"""The partnership's practice committee queue: each resolution's learning, or its referral to the
partnership, waits there until a safeguarding lead or partnership admin records what became of it.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.services.disputes.base import ServiceBase
from bot.services.errors import DomainError, NotFound
from models.directory import Person
from models.dispute import Resolution
from models.learning import LearningItem, LearningState
from models.my_disputes import Capped
from models.roles import AgencyKind, Role

DECISIONS = (LearningState.REVIEWED, LearningState.NEEDS_DISCUSSION)
COMMITTEE = "safeguarding leads and partnership admins"


def queues_learning(resolution: Resolution) -> bool:
    """Learning given, or a referral to the partnership asked for, puts the resolution in the
    queue; a referral without learning still needs the committee to look at it."""
    return bool(resolution.learning) or resolution.refer_to_partnership


def is_committee(person: Person) -> bool:
    """Who may decide on learning: an agency's safeguarding lead, or the partnership's own
    admins and chair (as the notifier decides who the admins are, by a partnership agency)."""
    if person.role == Role.SAFEGUARDING_LEAD:
        return True
    partnership = person.agency.kind == AgencyKind.PARTNERSHIP
    return partnership and person.role in (Role.PARTNERSHIP_ADMIN, Role.PARTNERSHIP_CHAIR)


class LearningService(ServiceBase):
    """Queues a resolution's learning and records the committee's decision on it."""

    def queue_learning(self, session: Session, resolution: Resolution) -> LearningItem | None:
        """Called inside the resolution's own change, so the item lands or fails with it."""
        if not queues_learning(resolution):
            return None
        item = LearningItem(
            dispute=resolution.dispute, resolution=resolution, created_at=resolution.resolved_at
        )
        session.add(item)
        return item

    @staticmethod
    def require_committee(person: Person, doing: str) -> None:
        if not is_committee(person):
            raise DomainError(
                f"Only {COMMITTEE} can {doing}. Nothing has changed. If you should be able to, "
                "ask your partnership's business unit to record your role in the directory."
            )

    def decide_learning(
        self, *, session: Session, item_id: int, actor: Person, state: str
    ) -> LearningItem:
        """Records Reviewed or Needs discussion once; a second decision is refused, saying who
        decided and when, and changes nothing."""
        self.require_committee(actor, "record a decision on learning")
        try:
            chosen = LearningState(state)
        except ValueError:
            chosen = None
        if chosen not in DECISIONS:
            raise DomainError("That button is not valid any more.")
        item = session.get(LearningItem, item_id)
        if item is None:
            raise NotFound("That learning item is no longer held.")
        with self.changing(
            session, "learning_decided", dispute=item.dispute, actor=actor, state=chosen.value
        ) as change:
            # Conditional, so two people pressing at once record one decision, not two.
            claimed = session.execute(
                update(LearningItem)
                .where(
                    LearningItem.id == item.id,
                    LearningItem.state == LearningState.OPEN.value,
                )
                .values(state=chosen.value, decided_by_id=actor.id, decided_at=change.at)
                .execution_options(synchronize_session=False)
            ).rowcount
            session.refresh(item)
            if not claimed:
                raise self._already_decided(item)
        return item

    def _already_decided(self, item: LearningItem) -> DomainError:
        assert item.decided_by is not None and item.decided_at is not None
        return DomainError(
            f"The learning from {item.dispute.reference} was already "
            f"{LearningState(item.state).decided} by {item.decided_by.name} on "
            f"{self.calendar.describe(item.decided_at)}. Nothing has changed."
        )

    def open_learning(
        self, session: Session, viewer: Person, *, limit: int
    ) -> Capped[LearningItem]:
        """The open items, oldest first, for the committee only; with how many there are."""
        self.require_committee(viewer, "see the learning waiting for review")
        waiting = LearningItem.state == LearningState.OPEN.value
        total = session.scalar(select(func.count()).where(waiting)) or 0
        rows = session.scalars(
            select(LearningItem)
            .where(waiting)
            .order_by(LearningItem.created_at, LearningItem.id)
            .limit(limit)
        ).all()
        return Capped(rows, total)
