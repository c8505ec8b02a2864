"""Nothing a user sends can crash the bot or change anything it should not: generated slash
commands, button presses and form submissions, signed and sent over HTTP to the real app.

Every example must be answered without a server error (and, through the end-to-end guard in
conftest, without the generic "something went wrong" reply or a logged error), and every invalid
one must leave every table exactly as it was.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.messages import disputes as views
from bot.messages import modals
from bot.slack_emulator.driver import Reply
from models.all import Base
from tests.e2e.conftest import GENERIC_ERROR, Bot, ErrorLog
from tests.e2e.test_journey import REF, open_dispute

FUZZ = settings(
    max_examples=75,
    derandomize=True,  # the same examples on every run
    database=None,  # and nothing remembered between runs
    deadline=timedelta(seconds=10),  # a few HTTP round trips, generous for a busy machine
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
UNKNOWN_USER = "U0NOBODY"
SUBCOMMANDS = [
    "open",
    "log",
    "status",
    "list",
    "escalate",
    "resolve",
    "record",
    "whoami",
    "help",
    "report",
]

Snapshot = dict[str, list[tuple[Any, ...]]]


# Every request is remembered so a replay can be answered alike; that is not the dispute's state.
BOOKKEEPING = {"seen_requests"}


def snapshot(bot: Bot) -> Snapshot:
    """Every row of every table but the request bookkeeping, in primary-key order."""
    with bot.rt.factory() as session:
        return {
            table.name: [
                tuple(row)
                for row in session.execute(select(table).order_by(*table.primary_key.columns)).all()
            ]
            for table in Base.metadata.sorted_tables
            if table.name not in BOOKKEEPING
        }


@pytest.fixture
def errors() -> Iterator[ErrorLog]:
    """Errors logged while the examples run, checked after each one so it shrinks to the cause."""
    collect = ErrorLog()
    logging.getLogger().addHandler(collect)
    try:
        yield collect
    finally:
        logging.getLogger().removeHandler(collect)


@pytest.fixture
def opened(bot: Bot, errors: ErrorLog) -> Bot:
    """One dispute (RPD-2026-0001) between pol_dc and csc_sw, its messages delivered, and a
    Slack user the directory does not know."""
    bot.emulator.add_user(UNKNOWN_USER, "Nobody Known", "nobody@elsewhere.example")
    open_dispute(bot)
    for user in (*bot.ids.values(), UNKNOWN_USER):
        assert bot.slack.open_home(user).status == 200  # buttons on the Home tab are fuzzed too
    return bot


def unexpected(bot: Bot, errors: ErrorLog) -> list[str]:
    """Every generic "something went wrong" the bot has sent or answered, and every error it
    logged, so far."""
    sent = [json.dumps(m) for m in bot.emulator.messages()] + [r.body for r in bot.slack.replies]
    return [s for s in sent if GENERIC_ERROR in s] + [r.getMessage() for r in errors.records]


def assert_answered(bot: Bot, errors: ErrorLog, reply: Reply) -> None:
    """No server error, no generic error reply, nothing logged as an error."""
    assert reply.status == 200, reply
    assert not unexpected(bot, errors), unexpected(bot, errors)[-1]


def assert_unchanged(bot: Bot, before: Snapshot) -> None:
    after = snapshot(bot)
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"invalid input changed {changed}"


# Text Slack could carry: any printable text, spaces and newlines included.
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
# References that are not the open dispute's: malformed, unknown, or in another year.
wrong_references = st.one_of(
    texts.filter(lambda t: t.strip().upper() != REF),
    st.integers(min_value=2, max_value=99_999).map(lambda n: f"RPD-2026-{n:04d}"),
    st.sampled_from(["RPD-2025-0001", "rpd-2026-0002", "RPD-2026-", "RPD--0001", ""]),
)


def changes_state(user: str, bot: Bot, text: str) -> bool:
    """`log REF note` by a party writes a discussion; `record REF` sends a file. Anything
    else typed after /dispute only reads or opens a form."""
    words = text.strip().split(maxsplit=2)
    return (
        user in (bot.ids["pol_dc"], bot.ids["csc_sw"])
        and len(words) >= 2
        and words[0].lower() in ("log", "record")
        and words[1].upper() == REF
    )


command_texts = st.one_of(
    texts,
    st.tuples(st.sampled_from(SUBCOMMANDS), wrong_references, texts).map(" ".join),
    st.tuples(st.sampled_from(SUBCOMMANDS), st.just(REF), texts).map(" ".join),
)


def test_generated_slash_commands_never_fail_and_invalid_ones_change_nothing(
    opened: Bot, errors: ErrorLog
) -> None:
    bot = opened
    users = [bot.ids["pol_dc"], bot.ids["csc_sw"], bot.ids["outsider"], UNKNOWN_USER]

    @FUZZ
    @given(user=st.sampled_from(users), text=command_texts)
    def check(user: str, text: str) -> None:
        before = snapshot(bot)
        reply = bot.slack.command(user, text)
        assert_answered(bot, errors, reply)
        if not changes_state(user, bot, text):
            assert_unchanged(bot, before)

    check()


def action_values() -> st.SearchStrategy[Any]:
    return st.one_of(
        wrong_references,
        st.tuples(wrong_references, st.integers(0, 10**6)).map(lambda p: f"{p[0]}:{p[1]}"),
        st.just(f"{REF}:999999"),  # an approval of a record that does not exist
        st.just(f"{REF}:abc"),
    )


def test_generated_button_presses_never_fail_and_invalid_ones_change_nothing(
    opened: Bot, errors: ErrorLog
) -> None:
    bot = opened
    dm = bot.dms("csc_sw")[-1]
    action_ids = [views.ACKNOWLEDGE, views.APPROVE, views.LOG, views.ESCALATE, views.RESOLVE]
    entitled = [bot.ids["csc_sw"], bot.ids["pol_dc"]]

    @FUZZ
    @given(
        user=st.sampled_from([*entitled, bot.ids["outsider"], UNKNOWN_USER]),
        action_id=st.sampled_from(action_ids),
        value=action_values(),
        on_home=st.booleans(),
    )
    def check(user: str, action_id: str, value: Any, on_home: bool) -> None:
        before = snapshot(bot)
        if on_home:
            reply = bot.slack.press_on_home(user, action_id, value)
        else:
            button = {"type": "button", "action_id": action_id, "value": value}
            blocks = [{"type": "actions", "block_id": "fuzz", "elements": [button]}]
            reply = bot.slack.press(user, dm | {"blocks": blocks}, action_id)
        assert_answered(bot, errors, reply)
        assert_unchanged(bot, before)

    check()


def form_values() -> st.SearchStrategy[dict[str, Any]]:
    """A submission's inputs: free text anywhere, and never a counterpart in the directory."""
    return st.fixed_dictionaries(
        {
            "counterpart": st.sampled_from([None, UNKNOWN_USER]),
            "category": st.one_of(st.none(), st.sampled_from(["referral-threshold"])),
            "child_ref": texts,
            "summary": texts,
            "occurred": texts,
            "participants": texts,
            "discussion": texts,
            "agreed": texts,
            "reason": texts,
            "stated_timescale": texts,
            "outcome": st.none(),
            "actions": texts,
            "learning": texts,
        }
    )


