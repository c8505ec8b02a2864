"""Button presses."""

from handlers.actions.buttons import register

__all__ = ["register"]
