"""The `/dispute` slash command."""

from handlers.commands.dispute import register

__all__ = ["register"]
