"""The directory file format: one agency or one person, validated the same way for CSV and YAML.

Administrators keep the directory in spreadsheets, so roles and kinds are accepted as written
("Line Manager", "children's social care") and dates in either ISO or UK order.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo

from models.directory import Agency, Person
from models.roles import BUILT_IN, AgencyKind, RoleBook

AGENCY_FIELDS = ("key", "name", "kind")
PERSON_FIELDS = (
    "name",
    "email",
    "slack_user_id",
    "agency",
    "role",
    "job_title",
    "line_manager",
    "deputy",
    "absent_until",
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


def _normalised(value: object) -> str:
    text = str(value).strip().lower().replace("'", "").replace("\u2019", "")
    return re.sub(r"[\s-]+", "_", text)


def parse_role(value: object, book: RoleBook = BUILT_IN) -> str:
    """A role by its key or its label, in any case: 'line_manager' or 'Line manager'.

    `book` holds the built-in roles and those the loaded protocols declare; nothing else is a
    role anyone could be asked to act in.
    """
    wanted = _normalised(value)
    for key, label in book.labels.items():
        if wanted in (key, _normalised(label)):
            return key
    allowed = ", ".join(book.labels)
    raise ValueError(
        f"unknown role '{value}'; use one of: {allowed} (or declare it under roles in a protocol)"
    )


def _role_in_context(value: object, info: ValidationInfo) -> str:
    book = (info.context or {}).get("roles", BUILT_IN)
    return parse_role(value, book)


def parse_kind(value: object) -> AgencyKind:
    wanted = _normalised(value)
    for kind in AgencyKind:
        if wanted == kind.value:
            return kind
    allowed = ", ".join(kind.value for kind in AgencyKind)
    raise ValueError(f"unknown agency kind '{value}'; use one of: {allowed}")


def parse_day(value: object) -> date:
    """YYYY-MM-DD or DD/MM/YYYY: what a spreadsheet or a person is likely to write."""
    for form in _DATE_FORMATS:
        try:
            return datetime.strptime(str(value).strip(), form).date()
        except ValueError:
            continue
    raise ValueError(f"bad date '{value}' for absent_until; use YYYY-MM-DD or DD/MM/YYYY")


def _email_of(field: str) -> BeforeValidator:
    def check(value: object) -> str:
        text = str(value).strip().lower()
        if not _EMAIL.match(text):
            raise ValueError(f"{field} '{value}' is not an email address")
        return text

    return BeforeValidator(check)


def _slack_id(value: object) -> str:
    text = str(value).strip()
    if not _SLACK_ID.match(text):
        raise ValueError(f"slack_user_id '{value}' is not a Slack user id such as U0123ABCD")
    return text


class _Row(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, coerce_numbers_to_str=True
    )


class AgencyRow(_Row):
    key: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    kind: Annotated[AgencyKind, BeforeValidator(parse_kind)]


class PersonRow(_Row):
    name: str = Field(min_length=1, max_length=200)
    email: Annotated[str, _email_of("email")]
    slack_user_id: Annotated[str | None, BeforeValidator(_slack_id)] = None
    agency: str = Field(min_length=1, max_length=64)
    role: Annotated[str, BeforeValidator(_role_in_context)]
    job_title: str = Field(min_length=1, max_length=200)
    line_manager: Annotated[str | None, _email_of("line_manager")] = None
    deputy: Annotated[str | None, _email_of("deputy")] = None
    absent_until: Annotated[date | None, BeforeValidator(parse_day)] = None


def without_blanks(data: dict[str, Any]) -> dict[str, Any]:
    """Empty cells and `null`s mean 'not given', so a required one is reported as missing."""
    return {
        key: value
        for key, value in data.items()
        if value is not None and not (isinstance(value, str) and not value.strip())
    }


def agency_record(agency: Agency) -> dict[str, Any]:
    return {"key": agency.key, "name": agency.name, "kind": agency.kind}


def person_record(person: Person) -> dict[str, Any]:
    """A stored person in file form: what export writes and what import compares against."""
    return {
        "name": person.name,
        "email": person.email,
        "slack_user_id": person.slack_user_id,
        "agency": person.agency.key,
        "role": person.role,
        "job_title": person.job_title,
        "line_manager": person.line_manager.email if person.line_manager else None,
        "deputy": person.deputy.email if person.deputy else None,
        "absent_until": person.absent_until,
    }
