"""Builds the Bolt app; never at import time, so tests and the sandbox inject what they need."""

from __future__ import annotations

from slack_bolt import App

import handlers.actions
import handlers.commands
import handlers.events
import handlers.views
from bot.bolt_errors import polite_error
from bot.input_guard import refuse_nul_text
from bot.runtime import QUIET, Runtime
from handlers.replays import replay_guard


def create_app(rt: Runtime, *, process_before_response: bool = False) -> App:
    """The Slack app: verifies every request's signature and age, answers a replay as it
    answered the original, then dispatches it.

    `process_before_response` finishes the listener before answering Slack; tests use it to
    observe the whole effect of one request. Slack itself gets the default: ack first.
    """
    app = App(
        # The name Bolt would give it (this file's), given so that Bolt does not read the whole
        # call stack, source lines and all, to find it each time an app is built.
        name="app.py",
        signing_secret=rt.settings.slack_signing_secret,
        client=rt.client,
        logger=QUIET,
        process_before_response=process_before_response,
        token_verification_enabled=False,
    )
    app.error(polite_error)
    app.use(replay_guard(rt))
    app.use(refuse_nul_text)
    handlers.commands.register(app, rt)
    handlers.actions.register(app, rt)
    handlers.views.register(app, rt)
    handlers.events.register(app, rt)
    return app
