"""Child data at rest: what a dispute stores is sealed in the database file, its WAL, every row."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.services.record import render_record
from models.all import Base
from models.dispute import Dispute
from tests.e2e.conftest import Bot
from tests.e2e.test_journey import CHILD, REF, open_dispute

SUMMARY = "Referral for a 4-year-old refused as below threshold; police see a s47 need."
NOTE = "Spoke to the team manager about the bruising seen at nursery"


def raw_rows(bot: Bot) -> str:
    """Every row of every table as the database returns it, without the models' types."""
    dumped = []
    with bot.rt.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows = connection.exec_driver_sql(f"SELECT * FROM {table.name}").all()
            dumped.append(repr(rows))
    return "\n".join(dumped)


def on_disk(database: Path, secret: str) -> bool:
    """Whether the database file or its WAL holds `secret`, read by another process: closing a
    file this process also has open through SQLite would drop SQLite's locks on it."""
    script = (
        "import sys, pathlib\n"
        "files = [pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[1] + '-wal')]\n"
        "data = b''.join(f.read_bytes() for f in files if f.exists())\n"
        "assert data, 'no database file'\n"
        "print(sys.argv[2].encode() in data)\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", script, str(database), secret],
        capture_output=True,
        text=True,
        check=True,
    )
    return found.stdout.strip() == "True"


def test_child_reference_summary_and_notes_are_sealed_on_disk(bot: Bot, database_url: str) -> None:
    open_dispute(bot, summary=SUMMARY)
    reply = bot.slack.command(bot.ids["csc_sw"], f"log {REF} {NOTE}")
    assert reply.status == 200
    bot.deliver()

    rows = raw_rows(bot)
    for secret in (CHILD, SUMMARY, NOTE, "bruising"):
        assert secret not in rows
    assert "v1:test:" in rows  # sealed with the newest key, named in each value

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        assert on_disk(Path(url.database), REF)  # what is not child data is there to be seen
        for secret in (CHILD, SUMMARY, NOTE):
            assert not on_disk(Path(url.database), secret)

    with bot.rt.factory() as session:  # and the people entitled to it still read it in plain
        dispute = session.scalars(select(Dispute)).one()
        record = render_record(session, dispute=dispute, calendar=bot.rt.calendar)
    assert CHILD in record and SUMMARY in record and NOTE in record
