"""What the tests that run several `resolve run` processes against one database share: a free
port for each, a directory of two agencies, disputes opened together so that they lapse
together, and the half-year partnership report recorded as sent: these tests are about lapses
and messages, and drawing the report's PDF and charts would cost each of them seconds."""

from __future__ import annotations

import os
import socket
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import FrozenClock
from bot.database import transaction
from bot.protocols import ProtocolCatalog
from bot.services.disputes import DisputeService
from bot.slack_emulator import SlackEmulator
from bot.working_days import WorkingCalendar
from models.directory import Agency, Person
from models.outbox import OutboxMessage
from models.schedule import DigestRun
from tests.conftest import LONDON

PAIRS = 50  # practitioners per agency, each with their own manager
# The report for January to June 2026, the latest due on Monday 30 November.
HALF_YEAR_REPORT = "report:2026-01-01..2026-06-30"


def process_env(
    database_url: str, emulator: SlackEmulator, started: datetime, **settings: str
) -> dict[str, str]:
    """The environment of a `resolve run` process on the emulator, its clock starting at
    `started`, sending without pacing; `settings` adds or overrides RESOLVE_* values."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "test-secret",
        "SLACK_API_URL": emulator.base_url,
        "RESOLVE_CLOCK_START": started.isoformat(),
        "RESOLVE_OUTBOX_PACING_SECONDS": "0",
        **settings,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def two_agencies(session: Session, emulator: SlackEmulator, pairs: int) -> list[list[Person]]:
    """Children's social care and police, `pairs` practitioners each with a manager of their own,
    also known to the emulator; returns each side's practitioners."""
    sides = []
    for key, name, kind in (
        ("csc", "Social Care", "childrens_social_care"),
        ("police", "Police", "police"),
    ):
        agency = Agency(key=key, name=f"Northshire {name}", kind=kind)
        practitioners = []
        for n in range(pairs):
            manager = Person(
                email=f"{key}-m{n}@x.example",
                name=f"{name} Manager {n}",
                slack_user_id=f"U{key.upper()}M{n}",
                agency=agency,
                role="line_manager",
                job_title="Manager",
            )
            worker = Person(
                email=f"{key}-p{n}@x.example",
                name=f"{name} Worker {n}",
                slack_user_id=f"U{key.upper()}P{n}",
                agency=agency,
                role="practitioner",
                job_title="Practitioner",
                line_manager=manager,
            )
            session.add_all([manager, worker])
            practitioners.append(worker)
            for person in (manager, worker):
                emulator.add_user(person.slack_user_id, person.name, person.email)
        sides.append(practitioners)
    return sides


def open_together(
    factory: sessionmaker[Session],
    emulator: SlackEmulator,
    clock: FrozenClock,
    disputes: int,
    started: datetime,
) -> None:
    """A directory of PAIRS practitioners a side, and `disputes` disputes opened at once under
    Suffolk's protocol, so that every one lapses at the same moment; the opening's messages are
    dropped, so only what the lapse sends counts. The bot processes start at `started`."""
    with transaction(factory) as session:
        sides = two_agencies(session, emulator, PAIRS)
        session.flush()
        service = DisputeService(
            clock=clock, calendar=WorkingCalendar(zone=LONDON), catalog=ProtocolCatalog()
        )
        for n in range(disputes):
            service.open(
                session=session,
                protocol_key="suffolk",
                category="referral-threshold",
                raiser=sides[1][n % PAIRS],
                counterpart=sides[0][(n * 7) % PAIRS],
                child_ref=f"CS-{n:05d}",
                summary=f"Dispute {n}",
            )
        session.execute(OutboxMessage.__table__.delete())
        report_sent(session, started)


def report_sent(session: Session, started: datetime) -> None:
    """Records the half-year report as sent by processes first started at `started`: the first
    run the bot records is its first start, and no digest falls due before it."""
    session.add(DigestRun(period=HALF_YEAR_REPORT, created_at=started))
