"""Pan Sussex Stage 5: a number of similar disagreements between the same two agencies alerts
the safeguarding leads once per pattern, with references and agency names only."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import FrozenClock
from bot.flows import disputes as flows
from bot.flows.context import FlowContext
from bot.protocols import PRESET_DIR, ProtocolCatalog
from bot.services.disputes import DisputeService
from bot.working_days import WorkingCalendar
from models.directory import Person
from models.outbox import OutboxMessage
from models.protocol import PatternAlert

CHILD = "CS-104233"
SUMMARY = "Referral refused as below threshold; police believe section 47 is met."


def _open(
    ctx: FlowContext,
    session: Session,
    raiser: Person,
    counterpart: Person,
    *,
    category: str = "referral-criteria",
    protocol: str = "sussex",
) -> str:
    entry = flows.open_dispute(
        ctx,
        session,
        raiser=raiser,
        counterpart=counterpart,
        protocol_key=protocol,
        category=category,
        child_ref=CHILD,
        summary=SUMMARY,
    )
    return entry.transition.dispute.reference


def _alerts(session: Session) -> list[OutboxMessage]:
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "C0LEADS"))
    return [row for row in rows if "pattern" in row.payload["text"].lower()]


def test_the_third_similar_dispute_either_way_round_alerts_the_leads_once(
    ctx: FlowContext, session: Session, people: dict[str, Person], clock: FrozenClock
) -> None:
    police, social_care = people["pol_dc"], people["csc_sw"]
    first = _open(ctx, session, police, social_care)
    clock.advance(timedelta(days=30))
    second = _open(ctx, session, social_care, police)
    assert _alerts(session) == []
    clock.advance(timedelta(days=30))
    third = _open(ctx, session, police, social_care)

    (alert,) = _alerts(session)
    text = str(alert.payload)
    for reference in (first, second, third):
        assert reference in text
    assert "Northshire Children's Social Care" in text and "Northshire Police" in text
    assert "Criteria for referrals" in text
    assert "a number of similar concerns or disagreements" in text
    assert CHILD not in text and "section 47" not in text
    assert "reaches 6 disputes" in text

    _open(ctx, session, police, social_care)
    _open(ctx, session, social_care, police)
    assert len(_alerts(session)) == 1
    _open(ctx, session, police, social_care)
    assert len(_alerts(session)) == 2


def test_other_pairs_categories_and_old_disputes_do_not_make_a_pattern(
    ctx: FlowContext, session: Session, people: dict[str, Person], clock: FrozenClock
) -> None:
    police, social_care, health = people["pol_dc"], people["csc_sw"], people["hv"]
    _open(ctx, session, police, social_care)
    _open(ctx, session, police, social_care)
    _open(ctx, session, health, social_care)
    _open(ctx, session, police, social_care, category="timeliness")
    assert _alerts(session) == []

    clock.advance(timedelta(days=91))
    _open(ctx, session, police, social_care)
    assert _alerts(session) == []


def test_protocols_without_a_pattern_rule_never_alert(
    ctx: FlowContext, session: Session, people: dict[str, Person]
) -> None:
    for _ in range(3):
        _open(
            ctx,
            session,
            people["pol_dc"],
            people["csc_sw"],
            protocol="suffolk",
            category="referral-threshold",
        )
    assert _alerts(session) == []


def test_a_pattern_needs_at_least_two_disputes_and_a_window() -> None:
    rule = PatternAlert.model_validate({"count": 4, "within": "20 working days", "source": "x"})
    assert rule.within.working_days == 20
    with pytest.raises(ValidationError):
        PatternAlert.model_validate({"count": 1, "within": "90 days", "source": "x"})


def test_a_partnership_file_sets_its_own_count_and_working_day_window(
    tmp_path: Path,
    ctx: FlowContext,
    session: Session,
    people: dict[str, Person],
    clock: FrozenClock,
    calendar: WorkingCalendar,
) -> None:
    preset = yaml.safe_load((PRESET_DIR / "sussex.yaml").read_text())
    preset["pattern_alert"] |= {"count": 2, "within": "10 working days"}
    (tmp_path / "sussex.yaml").write_text(yaml.safe_dump(preset))
    service = DisputeService(clock=clock, calendar=calendar, catalog=ProtocolCatalog(tmp_path))
    own = FlowContext(service=service, notifier=ctx.notifier)
    police, social_care = people["pol_dc"], people["csc_sw"]

    _open(own, session, police, social_care)  # Monday 23 November
    clock.advance(timedelta(days=15))  # Tuesday 8 December: 11 working days on
    _open(own, session, social_care, police)
    assert _alerts(session) == []
    second = _open(own, session, police, social_care)
    (alert,) = _alerts(session)
    assert "2 disputes between" in str(alert.payload) and second in str(alert.payload)
