"""«Мой класс»'s week: each pupil's absences day by day, and a whole day's absence entered
in one action (rule 4: the class teacher corrects absence reasons).

Read through the journal's one reader (models.record); written through the cell functions
the grid and the day view use (models.cells), so every rule of a cell applies.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from . import access, cells
from .auditing import stating
from .base import RuleError, write_transaction
from .calendar import SchoolCalendar
from .classes import Membership, SchoolClass
from .journal import Lesson
from .people import Staff
from .record import ClassRecord, LessonRow
from .rules import ATTENDANCE_CODES
from .school import check_year_open

WEEK = dt.timedelta(days=7)


@dataclass
class DayCell:
    """A pupil's day in the class: their lessons there (rule 8: class and subgroup) with the
    attendance code of each, or `inside` False when the pupil was not in the class."""

    day: dt.date
    inside: bool
    lessons: list[tuple[LessonRow, str | None]] = field(default_factory=list)

    @property
    def absences(self) -> list[tuple[LessonRow, str]]:
        return [(lesson, code) for lesson, code in self.lessons if code]

    @property
    def missed(self) -> int:
        """Lessons missed (Н, Б, У; a lateness is no absence)."""
        return sum(1 for _, code in self.lessons if code in cells.REASONS)


@dataclass
class ClassWeek:
    """The class's absences of one week, pupils by school days."""

    school_class: SchoolClass
    monday: dt.date
    days: list[dt.date]
    pupils: list[Membership]
    cells: dict[tuple[int, dt.date], DayCell]

    @property
    def sunday(self) -> dt.date:
        return self.monday + WEEK - dt.timedelta(days=1)

    @classmethod
    def read(cls, school_class: SchoolClass, day: dt.date) -> ClassWeek:
        """The week holding the day: its school days (and any day with a lesson), and every
        pupil in the class on one of them, in a fixed number of queries."""
        monday = day - dt.timedelta(days=day.weekday())
        record = ClassRecord(school_class, monday, monday + WEEK - dt.timedelta(days=1))
        own = record.class_lessons()
        days = SchoolCalendar.of(school_class.year_id).week_days(
            monday, school_class.grade, {x.date for x in own})
        pupils = record.belonging(None, days[0], days[-1]) if days else []
        week = cls(school_class, monday, days, pupils, {})
        codes = record.all_rows.attendance
        for member in pupils:
            sid = member.student_id
            for d in days:
                week.cells[sid, d] = DayCell(d, member.class_on(d) == school_class.id)
            for lesson in record.seen(sid):
                if lesson.class_id == school_class.id and (sid, lesson.date) in week.cells:
                    week.cells[sid, lesson.date].lessons.append(
                        (lesson, codes.get((lesson.id, sid))))
        return week


@dataclass
class DayResult:
    """What a whole day's absence did: lessons set, already so, and refused with why."""

    code: str
    day: dt.date
    set: list[LessonRow] = field(default_factory=list)
    kept: list[LessonRow] = field(default_factory=list)
    refused: list[tuple[LessonRow, str]] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """The result in Russian, one sentence per kind."""
        code = f"«{self.code}» ({ATTENDANCE_CODES[self.code]})"
        parts = [f"{self.day:%d.%m.%Y}: отмечено {code} на уроках: {_names(self.set)}."
                 if self.set else f"{self.day:%d.%m.%Y}: ничего не изменено."]
        if self.kept:
            parts.append(f"Уже было {code}: {_names(self.kept)}.")
        parts += [f"Не отмечено — {_names([lesson])}: {why}" for lesson, why in self.refused]
        return " ".join(parts)


class DayRefused(RuleError):
    """A write of a whole day's absence was refused: nothing of the day is written."""


def _names(lessons: list[LessonRow]) -> str:
    return ", ".join(f"{x.number}. {x.subject_name}" for x in lessons)


def mark_day_absent(user: Staff, school_class: SchoolClass, student_id: int, day: dt.date,
                    code: str) -> DayResult:
    """Rule 4: a pupil absent the whole day with one reason (Н, Б, У), in one transaction.

    Each lesson of the pupil's that day (rule 8: their class and subgroup) gets the reason:
    an absence the lesson's teacher marked has its reason corrected (cells.correct_absence);
    an empty cell gets the absence only where the user may write the lesson (cells.save_cell:
    rule 3 — a class teacher does not make entries in subject teachers' journals); a pupil
    with marks or a lateness was there. If any write is refused (a locked period, rule 15;
    a page drawn before someone's change), nothing is written and DayRefused says why.
    """
    access.require(access.is_class_teacher(user, school_class.id),
                   "Весь день отмечает классный руководитель класса.")
    if code not in cells.REASONS:
        raise RuleError("Причина отсутствия на весь день — Н, Б или У.")
    check_year_open(school_class.year_id)
    result = DayResult(code, day)
    with write_transaction(), stating(f"«Мой класс»: весь день {day:%d.%m.%Y} — «{code}»"):
        record = ClassRecord(school_class, day, day, pupils=[student_id])
        member = record.members.get(student_id)
        if member is None or member.class_on(day) != school_class.id:
            raise RuleError(f"Ученик не числится в {school_class.name} классе на "
                            f"{day:%d.%m.%Y}.", rule=8)
        lessons = [x for x in record.seen(student_id) if x.class_id == school_class.id]
        if not lessons:
            raise RuleError(f"{day:%d.%m.%Y} у ученика уроков не записано: отметить нечего.")
        rows = Lesson.select().where(Lesson.id.in_([x.id for x in lessons]))
        models = {lesson.id: lesson for lesson in rows}
        failed = []
        for lesson in lessons:
            try:
                _mark_lesson(user, models[lesson.id], lesson, student_id, record, result)
            except RuleError as exc:  # its savepoint is undone; the whole day follows below
                failed.append(f"{_names([lesson])}: {exc.message}")
        if failed:
            raise DayRefused(f"{day:%d.%m.%Y}: ничего не изменено. " + " ".join(failed))
    return result


def _mark_lesson(user: Staff, lesson: Lesson, row: LessonRow, student_id: int,
                 record: ClassRecord, result: DayResult) -> None:
    key = (row.id, student_id)
    shown = record.all_rows.attendance.get(key)
    if shown == result.code:
        result.kept.append(row)
    elif shown in cells.REASONS:
        cells.correct_absence(user, lesson, student_id, shown, result.code)
        result.set.append(row)
    elif shown or record.all_rows.marks.get(key):
        result.refused.append((row, "ученик был на уроке (отметка или опоздание)."))
    elif access.can_edit_lesson(user, lesson):
        cells.save_cell(user, lesson, student_id, result.code, seen="")
        result.set.append(row)
    else:
        result.refused.append((row, "пропуска нет, а отметить его может только учитель "
                                    f"урока ({row.teacher_name})."))
