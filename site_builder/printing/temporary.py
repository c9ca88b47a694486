"""The temporary paper journal (form 002, appendix 1; rule 12): a blank grid of an
assignment's pupils for a month, printed when the electronic journal cannot be used.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models import (
    SchoolClass,
    SchoolSettings,
    Student,
    Subject,
    TeachingAssignment,
    TimetableSlot,
)
from models.base import RuleError
from models.calendar import SchoolCalendar
from models.people import fold_name
from models.record import ClassRecord

from .engine import render_html, render_pdf

MONTHS = ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август",
          "сентябрь", "октябрь", "ноябрь", "декабрь"]
# Blank date columns of the temporary journal: the month's lessons plus spares, within bounds.
SPARE_COLUMNS, MIN_COLUMNS, MAX_COLUMNS = 2, 8, 31
# Empty numbered rows under the pupil list, for pupils who arrive during the month.
SPARE_ROWS = 2
# The height left for the pupils' rows on a landscape A4 page under the form's heading.
GRID_HEIGHT_MM = 150


@dataclass
class TemporaryJournal:
    """What the temporary paper journal of one assignment and month shows."""

    school: str
    assignment: TeachingAssignment
    month: dt.date
    pupils: list[tuple[Student, str]]  # a pupil and a note such as «с 12.11»
    columns: int

    @property
    def month_name(self) -> str:
        return f"{MONTHS[self.month.month - 1]} {self.month.year}"

    @property
    def subject(self) -> str:
        a = self.assignment
        return a.subject.name + (f" ({a.subgroup.name})" if a.subgroup_id else "")

    @property
    def row_height(self) -> float:
        """Millimetres a pupil's row gets: room to write, the whole list on one page if it fits."""
        rows = len(self.pupils) + SPARE_ROWS
        return round(min(8.0, max(4.6, GRID_HEIGHT_MM / rows)), 1)

    @property
    def footer(self) -> str:
        return (f"Временный журнал {self.assignment.school_class.name} · {self.subject} · "
                f"{self.month_name}")


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the date's month."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def month_pupils(assignment: TeachingAssignment, first: dt.date,
                 last: dt.date) -> list[tuple[Student, str]]:
    """The class's (or subgroup's) pupils on some day of the month, noting partial stays."""
    record = ClassRecord(assignment.school_class, first, last)
    result = []
    for pupil in record.members.values():
        stay = pupil.stay(assignment.school_class_id, assignment.subgroup_id, first, last)
        if stay:
            note = ([f"с {stay[0]:%d.%m}"] if stay[0] > first else []) + \
                ([f"по {stay[1]:%d.%m}"] if stay[1] < last else [])
            result.append((pupil.student, ", ".join(note)))
    return result


def expected_lessons(assignment: TeachingAssignment, first: dt.date, last: dt.date) -> int:
    """How many lessons the month's school days hold: by the timetable, else by the hours
    per week."""
    school_class = assignment.school_class
    calendar = SchoolCalendar.of(school_class.year_id)
    days = calendar.school_days(first, last, school_class.grade)
    slot = TimetableSlot
    weekdays = [s.weekday for s in slot.select(slot.weekday).where(
        (slot.school_class == assignment.school_class_id) & (slot.subject == assignment.subject_id)
        & (slot.subgroup == assignment.subgroup_id if assignment.subgroup_id
           else slot.subgroup.is_null())
        & slot.valid_between(first, last))]
    if weekdays:
        return sum(weekdays.count(d.isoweekday()) for d in days)
    week = 6 if school_class.grade in calendar.six_day_grades else 5
    return round(assignment.hours_per_week * len(days) / week)


def read_temporary(assignment: TeachingAssignment, month: dt.date) -> TemporaryJournal:
    """The temporary journal of an assignment for the month of the date."""
    first, last = month_bounds(month)
    lessons = expected_lessons(assignment, first, last)
    columns = min(MAX_COLUMNS, max(MIN_COLUMNS, lessons + SPARE_COLUMNS))
    return TemporaryJournal(SchoolSettings.current().name, assignment, first,
                            month_pupils(assignment, first, last), columns)



def temporary_html(journal: TemporaryJournal, for_pdf: bool = False) -> str:
    """The temporary journal form as printable HTML."""
    return render_html("temporary.html", for_pdf, journal=journal, spare_rows=SPARE_ROWS)


def temporary_journal_html(assignment: TeachingAssignment, month_first_day: dt.date) -> str:
    """The temporary journal form (002, appendix 1) of an assignment and month, as HTML."""
    return temporary_html(read_temporary(assignment, month_first_day))


def temporary_journal_pdf(assignment: TeachingAssignment, month_first_day: dt.date) -> bytes:
    """The temporary journal form (002, appendix 1) of an assignment and month, as a PDF."""
    return render_pdf([temporary_html(read_temporary(assignment, month_first_day),
                                      for_pdf=True)])[0]


def find_assignment(school_class: SchoolClass, subject: str,
                    group: str | None = None) -> TeachingAssignment:
    """The class's assignment in the subject (and subgroup) named as typed; RuleError if none."""
    a = TeachingAssignment
    rows = list(a.select(a, Subject).join(Subject).where(a.school_class == school_class)
                .order_by(Subject.sort_order, Subject.name, a.id))
    found = [x for x in rows if fold_name(x.subject.name) == fold_name(subject)]
    if not found:
        names = ", ".join(dict.fromkeys(x.subject.name for x in rows)) or "нет ни одного"
        raise RuleError(f"В {school_class.name} не преподаётся предмет «{subject}». "
                        f"Предметы класса: {names}.")
    groups = [x.subgroup.name for x in found if x.subgroup_id]
    if group:
        found = [x for x in found
                 if x.subgroup_id and fold_name(x.subgroup.name) == fold_name(group)]
        if not found:
            raise RuleError(f"У предмета «{subject}» в {school_class.name} нет группы «{group}»"
                            + (f"; группы: {', '.join(groups)}." if groups else ": он ведётся "
                               "всем классом, уберите --group."))
    elif len({x.subgroup_id for x in found}) > 1:
        raise RuleError(f"Предмет «{subject}» в {school_class.name} ведётся по группам: "
                        f"{', '.join(groups)}. Укажите группу: --group \"{groups[0]}\".")
    return found[0]
