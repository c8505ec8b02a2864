"""Imports a directory file: validates every row, then adds or updates agencies and people.

Re-importing the same file changes nothing: agencies are matched by key and people by email,
whatever its case. A file with bad rows changes nothing either, unless the caller asks to skip
them; then any row that leans on a skipped one (its agency, line manager or deputy) is skipped
too, so the directory never points at someone who is not in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.protocols import ProtocolCatalog
from bot.services.directory_files import DirectorySource, RawRow
from bot.services.directory_rows import (
    AgencyRow,
    PersonRow,
    agency_record,
    person_record,
    without_blanks,
)
from models.directory import Agency, Person
from models.roles import RoleBook

RowT = TypeVar("RowT", bound=BaseModel)
_EMAIL_FIELDS = ("email", "line_manager", "deputy")


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


@dataclass(frozen=True)
class Change:
    """One agency or person added or updated; `fields` holds (name, before, after) for updates."""

    label: str
    fields: tuple[tuple[str, Any, Any], ...] = ()


@dataclass
class Tally:
    added: list[Change] = field(default_factory=list)
    updated: list[Change] = field(default_factory=list)
    unchanged: int = 0


@dataclass
class ImportReport:
    agencies: Tally
    people: Tally
    problems: list[Problem]
    applied: bool

    @property
    def bad_lines(self) -> list[int]:
        return sorted({p.line for p in self.problems})


def _messages(error: ValidationError, names: dict[str, str]) -> list[str]:
    """pydantic's report in the words of the file: which field, and what is wrong with it."""
    messages = []
    for item in error.errors():
        where = names.get(str(item["loc"][0]), str(item["loc"][0])) if item["loc"] else "row"
        if item["type"] == "missing":
            messages.append(f"missing required field '{where}'")
        elif item["type"] == "extra_forbidden":
            messages.append(f"unknown field '{where}'")
        elif item["type"] == "value_error":
            messages.append(str(item["msg"]).removeprefix("Value error, "))
        else:
            messages.append(f"{where}: {item['msg']}")
    return messages


class _Planner:
    """Works out which rows are good and what they would change, before anything is written."""

    def __init__(self, session: Session, source: DirectorySource, roles: RoleBook) -> None:
        self.source = source
        self.roles = roles
        self.problems: list[Problem] = []
        self.bad: set[int] = set()
        self.bad_agencies: set[int] = set()
        self.stored_agencies = {a.key: a for a in session.scalars(select(Agency))}
        self.stored_people = {p.email.lower(): p for p in session.scalars(select(Person))}
        self.agencies = self._validated(
            source.agencies, AgencyRow, source.agency_field_names, agency=True
        )
        self.people = self._validated(source.people, PersonRow, {}, agency=False)
        self.agency_lines = self._first_lines(source.agencies, "key")
        self.person_lines = self._first_lines(source.people, "email")
        self._check_duplicate_agencies()
        self._check_duplicate_emails()
        while self._check_references() or self._check_slack_ids() or self._check_cycles():
            pass

    def report(self, line: int, message: str, *, agency: bool = False) -> None:
        """Marks the row bad; a CSV row that defines a bad agency takes its person down too."""
        self.problems.append(Problem(line, message))
        self.bad.add(line)
        if agency:
            self.bad_agencies.add(line)

    def _validated(
        self, rows: list[RawRow], model: type[RowT], names: dict[str, str], *, agency: bool
    ) -> list[tuple[int, RowT]]:
        valid = []
        for raw in rows:
            if raw.error is not None:
                self.report(raw.line, raw.error, agency=agency)
                continue
            try:
                valid.append(
                    (
                        raw.line,
                        model.model_validate(
                            without_blanks(raw.data), context={"roles": self.roles}
                        ),
                    )
                )
            except ValidationError as exc:
                for message in _messages(exc, names):
                    self.report(raw.line, message, agency=agency)
        return valid

    @staticmethod
    def _first_lines(rows: list[RawRow], key: str) -> dict[str, int]:
        """Where each agency key or email first appears, valid or not, to say which line to fix."""
        lines: dict[str, int] = {}
        for row in rows:
            value = str(row.data.get(key) or "").strip()
            lines.setdefault(value.lower() if key == "email" else value, row.line)
        return lines

    def _check_duplicate_agencies(self) -> None:
        first: dict[str, tuple[int, AgencyRow]] = {}
        kept = []
        for line, row in self.agencies:
            if row.key not in first:
                first[row.key] = (line, row)
                kept.append((line, row))
            elif row != first[row.key][1]:
                self.report(
                    line,
                    f"agency '{row.key}' is defined differently on line {first[row.key][0]}",
                    agency=True,
                )
        self.agencies = kept

    def _check_duplicate_emails(self) -> None:
        seen: dict[str, int] = {}
        for raw in self.source.people:
            email = str(raw.data.get("email") or "").strip().lower()
            if not email:
                continue
            if email in seen:
                self.report(raw.line, f"duplicate email {email} (first on line {seen[email]})")
            else:
                seen[email] = raw.line

    def good_agencies(self) -> dict[str, AgencyRow]:
        return {row.key: row for line, row in self.agencies if line not in self.bad_agencies}

    def good_people(self) -> dict[str, tuple[int, PersonRow]]:
        return {row.email: (line, row) for line, row in self.people if line not in self.bad}

    @staticmethod
    def _unresolved(what: str, value: str, lines: dict[str, int]) -> str:
        """Why a reference does not resolve: a row that is being skipped, or no such entry."""
        if value in lines:
            return f"{what} is not imported: line {lines[value]} has errors"
        return f"{what} not found in the file or the directory"

    def _check_references(self) -> bool:
        """Agency, line manager and deputy must each be good in the file or already stored."""
        agencies = self.good_agencies().keys() | self.stored_agencies.keys()
        good = self.good_people()
        people = good.keys() | self.stored_people.keys()
        found = False
        for line, row in good.values():
            reasons = []
            if row.agency not in agencies:
                reasons.append(
                    self._unresolved(f"agency '{row.agency}'", row.agency, self.agency_lines)
                    if row.agency in self.agency_lines
                    else f"unknown agency '{row.agency}': define it in the file or the directory"
                )
            for what, email in (("line manager", row.line_manager), ("deputy", row.deputy)):
                if email is not None and email not in people:
                    reasons.append(self._unresolved(f"{what} {email}", email, self.person_lines))
            if row.deputy is not None and row.deputy == row.email:
                reasons.append("deputy cannot be the person themselves")
            for reason in reasons:
                self.report(line, reason)
                found = True
        return found

    def _check_slack_ids(self) -> bool:
        """A Slack user id belongs to one person, counting those already stored."""
        good = self.good_people()
        owners = {
            p.slack_user_id: (email, p.name)
            for email, p in self.stored_people.items()
            if p.slack_user_id and email not in good
        }
        found = False
        for line, row in sorted(good.values(), key=lambda item: item[0]):
            if row.slack_user_id is None:
                continue
            owner = owners.setdefault(row.slack_user_id, (row.email, row.name))
            if owner[0] != row.email:
                self.report(
                    line, f"slack_user_id {row.slack_user_id} already belongs to {owner[1]}"
                )
                found = True
        return found

    def _check_cycles(self) -> bool:
        """Management chains must end: walking up from anyone never comes back round."""
        good = self.good_people()
        email_of = {p.id: email for email, p in self.stored_people.items()}
        manager_of = {
            email: email_of.get(p.line_manager_id) if p.line_manager_id else None
            for email, p in self.stored_people.items()
        }
        names = {email: p.name for email, p in self.stored_people.items()}
        for email, (_line, row) in good.items():
            manager_of[email] = row.line_manager
            names[email] = row.name
        done: set[str] = set()
        found = False
        for start in sorted(good, key=lambda email: good[email][0]):
            path: list[str] = []
            position: dict[str, int] = {}
            node: str | None = start
            while node is not None and node not in done and node not in position:
                position[node] = len(path)
                path.append(node)
                node = manager_of.get(node)
            done.update(path)
            if node is None or node not in position:
                continue
            cycle = path[position[node] :]
            circle = " -> ".join(names[email] for email in [*cycle, cycle[0]])
            for email in cycle:
                if email in good:
                    self.report(
                        good[email][0], f"the management chain goes round in a circle: {circle}"
                    )
                    found = True
        return found


