"""Modal submissions: validated before the modal closes, so errors show beside their field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.flows import disputes as flows
from bot.messages import modals
from bot.runtime import Runtime
from bot.services.errors import DomainError
from handlers.support import directory_person, unexpected, unit_of_work
from handlers.views.forms import field, parse_actions
from models.directory import Person

Body = dict[str, Any]
View = dict[str, Any]
Submit = Callable[[Runtime, Session, WebClient, Person, View], None]


def _submission(rt: Runtime, fallback_block: str, submit: Submit) -> Callable[..., None]:
    """Runs `submit` in one transaction; any refusal goes back to the form, nothing changes."""

    def listener(ack: Ack, body: Body, client: WebClient, view: View) -> None:
        blocks = {b.get("block_id") for b in view.get("blocks", [])}
        try:
            with unit_of_work(rt) as session:
                submit(
                    rt, session, client, directory_person(session, client, body["user"]["id"]), view
                )
        except DomainError as error:
            target = error.field if error.field in blocks else fallback_block
            ack(response_action="errors", errors={target: str(error)})
            return
        except Exception as error:  # noqa: BLE001 - nothing a user sends may crash the bot
            ack(response_action="errors", errors={fallback_block: unexpected(error)})
            return
        ack()

    return listener


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


def submit_open(rt: Runtime, session: Session, client: WebClient, me: Person, view: View) -> None:
    counterpart = counterpart_from(session, client, field(view, "counterpart"))
    flows.open_dispute(
        rt.flows,
        session,
        protocol_key=view.get("private_metadata") or rt.settings.protocol,
        category=field(view, "category") or "",
        raiser=me,
        counterpart=counterpart,
        child_ref=field(view, "child_ref") or "",
        summary=field(view, "summary") or "",
        urgency=field(view, "urgency") or "standard",
        stated_timescale=field(view, "stated_timescale"),
        start_stage=field(view, "start_stage"),
    )


def _dispute(rt: Runtime, session: Session, me: Person, view: View) -> Any:
    return rt.service.get_visible(session, reference=view["private_metadata"], viewer=me)


def submit_log(rt: Runtime, session: Session, client: WebClient, me: Person, view: View) -> None:
    flows.log_discussion(
        rt.flows,
        session,
        dispute=_dispute(rt, session, me, view),
        actor=me,
        occurred=field(view, "occurred") or "",
        participants=field(view, "participants") or "",
        discussion=field(view, "discussion") or "",
        agreed=field(view, "agreed"),
    )


def submit_escalate(
    rt: Runtime, session: Session, client: WebClient, me: Person, view: View
) -> None:
    flows.escalate(
        rt.flows,
        session,
        dispute=_dispute(rt, session, me, view),
        actor=me,
        reason=field(view, "reason") or "",
        stated_timescale=field(view, "stated_timescale"),
    )


def submit_resolve(
    rt: Runtime, session: Session, client: WebClient, me: Person, view: View
) -> None:
    flows.resolve(
        rt.flows,
        session,
        dispute=_dispute(rt, session, me, view),
        actor=me,
        outcome=field(view, "outcome") or "",
        summary=field(view, "summary") or "",
        actions=parse_actions(rt, field(view, "actions")),
        learning=field(view, "learning"),
        refer_to_partnership="yes" in (field(view, "refer") or []),
    )


def register(app: App, rt: Runtime) -> None:
    app.view(modals.OPEN)(_submission(rt, "summary", submit_open))
    app.view(modals.LOG)(_submission(rt, "discussion", submit_log))
    app.view(modals.ESCALATE)(_submission(rt, "reason", submit_escalate))
    app.view(modals.RESOLVE)(_submission(rt, "summary", submit_resolve))
