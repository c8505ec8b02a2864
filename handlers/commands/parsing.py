"""Splits `/dispute` text into a subcommand, a dispute reference and the rest."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.disputes import REFERENCE
from bot.services.errors import DomainError

NEEDS_REFERENCE = {"log", "status", "escalate", "resolve", "record", "reflect", "reopen"}
KNOWN = NEEDS_REFERENCE | {"open", "list", "learning", "whoami", "help", "report"}


@dataclass(frozen=True)
class Subcommand:
    name: str
    reference: str | None = None
    rest: str = ""


def parse(text: str) -> Subcommand:
    """'log rpd-2026-0042 spoke to DS Khan' -> Subcommand('log', 'RPD-2026-0042', 'spoke ...')."""
    words = (text or "").strip().split(maxsplit=2)
    if not words:
        return Subcommand("help")
    name = words[0].lower()
    if name not in KNOWN:
        raise DomainError(
            f"I don't know `/dispute {words[0]}`. Try `/dispute help` to see what I can do."
        )
    if name not in NEEDS_REFERENCE:
        return Subcommand(name, rest=" ".join(words[1:]))
    if len(words) < 2:
        raise DomainError(
            f"Which dispute? Add its reference, as in `/dispute {name} RPD-2026-0042`."
        )
    reference = words[1].upper()
    if not REFERENCE.match(reference):
        raise DomainError(
            f"'{words[1]}' is not a dispute reference. They look like RPD-2026-0042; "
            "`/dispute list` shows yours."
        )
    return Subcommand(name, reference, words[2] if len(words) > 2 else "")
