"""Button values and form metadata: what the bot writes reads back the same; nothing else does."""

from __future__ import annotations

import pytest

from models.payloads import ActionMeta, InvalidPayload


@pytest.mark.parametrize(
    "meta",
    [
        ActionMeta.for_dispute("RPD-2026-0001"),
        ActionMeta.for_dispute("RPD-2026-0001", 12),
        ActionMeta.for_dispute("RPD-2026-0001", transition=3),
        ActionMeta.for_dispute("RPD-2026-0001", 12, transition=3),
        ActionMeta(protocol="suffolk"),
    ],
)
def test_what_the_bot_writes_reads_back_the_same(meta: ActionMeta) -> None:
    assert ActionMeta.decode(meta.encode(), form=meta.protocol is not None) == meta


def test_a_dispute_button_carries_its_reference_as_it_always_has() -> None:
    assert ActionMeta.for_dispute("RPD-2026-0001").encode() == "RPD-2026-0001"
    assert ActionMeta.for_dispute("RPD-2026-0001", 7).encode() == "RPD-2026-0001:7"


@pytest.mark.parametrize(
    "raw",
    [
        "RPD-2026-0001:7; drop table disputes",
        "RPD-2026-0001:-3",
        "RPD-2026-0001:",
        "RPD-2026-0001:7:8",
        "RPD-2026-0001@",
        "RPD-2026-0001@0",
        "RPD-2026-0001@3@4",
        "RPD-2026-0001@x",
        "",
        "   ",
        "x" * 500,
        None,
        {"reference": "RPD-2026-0001"},
    ],
)
def test_a_tampered_value_is_refused(raw: object) -> None:
    with pytest.raises(InvalidPayload):
        ActionMeta.decode(raw)


def test_a_form_refuses_a_protocol_key_out_of_shape() -> None:
    with pytest.raises(InvalidPayload):
        ActionMeta.decode("Suffolk Protocol!", form=True)
