"""The paper loop (rule 9, 001 3.4): the signed return strips of the weekly sheets that the
class teacher ticks as they come back, and who has not returned theirs for two weeks.

A week whose days are all off for the class's grade (a vacation) printed no sheet, so it
has nothing to return and does not count.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from peewee import DateField, ForeignKeyField

from .auditing import AuditedModel
from .base import RuleError, write_transaction
from .calendar import SchoolCalendar
from .classes import SchoolClass, class_year
from .people import Guardian, Staff, Student, StudentGuardian
from .school import InYear

DAY = dt.timedelta(days=1)
# How many weeks back the checklist shows; unreturned sheet weeks in a row that list a pupil.
WEEKS_SHOWN, OVERDUE_WEEKS = 6, 2


class SheetReturn(InYear, AuditedModel):
    """A pupil's weekly sheet came back signed by a parent: the week (its Monday) and who
    ticked it. Unticking deletes the row; both are in the audit log."""

    school_class = ForeignKeyField(SchoolClass, on_delete="CASCADE")
    student = ForeignKeyField(Student, on_delete="CASCADE")
    monday = DateField()
    received_by = ForeignKeyField(Staff, null=True)

    class Meta:
        table_name = "sheet_return"
        indexes = ((("student", "monday"), True),)

    def validate(self) -> None:
        if self.monday.weekday() != 0:
            raise RuleError("Неделя выписки задаётся своим понедельником.")

    def owning_year(self) -> int | None:
        return class_year(self.school_class_id)


def paper_pupil_ids(student_ids: list[int]) -> set[int]:
    """The pupils with at least one guardian who asked for a paper sheet (rule 9)."""
    link = StudentGuardian
    rows = (link.select(link.student).join(Guardian)
            .where(link.student.in_(student_ids) & (Guardian.wants_paper_sheet == True))  # noqa: E712
            .tuples())
    return {sid for (sid,) in rows}


def sheet_weeks(school_class: SchoolClass, today: dt.date, count: int = WEEKS_SHOWN
                ) -> list[dt.date]:
    """The Mondays of the last `count` weeks before this one that had a school day for the
    class's grade (their sheets went home), oldest first."""
    calendar = SchoolCalendar.of(school_class.year_id)
    monday = today - dt.timedelta(days=today.weekday())
    weeks, first = [], calendar.year.start - dt.timedelta(days=calendar.year.start.weekday())
    while len(weeks) < count and monday > first:
        monday -= 7 * DAY
        if calendar.school_days(monday, monday + 6 * DAY, school_class.grade):
            weeks.append(monday)
    return weeks[::-1]


@dataclass
class PaperChecklist:
    """The class's paper-sheet pupils, the weeks whose sheets should be back, which came
    back, and who has not returned theirs for the last two weeks or more."""

    school_class: SchoolClass
    weeks: list[dt.date]
    pupils: list[Student]
    returned: set[tuple[int, dt.date]]
    enrolled: dict[int, set[dt.date]] = field(default_factory=dict)

    @classmethod
    def read(cls, school_class: SchoolClass, today: dt.date) -> PaperChecklist:
        weeks = sheet_weeks(school_class, today)
        current = school_class.student_ids_on(today)
        wanted = paper_pupil_ids(current)
        pupils = list(school_class.students_on(today).where(Student.id.in_(wanted or [0])))
        enrolled: dict[int, set[dt.date]] = {p.id: set() for p in pupils}
        for monday in weeks:  # a pupil who joined later owes no sheet of before
            members = set(school_class.student_ids_on(monday + 4 * DAY))
            for pupil in pupils:
                if pupil.id in members:
                    enrolled[pupil.id].add(monday)
        rows = (SheetReturn.select(SheetReturn.student, SheetReturn.monday)
                .where((SheetReturn.school_class == school_class)
                       & SheetReturn.student.in_([p.id for p in pupils] or [0])
                       & SheetReturn.monday.in_(weeks or [dt.date.min])).tuples())
        return cls(school_class, weeks, pupils, set(rows), enrolled)

    def owes(self, student_id: int, monday: dt.date) -> bool:
        """Whether a sheet went home to the pupil that week."""
        return monday in self.enrolled.get(student_id, ())

    def missing_weeks(self, student_id: int) -> int:
        """Sheets not back in a row, counted from the latest week back."""
        count = 0
        for monday in reversed(self.weeks):
            if not self.owes(student_id, monday):
                continue
            if (student_id, monday) in self.returned:
                break
            count += 1
        return count

    @property
    def overdue(self) -> list[tuple[Student, int]]:
        """Pupils who have not returned their sheets for OVERDUE_WEEKS weeks or more."""
        found = ((p, self.missing_weeks(p.id)) for p in self.pupils)
        return [(p, n) for p, n in found if n >= OVERDUE_WEEKS]


def set_returned(school_class: SchoolClass, student_id: int, monday: dt.date, returned: bool,
                 by: Staff, today: dt.date) -> bool:
    """Tick (or untick) a pupil's sheet of the week as returned; False when nothing changed.
    Only a paper-sheet pupil of the class, for a week that had a sheet."""
    checklist = PaperChecklist.read(school_class, today)
    if student_id not in {p.id for p in checklist.pupils} or monday not in checklist.weeks \
            or not checklist.owes(student_id, monday):
        raise RuleError("Этой выписки нет в списке: ученик не получает бумажную выписку "
                        "или на этой неделе её не было.")
    with write_transaction():
        row = SheetReturn.get_or_none((SheetReturn.student == student_id)
                                      & (SheetReturn.monday == monday))
        if returned and row is None:
            SheetReturn.create(school_class=school_class, student=student_id, monday=monday,
                               received_by=by)
            return True
        if not returned and row is not None:
            row.delete_instance()
            return True
    return False

