"""The database proxy, the base model and the domain error every rule raises."""
from __future__ import annotations

import contextlib
import datetime as dt

from peewee import DatabaseProxy, DateTimeField, Model, SqliteDatabase

db = DatabaseProxy()


# pg_advisory_xact_lock's key for writers ("AUDC": every write appends to the audit chain).
WRITE_LOCK = 0x41554443


@contextlib.contextmanager
def write_transaction():
    """A transaction that will write: the database's one writer lock taken at its start.

    A deferred SQLite transaction that reads and then writes fails at once with
    "database is locked" when another writer got in between, busy timeout or not
    (peewee #1071); BEGIN IMMEDIATE waits for the lock instead. On PostgreSQL a
    transaction-level advisory lock plays that part: every write ends by appending to the
    audit log's hash chain (models.audit_chain), one writer at a time, and taking that
    lock first, before any row lock, means two writers never hold one lock each while
    waiting for the other's (a deadlock). Nested, it is a savepoint.
    """
    if isinstance(db.obj, SqliteDatabase):
        with db.atomic("IMMEDIATE"):
            yield
        return
    outermost = not db.in_transaction()
    with db.atomic():
        if outermost:
            db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        yield


def utcnow() -> dt.datetime:
    """Now in UTC, naive, as stored in every timestamp column."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class RuleError(ValueError):
    """A rule of the regulations or of the data was broken; the message is Russian."""

    def __init__(self, message: str, rule: int | None = None):
        super().__init__(message)
        self.message = message
        self.rule = rule


class BaseModel(Model):
    """Every table has its creation and change time and checks itself (and its text, for
    control characters) before saving."""

    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        database = db
        legacy_table_names = False

    def validate(self) -> None:
        """Raise RuleError when the row breaks a rule; models override it."""

    def save(self, *args, **kwargs):
        from .texts import check_text  # texts raises this module's RuleError
        check_text(*(value for value in self.__data__.values() if isinstance(value, str)))
        self.validate()
        self.check_write()
        self.updated_at = utcnow()
        return super().save(*args, **kwargs)

    def check_write(self) -> None:
        """Refuse a valid row that may not be written now (AuditedModel: the calendar)."""


class ValidBetween:
    """A row valid from a day to a day, or open-ended (`valid_from`, `valid_to`): bells and
    timetable slots."""

    @classmethod
    def valid_between(cls, first: dt.date, last: dt.date | None = None):
        """The condition: valid on some day from `first` to `last` (or on `first` alone)."""
        last = first if last is None else last
        return (cls.valid_from <= last) & (cls.valid_to.is_null() | (cls.valid_to >= first))

