"""Each use case writes its change and the notices it causes in the caller's one transaction:
both are there before the commit, and a rollback takes both away."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.clock import FrozenClock
from bot.flows import disputes as flows
from bot.flows.context import FlowContext
from bot.services.errors import DomainError
from models.audit import AuditEvent
from models.directory import Person
from models.dispute import Dispute
from models.outbox import OutboxKind, OutboxMessage

SUMMARY = "Referral refused as below threshold; police believe section 47 is met."


def _open(ctx: FlowContext, session: Session, people: dict[str, Person]) -> Dispute:
    entry = flows.open_dispute(
        ctx,
        session,
        raiser=people["pol_dc"],
        counterpart=people["csc_sw"],
        protocol_key="suffolk",
        category="referral-threshold",
        child_ref="CS-104233",
        summary=SUMMARY,
    )
    return entry.transition.dispute


def _outbox(session: Session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _recipients(rows: list[OutboxMessage]) -> set[int | None]:
    return {row.person_id for row in rows}


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def opened(ctx: FlowContext, session: Session, people: dict[str, Person]) -> str:
    """A dispute opened and committed; returns its reference."""
    dispute = _open(ctx, session, people)
    session.commit()
    return dispute.reference


def _in_one_transaction(
    session: Session, step: Callable[[Session], object]
) -> tuple[int, int, set[int | None]]:
    """Runs `step`, counts the audit events and outbox rows it wrote, then rolls it back and
    checks both are gone."""
    session.commit()
    events, queued = _count(session, AuditEvent), len(_outbox(session))
    step(session)
    session.flush()
    new_rows = _outbox(session)[queued:]
    written = (_count(session, AuditEvent) - events, len(new_rows), _recipients(new_rows))
    session.rollback()
    assert (_count(session, AuditEvent), len(_outbox(session))) == (events, queued)
    return written


def test_opening_queues_the_notice_and_the_raisers_confirmation(
    ctx: FlowContext, session: Session, people: dict[str, Person]
) -> None:
    session.commit()
    ids = {key: person.id for key, person in people.items()}

    def step(session: Session) -> None:
        _open(ctx, session, people)

    events, queued, recipients = _in_one_transaction(session, step)
    assert events == 2  # opened, stage entered
    assert {ids["pol_dc"], ids["csc_sw"]} <= recipients
    assert queued >= 3  # the counterpart's notice, the conversation, the raiser's confirmation


def _dispute(session: Session, reference: str) -> Dispute:
    dispute = session.scalar(select(Dispute).where(Dispute.reference == reference))
    assert dispute is not None
    return dispute


def _person(session: Session, people: dict[str, Person], key: str) -> Person:
    person = session.get(Person, people[key].id)
    assert person is not None
    return person


def test_logging_asks_the_other_party_and_confirms_to_the_logger(
    ctx: FlowContext, session: Session, people: dict[str, Person], opened: str
) -> None:
    def step(session: Session) -> None:
        flows.log_discussion(
            ctx,
            session,
            dispute=_dispute(session, opened),
            actor=_person(session, people, "pol_dc"),
            occurred="today 9am",
            participants="DC Pol and SW Csc",
            discussion="Talked through the threshold.",
        )

    events, queued, recipients = _in_one_transaction(session, step)
    assert (events, queued) == (1, 2)
    assert recipients == {people["csc_sw"].id, people["pol_dc"].id}


def test_approving_tells_whoever_logged_it(
    ctx: FlowContext, session: Session, people: dict[str, Person], opened: str
) -> None:
    entry = flows.log_discussion(
        ctx,
        session,
        dispute=_dispute(session, opened),
        actor=_person(session, people, "pol_dc"),
        occurred="today 9am",
        participants="DC Pol and SW Csc",
        discussion="Talked through the threshold.",
    )
    session.commit()
    entry_id = entry.id

    def step(session: Session) -> None:
        flows.approve_discussion(
            ctx,
            session,
            dispute=_dispute(session, opened),
            actor=_person(session, people, "csc_sw"),
            entry_id=entry_id,
        )

    assert _in_one_transaction(session, step) == (1, 1, {people["pol_dc"].id})


def test_acknowledging_redraws_the_notice_and_tells_the_raiser(
    ctx: FlowContext, session: Session, people: dict[str, Person], opened: str
) -> None:
    def step(session: Session) -> None:
        flows.acknowledge(
            ctx,
            session,
            dispute=_dispute(session, opened),
            actor=_person(session, people, "csc_sw"),
        )

    events, queued, recipients = _in_one_transaction(session, step)
    assert (events, queued) == (1, 2)  # the redrawn notice, and the news to the raiser
    assert people["pol_dc"].id in recipients


def test_escalating_by_hand_notifies_the_next_tier_and_the_escalator(
    ctx: FlowContext, session: Session, people: dict[str, Person], opened: str
) -> None:
    def step(session: Session) -> None:
        flows.escalate(
            ctx,
            session,
            dispute=_dispute(session, opened),
            actor=_person(session, people, "pol_dc"),
            reason="No agreement on threshold",
        )

    events, _, recipients = _in_one_transaction(session, step)
    assert events == 1
    assert {people["pol_ls"].id, people["csc_tm"].id, people["pol_dc"].id} <= recipients


def test_a_lapse_escalates_and_queues_its_announcement_in_the_same_transaction(
    ctx: FlowContext,
    session: Session,
    people: dict[str, Person],
    opened: str,
    clock: FrozenClock,
) -> None:
    clock.advance(timedelta(days=8))

    def step(session: Session) -> None:
        assert flows.lapse(ctx, session, dispute=_dispute(session, opened)) is not None

    assert _in_one_transaction(session, step) == (1, 1, {None})


def test_a_lapse_announced_tells_those_now_acting(
    ctx: FlowContext,
    session: Session,
    people: dict[str, Person],
    opened: str,
    clock: FrozenClock,
) -> None:
    clock.advance(timedelta(days=8))
    entry = flows.lapse(ctx, session, dispute=_dispute(session, opened))
    assert entry is not None
    session.flush()
    [announcement] = [r for r in _outbox(session) if r.kind == OutboxKind.STAGE_ENTERED]
    assert announcement.payload == {"transition": entry.transition.id}
    queued = len(_outbox(session))
    ctx.notifier.announce_lapse(session, entry.transition)
    session.flush()
    told = _outbox(session)[queued:]
    notices = {r.person_id for r in told if r.notice_id is not None}
    assert notices == {people["pol_ls"].id, people["csc_tm"].id}
    assert {people["pol_dc"].id, people["csc_sw"].id} <= _recipients(told)


def test_resolving_tells_every_member_and_confirms_to_the_resolver(
    ctx: FlowContext, session: Session, people: dict[str, Person], opened: str
) -> None:
    def step(session: Session) -> None:
        flows.resolve(
            ctx,
            session,
            dispute=_dispute(session, opened),
            actor=_person(session, people, "pol_dc"),
            outcome="resolved",
            summary="Strategy discussion agreed.",
        )

    events, _, recipients = _in_one_transaction(session, step)
    assert events == 1
    assert {people["pol_dc"].id, people["csc_sw"].id} <= recipients


def test_a_refused_step_queues_nothing(
    ctx: FlowContext, session: Session, people: dict[str, Person], opened: str
) -> None:
    queued = len(_outbox(session))
    with pytest.raises(DomainError):
        flows.escalate(
            ctx,
            session,
            dispute=_dispute(session, opened),
            actor=_person(session, people, "pol_dc"),
            reason=" ",
        )
    assert len(_outbox(session)) == queued


def test_the_hand_escalator_is_told_once(
    ctx: FlowContext, session: Session, people: dict[str, Person], opened: str
) -> None:
    def step(session: Session) -> None:
        flows.escalate(
            ctx,
            session,
            dispute=_dispute(session, opened),
            actor=_person(session, people, "pol_dc"),
            reason="No agreement on threshold",
        )
        to_escalator = [
            r
            for r in _outbox(session)
            if r.person_id == people["pol_dc"].id and r.kind == OutboxKind.DIRECT
        ]
        assert len(to_escalator) == 2  # the confirmation of opening, then one about the move
        assert "moved to" in to_escalator[-1].payload["text"]

    _in_one_transaction(session, step)


def test_the_referral_reminder_goes_to_those_who_may_refer(
    ctx: FlowContext, session: Session, people: dict[str, Person], clock: FrozenClock
) -> None:
    entry = flows.open_dispute(
        ctx,
        session,
        raiser=people["pol_dc"],
        counterpart=people["csc_sw"],
        protocol_key="sussex",
        category="information-sharing",
        child_ref="CS-104233",
        summary=SUMMARY,
        urgency="immediate",
        start_stage="professional-leads",
    )
    dispute = entry.transition.dispute
    flows.escalate(ctx, session, dispute=dispute, actor=people["pol_dc"], reason="Stuck")
    assert dispute.deadline_at is not None
    clock.set(dispute.deadline_at)
    assert flows.lapse(ctx, session, dispute=dispute) is None  # Stage 6 waits for a referral
    session.flush()
    queued = len(_outbox(session))
    ctx.notifier.referral_due(session, dispute)
    session.flush()
    assert _recipients(_outbox(session)[queued:]) == {people["chair"].id}
