"""Modal submissions."""

from handlers.views.submissions import register

__all__ = ["register"]
