"""A lapsed stage's messages are drawn by the delivery job from the one announcement the sweep
queued, and go out in the run that draws them, ahead of announcements still to be drawn."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.database import transaction
from bot.flows import disputes as flows
from bot.flows.sweep import Sweeper
from models.directory import Person
from models.dispute import Dispute
from models.outbox import OutboxKind, OutboxMessage, OutboxStatus
from tests.e2e.conftest import Bot
from tests.e2e.test_delivery import submit_open


def pending(bot: Bot) -> list[tuple[str, int | None]]:
    with bot.rt.factory() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING)
            .order_by(OutboxMessage.id)
        )
        return [(row.kind, row.dispute_id) for row in rows]


def test_a_surge_of_lapses_sends_each_stages_messages_as_they_are_drawn(bot: Bot) -> None:
    for n in range(3):
        submit_open(bot, child_ref=f"CS-{n}")
    bot.deliver()
    with bot.rt.factory() as session:
        deadline = max(session.scalars(select(Dispute.deadline_at)))
        first = min(session.scalars(select(Dispute.id)))
    rt = bot.rt
    bot.clock.set(deadline + timedelta(minutes=1))
    Sweeper(factory=rt.factory, service=rt.service, notifier=rt.notifier, clock=rt.clock).run_once()
    assert [kind for kind, _ in pending(bot)] == [OutboxKind.STAGE_ENTERED] * 3
    asked = len(bot.emulator.calls())

    # One row a run: the first announcement is drawn, and one of its messages sent with it
    # (the first of them takes the buttons off the stage it left).
    report = rt.delivery.deliver_due(limit=1)
    assert (report.announced, report.sent) == (1, 1)
    assert [c.method for c in bot.emulator.calls(since=asked)] == ["chat.update"]
    # Its other messages go before the next stage is drawn.
    waiting = pending(bot)
    drawn = [row for row in waiting if row[0] != OutboxKind.STAGE_ENTERED]
    assert drawn and {dispute for _, dispute in drawn} == {first}
    report = rt.delivery.deliver_due(limit=1)
    assert (report.announced, report.sent) == (0, 1)
    assert [k for k, _ in pending(bot)].count(OutboxKind.STAGE_ENTERED) == 2

    bot.deliver()
    assert pending(bot) == []
    with rt.factory() as session:
        references = list(session.scalars(select(Dispute.reference).order_by(Dispute.id)))
    for reference in references:
        notices = [m for m in bot.dms("csc_tm") if reference in m["text"]]
        assert any("Stage 2" in str(m) for m in notices), reference


def test_a_stage_over_before_its_announcement_is_drawn_asks_nothing_of_anyone(bot: Bot) -> None:
    submit_open(bot)
    bot.deliver()
    with bot.rt.factory() as session:
        dispute = session.scalars(select(Dispute)).one()
        deadline, reference = dispute.deadline_at, dispute.reference
    assert deadline is not None
    rt = bot.rt
    bot.clock.set(deadline + timedelta(minutes=1))
    Sweeper(factory=rt.factory, service=rt.service, notifier=rt.notifier, clock=rt.clock).run_once()
    # Resolved before the delivery job came round to the lapse's announcement.
    with transaction(rt.factory) as session:
        dispute = session.scalars(select(Dispute)).one()
        raiser = session.get(Person, dispute.raiser_id)
        assert raiser is not None
        flows.resolve(
            rt.flows, session, dispute=dispute, actor=raiser, outcome="resolved", summary="Agreed."
        )
    asked = len(bot.emulator.calls())
    bot.deliver()
    assert pending(bot) == []
    calls = bot.emulator.calls(since=asked)
    posted = [str(c.params) for c in calls if c.method == "chat.postMessage"]
    assert posted and all(reference in text for text in posted)
    assert not any("Stage 2" in text for text in posted)
    assert not any("notice_acknowledge" in text for text in posted)
