"""Listener middleware: who is acting, which dispute the payload names, and one translation of
a refusal into a reply, put into the listener's context.

Bolt runs a listener after its middleware has returned, so no transaction can span both. The
middleware resolves the person and the dispute in one short transaction (linking a Slack user to
the directory the first time) and keeps their ids; the listener loads them again by id in its own
unit of work. Anything a lookup refuses is answered here and the listener never runs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, BoltContext, BoltResponse, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.messages import superseded
from bot.runtime import Runtime
from bot.services.errors import DomainError
from handlers.events.app_home import publish_home
from handlers.support import directory_person, ephemeral, unexpected, unit_of_work
from models.directory import Person
from models.dispute import Dispute
from models.payloads import ActionMeta, InvalidPayload

Body = dict[str, Any]
Answer = Callable[[object], None]
Middleware = Callable[..., BoltResponse | None]

STALE = "That button is not valid any more."
STALE_FORM = "This form is out of date: close it and open it again."


@dataclass(frozen=True)
class Acting:
    """The directory person acting, and the dispute the payload names (visible to them)."""

    person_id: int
    meta: ActionMeta
    dispute_id: int | None = None

    def person(self, session: Session) -> Person:
        person = session.get(Person, self.person_id)
        assert person is not None, "people are never deleted from the directory"
        return person

    def dispute(self, session: Session) -> Dispute:
        assert self.dispute_id is not None, "the listener's middleware names a dispute"
        dispute = session.get(Dispute, self.dispute_id)
        assert dispute is not None, "disputes are never deleted"
        return dispute


def refusal(error: Exception) -> str:
    """What the person is told: the domain's own words, or an incident number for the rest."""
    return str(error) if isinstance(error, DomainError) else unexpected(error)


def resolve_acting(
    rt: Runtime,
    client: WebClient,
    user_id: str,
    meta: ActionMeta,
    *,
    needs_dispute: bool,
    form: bool = False,
) -> Acting:
    """The person, and (when asked) the dispute, or the same refusal as for no such dispute;
    a button or form drawn for a stage the dispute has since left is refused, changing nothing."""
    with unit_of_work(rt) as session:
        me = directory_person(session, client, user_id)
        if not needs_dispute:
            return Acting(me.id, meta)
        reference = meta.reference if meta.reference is not None else (meta.protocol or "")
        dispute = rt.service.get_visible(session, reference=reference, viewer=me)
        if meta.transition is not None and (
            not dispute.is_open or dispute.current_transition.id != meta.transition
        ):
            raise DomainError(superseded.stale_press(dispute, form=form))
        return Acting(me.id, meta, dispute.id)


def answered(listener: Callable[..., object]) -> Callable[..., None]:
    """Hands whatever the listener returns, or raises, to the context's one answer."""

    @functools.wraps(listener)
    def run(**kwargs: Any) -> None:
        try:
            result = listener(**kwargs)
        except Exception as error:  # noqa: BLE001 - nothing a user sends may crash the bot
            result = error
        kwargs["context"]["answer"](result)

    return run


def _button_answer(rt: Runtime, client: WebClient, body: Body, respond: Respond | None) -> Answer:
    """A reply where the button was: privately in a message, or a refreshed Home tab."""

    def answer(result: object) -> None:
        if isinstance(result, Exception):
            result = refusal(result)
        if not result:
            return
        if body.get("view", {}).get("type") == "home":
            publish_home(rt, client, body["user"]["id"])
            return
        assert respond is not None
        respond(**ephemeral(str(result)), replace_original=False)

    return answer


def _into_context(
    context: BoltContext,
    rt: Runtime,
    answer: Answer,
    resolve: Callable[[], Acting | None],
    stale: str,
) -> bool:
    """Puts the runtime, the answer and what `resolve` finds into the listener's context.

    A refusal is answered here and False returned: the listener must not run.
    """
    context["rt"] = rt
    context["answer"] = answer
    try:
        acting = resolve()
    except InvalidPayload:
        answer(DomainError(stale))
        return False
    except Exception as error:  # noqa: BLE001 - nothing a user sends may crash the bot
        answer(error)
        return False
    if acting is not None:
        context["acting"] = acting
    return True


def _value(action: Body) -> object:
    return action.get("value")


def button_context(
    rt: Runtime,
    *,
    stale: str = STALE,
    needs_dispute: bool = True,
    read: Callable[[Body], object] = _value,
) -> Middleware:
    """Acknowledges the press, then resolves who pressed it and the dispute its value names;
    `read` finds that value in an element that carries none (a checkbox names it in its block).
    """

    def middleware(
        ack: Ack,
        body: Body,
        client: WebClient,
        context: BoltContext,
        next: Callable[[], None],
    ) -> BoltResponse | None:
        response = ack()

        def resolve() -> Acting:
            meta = ActionMeta.decode(read(body["actions"][0]))
            return resolve_acting(rt, client, body["user"]["id"], meta, needs_dispute=needs_dispute)

        answer = _button_answer(rt, client, body, context.respond)
        if not _into_context(context, rt, answer, resolve, stale):
            return response
        next()
        return None

    return middleware


def _form_answer(ack: Ack, view: dict[str, Any], fallback: str) -> Answer:
    """Closes the form, or shows the refusal beside the field at fault (else `fallback`)."""
    blocks = {b.get("block_id") for b in view.get("blocks", [])}

    def answer(result: object) -> None:
        if not isinstance(result, Exception):
            ack()
            return
        field = result.field if isinstance(result, DomainError) else None
        target = field if field in blocks else fallback
        ack(response_action="errors", errors={target: refusal(result)})

    return answer


def form_context(rt: Runtime, *, fallback: str, needs_dispute: bool = True) -> Middleware:
    """Resolves who submitted the form and the dispute its metadata names."""

    def middleware(
        ack: Ack,
        body: Body,
        client: WebClient,
        context: BoltContext,
        view: dict[str, Any],
        next: Callable[[], None],
    ) -> BoltResponse | None:
        def resolve() -> Acting:
            raw = view.get("private_metadata") or rt.settings.protocol
            meta = ActionMeta.decode(raw, form=True)
            user = body["user"]["id"]
            return resolve_acting(rt, client, user, meta, needs_dispute=needs_dispute, form=True)

        answer = _form_answer(ack, view, fallback)
        if not _into_context(context, rt, answer, resolve, STALE_FORM):
            return ack.response
        next()
        return None

    return middleware


def _command_answer(respond: Respond) -> Answer:
    """The reply to a slash command, seen only by the person who typed it."""

    def answer(result: object) -> None:
        if isinstance(result, Exception):
            result = ephemeral(refusal(result))
        if isinstance(result, dict):
            respond(**result)

    return answer


def command_context(rt: Runtime, parse: Callable[[str], Any]) -> Middleware:
    """Acknowledges the command, parses it, and resolves the person and any dispute it names;
    `help` needs neither, so it works for people not yet in the directory."""

    def middleware(
        ack: Ack,
        body: Body,
        client: WebClient,
        context: BoltContext,
        respond: Respond,
        next: Callable[[], None],
    ) -> BoltResponse | None:
        response = ack()

        def resolve() -> Acting | None:
            sub = context["sub"] = parse(body.get("text", ""))
            if sub.name == "help":
                return None
            meta = ActionMeta(reference=sub.reference)
            needs_dispute = sub.reference is not None
            return resolve_acting(rt, client, body["user_id"], meta, needs_dispute=needs_dispute)

        if not _into_context(context, rt, _command_answer(respond), resolve, STALE):
            return response
        next()
        return None

    return middleware
