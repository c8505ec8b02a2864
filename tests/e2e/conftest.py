"""The whole bot over real HTTP: Bolt app, slack_sdk client, database, and the Slack emulator."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime

import pytest
from slack_sdk import WebClient
from slack_sdk.http_retry import ConnectionErrorRetryHandler, FixedValueRetryIntervalCalculator
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.clock import FrozenClock
from bot.flows.sweep import Sweeper
from bot.http_server import SlackHTTPServer
from bot.runtime import Runtime, build_runtime, web_client
from bot.settings import load_settings
from bot.slack_emulator import SlackEmulator
from bot.slack_emulator.driver import SlackDriver
from models.directory import Agency, Person

SECRET = "test-signing-secret"
# The start of the reply every listener gives when it meets an error it did not expect.
GENERIC_ERROR = "Something went wrong on our side"

# slack id, key, name, agency, role, job title, line manager key
PEOPLE = [
    ("U0CSCHOS", "csc_hos", "Priya Shah", "csc", "head_of_service", "Head of Service", None),
    ("U0CSCSM", "csc_sm", "Tom Reid", "csc", "senior_manager", "Service Manager", "csc_hos"),
    ("U0CSCTM", "csc_tm", "Amy Clarke", "csc", "line_manager", "Team Manager", "csc_sm"),
    ("U0CSCSW", "csc_sw", "Ben Okafor", "csc", "practitioner", "Social Worker", "csc_tm"),
    (
        "U0POLSUP",
        "pol_hos",
        "Dan Hughes",
        "police",
        "head_of_service",
        "Detective Superintendent",
        None,
    ),
    (
        "U0POLDI",
        "pol_di",
        "Sara Jones",
        "police",
        "senior_manager",
        "Detective Inspector",
        "pol_hos",
    ),
    ("U0POLDS", "pol_ds", "Omar Khan", "police", "line_manager", "Detective Sergeant", "pol_di"),
    ("U0POLDC", "pol_dc", "Lucy Moss", "police", "practitioner", "Detective Constable", "pol_ds"),
    ("U0HVOUT", "outsider", "Nia Evans", "health", "practitioner", "Health Visitor", None),
    ("U0CHAIR", "chair", "Ruth Mercer", "nscp", "partnership_chair", "Independent Chair", None),
    ("U0ADMIN", "admin", "Joe Park", "nscp", "partnership_admin", "Business Manager", None),
]
AGENCIES = {
    "csc": ("Northshire Children's Social Care", "childrens_social_care"),
    "police": ("Northshire Police", "police"),
    "health": ("Northshire Community Health", "health"),
    "nscp": ("Northshire Safeguarding Partnership", "partnership"),
}


@dataclass
class Bot:
    rt: Runtime
    slack: SlackDriver
    emulator: SlackEmulator
    clock: FrozenClock
    ids: dict[str, str]

    def deliver(self) -> None:
        report = self.rt.delivery.drain()
        assert report.dead == 0, report.errors

    def dms(self, key: str) -> list[dict]:
        """Messages the bot posted in its direct messages with that person."""
        channel = self.slack.dm_channel(self.ids[key])
        return [m for m in self.emulator.messages(channel) if not m.get("ephemeral")]

    def replies(self, key: str) -> list[dict]:
        """What only that person saw: ephemeral replies and response_url answers."""
        user = self.ids[key]
        return [
            m
            for m in self.emulator.messages()
            if m.get("user") == user and (m.get("ephemeral") or m.get("via_response_url"))
        ]


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        yield emulator


@pytest.fixture
def bot(
    request: pytest.FixtureRequest,
    database_url: str,
    engine: Engine,
    factory: sessionmaker[Session],
    clock: FrozenClock,
    emulator: SlackEmulator,
    data_keys: str,
) -> Iterator[Bot]:
    ids = northshire(factory, emulator)
    with running_bot(request, database_url, engine, clock, emulator, data_keys, ids) as bot:
        yield bot


@pytest.fixture
def bot_with(
    request: pytest.FixtureRequest,
    database_url: str,
    engine: Engine,
    factory: sessionmaker[Session],
    clock: FrozenClock,
    emulator: SlackEmulator,
    data_keys: str,
) -> Iterator[Callable[..., Bot]]:
    """Starts Northshire's bot with settings of the test's own, e.g. `bot_with(summary_in_dms=
    True)`; it stops with the test."""
    with ExitStack() as stack:

        def start(**settings: object) -> Bot:
            ids = northshire(factory, emulator)
            return stack.enter_context(
                running_bot(
                    request, database_url, engine, clock, emulator, data_keys, ids, **settings
                )
            )

        yield start


def sweep_at(bot: Bot, when: datetime) -> None:
    """Moves the clock to `when`, sweeps once and delivers what the sweep queued."""
    rt = bot.rt
    bot.clock.set(when)
    Sweeper(factory=rt.factory, service=rt.service, notifier=rt.notifier, clock=rt.clock).run_once()
    bot.deliver()


def northshire(factory: sessionmaker[Session], emulator: SlackEmulator) -> dict[str, str]:
    """Fills the directory with Northshire's people, known to the emulator; their slack ids."""
    with factory() as session, session.begin():
        agencies = {
            key: Agency(key=key, name=name, kind=kind) for key, (name, kind) in AGENCIES.items()
        }
        session.add_all(agencies.values())
        made: dict[str, Person] = {}
        for slack_id, key, name, agency, role, title, manager in PEOPLE:
            made[key] = Person(
                email=f"{key}@northshire.example",
                name=name,
                slack_user_id=slack_id,
                agency=agencies[agency],
                role=role,
                job_title=title,
                line_manager=made.get(manager) if manager else None,
            )
            session.add(made[key])
            emulator.add_user(slack_id, name, f"{key}@northshire.example")
    return {p[1]: p[0] for p in PEOPLE}


