"""`/dispute report [period]`: the partnership report, for safeguarding leads and admins only."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.database import read_only
from bot.messages.blocks import section
from bot.messages.dates import when
from bot.messages.report import summary_blocks
from bot.runtime import Runtime
from bot.services.report_documents import report_documents
from bot.services.report_periods import requested_period
from handlers.commands.parsing import Subcommand
from handlers.middleware import Acting
from handlers.support import ephemeral, unit_of_work
from models.roles import Role

REPORT_ROLES = {Role.SAFEGUARDING_LEAD.value, Role.PARTNERSHIP_ADMIN.value}


def refusal() -> dict[str, Any]:
    return ephemeral(
        "Sorry, the partnership report is for safeguarding leads and partnership admins. "
        "If you need its figures, ask your agency's safeguarding lead; if the directory has "
        "your role wrong, ask your partnership's business unit to correct it."
    )


def send_report(
    rt: Runtime, acting: Acting, sub: Subcommand, client: WebClient, body: dict[str, Any]
) -> dict[str, Any]:
    """The summary as a private reply; the PDF and CSV as files in the person's DMs."""
    with unit_of_work(rt) as session:
        person = acting.person(session)
        if person.role not in REPORT_ROLES:
            return refusal()
        name = person.name
    now = rt.clock.now()
    first, last = requested_period(sub.rest, rt.calendar.local(now).date())
    with read_only(rt.factory) as session:
        documents = report_documents(
            session, rt.calendar, first, last, ("pdf", "csv"), generated_at=now, generated_by=name
        )
    channel = client.conversations_open(users=body["user_id"])["channel"]["id"]
    for document in documents:
        client.files_upload_v2(
            channel=channel,
            content=document.content,
            filename=document.filename,
            title=document.filename,
        )
    summary = documents[0].summary
    note = (
        f"I've sent you the report as a PDF and a CSV in our direct messages "
        f"({when(rt.calendar, now)})."
    )
    return ephemeral(note, [section(note), *summary_blocks(summary)])
