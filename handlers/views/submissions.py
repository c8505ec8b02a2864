"""Modal submissions: validated before the modal closes, so errors show beside their field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.messages import disputes as views
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
    entry = rt.service.open(
        session=session,
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
    rt.notifier.stage_entered(session, entry)
    dispute = entry.transition.dispute
    reply = views.opened_reply(dispute, dispute.protocol_snapshot, rt.calendar)
    rt.notifier.direct(session, me, reply, dispute=dispute)


def _dispute(rt: Runtime, session: Session, me: Person, view: View) -> Any:
    return rt.service.get_visible(session, reference=view["private_metadata"], viewer=me)


def submit_log(rt: Runtime, session: Session, client: WebClient, me: Person, view: View) -> None:
    dispute = _dispute(rt, session, me, view)
    entry = rt.service.log_discussion(
        session=session,
        dispute=dispute,
        actor=me,
        occurred=field(view, "occurred") or "",
        participants=field(view, "participants") or "",
        discussion=field(view, "discussion") or "",
        agreed=field(view, "agreed"),
    )
    rt.notifier.discussion_logged(session, entry)
    protocol = dispute.protocol_snapshot
    text = (
        f"Your discussion record on {dispute.reference} is saved; the other party has been "
        "asked to approve it. " + views.next_step(dispute, protocol, rt.calendar)
    )
    rt.notifier.direct(session, me, views.plain_message(text), dispute=dispute)


def submit_escalate(
    rt: Runtime, session: Session, client: WebClient, me: Person, view: View
) -> None:
    dispute = _dispute(rt, session, me, view)
    entry = rt.service.escalate(
        session=session,
        dispute=dispute,
        actor=me,
        reason=field(view, "reason") or "",
        stated_timescale=field(view, "stated_timescale"),
    )
    rt.notifier.stage_entered(session, entry)
    protocol = dispute.protocol_snapshot
    acting = [a.person for a in entry.assignment.people]
    rt.notifier.direct(
        session,
        me,
        views.stage_moved(
            dispute, protocol, acting, "manual", entry.transition.reason, rt.calendar
        ),
        dispute=dispute,
    )


def submit_resolve(
    rt: Runtime, session: Session, client: WebClient, me: Person, view: View
) -> None:
    dispute = _dispute(rt, session, me, view)
    resolution = rt.service.resolve(
        session=session,
        dispute=dispute,
        actor=me,
        outcome=field(view, "outcome") or "",
        summary=field(view, "summary") or "",
        actions=parse_actions(rt, field(view, "actions")),
        learning=field(view, "learning"),
        refer_to_partnership="yes" in (field(view, "refer") or []),
    )
    rt.notifier.resolved(session, resolution)
    text = (
        f"{dispute.reference} is closed. Everyone involved has been told. "
        f"The full record: `/dispute record {dispute.reference}`."
    )
    rt.notifier.direct(session, me, views.plain_message(text), dispute=dispute)


def register(app: App, rt: Runtime) -> None:
    app.view(modals.OPEN)(_submission(rt, "summary", submit_open))
    app.view(modals.LOG)(_submission(rt, "discussion", submit_log))
    app.view(modals.ESCALATE)(_submission(rt, "reason", submit_escalate))
    app.view(modals.RESOLVE)(_submission(rt, "summary", submit_resolve))
