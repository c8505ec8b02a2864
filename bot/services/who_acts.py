"""Who acts for a dispute now and at its next stage, as the directory stands today.

Administrators use this to check the directory before an escalation happens, so it reads the
protocol the dispute opened under, not the one on disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.counterparts import StageAssignment, find_stage_people
from bot.services.disputes import REFERENCE, DisputeService
from bot.services.errors import DomainError, NotFound
from models.dispute import Dispute
from models.protocol import Protocol, Stage


@dataclass(frozen=True)
class StageCast:
    """One stage of a dispute and the people the directory puts at it."""

    index: int
    stage: Stage
    assignment: StageAssignment


@dataclass(frozen=True)
class WhoActs:
    dispute: Dispute
    protocol: Protocol
    current: StageCast
    following: StageCast | None


def find_dispute(session: Session, *, reference: str) -> Dispute:
    """Any dispute by reference, for administrators; no membership check."""
    cleaned = (reference or "").strip().upper()
    if not REFERENCE.match(cleaned):
        raise DomainError(
            f"'{reference}' is not a dispute reference. They look like RPD-2026-0042."
        )
    dispute = session.scalar(select(Dispute).where(Dispute.reference == cleaned))
    if dispute is None:
        raise NotFound(f"There is no dispute {cleaned}.")
    return dispute


def who_acts(session: Session, *, dispute: Dispute, on: date) -> WhoActs:
    protocol = dispute.protocol_snapshot
    parties = DisputeService.parties(dispute)

    def cast(index: int) -> StageCast:
        stage = protocol.stage(index)
        found = find_stage_people(
            session,
            parties=parties,
            protocol=protocol,
            index=index,
            category=dispute.category,
            on=on,
        )
        return StageCast(index, stage, found)

    following = dispute.stage_index + 1
    return WhoActs(
        dispute,
        protocol,
        cast(dispute.stage_index),
        cast(following) if following <= protocol.final_index else None,
    )
