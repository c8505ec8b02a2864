"""Buttons on notices, approval requests and the Home tab. Pressing twice changes nothing twice;
someone not entitled gets a private refusal.

Middleware acknowledges the press and resolves who pressed it and which dispute; each callback
applies one flow or opens one form, and returns the reply (see `handlers.middleware`)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.flows import disputes as flows
from bot.messages import disputes as views
from bot.messages import learning as learning_views
from bot.messages import modals, replies
from bot.messages.duties import DUTY_TICK, parse_block_id
from bot.runtime import Runtime
from bot.services.errors import DomainError
from handlers.commands.dispute import escalation_view
from handlers.middleware import answered, button_context
from handlers.support import directory_person, unexpected, unit_of_work
from handlers.views.forms import field
from models.directory import Person
from models.dispute import Dispute

Body = dict[str, Any]
View = dict[str, Any]


@answered
def acknowledge(context: BoltContext) -> str:
    rt: Runtime = context["rt"]
    with unit_of_work(rt) as session:
        acting = context["acting"]
        notice = flows.acknowledge(
            rt.flows, session, dispute=acting.dispute(session), actor=acting.person(session)
        )
        return replies.acknowledged(notice, rt.calendar)


@answered
def approve(context: BoltContext, respond: Respond) -> None:
    rt: Runtime = context["rt"]
    acting = context["acting"]
    if acting.meta.entry is None:
        raise DomainError("That approval button is not valid any more.")
    with unit_of_work(rt) as session:
        entry = flows.approve_discussion(
            rt.flows,
            session,
            dispute=acting.dispute(session),
            actor=acting.person(session),
            entry_id=acting.meta.entry,
        )
        text = replies.approved(entry, rt.calendar)
    respond(text=text, blocks=[views.section(text)], replace_original=True)


STALE_LEARNING = "That learning button is not valid any more."


@answered
def decide_learning(context: BoltContext, body: Body, respond: Respond) -> str:
    """Reviewed or Needs discussion, from a lead or admin: recorded and audited, and the notice
    redrawn in place with who decided and when, its buttons gone."""
    rt: Runtime = context["rt"]
    acting = context["acting"]
    state = learning_views.DECISION_BY_ACTION.get(body["actions"][0].get("action_id"))
    if acting.meta.entry is None or state is None:
        raise DomainError(STALE_LEARNING)
    with unit_of_work(rt) as session:
        item = flows.decide_learning(
            rt.flows,
            session,
            item_id=acting.meta.entry,
            actor=acting.person(session),
            state=state.value,
        )
        notice = learning_views.learning_notice(item, rt.calendar)
        reply = learning_views.decided_reply(item, rt.calendar)
    respond(**notice, replace_original=True)
    return reply


def _checklist_reference(action: Body) -> object:
    parsed = parse_block_id(action.get("block_id"))
    return parsed[0] if parsed else None


@answered
def tick_duty(context: BoltContext, body: Body, respond: Respond) -> None:
    """Records the box as ticked or unticked, then redraws that one entry in the message."""
    rt: Runtime = context["rt"]
    action = body["actions"][0]
    parsed = parse_block_id(action.get("block_id"))
    message = body.get("message")
    if parsed is None or not isinstance(message, dict):
        raise DomainError("That checklist is not valid any more.")
    acting = context["acting"]
    with unit_of_work(rt) as session:
        entry = flows.tick_duty(
            rt.flows,
            session,
            dispute=acting.dispute(session),
            actor=acting.person(session),
            key=parsed[1],
            done=bool(action.get("selected_options")),
        )
    blocks = [
        entry if block.get("block_id") == action["block_id"] else block
        for block in message.get("blocks", [])
    ]
    respond(text=message.get("text", ""), blocks=blocks, replace_original=True)


def _open_form(context: BoltContext, client: WebClient, body: Body, build: Any) -> None:
    """Opens the form `build` draws for the dispute, or refuses with the reason."""
    rt: Runtime = context["rt"]
    acting = context["acting"]
    with unit_of_work(rt) as session:
        view = build(rt, session, acting.dispute(session), acting.person(session))
    client.views_open(trigger_id=body["trigger_id"], view=view)


def _log_view(rt: Runtime, session: Session, dispute: Dispute, person: Person) -> View:
    rt.service.require_acting(session, dispute, person, "log a discussion on")
    return modals.log_modal(dispute.reference, dispute.protocol_snapshot.discussion_prompts)


def _resolve_view(rt: Runtime, session: Session, dispute: Dispute, person: Person) -> View:
    rt.service.require_acting(session, dispute, person, "resolve")
    return modals.resolve_modal(dispute.reference, dispute.protocol_snapshot.asked_at_resolution)


def _escalate_view(rt: Runtime, session: Session, dispute: Dispute, person: Person) -> View:
    return escalation_view(rt, session, dispute, person, reason=None)


@answered
def open_correction_form(context: BoltContext, client: WebClient, body: Body) -> None:
    """The correction form, prefilled with the record as it stands; anyone who may not
    correct it is refused before the form opens."""
    rt: Runtime = context["rt"]
    acting = context["acting"]
    if acting.meta.entry is None:
        raise DomainError("That correction button is not valid any more.")
    with unit_of_work(rt) as session:
        dispute = acting.dispute(session)
        entry = rt.service.awaiting_record(
            session, dispute, acting.meta.entry, acting.person(session), "correct"
        )
        view = modals.correction_modal(dispute.reference, entry.id, entry.current)
    client.views_open(trigger_id=body["trigger_id"], view=view)


@answered
def open_log_form(context: BoltContext, client: WebClient, body: Body) -> None:
    _open_form(context, client, body, _log_view)


@answered
def open_escalate_form(context: BoltContext, client: WebClient, body: Body) -> None:
    _open_form(context, client, body, _escalate_view)


@answered
def open_resolve_form(context: BoltContext, client: WebClient, body: Body) -> None:
    _open_form(context, client, body, _resolve_view)


def open_form_changed(rt: Runtime, body: Body, client: WebClient) -> None:
    """Redraws the open form when the counterpart, the category or the urgency changes: the
    chosen person's agency from the directory, the details the chosen category asks for, and
    the warning that immediate risk needs the child protection procedures now."""
    view = body["view"]
    action = body["actions"][0]
    protocol = rt.catalog.get(rt.settings.protocol)  # never the one a form's metadata names
    if protocol is None:
        return
    if action.get("action_id") == modals.COUNTERPART_PICKED:
        picked = action.get("selected_user")
        if not picked:
            return
    else:
        picked = field(view, "counterpart")
    if action.get("action_id") == modals.CATEGORY_PICKED:
        category = (action.get("selected_option") or {}).get("value")
    else:
        category = field(view, "category")
    if action.get("action_id") == modals.URGENCY_PICKED:
        urgency = (action.get("selected_option") or {}).get("value")
    else:
        urgency = field(view, "urgency")
    note = _counterpart_note(rt, client, picked) if picked else None
    client.views_update(
        view_id=view["id"],
        hash=view.get("hash"),
        view=modals.open_modal(
            protocol,
            counterpart_note=note,
            category=category,
            urgency=urgency,
            risk_contact=rt.settings.child_protection_contact,
        ),
    )


def _counterpart_note(rt: Runtime, client: WebClient, picked: str) -> str:
    try:
        with unit_of_work(rt) as session:
            person = directory_person(session, client, picked)
            return f"{person.name}: {person.job_title}, {person.agency.name} (from the directory)"
    except DomainError:
        return (
            ":warning: This person is not in the agency directory. Ask your partnership's "
            "business unit to add them before you open the dispute."
        )
    except Exception as error:  # noqa: BLE001 - the form still works without the note
        return unexpected(error)


def register(app: App, rt: Runtime) -> None:
    app.action(views.ACKNOWLEDGE, middleware=[button_context(rt)])(acknowledge)
    stale_approval = "That approval button is not valid any more."
    app.action(views.APPROVE, middleware=[button_context(rt, stale=stale_approval)])(approve)
    stale_correction = "That correction button is not valid any more."
    correcting = button_context(rt, stale=stale_correction)
    app.action(views.CORRECT, middleware=[correcting])(open_correction_form)
    app.action(views.LOG, middleware=[button_context(rt)])(open_log_form)
    app.action(views.ESCALATE, middleware=[button_context(rt)])(open_escalate_form)
    app.action(views.RESOLVE, middleware=[button_context(rt)])(open_resolve_form)
    stale_checklist = "That checklist is not valid any more."
    checklist = button_context(rt, stale=stale_checklist, read=_checklist_reference)
    app.action(DUTY_TICK, middleware=[checklist])(tick_duty)
    # Leads and admins decide on learning from disputes they are not part of.
    committee = button_context(rt, stale=STALE_LEARNING, needs_dispute=False)
    for decision in learning_views.DECISION_BY_ACTION:
        app.action(decision, middleware=[committee])(decide_learning)

    def on_open_form_changed(ack: Any, body: Body, client: WebClient) -> None:
        ack()
        open_form_changed(rt, body, client)

    for changed in (modals.COUNTERPART_PICKED, modals.CATEGORY_PICKED, modals.URGENCY_PICKED):
        app.action(changed)(on_open_form_changed)
