"""A partnership's escalation protocol as data: stages, roles, timescales, duties and routes."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_serializer, model_validator

from models.roles import BUILT_IN, AgencyKind, RoleBook
from models.timescale import Timescale, parse_timescale_fields

_KEY = r"^[a-z0-9][a-z0-9-]*$"
_ROLE = r"^[a-z][a-z0-9_]*$"
_PERCENT = re.compile(r"^\s*(\d{1,2})\s*%\s*$")
ASK_PREFIX = "ask_"
_BEFORE = re.compile(r"^\s*(.+?)\s+before\s*$", re.IGNORECASE)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReminderPoint(_Strict):
    """When to remind before a deadline: a share of the stage ('50%') or a span before it."""

    text: str
    fraction: float | None = None
    before: Timescale | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if match := _PERCENT.match(value):
            percent = int(match[1])
            if not 0 < percent < 100:
                raise ValueError(f"'{value}': a percentage must be between 1% and 99%")
            return {"text": value.strip(), "fraction": percent / 100}
        if match := _BEFORE.match(value):
            fields = parse_timescale_fields(match[1])
            return {"text": value.strip(), "before": Timescale(**fields)}
        raise ValueError(f"'{value}' is not a reminder point; use '50%' or '1 working day before'")

    @model_serializer
    def _as_text(self) -> str:
        return self.text


Side = Literal["raiser", "counterpart", "both", "escalator"]

# Who acts for a side whose agency has no holder of the stage's role: the next more senior role
# on the ladder that the agency does have, then the agency's safeguarding lead.
Fallback = Literal["next_senior", "safeguarding_lead"]
DEFAULT_FALLBACK: tuple[Fallback, ...] = ("next_senior", "safeguarding_lead")


class DeclaredRole(_Strict):
    """A post the protocol names that the built-in roles do not (a Deputy Director, say)."""

    key: str = Field(pattern=_ROLE)
    label: str
    above: str | None = None
    partnership: bool = False
    source: str


class Duty(_Strict):
    """Something the protocol says must be done at a stage, with its own time limit if any.

    `who` names the side it binds (`escalator`: the side that moved the dispute into the stage;
    both sides when its timescale lapsed). Each side bound ticks it in its own checklist; a duty
    `within` a timescale is due that long after the stage began (after opening, for the
    protocol's own duties), and is reminded and reported overdue.
    """

    text: str
    within: Timescale | None = None
    who: Side = "both"
    source: str


class AlternativeRoute(_Strict):
    """A different person acts instead of (or beside) the stage's role, in given circumstances."""

    label: str
    role: str = Field(pattern=_ROLE)
    when_agency_kind: list[AgencyKind] = Field(default_factory=list)
    when_category: list[str] = Field(default_factory=list)
    instead: bool = True
    source: str

    @model_validator(mode="after")
    def _has_condition(self) -> AlternativeRoute:
        if not self.when_agency_kind and not self.when_category:
            raise ValueError("an alternative route needs when_agency_kind or when_category")
        return self


StatedTimescale = Literal["replaces", "shortens"]


class Oversight(_Strict):
    """Someone the protocol says is told at a stage without acting: they read, they do not act.

    `held_by` names the kind of agency whose holders of `role` are told (the partnership for a
    board chair); without it, the holders of `role` in each party's agency are told.
    """

    label: str
    role: str = Field(pattern=_ROLE)
    held_by: AgencyKind | None = None
    source: str


class Stage(_Strict):
    """One tier of the protocol: who acts, how long they have, and what they must do.

    `role` is held on each side, unless `held_by` names the one kind of agency that holds a
    single post for the whole dispute (a local authority's Deputy Director, say).
    """

    key: str = Field(pattern=_KEY)
    title: str
    role: str = Field(pattern=_ROLE)
    held_by: AgencyKind | None = None
    fallback: list[Fallback] | None = None
    timescale: Timescale | None = None
    timescale_is_default: bool = False
    stated_timescale: StatedTimescale = "shortens"
    referral_only: bool = False
    referred_by: list[str] = Field(default_factory=list)
    informs: list[Oversight] = Field(default_factory=list)
    reminders: list[ReminderPoint] = Field(default_factory=list)
    duties: list[Duty] = Field(default_factory=list)
    alternatives: list[AlternativeRoute] = Field(default_factory=list)
    guidance: str | None = None
    source: str

    @model_validator(mode="before")
    @classmethod
    def _from_older_snapshot(cls, value: Any) -> Any:
        """Disputes opened before `stated_timescale` carry two flags the engine never read; it
        always let a stated timescale only shorten the stage, so that is what they keep."""
        if isinstance(value, dict) and (
            "escalator_states_timescale" in value or "whichever_is_less" in value
        ):
            value = {
                k: v
                for k, v in value.items()
                if k not in ("escalator_states_timescale", "whichever_is_less")
            }
        return value


class Ask(_Strict):
    """A detail the protocol requires when a dispute of one category opens (e.g. who dissented
    at a child protection conference, and why). Free text is checked and sealed like a summary."""

    key: str = Field(pattern=r"^[a-z0-9_]+$")
    label: str
    kind: Literal["text", "long_text", "past_date"] = "text"
    hint: str | None = None
    source: str

    @property
    def field(self) -> str:
        """The form field (block id) it fills, apart from the open form's own fields."""
        return f"{ASK_PREFIX}{self.key}"


class CounterpartCapacity(_Strict):
    """Who the counterpart must be for a category, as the open form asks for and shows them."""

    label: str
    hint: str
    source: str


class Category(_Strict):
    """A kind of disagreement the protocol covers, with any details it must carry."""

    key: str = Field(pattern=_KEY)
    label: str
    asks: list[Ask] = Field(default_factory=list)
    counterpart: CounterpartCapacity | None = None
    source: str

    def ask(self, key: str) -> Ask | None:
        return next((a for a in self.asks if a.key == key), None)


class Urgency(_Strict):
    """How urgency changes the route: a later starting stage and a tighter cap per stage."""

    key: str = Field(pattern=_KEY)
    label: str
    latest_start_stage: str | None = None
    stage_timescale: Timescale | None = None
    check_in_every: Timescale | None = None
    any_hour: bool = False
    source: str


class Scope(_Strict):
    """Which disagreements the protocol covers; one it excludes is refused with where to go."""

    intra_agency: Literal["allowed", "refused"] = "allowed"
    where_instead: str | None = None
    source: str

    @model_validator(mode="after")
    def _says_where(self) -> Scope:
        if self.intra_agency == "refused" and not self.where_instead:
            raise ValueError(
                "intra_agency: refused needs where_instead, saying where to go instead"
            )
        return self


class Exclusion(_Strict):
    """Something the protocol is not for, and where to take it instead: shown on the open form
    so a professional sees it before raising a dispute, not after."""

    what: str
    where_instead: str
    source: str


RECORD_PREFIX = "record_"


class RecordFill(StrEnum):
    """Where a record field's value comes from: something the dispute holds, `asked` of the
    person resolving it, or `child_identifier`, which Resolve never holds (a labelled space to
    complete in the case management system)."""

    RAISER_NAME = "raiser_name"
    RAISER_ROLE = "raiser_role"
    RAISER_AGENCY = "raiser_agency"
    COUNTERPART = "counterpart"
    CATEGORY = "category"
    SUMMARY = "summary"
    DISCUSSIONS = "discussions"
    DISCUSSION_DATES = "discussion_dates"
    PARTICIPANTS = "participants"
    AGREEMENTS = "agreements"
    APPROVALS = "approvals"
    STAGES = "stages"
    NOTIFIED = "notified"
    ESCALATED_TO = "escalated_to"
    STATED_TIMESCALES = "stated_timescales"
    OUTCOME = "outcome"
    RESOLUTION_SUMMARY = "resolution_summary"
    ACTIONS = "actions"
    LEARNING = "learning"
    REFER_TO_PARTNERSHIP = "refer_to_partnership"
    DUTIES = "duties"
    INFORMED = "informed"
    CLOSED_AT = "closed_at"
    RESOLVED_BY = "resolved_by"
    CHILD_IDENTIFIER = "child_identifier"
    ASKED = "asked"


class RecordField(_Strict):
    """A field the record on the child's file must carry, and where its value comes from.

    An `asked` field is asked for at `ask_at` (for now, when the dispute is resolved).
    """

    key: str = Field(pattern=r"^[a-z0-9_]+$")
    label: str
    fill: RecordFill
    ask_at: Literal["resolution"] | None = None
    hint: str | None = None
    source: str

    @model_validator(mode="after")
    def _asked_when(self) -> RecordField:
        if self.fill == RecordFill.ASKED and self.ask_at is None:
            raise ValueError("an asked field needs ask_at: resolution, the moment it is asked")
        if self.fill != RecordFill.ASKED and (self.ask_at is not None or self.hint is not None):
            raise ValueError("only a field with fill: asked takes ask_at or hint")
        return self

    @property
    def field(self) -> str:
        """The resolve form's field (block id) that asks for it."""
        return f"{RECORD_PREFIX}{self.key}"


class DiscussionPrompt(_Strict):
    """A question or step the protocol offers to help professionals talk a difference through."""

    text: str
    source: str


class PatternAlert(_Strict):
    """Tell the safeguarding leads when the same two agencies keep disagreeing about one thing.

    The alert goes when a new dispute makes `count` (then 2 x `count`, 3 x ...) disputes between
    the same two agencies, either way round, in the same category, opened within `within`.
    """

    count: int = Field(ge=2, le=50)
    within: Timescale
    source: str


class ReflectiveMeeting(_Strict):
    """Either side may ask for a reflective practice meeting at any stage."""

    source: str


class Protocol(_Strict):
    """A whole protocol; snapshotted into each dispute when it opens."""

    key: str = Field(pattern=_KEY)
    name: str
    partnership: str
    version: str = "as published"  # the edition, with its date, as the protocol states them
    source: str
    acknowledgement: Timescale = Field(
        default_factory=lambda: Timescale.model_validate("1 working day")
    )
    acknowledgement_reminders: int = Field(2, ge=0, le=10)
    final_review_every: Timescale = Field(
        default_factory=lambda: Timescale.model_validate("5 working days")
    )
    final_review_source: str | None = None
    scope: Scope | None = None
    not_for: list[Exclusion] = Field(default_factory=list)
    categories: list[Category] = Field(min_length=1)
    urgencies: list[Urgency] = Field(min_length=1)
    roles: list[DeclaredRole] = Field(default_factory=list)
    fallback: list[Fallback] = Field(default_factory=lambda: list(DEFAULT_FALLBACK))
    stages: list[Stage] = Field(min_length=2)
    record_fields: list[RecordField] = Field(default_factory=list)
    duties: list[Duty] = Field(default_factory=list)
    discussion_prompts: list[DiscussionPrompt] = Field(default_factory=list)
    pattern_alert: PatternAlert | None = None
    reflective_meeting: ReflectiveMeeting | None = None
    notes: list[str] = Field(default_factory=list)

    def stage(self, index: int) -> Stage:
        return self.stages[index]

    def stage_index(self, key: str) -> int:
        return [s.key for s in self.stages].index(key)

    def category(self, key: str) -> Category | None:
        return next((c for c in self.categories if c.key == key), None)

    def urgency(self, key: str) -> Urgency | None:
        return next((u for u in self.urgencies if u.key == key), None)

    @property
    def asked_at_resolution(self) -> list[RecordField]:
        return [f for f in self.record_fields if f.ask_at == "resolution"]

    @property
    def final_index(self) -> int:
        return len(self.stages) - 1

    @property
    def role_book(self) -> RoleBook:
        return BUILT_IN.with_declared((r.key, r.label, r.above, r.partnership) for r in self.roles)

    def fallback_for(self, stage: Stage) -> list[Fallback]:
        return self.fallback if stage.fallback is None else stage.fallback


def consistency_errors(protocol: Protocol) -> list[str]:
    """Rules that span fields; each message names where the problem is."""
    errors: list[str] = []
    for label, keys in (
        ("stages", [s.key for s in protocol.stages]),
        ("categories", [c.key for c in protocol.categories]),
        ("urgencies", [u.key for u in protocol.urgencies]),
        ("record_fields", [f.key for f in protocol.record_fields]),
    ):
        seen: set[str] = set()
        for position, key in enumerate(keys, start=1):
            if key in seen:
                errors.append(f"{label}[{position}] key: '{key}' is used twice")
            seen.add(key)
    if protocol.urgency("standard") is None:
        errors.append("urgencies: there must be one with key 'standard'")
    errors += _role_errors(protocol)
    errors += unknown_role_errors(protocol.model_dump())
    stage_keys = {s.key for s in protocol.stages}
    category_keys = {c.key for c in protocol.categories}
    for position, urgency in enumerate(protocol.urgencies, start=1):
        start = urgency.latest_start_stage
        if start is not None and start not in stage_keys:
            errors.append(
                f"urgencies[{position}] ({urgency.key}) latest_start_stage: no stage '{start}'"
            )
    for position, category in enumerate(protocol.categories, start=1):
        ask_keys = [a.key for a in category.asks]
        for key in sorted({k for k in ask_keys if ask_keys.count(k) > 1}):
            errors.append(f"categories[{position}] ({category.key}) asks: '{key}' is used twice")
    last = len(protocol.stages)
    for position, stage in enumerate(protocol.stages, start=1):
        where = f"stages[{position}] ({stage.key})"
        if position == last and stage.timescale is not None:
            errors.append(f"{where} timescale: the final stage has no timescale; remove it")
        if position < last and stage.timescale is None and not stage.referral_only:
            errors.append(f"{where} timescale: every stage but the final one needs a timescale")
        if stage.referred_by and not stage.referral_only:
            errors.append(f"{where} referred_by: only a referral_only stage names who refers")
        if position == 1 and stage.referral_only:
            errors.append(f"{where} referral_only: the first stage cannot be referral-only")
        for n, route in enumerate(stage.alternatives, start=1):
            for category in route.when_category:
                if category not in category_keys:
                    errors.append(
                        f"{where} alternatives[{n}] when_category: no category '{category}'"
                    )
    return errors


def _role_errors(protocol: Protocol) -> list[str]:
    """Declared roles must be new and sit above a role already on the ladder."""
    errors: list[str] = []
    book = protocol.role_book
    declared: set[str] = set()
    for position, role in enumerate(protocol.roles, start=1):
        where = f"roles[{position}] ({role.key})"
        if role.key in BUILT_IN.labels or role.key in declared:
            errors.append(f"{where} key: '{role.key}' is already a role; choose another key")
        if role.above is not None and role.above not in book.ladder:
            ladder = ", ".join(r for r in book.ladder if r != role.key)
            errors.append(f"{where} above: no ladder role '{role.above}'; use one of: {ladder}")
        declared.add(role.key)
    return errors


def unknown_role_errors(data: dict[str, Any]) -> list[str]:
    """Stages and routes naming a role that is neither built in nor declared under `roles`.

    Works on the file as read, so an unknown role is reported beside any other error.
    """
    declared = [r.get("key") for r in data.get("roles") or [] if isinstance(r, dict)]
    known = [*BUILT_IN.labels, *(k for k in declared if isinstance(k, str))]
    allowed = ", ".join(known)
    errors: list[str] = []
    stages = data.get("stages")
    for position, stage in enumerate(stages if isinstance(stages, list) else [], start=1):
        if not isinstance(stage, dict):
            continue
        where = f"stages[{position}]" + (f" ({stage['key']})" if "key" in stage else "")
        named = [("role", stage.get("role"))]
        routes = stage.get("alternatives")
        for n, route in enumerate(routes if isinstance(routes, list) else [], start=1):
            if isinstance(route, dict):
                named.append((f"alternatives[{n}] role", route.get("role")))
        bodies = stage.get("informs")
        for n, body in enumerate(bodies if isinstance(bodies, list) else [], start=1):
            if isinstance(body, dict):
                named.append((f"informs[{n}] role", body.get("role")))
        referrers = stage.get("referred_by")
        for n, role in enumerate(referrers if isinstance(referrers, list) else [], start=1):
            named.append((f"referred_by[{n}]", role))
        for field_name, role in named:
            if isinstance(role, str) and role not in known:
                errors.append(
                    f"{where} {field_name}: no role '{role}'; declare it under roles or use "
                    f"one of: {allowed}"
                )
    return errors
