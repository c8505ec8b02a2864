"""What a sweep batch reads once for all its disputes, and the rows it writes at once.

The directory, the duty ticks and the head of each dispute's audit chain are read in one query
each rather than again for every dispute; the audit events, reminders, members and outbox
messages the batch makes are inserted together, one statement a table, at its end.

The stages and notices a batch adds, and the changes to the disputes and stages it loaded, are
written by the batch too, not by the ORM's flush. The flush works object by object: it adds
each new object to the session along its relationships, then checks every attribute of every
object for changes and sorts them into statements, which at thousands of disputes took longer
than the escalations' own work. The batch knows its new objects (they never enter the session)
and reads each loaded object's changed attributes; it writes them one statement a table and
set of columns, and then lets go of every object, as the batch's transaction ends with them.

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
from typing import Any, TypeVar

from sqlalchemy import Table, func, inspect, select, text, update
from sqlalchemy.orm import MANYTOONE, ClassManager, Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.collections import collection_adapter

from bot.services.bulk_insert import ID, insert_rows, update_rows
from models.audit import refuse_audit_changes
from models.base import Base
from models.directory import Agency, Person
from models.dispute import Dispute, DisputeMember, StageNotice
from models.duties import DutyCompletion

KEY = "sweep_batch"
B = TypeVar("B", bound=Base)

Ticks = dict[tuple[str, str], DutyCompletion]  # (duty key, side) -> who ticked it, and when


@dataclass
class Directory:
    """Everyone in the agency directory, read in one query and answered from memory."""

    people: list[Person]
    agencies: list[Agency]
    by_role: dict[str, list[Person]] = field(init=False)
    # answers already given: a batch asks the same few questions for each of its disputes
    answers: dict[tuple[frozenset[str], frozenset[str], frozenset[int]], list[Person]] = field(
        init=False, default_factory=dict
    )

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
        `agency_ids` (either will do), in the order of their ids (a new list each time)."""
        role_set = frozenset(str(r) for r in roles)
        kind_set = frozenset(str(k) for k in kinds)
        id_set = frozenset(agency_ids)
        question = (role_set, kind_set, id_set)
        if question not in self.answers:
            found = [
                p
                for role in role_set
                for p in self.by_role.get(role, [])
                if p.agency.kind in kind_set or p.agency_id in id_set
            ]
            self.answers[question] = sorted(found, key=lambda p: p.id)
        return list(self.answers[question])

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
    # new ORM objects, written at the batch's end without ever entering the session
    objects: list[Base] = field(default_factory=list)


def batch_reads(session: Session) -> Batch | None:
    """The batch's shared reads, when the session belongs to a sweep batch."""
    return session.info.get(KEY)


def directory(session: Session) -> Directory | None:
    reads = batch_reads(session)
    return reads.directory if reads is not None else None


def preload(session: Session, disputes: Sequence[Dispute]) -> Batch:
    """Reads the directory (giving the disputes their parties from it) and the disputes' ticks
    and members, one query each, and starts collecting rows."""
    ids = sorted(d.id for d in disputes)
    agencies = list(session.scalars(select(Agency).order_by(Agency.id)))
    people = list(session.scalars(select(Person).order_by(Person.id)))
    reads = Batch(Directory(people, agencies))
    _attach_parties(disputes, people, agencies)
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


def _attach_parties(
    disputes: Sequence[Dispute], people: list[Person], agencies: list[Agency]
) -> None:
    """Each dispute's parties and their agencies, and each person's agency, from the directory
    just read: each would otherwise be looked up on its own, four lookups a dispute."""
    person = {p.id: p for p in people}
    agency = {a.id: a for a in agencies}
    for someone in people:
        set_committed_value(someone, "agency", agency[someone.agency_id])
    for dispute in disputes:
        for key, found in (
            ("raiser", person.get(dispute.raiser_id)),
            ("counterpart", person.get(dispute.counterpart_id)),
            ("raiser_agency", agency.get(dispute.raiser_agency_id)),
            ("counterpart_agency", agency.get(dispute.counterpart_agency_id)),
        ):
            if found is not None:
                set_committed_value(dispute, key, found)


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


