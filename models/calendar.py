"""The school calendar (rules 14 and 15): which days are school days, when a period's
journal locks, who reopened it, and closed years.

One home for every write path: the models call `guard_journal` and `check_year_open`
from their save() and delete_instance() (AuditedModel.guard), so the grid, «Мой класс»,
the setup forms, the CLI and imports are refused alike.
"""
from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from peewee import BooleanField, CharField, DateField, ForeignKeyField, TextField

from .auditing import AuditedModel
from .base import RuleError
from .classes import Membership, SchoolClass, Subgroup, class_year
from .curriculum import Subject
from .people import Staff
from .school import AcademicYear, Holiday, InYear, Period, SchoolSettings, check_year_open
from .texts import quoted

DAY = dt.timedelta(days=1)
WEEKDAYS = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")
WEEKDAY_SHORT = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
# Non-working public holidays (Трудовой кодекс РФ, ст. 112); the government's yearly
# transfers come in as DayTransfer rows.
PUBLIC_HOLIDAYS = {(1, d) for d in range(1, 9)} | {(2, 23), (3, 8), (5, 1), (5, 9), (6, 12),
                                                   (11, 4)}
# How long a deputy may reopen a locked journal at once, in days.
MAX_REOPEN_DAYS = 14
# A bound on the walk over days (a year and a bit): no loop may run away on bad data.
MAX_WALK = 400


class DayTransfer(InYear, AuditedModel):
    """A working-day transfer by order: a Saturday or Sunday made a school day, or a
    weekday made a day off (rule 14)."""

    year = ForeignKeyField(AcademicYear, backref="transfers", on_delete="CASCADE")
    date = DateField(unique=True)
    working = BooleanField(default=True)
    reason = CharField(default="")

    def __str__(self) -> str:
        kind = "рабочий день" if self.working else "выходной день"
        return f"{self.date:%d.%m.%Y} — {kind}"

    def validate(self) -> None:
        year = self.year
        if not year.start <= self.date <= year.end:
            raise RuleError(f"{self.date:%d.%m.%Y} вне учебного года {year.name} "
                            f"({year.start:%d.%m.%Y}–{year.end:%d.%m.%Y}).")
        if self.working and self.date.weekday() < 5:
            raise RuleError(f"{self.date:%d.%m.%Y} — {WEEKDAYS[self.date.weekday()]}, "
                            "и так рабочий день: переносом рабочим делают субботу или "
                            "воскресенье.")
        if not self.working and self.date.weekday() == 6:
            raise RuleError(f"{self.date:%d.%m.%Y} — воскресенье, и так выходной день.")



class Reopening(InYear, AuditedModel):
    """The deputy reopens one locked journal (class + subject [+ subgroup]) of one period
    for a stated reason, until a date (rule 15)."""

    period = ForeignKeyField(Period, on_delete="CASCADE")
    school_class = ForeignKeyField(SchoolClass, on_delete="CASCADE")
    subject = ForeignKeyField(Subject, on_delete="CASCADE")
    subgroup = ForeignKeyField(Subgroup, null=True, on_delete="CASCADE")
    reason = TextField()
    until = DateField()
    opened_by = ForeignKeyField(Staff, null=True)

    class Meta:
        table_name = "journal_reopening"
        indexes = ((("school_class", "subject", "period"), False),)

    def validate(self) -> None:
        if len((self.reason or "").strip()) < 5:
            raise RuleError("Укажите причину, по которой журнал открывается снова "
                            "(например, «исправление ошибки по заявлению учителя»).")
        today = SchoolSettings.current().today()
        if not today <= self.until <= today + MAX_REOPEN_DAYS * DAY:
            raise RuleError(f"Журнал открывается на срок до {MAX_REOPEN_DAYS} дней: укажите "
                            f"дату с {today:%d.%m.%Y} по "
                            f"{today + MAX_REOPEN_DAYS * DAY:%d.%m.%Y}.")

    def owning_year(self) -> int | None:
        return class_year(self.school_class_id)


