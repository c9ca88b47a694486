"""The audit log, and the breach reversal of rule 10: void an account's operations since a
moment, except where someone else changed the row since — that is reported, not lost."""
from __future__ import annotations

import datetime as dt
import functools
import json
from collections import defaultdict
from zoneinfo import ZoneInfo

from peewee import (
    CharField,
    DateTimeField,
    Field,
    ForeignKeyField,
    IntegerField,
    IntegrityError,
    TextField,
    fn,
)

from .auditing import SECRET_NEW, AuditedModel, acting_as, as_json, row_data, snapshot
from .base import BaseModel, RuleError, utcnow, write_transaction
from .calendar import lock_lifted
from .names import row_names
from .people import Staff

# Rule 10 voids a breached account's operations even in a locked period (a closed year
# stays read-only); such writes are logged with this reason and the period.
BREACH_REVERSAL = "отмена операций взломанной учётной записи (правило 10)"

__all__ = ["AuditEntry", "AuditedModel", "acting_as", "declare_breach", "operations_since",
           "logged_fields", "referenced_names", "revert", "snapshot"]


class AuditEntry(BaseModel):
    """One create, update, delete or revert of a row a staff member can change."""

    at = DateTimeField(default=utcnow, index=True)
    staff = ForeignKeyField(Staff, null=True, backref="audit_entries")
    address = CharField(default="")
    action = CharField()  # create, update, delete
    table_name = CharField()
    row_id = IntegerField()
    before = TextField(null=True)
    after = TextField(null=True)
    reverted_by = ForeignKeyField("self", null=True, backref="reverts")
    # Why the change was made where the rules ask for a reason (migration 0006).
    reason = TextField(default="")
    # The hash chain (issue 18.4, migration 0013): SHA-256 of this entry and the previous
    # entry's chain; written and checked by models.audit_chain.
    chain = TextField(default="")

    class Meta:
        indexes = ((("table_name", "row_id"), False), (("staff", "at"), False))


def _table_model(table_name: str):
    """The model of a table, or None when no model has it any more."""
    from . import ALL_MODELS
    return next((m for m in ALL_MODELS if m._meta.table_name == table_name), None)


def _model_for(table_name: str):
    model = _table_model(table_name)
    if model is None or not issubclass(model, AuditedModel):
        raise RuleError("такой таблицы больше нет")
    return model


def _restore(model, data: dict):
    """A model instance carrying the snapshot's values, converted back from JSON; secrets
    (never logged) keep the model's defaults."""
    row = model()
    for name, value in data.items():
        field = model._meta.fields.get(name)
        if field is not None and name not in model.audit_secret:
            setattr(row, field.name, None if value is None else field.python_value(value))
    return row


@functools.cache
def logged_fields(table_name: str) -> dict[str, Field]:
    """The table's fields by name, as its snapshots name them (none for a table no model
    has any more): what a logged value is (a date, a choice, a row of another table)."""
    model = _table_model(table_name)
    return {} if model is None else dict(model._meta.fields)


def referenced_names(entries: list[AuditEntry], day: dt.date) -> dict[tuple[type, int], str]:
    """Names of the rows the entries' foreign keys point at, before and after, by (model,
    id): «Иванов Иван Иванович (5А)» (a pupil's class on the day), «№ 84 (удалён)» for a
    row deleted since. One query per table pointed at (three for pupils), whatever the
    number of entries."""
    wanted: dict[type, set[int]] = defaultdict(set)
    for entry in entries:
        fields = logged_fields(entry.table_name)
        for data in (entry.before, entry.after):
            for name, value in (json.loads(data) if data else {}).items():
                if isinstance(fields.get(name), ForeignKeyField) and isinstance(value, int):
                    wanted[fields[name].rel_model].add(value)
    names = {}
    for model, ids in wanted.items():
        found = row_names(model, ids, day)
        names |= {(model, i): found.get(i, f"№ {i} (удалён)") for i in ids}
    return names


def operations_since(staff_id: int, since) -> list[AuditEntry]:
    """Rule 10: the account's changes from the moment of the breach, not yet reverted."""
    return list(AuditEntry.select()
                .where((AuditEntry.staff == staff_id) & (AuditEntry.at >= since)
                       & AuditEntry.reverted_by.is_null())
                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))