def build(session: Session, model: type[B], **values: Any) -> B:
    """A new `model` with these attribute values, which the caller goes on reading. Outside a
    batch it is made and added to the session as usual. In a batch it is kept with the batch's
    rows and never enters the session; it is made without the ORM's attribute events, which
    cost more than the rest of making it: its values go straight into it, and it joins its
    parents' collections (the other side of each many-to-one relationship given) as a loaded
    object would."""
    reads = batch_reads(session)
    if reads is None:
        row = model(**values)
        session.add(row)
        return row
    layout = _layout(model)
    row = layout.manager.new_instance()
    row.__dict__.update(values)
    for key, backref in layout.backrefs:
        parent = values.get(key)
        if parent is None:
            continue
        if backref in parent.__dict__ or inspect(parent).key is not None:
            collection_adapter(getattr(parent, backref)).append_without_event(row)
        else:  # a parent new in this batch: nothing stored to load
            set_committed_value(parent, backref, [row])
    reads.objects.append(row)
    return row


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
    """Writes what the batch made and changed, one statement a table (and, for changes, a set
    of columns), with ids given in advance so that no row needs to be read back; then lets go
    of every object the batch read or made, as its transaction ends with them, so that the
    flush does not check them all over again nor the commit expire them."""
    reads = batch_reads(session)
    if reads is None:
        return
    refuse_audit_changes(session)
    with session.no_autoflush:
        new = [*reads.objects, *(row for row in session.new if isinstance(row, Base))]
        changed = [row for row in session.dirty if isinstance(row, Base)]
        inserts = _inserts(session, new, reads.rows)
        reads.objects, reads.rows = [], []
        for table in Base.metadata.sorted_tables:
            if table in inserts:
                insert_rows(session, table, inserts[table])
        for (table, columns), rows in _changes(changed).items():
            update_rows(session, table, columns, rows)
        if reads.superseded:
            session.execute(
                update(StageNotice)
                .where(StageNotice.transition_id.in_(reads.superseded))
                .values(superseded=True)
                .execution_options(synchronize_session=False)
            )
            reads.superseded = []
    assert not session.deleted, "a sweep batch removes nothing"
    session.expunge_all()


def _inserts(
    session: Session, new: list[Base], pending: list[Pending]
) -> dict[Table, list[dict[str, Any]]]:
    """The new objects' and pending rows' column values by table, each row numbered."""
    _number(session, new)
    inserts: dict[Table, list[dict[str, Any]]] = defaultdict(list)
    for row in new:
        layout = _layout(type(row))
        values = row.__dict__
        inserts[layout.table].append(
            {column: values[key] for key, column in layout.columns if key in values}
        )
    for row in _numbered(session, pending):
        inserts[_table_of(row.model)].append(_values(row))
    return inserts


def _numbered(session: Session, rows: list[Pending]) -> list[Pending]:
    by_model: dict[type[Base], list[Pending]] = defaultdict(list)
    for row in rows:
        by_model[row.model].append(row)
    given = ids_for(session, {_table_of(model): len(mine) for model, mine in by_model.items()})
    for model, mine in by_model.items():
        for row, new_id in zip(mine, given[_table_of(model)], strict=True):
            row.values["id"] = new_id
    return rows