@dataclass
class SchoolCalendar:
    """The calendar of one academic year, read once: school days per grade in a few
    queries, then none per day."""

    year: AcademicYear
    six_day_grades: frozenset[int]
    holidays: list[Holiday] = field(default_factory=list)
    transfers: dict[dt.date, DayTransfer] = field(default_factory=dict)

    @classmethod
    def of(cls, year: AcademicYear | int) -> SchoolCalendar:
        if not isinstance(year, AcademicYear):
            year = AcademicYear.get_by_id(year)
        settings = SchoolSettings.current()
        return cls(year, parse_grades(settings.six_day_grades),
                   list(Holiday.select().where(Holiday.year == year.id)
                        .order_by(Holiday.start)),
                   {t.date: t for t in DayTransfer.select().where(DayTransfer.year == year.id)})

    def day_off(self, day: dt.date, grade: int) -> str | None:
        """Why the day is no school day for the grade («воскресенье, выходной день»,
        «осенние каникулы»), or None for a school day."""
        year = self.year
        if not year.start <= day <= year.end:
            return (f"вне учебного года {year.name} "
                    f"({year.start:%d.%m.%Y}–{year.end:%d.%m.%Y})")
        holiday = next((h for h in self.holidays if h.start <= day <= h.end), None)
        if holiday is not None:
            return holiday.name
        transfer = self.transfers.get(day)
        if transfer is not None:
            return None if transfer.working else (
                f"{WEEKDAYS[day.weekday()]}, выходной день по переносу"
                + (f" ({transfer.reason})" if transfer.reason else ""))
        if day.weekday() == 6:
            return "воскресенье, выходной день"
        if day.weekday() == 5 and grade not in self.six_day_grades:
            return f"суббота, выходной день (в {grade} классе пятидневная неделя)"
        return None

    def is_school_day(self, day: dt.date, grade: int) -> bool:
        return self.day_off(day, grade) is None

    def school_days(self, first: dt.date, last: dt.date, grade: int) -> list[dt.date]:
        """The grade's school days from first to last, both included."""
        days, day = [], max(first, self.year.start)
        while day <= min(last, self.year.end):
            if self.day_off(day, grade) is None:
                days.append(day)
            day += DAY
        return days

    def week_days(self, monday: dt.date, grade: int, lesson_days=()) -> list[dt.date]:
        """The days a week's page shows: every school day of the week and any day that
        has a lesson (a lesson stored on a day off is shown, not hidden)."""
        week, lesson_days = [monday + i * DAY for i in range(7)], set(lesson_days)
        return [d for d in week if self.day_off(d, grade) is None or d in lesson_days]

    def is_working_day(self, day: dt.date) -> bool:
        """A staff working day, for the lock's count: Monday to Friday except the public
        holidays, as a transfer moves them. Pupils' vacations are teachers' working days."""
        transfer = self.transfers.get(day)
        if transfer is not None:
            return transfer.working
        return day.weekday() < 5 and (day.month, day.day) not in PUBLIC_HOLIDAYS

    def locks_on(self, period: Period) -> dt.date:
        """The first day a period's journal is locked: the day after the Nth working day
        after the period ends (N: the school's setting, default 5)."""
        left = SchoolSettings.current().lock_after_days
        day = period.end
        for _ in range(MAX_WALK):
            if left <= 0:
                break
            day += DAY
            if self.is_working_day(day):
                left -= 1
        return day + DAY


def last_school_week(today: dt.date, grades=()) -> dt.date:
    """The Monday of the week sheets are printed for by default: the week of the last school
    day up to today (of any of the grades, or of any grade). On a weekend it is today's
    week; in a vacation, the last week that had lessons, not an empty vacation week."""
    monday = today - today.weekday() * DAY
    year = AcademicYear.on(today, after_end=True)
    if year is None or year.start > today:
        return monday
    calendar = SchoolCalendar.of(year)
    grades = set(grades) or set(range(1, 12))
    day = min(today, year.end)
    for _ in range(MAX_WALK):
        if day < year.start:
            break
        if any(calendar.is_school_day(day, grade) for grade in grades):
            return day - day.weekday() * DAY
        day -= DAY
    return monday