@contextmanager
def running_bot(
    request: pytest.FixtureRequest,
    database_url: str,
    engine: Engine,
    clock: FrozenClock,
    emulator: SlackEmulator,
    data_keys: str,
    ids: dict[str, str],
    **overrides: object,
) -> Iterator[Bot]:
    """The app served over HTTP on an already filled directory, under the test's protocol;
    `overrides` are settings a test needs (a channel it made in the emulator, say). It uses the
    run's engine, so its connections are warm rather than opened afresh for each test."""
    settings = load_settings(
        database_url=database_url,
        slack_bot_token="xoxb-test",
        slack_signing_secret=SECRET,
        slack_api_url=emulator.base_url,
        outbox_pacing_seconds=0,
        data_keys=data_keys,
        **({"admins_channel": None} | _protocol_setting(request) | overrides),
    )
    client = web_client(settings)
    # The same one retry of a refused connection, after 10 ms rather than about a second.
    client.retry_handlers = [
        ConnectionErrorRetryHandler(interval_calculator=FixedValueRetryIntervalCalculator(0.01))
    ]
    rt = build_runtime(settings, clock=clock, client=client, engine=engine, migrate=False)
    server = SlackHTTPServer(
        create_app(rt, process_before_response=True), host="127.0.0.1", port=0
    ).start()
    driver = SlackDriver(
        url=f"http://127.0.0.1:{server.port}/slack/events",
        secret=SECRET,
        emulator=emulator,
        bot=WebClient(token="xoxb-test", base_url=emulator.base_url),
    )
    try:
        yield Bot(rt, driver, emulator, clock, ids)
    finally:
        server.stop()


def _protocol_setting(request: pytest.FixtureRequest) -> dict[str, str]:
    """`@pytest.mark.protocol("oxfordshire")` runs the bot under that preset."""
    marker = request.node.get_closest_marker("protocol")
    return {"protocol": marker.args[0]} if marker else {}


class ErrorLog(logging.Handler):
    """Keeps every record at ERROR or above, and every record carrying an exception."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info:
            self.records.append(record)


@pytest.fixture(autouse=True)
def no_unexpected_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fails an end-to-end test when the bot met an error it did not expect: a logged ERROR or
    exception, or the generic "something went wrong" answer in any reply, message, form or Home
    tab. A test that provokes one on purpose says why with `@pytest.mark.provokes_errors(why)`."""
    marker = request.node.get_closest_marker("provokes_errors")
    if marker is not None:
        assert marker.args and marker.args[0], "say why the test provokes errors"
        yield
        return
    # Asked for before the test runs, so they are torn down after this fixture checks them.
    driver = request.getfixturevalue("bot").slack if "bot" in request.fixturenames else None
    emulator = request.getfixturevalue("emulator") if "emulator" in request.fixturenames else None
    collect = ErrorLog()
    root = logging.getLogger()
    root.addHandler(collect)
    try:
        yield
    finally:
        root.removeHandler(collect)
    found = [f"log {r.name} {r.levelname}: {r.getMessage()}" for r in collect.records]
    if driver is not None:
        found += [f"reply {r.status}: {r.body}" for r in driver.replies if GENERIC_ERROR in r.body]
        found += [f"reply {r.status}" for r in driver.replies if r.status >= 500]
    if emulator is not None:
        sent = [json.dumps(c.params) for c in emulator.calls()]
        sent += [json.dumps(m) for m in emulator.messages()]
        found += [f"sent to Slack: {s[:300]}" for s in sent if GENERIC_ERROR in s]
    assert not found, "the bot met errors it did not expect:\n" + "\n".join(found)
