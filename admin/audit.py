"""The audit log, and the breach procedure of rule 10: lock, list and revert in one action."""
from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from flask import flash, g, redirect, request, url_for
from flask_admin.contrib.peewee.filters import FilterEqual
from markupsafe import Markup, escape
from peewee import JOIN, BooleanField, DateField, DateTimeField, Field, ForeignKeyField

from models import AuditEntry, SchoolSettings, Staff, access
from models.audit import (
    declare_breach,
    logged_fields,
    operations_since,
    referenced_names,
    revert,
)

from . import dates
from .base import SecureModelView, SecureView, expose, staff
from .setup import LABELS

ACTIONS = {"create": "создание", "update": "изменение", "delete": "удаление"}
# Every audited table by its Russian name (a test checks none is missing).
TABLES = {
    "lesson": "урок", "mark": "отметка", "attendance": "посещаемость",
    "period_mark": "отметка за период", "teacher_comment": "комментарий",
    "lesson_work": "работа на уроке",
    "school_class": "класс", "movement": "книга движения", "subgroup": "подгруппа",
    "subgroup_member": "состав подгруппы", "student": "ученик",
    "guardian": "родитель", "student_guardian": "ученик и родитель",
    "staff": "сотрудник", "teaching_assignment": "нагрузка", "plan_topic": "КТП",
    "timetable_slot": "расписание", "bell": "звонок", "academic_year": "учебный год",
    "period": "учебный период", "holiday": "каникулы и праздники", "subject": "предмет",
    "work_type": "вид работы", "news": "новость", "school_settings": "настройки",
    "diary_access": "доступ к дневнику", "day_transfer": "перенос дня",
    "journal_reopening": "открытие журнала", "sheet_return": "возврат выписки",
    "archive_file": "архив журнала",
}
# Column names in «Было → стало»: the setup tables' labels, and the journal's own.
FIELDS = LABELS | {
    "lesson": "Урок", "value": "Отметка", "code": "Посещаемость", "work_type": "Вид работы",
    "comment": "Комментарий", "text": "Текст", "topic": "Тема урока",
    "homework": "Домашнее задание", "homework_due": "Сдать домашнее задание к",
    "plan_topic": "Тема КТП", "period": "Период",
    "set_by": "Кто поставил", "password_hash": "Пароль", "compromised_at": "Скомпрометирована с",
    "token": "Адрес дневника", "salt": "Соль ключа", "key": "Ключ дневника",
    "iterations": "Итераций PBKDF2", "issued_at": "Пароль выдан",
    "reason": "Причина", "until": "Открыт по", "opened_by": "Кто открыл",
    "monday": "Неделя с", "received_by": "Кто принял",
}


def local_time(moment: dt.datetime | None) -> str:
    """A stored UTC moment on the school's clock."""
    if moment is None:
        return ""
    return dates.local(moment).strftime("%d.%m.%Y %H:%M:%S")


def names_for(entries: list[AuditEntry]) -> dict:
    """The names of the rows these entries' foreign keys point at (see referenced_names)."""
    return referenced_names(entries, SchoolSettings.current().today())


def shown(value, field: Field | None, names: dict) -> str:
    """A logged value as people read it: a row's name for a foreign key, a date as
    ДД.ММ.ГГГГ, a moment on the school's clock, a choice by its Russian name."""
    if value is None or value == "":
        return "—"
    try:
        if isinstance(field, ForeignKeyField) and isinstance(value, int):
            return names.get((field.rel_model, value), f"№ {value}")
        if isinstance(field, DateTimeField):
            return dates.local(dt.datetime.fromisoformat(value)).strftime(dates.SHOWN_MOMENT)
        if isinstance(field, DateField):
            return dt.date.fromisoformat(value).strftime(dates.SHOWN)
    except (TypeError, ValueError):  # logged before a column changed its type
        return str(value)
    if isinstance(field, BooleanField):
        return "да" if value else "нет"
    return str(dict(field.choices).get(value, value) if field and field.choices else value)


def changes(entry: AuditEntry, names: dict | None = None) -> Markup:
    """Before → after, field by field, in Russian, rows by name, escaped (teacher-entered
    text can be anything). `names`: from names_for() over the page's entries."""
    names = names_for([entry]) if names is None else names
    fields = logged_fields(entry.table_name)
    before = json.loads(entry.before) if entry.before else {}
    after = json.loads(entry.after) if entry.after else {}
    lines = []
    for name in sorted(set(before) | set(after), key=lambda n: FIELDS.get(n, n)):
        was, now = (shown(data.get(name), fields.get(name), names) for data in (before, after))
        if name != "id" and was != now:
            lines.append(Markup("<b>{}</b>: {} → {}").format(FIELDS.get(name, name), was, now))
    return Markup("<br>").join(lines) if lines else escape("—")


def _staff_options():
    return [(str(s.id), s.full_name) for s in Staff.select().order_by(Staff.last_name)]


