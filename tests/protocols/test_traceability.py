"""Each protocol's traceability document quotes every passage its preset cites.

The document at docs/protocols/<key>.md lists every normative statement of the source protocol
beside how Resolve carries it out. A preset that cites a passage the document does not list
would be acting on text nobody has traced, so every quoted passage in a preset's `source` fields
must appear in its document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.protocols import PRESET_DIR

REPO_DIR = Path(__file__).resolve().parents[2]
DOCS_DIR = REPO_DIR / "docs" / "protocols"

# A quotation opens at the start or after a space or bracket and closes before the end, a space
# or punctuation, so apostrophes inside words (agency's, child's) never end it.
QUOTATION = re.compile(r"(?:^|(?<=[\s(\[]))'(.+?)'(?=$|[\s;,.)\]:])")
# Quoted passages are elided with an ellipsis or a middle dot; each piece is checked on its own.
ELISION = re.compile(r"\.\.\.|…|·")
SHORTEST_FRAGMENT = 12
# A test named in a document's test column: tests/<path>.py::<function>.
TEST_REFERENCE = re.compile(r"(tests/[\w/]+\.py)::(\w+)")


def documented_presets() -> list[str]:
    return sorted(
        path.stem for path in PRESET_DIR.glob("*.yaml") if (DOCS_DIR / f"{path.stem}.md").exists()
    )


def normalise(text: str) -> str:
    return " ".join(text.split())


def source_strings(node: object) -> Iterator[str]:
    """Every `source` value anywhere in the preset: stages, duties, categories and the rest."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "source" and isinstance(value, str):
                yield value
            else:
                yield from source_strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from source_strings(item)


def quoted_fragments(source: str) -> Iterator[str]:
    for quotation in QUOTATION.findall(normalise(source)):
        for fragment in ELISION.split(quotation):
            fragment = fragment.strip()
            if len(fragment) >= SHORTEST_FRAGMENT:
                yield fragment


def test_quotations_are_found_inside_single_quotes_and_split_at_elisions() -> None:
    source = (
        "Step 5: 'kept by all parties on each agency's child's file.'; Step 1a: 'Initial attempts "
        "to resolve the problem ... unless the child is at immediate risk' (a default)"
    )
    assert list(quoted_fragments(source)) == [
        "kept by all parties on each agency's child's file.",
        "Initial attempts to resolve the problem",
        "unless the child is at immediate risk",
    ]


def test_the_five_source_protocols_have_documents() -> None:
    assert documented_presets(), f"no traceability documents in {DOCS_DIR}"


@pytest.mark.parametrize("key", documented_presets())
def test_every_passage_the_preset_cites_is_in_its_document(key: str) -> None:
    preset = yaml.safe_load((PRESET_DIR / f"{key}.yaml").read_text(encoding="utf-8"))
    document = normalise((DOCS_DIR / f"{key}.md").read_text(encoding="utf-8"))
    missing = sorted(
        {
            fragment
            for source in source_strings(preset)
            for fragment in quoted_fragments(source)
            if fragment not in document
        }
    )
    assert not missing, f"docs/protocols/{key}.md does not quote: {missing}"


@pytest.mark.parametrize("key", documented_presets())
def test_every_test_a_document_names_exists(key: str) -> None:
    document = (DOCS_DIR / f"{key}.md").read_text(encoding="utf-8")
    missing = sorted(
        {
            f"{path}::{name}"
            for path, name in TEST_REFERENCE.findall(document)
            if not (REPO_DIR / path).exists()
            or f"def {name}(" not in (REPO_DIR / path).read_text(encoding="utf-8")
        }
    )
    assert not missing, f"docs/protocols/{key}.md names tests that do not exist: {missing}"