def _changes(rows: Iterable[Base]) -> dict[tuple[Table, tuple[str, ...]], list[dict[str, Any]]]:
    """The changed columns of loaded objects, by table and set of columns, each row's values
    keyed by column with its id under `ID`."""
    changes: dict[tuple[Table, tuple[str, ...]], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        state = inspect(row)
        touched = set(state.manager).difference(state.unmodified)
        touched |= _sync_parents(row, touched)
        layout = _layout(type(row))
        pairs = [(key, column) for key, column in layout.columns if key in touched]
        if not pairs:
            continue
        values = row.__dict__
        changes[(layout.table, tuple(column for _, column in pairs))].append(
            {ID: values["id"], **{column: values[key] for key, column in pairs}}
        )
    return changes


@dataclass(frozen=True)
class _Layout:
    """A model's table, its column attributes (attribute, column), and for each of its
    many-to-one relationships the columns that hold the parent's keys (attribute, the
    parent's attribute)."""

    table: Table
    columns: list[tuple[str, str]]
    parents: list[tuple[str, list[tuple[str, str]]]]
    backrefs: list[tuple[str, str]]  # (many-to-one attribute, the parent's collection)
    manager: ClassManager[Any]  # makes instances of the model


@cache
def _layout(model: type[Base]) -> _Layout:
    mapper = inspect(model)
    columns = [(attribute.key, attribute.columns[0].key) for attribute in mapper.column_attrs]
    parents = [
        (
            relationship.key,
            [
                (
                    mapper.get_property_by_column(local).key,
                    relationship.mapper.get_property_by_column(remote).key,
                )
                for local, remote in relationship.local_remote_pairs
            ],
        )
        for relationship in mapper.relationships
        if relationship.direction is MANYTOONE
    ]
    backrefs = [
        (relationship.key, relationship.back_populates)
        for relationship in mapper.relationships
        if relationship.direction is MANYTOONE and relationship.back_populates
    ]
    return _Layout(_table_of(model), columns, parents, backrefs, mapper.class_manager)


def _sync_parents(row: Base, touched: set[str] | None = None) -> set[str]:
    """Copies the keys of the parents `row` was given as objects into its own columns, as the
    flush would (only of the relationships in `touched`, when given), straight into the row
    (it is a batch's, never flushed); returns the columns' attributes it changed."""
    values = row.__dict__
    changed: set[str] = set()
    for key, pairs in _layout(type(row)).parents:
        if key not in values or (touched is not None and key not in touched):
            continue
        parent = values[key]
        for local, remote in pairs:
            kept = None if parent is None else getattr(parent, remote)
            if values.get(local) != kept:
                values[local] = kept
                changed.add(local)
    return changed


def number_new(session: Session) -> None:
    """Gives new objects their ids: a batch's (see `build`), with their parents' keys, before
    anything reads them; outside a batch, the session's before it is flushed, so the flush
    inserts each table's rows in one statement instead of one at a time to read each id back."""
    reads = batch_reads(session)
    if reads is None:
        _number(session, list(session.new))
    else:
        _number(session, reads.objects)


def _number(session: Session, rows: list[Base]) -> None:
    """Numbers the rows that have no id yet; in a batch, then gives them their parents' keys
    (a row's parents are numbered no later than it). A batch's rows are never flushed, so their
    values go straight into them, without the ORM's attribute events."""
    batching = batch_reads(session) is not None
    by_table: dict[Table, list[Base]] = defaultdict(list)
    for row in rows:
        if getattr(row, "id", None) is None:
            by_table[_table(row)].append(row)
    with session.no_autoflush:
        given = ids_for(session, {table: len(mine) for table, mine in by_table.items()})
        for table, mine in by_table.items():
            for row, new_id in zip(mine, given[table], strict=True):
                if batching:
                    row.__dict__["id"] = new_id
                else:
                    row.id = new_id  # type: ignore[attr-defined]
    if batching:
        for mine in by_table.values():
            for row in mine:
                _sync_parents(row)


def ids_for(session: Session, counts: dict[Table, int]) -> dict[Table, list[int]]:
    """Unused ids, as many as asked for each table: from the tables' sequences on PostgreSQL,
    in one round trip for them all; after the highest on SQLite, where the transaction holds
    the only write lock."""
    if not counts:
        return {}
    if session.get_bind().dialect.name != "postgresql":
        given: dict[Table, list[int]] = {}
        for table, count in counts.items():
            highest = session.scalar(select(func.max(table.c.id))) or 0
            given[table] = list(range(highest + 1, highest + 1 + count))
        return given
    by_name = {table.name: table for table in counts}
    drawn = session.execute(
        text(
            "SELECT t.name, nextval(pg_get_serial_sequence(t.name, 'id')) "
            "FROM unnest(CAST(:names AS text[]), CAST(:counts AS integer[])) AS t(name, n), "
            "generate_series(1, t.n)"
        ),
        {"names": list(by_name), "counts": [counts[t] for t in by_name.values()]},
    )
    given = {table: [] for table in counts}
    for name, new_id in drawn:
        given[by_name[name]].append(new_id)
    return given


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
