"""Listener middleware on its own: it resolves the person and the dispute a payload names, and
turns every refusal into one polite reply, before any listener runs."""

from __future__ import annotations

from typing import Any

import pytest
from slack_bolt import Ack, BoltContext
from sqlalchemy import func, select

from bot.services.errors import DomainError
from handlers.middleware import answered, button_context, form_context
from models.outbox import OutboxMessage
from tests.e2e.conftest import Bot
from tests.e2e.test_journey import REF, open_dispute


class Pressed:
    """One button press through the middleware, recording what the person is told."""

    def __init__(self, bot: Bot, user_key: str, value: object, **options: Any) -> None:
        self.context = BoltContext()
        self.replies: list[dict[str, Any]] = []
        self.context["respond"] = lambda **reply: self.replies.append(reply)
        self.went_on = False
        body = {"user": {"id": bot.ids[user_key]}, "actions": [{"value": value}]}

        def next_() -> None:
            self.went_on = True

        button_context(bot.rt, **options)(
            ack=Ack(), body=body, client=bot.rt.client, context=self.context, next=next_
        )

    @property
    def said(self) -> list[str]:
        return [reply["text"] for reply in self.replies]


def outbox_size(bot: Bot) -> int:
    with bot.rt.factory() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def test_the_acting_person_and_their_dispute_reach_the_listener(bot: Bot) -> None:
    open_dispute(bot)
    pressed = Pressed(bot, "csc_sw", REF)
    assert pressed.went_on and pressed.said == []
    acting = pressed.context["acting"]
    with bot.rt.factory() as session:
        assert acting.person(session).slack_user_id == bot.ids["csc_sw"]
        assert acting.dispute(session).reference == REF


def test_someone_outside_the_dispute_gets_the_same_answer_as_for_no_dispute(bot: Bot) -> None:
    open_dispute(bot)
    outsider = Pressed(bot, "outsider", REF)
    missing = Pressed(bot, "csc_sw", "RPD-2026-0999")
    assert not outsider.went_on and not missing.went_on
    assert outsider.said == [f"There is no dispute {REF} that you are part of."]
    assert missing.said == ["There is no dispute RPD-2026-0999 that you are part of."]


def test_a_tampered_value_gets_a_polite_reply_and_changes_nothing(bot: Bot) -> None:
    open_dispute(bot)
    before = outbox_size(bot)
    stale = "That approval button is not valid any more."
    pressed = Pressed(bot, "csc_sw", f"{REF}:1 or 1=1", stale=stale)
    assert not pressed.went_on
    assert pressed.said == [stale]
    assert outbox_size(bot) == before


@pytest.mark.provokes_errors("a listener raises RuntimeError to see the generic answer")
def test_a_refusal_inside_the_listener_becomes_the_same_kind_of_reply(bot: Bot) -> None:
    open_dispute(bot)
    pressed = Pressed(bot, "csc_sw", REF)

    @answered
    def refuses(context: BoltContext) -> None:
        raise DomainError("You cannot do that yet.")

    @answered
    def breaks(context: BoltContext) -> None:
        raise RuntimeError("CS-104233 leaked into an exception")

    refuses(context=pressed.context)
    breaks(context=pressed.context)
    assert pressed.said[0] == "You cannot do that yet."
    assert "Something went wrong on our side and nothing was changed" in pressed.said[1]
    assert "CS-104233" not in pressed.said[1]


def test_a_form_refusal_is_shown_on_the_form_and_the_listener_never_runs(bot: Bot) -> None:
    open_dispute(bot)
    view = {
        "private_metadata": "RPD-2026-0999",
        "blocks": [{"block_id": "reason"}, {"block_id": "stated_timescale"}],
    }
    context, ack = BoltContext(), Ack()
    went_on: list[bool] = []
    form_context(bot.rt, fallback="reason")(
        ack=ack,
        body={"user": {"id": bot.ids["csc_sw"]}},
        client=bot.rt.client,
        context=context,
        view=view,
        next=lambda: went_on.append(True),
    )
    assert went_on == []
    assert ack.response is not None and ack.response.status == 200
    assert "There is no dispute RPD-2026-0999" in str(ack.response.body)
    assert '"reason"' in str(ack.response.body)
