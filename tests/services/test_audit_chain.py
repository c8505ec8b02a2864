"""The audit trail is tamper-evident: any edit or removal shows as the first break in its chain."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from click.testing import CliRunner
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from bot.cli import cli
from bot.commands.common import Context
from bot.services import audit
from bot.services.audit_verify import verify_chain
from bot.services.disputes import DisputeService
from models.audit import AuditEvent
from models.directory import Person
from models.dispute import Dispute
from tests.services.test_disputes import open_dispute


@pytest.fixture
def history(
    service: DisputeService, session: Session, people: dict[str, Person]
) -> list[AuditEvent]:
    """Two disputes, one with a few steps, committed as the bot would."""
    first = open_dispute(service, session, people).transition.dispute
    open_dispute(service, session, people, child_ref="CS-200001")
    service.escalate(session=session, dispute=first, actor=people["pol_dc"], reason="No progress")
    service.log_discussion(
        session=session,
        dispute=first,
        actor=people["csc_sw"],
        occurred="today 09:00",
        participants="Both practitioners",
        discussion="Went through the referral together.",
    )
    session.commit()
    return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def tamper(session: Session, sql: str, **params: object) -> None:
    session.execute(text(sql), params)
    session.commit()
    session.expire_all()


def verify(database_url: str, session: Session) -> tuple[int, str]:
    """`resolve audit verify`, once this test's own transaction has ended."""
    session.rollback()
    result = CliRunner().invoke(
        cli, ["audit", "verify"], env={"DATABASE_URL": database_url}, obj=Context()
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_an_untouched_trail_verifies(history, session, database_url):
    report = verify_chain(session)
    assert report.first_break is None
    assert report.checked == len(history) == 6
    assert verify(database_url, session) == (0, "OK: 6 audit events, every chain intact.\n")


def test_an_edited_kind_is_the_first_break(history, session, database_url):
    target = history[4]  # the first dispute's manual escalation
    tamper(session, "UPDATE audit_events SET kind = 'acknowledged' WHERE id = :id", id=target.id)
    found = verify_chain(session).first_break
    assert found is not None
    assert (found.event_id, found.reference, found.why) == (
        target.id,
        "RPD-2026-0001",
        "its fields were changed",
    )
    code, output = verify(database_url, session)
    assert code == 1
    assert output.startswith(f"BROKEN at audit event {target.id} (RPD-2026-0001, Monday 23 ")
    assert "its fields were changed" in output


def test_a_detail_swapped_from_another_event_is_a_break(history, session):
    source, target = history[1], history[2]  # a stage entered, an opening
    tamper(
        session,
        "UPDATE audit_events SET detail = (SELECT detail FROM audit_events WHERE id = :source) "
        "WHERE id = :target",
        source=source.id,
        target=target.id,
    )
    found = verify_chain(session).first_break
    assert found is not None and found.event_id == target.id
    assert found.why == "its detail was changed"


def test_a_removed_event_breaks_the_next_one_in_its_chain(history, session):
    removed, following = history[1], history[4]  # both in the first dispute's chain
    assert removed.dispute_id == following.dispute_id
    tamper(session, "DELETE FROM audit_events WHERE id = :id", id=removed.id)
    found = verify_chain(session).first_break
    assert found is not None and found.event_id == following.id
    assert found.why == "the event before it was changed or removed"


def test_an_erased_detail_outside_retention_is_a_break(history, session):
    tamper(session, "UPDATE audit_events SET detail = NULL WHERE id = :id", id=history[3].id)
    found = verify_chain(session).first_break
    assert found is not None and found.why == "its detail is missing"


def test_each_dispute_has_its_own_chain(history):
    for dispute_id in {e.dispute_id for e in history}:
        chain = [e for e in history if e.dispute_id == dispute_id]
        assert chain[0].prev_hash is None
        assert [e.prev_hash for e in chain[1:]] == [e.chain_hash for e in chain[:-1]]


def test_two_writers_of_one_dispute_never_fork_its_chain(history, session, factory):
    """The second writer waits for the first to commit (PostgreSQL: the chain's advisory lock;
    SQLite: its single writer), so it links to the first writer's event."""
    dispute_id, at = history[0].dispute_id, history[-1].created_at
    session.rollback()  # this test's own session must not hold SQLite's write lock
    first_flushed, second_started = threading.Event(), threading.Event()
    written: dict[str, AuditEvent] = {}

    def write(name: str, started: threading.Event | None = None) -> None:
        with factory() as own, own.begin():
            if started is not None:
                started.set()
            dispute = own.get(Dispute, dispute_id)
            written[name] = audit.record(own, kind="acknowledged", at=at, dispute=dispute, by=name)
            own.flush()
            if name == "first":
                first_flushed.set()
                assert second_started.wait(30)
                wait_until_blocked(own)

    first = threading.Thread(target=write, args=("first",))
    first.start()
    assert first_flushed.wait(30)
    second = threading.Thread(target=write, args=("second", second_started))
    second.start()
    first.join(60)
    second.join(60)
    assert written["second"].prev_hash == written["first"].chain_hash
    assert verify_chain(session).first_break is None


def wait_until_blocked(session: Session) -> None:
    """On PostgreSQL, until the other writer is queued on this chain's lock."""
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite: the other writer cannot begin until this transaction ends
    deadline = time.monotonic() + 30
    with session.get_bind().engine.connect() as watcher:
        while time.monotonic() < deadline:
            waiting = watcher.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                    " AND database = (SELECT oid FROM pg_database"
                    " WHERE datname = current_database())"
                )
            ).scalar()
            watcher.rollback()
            if waiting:
                return
            time.sleep(0.01)
    raise AssertionError("the second writer never queued on the chain's lock")


