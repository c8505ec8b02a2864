"""Takes the buttons off the messages a dispute has moved past, saying in each what happened.

A message whose buttons act on the stage it was sent at (a stage notice, a reminder, a referral
due, an acknowledgement request, a duty checklist) is stored as stage-bound. When the dispute
moves to another stage, closes or is reopened, each such message gets a RETIRE row in the same
transaction as the change; the delivery job sends it as chat.update on the message's channel
and ts once the message itself has been delivered, so it survives restarts like any delivery.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import insert, literal, select, update
from sqlalchemy.orm import Session

from bot.messages import superseded
from bot.messages.disputes import ACKNOWLEDGE, ESCALATE, LOG, RESOLVE
from bot.messages.duties import DUTY_TICK
from models.dispute import Dispute
from models.outbox import OutboxKind, OutboxMessage

STAGE_ACTIONS = frozenset({ACKNOWLEDGE, LOG, ESCALATE, RESOLVE, DUTY_TICK})


def _action_ids(payload: dict[str, Any]) -> Iterator[str]:
    for block in payload.get("blocks", []):
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if isinstance(element, dict) and "action_id" in element:
                yield element["action_id"]


def is_stage_bound(payload: dict[str, Any]) -> bool:
    """True for a message with a button that acts on the dispute's current stage."""
    return any(action in STAGE_ACTIONS for action in _action_ids(payload))


def _as_shown(session: Session, row: OutboxMessage) -> dict[str, Any]:
    """The message as people see it now: a stage notice may have been redrawn since it was
    sent (acknowledged)."""
    if row.notice_id is None:
        return row.payload
    redrawn = session.scalar(
        select(OutboxMessage)
        .where(
            OutboxMessage.notice_id == row.notice_id,
            OutboxMessage.kind == OutboxKind.UPDATE_NOTICE,
        )
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    return redrawn.payload if redrawn is not None else row.payload


def retired(session: Session, row: OutboxMessage) -> dict[str, Any]:
    """What a RETIRE row redraws its message as, built when it is sent, from the message as
    it then stands."""
    original = row.depends_on
    assert original is not None, "a retirement always names the message it retires"
    banner, reference = row.payload["banner"], row.payload["reference"]
    return superseded.retired(_as_shown(session, original), banner, reference)


def retire(session: Session, dispute: Dispute, banner: str, now: datetime) -> None:
    """Queues every stage-bound message of the dispute to be redrawn with `banner` and no
    buttons: two statements whatever their number. The redrawn message is drawn when it is
    sent."""
    payload = {"banner": banner, "reference": dispute.reference}
    table = OutboxMessage.__table__
    live = (OutboxMessage.dispute_id == dispute.id, OutboxMessage.stage_bound.is_(True))
    retirements = select(
        literal(OutboxKind.RETIRE.value, table.c.kind.type),
        OutboxMessage.dispute_id,
        OutboxMessage.person_id,
        literal(payload, table.c.payload.type),
        OutboxMessage.id,
        literal(now, table.c.not_before.type),
        literal(now, table.c.created_at.type),
    ).where(*live)
    columns = ["kind", "dispute_id", "person_id", "payload", "depends_on_id", "not_before"]
    session.execute(insert(OutboxMessage).from_select([*columns, "created_at"], retirements))
    session.execute(
        update(OutboxMessage)
        .where(*live)
        .values(stage_bound=False)
        .execution_options(synchronize_session=False)
    )
