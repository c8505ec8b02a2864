"""Each preset's traceability document walks one dispute through every stage; this drives that
dispute through Slack with the Northshire sample directory and checks each row of the walk."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import FrozenClock
from bot.database import transaction
from bot.demo.runner import SAMPLE
from bot.flows.sweep import Sweeper
from bot.services.directory_files import read_directory_file
from bot.services.directory_import import import_directory
from bot.slack_emulator import SlackEmulator
from models.directory import Person
from models.dispute import Dispute
from tests.e2e.conftest import Bot, running_bot

DOCS = Path(__file__).resolve().parents[2] / "docs" / "protocols"
REF = "RPD-2026-0001"
CHILD = "NS-2026-0042"
DISCUSSION = "Met by phone; both agreed to share the strategy minutes."
SIDES = {"raising": "raiser", "other": "counterpart"}

# Who raises against whom, and about what: two agencies, chosen to take each preset's other routes.
WALKS = {
    "suffolk": ("Ben Carter", "Grace Adeyemi", "referral-threshold"),
    "sussex": ("Grace Adeyemi", "Jess Turner", "referral-criteria"),
    "oxfordshire": ("Ellie Parkin", "Kwame Asante", "referral-criteria"),
    "portsmouth": ("Zoe Malik", "Mariam Yusuf", "referral-criteria"),
    "specialist-childrens-services": ("Megan Hollis", "Lucy Brennan", "threshold"),
}


@dataclass(frozen=True)
class Row:
    """One stage of a document's walk-through, as written there."""

    title: str
    acting: dict[str, list[str]]  # side -> names
    informed: list[str]
    duties: list[tuple[str, str]]  # (side or "both", fragment)
    deadline: str


def _names(cell: str) -> list[str]:
    return [] if cell == "none" else [name.strip() for name in cell.split(";")]


def _duties(cell: str) -> list[tuple[str, str]]:
    if cell == "none":
        return []
    pairs = (item.strip().split(": ", 1) for item in cell.split(";"))
    return [(side, fragment) for side, fragment in pairs]


def walkthrough(key: str) -> list[Row]:
    """The rows of the `## Walk-through` table at the end of the preset's document."""
    text = (DOCS / f"{key}.md").read_text()
    section = text.split("\n## Walk-through\n", 1)[1]
    lines = [line for line in section.splitlines() if line.startswith("|")][2:]
    rows = []
    for line in lines:
        title, raising, other, informed, duties, deadline = (
            cell.strip() for cell in line.strip("|").split("|")
        )
        acting = {"raiser": _names(raising), "counterpart": _names(other)}
        rows.append(Row(title, acting, _names(informed), _duties(duties), deadline))
    return rows


@pytest.fixture
def northshire(
    request: pytest.FixtureRequest,
    database_url: str,
    engine: Engine,
    factory: sessionmaker[Session],
    clock: FrozenClock,
    emulator: SlackEmulator,
    data_keys: str,
) -> Iterator[Bot]:
    """The bot over the Northshire sample directory (on a database `factory` emptied); `ids`
    maps each person's name, as the directory writes it, to their Slack user."""
    with running_bot(request, database_url, engine, clock, emulator, data_keys, {}) as bot:
        with transaction(bot.rt.factory) as session:
            source = read_directory_file(SAMPLE)
            report = import_directory(source, session=session, roles=bot.rt.catalog.role_book())
            assert report.applied
            people = session.scalars(select(Person).where(Person.slack_user_id.is_not(None)))
            for person in people:
                emulator.add_user(person.slack_user_id, person.name, person.email)
                bot.ids[person.name] = person.slack_user_id
        yield bot


class Inbox:
    """Every person's direct messages, read a stage at a time."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.seen = {name: 0 for name in bot.ids}

    def new(self) -> dict[str, list[dict]]:
        fresh = {}
        for name in self.seen:
            messages = self.bot.dms(name)
            fresh[name] = messages[self.seen[name] :]
            self.seen[name] = len(messages)
        return fresh


def shown(message: dict) -> str:
    return message["text"] + str(message.get("blocks"))


def is_stage_notice(message: dict) -> bool:
    return "your action is needed" in message["text"].lower()


def is_information(message: dict) -> bool:
    """A notice that tells without asking: no button anywhere in it."""
    buttonless = "'button'" not in str(message.get("blocks"))
    return "no action is asked of you" in message["text"] and buttonless


def checklist_of(message: dict, agency: str) -> str:
    """The duty texts of the message's checklist when it is the checklist of `agency`'s side."""
    blocks = message.get("blocks", [])
    if not any(f"What the protocol asks of {agency}:" in str(b) for b in blocks):
        return ""
    return " ".join(
        b["text"]["text"] for b in blocks if str(b.get("block_id", "")).startswith("duty|")
    )


def open_dispute(bot: Bot, raiser: str, counterpart: str, category: str) -> None:
    bot.slack.command(bot.ids[raiser], "open")
    modal = bot.emulator.views_opened()[-1]
    form = {
        "counterpart": bot.ids[counterpart],
        "category": category,
        "child_ref": CHILD,
        "summary": "A referral closed at screening; the referrer sees a continuing risk.",
    }
    reply = bot.slack.submit(bot.ids[raiser], modal, form)
    assert reply.status == 200 and reply.body == "", reply.body
    bot.deliver()


def escalate(bot: Bot, who: str, reason: str) -> None:
    bot.slack.command(bot.ids[who], f"escalate {REF} {reason}")
    modal = bot.emulator.views_opened()[-1]
    assert modal["callback_id"] == "escalate_dispute", f"{who} may not refer"
    reply = bot.slack.submit(bot.ids[who], modal, {"reason": reason})
    assert reply.status == 200 and reply.body == "", reply.body
    bot.deliver()


def lapse(bot: Bot) -> None:
    """Moves the clock to the stage's deadline and lets the sweep escalate it."""
    with bot.rt.factory() as session:
        dispute = session.scalar(select(Dispute))
        assert dispute is not None and dispute.deadline_at is not None
        bot.clock.set(dispute.deadline_at)
    rt = bot.rt
    Sweeper(factory=rt.factory, service=rt.service, notifier=rt.notifier, clock=rt.clock).run_once()
    bot.deliver()


