"""`/dispute`: acknowledged at once, then the subcommand runs and answers privately."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.flows import disputes as flows
from bot.messages import disputes as views
from bot.messages import duties as duty_views
from bot.messages import learning as learning_views
from bot.messages import modals, procedures, replies
from bot.messages.dates import when
from bot.messages.home import LIST_ITEMS, list_message
from bot.messages.record import record_filename
from bot.runtime import Runtime
from bot.services.duty_list import current_duties, ticks
from bot.services.errors import DomainError
from bot.services.queries import my_disputes
from bot.services.record import render_record, render_record_pdf
from bot.working_days import long_date
from handlers.commands.parsing import Subcommand, parse
from handlers.commands.quick_note import read_quick_note
from handlers.commands.report import send_report
from handlers.middleware import Acting, answered, command_context
from handlers.support import ephemeral, unit_of_work
from models.directory import Person

Body = dict[str, Any]


def help_message(rt: Runtime) -> dict[str, Any]:
    protocol = rt.catalog.get(rt.settings.protocol)
    name = f" (_{protocol.name}_)" if protocol else ""
    lines = [
        f"*Resolve* runs your partnership's protocol{name} for professional disagreements "
        "about a child.",
        "• `/dispute open`: raise a disagreement with another agency (opens a form)",
        "• `/dispute log RPD-2026-0042 Spoke with @Omar Khan, agreed a strategy discussion`: "
        "log a quick note; everyone you @mention is recorded as taking part with you; leave "
        "the text off for the full form",
        "• `/dispute status RPD-2026-0042`: where it stands and what happens next",
        "• `/dispute list`: disputes you raised, are part of, or need to acknowledge",
        "• `/dispute escalate RPD-2026-0042 No agreement on threshold`: move it up a tier now",
        "• `/dispute resolve RPD-2026-0042`: record the outcome and close it",
        "• `/dispute record RPD-2026-0042`: the full record for the child's file, as a PDF "
        "(add `md` for Markdown text)",
        "• `/dispute reflect RPD-2026-0042 What got in the way of the joint visit`: ask for a "
        "reflective practice meeting, where your protocol provides one",
        "• `/dispute learning`: for safeguarding leads and partnership admins, the learning "
        "from closed disputes still waiting for the practice committee's review",
        "• `/dispute reopen RPD-2026-0042 The agreed assessment did not start`: reopen a "
        f"closed dispute you took part in, within {rt.settings.reopen_within} of its closure",
        "• `/dispute whoami`: how the agency directory sees you",
        "• `/dispute report last-6-months` (or `2026-04..2026-09`): the partnership report, "
        "for safeguarding leads and partnership admins",
    ]
    return ephemeral("How to use /dispute", [views.section("\n".join(lines))])


Reply = dict[str, Any] | None
# each subcommand gets the acting person and any dispute it names (`help` gets neither)
Run = Callable[[Runtime, Acting, Subcommand, WebClient, Body], Reply]


def _help(rt: Runtime, acting: Acting, sub: Subcommand, client: WebClient, body: Body) -> Reply:
    return help_message(rt)


@answered
def dispute_command(context: BoltContext, client: WebClient, body: Body) -> Reply:
    sub: Subcommand = context["sub"]
    return SUBCOMMANDS[sub.name](context["rt"], context.get("acting"), sub, client, body)


def register(app: App, rt: Runtime) -> None:
    app.command("/dispute", middleware=[command_context(rt, parse)])(dispute_command)


def open_form(rt: Runtime, acting: Acting, sub: Subcommand, client: WebClient, body: Body) -> None:
    protocol = rt.catalog.get(rt.settings.protocol)
    if protocol is None:
        raise DomainError(
            f"The configured protocol '{rt.settings.protocol}' is missing: ask your admin."
        )
    contact = rt.settings.child_protection_contact
    client.views_open(
        trigger_id=body["trigger_id"], view=modals.open_modal(protocol, risk_contact=contact)
    )


def log_discussion(
    rt: Runtime, acting: Acting, sub: Subcommand, client: WebClient, body: Body
) -> Reply:
    with unit_of_work(rt) as session:
        person, dispute = acting.person(session), acting.dispute(session)
        if not sub.rest.strip():
            rt.service.require_acting(session, dispute, person, "log a discussion on")
            client.views_open(
                trigger_id=body["trigger_id"],
                view=modals.log_modal(
                    dispute.reference, dispute.protocol_snapshot.discussion_prompts
                ),
            )
            return None
        note = read_quick_note(session, client, person, sub.rest)
        entry = flows.log_discussion(
            rt.flows,
            session,
            dispute=dispute,
            actor=person,
            occurred=rt.clock.now(),
            participants=note.participants,
            discussion=note.discussion,
            confirm=False,
        )
        text = replies.quick_note_logged(entry, rt.calendar, named_others=bool(note.others))
    return ephemeral(text)


def status(rt: Runtime, acting: Acting, sub: Subcommand, client: WebClient, body: Body) -> Reply:
    with unit_of_work(rt) as session:
        dispute = acting.dispute(session)
        duties = duty_views.status_lines(
            dispute,
            current_duties(dispute, rt.calendar),
            ticks(session, dispute),
            rt.calendar,
            rt.clock.now() if dispute.is_open else None,
        )
        message = views.status(
            dispute, dispute.protocol_snapshot, rt.calendar, duties, acting.person(session)
        )
    return {"response_type": "ephemeral", **message}


def list_mine(rt: Runtime, acting: Acting, sub: Subcommand, client: WebClient, body: Body) -> Reply:
    with unit_of_work(rt) as session:
        mine = my_disputes(session, acting.person(session), limit=LIST_ITEMS, with_parties=False)
        message = list_message(mine, calendar=rt.calendar)
    return {"response_type": "ephemeral", **message}


def list_learning(
    rt: Runtime, acting: Acting, sub: Subcommand, client: WebClient, body: Body
) -> Reply:
    """The practice committee's open learning items; anyone else is refused politely."""
    with unit_of_work(rt) as session:
        items = rt.service.open_learning(
            session, acting.person(session), limit=learning_views.LIST_ITEMS
        )
        message = learning_views.learning_list(items, rt.calendar)
    return {"response_type": "ephemeral", **message}


