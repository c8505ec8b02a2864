"""The warning for a child at immediate risk: Resolve settles disagreements between
professionals, and must never be mistaken for the way to protect a child today."""

from __future__ import annotations

from bot.messages.blocks import Block, escape, section
from models.protocol import Protocol

RISK_BLOCK = "immediate_risk_warning"


def at_immediate_risk(protocol: Protocol, urgency: str | None) -> bool:
    """The urgent routes, those that run at any hour, are the ones for a child at risk now."""
    chosen = protocol.urgency(urgency) if urgency else None
    return chosen is not None and chosen.any_hour


def immediate_risk_warning(contact: str | None) -> Block:
    """Says what to do now, with the partnership's child protection contact when it is set."""
    where = (
        f"contact *{escape(contact)}*"
        if contact
        else "make a referral to children's social care under your local procedures"
    )
    return section(
        ":rotating_light: *A child at immediate risk needs the child protection procedures now.* "
        f"Do not wait for this dispute: {where}, or call the police on 999 if a child is in "
        "danger right now. Resolve is not a referral route: opening a dispute refers no child "
        "to anyone.",
        block_id=RISK_BLOCK,
    )
