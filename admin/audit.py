"""The audit log, and the breach procedure of rule 10: lock, list and revert in one action."""
from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from flask import flash, redirect, request, url_for
from flask_admin.contrib.peewee.filters import (
    DateTimeBetweenFilter,
    FilterEqual,
)
from markupsafe import Markup, escape

from models import AuditEntry, SchoolSettings, Staff, access
from models.audit import declare_breach, operations_since, revert

from .base import SecureModelView, SecureView, expose, staff
from .setup import LABELS

ACTIONS = {"create": "создание", "update": "изменение", "delete": "удаление"}
# Every audited table by its Russian name (a test checks none is missing).
TABLES = {
    "lesson": "урок", "mark": "отметка", "attendance": "посещаемость",
    "period_mark": "отметка за период", "teacher_comment": "комментарий",
    "school_class": "класс", "movement": "книга движения", "subgroup": "подгруппа",
    "subgroup_member": "состав подгруппы", "student": "ученик",
    "guardian": "родитель", "student_guardian": "ученик и родитель",
    "staff": "сотрудник", "teaching_assignment": "нагрузка", "plan_topic": "КТП",
    "timetable_slot": "расписание", "bell": "звонок", "academic_year": "учебный год",
    "period": "учебный период", "holiday": "каникулы и праздники", "subject": "предмет",
    "work_type": "вид работы", "news": "новость", "school_settings": "настройки",
    "diary_access": "доступ к дневнику", "day_transfer": "перенос дня",
    "journal_reopening": "открытие журнала",
}
# Column names in «Было → стало»: the setup tables' labels, and the journal's own.
FIELDS = LABELS | {
    "lesson": "Урок", "value": "Отметка", "code": "Посещаемость", "work_type": "Вид работы",
    "comment": "Комментарий", "text": "Текст", "topic": "Тема урока",
    "homework": "Домашнее задание", "plan_topic": "Тема КТП", "period": "Период",
    "set_by": "Кто поставил", "password_hash": "Пароль", "compromised_at": "Скомпрометирована с",
    "token": "Адрес дневника", "salt": "Соль ключа", "key": "Ключ дневника",
    "iterations": "Итераций PBKDF2", "issued_at": "Пароль выдан",
    "working": "Рабочий день", "reason": "Причина", "until": "Открыт по",
    "opened_by": "Кто открыл",
}


def local_time(moment: dt.datetime | None) -> str:
    """A stored UTC moment on the school's clock."""
    if moment is None:
        return ""
    return SchoolSettings.current().local_time(moment).strftime("%d.%m.%Y %H:%M:%S")


def changes(entry: AuditEntry) -> Markup:
    """Before → after, field by field, escaped (teacher-entered text can be anything)."""
    before = json.loads(entry.before) if entry.before else {}
    after = json.loads(entry.after) if entry.after else {}
    lines = [Markup("<b>{}</b>: {} → {}").format(FIELDS.get(name, name), before.get(name, "—"),
                                                 after.get(name, "—"))
             for name in sorted(set(before) | set(after))
             if name != "id" and before.get(name) != after.get(name)]
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
    column_filters = [
        FilterEqual(AuditEntry.staff, "Кто", options=_staff_options),
        FilterEqual(AuditEntry.table_name, "Таблица", options=list(TABLES.items())),
        FilterEqual(AuditEntry.action, "Действие", options=list(ACTIONS.items())),
        DateTimeBetweenFilter(AuditEntry.at, "Когда (UTC)"),
        FilterEqual(AuditEntry.row_id, "Запись №"),
    ]
    column_formatters = {
        "at": lambda v, c, m, n: local_time(m.at),
        "staff": lambda v, c, m, n: m.staff.full_name if m.staff_id else "система",
        "action": lambda v, c, m, n: ACTIONS.get(m.action, m.action),
        "table_name": lambda v, c, m, n: TABLES.get(m.table_name, m.table_name),
        "before": lambda v, c, m, n: changes(m),
        "reverted_by": lambda v, c, m, n: m.reverted_by_id or "",
    }
    column_export_list = ["at", "staff", "address", "action", "table_name", "row_id",
                          "before", "after", "reason", "reverted_by"]
    column_formatters_export = {"before": lambda v, c, m, n: m.before or "",
                                "after": lambda v, c, m, n: m.after or "",
                                "staff": lambda v, c, m, n: m.staff_id or "",
                                "at": lambda v, c, m, n: m.at.isoformat(),
                                "reverted_by": lambda v, c, m, n: m.reverted_by_id or ""}


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
        return self.render("admin/breach/account.html", target=target, entries=entries,
                           local_time=local_time, changes=changes, actions=ACTIONS,
                           tables=TABLES)

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