@contextmanager
def head_reads(session: Session) -> Iterator[list[str]]:
    """Each statement that reads a chain's head, run inside the block."""
    found: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().startswith("SELECT audit_events.chain_hash"):
            found.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def test_a_transaction_reads_each_chains_head_once(service, session, people, history):
    """A dispute opened in the transaction has no head to read; a stored one is read once,
    however many events the transaction appends to it."""
    stored = session.get(Dispute, history[0].dispute_id)
    with head_reads(session) as reads:
        fresh = open_dispute(service, session, people, child_ref="CS-300001").transition.dispute
        service.escalate(session=session, dispute=fresh, actor=people["pol_dc"], reason="Stuck")
        service.acknowledge(session=session, dispute=stored, actor=people["csc_tm"])
        service.escalate(session=session, dispute=stored, actor=people["csc_tm"], reason="Stuck")
        session.commit()
    assert len(reads) == 1
    assert verify_chain(session).first_break is None


def test_events_rolled_back_with_a_savepoint_leave_the_chain_whole(history, session):
    dispute = session.get(Dispute, history[0].dispute_id)
    at = history[-1].created_at
    kept = audit.record(session, kind="acknowledged", at=at, dispute=dispute, by="first")
    with pytest.raises(RuntimeError), session.begin_nested():
        audit.record(session, kind="acknowledged", at=at, dispute=dispute, by="undone")
        raise RuntimeError("the step failed")
    after = audit.record(session, kind="acknowledged", at=at, dispute=dispute, by="second")
    session.commit()
    assert isinstance(kept, AuditEvent) and isinstance(after, AuditEvent)
    assert after.prev_hash == kept.chain_hash
    assert verify_chain(session).first_break is None


def test_a_head_carried_forward_is_let_go_when_the_transaction_ends(history, session, factory):
    """Once this transaction commits, another writer may append: the next event links to it."""
    dispute_id, at = history[0].dispute_id, history[-1].created_at
    audit.record(session, kind="acknowledged", at=at, dispute=session.get(Dispute, dispute_id))
    session.commit()
    with factory() as other, other.begin():
        theirs = audit.record(
            other, kind="acknowledged", at=at, dispute=other.get(Dispute, dispute_id)
        )
        assert isinstance(theirs, AuditEvent)
        their_hash = theirs.chain_hash
    mine = audit.record(
        session, kind="acknowledged", at=at, dispute=session.get(Dispute, dispute_id)
    )
    session.commit()
    assert isinstance(mine, AuditEvent)
    assert mine.prev_hash == their_hash
    assert verify_chain(session).first_break is None
