"""The audit log: who changed which journal row, when, from where, before and after."""
from __future__ import annotations

import contextlib
import contextvars
import json
from dataclasses import dataclass

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, TextField
from playhouse.shortcuts import model_to_dict

from .base import BaseModel, utcnow
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
        old = cls.get_or_none(cls.id == self.id) if self.id is not None else None
        with self._meta.database.atomic():
            result = super().save(*args, **kwargs)
            self._record("update" if old else "create",
                         snapshot(old) if old else None, snapshot(self))
        return result

    def delete_instance(self, *args, **kwargs):
        with self._meta.database.atomic():
            self._record("delete", snapshot(self), None)
            return super().delete_instance(*args, **kwargs)
