"""Events: the App Home tab."""

from handlers.events.app_home import register

__all__ = ["register"]
