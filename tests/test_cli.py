"""The `resolve` command as an administrator uses it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot.cli import cli
from bot.protocols import PRESET_DIR


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_calendar_due_prints_iso_then_friendly():
    result = run("calendar", "due", "--from", "2026-12-23 10:00", "--timescale", "5 working days")
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "2027-01-04T17:00:00+00:00",
        "Monday 4 January 2027 at 5:00pm (GMT)",
    ]


def test_calendar_due_reads_dates_day_first_and_shows_bst():
    result = run("calendar", "due", "--from", "03/04/2027 10:00", "--timescale", "1 working day")
    assert result.output.splitlines()[0] == "2027-04-05T17:00:00+01:00"


def test_calendar_due_by_region():
    result = run(
        "calendar",
        "due",
        "--from",
        "31/12/2026 10:00",
        "--timescale",
        "1 working day",
        "--region",
        "scotland",
    )
    assert result.output.splitlines()[0] == "2027-01-05T17:00:00+00:00"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "whenever", "--timescale", "1 working day"], "not a date and time"),
        (["--from", "today", "--timescale", "a while"], "not a timescale"),
    ],
)
def test_calendar_due_bad_input_exits_2_with_a_clear_line(args, message):
    result = CliRunner().invoke(cli, ["calendar", "due", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_bad_setting_is_one_line_exit_2_no_traceback(tmp_path: Path):
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "protocols", "list"],
        capture_output=True,
        text=True,
        env={"RESOLVE_REGION": "wales", "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stderr.strip() == (
        "RESOLVE_REGION is not valid: one of england-and-wales, scotland, northern-ireland."
    )
    assert completed.stdout == ""


def test_protocols_list_and_show():
    listing = run("protocols", "list")
    assert "suffolk" in listing.output
    shown = run("protocols", "show", "suffolk")
    assert shown.exit_code == 0
    lines = shown.output.splitlines()
    stage_rows = [line for line in lines if line[:2] in {"1 ", "2 ", "3 ", "4 ", "5 "}]
    assert len(stage_rows) == 5
    assert "First line managers" in stage_rows[1] and "line manager" in stage_rows[1]
    assert "5 working days" in stage_rows[1]
    assert "Designated nurse or doctor" in stage_rows[1]
    assert "final stage" in stage_rows[4]


def test_protocols_show_unknown_key():
    result = CliRunner().invoke(cli, ["protocols", "show", "atlantis"])
    assert result.exit_code == 1
    assert "There is no protocol 'atlantis'" in result.output


def test_check_accepts_a_valid_file():
    result = run("protocols", "check", str(PRESET_DIR / "suffolk.yaml"))
    assert result.exit_code == 0
    assert "valid protocol 'suffolk' with 5 stages" in result.output


def _broken_copy(tmp_path: Path) -> Path:
    data = yaml.safe_load((PRESET_DIR / "suffolk.yaml").read_text())
    data["stages"][2]["timescale"] = "a fortnight or so"
    data["stages"][1]["role"] = "grand_vizier"
    data["stages"][4]["timescale"] = "5 working days"
    del data["stages"][0]["source"]
    data["categories"].append({"key": "Bad Key", "label": "x", "source": "y"})
    path = tmp_path / "ours.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_check_reports_every_error_with_its_location(tmp_path: Path):
    result = CliRunner().invoke(cli, ["protocols", "check", str(_broken_copy(tmp_path))])
    assert result.exit_code == 1
    out = result.output
    assert "stages[3] (senior-managers) timescale: 'a fortnight or so' is not a timescale" in out
    assert (
        "stages[2] (first-line-managers) role: no role 'grand_vizier'; declare it under roles or "
        "use one of: practitioner, line_manager," in out
    )
    assert "stages[1] (professionals) source: Field required" in out
    assert "categories[4] (Bad Key) key: String should match pattern" in out


def test_check_reports_cross_field_errors(tmp_path: Path):
    data = yaml.safe_load((PRESET_DIR / "suffolk.yaml").read_text())
    data["stages"][4]["timescale"] = "5 working days"
    del data["stages"][2]["timescale"]
    data["stages"][3]["key"] = "senior-managers"
    path = tmp_path / "ours.yaml"
    path.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(cli, ["protocols", "check", str(path)])
    assert result.exit_code == 1
    assert "stages[5] (lscb) timescale: the final stage has no timescale" in result.output
    assert "stages[3] (senior-managers) timescale: every stage but the final" in result.output
    assert "stages[4] key: 'senior-managers' is used twice" in result.output


def test_check_reports_yaml_syntax_with_line(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text("key: x\nstages:\n  - key: [unclosed\n")
    result = CliRunner().invoke(cli, ["protocols", "check", str(path)])
    assert result.exit_code == 1
    assert "line 4" in result.output or "line 3" in result.output


def test_check_missing_file(tmp_path: Path):
    result = CliRunner().invoke(cli, ["protocols", "check", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert "cannot read the file" in result.output


def test_db_upgrade(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    result = run("db", "upgrade", env={"DATABASE_URL": url})
    assert result.exit_code == 0
    assert "up to date" in result.output
    assert (tmp_path / "x.sqlite3").exists()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "SLACK_BOT_TOKEN is not set"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "Set SLACK_SIGNING_SECRET for HTTP mode"),
        (
            {
                "SLACK_BOT_TOKEN": "xoxb-1",
                "SLACK_SIGNING_SECRET": "s",
                "RESOLVE_CLOCK_START": "2026-12-01T09:00:00+00:00",
            },
            "only allowed against a local SLACK_API_URL",
        ),
    ],
)
def test_run_refuses_what_would_misbehave(tmp_path: Path, env: dict[str, str], message: str):
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db", **env},
        cwd=tmp_path,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 2
    assert message in completed.stderr
    assert "Traceback" not in completed.stderr


def test_a_folder_of_our_own_protocols(tmp_path: Path):
    data = yaml.safe_load((PRESET_DIR / "suffolk.yaml").read_text())
    for key in ("northshire", "westshire"):
        data["key"] = key
        (tmp_path / f"{key}.yaml").write_text(yaml.safe_dump(data))
    listing = run("protocols", "list", env={"RESOLVE_PROTOCOL_PATH": str(tmp_path)})
    assert listing.exit_code == 0
    assert str(tmp_path / "northshire.yaml") in listing.output
    assert str(tmp_path / "westshire.yaml") in listing.output
    assert "preset" in listing.output

    data["stages"][0]["role"] = "wizard"
    (tmp_path / "westshire.yaml").write_text(yaml.safe_dump(data))
    broken = CliRunner().invoke(
        cli, ["protocols", "list"], env={"RESOLVE_PROTOCOL_PATH": str(tmp_path)}
    )
    assert broken.exit_code == 2
    assert "westshire.yaml cannot be used" in broken.output
    assert "stages[1] (professionals) role" in broken.output
