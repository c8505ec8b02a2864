"""What a sweep batch reads once for all its disputes, and the rows it writes at once.

The directory, the duty ticks and the head of each dispute's audit chain are read in one query
each rather than again for every dispute; the audit events, reminders, members and outbox
messages the batch makes are inserted together, one statement a table, at its end.

All this is kept on the batch's session (in `info`), so the services deep inside an escalation
find it without every call passing it down. The session lives for one batch's transaction and
nothing an escalation does changes the directory or the ticks; a session outside a batch reads
and writes as before, so every other caller is unaffected.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Table, func, inspect, select, text, update
from sqlalchemy.orm import Session

from bot.services.bulk_insert import insert_rows
from models.base import Base
from models.directory import Agency, Person
from models.dispute import Dispute, DisputeMember, StageNotice
from models.duties import DutyCompletion

KEY = "sweep_batch"

Ticks = dict[tuple[str, str], DutyCompletion]  # (duty key, side) -> who ticked it, and when


@dataclass
class Directory:
    """Everyone in the agency directory, read in one query and answered from memory."""

    people: list[Person]
    agencies: list[Agency]
    by_role: dict[str, list[Person]] = field(init=False)

    def __post_init__(self) -> None:
        self.by_role = defaultdict(list)
        for person in self.people:
            self.by_role[person.role].append(person)

    def holders(
        self,
        roles: Iterable[str],
        *,
        kinds: Iterable[str] = (),
        agency_ids: Iterable[int] = (),
    ) -> list[Person]:
        """People holding one of `roles`, in an agency of one of `kinds` or one of
        `agency_ids` (either will do), in the order of their ids."""
        kind_set = {str(k) for k in kinds}
        id_set = set(agency_ids)
        found = [
            p
            for role in {str(r) for r in roles}
            for p in self.by_role.get(role, [])
            if p.agency.kind in kind_set or p.agency_id in id_set
        ]
        return sorted(found, key=lambda p: p.id)

    def first_agency(self, kind: str) -> Agency | None:
        return next((a for a in self.agencies if a.kind == kind), None)


@dataclass(eq=False)
class Pending:
    """A row the batch inserts at its end, kept as its column values: an ORM object for each of
    the tens of thousands of rows a sweep writes, which nothing reads back, would cost more to
    build than the rows take to insert. `id` is given just before the insert."""

    model: type[Base]
    values: dict[str, Any]

    @property
    def id(self) -> int:
        return int(self.values["id"])


@dataclass
class Batch:
    directory: Directory
    ticks: dict[int, Ticks] = field(default_factory=dict)
    rows: list[Pending] = field(default_factory=list)
    members: set[tuple[int, int]] = field(default_factory=set)  # (dispute, person), stored or added
    # transitions whose stage ended: their notices superseded at the batch's end
    superseded: list[int] = field(default_factory=list)


def batch_reads(session: Session) -> Batch | None:
    """The batch's shared reads, when the session belongs to a sweep batch."""
    return session.info.get(KEY)


def directory(session: Session) -> Directory | None:
    reads = batch_reads(session)
    return reads.directory if reads is not None else None


def preload(session: Session, disputes: Sequence[Dispute]) -> Batch:
    """Reads the directory and the disputes' ticks and members, one query each, and starts
    collecting rows."""
    ids = sorted(d.id for d in disputes)
    agencies = list(session.scalars(select(Agency).order_by(Agency.id)))
    people = list(session.scalars(select(Person).order_by(Person.id)))
    reads = Batch(Directory(people, agencies))
    by_dispute: dict[int, Ticks] = defaultdict(dict)
    if ids:
        for row in session.scalars(
            select(DutyCompletion).where(DutyCompletion.dispute_id.in_(ids))
        ):
            by_dispute[row.dispute_id][(row.duty_key, row.side)] = row
    reads.ticks = {i: by_dispute.get(i, {}) for i in ids}
    if ids:
        stored = session.execute(
            select(DisputeMember.dispute_id, DisputeMember.person_id).where(
                DisputeMember.dispute_id.in_(ids)
            )
        )
        reads.members = {(dispute_id, person_id) for dispute_id, person_id in stored}
    session.info[KEY] = reads
    return reads


