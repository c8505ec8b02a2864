"""Buttons on notices, approval requests and the Home tab. Pressing twice changes nothing twice;
someone not entitled gets a private refusal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.flows import disputes as flows
from bot.messages import disputes as views
from bot.messages import modals, replies
from bot.runtime import Runtime
from bot.services.errors import DomainError
from handlers.commands.dispute import escalation_view
from handlers.events.app_home import publish_home
from handlers.support import directory_person, ephemeral, unexpected, unit_of_work

Body = dict[str, Any]


def _answer(rt: Runtime, client: WebClient, body: Body, respond: Respond, text: str) -> None:
    """A reply where the button was: privately in a message, or a refreshed Home tab."""
    if body.get("view", {}).get("type") == "home":
        publish_home(rt, client, body["user"]["id"])
        return
    respond(**ephemeral(text), replace_original=False)


def _guard(rt: Runtime, client: WebClient, body: Body, respond: Respond, work: Any) -> None:
    try:
        text = work()
    except DomainError as error:
        text = str(error)
    except Exception as error:  # noqa: BLE001 - nothing a user sends may crash the bot
        text = unexpected(error)
    if text:
        _answer(rt, client, body, respond, text)


def register(app: App, rt: Runtime) -> None:
    @app.action(views.ACKNOWLEDGE)
    def acknowledge(ack: Ack, body: Body, client: WebClient, respond: Respond) -> None:
        ack()

        def work() -> str:
            with unit_of_work(rt) as session:
                me = directory_person(session, client, body["user"]["id"])
                reference = body["actions"][0]["value"]
                dispute = rt.service.get_visible(session, reference=reference, viewer=me)
                notice = flows.acknowledge(rt.flows, session, dispute=dispute, actor=me)
                return replies.acknowledged(notice, rt.calendar)

        _guard(rt, client, body, respond, work)

    @app.action(views.APPROVE)
    def approve(ack: Ack, body: Body, client: WebClient, respond: Respond) -> None:
        ack()

        def work() -> str | None:
            reference, _, entry_id = body["actions"][0]["value"].partition(":")
            if not entry_id.isdigit():
                raise DomainError("That approval button is not valid any more.")
            with unit_of_work(rt) as session:
                me = directory_person(session, client, body["user"]["id"])
                dispute = rt.service.get_visible(session, reference=reference, viewer=me)
                entry = flows.approve_discussion(
                    rt.flows, session, dispute=dispute, actor=me, entry_id=int(entry_id)
                )
                text = replies.approved(entry, rt.calendar)
            respond(text=text, blocks=[views.section(text)], replace_original=True)
            return None

        _guard(rt, client, body, respond, work)

    def form_opener(build: Any) -> Any:
        def listener(ack: Ack, body: Body, client: WebClient, respond: Respond) -> None:
            ack()

            def work() -> None:
                with unit_of_work(rt) as session:
                    me = directory_person(session, client, body["user"]["id"])
                    reference = body["actions"][0]["value"]
                    dispute = rt.service.get_visible(session, reference=reference, viewer=me)
                    view = build(dispute)
                client.views_open(trigger_id=body["trigger_id"], view=view)

            _guard(rt, client, body, respond, work)

        return listener

    def log_view(dispute: Any) -> dict[str, Any]:
        rt.service.require_open(dispute, "log a discussion on")
        return modals.log_modal(dispute.reference)

    def resolve_view(dispute: Any) -> dict[str, Any]:
        rt.service.require_open(dispute, "resolve")
        return modals.resolve_modal(dispute.reference)

    app.action(views.LOG)(form_opener(log_view))
    app.action(views.ESCALATE)(form_opener(lambda d: escalation_view(rt, d, reason=None)))
    app.action(views.RESOLVE)(form_opener(resolve_view))

    @app.action(modals.COUNTERPART_PICKED)
    def counterpart_picked(ack: Ack, body: Body, client: WebClient) -> None:
        """Shows the chosen person's agency from the directory while the form is open."""
        ack()
        view = body["view"]
        picked = body["actions"][0].get("selected_user")
        protocol = rt.catalog.get(view.get("private_metadata") or rt.settings.protocol)
        if protocol is None or not picked:
            return
        try:
            with unit_of_work(rt) as session:
                person = directory_person(session, client, picked)
                note = (
                    f"{person.name}: {person.job_title}, {person.agency.name} (from the directory)"
                )
        except DomainError:
            note = (
                ":warning: This person is not in the agency directory. Ask your partnership's "
                "business unit to add them before you open the dispute."
            )
        except Exception as error:  # noqa: BLE001 - the form still works without the note
            note = unexpected(error)
        client.views_update(
            view_id=view["id"],
            hash=view.get("hash"),
            view=modals.open_modal(protocol, counterpart_note=note),
        )