def parse_grades(text: str) -> frozenset[int]:
    """Grades written as «2-11», «1, 5–9» or «» (none); RuleError for anything else."""
    grades: set[int] = set()
    for part in (text or "").replace("–", "-").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            low, _, high = part.partition("-")
            first, last = int(low), int(high or low)
        except ValueError:
            raise RuleError(f"Классы {quoted(text)}: перечислите номера классов через "
                            "запятую или диапазоном, например «2-11» или «1, 5-9».") from None
        if not 1 <= first <= last <= 11:
            raise RuleError(f"Классы {quoted(text)}: номера классов от 1 до 11, "
                            "диапазон — от меньшего к большему.")
        grades.update(range(first, last + 1))
    return frozenset(grades)


def check_school_day(day: dt.date, school_class: SchoolClass) -> None:
    """Rule 14: a lesson only on a school day of its class's grade."""
    reason = SchoolCalendar.of(school_class.year_id).day_off(day, school_class.grade)
    if reason is not None:
        raise RuleError(f"Урок на {day:%d.%m.%Y} не записать: {day:%d.%m.%Y} — {reason}.",
                        rule=14)


def check_due_day(day: dt.date, school_class: SchoolClass) -> None:
    """Homework is due on a school day of the class (rule 14's calendar)."""
    reason = SchoolCalendar.of(school_class.year_id).day_off(day, school_class.grade)
    if reason is not None:
        raise RuleError(f"Срок сдачи домашнего задания {day:%d.%m.%Y} — {reason}: "
                        "выберите учебный день.")


def period_of(periods: Iterable[Period], day: dt.date) -> Period | None:
    """"The current period" on a day, its one home: the period (of a class's scheme, in
    order) holding the day, else the last one ended before it (in a vacation, the period
    just ended); None before the first begins."""
    current = None
    for period in periods:
        if period.start > day:
            break
        current = period
    return current


# --- locks -------------------------------------------------------------------------

_lifted: contextvars.ContextVar[str | None] = contextvars.ContextVar("lock_lifted",
                                                                     default=None)


@contextlib.contextmanager
def lock_lifted(reason: str):
    """Writes inside the block pass a locked period (not a closed year): rule 10's breach
    reversal. Each such write is logged with the reason and the period it passed."""
    token = _lifted.set(reason)
    try:
        yield
    finally:
        _lifted.reset(token)


@dataclass(frozen=True)
class Lock:
    """A period's journal that is locked today: when it locked, and whether a reopening
    lets writes through."""

    period: Period
    since: dt.date
    reopening: Reopening | None

    @property
    def message(self) -> str:
        return (f"Журнал за {self.period.accusative} закрыт с {self.since:%d.%m.%Y}: период "
                f"окончился {self.period.end:%d.%m.%Y}. Изменить записи можно, только если "
                "заместитель директора откроет журнал снова, указав причину.")


def journal_lock(school_class: SchoolClass, subject_id: int, subgroup_id: int | None,
                 period: Period | None, any_group: bool = False) -> Lock | None:
    """The lock on a journal's period today, or None while the period is open."""
    today = SchoolSettings.current().today()
    if period is None or today <= period.end:  # a period locks only after its end
        return None
    since = SchoolCalendar.of(school_class.year_id).locks_on(period)
    if today < since:
        return None
    r = Reopening
    match = (r.school_class == school_class.id) & (r.subject == subject_id) & (
        r.period == period.id) & (r.until >= today)
    # A reopening of the whole journal covers its groups; a group's covers that group
    # (and the pupils' period marks, which belong to no group: `any_group`).
    if not any_group:
        match &= (r.subgroup.is_null() | (r.subgroup == subgroup_id)) if subgroup_id \
            else r.subgroup.is_null()
    reopening = r.select().where(match).order_by(r.until.desc()).first()
    return Lock(period, since, reopening)