def escalate_form(
    rt: Runtime, acting: Acting, sub: Subcommand, client: WebClient, body: Body
) -> None:
    with unit_of_work(rt) as session:
        dispute, person = acting.dispute(session), acting.person(session)
        view = escalation_view(rt, session, dispute, person, reason=sub.rest or None)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def escalation_view(
    rt: Runtime, session: Session, dispute: Any, person: Person, *, reason: str | None
) -> dict[str, Any]:
    """The escalate form, or a clear refusal when this person cannot move the dispute on."""
    following = rt.service.check_escalation(session, dispute, person)
    return modals.escalate_modal(
        dispute.reference,
        transition=dispute.current_transition.id,
        next_title=following.title,
        reason=reason,
        by_referral=following.referral_only,
        stated=following.stated_timescale,
    )


def resolve_form(
    rt: Runtime, acting: Acting, sub: Subcommand, client: WebClient, body: Body
) -> None:
    assert sub.reference is not None
    with unit_of_work(rt) as session:
        dispute, person = acting.dispute(session), acting.person(session)
        rt.service.require_acting(session, dispute, person, "resolve")
        view = modals.resolve_modal(sub.reference, dispute.protocol_snapshot.asked_at_resolution)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def send_record(
    rt: Runtime, acting: Acting, sub: Subcommand, client: WebClient, body: Body
) -> Reply:
    """The full record as a file in the requester's direct messages with the bot: a PDF for the
    child's file, or the Markdown text with `md`."""
    extension = record_format(sub)
    with unit_of_work(rt) as session:
        dispute, person = acting.dispute(session), acting.person(session)
        if extension == "pdf":
            content: str | bytes = render_record_pdf(
                session,
                dispute=dispute,
                calendar=rt.calendar,
                generated_by=person.name,
                generated_at=rt.clock.now(),
            )
        else:
            content = render_record(session, dispute=dispute, calendar=rt.calendar)
        filename = record_filename(dispute, extension)
        reference = dispute.reference
    kind = RECORD_FORMATS[extension]
    channel = client.conversations_open(users=body["user_id"])["channel"]["id"]
    client.files_upload_v2(
        channel=channel,
        content=content,
        filename=filename,
        title=f"{reference} record ({kind})",
        initial_comment=f"The full record of {reference} as {kind}, for the child's file.",
    )
    other = (
        f"`/dispute record {reference} md` sends it as Markdown text"
        if extension == "pdf"
        else f"`/dispute record {reference}` sends it as a PDF"
    )
    return ephemeral(
        f"I've sent you the record of {reference} as {kind} ({filename}) in our direct "
        f"messages ({when(rt.calendar, rt.clock.now())}). {other}."
    )


