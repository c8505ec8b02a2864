"""Settings from environment variables and an optional `.env`, validated once at start-up."""

from __future__ import annotations

import re
from datetime import datetime, time
from enum import StrEnum
from ipaddress import IPv4Address
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, IPvAnyAddress, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.periods import parse_period
from models.encrypted import DataKeyError, KeyRing
from models.timescale import TimescaleError, parse_timescale

# How long after closure a party may reopen a dispute, as a timescale.
DEFAULT_REOPEN_WITHIN = "20 working days"


class Region(StrEnum):
    """UK bank-holiday calendars the `holidays` package knows."""

    ENGLAND_AND_WALES = "england-and-wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern-ireland"


class QuietDigest(StrEnum):
    """What a digest does for a period in which nothing changed."""

    LINE = "line"  # one line: no change, and how many disputes are open and overdue
    SKIP = "skip"  # nothing is sent


class ConversationKind(StrEnum):
    """Where a dispute's own conversation lives in Slack."""

    PRIVATE_CHANNEL = "private_channel"
    GROUP_DM = "group_dm"


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable and what is allowed."""


SUPPORTED_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql", "postgres", "postgresql+psycopg")
DATABASE_URL_FORMS = (
    "use sqlite:///path/to/resolve.sqlite3 or postgresql://user:password@host:5432/database"
)

# Case numbers as the partnership's systems write them, e.g. CS-104233 or NS-2026-4471 (read
# without regard to case); a dispute reference (RPD-2026-0042) is not one.
DEFAULT_CHILD_REF_PATTERN = r"\b(?!RPD-)[A-Z]{2,4}-(?:\d{4}-)?\d{4,}\b"

_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _env(name: str) -> dict[str, AliasChoices]:
    return {"validation_alias": AliasChoices(name)}


REPORT_CADENCES = (1, 2, 3, 4, 6, 12)  # months that divide the year into equal periods


class Settings(BaseSettings):
    """Everything a partnership's administrator can set; each field says its variable."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field("sqlite:///resolve.sqlite3", **_env("DATABASE_URL"))
    timezone: str = Field("Europe/London", **_env("RESOLVE_TIMEZONE"))
    region: Region = Field(Region.ENGLAND_AND_WALES, **_env("RESOLVE_REGION"))
    working_hours: str = Field("09:00-17:00", **_env("RESOLVE_WORKING_HOURS"))
    protocol: str = Field("suffolk", **_env("RESOLVE_PROTOCOL"))
    protocol_path: Path | None = Field(None, **_env("RESOLVE_PROTOCOL_PATH"))
    slack_bot_token: str | None = Field(None, **_env("SLACK_BOT_TOKEN"))
    slack_signing_secret: str | None = Field(None, **_env("SLACK_SIGNING_SECRET"))
    slack_app_token: str | None = Field(None, **_env("SLACK_APP_TOKEN"))
    slack_api_url: str = Field("https://slack.com/api/", **_env("SLACK_API_URL"))
    port: int = Field(3000, ge=1, le=65535, **_env("PORT"))
    bind: IPvAnyAddress = Field(IPv4Address("0.0.0.0"), **_env("RESOLVE_BIND"))
    conversation: ConversationKind = Field(
        ConversationKind.PRIVATE_CHANNEL, **_env("RESOLVE_CONVERSATION")
    )
    leads_channel: str | None = Field(None, **_env("RESOLVE_LEADS_CHANNEL"))
    admins_channel: str | None = Field(None, **_env("RESOLVE_ADMINS_CHANNEL"))
    # The partnership's practice committee queue for learning; the admins when unset.
    learning_channel: str | None = Field(None, **_env("RESOLVE_LEARNING_CHANNEL"))
    # The case summary shows in the dispute's private conversation; in direct messages only if
    # the partnership chooses, since a DM can be read wherever its reader is signed in.
    summary_in_dms: bool = Field(False, **_env("RESOLVE_SUMMARY_IN_DMS"))
    # Connections one replica keeps to PostgreSQL, and how many more it may open at a peak:
    # replicas x (pool + overflow) must stay under the server's max_connections.
    db_pool_size: int = Field(5, ge=1, le=100, **_env("RESOLVE_DB_POOL_SIZE"))
    db_max_overflow: int = Field(10, ge=0, le=100, **_env("RESOLVE_DB_MAX_OVERFLOW"))
    sweep_seconds: int = Field(60, ge=1, le=3600, **_env("RESOLVE_SWEEP_SECONDS"))
    # Lapsed stages one sweep transaction escalates before it commits: a smaller batch holds
    # SQLite's write lock for less time, and lets replicas share a smaller surge.
    sweep_batch: int = Field(200, ge=1, le=5000, **_env("RESOLVE_SWEEP_BATCH"))
    outbox_max_attempts: int = Field(8, ge=1, le=100, **_env("RESOLVE_OUTBOX_MAX_ATTEMPTS"))
    outbox_pacing_seconds: float = Field(1.0, ge=0, le=10, **_env("RESOLVE_OUTBOX_PACING_SECONDS"))
    digest_time: str = Field("08:30", pattern=r"^\d{2}:\d{2}$", **_env("RESOLVE_DIGEST_TIME"))
    digest_quiet: QuietDigest = Field(QuietDigest.LINE, **_env("RESOLVE_DIGEST_QUIET"))
    clock_start: datetime | None = Field(None, **_env("RESOLVE_CLOCK_START"))
    clock_speed: float = Field(1.0, gt=0, le=1_000_000, **_env("RESOLVE_CLOCK_SPEED"))
    data_keys: str | None = Field(None, repr=False, **_env("RESOLVE_DATA_KEYS"))
    child_ref_pattern: str = Field(DEFAULT_CHILD_REF_PATTERN, **_env("RESOLVE_CHILD_REF_PATTERN"))
    retention: str = Field("6 years", **_env("RESOLVE_RETENTION"))
    reopen_within: str = Field(DEFAULT_REOPEN_WITHIN, **_env("RESOLVE_REOPEN_WITHIN"))
    child_protection_contact: str | None = Field(
        None, min_length=1, max_length=300, **_env("RESOLVE_CHILD_PROTECTION_CONTACT")
    )
    report_every_months: int = Field(6, **_env("RESOLVE_REPORT_EVERY_MONTHS"))

    @field_validator("data_keys")
    @classmethod
    def _keys(cls, value: str | None) -> str | None:
        if value is not None and value.strip():
            try:
                KeyRing.parse(value)
            except DataKeyError as exc:
                raise ValueError(str(exc)) from None
            return value
        return None

    @field_validator("child_ref_pattern")
    @classmethod
    def _pattern(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"must be a regular expression ({exc})") from None
        return value

    @field_validator("retention")
    @classmethod
    def _retention(cls, value: str) -> str:
        parse_period(value)
        return value

    @field_validator("reopen_within")
    @classmethod
    def _reopen_within(cls, value: str) -> str:
        try:
            parse_timescale(value)
        except TimescaleError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        try:
            driver = make_url(value).drivername
        except ArgumentError:
            driver = ""
        if driver not in SUPPORTED_DRIVERS:
            raise ValueError(DATABASE_URL_FORMS)
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("must be an IANA time zone such as Europe/London") from exc
        return value

    @field_validator("working_hours")
    @classmethod
    def _hours_range(cls, value: str) -> str:
        start, end = parse_working_hours(value)
        if start >= end:
            raise ValueError("the start must be before the end, as in 09:00-17:00")
        return value

    @field_validator("digest_time")
    @classmethod
    def _time_of_day(cls, value: str) -> str:
        hour, minute = (int(part) for part in value.split(":"))
        if hour > 23 or minute > 59:
            raise ValueError("a time of day such as 08:30")
        return value

    @field_validator("report_every_months")
    @classmethod
    def _whole_year_divisor(cls, value: int) -> int:
        if value not in REPORT_CADENCES:
            raise ValueError("one of 1, 2, 3, 4, 6 or 12, so reports cover the year evenly")
        return value

    @field_validator("clock_start")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("needs a UTC offset, such as 2026-12-01T09:00:00+00:00")
        return value

    @property
    def keyring(self) -> KeyRing | None:
        return KeyRing.parse(self.data_keys) if self.data_keys else None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def hours(self) -> tuple[time, time]:
        return parse_working_hours(self.working_hours)


