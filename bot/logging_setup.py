"""Logging for every command: plain or JSON lines, and nothing a user sent ever written out.

A request that fails verification makes Bolt log its whole body; libraries log tokens and
`response_url`s. The redaction filter sits on each handler, so whatever logger a line comes
from, it is scrubbed before it is written.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import IO, Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped

from bot.settings import SettingsError

REDACTED = "[redacted]"

_PATTERNS = [
    # Bolt's verification failure: "... (body: token=...&text=...)" up to the end of the line.
    re.compile(r"(?<=body: ).*", re.DOTALL),
    re.compile(r"(?<=\bbody=).*", re.DOTALL),
    re.compile(r"\bx(?:ox[a-z]|app)-[A-Za-z0-9-]+"),
    re.compile(r"https?://hooks\.slack\.com/\S*"),
    re.compile(r"(?<=response_url)(['\"]?\s*[:=]\s*['\"]?)[^'\"&\s,}]+"),
    re.compile(r"\b(?:payload|text|child_ref|summary)=[^&\s]+"),
]

LIBRARY_LOGGERS = ("slack_bolt", "slack_sdk", "resolve.slack", "waitress")


def redact(text: str) -> str:
    """Removes request bodies, tokens, response URLs and typed text from one log line."""
    for pattern in _PATTERNS:
        text = pattern.sub(
            lambda m: (m.group(1) + REDACTED) if m.re.groups else REDACTED,
            text,
        )
    return text


class RedactionFilter(logging.Filter):
    """Rewrites each record's message and traceback before any formatter sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message and any traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


PLAIN = "%(asctime)s %(levelname)s %(name)s %(message)s"


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to the given stream, or to whatever `sys.stderr` is at the time of each line."""

    def __init__(self, stream: IO[str] | None) -> None:
        super().__init__(stream)
        self._fixed = stream

    @property  # type: ignore[override]
    def stream(self) -> IO[str]:
        return self._fixed or sys.stderr

    @stream.setter
    def stream(self, value: IO[str]) -> None:
        self._fixed = value if value is not sys.stderr else None


def make_handler(stream: IO[str] | None, log_format: str) -> logging.Handler:
    """A handler in the chosen format (`json` or plain), carrying the redaction filter."""
    handler = _StderrHandler(stream)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(PLAIN))
    handler.addFilter(RedactionFilter())
    return handler


_installed: logging.Handler | None = None


class LogSettings(BaseSettings):
    """Read apart from the other settings, so a bad one elsewhere is still logged."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", validation_alias="RESOLVE_LOG_LEVEL"
    )
    format: Literal["plain", "json"] = Field("plain", validation_alias="RESOLVE_LOG_FORMAT")

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value


def configure_logging(level: str, log_format: str, stream: IO[str] | None = None) -> None:
    """Sends every logger's lines through the filter, at `level`, replacing an earlier set-up.

    Slack's libraries log whole payloads at DEBUG, so they stay at INFO or above whatever
    `level` is; every other handler already on the root logger gets the filter too.
    """
    global _installed
    root = logging.getLogger()
    if _installed is not None:
        root.removeHandler(_installed)
    _installed = make_handler(stream, log_format)
    root.addHandler(_installed)
    for existing in root.handlers:
        if not any(isinstance(f, RedactionFilter) for f in existing.filters):
            existing.addFilter(RedactionFilter())
    numeric = logging.getLevelName(level)
    root.setLevel(numeric)
    quiet_libraries(numeric)


class RoutineLibraryLines(logging.Filter):
    """Drops library warnings that are true of every start and ask nothing of an operator.

    Bolt warns that its token "will be unused" whenever SLACK_BOT_TOKEN is set, because the app
    is handed a client built from that same token on purpose.
    """

    LINES = frozenset({warning_client_prioritized_and_token_skipped()})

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() not in self.LINES


_ROUTINE = RoutineLibraryLines()


def quiet_libraries(level: int) -> None:
    """What libraries may say: their warnings by default, their routine lines only when DEBUG
    (`--verbose`) is asked for, and never Slack's payloads.

    Slack's libraries log whole payloads at DEBUG, so they stay at INFO even then; at INFO they
    say each Socket Mode reconnection and retry, which is routine. The scheduler says each job
    it runs at INFO and, at WARNING, each run it skips or coalesces because the last is still
    going: by design here (the database says what is due), so only its errors show by default.
    Alembic says each migration it checks and WeasyPrint each step of drawing a PDF.
    """
    verbose = level <= logging.DEBUG
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO if verbose else max(level, logging.WARNING))
    for name in ("slack_bolt", "resolve.slack"):
        if verbose:
            logging.getLogger(name).removeFilter(_ROUTINE)
        else:
            logging.getLogger(name).addFilter(_ROUTINE)
    logging.getLogger("alembic").setLevel(level if verbose else max(level, logging.WARNING))
    logging.getLogger("apscheduler").setLevel(level if verbose else max(level, logging.ERROR))
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(level if verbose else max(level, logging.WARNING))


def configure_from_environment(default_level: str = "INFO", *, verbose: bool = False) -> None:
    """RESOLVE_LOG_LEVEL and RESOLVE_LOG_FORMAT; a bad value stops the command in one line.

    `default_level` applies when RESOLVE_LOG_LEVEL is not set (the demo prints a transcript, so
    it logs only warnings unless asked for more); `verbose` (`--verbose`) means DEBUG whatever
    the variable says.
    """
    try:
        settings = LogSettings()
    except ValidationError as exc:
        name = str(exc.errors()[0]["loc"][0]) if exc.errors()[0]["loc"] else "RESOLVE_LOG_LEVEL"
        allowed = {
            "RESOLVE_LOG_LEVEL": "one of DEBUG, INFO, WARNING, ERROR",
            "RESOLVE_LOG_FORMAT": "plain or json",
        }
        problem = f"{name} is not valid: {allowed.get(name, 'see the README')}."
        raise SettingsError(problem) from None
    except UnicodeDecodeError:
        raise SettingsError("The .env file is not UTF-8 text: save it as UTF-8.") from None
    level = settings.level if "level" in settings.model_fields_set else default_level
    configure_logging("DEBUG" if verbose else level, settings.format)
