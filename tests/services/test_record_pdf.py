"""The record as a PDF, for each protocol: marked OFFICIAL-SENSITIVE on every page, numbered,
headed with the protocol's name and version, saying when and by whom it was generated, and
holding every field the protocol asks for. Each first page is also looked at as an image."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pypdf
import pypdfium2
import pytest
from PIL import Image
from sqlalchemy.orm import Session

from bot.clock import FrozenClock
from bot.services.disputes import DisputeService
from bot.services.record import render_record_pdf
from bot.working_days import WorkingCalendar
from models.directory import Person
from tests.conftest import london
from tests.services.test_protocol_record import FIRST_CATEGORY, history

MARKING_RED = (139, 0, 0)


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text with its line breaks flattened, as a reader scanning it would see it."""
    return [
        " ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages
    ]


def first_page_image(pdf: bytes) -> Image.Image:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return document[0].render(scale=1.25).to_pil().convert("RGB")
    finally:
        document.close()


def has_marking_red(band: Image.Image) -> bool:
    colours = band.getcolors(maxcolors=band.width * band.height) or []
    return any(abs(r - MARKING_RED[0]) < 40 and g < 60 and b < 60 for _, (r, g, b) in colours)


@pytest.mark.parametrize("key", sorted(FIRST_CATEGORY))
def test_the_pdf_record_is_marked_numbered_headed_and_holds_every_field(
    key: str,
    service: DisputeService,
    session: Session,
    people: dict[str, Person],
    clock: FrozenClock,
    calendar: WorkingCalendar,
):
    protocol = service.catalog.get(key)
    assert protocol is not None
    answers = {f.key: f"Answer for {f.label}" for f in protocol.asked_at_resolution}
    dispute = history(service, session, people, clock, key, answers)
    clock.set(london(2026, 11, 26, 14, 5))

    pdf = render_record_pdf(
        session,
        dispute=dispute,
        calendar=calendar,
        generated_by="Csc Tm",
        generated_at=clock.now(),
    )

    assert pdf.startswith(b"%PDF")
    pages = page_texts(pdf)
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert text.count("OFFICIAL-SENSITIVE") == 2, f"page {number}"
        assert f"Page {number} of {len(pages)}" in text
        assert "Generated Thursday 26 November 2026 at 2:05pm (GMT) by Csc Tm" in text
        assert protocol.name in text
        assert f"{protocol.version}; record of {dispute.reference}" in text
    whole = " ".join(pages)
    assert f"Protocol version: {protocol.version}" in whole
    for record_field in protocol.record_fields:
        assert record_field.label in whole, record_field.key
    for answer in answers.values():
        assert answer in whole

    image = first_page_image(pdf)
    width, height = image.size
    assert has_marking_red(image.crop((0, 0, width, height // 12)))
    assert has_marking_red(image.crop((0, height - height // 12, width, height)))
    pages_dir = os.environ.get("RESOLVE_RECORD_PAGES")
    if pages_dir:  # how docs/records/<key>.png are made
        image.quantize(colors=32).save(Path(pages_dir) / f"{key}.png", optimize=True)
