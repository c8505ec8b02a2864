"""Whatever an administrator gets wrong (the database address, a setting, a file that is not
UTF-8, holds a control character or nests without end) is one line naming the problem and
exit code 2, never a traceback, and nothing is changed."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import cli
from bot.protocols import PRESET_DIR
from bot.runtime import build_runtime
from bot.settings import load_settings
from tests.directory.conftest import SAMPLE

FORMS = "use sqlite:///path/to/resolve.sqlite3 or postgresql://user:password@host:5432/database."
PG = "postgresql://{}@{}:{}".format(
    os.environ.get("PGUSER", "postgres"),
    os.environ.get("PGHOST", "127.0.0.1"),
    os.environ.get("PGPORT", "5432"),
)


def resolve(*args: str, **env: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def one_line_exit_2(result: Result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.mark.parametrize(
    "url", ["nonsense", "", "mysql://user@host/resolve", "oracle+cx_oracle://u@h/db", "sqlite"]
)
def test_a_database_url_of_no_supported_kind(url: str) -> None:
    line = one_line_exit_2(resolve("db", "upgrade", DATABASE_URL=url))
    assert line == f"DATABASE_URL is not valid: {FORMS}"


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("postgresql://root@127.0.0.1:1/resolve", "Connection refused"),
        (f"{PG}/resolve_no_such_database", 'database "resolve_no_such_database" does not exist'),
        ("sqlite:////no/such/folder/resolve.sqlite3", "unable to open database file"),
        ("sqlite:///{tmp}", "unable to open database file"),
    ],
    ids=["unreachable server", "missing database", "missing folder", "a folder, not a file"],
)
@pytest.mark.parametrize("command", [["db", "upgrade"], ["directory", "list"], ["run"]])
def test_a_database_that_cannot_be_used(
    url: str, named: str, command: list[str], tmp_path: Path
) -> None:
    result = resolve(
        *command,
        DATABASE_URL=url.format(tmp=tmp_path),
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="secret",
    )
    line = one_line_exit_2(result)
    assert line.startswith("DATABASE_URL: the database cannot be used (")
    assert named in line and "Check that the database server is running" in line


@pytest.mark.parametrize("value", ["25:00", "12:60", "99:99", "8:30", "noon"])
def test_an_impossible_digest_time(value: str) -> None:
    line = one_line_exit_2(resolve("db", "upgrade", RESOLVE_DIGEST_TIME=value))
    assert line == "RESOLVE_DIGEST_TIME is not valid: a time of day such as 08:30."


def test_an_unknown_quiet_digest_choice() -> None:
    line = one_line_exit_2(resolve("db", "upgrade", RESOLVE_DIGEST_QUIET="sometimes"))
    assert line == "RESOLVE_DIGEST_QUIET is not valid: one of line, skip."


@pytest.mark.parametrize(
    ("name", "value", "explained"),
    [
        ("RESOLVE_DB_POOL_SIZE", "0", "a whole number of connections from 1 to 100"),
        ("RESOLVE_DB_MAX_OVERFLOW", "lots", "a whole number of connections from 0 to 100"),
        ("RESOLVE_SWEEP_BATCH", "0", "a whole number of lapsed stages from 1 to 5000"),
    ],
)
def test_a_pool_or_batch_size_out_of_range(name: str, value: str, explained: str) -> None:
    line = one_line_exit_2(resolve("db", "upgrade", **{name: value}))
    assert line == f"{name} is not valid: {explained}."


def test_a_replica_keeps_the_postgresql_connections_it_is_given() -> None:
    settings = load_settings(
        database_url=f"{PG}/resolve", db_pool_size=3, db_max_overflow=2, data_keys=None
    )
    engine = build_runtime(settings, migrate=False).engine
    assert (engine.pool.size(), engine.pool._max_overflow) == (3, 2)  # noqa: SLF001


def test_a_bind_address_that_is_not_an_ip_address() -> None:
    line = one_line_exit_2(resolve("run", RESOLVE_BIND="everywhere", SLACK_BOT_TOKEN="xoxb-t"))
    assert line.startswith("RESOLVE_BIND is not valid: an IP address to listen on")


def test_a_settings_file_that_is_not_utf8(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_bytes(b"RESOLVE_TIMEZONE=Europe/L\xf6ndon\n")
    monkeypatch.chdir(tmp_path)
    line = one_line_exit_2(resolve("db", "upgrade"))
    assert line == "The .env file is not UTF-8 text: save it as UTF-8."


SUFFOLK = (PRESET_DIR / "suffolk.yaml").read_bytes()
BAD_FILES = {
    "not UTF-8": (SUFFOLK.replace(b"Suffolk", b"Suff\xf6lk", 1), "not UTF-8 text (byte "),
    "a NUL byte": (SUFFOLK.replace(b"Suffolk", b"Suff\x00olk", 1), "control character U+0000"),
    "a bell": (
        b"key: a\x07b\n",
        "line 1 column 7: contains the invisible control character U+0007",
    ),
    "nested 100k deep": (b"key: " + b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    "nested mappings": (b"key: " + b"{a: " * 50_000 + b"1" + b"}" * 50_000, "nested too deeply"),
    "block lists nested 100k deep": (b"- " * 100_000 + b"x\n", "nested too deeply"),
}


@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
def test_protocols_check_refuses_an_unreadable_file(case: str, tmp_path: Path) -> None:
    content, problem = BAD_FILES[case]
    path = tmp_path / "ours.yaml"
    path.write_bytes(content)
    line = one_line_exit_2(resolve("protocols", "check", str(path)))
    assert line.startswith(f"{path}: ") and problem in line


@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
def test_a_protocol_path_holding_an_unreadable_file(
    case: str, tmp_path: Path, sqlite_copy: Callable[[str], Path]
) -> None:
    content, problem = BAD_FILES[case]
    path = tmp_path / "ours.yaml"
    path.write_bytes(content)
    database = sqlite_copy("r.sqlite3")
    for command in (["protocols", "list"], ["run"]):
        result = resolve(
            *command,
            RESOLVE_PROTOCOL_PATH=str(path),
            DATABASE_URL=f"sqlite:///{database}",
            SLACK_BOT_TOKEN="xoxb-test",
            SLACK_SIGNING_SECRET="secret",
        )
        line = one_line_exit_2(result)
        assert line.startswith(f"RESOLVE_PROTOCOL_PATH: {path} cannot be used: ")
        assert problem in line


def test_a_protocol_file_with_a_key_written_twice_is_refused(tmp_path: Path) -> None:
    text = (PRESET_DIR / "suffolk.yaml").read_text()
    path = tmp_path / "ours.yaml"
    path.write_text(text + "\nname: Another name\n")
    result = resolve("protocols", "check", str(path))
    assert result.exit_code == 1
    assert "'name' is written twice" in result.output
    assert "Traceback" not in result.output


DIRECTORY_FILES = {
    "CSV not UTF-8": ("d.csv", b"name,email\nJ\xf6,j@x.example\n", "not UTF-8 text (byte "),
    "CSV with a NUL": ("d.csv", b"name,email\nJ\x00,j@x.example\n", "line 2 column 2"),
    "CSV with an escape": ("d.csv", b"name,email\nJ\x1b[31m,j@x\n", "U+001B"),
    "YAML not UTF-8": ("d.yaml", b"people:\n- name: J\xf6\n", "not UTF-8 text (byte "),
    "YAML with a NUL": ("d.yaml", b"people:\n- name: J\x00\n", "U+0000"),
    "YAML nested 100k deep": ("d.yaml", b"people: " + b"[" * 100_000, "nested too deeply"),
    "YAML block lists 100k deep": ("d.yaml", b"people:\n" + b"- " * 100_000, "nested too deeply"),
}


@pytest.mark.parametrize("case", list(DIRECTORY_FILES), ids=list(DIRECTORY_FILES))
def test_directory_import_refuses_an_unreadable_file_and_changes_nothing(
    case: str, tmp_path: Path, sqlite_copy: Callable[[str], Path]
) -> None:
    name, content, problem = DIRECTORY_FILES[case]
    path = tmp_path / name
    path.write_bytes(content)
    database = f"sqlite:///{sqlite_copy('directory.sqlite3')}"
    line = one_line_exit_2(resolve("directory", "import", str(path), DATABASE_URL=database))
    assert line.startswith(f"{name}: nothing was imported: ") and problem in line
    listed = resolve("directory", "list", DATABASE_URL=database)
    assert "Jo" not in listed.output and listed.output.count("\n") == 5


def test_csv_export_neutralises_formulas_and_reimports_unchanged(
    tmp_path: Path, sqlite_copy: Callable[[str], Path]
) -> None:
    database = f"sqlite:///{sqlite_copy('directory.sqlite3')}"
    text = SAMPLE.read_text()
    hostile = {"Jess Turner": '=HYPERLINK("http://evil.example")', "Housing Officer": "+44 1"}
    for before, after in hostile.items():
        text = text.replace(before, after.replace('"', "'"), 1)
    text = text.replace("=HYPERLINK('http://evil.example')", "'=HYPERLINK(1)'")
    text = text.replace("+44 1", "'@SUM(A1)'", 1)
    source = tmp_path / "hostile.yaml"
    source.write_text(text)
    assert resolve("directory", "import", str(source), DATABASE_URL=database).exit_code == 0
    exported = resolve("directory", "export", "--format", "csv", DATABASE_URL=database).output
    cells = [cell for line in exported.splitlines() for cell in line.split(",")]
    assert "'=HYPERLINK(1)" in cells and "'@SUM(A1)" in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
    csv_file = tmp_path / "export.csv"
    csv_file.write_text(exported)
    again = resolve("directory", "import", str(csv_file), DATABASE_URL=database)
    assert again.exit_code == 0
    assert again.output.splitlines()[:2] == [
        "Agencies: 0 added, 0 updated, 9 unchanged",
        "People: 0 added, 0 updated, 70 unchanged",
    ]


def test_a_nul_written_as_a_yaml_escape_is_refused_in_a_protocol(tmp_path: Path) -> None:
    path = tmp_path / "ours.yaml"
    path.write_bytes(SUFFOLK.replace(b"name: ", b'name: "\\0"\nx_name: ', 1))
    result = resolve("protocols", "check", str(path))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "a value holds the control character U+0000" in result.output


def test_a_nul_written_as_a_yaml_escape_is_refused_in_a_directory_row(
    database_url: str, factory: object, tmp_path: Path
) -> None:
    """On the suite's database, SQLite or PostgreSQL: the same refusal, nothing stored."""
    text = SAMPLE.read_text().replace("name: Jess Turner", 'name: "Jess\\0 Turner"', 1)
    path = tmp_path / "escaped.yaml"
    path.write_text(text)
    line = text[: text.index("Jess\\0")].count("\n") + 1
    result = resolve("directory", "import", str(path), DATABASE_URL=database_url)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"  line {line}: a value holds the control character U+0000" in result.output
    assert "Nothing was imported." in result.output
    listed = resolve("directory", "list", DATABASE_URL=database_url)
    assert "Jess" not in listed.output
