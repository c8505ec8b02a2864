"""Protocol snapshots: each distinct snapshot is parsed once per process, keyed by its hash.

A dispute keeps the protocol as it was when it opened. Thousands of disputes share a handful of
snapshots, and every notice, page and digest reads one, so parsing is done once per content.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from models.protocol import Protocol


def snapshot_hash(document: dict[str, Any]) -> str:
    """A stable digest of the snapshot's content, whatever order its keys were stored in."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_parsed: dict[str, Protocol] = {}


def protocol_from_snapshot(document: dict[str, Any]) -> Protocol:
    """The parsed protocol for a stored snapshot; the frozen result is shared between callers."""
    digest = snapshot_hash(document)
    parsed = _parsed.get(digest)
    if parsed is None:
        parsed = _parsed[digest] = Protocol.model_validate(_with_record_fills(document))
    return parsed


def _with_record_fills(document: dict[str, Any]) -> dict[str, Any]:
    """Snapshots taken before record fields said where their values come from: each field is
    asked for at resolution, so an open dispute still gathers it and a closed one shows it was
    not given."""
    fields = document.get("record_fields") or []
    if all("fill" in f for f in fields):
        return document
    older = [f if "fill" in f else {**f, "fill": "asked", "ask_at": "resolution"} for f in fields]
    return {**document, "record_fields": older}
