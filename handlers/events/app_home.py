"""The App Home tab: my open disputes, what awaits my acknowledgement, deadlines coming up."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.messages.blocks import section
from bot.messages.home import HOME_ITEMS, home_view
from bot.runtime import Runtime
from bot.services.errors import DomainError
from bot.services.queries import my_disputes, upcoming_deadlines
from handlers.support import directory_person, unexpected, unit_of_work

UPCOMING = timedelta(days=14)


def publish_home(rt: Runtime, client: WebClient, user_id: str) -> None:
    try:
        with unit_of_work(rt) as session:
            me = directory_person(session, client, user_id)
            now = rt.clock.now()
            view = home_view(
                my_disputes(session, me, limit=HOME_ITEMS),
                upcoming_deadlines(session, me, now=now, within=UPCOMING, limit=HOME_ITEMS),
                calendar=rt.calendar,
                now=now,
            )
    except DomainError as error:
        view = {"type": "home", "blocks": [section(str(error))]}
    except Exception as error:  # noqa: BLE001 - the tab shows a message instead of failing
        view = {"type": "home", "blocks": [section(unexpected(error))]}
    client.views_publish(user_id=user_id, view=view)


def register(app: App, rt: Runtime) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") == "home":
            publish_home(rt, client, event["user"])
