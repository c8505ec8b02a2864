"""`resolve record REF`: the record written from the command line as Markdown or a PDF, and
bad input refused in one line that says how to fix it."""

from __future__ import annotations

import getpass
import io
from pathlib import Path

import pypdf
from click.testing import CliRunner
from sqlalchemy.orm import Session

from bot.cli import cli
from bot.clock import FrozenClock
from bot.commands.common import Context
from bot.services.disputes import DisputeService
from models.directory import Person
from tests.conftest import london
from tests.services.test_protocol_record import CHILD, history

REF = "RPD-2026-0001"


def stored_dispute(
    service: DisputeService, session: Session, people: dict[str, Person], clock: FrozenClock
) -> None:
    history(service, session, people, clock, "portsmouth", {})
    session.commit()
    session.close()


def invoke(database_url: str, *args: str):
    clock = FrozenClock(london(2026, 11, 27, 16, 45))
    return CliRunner().invoke(
        cli, ["record", *args], env={"DATABASE_URL": database_url}, obj=Context(clock)
    )


def test_the_record_is_written_as_a_pdf_and_as_markdown(
    service, session, people, clock, database_url, tmp_path: Path
):
    stored_dispute(service, session, people, clock)

    pdf_file = tmp_path / "record.pdf"
    made = invoke(database_url, REF.lower(), "--format", "pdf", "--out", str(pdf_file))
    assert made.exit_code == 0, made.output
    assert made.output == f"Wrote the record of {REF} as PDF to {pdf_file}.\n"
    content = pdf_file.read_bytes()
    assert content.startswith(b"%PDF")
    pages = [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(content)).pages]
    by = f"by the command line ({getpass.getuser()})"
    for number, text in enumerate(pages, start=1):
        assert text.count("OFFICIAL-SENSITIVE") == 2
        assert f"Page {number} of {len(pages)}" in text
        assert f"Generated Friday 27 November 2026 at 4:45pm (GMT) {by}" in text
        assert f"Version 7, February 2014; record of {REF}" in text

    md_file = tmp_path / "record.md"
    assert invoke(database_url, REF, "--out", str(md_file)).exit_code == 0
    markdown = md_file.read_text(encoding="utf-8")
    assert markdown.startswith(f"# Record of a professional difference: {REF}\n")
    assert "- **Protocol version:** Version 7, February 2014\n" in markdown
    printed = invoke(database_url, REF)
    assert printed.exit_code == 0 and printed.output == markdown


def test_bad_input_is_one_clear_line_exit_2_and_writes_nothing(
    service, session, people, clock, database_url, tmp_path: Path
):
    stored_dispute(service, session, people, clock)
    target = tmp_path / "record.pdf"

    unknown = invoke(database_url, "RPD-2026-0999", "--format", "pdf", "--out", str(target))
    assert unknown.exit_code == 2
    assert unknown.output.startswith("There is no dispute RPD-2026-0999. Check the reference")
    no_out = invoke(database_url, REF, "--format", "pdf")
    assert no_out.exit_code == 2
    assert "A PDF needs a file to go to: add --out" in no_out.output
    bad_format = invoke(database_url, REF, "--format", "docx", "--out", str(target))
    assert bad_format.exit_code == 2
    assert bad_format.output.startswith("--format must be md (Markdown text) or pdf, not 'docx'")
    unwritable = invoke(database_url, REF, "--out", str(tmp_path / "missing" / "r.md"))
    assert unwritable.exit_code == 2
    assert "Choose a file in a folder you can write to." in unwritable.output
    for result in (unknown, no_out, bad_format, unwritable):
        assert CHILD not in result.output and "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1
    assert not target.exists()
