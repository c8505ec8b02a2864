"""Button presses."""

from slack_bolt import App

from bot.runtime import Runtime
from handlers.actions import buttons, list_pages


def register(app: App, rt: Runtime) -> None:
    buttons.register(app, rt)
    list_pages.register(app, rt)


__all__ = ["register"]
