"""The record fields a protocol asks for at resolution, through the real app: asked in the
resolve form, checked for the child's reference, sealed at rest and shown in the record."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.dispute import Dispute, Resolution
from models.procedures import RecordAnswer
from tests.e2e.conftest import Bot
from tests.e2e.test_child_data_at_rest import raw_rows
from tests.e2e.test_journey import CHILD, REF
from tests.e2e.test_procedures import count, open_plain

EVIDENCE = "School attendance fell to 60% this term; two bruises logged by the nurse."
RESOLVED = {"outcome": "resolved", "summary": "Social care will complete an assessment."}


def resolve_form(bot: Bot) -> dict:
    open_plain(bot, "referral-criteria")
    bot.slack.command(bot.ids["csc_sw"], f"resolve {REF}")
    modal = bot.emulator.views_opened()[-1]
    assert modal["callback_id"] == "resolve_dispute"
    return modal


@pytest.mark.protocol("sussex")
def test_the_resolve_form_asks_for_the_fields_no_dispute_holds(bot: Bot) -> None:
    blocks = {b.get("block_id"): b for b in resolve_form(bot)["blocks"]}
    asked = {k: b for k, b in blocks.items() if k and k.startswith("record_")}
    assert list(asked) == ["record_evidence", "record_effect_on_child"]
    evidence, effect = asked["record_evidence"], asked["record_effect_on_child"]
    assert evidence["label"]["text"] == "Evidence for the concern"
    assert effect["label"]["text"] == "How the difference affects the outcomes for the child"
    assert all(b["optional"] and b["element"]["multiline"] for b in asked.values())
    assert "observations, assessments, reports" in evidence["hint"]["text"]
    # Fields the dispute already holds are not asked again.
    assert "record_discussions" not in blocks and "record_difference" not in blocks


@pytest.mark.protocol("sussex")
def test_an_answer_naming_the_child_is_refused_and_nothing_is_stored(bot: Bot) -> None:
    modal = resolve_form(bot)
    reply = bot.slack.submit(
        bot.ids["csc_sw"], modal, RESOLVED | {"record_evidence": f"See {CHILD} file notes"}
    )
    error = reply.json()["errors"]["record_evidence"]
    assert error.startswith("Remove the child's case number from the answer to 'Evidence")
    assert CHILD not in error
    assert count(bot, RecordAnswer) == count(bot, Resolution) == 0
    with bot.rt.factory() as session:
        dispute = session.scalar(select(Dispute))
        assert dispute is not None and dispute.is_open


@pytest.mark.protocol("sussex")
def test_answers_are_sealed_and_reach_the_record(bot: Bot) -> None:
    modal = resolve_form(bot)
    reply = bot.slack.submit(bot.ids["csc_sw"], modal, RESOLVED | {"record_evidence": EVIDENCE})
    assert reply.status == 200 and reply.body == ""
    bot.deliver()
    assert count(bot, RecordAnswer) == 1
    assert "two bruises logged" not in raw_rows(bot)

    bot.slack.command(bot.ids["pol_dc"], f"record {REF} md")
    record = bot.emulator.files()[-1]["content"].decode()
    heading = "## Professional Resolution and Escalation of Concerns (six step process): "
    assert heading + "the record this protocol asks for" in record
    assert f"**Evidence for the concern**\n\n> {EVIDENCE}\n" in record
    assert "**How the difference affects the outcomes for the child**\n\n_Not given_\n" in record
    assert "**Outcome for the child**\n\n> Social care will complete an assessment.\n" in record
