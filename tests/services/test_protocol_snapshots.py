"""A protocol snapshot is stored once per content, parsed once per process, and read from memory
after that; replicas storing the same new snapshot at once both go on."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.database import transaction
from bot.protocols import ProtocolCatalog
from bot.services.disputes import DisputeService
from models.dispute import Dispute
from models.snapshots import ProtocolSnapshot, keep_snapshot, protocol_from_snapshot
from tests.services.test_disputes import open_dispute


def _stored(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ProtocolSnapshot)) or 0


def test_disputes_opened_under_one_protocol_share_one_stored_snapshot(
    factory: sessionmaker[Session], session: Session, people, service: DisputeService, catalog
) -> None:
    first = open_dispute(service, session, people).transition.dispute
    second = open_dispute(service, session, people).transition.dispute
    session.commit()

    assert first.protocol_hash == second.protocol_hash
    with factory() as fresh:
        assert _stored(fresh) == 1
        reread = [fresh.get(Dispute, d.id) for d in (first, second)]
        assert reread[0].protocol_snapshot is reread[1].protocol_snapshot
        assert reread[0].protocol_snapshot == catalog.get("suffolk")


def test_a_protocol_already_parsed_is_read_without_a_query(
    engine: Engine, factory: sessionmaker[Session], session: Session, people, service
) -> None:
    opened = open_dispute(service, session, people).transition.dispute
    session.commit()
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    with factory() as fresh:
        dispute = fresh.get(Dispute, opened.id)
        event.listen(engine, "before_cursor_execute", count)
        try:
            title = dispute.protocol_snapshot.stage(0).title
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert title == "Referrer and receiving professional"
    assert statements == []


def test_key_order_does_not_make_a_new_snapshot(session: Session, catalog: ProtocolCatalog):
    document = catalog.get("sussex").model_dump(mode="json")
    reordered = dict(reversed(list(document.items())))

    assert keep_snapshot(session, reordered) == keep_snapshot(session, document)
    assert _stored(session) == 1
    assert protocol_from_snapshot(reordered) is protocol_from_snapshot(document)


def test_a_changed_snapshot_is_stored_and_parsed_afresh(
    session: Session, catalog: ProtocolCatalog
) -> None:
    document = catalog.get("suffolk").model_dump(mode="json")
    renamed = {**document, "name": "Suffolk (as amended)"}

    assert keep_snapshot(session, renamed) != keep_snapshot(session, document)
    assert _stored(session) == 2
    assert protocol_from_snapshot(renamed).name == "Suffolk (as amended)"
    assert protocol_from_snapshot(document).name == catalog.get("suffolk").name


def test_two_replicas_storing_one_new_snapshot_at_once_both_go_on(
    factory: sessionmaker[Session], catalog: ProtocolCatalog
) -> None:
    document = {**catalog.get("sussex").model_dump(mode="json"), "name": "Sussex (revised)"}
    barrier = threading.Barrier(2)
    digests: list[str] = []
    errors: list[BaseException] = []

    def replica() -> None:
        try:
            barrier.wait()
            with transaction(factory) as own:
                digests.append(keep_snapshot(own, document))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=replica) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(set(digests)) == 1 and len(digests) == 2
    with factory() as fresh:
        assert _stored(fresh) == 1