def add(
    session: Session,
    model: type[Base],
    values: dict[str, Any],
    *,
    depends_on: Base | Pending | None = None,
) -> Base | Pending:
    """A new row of `model` with these attribute values, for rows nothing reads back in the same
    transaction: in a batch, inserted with the others of its table at the batch's end; outside
    one, added to the session as usual. `depends_on` is the outbox message to deliver first,
    which a batch's rows never name (a batch writes no message that waits for another)."""
    reads = batch_reads(session)
    if reads is None:
        row = model(**values)
        if depends_on is not None:
            row.depends_on = depends_on  # type: ignore[attr-defined]
        session.add(row)
        return row
    assert depends_on is None, "a sweep batch writes no message that waits for another"
    pending = Pending(model, values)
    reads.rows.append(pending)
    return pending


def _batch_of(session: Session, dispute_id: int) -> Batch | None:
    """The sweep batch the session belongs to, when the dispute is one of its own."""
    reads = batch_reads(session)
    return reads if reads is not None and dispute_id in reads.ticks else None


def add_member(
    session: Session, dispute_id: int, person_id: int, reason: str, at: datetime
) -> bool:
    """In a batch, makes the person a member of the dispute with the batch's other rows, unless
    they are one already (the batch read its disputes' members as pairs of ids, not as rows),
    and says True; outside one (or for a dispute not of the batch), False: the caller adds it."""
    reads = _batch_of(session, dispute_id)
    if reads is None:
        return False
    if (dispute_id, person_id) not in reads.members:
        reads.members.add((dispute_id, person_id))
        values = {"dispute_id": dispute_id, "person_id": person_id, "reason": reason}
        reads.rows.append(Pending(DisputeMember, {**values, "added_at": at}))
    return True


def supersede(session: Session, transition_ids: list[int]) -> bool:
    """In a batch, notes that the notices of these ended stages are superseded, with the
    batch's others, and says True; outside one, False: the caller does it."""
    reads = batch_reads(session)
    if reads is None:
        return False
    reads.superseded += transition_ids
    return True


def write(session: Session) -> None:
    """Inserts the rows the batch collected, one statement a table, with ids given in advance
    so that no row needs to be read back."""
    reads = batch_reads(session)
    if reads is None:
        return
    if reads.superseded:
        session.execute(
            update(StageNotice)
            .where(StageNotice.transition_id.in_(reads.superseded))
            .values(superseded=True)
            .execution_options(synchronize_session=False)
        )
        reads.superseded = []
    if not reads.rows:
        return
    by_model: dict[type[Base], list[Pending]] = defaultdict(list)
    for row in reads.rows:
        by_model[row.model].append(row)
    reads.rows = []
    for model, rows in by_model.items():
        table = _table_of(model)
        for row, new_id in zip(rows, new_ids(session, table, len(rows)), strict=True):
            row.values["id"] = new_id
        insert_rows(session, table, [_values(r) for r in rows])


def number_new(session: Session) -> None:
    """Gives the session's new rows their ids before they are flushed, so the flush inserts
    each table's rows in one statement instead of one at a time to read each id back."""
    by_table: dict[Table, list[Base]] = defaultdict(list)
    for row in session.new:
        if isinstance(row, Base) and getattr(row, "id", None) is None:
            by_table[_table(row)].append(row)
    with session.no_autoflush:
        for table, rows in by_table.items():
            for row, new_id in zip(rows, new_ids(session, table, len(rows)), strict=True):
                row.id = new_id  # type: ignore[attr-defined]


def new_ids(session: Session, table: Table, count: int) -> list[int]:
    """`count` unused ids for the table: from its sequence on PostgreSQL; after the highest on
    SQLite, where the transaction holds the only write lock."""
    if session.get_bind().dialect.name == "postgresql":
        return list(
            session.scalars(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                    "FROM generate_series(1, :n)"
                ),
                {"table": table.name, "n": count},
            )
        )
    highest = session.scalar(select(func.max(table.c.id))) or 0
    return list(range(highest + 1, highest + 1 + count))


def _table(row: Base) -> Table:
    return _table_of(type(row))


def _table_of(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


@cache
def _columns(model: type[Base]) -> dict[str, str]:
    """The column each attribute is stored in."""
    return {attribute.key: attribute.columns[0].key for attribute in inspect(model).column_attrs}


def _values(row: Pending) -> dict[str, Any]:
    """The row's column values; `insert_rows` gives what it leaves out its default."""
    columns = _columns(row.model)
    return {columns[key]: value for key, value in row.values.items()}
