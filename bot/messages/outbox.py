"""What the admins are told when a message cannot reach Slack, and how to send it again."""

from __future__ import annotations

from bot.messages.disputes import Message, plain_message


def _retry_command(reference: str | None) -> str:
    return (
        f"`resolve outbox retry --dispute {reference}`" if reference else "`resolve outbox retry`"
    )


def undeliverable(reference: str | None, reason: str) -> Message:
    about = f" for {reference}" if reference else ""
    return plain_message(
        f":rotating_light: A message{about} could not be delivered to Slack and needs attention: "
        f"{reason}. Once that is fixed, run {_retry_command(reference)} to send it again."
    )


def conversation_not_set_up(reference: str, reason: str, held: int) -> Message:
    """One alert for the set-up and every post that was waiting for it."""
    waiting = {0: "", 1: "1 message for it is held back. "}.get(
        held, f"{held} messages for it are held back. "
    )
    return plain_message(
        f":rotating_light: The private conversation for {reference} could not be set up in Slack "
        f"({reason}), so messages for it could not be delivered. {waiting}When Slack is working "
        f"again, run {_retry_command(reference)}; the bot also tries again when {reference} "
        "moves to its next stage."
    )
