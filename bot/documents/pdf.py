"""Printable A4 documents: OFFICIAL-SENSITIVE marking, header, page numbers and who made them.

WeasyPrint and markdown-it are imported only when a document is made, so the running bot does
not carry them at idle.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cache
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


class _WithoutSubsetterNotice(logging.Filter):
    """Drops WeasyPrint's per-font notice that it subsets fonts with fontTools where the system
    lacks HarfBuzz-Subset: the PDF is the same, and the notice would fill every log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "HarfBuzz-Subset" not in record.getMessage()


# Their step-by-step progress would flood the log (and the command line) with every PDF made.
for _chatty in ("weasyprint.progress", "fontTools"):
    logging.getLogger(_chatty).setLevel(logging.WARNING)
logging.getLogger("weasyprint").addFilter(_WithoutSubsetterNotice())

_STYLESHEET = """
@page {
  size: A4;
  margin: 28mm 18mm 26mm 18mm;
  @top-center { content: "OFFICIAL-SENSITIVE"; font: bold 10pt sans-serif; color: #8b0000;
                white-space: nowrap; vertical-align: top; padding-top: 8mm; width: 30%%; }
  @top-left { content: %(title)s; font: bold 8.5pt sans-serif; color: #222;
              vertical-align: bottom; padding-bottom: 3mm; width: 35%%; }
  @top-right { content: %(subtitle)s; font: 8.5pt sans-serif; color: #444; text-align: right;
               vertical-align: bottom; padding-bottom: 3mm; width: 35%%; }
  @bottom-left { content: %(generated)s; font: 8pt sans-serif; color: #444;
                 vertical-align: top; padding-top: 3mm; width: 40%%; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 8pt sans-serif;
                  color: #444; text-align: right; vertical-align: top; padding-top: 3mm;
                  width: 30%%; }
  @bottom-center { content: "OFFICIAL-SENSITIVE"; font: bold 10pt sans-serif; color: #8b0000;
                   white-space: nowrap; vertical-align: bottom; padding-bottom: 8mm; width: 30%%; }
}
html { font: 10pt/1.4 "DejaVu Sans", sans-serif; color: #111; }
body { margin: 0; overflow-wrap: anywhere; }
h1 { font-size: 16pt; margin: 0 0 8pt; }
h2 { font-size: 13pt; margin: 16pt 0 6pt; border-bottom: 1px solid #999;
     break-after: avoid; }
h3 { font-size: 11pt; margin: 12pt 0 4pt; break-after: avoid; }
p, li { orphans: 2; widows: 2; }
ul { margin: 4pt 0; padding-left: 16pt; }
blockquote { margin: 4pt 0 8pt; padding: 2pt 8pt; border-left: 3px solid #bbb;
             color: #222; white-space: normal; }
table { width: 100%%; border-collapse: collapse; table-layout: fixed; margin: 6pt 0; }
th, td { border: 1px solid #999; padding: 3pt 5pt; text-align: left; vertical-align: top; }
th { background: #eee; }
tr { break-inside: avoid; }
code, pre { font-family: "DejaVu Sans Mono", monospace; font-size: 9pt; white-space: pre-wrap; }
"""


@cache
def _markdown() -> MarkdownIt:
    """Built on first use: markdown-it is loaded only when a document is made."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "breaks": True}).enable("table")


def markdown_to_html(text: str) -> str:
    """Markdown as an HTML fragment; raw HTML in the text is shown as text, never obeyed."""
    return _markdown().render(text)


def generated_line(generated_at: datetime, generated_by: str) -> str:
    """'Generated Monday 4 January 2027 at 5:00pm (GMT) by Sam Carter', in generated_at's zone."""
    clock = generated_at.strftime("%I:%M%p").lstrip("0").lower()
    zone = generated_at.strftime("%Z")
    when = f"{generated_at:%A} {generated_at.day} {generated_at:%B %Y} at {clock}"
    return f"Generated {when}{f' ({zone})' if zone else ''} by {generated_by}"


def render_pdf(
    *,
    title: str,
    body_html: str,
    generated_by: str,
    generated_at: datetime,
    subtitle: str | None = None,
) -> bytes:
    """An A4 PDF of body_html, marked OFFICIAL-SENSITIVE at the top and bottom of every page,
    with title and subtitle in the header and 'Generated ... by ...' and 'Page N of M' in the
    footer. generated_at is shown in its own zone, so pass it in the partnership's zone."""
    from weasyprint import HTML  # heavy; loaded only when a document is made

    stylesheet = _STYLESHEET % {
        "title": _css_string(title),
        "subtitle": _css_string(subtitle or ""),
        "generated": _css_string(generated_line(generated_at, generated_by)),
    }
    document = (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{stylesheet}</style></head>"
        f"<body>{body_html}</body></html>"
    )
    return HTML(string=document).write_pdf()


def _css_string(text: str) -> str:
    """Text as a quoted CSS string, so any title is shown as written and cannot break the style."""
    escaped = "".join(
        ch if ch.isprintable() and ch not in '\\"' else f"\\{ord(ch):x} " for ch in text
    )
    return f'"{escaped}"'
