"""The composition root: one object holding every service a process needs, built from settings."""

from __future__ import annotations

import gc
import logging
import sys
from dataclasses import dataclass

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, SimulatedClock, SystemClock
from bot.database import make_engine, make_session_factory, schema_is_current, upgrade
from bot.flows.context import FlowContext
from bot.protocols import ProtocolCatalog
from bot.services.child_refs import ChildRefDetector
from bot.services.delivery import OutboxDelivery
from bot.services.disputes import DisputeService
from bot.services.notifications import Notifier
from bot.settings import Settings
from bot.working_days import WorkingCalendar
from models.encrypted import use_keys
from models.timescale import parse_timescale

QUIET = logging.getLogger("resolve.slack")
QUIET.setLevel(logging.INFO)  # Bolt and slack_sdk log request bodies at DEBUG: never emit them

# How long a busy thread keeps the interpreter once another asks for it (Python's default: 5 ms).
HANDOVER_SECONDS = 0.0005


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    calendar: WorkingCalendar
    catalog: ProtocolCatalog
    engine: Engine
    factory: sessionmaker[Session]
    service: DisputeService
    notifier: Notifier
    client: WebClient
    delivery: OutboxDelivery
    flows: FlowContext


def share_interpreter() -> None:
    """Lets requests cut in on the digests and reports that scheduler threads build.

    A request waits for the interpreter again after each database round trip; while a report
    turns rows into figures in another thread, each wait lasted up to Python's 5 ms, so on
    PostgreSQL a dozen round trips made `/dispute status` take 76-196 ms (p95) instead of 13.
    At half a millisecond it took 46 ms, and the report about as long as before."""
    sys.setswitchinterval(HANDOVER_SECONDS)


def settle_heap() -> None:
    """Puts what the process built to serve (modules, mappers, protocols, the calendar) beyond
    the garbage collector's reach, once its own start-up garbage is freed.

    Those objects live as long as the process, yet every full collection scanned them all
    again: about 110,000 of them, 30-70 ms with every thread waiting, so `/dispute status`
    stalled whenever one fell while a report built."""
    gc.collect()
    gc.freeze()


def clock_from(settings: Settings) -> Clock:
    if settings.clock_start is not None:
        return SimulatedClock(settings.clock_start, settings.clock_speed)
    return SystemClock()


def web_client(settings: Settings) -> WebClient:
    return WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, logger=QUIET)


def build_runtime(
    settings: Settings,
    *,
    clock: Clock | None = None,
    client: WebClient | None = None,
    engine: Engine | None = None,
    migrate: bool = True,
) -> Runtime:
    """Wires the bot; tests pass their own clock, a client aimed at the Slack emulator, and the
    engine their fixtures already hold (its connections warm, not opened afresh for each test)."""
    if settings.keyring is not None:
        use_keys(settings.keyring)
    if migrate and not schema_is_current(settings.database_url):
        upgrade(settings.database_url)
    clock = clock or clock_from(settings)
    calendar = WorkingCalendar.from_settings(settings)
    catalog = ProtocolCatalog(settings.protocol_path)
    engine = engine or make_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    factory = make_session_factory(engine)
    client = client or web_client(settings)
    service = DisputeService(
        clock=clock,
        calendar=calendar,
        catalog=catalog,
        child_refs=ChildRefDetector(settings.child_ref_pattern),
        reopen_within=parse_timescale(settings.reopen_within),
    )
    notifier = Notifier(clock=clock, calendar=calendar, settings=settings)
    return Runtime(
        settings=settings,
        clock=clock,
        calendar=calendar,
        catalog=catalog,
        engine=engine,
        factory=factory,
        service=service,
        notifier=notifier,
        client=client,
        delivery=OutboxDelivery(
            factory=factory,
            client=client,
            clock=clock,
            settings=settings,
            notifier=notifier,
            pacing_seconds=settings.outbox_pacing_seconds,
        ),
        flows=FlowContext(service=service, notifier=notifier),
    )
