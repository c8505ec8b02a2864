"""Protocol snapshots: stored once per content, keyed by hash, and parsed once per process.

A dispute keeps the protocol as it was when it opened. Thousands of disputes share a handful of
snapshots, so each distinct one is stored once in `protocol_snapshots` and a dispute holds only
its hash: its own row stays narrow, so reading or updating it never walks several KB of JSON.
Every notice, page and digest reads a dispute's protocol, so each hash is parsed once per process
and served from memory after that.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import String, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, JSONDocument
from models.protocol import Protocol


class ProtocolSnapshot(Base):
    """One protocol as disputes opened under it saw it, stored once whoever opened them."""

    __tablename__ = "protocol_snapshots"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSONDocument)


def snapshot_hash(document: dict[str, Any]) -> str:
    """A stable digest of the snapshot's content, whatever order its keys were stored in."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_parsed: dict[str, Protocol] = {}


def protocol_from_snapshot(document: dict[str, Any]) -> Protocol:
    """The parsed protocol for a snapshot's document; the frozen result is shared by callers."""
    return parsed_snapshot(snapshot_hash(document), lambda: document)


def parsed_snapshot(digest: str, document: Callable[[], dict[str, Any]]) -> Protocol:
    """The parsed protocol stored under `digest`; `document()` is only asked for on a miss."""
    parsed = _parsed.get(digest)
    if parsed is None:
        parsed = _parsed[digest] = Protocol.model_validate(_with_record_fills(document()))
    return parsed


def stored_snapshot(session: Session | None, digest: str) -> Protocol:
    """The parsed protocol stored under `digest`, read through `session` the first time only."""

    def load() -> dict[str, Any]:
        if session is None:
            raise LookupError(f"protocol snapshot {digest} was never read in a session")
        with session.no_autoflush:
            found = session.scalar(
                select(ProtocolSnapshot.document).where(ProtocolSnapshot.hash == digest)
            )
        if found is None:
            raise LookupError(f"no protocol snapshot is stored under {digest}")
        return found

    return parsed_snapshot(digest, load)


def keep_snapshot(session: Session, document: dict[str, Any]) -> str:
    """Stores the snapshot unless it is stored already, and returns its hash.

    Two replicas opening disputes under a new snapshot at once both insert it: the second insert
    does nothing (on PostgreSQL it waits for the first to commit), and both go on.
    """
    digest = snapshot_hash(document)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(ProtocolSnapshot)
        .values(hash=digest, document=document)
        .on_conflict_do_nothing(index_elements=["hash"])
    )
    parsed_snapshot(digest, lambda: document)
    return digest


def _with_record_fills(document: dict[str, Any]) -> dict[str, Any]:
    """Snapshots taken before record fields said where their values come from: each field is
    asked for at resolution, so an open dispute still gathers it and a closed one shows it was
    not given."""
    fields = document.get("record_fields") or []
    if all("fill" in f for f in fields):
        return document
    older = [f if "fill" in f else {**f, "fill": "asked", "ask_at": "resolution"} for f in fields]
    return {**document, "record_fields": older}
