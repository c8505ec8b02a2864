"""Protocol-specific procedures through the real app: Oxfordshire's conference dissent and
restorative questions, Portsmouth's reflective practice meeting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.messages import disputes as views
from models.audit import AuditEvent
from models.dispute import Dispute
from models.procedures import CategoryAnswer, ReflectiveRequest
from tests.e2e.conftest import Bot
from tests.e2e.test_child_data_at_rest import raw_rows
from tests.e2e.test_journey import CHILD, REF, last_notice

DISSENT = {
    "counterpart": "U0CSCTM",
    "category": "cp-conference-dissent",
    "child_ref": CHILD,
    "summary": "The conference decided no child protection plan; police dissented.",
    "ask_conference_date": "16/11/2026",
    "ask_dissenting_agency": "Northshire Police",
    "ask_dissenting_professional": "Lucy Moss, Detective Constable",
    "ask_dissent_reason": "Disclosure at school not weighed; risk of significant harm remains.",
}
QUESTION = "Tell me what got in the way of"
REFLECTION = "What got in the way of the joint home visit"


def count(bot: Bot, model: type) -> int:
    with bot.rt.factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def dissent_form(bot: Bot) -> dict:
    bot.slack.command(bot.ids["pol_dc"], "open")
    modal = bot.emulator.views_opened()[-1]
    bot.slack.pick_option(bot.ids["pol_dc"], modal, "category", "cp-conference-dissent")
    return bot.emulator.views_opened()[-1]


def open_plain(bot: Bot, category: str) -> None:
    bot.slack.command(bot.ids["pol_dc"], "open")
    form = {
        "counterpart": bot.ids["csc_sw"],
        "category": category,
        "child_ref": CHILD,
        "summary": "Referral refused as below threshold; police see a s47 need.",
    }
    assert bot.slack.submit(bot.ids["pol_dc"], bot.emulator.views_opened()[-1], form).body == ""
    bot.deliver()


@pytest.mark.protocol("oxfordshire")
def test_conference_dissent_form_asks_who_dissented_why_and_the_chair(bot: Bot) -> None:
    bot.slack.command(bot.ids["pol_dc"], "open")
    plain = bot.emulator.views_opened()[-1]
    assert not any(b["block_id"].startswith("ask_") for b in plain["blocks"] if "block_id" in b)

    modal = dissent_form(bot)
    blocks = {b.get("block_id"): b for b in modal["blocks"]}
    for asked in ("conference_date", "dissenting_agency", "dissenting_professional"):
        assert blocks[f"ask_{asked}"]["optional"] is False
    assert blocks["ask_dissent_reason"]["label"]["text"] == "Reason for the dissent"
    assert blocks["counterpart"]["label"]["text"] == "Who chaired the conference?"
    assert "Independent Chair" in blocks["counterpart"]["hint"]["text"]
    assert blocks["category"]["element"]["initial_option"]["value"] == "cp-conference-dissent"

    # Picking the chair keeps the category's fields and shows the chair's agency.
    bot.slack.pick_user(bot.ids["pol_dc"], modal, "open_counterpart_picked", bot.ids["csc_tm"])
    redrawn = bot.emulator.views_opened()[-1]
    assert "Amy Clarke: Team Manager" in str(redrawn["blocks"])


@pytest.mark.protocol("oxfordshire")
def test_a_dissent_without_its_reason_or_with_a_bad_date_changes_nothing(bot: Bot) -> None:
    modal = dissent_form(bot)
    missing = bot.slack.submit(bot.ids["pol_dc"], modal, DISSENT | {"ask_dissent_reason": None})
    assert (
        missing.json()["errors"]["ask_dissent_reason"] == "Please add the reason for the dissent."
    )
    future = bot.slack.submit(
        bot.ids["pol_dc"], modal, DISSENT | {"ask_conference_date": "1/12/2026"}
    )
    assert "cannot be in the future" in future.json()["errors"]["ask_conference_date"]
    named = bot.slack.submit(
        bot.ids["pol_dc"], modal, DISSENT | {"ask_dissent_reason": f"Case {CHILD} was missed"}
    )
    assert "Remove the child's case number" in named.json()["errors"]["ask_dissent_reason"]
    assert count(bot, Dispute) == count(bot, CategoryAnswer) == count(bot, AuditEvent) == 0


@pytest.mark.protocol("oxfordshire")
def test_a_dissent_is_sealed_at_rest_and_shown_in_status_and_record(bot: Bot) -> None:
    modal = dissent_form(bot)
    assert bot.slack.submit(bot.ids["pol_dc"], modal, DISSENT).body == ""
    bot.deliver()

    assert count(bot, CategoryAnswer) == 4
    rows = raw_rows(bot)
    for typed in ("Disclosure at school", "Lucy Moss, Detective Constable"):
        assert typed not in rows
    with bot.rt.factory() as session:
        kinds = session.scalars(select(AuditEvent.kind)).all()
    assert "category_details_recorded" in kinds

    bot.slack.command(bot.ids["csc_tm"], f"status {REF}")
    status = bot.replies("csc_tm")[-1]["blocks"][0]["text"]["text"]
    assert "*Dissenting agency:* Northshire Police" in status
    assert "*Date of the conference:* Monday 16 November 2026" in status
    assert "*Reason for the dissent:* Disclosure at school not weighed" in status

    bot.slack.command(bot.ids["pol_dc"], f"record {REF} md")
    record = bot.emulator.files()[-1]["content"].decode()
    assert "## Dissent at a child protection conference" in record
    assert "- **Dissenting professional (name and role):** Lucy Moss, Detective Constable" in record


@pytest.mark.protocol("oxfordshire")
def test_oxfordshire_discussion_form_and_notices_offer_the_restorative_questions(
    bot: Bot,
) -> None:
    open_plain(bot, "referral-criteria")
    notice = last_notice(bot, "csc_sw")
    assert "Questions that help" in str(notice["blocks"])
    assert QUESTION in str(notice["blocks"])
    assert "How do you each think and feel about the situation?" in str(notice["blocks"])

    bot.slack.press(bot.ids["csc_sw"], notice, views.LOG)
    form = bot.emulator.views_opened()[-1]
    assert form["callback_id"] == "log_discussion"
    assert QUESTION in str(form["blocks"])


def test_other_protocols_show_no_restorative_questions(bot: Bot) -> None:
    open_plain(bot, "referral-threshold")
    notice = last_notice(bot, "csc_sw")
    assert "Questions that help" not in str(notice["blocks"])
    bot.slack.press(bot.ids["csc_sw"], notice, views.LOG)
    assert "Questions that help" not in str(bot.emulator.views_opened()[-1]["blocks"])


@pytest.mark.protocol("portsmouth")
def test_a_reflective_meeting_is_recorded_audited_and_told_to_everyone_involved(
    bot: Bot,
) -> None:
    open_plain(bot, "referral-criteria")
    bot.clock.advance(timedelta(hours=2))
    reply = bot.slack.command(bot.ids["csc_sw"], f"reflect {REF} {REFLECTION}")
    assert reply.status == 200
    answer = bot.replies("csc_sw")[-1]["text"]
    assert f"reflective practice meeting on *{REF}* is recorded" in answer
    assert "Monday 23 November 2026" in answer
    bot.deliver()

    for key in ("pol_dc", "csc_sw"):
        told = [m for m in bot.dms(key) if "reflective practice meeting was asked for" in m["text"]]
        assert told, f"{key} was not told"
        assert REFLECTION in str(told[-1]["blocks"])
        assert "5.3" in str(told[-1]["blocks"])
    assert REFLECTION not in raw_rows(bot)
    with bot.rt.factory() as session:
        request = session.scalars(select(ReflectiveRequest)).one()
        assert request.requested_by.name == "Ben Okafor" and request.stage_index == 0
        assert "reflective_meeting_requested" in session.scalars(select(AuditEvent.kind)).all()

    bot.slack.command(bot.ids["pol_dc"], f"status {REF}")
    status = str(bot.replies("pol_dc")[-1]["blocks"])
    assert "Reflective practice meeting asked for by Ben Okafor on" in status
    bot.slack.command(bot.ids["pol_dc"], f"record {REF} md")
    record = bot.emulator.files()[-1]["content"].decode()
    assert "## Reflective practice meetings" in record and REFLECTION in record


@pytest.mark.protocol("portsmouth")
def test_the_reflective_form_checks_what_is_typed(bot: Bot) -> None:
    open_plain(bot, "referral-criteria")
    bot.slack.command(bot.ids["pol_dc"], f"reflect {REF}")
    form = bot.emulator.views_opened()[-1]
    assert form["callback_id"] == "request_reflective"
    empty = bot.slack.submit(bot.ids["pol_dc"], form, {"topic": None})
    assert empty.json()["errors"]["topic"] == "Please add what you want to reflect on."
    named = bot.slack.submit(bot.ids["pol_dc"], form, {"topic": f"About {CHILD}"})
    assert "Remove the child's case number" in named.json()["errors"]["topic"]
    assert count(bot, ReflectiveRequest) == 0
    assert bot.slack.submit(bot.ids["pol_dc"], form, {"topic": REFLECTION}).body == ""
    assert count(bot, ReflectiveRequest) == 1

    bot.slack.command(bot.ids["outsider"], f"reflect {REF} {REFLECTION}")
    assert "no dispute" in bot.replies("outsider")[-1]["text"]
    assert count(bot, ReflectiveRequest) == 1


def test_protocols_without_a_reflective_meeting_say_so_and_record_nothing(bot: Bot) -> None:
    open_plain(bot, "referral-threshold")
    before = count(bot, AuditEvent)
    bot.slack.command(bot.ids["csc_sw"], f"reflect {REF} {REFLECTION}")
    refusal = bot.replies("csc_sw")[-1]["text"]
    assert "does not provide a reflective practice meeting" in refusal
    assert f"/dispute log {REF}" in refusal
    bot.slack.command(bot.ids["csc_sw"], f"reflect {REF}")
    assert "does not provide" in bot.replies("csc_sw")[-1]["text"]
    assert count(bot, ReflectiveRequest) == 0 and count(bot, AuditEvent) == before


@pytest.mark.protocol("sussex")
def test_the_leads_hear_once_when_similar_disputes_form_a_pattern(bot: Bot) -> None:
    for _ in range(4):
        open_plain(bot, "referral-criteria")
        bot.clock.advance(timedelta(days=7))
    alerts = [m for m in bot.dms("admin") if m["text"].startswith("Pattern:")]
    assert len(alerts) == 1
    shown = str(alerts[0]["blocks"])
    assert "RPD-2026-0001, RPD-2026-0002, RPD-2026-0003" in shown
    assert "RPD-2026-0004" not in shown and CHILD not in shown and "s47" not in shown
