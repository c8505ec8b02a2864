"""The audit trail is tamper-evident: any edit or removal shows as the first break in its chain."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bot.cli import cli
from bot.commands.common import Context
from bot.services.audit_verify import verify_chain
from bot.services.disputes import DisputeService
from models.audit import AuditEvent
from models.directory import Person
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
