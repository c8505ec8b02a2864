"""Reopening a closed dispute, and the closure at the final stage, on the real services."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.messages.disputes import final_stage_verdict
from bot.services.disputes import DisputeService
from bot.services.errors import DomainError
from bot.settings import SettingsError, load_settings
from models.timescale import parse_timescale
from tests.conftest import london
from tests.services.test_disputes import audit_count, open_dispute


def closed(service, session, people):
    dispute = open_dispute(service, session, people).transition.dispute
    service.resolve(
        session=session,
        dispute=dispute,
        actor=people["csc_sw"],
        outcome="resolved",
        summary="Agreed to re-screen.",
    )
    return dispute


def test_a_party_reopens_within_the_period(service, session, people, clock):
    dispute = closed(service, session, people)
    clock.advance(timedelta(days=1))
    entry = service.reopen(
        session=session, dispute=dispute, actor=people["pol_dc"], reason="Nothing happened."
    )
    assert dispute.is_open and dispute.resolution is None
    assert dispute.reopened_closures[0].summary == "Agreed to re-screen."
    assert entry.transition.trigger == "reopened"
    assert entry.transition.reason == "Nothing happened."
    assert dispute.deadline_at == london(2026, 12, 1, 17, 0)
    assert [n.person for n in entry.transition.acting_notices] == [people["csc_sw"]]


def test_the_period_ends_twenty_working_days_after_closure(service, session, people, clock):
    dispute = closed(service, session, people)
    assert service.reopen_until(dispute.resolution) == london(2026, 12, 21, 17, 0)
    clock.advance(timedelta(days=29))
    events = audit_count(session)
    with pytest.raises(DomainError, match="could be reopened until Monday 21 December 2026"):
        service.reopen(session=session, dispute=dispute, actor=people["pol_dc"], reason="Late.")
    assert audit_count(session) == events and not dispute.is_open


def test_someone_who_never_acted_cannot_reopen(service, session, people):
    dispute = closed(service, session, people)
    service.add_member(dispute, people["hv"], "told", dispute.opened_at)
    with pytest.raises(DomainError, match="Only the people who took part"):
        service.reopen(session=session, dispute=dispute, actor=people["hv"], reason="Because.")
    assert not dispute.is_open


def test_a_reason_is_required_and_an_open_dispute_cannot_be_reopened(service, session, people):
    dispute = open_dispute(service, session, people).transition.dispute
    with pytest.raises(DomainError, match="still open"):
        service.reopen(session=session, dispute=dispute, actor=people["pol_dc"], reason="x")
    service.resolve(
        session=session, dispute=dispute, actor=people["csc_sw"], outcome="resolved", summary="ok"
    )
    with pytest.raises(DomainError, match="why you are reopening"):
        service.reopen(session=session, dispute=dispute, actor=people["pol_dc"], reason="  ")
    assert not dispute.is_open


def test_the_period_comes_from_the_settings(clock, calendar, catalog, session, people):
    settings = load_settings(reopen_within="2 working days")
    service = DisputeService(
        clock=clock,
        calendar=calendar,
        catalog=catalog,
        reopen_within=parse_timescale(settings.reopen_within),
    )
    dispute = closed(service, session, people)
    clock.advance(timedelta(days=3))  # Thursday: past two working days from Monday
    with pytest.raises(DomainError, match="until Wednesday 25 November 2026 at 5:00pm"):
        service.reopen(session=session, dispute=dispute, actor=people["pol_dc"], reason="Late.")


def test_a_period_that_is_not_a_timescale_is_refused_at_start_up():
    with pytest.raises(SettingsError, match="reopen_within is not valid"):
        load_settings(reopen_within="a while")


def test_a_final_stage_closure_without_agreement_says_so(service, session, people):
    dispute = open_dispute(service, session, people).transition.dispute
    for n in range(dispute.protocol_snapshot.final_index):
        service.escalate(
            session=session, dispute=dispute, actor=people["pol_dc"], reason=f"No agreement {n}"
        )
    resolution = service.resolve(
        session=session,
        dispute=dispute,
        actor=people["pol_dc"],
        outcome="not_resolved",
        summary="Still disagree.",
    )
    assert final_stage_verdict(dispute, resolution) == (
        "Closed at the final stage without agreement."
    )