class AuditLogView(SecureModelView):
    """«Журнал изменений»: read-only, for the admin, the director and deputies."""

    read_roles = access.AUDIT
    write_roles = ()
    can_view_details = True
    column_list = ["at", "staff", "address", "action", "table_name", "row_id", "before",
                   "reason", "reverted_by"]
    column_labels = {"at": "Когда", "staff": "Кто", "address": "Адрес", "action": "Действие",
                     "table_name": "Таблица", "row_id": "Запись", "before": "Было → стало",
                     "after": "Стало", "reason": "Причина", "reverted_by": "Отменено записью"}
    column_default_sort = ("id", True)
    column_sortable_list = ["at", "row_id"]
    # «Когда» is typed on the school's clock (ДД.ММ.ГГГГ ЧЧ:ММ), as the list shows it.
    column_filters = [
        FilterEqual(AuditEntry.staff, "Кто", options=_staff_options),
        FilterEqual(AuditEntry.table_name, "Таблица", options=list(TABLES.items())),
        FilterEqual(AuditEntry.action, "Действие", options=list(ACTIONS.items())),
        dates.MomentBetween(AuditEntry.at, "Когда"),
        dates.MomentGreater(AuditEntry.at, "Когда"),
        dates.MomentSmaller(AuditEntry.at, "Когда"),
        FilterEqual(AuditEntry.row_id, "Запись №"),
    ]
    column_formatters = {
        "at": lambda v, c, m, n: local_time(m.at),
        "staff": lambda v, c, m, n: m.staff.full_name if m.staff_id else "система",
        "action": lambda v, c, m, n: ACTIONS.get(m.action, m.action),
        "table_name": lambda v, c, m, n: TABLES.get(m.table_name, m.table_name),
        "before": lambda v, c, m, n: changes(m, v.page_names(m)),
        "reverted_by": lambda v, c, m, n: m.reverted_by_id or "",
    }
    column_export_list = ["at", "staff", "address", "action", "table_name", "row_id",
                          "before", "after", "reason", "reverted_by"]
    column_formatters_export = {"before": lambda v, c, m, n: m.before or "",
                                "after": lambda v, c, m, n: m.after or "",
                                "staff": lambda v, c, m, n: m.staff_id or "",
                                "at": lambda v, c, m, n: m.at.isoformat(),
                                "reverted_by": lambda v, c, m, n: m.reverted_by_id or ""}

    def get_query(self):
        # Who made each change comes with the page, not one query per row.
        return self.scoped(AuditEntry.select(AuditEntry, Staff)
                           .join(Staff, JOIN.LEFT_OUTER, on=(AuditEntry.staff == Staff.id)))

    def get_list(self, *args, **kwargs):
        count, entries = super().get_list(*args, **kwargs)
        if isinstance(entries, list):  # the page itself: its rows' names in one go
            g.audit_names = ({e.id for e in entries}, names_for(entries))
        return count, entries

    def page_names(self, entry: AuditEntry) -> dict:
        """The names for the page's entries (or this one's alone, on its details page)."""
        ids, names = g.get("audit_names", (set(), {}))
        return names if entry.id in ids else names_for([entry])


class BreachView(SecureView):
    """Rule 10: the admin declares an account compromised and voids its operations since."""

    roles = access.ACCOUNTS

    @expose("/")
    def index(self):
        accounts = list(Staff.select().order_by(Staff.last_name, Staff.first_name))
        now = dt.datetime.now(ZoneInfo(SchoolSettings.current().timezone))
        return self.render("admin/breach/index.html", accounts=accounts,
                           now=now.strftime("%Y-%m-%dT%H:%M"), local_time=local_time)

    @expose("/declare", methods=("POST",))
    def declare(self):
        target = Staff.get_or_none(Staff.id == request.form.get("staff_id", type=int))
        try:
            moment = dt.datetime.fromisoformat(request.form.get("since", ""))
        except ValueError:
            moment = None
        if target is None or moment is None:
            flash("Выберите сотрудника и момент, с которого учётная запись скомпрометирована.",
                  "error")
            return redirect(url_for(".index"))
        zone = ZoneInfo(SchoolSettings.current().timezone)
        since = moment.replace(tzinfo=zone).astimezone(dt.UTC).replace(tzinfo=None)
        found = declare_breach(target, since)
        flash(f"Учётная запись {target.login} заблокирована как скомпрометированная. "
              f"Операций с {moment:%d.%m.%Y %H:%M}: {len(found)}.", "warning")
        return redirect(url_for(".account", staff_id=target.id))

    @expose("/<int:staff_id>")
    def account(self, staff_id: int):
        target = Staff.get_or_none(Staff.id == staff_id)
        if target is None or target.compromised_at is None:
            flash("Эта учётная запись не отмечена как скомпрометированная.", "error")
            return redirect(url_for(".index"))
        entries = operations_since(target.id, target.compromised_at)
        names = names_for(entries)
        return self.render("admin/breach/account.html", target=target, entries=entries,
                           local_time=local_time, actions=ACTIONS, tables=TABLES,
                           changes=lambda entry: changes(entry, names))

    @expose("/<int:staff_id>/revert", methods=("POST",))
    def revert_all(self, staff_id: int):
        target = Staff.get_or_none(Staff.id == staff_id)
        if target is None or target.compromised_at is None:
            return redirect(url_for(".index"))
        done, failed = revert(operations_since(target.id, target.compromised_at))
        flash(f"Отменено операций: {done}. Отмена записана в журнал изменений от имени "
              f"{staff().short_name}.", "success")
        for entry, reason in failed:
            flash(f"Не отменена операция №{entry.id} ({TABLES.get(entry.table_name, '')} "
                  f"№{entry.row_id}): {reason}.", "error")
        return redirect(url_for(".account", staff_id=target.id))


def register(panel) -> None:
    panel.add_view(AuditLogView(AuditEntry, name="Журнал изменений", endpoint="audit",
                                url="/audit", category="Контроль"))
    panel.add_view(BreachView(name="Взлом учётной записи", endpoint="breach", url="/breach",
                              category="Контроль"))