RECORD_FORMATS = {"pdf": "a PDF", "md": "Markdown text"}


def record_format(sub: Subcommand) -> str:
    """'pdf' unless the person asked for 'md' (or 'markdown'); anything else is refused."""
    asked = sub.rest.strip().lower() or "pdf"
    asked = "md" if asked == "markdown" else asked
    if asked not in RECORD_FORMATS:
        raise DomainError(
            f"I can send the record as a PDF or as Markdown text. Try "
            f"`/dispute record {sub.reference}` for the PDF or "
            f"`/dispute record {sub.reference} md` for Markdown."
        )
    return asked


def reflect(rt: Runtime, acting: Acting, sub: Subcommand, client: WebClient, body: Body) -> Reply:
    """Asks for a reflective practice meeting; without text, opens the form."""
    with unit_of_work(rt) as session:
        person, dispute = acting.person(session), acting.dispute(session)
        if not sub.rest.strip():
            rt.service.require_acting(session, dispute, person, "ask for a reflective meeting on")
            step = rt.service.reflective_step(dispute)
            view = modals.reflective_modal(dispute.reference, step.source)
            client.views_open(trigger_id=body["trigger_id"], view=view)
            return None
        request = flows.request_reflective(
            rt.flows, session, dispute=dispute, actor=person, topic=sub.rest
        )
        text = procedures.reflective_saved(request, rt.calendar)
    return ephemeral(text)


def reopen(rt: Runtime, acting: Acting, sub: Subcommand, client: WebClient, body: Body) -> Reply:
    """Reopens a closed dispute; the reason is required and goes on the record."""
    with unit_of_work(rt) as session:
        dispute = acting.dispute(session)
        if not sub.rest.strip():
            raise DomainError(
                "Say why you are reopening it, as in "
                f"`/dispute reopen {dispute.reference} The agreed assessment did not start`. "
                "Nothing has changed."
            )
        flows.reopen(
            rt.flows, session, dispute=dispute, actor=acting.person(session), reason=sub.rest
        )
        text = replies.reopened(dispute, rt.calendar)
    return ephemeral(text)


def whoami(rt: Runtime, acting: Acting, sub: Subcommand, client: WebClient, body: Body) -> Reply:
    with unit_of_work(rt) as session:
        person = acting.person(session)
        manager = person.line_manager.described if person.line_manager else "none recorded"
        deputy = person.deputy.described if person.deputy else "none recorded"
        lines = [
            f"You are *{person.name}*, {person.job_title}, {person.agency.name}.",
            f"Role in the protocol: {person.role.replace('_', ' ')}",
            f"Line manager: {manager}",
            f"Deputy: {deputy}",
        ]
        if person.absent_until:
            lines.append(f"Recorded as absent until {long_date(person.absent_until)}.")
        lines.append("If any of this is wrong, ask your partnership's business unit to fix it.")
    return ephemeral("How the directory sees you", [views.section("\n".join(lines))])


SUBCOMMANDS: dict[str, Run] = {
    "help": _help,
    "open": open_form,
    "log": log_discussion,
    "status": status,
    "list": list_mine,
    "learning": list_learning,
    "escalate": escalate_form,
    "resolve": resolve_form,
    "record": send_record,
    "reflect": reflect,
    "reopen": reopen,
    "whoami": whoami,
    "report": send_report,
}
