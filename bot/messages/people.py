"""Whom to talk to: the people acting for each side of a dispute, as Slack mentions with their
job title and agency, so a reader can reach the right person from the notice itself.

Written for one reader: they appear as "you", never by their own name, and a manager is shown
their opposite number, the person acting at the same stage for the other agency.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.messages.blocks import escape
from bot.messages.held import once
from bot.services.duty_list import SIDES, acting_for, other_side
from models.directory import Person
from models.dispute import Dispute


def handle(person: Person) -> str:
    """A mention Slack turns into the person's name, or their name when Slack does not know them."""
    return f"<@{person.slack_user_id}>" if person.slack_user_id else escape(person.name)


def _title(person: Person) -> str:
    return f"({escape(person.job_title)}, {escape(person.agency.name)})"


def named(person: Person, reader: Person | None = None) -> str:
    """'<@U0CSCTM> (Team Manager, Northshire Children's Social Care)', or 'you (…)' to them."""
    title = _title(person)
    if reader is not None and person.id == reader.id:
        return f"you {title}"
    return f"{handle(person)} {title}"


def listed(people: list[Person], reader: Person | None = None) -> str:
    return ", ".join(named(p, reader) for p in people)


@dataclass(frozen=True)
class _Acting:
    """Who acts now, each with the line that names them to anyone but themselves."""

    people: list[Person]
    lines: list[str]
    titles: list[str]


def _acting(dispute: Dispute) -> _Acting:
    acting = [p for side in SIDES for p in acting_for(dispute, side)]
    acting += [n.person for n in dispute.current_transition.acting_notices if n.side not in SIDES]
    people = list({p.id: p for p in acting}.values())
    titles = [_title(p) for p in people]
    lines = [f"• {handle(p)} {title}" for p, title in zip(people, titles, strict=True)]
    return _Acting(people, lines, titles)


def acting_lines(dispute: Dispute, reader: Person | None = None) -> list[str]:
    """One line a person, the raising side first, then anyone acting for the partnership or a
    lead agency, then the reader's opposite number when they act for a side as a manager."""
    acting = once(dispute, _acting, lambda: _acting(dispute))
    lines = [
        f"• you {title}" if reader is not None and person.id == reader.id else line
        for person, line, title in zip(acting.people, acting.lines, acting.titles, strict=True)
    ]
    opposite = opposite_numbers(dispute, reader) if reader is not None else []
    if opposite:
        lines.append(f"*Your opposite number:* {listed(opposite)}")
    return lines


def opposite_numbers(dispute: Dispute, reader: Person) -> list[Person]:
    """Those acting at the current stage for the other side, when the reader acts there for a
    side without being a party: a manager's counterpart in the other agency."""
    parties = {dispute.raiser_id, dispute.counterpart_id}
    if reader.id in parties:
        return []
    notices = dispute.current_transition.acting_notices
    mine = next((n for n in notices if n.person_id == reader.id and n.side in SIDES), None)
    if mine is None:
        return []
    return [
        n.person for n in notices if n.side == other_side(mine.side) and n.person_id not in parties
    ]
