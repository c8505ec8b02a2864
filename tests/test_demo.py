"""`resolve demo` (the README's run command) drives a dispute to its end and shows the record,
and its transcript carries nothing routine from the scheduler or Slack's libraries.

Both are read from one run of the real process, shared by the tests in this file: the story
takes seconds of real scheduling, and what each test reads from it is the same either way."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.demo.runner import CHILD_REF
from tests.e2e.test_quiet_logs import ROUTINE

pytestmark = pytest.mark.long_running


@pytest.fixture(scope="module")
def sussex_demo(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """`resolve demo --protocol sussex` from Monday 23 November 2026, 09:30, at the default
    log level: what it printed and what it logged."""
    env = {**os.environ}
    env.pop("RESOLVE_LOG_LEVEL", None)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--protocol", "sussex", "--start", "23/11/2026 9:30"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path_factory.mktemp("demo"),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result


def test_sussex_demo_climbs_every_step_with_referrals_and_prints_the_record(
    sussex_demo: subprocess.CompletedProcess[str],
) -> None:
    lines = sussex_demo.stdout.splitlines()
    text = sussex_demo.stdout
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


def test_the_demo_transcript_carries_no_scheduler_lines(
    sussex_demo: subprocess.CompletedProcess[str],
) -> None:
    assert "Stage 1" in sussex_demo.stdout
    for routine in (*ROUTINE, "maximum number of running instances", "was missed by"):
        assert routine not in sussex_demo.stdout + sussex_demo.stderr
