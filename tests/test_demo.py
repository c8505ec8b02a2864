"""`resolve demo` (the README's run command) drives a dispute to its end and shows the record."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from bot.demo.runner import CHILD_REF, Demo
from tests.conftest import london

pytestmark = pytest.mark.long_running


def run_demo(protocol: str, start: datetime, tmp_path: Path) -> list[str]:
    lines: list[str] = []
    assert Demo(protocol=protocol, start=start, workdir=tmp_path, out=lines.append).run() == 0
    return lines


def test_sussex_demo_climbs_every_step_with_referrals_and_prints_the_record(tmp_path: Path):
    lines = run_demo("sussex", london(2026, 11, 23, 9, 30), tmp_path)
    text = "\n".join(lines)
    for stage in range(1, 7):
        assert f"Stage {stage} of 6" in text
    assert "presses Escalate now to refer it" in text
    # Referred on Tuesday 22 December: the scrutineer's 10 working days skip Christmas Day,
    # Boxing Day (observed Monday 28th) and New Year's Day.
    assert "By when: Friday 8 January 2027 at 5:00pm (GMT)" in text
    heading = "# Record of a professional difference: RPD-2026-0001"
    record = text[text.index(heading) :]
    for part in ("## Discussions", "## Resolution", "## Audit trail", CHILD_REF):
        assert part in record
    # Before the record, the child reference shows only in the dispute's private channel.
    conversation = ""
    before_record = next(n for n, line in enumerate(lines) if line.startswith(heading))
    for line in lines[:before_record]:
        if " → " in line:
            conversation = line
        elif CHILD_REF in line:
            assert "#rpd-2026-0001" in conversation, conversation
