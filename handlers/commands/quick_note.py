"""Who took part in a quick note: the person logging it and everyone they @mention.

A professional writes "Spoke with @Ben Okafor, agreed to re-screen"; the record should then name
both people with their agencies, not just the logger, and read as plain names, not Slack ids."""

from __future__ import annotations

import re
from dataclasses import dataclass

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from handlers.support import directory_person
from models.directory import Person

# Slack sends a mention in slash-command text as <@U123> or <@U123|name>.
MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")


@dataclass(frozen=True)
class QuickNote:
    """The note as it goes on the record."""

    participants: str
    discussion: str
    others: list[Person]


def _named(person: Person) -> str:
    return f"{person.name} ({person.agency.name})"


def read_quick_note(session: Session, client: WebClient, logger: Person, text: str) -> QuickNote:
    """Resolves each mention through the agency directory (someone not listed is refused with
    the usual directory message), and writes the mention as the person's name in the note."""
    people: dict[int, Person] = {logger.id: logger}
    names: dict[str, str] = {}
    for slack_id in dict.fromkeys(MENTION.findall(text)):
        person = directory_person(session, client, slack_id)
        people.setdefault(person.id, person)
        names[slack_id] = person.name
    discussion = MENTION.sub(lambda m: names[m.group(1)], text).strip()
    others = [p for p in people.values() if p.id != logger.id]
    return QuickNote(
        participants=", ".join(_named(p) for p in people.values()),
        discussion=discussion,
        others=others,
    )
