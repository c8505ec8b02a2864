"""The dispute use cases, one module per concern, behind one service.

`access` (visibility and membership), `stages` (entering stages, escalation, acknowledgement),
`opening`, `discussions`, `closing`, `reopening`, `procedures` (steps only some protocols have),
`reminding`, `duties` and `learning` (the practice committee's queue); `base` holds the one
helper that changes and audits.
"""

from __future__ import annotations

from bot.services.disputes.access import REFERENCE
from bot.services.disputes.closing import ActionInput, ClosingService
from bot.services.disputes.discussions import DiscussionService
from bot.services.disputes.duties import DutyService, DutyTick
from bot.services.disputes.opening import CHILD_REF, OpeningService, check_child_ref
from bot.services.disputes.procedures import ProcedureService
from bot.services.disputes.reminding import ReminderSteps
from bot.services.disputes.reopening import ReopeningService
from bot.services.disputes.stages import StageEntry

__all__ = [
    "CHILD_REF",
    "REFERENCE",
    "ActionInput",
    "DisputeService",
    "DutyTick",
    "StageEntry",
    "check_child_ref",
]


class DisputeService(
    OpeningService,
    ReopeningService,
    DiscussionService,
    ClosingService,
    ProcedureService,
    ReminderSteps,
    DutyService,
):
    """Every change goes through here; callers own the transaction."""
