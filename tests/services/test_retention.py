"""Retention: a dispute closed longer ago than the retention period loses its personal data, and
leaves an anonymised statistical row and a tombstone that keeps the audit chain whole."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.cli import cli
from bot.clock import FrozenClock
from bot.commands.common import Context
from bot.periods import parse_period
from bot.services.audit_verify import verify_chain
from bot.services.disputes import ActionInput, DisputeService
from bot.services.duty_list import current_duties
from bot.services.retention import apply_retention
from bot.settings import SettingsError, load_settings
from bot.working_days import WorkingCalendar
from models.audit import AuditEvent
from models.dispute import (
    DiscussionEntry,
    Dispute,
    DisputeMember,
    Resolution,
    StageNotice,
    StageTransition,
)
from models.duties import DutyCompletion
from models.outbox import OutboxMessage
from models.statistics import DisputeStatistic
from tests.conftest import london
from tests.services.test_disputes import open_dispute

SIX_YEARS = parse_period("6 years")


@pytest.fixture
def closed(service: DisputeService, session: Session, people, clock: FrozenClock) -> Dispute:
    """Opened Monday 23 November 2026, escalated once, discussed, resolved on 2 December."""
    dispute = open_dispute(service, session, people).transition.dispute
    open_dispute(service, session, people, child_ref="CS-200001")  # still open, years later
    revisit = current_duties(dispute, service.calendar)[0]
    service.set_duty_done(
        session=session, dispute=dispute, actor=people["pol_dc"], key=revisit.key, done=True
    )
    service.escalate(session=session, dispute=dispute, actor=people["pol_dc"], reason="Stuck")
    service.log_discussion(
        session=session,
        dispute=dispute,
        actor=people["csc_sw"],
        occurred="today 09:00",
        participants="Both practitioners",
        discussion="Agreed to re-screen.",
    )
    clock.set(london(2026, 12, 2, 11, 0))
    service.resolve(
        session=session,
        dispute=dispute,
        actor=people["pol_ls"],
        outcome="resolved",
        summary="Re-screened; strategy discussion held.",
        actions=[ActionInput("Share the chronology", "DS Khan", date(2026, 12, 9))],
        learning="Share police intelligence at referral.",
        refer_to_partnership=True,
    )
    session.commit()
    return dispute


def count(session: Session, model: type, **where: object) -> int:
    query = select(func.count()).select_from(model).filter_by(**where)
    return session.scalar(query) or 0


def retain(session: Session, clock: FrozenClock, calendar: WorkingCalendar, dry_run=False):
    report = apply_retention(
        session,
        now=clock.now(),
        period=SIX_YEARS,
        period_text="6 years",
        calendar=calendar,
        dry_run=dry_run,
    )
    session.commit()
    return report


def test_nothing_is_erased_before_the_period_ends(closed, session, clock, calendar):
    clock.set(london(2032, 12, 2, 10, 59))
    assert retain(session, clock, calendar).references == []
    assert session.get(Dispute, closed.id).child_ref == "CS-104233"


def test_a_dry_run_lists_and_changes_nothing(closed, session, clock, calendar):
    clock.set(london(2032, 12, 2, 11, 1))
    assert retain(session, clock, calendar, dry_run=True).references == ["RPD-2026-0001"]
    session.expire_all()
    assert session.get(Dispute, closed.id).erased_at is None
    assert count(session, DisputeStatistic) == 0


def test_expired_dispute_keeps_statistics_and_a_tombstone_only(closed, session, clock, calendar):
    clock.set(london(2032, 12, 2, 11, 1))
    before = count(session, AuditEvent, dispute_id=closed.id)
    assert retain(session, clock, calendar).references == ["RPD-2026-0001"]
    session.expire_all()

    dispute = session.get(Dispute, closed.id)
    assert (dispute.child_ref, dispute.summary, dispute.erased_at) == ("", "", clock.now())
    erased = (DisputeMember, DiscussionEntry, Resolution, StageTransition, OutboxMessage)
    for model in (*erased, DutyCompletion):
        assert count(session, model, dispute_id=closed.id) == 0
    assert count(session, StageNotice) == 1  # the open dispute's notice only

    stat = session.scalars(select(DisputeStatistic)).one()
    assert (stat.protocol_key, stat.category, stat.urgency) == (
        "suffolk",
        "referral-threshold",
        "standard",
    )
    assert (stat.raiser_agency, stat.counterpart_agency) == ("police", "csc")
    assert (stat.stage_reached, stat.escalations, stat.outcome) == (
        "first-line-managers",
        1,
        "resolved",
    )
    assert stat.referred_to_partnership is True
    assert (stat.opened_month, stat.closed_month, stat.days_to_resolution) == (
        date(2026, 11, 1),
        date(2026, 12, 1),
        9,
    )

    events = list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.dispute_id == closed.id).order_by(AuditEvent.id)
        )
    )
    assert len(events) == before + 1
    assert all(e.detail is None for e in events[:-1])
    assert (events[-1].kind, events[-1].detail) == ("erased", {"retention": "6 years"})
    assert verify_chain(session).first_break is None

    open_one = session.scalar(select(Dispute).where(Dispute.id != closed.id))
    assert open_one.child_ref == "CS-200001" and open_one.erased_at is None
    assert retain(session, clock, calendar).references == []  # erasing twice does nothing


def test_retention_setting_and_command(closed, session, database_url):
    session.close()
    later = FrozenClock(london(2028, 1, 10, 9, 0))
    env = {"DATABASE_URL": database_url, "RESOLVE_RETENTION": "P1Y"}

    def run(*args: str) -> str:
        result = CliRunner().invoke(
            cli, ["retention", "apply", *args], env=env, obj=Context(clock=later)
        )
        assert result.exit_code == 0, result.output
        return result.output

    assert run("--dry-run") == (
        "Would erase 1 disputes closed before Sunday 10 January 2027 at 9:00am (GMT) (P1Y ago):\n"
        "  RPD-2026-0001\n"
    )
    assert "Erased 1 disputes" in run()
    assert run().startswith("No dispute was closed before")


@pytest.mark.parametrize("value", ["six years", "P", "6 fortnights", "-1 years"])
def test_a_bad_retention_period_is_one_line(value, monkeypatch):
    monkeypatch.setenv("RESOLVE_RETENTION", value)
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert str(refused.value) == (
        "RESOLVE_RETENTION is not valid: a period such as '6 years', '18 months' or ISO-8601 'P6Y'."
    )


def test_periods_read_both_ways():
    assert parse_period("6 years") == parse_period("P6Y") == relativedelta(years=6)
    assert parse_period("18 months") == relativedelta(months=18)
