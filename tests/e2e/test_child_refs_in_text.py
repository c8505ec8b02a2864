"""A case number typed into free text is refused at the field, and nothing is stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.services.child_refs import ChildRefDetector
from bot.services.errors import DomainError
from models.audit import AuditEvent
from models.dispute import DiscussionEntry, Dispute
from models.outbox import OutboxMessage
from tests.e2e.conftest import Bot
from tests.e2e.test_journey import CHILD, REF, open_dispute

REMOVE = "Remove the child's case number from"


def count(bot: Bot, model: type) -> int:
    with bot.rt.factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_open_form_refuses_a_case_number_in_the_summary(bot: Bot) -> None:
    raiser = bot.ids["pol_dc"]
    bot.slack.command(raiser, "open")
    modal = bot.emulator.views_opened()[-1]
    reply = bot.slack.submit(
        raiser,
        modal,
        {
            "counterpart": bot.ids["csc_sw"],
            "category": "referral-threshold",
            "child_ref": CHILD,
            "summary": "Referral for ns-2026-4471's sibling refused as below threshold.",
        },
    )
    errors = reply.json()["errors"]
    assert errors == {
        "summary": f"{REMOVE} the summary: it belongs only in the Child reference field."
    }
    assert "4471" not in str(errors)
    assert count(bot, Dispute) == 0
    assert count(bot, AuditEvent) == 0
    assert count(bot, OutboxMessage) == 0


def test_open_form_refuses_the_childs_own_reference_whatever_its_format(bot: Bot) -> None:
    raiser = bot.ids["pol_dc"]
    bot.slack.command(raiser, "open")
    modal = bot.emulator.views_opened()[-1]
    reply = bot.slack.submit(
        raiser,
        modal,
        {
            "counterpart": bot.ids["csc_sw"],
            "category": "referral-threshold",
            "child_ref": "ab/77",
            "summary": "The referral for AB/77 was refused.",
        },
    )
    assert REMOVE in reply.json()["errors"]["summary"]
    assert count(bot, Dispute) == 0


def test_quick_note_with_a_case_number_is_refused_and_not_logged(bot: Bot) -> None:
    open_dispute(bot)
    events = count(bot, AuditEvent)
    outbox = count(bot, OutboxMessage)
    bot.slack.command(bot.ids["csc_sw"], f"log {REF} Called DS Khan about {CHILD} today")
    answer = bot.replies("csc_sw")[-1]["text"]
    assert answer == f"{REMOVE} what was said: it belongs only in the Child reference field."
    assert count(bot, DiscussionEntry) == 0
    assert count(bot, AuditEvent) == events
    assert count(bot, OutboxMessage) == outbox


def test_a_dispute_reference_in_a_note_is_not_mistaken_for_a_case_number(bot: Bot) -> None:
    open_dispute(bot)
    bot.slack.command(bot.ids["csc_sw"], f"log {REF} Linked to RPD-2026-0042, agreed to meet")
    assert f"Your note on {REF} is logged" in bot.replies("csc_sw")[-1]["text"]
    assert count(bot, DiscussionEntry) == 1


def test_log_form_shows_the_error_beside_what_was_agreed(bot: Bot) -> None:
    open_dispute(bot)
    bot.slack.command(bot.ids["csc_sw"], f"log {REF}")
    modal = bot.emulator.views_opened()[-1]
    reply = bot.slack.submit(
        bot.ids["csc_sw"],
        modal,
        {
            "occurred": "today 09:00",
            "participants": "Ben Okafor, Lucy Moss",
            "discussion": "Reviewed the referral.",
            "agreed": f"Re-screen {CHILD} with the police intelligence.",
        },
    )
    assert reply.json()["errors"] == {
        "agreed": f"{REMOVE} what was agreed: it belongs only in the Child reference field."
    }
    assert count(bot, DiscussionEntry) == 0


def test_the_pattern_is_the_partnerships_to_set() -> None:
    nhs = ChildRefDetector(r"\b\d{3} ?\d{3} ?\d{4}\b")
    assert nhs.found_in("seen at clinic, NHS 943 476 5919")
    assert not nhs.found_in("CS-104233 is not this partnership's format")
    with pytest.raises(DomainError) as refused:
        nhs.refuse("943 476 5919", field="summary", where="the summary")
    assert refused.value.field == "summary"
