"""`/dispute record REF` through the real Bolt app: a PDF for the child's file in the asker's
direct messages, Markdown on request, and a clear refusal of any other format."""

from __future__ import annotations

import io

import pypdf

from tests.conftest import london
from tests.e2e.conftest import Bot
from tests.e2e.test_journey import CHILD, REF, open_dispute


def pdf_pages(content: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(content)).pages]


def test_the_record_arrives_as_a_pdf_in_the_askers_direct_messages(bot: Bot) -> None:
    open_dispute(bot)
    bot.clock.set(london(2026, 11, 24, 9, 30))
    bot.slack.command(bot.ids["pol_dc"], f"record {REF}")

    [sent] = bot.emulator.files()
    assert sent["name"] == f"{REF}-record.pdf"
    assert sent["title"] == f"{REF} record (a PDF)"
    assert sent["channels"] == [bot.slack.dm_channel(bot.ids["pol_dc"])]
    assert sent["content"].startswith(b"%PDF")
    pages = pdf_pages(sent["content"])
    protocol = bot.rt.service.catalog.get(bot.rt.settings.protocol)
    assert protocol is not None
    for number, text in enumerate(pages, start=1):
        assert text.count("OFFICIAL-SENSITIVE") == 2
        assert f"Page {number} of {len(pages)}" in text
        assert "Generated Tuesday 24 November 2026 at 9:30am (GMT) by Lucy Moss" in text
        assert f"{protocol.version}; record of {REF}" in text
    assert f"Child reference: {CHILD}" in pages[0]

    reply = bot.replies("pol_dc")[-1]["text"]
    assert f"I've sent you the record of {REF} as a PDF ({REF}-record.pdf)" in reply
    assert "Tuesday 24 November 2026 at 9:30am (GMT)" in reply
    assert f"`/dispute record {REF} md` sends it as Markdown text" in reply
    assert CHILD not in reply


def test_markdown_on_request_and_any_other_format_is_refused(bot: Bot) -> None:
    open_dispute(bot)
    bot.slack.command(bot.ids["pol_dc"], f"record {REF} md")
    [sent] = bot.emulator.files()
    assert sent["name"] == f"{REF}-record.md"
    assert sent["content"].decode().startswith(f"# Record of a professional difference: {REF}")
    assert f"as Markdown text ({REF}-record.md)" in bot.replies("pol_dc")[-1]["text"]

    bot.slack.command(bot.ids["pol_dc"], f"record {REF} docx")
    refusal = bot.replies("pol_dc")[-1]["text"]
    assert "I can send the record as a PDF or as Markdown text." in refusal
    assert f"`/dispute record {REF} md`" in refusal
    assert len(bot.emulator.files()) == 1
