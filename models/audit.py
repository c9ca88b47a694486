"""The audit log: who changed which journal row, when, from where, before and after."""
from __future__ import annotations

import contextlib
import contextvars
import json
from dataclasses import dataclass

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, TextField
from playhouse.shortcuts import model_to_dict

from .base import BaseModel, utcnow, write_transaction
from .people import Staff


@dataclass(frozen=True)
class Actor:
    """Who is making changes now: a staff id (None for the system) and an address."""

    staff_id: int | None = None
    address: str = ""


# Actor is frozen, so sharing one default instance is safe.
_actor: contextvars.ContextVar[Actor] = contextvars.ContextVar("actor", default=Actor())  # noqa: B039


@contextlib.contextmanager
def acting_as(staff_id: int | None, address: str = ""):
    """Attribute every journal change inside the block to this person and address."""
    token = _actor.set(Actor(staff_id, address))
    try:
        yield
    finally:
        _actor.reset(token)


class AuditEntry(BaseModel):
    """One create, update, delete or revert of a journal row."""

    at = DateTimeField(default=utcnow, index=True)
    staff = ForeignKeyField(Staff, null=True, backref="audit_entries")
    address = CharField(default="")
    action = CharField()  # create, update, delete
    table_name = CharField()
    row_id = IntegerField()
    before = TextField(null=True)
    after = TextField(null=True)
    reverted_by = ForeignKeyField("self", null=True, backref="reverts")

    class Meta:
        indexes = ((("table_name", "row_id"), False), (("staff", "at"), False))


def snapshot(instance: BaseModel) -> str:
    """The row as JSON, foreign keys as ids, without its timestamps."""
    data = model_to_dict(instance, recurse=False)
    data.pop("created_at", None)
    data.pop("updated_at", None)
    return json.dumps(data, ensure_ascii=False, default=str, sort_keys=True)


class AuditedModel(BaseModel):
    """A journal table: every save and delete of a row writes an AuditEntry."""

    def _record(self, action: str, before: str | None, after: str | None) -> None:
        actor = _actor.get()
        AuditEntry.create(staff=actor.staff_id, address=actor.address, action=action,
                          table_name=self._meta.table_name, row_id=self.id,
                          before=before, after=after)

    def save(self, *args, **kwargs):
        cls = type(self)
        with write_transaction():
            old = cls.get_or_none(cls.id == self.id) if self.id is not None else None
            result = super().save(*args, **kwargs)
            self._record("update" if old else "create",
                         snapshot(old) if old else None, snapshot(self))
        return result

    def delete_instance(self, *args, **kwargs):
        with write_transaction():
            self._record("delete", snapshot(self), None)
            return super().delete_instance(*args, **kwargs)


def _model_for(table_name: str):
    from . import ALL_MODELS
    return next(m for m in ALL_MODELS if m._meta.table_name == table_name)


def _restore(model, data: dict):
    """A model instance carrying the snapshot's values, converted back from JSON."""
    row = model()
    for name, value in data.items():
        field = model._meta.fields.get(name)
        if field is not None:
            setattr(row, field.name, None if value is None else field.python_value(value))
    return row


def operations_since(staff_id: int, since) -> list[AuditEntry]:
    """Rule 10: the account's journal changes from the moment of the breach, not yet reverted."""
    return list(AuditEntry.select()
                .where((AuditEntry.staff == staff_id) & (AuditEntry.at >= since)
                       & AuditEntry.reverted_by.is_null())
                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))


def revert(entries: list[AuditEntry]) -> tuple[int, list[tuple[AuditEntry, str]]]:
    """Undo journal changes, newest first; each undo is itself logged (rule 10, 001 4.3).

    Returns how many were reverted and the ones that could not be, with the reason
    (a row changed again since, or a rule that now refuses it); those stay listed.
    """
    from .base import RuleError

    done, failed = 0, []
    for entry in sorted(entries, key=lambda e: (e.at, e.id), reverse=True):
        model = _model_for(entry.table_name)
        try:
            with write_transaction():
                current = model.get_or_none(model.id == entry.row_id)
                if entry.action == "create":
                    if current is not None:
                        current.delete_instance()
                elif entry.action == "update":
                    if current is None:
                        raise RuleError("запись с тех пор удалена")
                    before = _restore(model, json.loads(entry.before))
                    for name in model._meta.sorted_field_names:
                        if name not in ("id", "created_at"):
                            setattr(current, name, getattr(before, name))
                    current.save()
                elif entry.action == "delete":
                    if current is not None:
                        raise RuleError("запись с тех пор создана заново")
                    _restore(model, json.loads(entry.before)).save(force_insert=True)
                undo = (AuditEntry.select().where((AuditEntry.table_name == entry.table_name)
                                                  & (AuditEntry.row_id == entry.row_id))
                        .order_by(AuditEntry.id.desc()).first())
                entry.reverted_by = undo if undo and undo.id != entry.id else None
                entry.save(only=[AuditEntry.reverted_by, AuditEntry.updated_at])
                done += 1
        except RuleError as exc:
            failed.append((entry, exc.message))
    return done, failed


def declare_breach(staff: Staff, since) -> list[AuditEntry]:
    """Rule 10: lock the account as compromised since a moment (UTC); list its operations."""
    staff.compromised_at, staff.is_active = since, False
    staff.end_sessions()
    staff.save()
    return operations_since(staff.id, since)
