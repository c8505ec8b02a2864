"""Child data at rest: what a dispute stores is sealed in the database file, its WAL, every row."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, text
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
        with bot.rt.engine.connect() as connection:  # what is in the WAL is on disk too
            connection.execute(text("SELECT 1"))
        files = [Path(url.database), Path(f"{url.database}-wal")]
        on_disk = b"".join(f.read_bytes() for f in files if f.exists())
        assert on_disk
        for secret in (CHILD, SUMMARY, NOTE):
            assert secret.encode() not in on_disk

    with bot.rt.factory() as session:  # and the people entitled to it still read it in plain
        dispute = session.scalars(select(Dispute)).one()
        record = render_record(session, dispute=dispute, calendar=bot.rt.calendar)
    assert CHILD in record and SUMMARY in record and NOTE in record
