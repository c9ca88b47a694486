"""Who is acting now, and the base model whose every save and delete goes into the audit log.

Kept apart from the log table (models.audit) because the log names its author, a Staff
row, and Staff's own changes are logged too: this module imports no model.
"""
from __future__ import annotations

import contextlib
import contextvars
import getpass
import json
from dataclasses import dataclass

from peewee import Field, SqliteDatabase, fn

from .base import BaseModel, db, utcnow, write_transaction

# Never in a snapshot: every row's own timestamps say nothing about the change.
TIMESTAMPS = ("created_at", "updated_at")
# A secret's value never enters the log; its change is noted by these words instead.
SECRET_SET, SECRET_OLD, SECRET_NEW = "задан", "прежний", "новый"


@dataclass(frozen=True)
class Actor:
    """Who is making changes now: a staff id (None for the system) and an address."""

    staff_id: int | None = None
    address: str = ""


# Actor is frozen, so sharing one default instance is safe.
_actor: contextvars.ContextVar[Actor] = contextvars.ContextVar("actor", default=Actor())  # noqa: B039


@contextlib.contextmanager
def acting_as(staff_id: int | None, address: str = ""):
    """Attribute every change inside the block to this person and address."""
    token = _actor.set(Actor(staff_id, address))
    try:
        yield
    finally:
        _actor.reset(token)


_unlogged: contextvars.ContextVar[bool] = contextvars.ContextVar("unlogged", default=False)


@contextlib.contextmanager
def unlogged():
    """A bulk load that is nobody's change (the demo school): nothing in the block is logged."""
    token = _unlogged.set(True)
    try:
        yield
    finally:
        _unlogged.reset(token)


_reason: contextvars.ContextVar[str] = contextvars.ContextVar("reason", default="")


@contextlib.contextmanager
def stating(reason: str):
    """Every change inside the block is logged with this reason (a reopening, a breach
    reversal, a deputy's correction)."""
    token = _reason.set(reason)
    try:
        yield
    finally:
        _reason.reset(token)


def stated_reason() -> str:
    """The reason stated for the changes being made now ('' when none was)."""
    return _reason.get()


def console_address() -> str:
    """The address of a change made from the command line: the operating-system user."""
    try:
        return f"командная строка ({getpass.getuser()})"
    except (KeyError, OSError):  # no user name in the environment or the password file
        return "командная строка"


def _as_stored(field: Field, value):
    """The value as the database gives it back, so a snapshot taken from a form's values
    equals one taken from the stored row ("5" in an integer column is 5)."""
    if value is None:
        return None
    try:
        return field.python_value(field.db_value(value))
    except (TypeError, ValueError):
        return value


def row_data(row: BaseModel) -> dict:
    """The row's loggable values: no timestamps, no secrets, no login bookkeeping."""
    hidden = {*TIMESTAMPS, *row.audit_secret, *row.audit_ignored}
    return {f.name: _as_stored(f, row.__data__.get(f.name))
            for f in row._meta.sorted_fields if f.name not in hidden}


def as_json(data: dict | None) -> str | None:
    return None if data is None else json.dumps(data, ensure_ascii=False, default=str,
                                                 sort_keys=True)


def snapshot(row: BaseModel) -> str:
    """The row's loggable values as JSON, foreign keys as ids."""
    return as_json(row_data(row))


def create_many(model: type[AuditedModel], rows: list[dict]) -> list[int]:
    """Insert rows in bulk (a year's transfer: tens of thousands), each logged as created,
    as save() would log it; the ids in the rows' order. Validation and the calendar's guard
    are the caller's: it copies rows already checked, into a year it checked is open.
    Call inside a write transaction. The rows' values are stored values (ids for foreign
    keys), as a snapshot logs them."""
    from .audit_chain import append  # the log table names Staff, itself audited

    ids = insert_rows(model, rows)
    if _unlogged.get() or not rows:
        return ids
    actor, reason, at = _actor.get(), _reason.get(), utcnow()
    blank = row_data(model())  # the defaults of the columns a row leaves out
    append([
        {"at": at, "staff": actor.staff_id, "address": actor.address, "action": "create",
         "table_name": model._meta.table_name, "row_id": row_id, "before": None,
         "after": as_json({**blank, **row, "id": row_id}), "reason": reason}
        for row_id, row in zip(ids, rows, strict=True)])
    return ids


# Rows per INSERT statement on PostgreSQL (execute_values' page).
PAGE = 1000


