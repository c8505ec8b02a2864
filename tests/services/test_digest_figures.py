"""The digest's figures against answers worked out here from the disputes themselves, and the
digest job reading without holding the write lock."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.database import read_only, transaction
from bot.messages.digest_lines import agencies
from bot.messages.disputes import category_label, stage_label
from bot.services.disputes import DisputeService
from bot.settings import load_settings
from models.directory import Person
from models.dispute import Dispute, DisputeStatus, Resolution, StageTransition
from models.outbox import OutboxMessage
from models.schedule import DigestRun
from tests.conftest import london
from tests.services.test_digests import (
    block,
    make_digests,
    open_dispute,
    rows,
    running_since_january,  # noqa: F401 (the bot has been running since before the seed)
    tallies,
)

SETTINGS = load_settings(leads_channel="C0LEADS", admins_channel=None)
CATEGORIES = ["referral-threshold", "response-to-harm", "child-protection-plan"]


def seed(service: DisputeService, session: Session, people: dict[str, Person], clock) -> None:
    """Twenty disputes over three weeks between three pairs of agencies: some escalated once
    or twice, some resolved, in and before the period the digest covers."""
    pairs = [("pol_dc", "csc_sw"), ("hv", "csc_sw"), ("pol_dc", "hv")]
    for n in range(20):
        clock.set(london(2026, 11, 2 + n, 10, 0) if n < 18 else london(2026, 11, 23, n - 9, 0))
        raiser, counterpart = pairs[n % 3]
        dispute = open_dispute(
            service,
            session,
            people[raiser],
            people[counterpart],
            category=CATEGORIES[n % 3],
        )
        for _ in range(n % 4 // 2 + (n % 5 == 0)):
            service.escalate(session=session, dispute=dispute, actor=people[raiser], reason="Up")
        if n % 7 == 3:
            service.resolve(
                session=session,
                dispute=dispute,
                actor=people[raiser],
                outcome="resolved",
                summary="Agreed",
            )
    session.flush()


def open_at(dispute: Dispute, cutoff: datetime) -> bool:
    return dispute.opened_at < cutoff and (dispute.closed_at is None or dispute.closed_at >= cutoff)


def stage_at(dispute: Dispute, cutoff: datetime) -> int:
    return [t.to_stage for t in dispute.transitions if t.created_at < cutoff][-1]


def expected(session: Session, since: datetime, until: datetime) -> dict[str, str]:
    """The tallies as at `until`, counted in Python from every dispute loaded whole."""
    disputes = session.scalars(select(Dispute)).all()
    moved = set(
        session.scalars(
            select(StageTransition.dispute_id).where(
                StageTransition.from_stage.is_not(None),
                StageTransition.created_at >= since,
                StageTransition.created_at < until,
            )
        )
    )
    settled = set(
        session.scalars(
            select(Resolution.dispute_id).where(
                Resolution.resolved_at >= since, Resolution.resolved_at < until
            )
        )
    )
    seen = [
        d
        for d in disputes
        if open_at(d, until) or since <= d.opened_at < until or d.id in moved or d.id in settled
    ]

    def ranked(counts: Counter[str]) -> str:
        pairs = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
        return "\n".join(f"{name}: {count}" for name, count in pairs)

    stages = Counter(
        (stage, stage_label(d, d.protocol_snapshot, stage))
        for d in seen
        for stage in [stage_at(d, until)]
    )
    return {
        "Themes": ranked(Counter(category_label(d, d.protocol_snapshot) for d in seen)),
        "Agencies involved": ranked(Counter(a for d in seen for a in set(agencies(d)))),
        "Stage reached": "\n".join(f"{label}: {n}" for (_, label), n in sorted(stages.items())),
    }


def test_the_tallies_match_a_count_of_the_disputes_themselves(
    session, service, people, clock, calendar
):
    seed(service, session, people, clock)
    clock.set(london(2026, 11, 24, 8, 30))
    digests = make_digests(clock, calendar, SETTINGS)
    assert digests.run_due(session) == ["daily:2026-11-24", "weekly:2026-W48"]
    daily, weekly = rows(session)[:2]
    assert tallies(daily.payload) == expected(
        session, london(2026, 11, 23, 8, 30), london(2026, 11, 24, 8, 30)
    )
    assert tallies(weekly.payload) == expected(
        session, london(2026, 11, 16, 8, 30), london(2026, 11, 23, 8, 30)
    )
    everything = session.scalars(select(Dispute)).all()
    still_open = [d for d in everything if d.status == DisputeStatus.OPEN]
    assert f"{len(still_open)} disputes open." in block(daily.payload, "digest-summary")
    opened_today = [d for d in everything if d.opened_at >= london(2026, 11, 23, 8, 30)]
    assert block(daily.payload, "digest-new").startswith(f"*New* ({len(opened_today)})\n")


def test_the_digest_job_reads_without_the_write_lock_and_sends_once(
    factory: sessionmaker[Session], session, service, people, clock, calendar
):
    seed(service, session, people, clock)
    session.commit()
    clock.set(london(2026, 11, 24, 8, 30))
    digests = make_digests(clock, calendar, SETTINGS)
    with read_only(factory) as reading:
        reading.scalar(select(Dispute.id))
        with transaction(factory) as writing:  # would wait for the lock if the reader held it
            writing.add(DigestRun(period="daily:2026-11-24", created_at=clock.now()))
        claimed = select(DigestRun.id).where(DigestRun.period == "daily:2026-11-24")
        assert reading.scalar(claimed) is None  # one snapshot throughout
    assert digests.send_due(factory) == ["weekly:2026-W48"]
    assert digests.send_due(factory) == []
    with factory() as fresh:
        sent = fresh.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [m.kind for m in sent] == ["channel", "file"]
        assert sent[0].payload["text"].startswith("Weekly digest: week commencing 16 November 2026")
