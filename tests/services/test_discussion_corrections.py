"""Corrections to discussion records on the real services: only the other side approves or
corrects, every version is kept and audited, and the wording agreed is the latest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.services.errors import DomainError
from bot.services.subject_access import export_person
from models.audit import AuditEvent
from tests.services.test_disputes import audit_count, open_dispute


def logged(service, session, people):
    dispute = open_dispute(service, session, people).transition.dispute
    entry = service.log_discussion(
        session=session,
        dispute=dispute,
        actor=people["pol_dc"],
        occurred="today 09:15",
        participants="DC Dc, SW Sw",
        discussion="Went through the referral together.",
        agreed="Social care will re-screen by Wednesday.",
    )
    return dispute, entry


def correct(service, session, dispute, entry, actor, text="We disagreed on the referral."):
    return service.correct_discussion(
        session=session,
        dispute=dispute,
        entry_id=entry.id,
        actor=actor,
        participants="DC Dc, SW Sw",
        discussion=text,
    )


def test_corrections_alternate_between_sides_and_keep_every_version(
    service, session, people, clock
):
    dispute, entry = logged(service, session, people)
    clock.advance(timedelta(minutes=5))
    correct(service, session, dispute, entry, people["csc_sw"])
    with pytest.raises(DomainError, match="the other side must correct it"):
        correct(service, session, dispute, entry, people["csc_sw"], "Again.")
    clock.advance(timedelta(minutes=5))
    correct(service, session, dispute, entry, people["pol_dc"], "We partly agreed.")
    service.approve_discussion(
        session=session, dispute=dispute, entry_id=entry.id, actor=people["csc_sw"]
    )
    assert [v.discussion for v in entry.versions] == [
        "Went through the referral together.",
        "We disagreed on the referral.",
        "We partly agreed.",
    ]
    assert [v.proposed_by for v in entry.versions] == [
        people["pol_dc"],
        people["csc_sw"],
        people["pol_dc"],
    ]
    assert entry.current.agreed is None  # the correction left nothing agreed
    kinds = [e.kind for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert kinds[-4:] == [
        "discussion_logged",
        "discussion_corrected",
        "discussion_corrected",
        "discussion_approved",
    ]
    with pytest.raises(DomainError, match="already approved"):
        correct(service, session, dispute, entry, people["pol_dc"], "Late.")
    export = export_person(session, email=people["csc_sw"].email)
    assert [c["dispute"] for c in export["discussion_corrections_proposed"]] == ["RPD-2026-0001"]


def test_the_logger_s_own_manager_cannot_approve_for_the_other_side(service, session, people):
    dispute, entry = logged(service, session, people)
    service.escalate(
        session=session, dispute=dispute, actor=people["pol_dc"], reason="No agreement"
    )
    events = audit_count(session)
    with pytest.raises(DomainError, match="only the other side can approve it"):
        service.approve_discussion(
            session=session, dispute=dispute, entry_id=entry.id, actor=people["pol_ls"]
        )
    assert audit_count(session) == events and entry.approved_at is None
    # The other side's manager, acting at the new stage, may approve.
    service.approve_discussion(
        session=session, dispute=dispute, entry_id=entry.id, actor=people["csc_tm"]
    )
    assert entry.approved_by == people["csc_tm"]


def test_a_correction_naming_the_child_is_refused(service, session, people):
    dispute, entry = logged(service, session, people)
    with pytest.raises(DomainError, match="case number"):
        correct(service, session, dispute, entry, people["csc_sw"], "About CS-104233.")
    assert entry.corrections == []