def test_generated_form_submissions_never_fail_and_invalid_ones_change_nothing(
    opened: Bot, errors: ErrorLog
) -> None:
    bot = opened
    forms = {
        modals.OPEN: bot.rt.settings.protocol,
        modals.LOG: REF,
        modals.ESCALATE: REF,
        modals.RESOLVE: REF,
    }
    templates = {
        callback: {**view, "id": f"V0{callback.upper()}"}
        for callback, view in (
            (modals.OPEN, modals.open_modal(bot.rt.catalog.get(bot.rt.settings.protocol))),
            (modals.LOG, modals.log_modal(REF)),
            (modals.ESCALATE, modals.escalate_modal(REF, transition=1, next_title="Stage 2")),
            (modals.RESOLVE, modals.resolve_modal(REF)),
        )
    }
    entitled = bot.ids["pol_dc"]

    @FUZZ
    @given(
        callback=st.sampled_from(list(forms)),
        user=st.sampled_from([entitled, bot.ids["outsider"], UNKNOWN_USER]),
        metadata=st.one_of(st.none(), wrong_references),
        values=form_values(),
    )
    def check(callback: str, user: str, metadata: str | None, values: dict[str, Any]) -> None:
        view = json.loads(json.dumps(templates[callback]))
        if callback != modals.OPEN and user == entitled:
            view["private_metadata"] = metadata if metadata is not None else ""
        else:
            view["private_metadata"] = metadata if metadata is not None else forms[callback]
        before = snapshot(bot)
        reply = bot.slack.submit(user, view, values)
        assert_answered(bot, errors, reply)
        answer = reply.json()
        assert answer.get("response_action") == "errors", answer  # refused beside a field
        assert all(isinstance(e, str) and e for e in answer["errors"].values())
        assert_unchanged(bot, before)

    check()
