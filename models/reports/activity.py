"""«Активность» (issue 17.8): each staff member's logins to the panel and changes to the
journal, month by month — what the deputy looks at when checking that the journal is kept
(001 5.1–5.2) and what the administrator looks at after a suspected breach (rule 10).

Logins are recorded from migration 0011 on (models.activity.LoginRecord); changes are the
audit log's entries (models.audit.AuditEntry) in the journal's tables.
"""
from __future__ import annotations

import datetime as dt

from peewee import fn

from .. import access
from ..activity import LoginRecord
from ..audit import AuditEntry
from ..journal import Attendance, Lesson, LessonWork, Mark, PeriodMark, TeacherComment
from ..people import ROLES, Staff
from ..school import SchoolSettings
from . import Choice, Column, Report, Row, Table, report
from .attendance import MONTHS

JOURNAL_TABLES = tuple(m._meta.table_name for m in (Lesson, Mark, Attendance, TeacherComment,
                                                       PeriodMark, LessonWork))
COLUMNS = [Column("Сотрудник"), Column("Роли"), Column("Месяц"), Column("Входов", "int"),
           Column("Изменений в журнале", "int")]


def months(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The calendar months from start to end, each cut to the range: (first, last) days."""
    spans, first = [], start
    while first <= end:
        following = (first.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        spans.append((first, min(end, following - dt.timedelta(days=1))))
        first = following
    return spans


def counts(model, column, staff_column, where, start: dt.datetime,
           end: dt.datetime) -> dict[int, int]:
    """staff id -> rows of `model` stamped from start (included) to end (excluded)."""
    within = (column >= start) & (column < end) & staff_column.is_null(False)
    query = (model.select(staff_column, fn.COUNT(model.id))
             .where(within if where is None else within & where).group_by(staff_column))
    return dict(query.tuples())


def people(user: Staff, active: set[int]) -> list[Staff]:
    """Whose lines the user reads: everyone's for those who read the audit log (the
    director, deputies and the administrator, rules 5 and 10), else only their own."""
    query = Staff.select()
    if user.has_role(*access.AUDIT):
        query = query.where((Staff.is_active == True) | Staff.id.in_(list(active) or [0]))  # noqa: E712
    else:
        query = query.where(Staff.id == user.id)
    return list(query.order_by(Staff.last_name, Staff.first_name, Staff.middle_name, Staff.id))


def report_range(choice: Choice) -> tuple[dt.date, dt.date]:
    """The chosen dates, or the current month up to today."""
    if choice.start and choice.end:
        return choice.start, choice.end
    return choice.today.replace(day=1), choice.today


@report("activity", "Активность", ("range",),
        "Входы в панель и изменения в журнале по сотрудникам и месяцам")
def build(user: Staff, choice: Choice) -> Report:
    """Logins and journal changes per staff member per month of the chosen range."""
    settings = SchoolSettings.current()
    start, end = report_range(choice)
    spans = months(start, end)
    figures = []
    for first, last in spans:
        since = settings.stored_time(dt.datetime.combine(first, dt.time()))
        until = settings.stored_time(dt.datetime.combine(last + dt.timedelta(days=1), dt.time()))
        figures.append((
            counts(LoginRecord, LoginRecord.at, LoginRecord.staff, None, since, until),
            counts(AuditEntry, AuditEntry.at, AuditEntry.staff,
                   AuditEntry.table_name.in_(JOURNAL_TABLES), since, until)))
    active = {sid for logins, changes in figures for sid in (*logins, *changes)}
    rows, totals = [], [0, 0]
    for person in people(user, active):
        roles = ", ".join(ROLES[r] for r in ROLES if r in person.role_set)
        mine = [(logins.get(person.id, 0), changes.get(person.id, 0))
                for logins, changes in figures]
        for (first, _), (logins, changes) in zip(spans, mine, strict=True):
            rows.append(Row([person.full_name, roles, f"{MONTHS[first.month - 1]} "
                             f"{first.year}", logins, changes]))
        if len(spans) > 1:
            rows.append(Row([person.full_name, roles, "всего", sum(x for x, _ in mine),
                             sum(y for _, y in mine)], level=1))
        totals[0] += sum(x for x, _ in mine)
        totals[1] += sum(y for _, y in mine)
    rows.append(Row(["Итого", "", "", *totals], level=1))
    return Report("activity", "Активность", f"{start:%d.%m.%Y}–{end:%d.%m.%Y}",
                  [Table("Активность", COLUMNS, rows)], notes=notes(user))


def notes(user: Staff) -> list[str]:
    whose = ("все сотрудники (действующие учётные записи и те, кто что-либо сделал за эти "
             "даты)" if user.has_role(*access.AUDIT)
             else "только ваша строка: активность всех сотрудников видят директор, "
                  "заместитель директора и администратор")
    return [
        "Входы — успешные входы в панель; записываются начиная с версии базы 0011 (раньше "
        "входы не учитывались, поэтому за прежние месяцы их число — ноль).",
        "Изменения в журнале — записи журнала изменений, сделанные сотрудником в уроках, "
        "отметках, посещаемости, замечаниях, отметках за период и работах на уроке: каждое "
        "создание, изменение, удаление и отмена считается один раз.",
        "Месяцы — по часам школы; первый и последний месяц — в пределах выбранных дат.",
        f"В отчёте: {whose}.",
    ]
