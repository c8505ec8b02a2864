"""Imports every table so metadata and Alembic see the whole schema."""

from models.audit import AuditEvent
from models.base import Base
from models.directory import Agency, Person
from models.dispute import (
    DiscussionEntry,
    Dispute,
    DisputeMember,
    ReferenceCounter,
    Resolution,
    ResolutionAction,
    StageNotice,
    StageTransition,
)

__all__ = [
    "Agency",
    "AuditEvent",
    "Base",
    "DiscussionEntry",
    "Dispute",
    "DisputeMember",
    "Person",
    "ReferenceCounter",
    "Resolution",
    "ResolutionAction",
    "StageNotice",
    "StageTransition",
]