def guard_journal(row, school_class: SchoolClass, subject_id: int, subgroup_id: int | None,
                  day: dt.date | None = None, period: Period | None = None,
                  any_group: bool = False) -> None:
    """Rule 15 for one journal row: refuse a write in a closed year or a locked period
    (unless reopened, or under `lock_lifted`). The class is the row's loaded one: a cell's
    save reads nothing its own checks have not read, but the year's flag and the period."""
    check_year_open(school_class.year_id)
    if period is None and day is not None:
        period = period_of(school_class.periods(), day)
    lock = journal_lock(school_class, subject_id, subgroup_id, period, any_group)
    if lock is None:
        return
    if lock.reopening is not None:
        row.audit_reason = (f"журнал за {lock.period.accusative} открыт до "
                            f"{lock.reopening.until:%d.%m.%Y}: {lock.reopening.reason}")
        return
    lifted = _lifted.get()
    if lifted is None:
        raise RuleError(lock.message, rule=15)
    row.audit_reason = f"{lifted} (журнал за {lock.period.accusative} закрыт)"


# --- closing a year ------------------------------------------------------------------

def missing_period_marks(year: AcademicYear) -> list[str]:
    """Rule 15: the period marks a year still lacks, as «5А, Математика, 1-я четверть:
    Иванов Пётр»: every pupil of every class with marks (grade 2 and up), every subject of
    its curriculum (a group's subject: the group's pupils), every period, counting who was
    in the class (and group) on the period's last day."""
    from .journal import PeriodMark  # the journal's models import this module
    from .people import Student
    from .timetable import TeachingAssignment

    missing = []
    given = {(r.school_class_id, r.subject_id, r.period_id, r.student_id)
             for r in PeriodMark.select(PeriodMark.school_class, PeriodMark.subject,
                                        PeriodMark.period, PeriodMark.student)
             .join(SchoolClass).where((SchoolClass.year == year.id)
                                      & (PeriodMark.kind == "period"))}
    classes = (SchoolClass.select().where((SchoolClass.year == year.id)
                                          & (SchoolClass.grade >= 2))
               .order_by(SchoolClass.grade, SchoolClass.letter))
    for school_class in classes:
        periods = list(school_class.periods())
        assignments = (TeachingAssignment.select(TeachingAssignment, Subject).join(Subject)
                       .where(TeachingAssignment.school_class == school_class.id)
                       .order_by(Subject.sort_order, Subject.name))
        members = Membership.read(Membership.entered(school_class.id, year.end)).values()
        for period in periods:
            day = period.end
            for a in assignments:
                ids = [m.student_id for m in members
                       if m.belongs(school_class.id, a.subgroup_id, day)]
                lacking = [sid for sid in ids
                           if (school_class.id, a.subject_id, period.id, sid) not in given]
                if lacking:
                    names = ", ".join(s.short_name for s in Student.select().where(
                        Student.id.in_(lacking)).order_by(Student.last_name,
                                                          Student.first_name))
                    missing.append(f"{school_class.name}, {a.subject.name}, {period}: {names}")
    return list(dict.fromkeys(missing))  # a subject taught whole-class and in groups


# --- reopening a locked journal ------------------------------------------------------

def reopen(user: Staff, school_class: SchoolClass, subject: Subject,
           subgroup: Subgroup | None, period: Period, reason: str,
           until: dt.date) -> Reopening:
    """Rule 15: the deputy (or director) reopens one locked journal of one period, for a
    stated reason, until a date; the reopening is logged with its reason."""
    from . import access  # access reads the journal's models, which import this module
    from .auditing import stating

    access.require(user.has_role(*access.SETUP),
                   "Закрытый журнал открывает заместитель директора.")
    if (period.year_id, period.scheme) != (school_class.year_id, school_class.period_scheme):
        raise RuleError(f"«{period}» — не учебный период {school_class.name} класса.")
    if subgroup is not None and subgroup.school_class_id != school_class.id:
        raise RuleError("Такой подгруппы в классе нет.")
    if journal_lock(school_class, subject.id, subgroup and subgroup.id, period) is None:
        raise RuleError(f"Журнал за {period.accusative} ещё не закрыт: открывать его не нужно.")
    reason = (reason or "").strip()
    with stating(reason):
        return Reopening.create(period=period, school_class=school_class, subject=subject,
                                subgroup=subgroup, reason=reason, until=until,
                                opened_by=user.id)