def insert_rows(model: type[BaseModel], rows: list[dict]) -> list[int]:
    """Plain INSERTs of many rows through the driver, the columns a row leaves out taking
    their defaults; the new ids in the rows' order. Peewee's insert_many spends most of a
    year transfer building SQL (74,000 rows: 33 of 46 s under the profiler), the driver a
    fraction of it."""
    if not rows:
        return []
    given = "id" in rows[0]  # ids chosen by the caller (the audit log's: audit_chain)
    fields = [f for f in model._meta.sorted_fields if given or f.name != "id"]
    defaults = {f.name: f.default() if callable(f.default) else f.default for f in fields}
    values = [tuple(f.db_value(row.get(f.name, defaults[f.name])) for f in fields)
              for row in rows]
    table = model._meta.table_name
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    cursor = db.cursor()
    if isinstance(db.obj, SqliteDatabase):
        # Under the write lock no one else inserts: rows without ids take the rowids after
        # the largest, one by one, in order.
        first = 0 if given else (model.select(fn.MAX(model.id)).scalar() or 0) + 1
        marks = ", ".join("?" * len(fields))
        cursor.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', values)
        return [row["id"] for row in rows] if given else list(range(first, first + len(rows)))
    from psycopg2.extras import execute_values
    returned = execute_values(cursor, f'INSERT INTO "{table}" ({columns}) VALUES %s '
                              'RETURNING "id"', values, page_size=PAGE, fetch=True)
    return [row[0] for row in returned]


class AuditedModel(BaseModel):
    """A table staff change: every save that changes something, and every delete, writes
    an AuditEntry with the author, the address and the row before and after."""

    # Fields whose values never enter the log (hashes, keys, salts): a change is noted.
    audit_secret: tuple[str, ...] = ()
    # Fields that are not a staff change at all (session tokens, failed-login counts).
    audit_ignored: tuple[str, ...] = ()

    def guard(self, stored) -> None:
        """Refuse a write the school calendar forbids (a closed year, a locked period);
        `stored` is the row as stored (None for a new one). Models with such rows override
        it; it may set `audit_reason`, which the log entry then carries."""

    def check_write(self) -> None:
        self.guard(getattr(self, "_stored", None))

    def save(self, force_insert=False, only=None):
        cls = type(self)
        with write_transaction():
            old = cls.get_or_none(cls.id == self.id) if self.id is not None else None
            self._stored = old  # for check_write, after the row's own rules
            try:
                result = super().save(force_insert=force_insert, only=only)
            finally:
                del self._stored
            self.audit_update(old, only)
        return result

    def delete_instance(self, *args, **kwargs):
        with write_transaction():
            cls = type(self)
            self.guard(cls.get_or_none(cls.id == self.id))
            self._unlink_referrers()
            before = row_data(self)
            before.update(dict.fromkeys(self._secrets_set(), SECRET_SET))
            self._record("delete", before, None)
            return super().delete_instance(*args, **kwargs)

    def _unlink_referrers(self) -> None:
        """Rows whose foreign key the database would SET NULL on this delete (a lesson's
        КТП topic, a class's class teacher) are changed here instead, each as a change of
        its own: checked by its guard (a locked lesson, a closed year's class refuses the
        delete) and logged. A conditional UPDATE, as a stored row that today's rules would
        refuse (a lesson on a Sunday) must not block the delete."""
        for field, model in self._meta.backrefs.items():
            if field.on_delete != "SET NULL" or not issubclass(model, AuditedModel):
                continue
            for row in model.select().where(field == self.id):
                row.guard(row)
                model.update({field: None, model.updated_at: utcnow()}).where(
                    model.id == row.id).execute()
                model(**{**row.__data__, field.name: None}).audit_update(row, only=[field])

    def audit_update(self, old: AuditedModel | None, only=None) -> None:
        """Log this row's change from `old` (None: created), unless nothing loggable changed.

        Also for writers that save with a conditional UPDATE instead of save().
        """
        after = row_data(self)
        if old is None:
            after.update(dict.fromkeys(self._secrets_set(), SECRET_SET))
            self._record("create", None, after)
            return
        before = row_data(old)
        written = ({getattr(f, "name", f) for f in only} if only
                   else set(self._meta.fields))
        after = {name: after[name] if name in written else value
                 for name, value in before.items()}
        secrets = [name for name in self.audit_secret
                   if name in written and getattr(old, name) != getattr(self, name)]
        if before == after and not secrets:
            return  # login bookkeeping, a new session token, or no change at all
        before.update(dict.fromkeys(secrets, SECRET_OLD))
        after.update(dict.fromkeys(secrets, SECRET_NEW))
        self._record("update", before, after)

    def _secrets_set(self) -> list[str]:
        return [name for name in self.audit_secret if getattr(self, name)]

    def _record(self, action: str, before: dict | None, after: dict | None) -> None:
        from .audit_chain import append  # the log table names Staff, itself audited

        if _unlogged.get():
            return
        actor = _actor.get()
        # Both when both are given: a deputy's correction in a journal reopened for it
        # keeps the deputy's reason and the reopening's.
        reason = "; ".join(dict.fromkeys(r for r in (_reason.get(),
                                                     getattr(self, "audit_reason", "")) if r))
        append([{"staff": actor.staff_id, "address": actor.address, "action": action,
                 "table_name": self._meta.table_name, "row_id": self.id,
                 "before": as_json(before), "after": as_json(after), "reason": reason}])
