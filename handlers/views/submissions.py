"""Modal submissions: validated before the modal closes, so errors show beside their field.

Middleware resolves who submitted the form and the dispute its metadata names; each callback
reads the fields and calls one flow, and whatever it refuses goes back to the form with nothing
changed (see `handlers.middleware`)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.flows import disputes as flows
from bot.messages import modals
from bot.runtime import Runtime
from bot.services.errors import DomainError
from handlers.middleware import answered, form_context
from handlers.support import directory_person, unit_of_work
from handlers.views.forms import asked, field, parse_actions
from models.directory import Person
from models.protocol import RECORD_PREFIX

View = dict[str, Any]


def counterpart_from(session: Session, client: WebClient, slack_user_id: str | None) -> Person:
    if not slack_user_id:
        raise DomainError("Choose the person you disagree with.", field="counterpart")
    try:
        return directory_person(session, client, slack_user_id)
    except DomainError:
        raise DomainError(
            "That person is not in the agency directory, so the protocol cannot find their "
            "managers. Ask your partnership's business unit to add them.",
            field="counterpart",
        ) from None


@answered
def submit_open(context: BoltContext, client: WebClient, view: View) -> None:
    rt: Runtime = context["rt"]
    acting = context["acting"]
    with unit_of_work(rt) as session:
        counterpart = counterpart_from(session, client, field(view, "counterpart"))
        flows.open_dispute(
            rt.flows,
            session,
            protocol_key=rt.settings.protocol,
            category=field(view, "category") or "",
            raiser=acting.person(session),
            counterpart=counterpart,
            child_ref=field(view, "child_ref") or "",
            summary=field(view, "summary") or "",
            urgency=field(view, "urgency") or "standard",
            stated_timescale=field(view, "stated_timescale"),
            start_stage=field(view, "start_stage"),
            answers=asked(view),
        )


@answered
def submit_log(context: BoltContext, view: View) -> None:
    rt: Runtime = context["rt"]
    acting = context["acting"]
    with unit_of_work(rt) as session:
        flows.log_discussion(
            rt.flows,
            session,
            dispute=acting.dispute(session),
            actor=acting.person(session),
            occurred=field(view, "occurred") or "",
            participants=field(view, "participants") or "",
            discussion=field(view, "discussion") or "",
            agreed=field(view, "agreed"),
        )


@answered
def submit_correction(context: BoltContext, view: View) -> None:
    rt: Runtime = context["rt"]
    acting = context["acting"]
    if acting.meta.entry is None:
        raise DomainError("This correction form is not valid any more; open it again.")
    with unit_of_work(rt) as session:
        flows.correct_discussion(
            rt.flows,
            session,
            dispute=acting.dispute(session),
            actor=acting.person(session),
            entry_id=acting.meta.entry,
            participants=field(view, "participants") or "",
            discussion=field(view, "discussion") or "",
            agreed=field(view, "agreed"),
        )


@answered
def submit_escalate(context: BoltContext, view: View) -> None:
    rt: Runtime = context["rt"]
    acting = context["acting"]
    with unit_of_work(rt) as session:
        flows.escalate(
            rt.flows,
            session,
            dispute=acting.dispute(session),
            actor=acting.person(session),
            reason=field(view, "reason") or "",
            stated_timescale=field(view, "stated_timescale"),
        )


@answered
def submit_resolve(context: BoltContext, view: View) -> None:
    rt: Runtime = context["rt"]
    acting = context["acting"]
    with unit_of_work(rt) as session:
        flows.resolve(
            rt.flows,
            session,
            dispute=acting.dispute(session),
            actor=acting.person(session),
            outcome=field(view, "outcome") or "",
            summary=field(view, "summary") or "",
            actions=parse_actions(rt, field(view, "actions")),
            learning=field(view, "learning"),
            refer_to_partnership="yes" in (field(view, "refer") or []),
            record_answers=asked(view, RECORD_PREFIX),
        )


@answered
def submit_reflect(context: BoltContext, view: View) -> None:
    rt: Runtime = context["rt"]
    acting = context["acting"]
    with unit_of_work(rt) as session:
        flows.request_reflective(
            rt.flows,
            session,
            dispute=acting.dispute(session),
            actor=acting.person(session),
            topic=field(view, "topic") or "",
        )


def register(app: App, rt: Runtime) -> None:
    opening = form_context(rt, fallback="summary", needs_dispute=False)
    app.view(modals.OPEN, middleware=[opening])(submit_open)
    app.view(modals.LOG, middleware=[form_context(rt, fallback="discussion")])(submit_log)
    correcting = form_context(rt, fallback="discussion")
    app.view(modals.CORRECT, middleware=[correcting])(submit_correction)
    app.view(modals.ESCALATE, middleware=[form_context(rt, fallback="reason")])(submit_escalate)
    app.view(modals.RESOLVE, middleware=[form_context(rt, fallback="summary")])(submit_resolve)
    app.view(modals.REFLECT, middleware=[form_context(rt, fallback="topic")])(submit_reflect)
