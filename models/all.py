"""Imports every table so metadata and Alembic see the whole schema."""

from models.audit import AuditEvent
from models.base import Base
from models.directory import Agency, Person
from models.dispute import (
    DiscussionCorrection,
    DiscussionEntry,
    Dispute,
    DisputeMember,
    ReferenceCounter,
    Resolution,
    ResolutionAction,
    StageNotice,
    StageTransition,
)
from models.duties import DutyCompletion
from models.learning import LearningItem
from models.outbox import OutboxMessage
from models.procedures import CategoryAnswer, RecordAnswer, ReflectiveRequest
from models.schedule import DigestRun, Reminder
from models.seen_request import SeenRequest
from models.snapshots import ProtocolSnapshot
from models.statistics import DisputeStatistic

__all__ = [
    "Agency",
    "AuditEvent",
    "Base",
    "CategoryAnswer",
    "DigestRun",
    "DiscussionCorrection",
    "DiscussionEntry",
    "Dispute",
    "DisputeMember",
    "DisputeStatistic",
    "DutyCompletion",
    "LearningItem",
    "OutboxMessage",
    "Person",
    "ProtocolSnapshot",
    "RecordAnswer",
    "ReferenceCounter",
    "ReflectiveRequest",
    "Reminder",
    "Resolution",
    "ResolutionAction",
    "SeenRequest",
    "StageNotice",
    "StageTransition",
]