def check_stage(
    row: Row,
    number: int,
    total: int,
    fresh: dict[str, list[dict]],
    agencies: dict[str, str],
    moved_by: str,
) -> None:
    """Notices to those acting (the one who moved the dispute on hears it once, in their
    reply), information notices to those told, each side's duties and the deadline."""
    label = f"Stage {number} of {total}: {row.title}"
    notices = {name: [m for m in got if is_stage_notice(m)] for name, got in fresh.items()}
    told = {name for name, got in notices.items() if got}
    acting = {name for side in SIDES.values() for name in row.acting[side]}
    assert told == acting - {moved_by}, f"{label}: notices went to {sorted(told)}"
    informed = {name for name, got in fresh.items() if any(is_information(m) for m in got)}
    assert informed == set(row.informed), f"{label}: informed {sorted(informed)}"
    for name in told | informed | (acting & {moved_by}):
        assert any(label in shown(m) for m in fresh[name]), f"{label} not named to {name}"
        if row.deadline.startswith("none"):
            continue
        assert any(row.deadline in shown(m) for m in notices[name] or fresh[name]), (
            f"{label}: {name} not shown the deadline {row.deadline}"
        )
    for side, names in row.acting.items():
        other = row.acting["counterpart" if side == "raiser" else "raiser"]
        for name in set(names) - set(other):  # one acting for the whole dispute has no side
            assert any(checklist_of(m, agencies[side]) for m in fresh[name]), (
                f"{label}: {name} not shown the checklist of {agencies[side]}"
            )
    for side, fragment in row.duties:
        for bound in SIDES.values() if side == "both" else [SIDES[side]]:
            lists = [checklist_of(m, agencies[bound]) for got in fresh.values() for m in got]
            assert any(fragment in text for text in lists), (
                f"{label}: '{fragment}' not in the checklist of {agencies[bound]}"
            )


@pytest.mark.parametrize(
    "key", [pytest.param(key, marks=pytest.mark.protocol(key), id=key) for key in WALKS]
)
def test_every_stage_as_the_document_says(key: str, northshire: Bot) -> None:
    bot = northshire
    raiser, counterpart, category = WALKS[key]
    rows = walkthrough(key)
    inbox = Inbox(bot)
    open_dispute(bot, raiser, counterpart, category)
    with bot.rt.factory() as session:
        dispute = session.scalar(select(Dispute))
        assert dispute is not None
        agencies = {
            "raiser": dispute.raiser_agency.name,
            "counterpart": dispute.counterpart_agency.name,
        }
        referred = [stage.referral_only for stage in dispute.protocol_snapshot.stages]
        assert len(referred) == len(rows)
    bot.slack.command(bot.ids[raiser], f"log {REF} {DISCUSSION}")
    bot.deliver()
    why = [f"Dispute opened by {raiser}"]  # how each stage was entered, as the record says it
    for number, row in enumerate(rows, start=1):
        moved_by = raiser if number == 1 else ""
        if number > 1 and referred[number - 1]:  # the raising side's last actor refers it on
            moved_by = rows[number - 2].acting["raiser"][0]
            why.append(f"Reason: {rows[number - 2].title} could not resolve it")
            escalate(bot, moved_by, why[-1].removeprefix("Reason: "))
        elif number > 1:
            lapse(bot)
            why.append("the previous stage's timescale lapsed")
        fresh = inbox.new()
        if number == 1:  # the raiser hears of it in the reply that opens the dispute
            assert any(f"Dispute {REF} is open" in shown(m) for m in fresh[raiser])
        check_stage(row, number, len(rows), fresh, agencies, moved_by)

    bot.slack.command(bot.ids[raiser], f"record {REF} md")
    check_record(bot.emulator.files()[-1]["content"].decode(), rows, why)


def check_record(record: str, rows: list[Row], why: list[str]) -> None:
    """Each stage's section names how it was entered, who acted, who was told, its duties
    (or they are among the whole dispute's) and its deadline; the discussion is there too."""
    stages = record.split("\n## Stages\n", 1)[1].split("\n## ", 1)[0]
    sections = stages.split("\n### Stage ")[1:]
    throughout = record.split("\n## Duties throughout the dispute\n", 1)[1].split("\n## ")[0]
    for number, (row, section, entered) in enumerate(zip(rows, sections, why, strict=True), 1):
        label = f"{number} of {len(rows)}: {row.title}"
        assert section.startswith(label) and entered in section, section
        for name in [*row.acting["raiser"], *row.acting["counterpart"], *row.informed]:
            assert name in section, f"Stage {label}: {name} missing from the record"
        for _, fragment in row.duties:
            assert fragment in section or fragment in throughout, f"'{fragment}' not recorded"
        deadline = "none" if row.deadline.startswith("none") else row.deadline
        assert f"**Deadline:** {deadline}\n" in section, f"Stage {label}: deadline"
    assert DISCUSSION in record
