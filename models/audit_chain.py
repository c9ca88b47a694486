"""The audit log as a hash chain (issue 18.4): each entry's `chain` is the SHA-256 of its
fields and the previous entry's `chain`, so an entry edited or deleted in between, with raw
SQL past the journal, no longer matches the entries after it.

Every entry is written here, one (AuditedModel's save and delete) or many (the year
transfer's bulk path), under the log's lock: the previous entry's hash is read and the new
entries inserted by one writer at a time, so two requests never chain to the same entry.
On SQLite a write transaction already holds the database's write lock (BEGIN IMMEDIATE,
models.base.write_transaction); on PostgreSQL a transaction-level advisory lock is taken,
held until the writing transaction ends.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json

import click
from peewee import SqliteDatabase

from .audit import AuditEntry
from .auditing import insert_rows
from .base import WRITE_LOCK, db, utcnow, write_transaction

# The fields an entry's hash covers, in this order. Not `reverted_by` and `updated_at`: a
# breach reversal marks the entries it undid (models.audit.revert), and the reversal is
# itself a new, chained entry.
FIELDS = ("id", "at", "created_at", "staff", "address", "action", "table_name", "row_id",
          "before", "after", "reason")
# The columns a new entry leaves out take these values (the model's defaults).
BLANK = {"staff": None, "address": "", "before": None, "after": None, "reason": ""}
# One encoder for every entry: json.dumps would build one per call (a year transfer
# hashes 75,000 entries).
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _plain(value):
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="microseconds")
    return value


def entry_hash(values: dict, previous: str) -> str:
    """The entry's chain value: SHA-256 (hex) of its FIELDS and the previous entry's."""
    payload = _encode([previous, *(_plain(values[name]) for name in FIELDS)])
    return hashlib.sha256(payload.encode()).hexdigest()


@contextlib.contextmanager
def _locked():
    """The log's lock: one writer reads the head and appends at a time (see the module).
    A write transaction took it at its start (models.base.write_transaction); a write
    outside one (a bare save in a script's own transaction) takes it here."""
    with contextlib.nullcontext() if db.in_transaction() else write_transaction():
        if not isinstance(db.obj, SqliteDatabase):
            db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        yield


def _last() -> tuple[int, str]:
    """The last entry's id and chain value; (0, "") for an empty log."""
    return (AuditEntry.select(AuditEntry.id, AuditEntry.chain)
            .order_by(AuditEntry.id.desc()).limit(1).tuples().first()) or (0, "")


def _new_ids(last_id: int, count: int) -> list[int]:
    """Ids for `count` new entries, in order, under the lock."""
    if isinstance(db.obj, SqliteDatabase):
        return list(range(last_id + 1, last_id + 1 + count))  # as SQLite's rowids would go
    cursor = db.execute_sql("SELECT nextval(pg_get_serial_sequence('audit_entry', 'id')) "
                            "FROM generate_series(1, %s)", (count,))
    return sorted(row[0] for row in cursor.fetchall())


def append(entries: list[dict]) -> list[int]:
    """Insert audit entries (AuditEntry's fields by name; staff as an id), chained in order
    after the last one; their ids."""
    if not entries:
        return []
    with _locked():
        last_id, previous = _last()
        now = utcnow()
        rows = []
        for entry_id, entry in zip(_new_ids(last_id, len(entries)), entries, strict=True):
            row = {**BLANK, "at": now, "created_at": now, "updated_at": now, **entry,
                   "id": entry_id}
            previous = row["chain"] = entry_hash(row, previous)
            rows.append(row)
        return insert_rows(AuditEntry, rows)


def head() -> str:
    """The last entry's chain value ("" for an empty log): recorded (by the archive
    registry) so that entries deleted from the end later can be told."""
    return _last()[1]


def verify() -> list[str]:
    """Every break of the chain, in Russian, in id order; empty when the log is intact.

    Each entry's hash is recomputed from its fields and the stored hash of the entry
    before it: an entry edited after it was written is named by its number; entries
    deleted in between break the chain of the entry after them (named with the missing
    numbers). Entries deleted from the END of the log leave a shorter chain that is whole:
    the chain alone cannot tell; compare head() with a head recorded earlier (the archive
    registry records it).
    """
    columns = [AuditEntry._meta.fields[name] for name in ("chain", *FIELDS)]
    breaks, previous, last_id = [], "", 0
    for chain, *values in (AuditEntry.select(*columns).order_by(AuditEntry.id)
                           .tuples().iterator()):
        row = dict(zip(FIELDS, values, strict=True))
        if entry_hash(row, previous) != chain:
            entry_id = row["id"]
            if entry_id > last_id + 1:
                missing = (f"№ {last_id + 1}" if entry_id == last_id + 2
                           else f"№ {last_id + 1}–{entry_id - 1}")
                breaks.append(f"Цепочка прервана перед записью № {entry_id}: удалены записи "
                              f"{missing} (или изменена сама запись № {entry_id})")
            else:
                breaks.append(f"Запись № {entry_id} изменена после того, как была сделана "
                              "(её хеш не сходится с цепочкой)")
        previous, last_id = chain, row["id"]
    return breaks


@click.group("audit")
def audit_group() -> None:
    """Журнал изменений."""


@audit_group.command("verify")
def verify_command() -> None:
    """Проверить цепочку хешей журнала изменений: не изменены и не удалены ли записи."""
    from . import database

    database.bind()
    breaks = verify()
    for line in breaks:
        click.echo(line)
    count = AuditEntry.select().count()
    if breaks:
        click.echo(f"Журнал изменений нарушен: {len(breaks)} разрыв(ов) цепочки "
                   f"на {count} записей.")
        raise SystemExit(1)
    click.echo(f"Журнал изменений цел: {count} записей, последний хеш {head() or '—'}.")
    click.echo("Удаление последних записей цепочка сама не выявляет: сравните последний "
               "хеш с записанным в реестре архива.")


COMMANDS = (audit_group,)
