"""Text with a NUL character is refused kindly before anything is stored, the same on SQLite
and PostgreSQL; a form cannot pick a protocol other than the partnership's."""

from __future__ import annotations

from sqlalchemy import select

from bot.input_guard import NUL_REFUSAL
from models.dispute import Dispute
from tests.e2e.conftest import Bot
from tests.e2e.test_journey import CHILD, REF, audit_count, open_dispute
from tests.e2e.test_requests import dispute_count


def form(bot: Bot, **values: str) -> dict[str, str]:
    return {
        "counterpart": bot.ids["csc_sw"],
        "category": "referral-threshold",
        "child_ref": CHILD,
        "summary": "Referral refused.",
    } | values


def test_a_form_field_with_a_nul_is_refused_beside_the_field(bot: Bot) -> None:
    raiser = bot.ids["pol_dc"]
    bot.slack.command(raiser, "open")
    modal = bot.emulator.views_opened()[-1]
    reply = bot.slack.submit(raiser, modal, form(bot, summary="Referral\x00 refused."))
    assert reply.status == 200
    assert reply.json() == {"response_action": "errors", "errors": {"summary": NUL_REFUSAL}}
    bot.deliver()
    assert dispute_count(bot) == 0
    assert bot.emulator.messages() == []


def test_slash_command_text_with_a_nul_is_refused_and_nothing_is_logged(bot: Bot) -> None:
    open_dispute(bot)
    before = audit_count(bot)
    reply = bot.slack.command(bot.ids["pol_dc"], f"log {REF} Spoke to\x00 the team")
    assert reply.status == 200
    assert reply.json() == {"response_type": "ephemeral", "text": NUL_REFUSAL}
    bot.deliver()
    assert audit_count(bot) == before


def test_the_open_form_runs_the_configured_protocol_whatever_its_metadata_says(bot: Bot) -> None:
    raiser = bot.ids["pol_dc"]
    bot.slack.command(raiser, "open")
    modal = bot.emulator.views_opened()[-1]
    assert modal["private_metadata"] == "suffolk"
    forged = {**modal, "private_metadata": "portsmouth"}
    assert bot.slack.submit(raiser, forged, form(bot)).status == 200
    with bot.rt.factory() as session:
        dispute = session.scalars(select(Dispute)).one()
        assert dispute.protocol_key == bot.rt.settings.protocol == "suffolk"