def _differences(before: dict[str, Any], after: dict[str, Any]) -> tuple[tuple[str, Any, Any], ...]:
    return tuple((name, before[name], after[name]) for name in after if before[name] != after[name])


def _tally_agencies(planner: _Planner) -> Tally:
    tally = Tally()
    for key, row in planner.good_agencies().items():
        stored = planner.stored_agencies.get(key)
        after = row.model_dump(mode="json")
        if stored is None:
            tally.added.append(Change(f"{key} ({row.name})"))
        elif changed := _differences(agency_record(stored), after):
            tally.updated.append(Change(key, changed))
        else:
            tally.unchanged += 1
    return tally


def _tally_people(planner: _Planner) -> Tally:
    tally = Tally()
    for email, (_line, row) in planner.good_people().items():
        stored = planner.stored_people.get(email)
        after = row.model_dump()
        if stored is None:
            tally.added.append(Change(f"{email} ({row.name})"))
            continue
        before = person_record(stored)
        for name in _EMAIL_FIELDS:
            before[name] = before[name].lower() if before[name] else None
        if changed := _differences(before, after):
            tally.updated.append(Change(email, changed))
        else:
            tally.unchanged += 1
    return tally


def _apply(session: Session, planner: _Planner) -> None:
    agencies = dict(planner.stored_agencies)
    for key, row in planner.good_agencies().items():
        agency = agencies.get(key) or Agency(key=key)
        agency.name, agency.kind = row.name, row.kind.value
        agencies[key] = agency
        session.add(agency)
    people = dict(planner.stored_people)
    rows = planner.good_people()
    for email, (_line, row) in rows.items():
        person = people.get(email) or Person(email=email)
        person.name = row.name
        person.slack_user_id = row.slack_user_id
        person.agency = agencies[row.agency]
        person.role = row.role
        person.job_title = row.job_title
        person.absent_until = row.absent_until
        people[email] = person
        session.add(person)
    session.flush()
    # Links go in by id once everyone has one: people may deputise for each other, a loop the
    # unit of work cannot order as relationship changes.
    for email, (_line, row) in rows.items():
        person = people[email]
        person.line_manager_id = people[row.line_manager].id if row.line_manager else None
        person.deputy_id = people[row.deputy].id if row.deputy else None
    session.flush()
    for email in rows:
        session.expire(people[email], ["line_manager", "deputy"])


def import_directory(
    source: DirectorySource,
    *,
    session: Session,
    roles: RoleBook | None = None,
    dry_run: bool = False,
    skip_bad: bool = False,
) -> ImportReport:
    """Validates every row, then applies the good ones unless dry-running or any row is bad.

    `roles` are those a person may hold; by default the built-in ones and the presets' own.
    """
    planner = _Planner(session, source, roles or ProtocolCatalog().role_book())
    problems = sorted(planner.problems, key=lambda p: p.line)
    report = ImportReport(_tally_agencies(planner), _tally_people(planner), problems, False)
    if dry_run or (problems and not skip_bad):
        return report
    _apply(session, planner)
    report.applied = True
    return report