def _changed_since(entry: AuditEntry) -> str:
    """Who last changed the entry's row after it, and when (not counting reversals)."""
    reversals = AuditEntry.select(AuditEntry.reverted_by).where(
        AuditEntry.reverted_by.is_null(False))
    later = (AuditEntry.select()
             .where((AuditEntry.table_name == entry.table_name)
                    & (AuditEntry.row_id == entry.row_id) & (AuditEntry.id > entry.id)
                    & (AuditEntry.staff.is_null() | (AuditEntry.staff != entry.staff_id))
                    & AuditEntry.id.not_in(reversals))
             .order_by(AuditEntry.id.desc()).first())
    if later is None:
        return "не через журнал"
    from .school import SchoolSettings
    zone = ZoneInfo(SchoolSettings.current().timezone)
    when = later.at.replace(tzinfo=dt.UTC).astimezone(zone)
    # Names repeat in a village school: the login tells two Ивановы apart.
    who = (f"{later.staff.short_name}, {later.staff.login}" if later.staff_id
           else later.address or "система")
    return f"{who}, {when:%d.%m.%Y %H:%M}"


def _unchanged_since(model, entry: AuditEntry):
    """The row as stored, if it still is what the entry left; RuleError otherwise."""
    current = model.get_or_none(model.id == entry.row_id)
    if current is None:
        raise RuleError(f"запись удалена после этой операции ({_changed_since(entry)})")
    left = {k: v for k, v in json.loads(entry.after).items() if k not in model.audit_secret}
    if json.loads(as_json(row_data(current))) != left:
        raise RuleError(f"запись изменена после этой операции ({_changed_since(entry)}); "
                        "проверьте её и исправьте вручную")
    return current


def _undo(entry: AuditEntry) -> None:
    """Put the row back as it was before the entry, if nobody changed it since."""
    model = _model_for(entry.table_name)
    if entry.action == "delete":
        if model.get_or_none(model.id == entry.row_id) is not None:
            raise RuleError(f"запись создана заново после этой операции "
                            f"({_changed_since(entry)})")
        _restore(model, json.loads(entry.before)).save(force_insert=True)
        return
    current = _unchanged_since(model, entry)
    if entry.action == "create":
        current.delete_instance()
        return
    after = json.loads(entry.after)
    if any(after.get(name) == SECRET_NEW for name in model.audit_secret):
        raise RuleError("прежний пароль или ключ не вернуть: он не хранится в журнале; "
                        "выдайте новый")
    before = _restore(model, json.loads(entry.before))
    for name in json.loads(entry.before):
        if name != "id" and name in model._meta.fields and name not in model.audit_secret:
            setattr(current, name, getattr(before, name))
    current.save()


def revert(entries: list[AuditEntry]) -> tuple[int, list[tuple[AuditEntry, str]]]:
    """Undo changes, newest first; each undo is itself logged (rule 10, 001 4.3).

    A row is put back only while it still is what the entry left: a row someone else has
    changed since is not overwritten. Returns how many were reverted and the ones that
    were not, with the reason (who changed the row since, or a rule that now refuses it);
    those stay listed.
    """
    done, failed = 0, []
    for entry in sorted(entries, key=lambda e: (e.at, e.id), reverse=True):
        try:
            with write_transaction(), lock_lifted(BREACH_REVERSAL):
                last = AuditEntry.select(fn.MAX(AuditEntry.id)).scalar() or 0
                _undo(entry)
                entry.reverted_by = (AuditEntry.select()
                                     .where((AuditEntry.table_name == entry.table_name)
                                            & (AuditEntry.row_id == entry.row_id)
                                            & (AuditEntry.id > last))
                                     .order_by(AuditEntry.id.desc()).first())
                entry.save(only=[AuditEntry.reverted_by, AuditEntry.updated_at])
                done += 1
        except RuleError as exc:
            failed.append((entry, exc.message))
        except IntegrityError:
            failed.append((entry, "с записью связаны другие данные, изменённые позже"))
    return done, failed


def declare_breach(staff: Staff, since) -> list[AuditEntry]:
    """Rule 10: lock the account as compromised since a moment (UTC); list its operations."""
    staff.compromised_at, staff.is_active = since, False
    staff.end_sessions()
    staff.save()
    return operations_since(staff.id, since)