def parse_working_hours(value: str) -> tuple[time, time]:
    """Reads `HH:MM-HH:MM`; anything else is rejected with the expected form."""
    match = _HOURS.match(value)
    if not match:
        raise ValueError("must look like 09:00-17:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        return time(h1, m1), time(h2, m2)
    except ValueError as exc:
        raise ValueError("must be two times of day, as in 09:00-17:00") from exc


_ALLOWED = {
    "RESOLVE_REGION": "one of " + ", ".join(r.value for r in Region),
    "RESOLVE_CONVERSATION": "one of " + ", ".join(c.value for c in ConversationKind),
    "RESOLVE_DIGEST_QUIET": "one of " + ", ".join(q.value for q in QuietDigest),
    "DATABASE_URL": DATABASE_URL_FORMS,
    "PORT": "a port number from 1 to 65535",
    "RESOLVE_BIND": "an IP address to listen on, such as 0.0.0.0, 127.0.0.1 or ::",
    "RESOLVE_SWEEP_SECONDS": "a whole number of seconds from 1 to 3600",
    "RESOLVE_SWEEP_BATCH": "a whole number of lapsed stages from 1 to 5000",
    "RESOLVE_DB_POOL_SIZE": "a whole number of connections from 1 to 100",
    "RESOLVE_DB_MAX_OVERFLOW": "a whole number of connections from 0 to 100",
    "RESOLVE_OUTBOX_MAX_ATTEMPTS": "a whole number from 1 to 100",
    "RESOLVE_OUTBOX_PACING_SECONDS": "seconds between messages to one channel, 0 to 10",
    "RESOLVE_DIGEST_TIME": "a time of day such as 08:30",
    "RESOLVE_CLOCK_START": "an ISO-8601 instant with its offset, such as 2026-12-01T09:00:00+00:00",
    "RESOLVE_CLOCK_SPEED": "simulated seconds per real second, more than 0 (e.g. 3600)",
    "RESOLVE_RETENTION": "a period such as '6 years', '18 months' or ISO-8601 'P6Y'",
    "RESOLVE_CHILD_PROTECTION_CONTACT": "the line to call for a child at immediate risk, such "
    "as 'the MASH on 0300 123 4567', up to 300 characters",
    "RESOLVE_REPORT_EVERY_MONTHS": "one of 1, 2, 3, 4, 6 or 12 (months), so reports cover the "
    "year evenly",
}


def load_settings(**overrides: object) -> Settings:
    """Builds settings, turning pydantic's report into one line a person can act on."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else "settings"
        allowed = _ALLOWED.get(name) or str(error["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{name} is not valid: {allowed}.") from None
    except UnicodeDecodeError:
        raise SettingsError("The .env file is not UTF-8 text: save it as UTF-8.") from None
