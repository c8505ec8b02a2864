"""The audit chain's hashing, kept apart so its format stays fixed: a change here would make every
stored event look tampered with."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def detail_digest(detail: dict[str, Any] | None) -> str:
    """SHA-256 of the event's detail; kept when retention erases the detail itself."""
    return hashlib.sha256(canonical(detail or {}).encode()).hexdigest()


def event_hash(
    *,
    dispute_id: int | None,
    actor_id: int | None,
    kind: str,
    created_at: datetime,
    digest: str,
    prev_hash: str | None,
) -> str:
    """SHA-256 over the event's fields and the previous event's hash in its dispute's chain."""
    fields = {
        "actor_id": actor_id,
        "created_at": created_at.astimezone(UTC).isoformat(),
        "detail_digest": digest,
        "dispute_id": dispute_id,
        "kind": kind,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical(fields).encode()).hexdigest()
