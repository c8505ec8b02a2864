"""A dispute's protocol snapshot is parsed once per content, not once per reader."""

from __future__ import annotations

from bot.protocols import ProtocolCatalog
from models.dispute import Dispute


def _dispute_with(snapshot: dict[str, object]) -> Dispute:
    return Dispute(protocol=snapshot)


def test_equal_snapshots_share_one_parsed_protocol(catalog: ProtocolCatalog) -> None:
    protocol = catalog.get("suffolk")
    assert protocol is not None
    first = _dispute_with(protocol.model_dump(mode="json"))
    second = _dispute_with(protocol.model_dump(mode="json"))

    assert first.protocol_snapshot is second.protocol_snapshot
    assert first.protocol_snapshot == protocol


def test_key_order_does_not_make_a_new_snapshot(catalog: ProtocolCatalog) -> None:
    protocol = catalog.get("sussex")
    assert protocol is not None
    document = protocol.model_dump(mode="json")
    reordered = dict(reversed(list(document.items())))

    assert _dispute_with(reordered).protocol_snapshot is _dispute_with(document).protocol_snapshot


def test_a_changed_snapshot_is_parsed_afresh(catalog: ProtocolCatalog) -> None:
    protocol = catalog.get("suffolk")
    assert protocol is not None
    document = protocol.model_dump(mode="json")
    renamed = {**document, "name": "Suffolk (as amended)"}

    assert _dispute_with(renamed).protocol_snapshot.name == "Suffolk (as amended)"
    assert _dispute_with(document).protocol_snapshot.name == protocol.name
