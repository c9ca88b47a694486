"""The timetable as a week grid: a class's or a teacher's lessons Monday to Saturday, as in
force on one date, with the bells' times and the clashes stored before they were refused."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from peewee import JOIN

from .classes import SchoolClass, Subgroup
from .curriculum import Subject
from .people import Staff
from .school import Bell
from .timetable import WEEKDAYS, TimetableSlot, clashes_among

# At least this many lesson rows, so that a short day still shows where the next lesson goes.
MIN_ROWS = 6


def slots_on(day: dt.date):
    """The slots valid on `day` (every weekday's), with their class, group, subject and
    teacher read in the same query."""
    s = TimetableSlot
    return (s.select(s, SchoolClass, Subgroup, Subject, Staff)
            .join(SchoolClass).switch(s).join(Subgroup, JOIN.LEFT_OUTER).switch(s)
            .join(Subject).switch(s).join(Staff)
            .where(s.valid_between(day))
            .order_by(s.weekday, s.number, SchoolClass.grade, SchoolClass.letter,
                      Subgroup.name, s.id))


@dataclass
class WeekGrid:
    """Rows by lesson number (with the bell), columns by weekday; each cell the slots there."""

    day: dt.date
    slots: list[TimetableSlot]
    bells: dict[int, Bell]
    # Per slot id, the slots it clashes with (anywhere in the school) and why.
    clashes: dict[int, list[tuple[TimetableSlot, str]]] = field(default_factory=dict)

    @property
    def weekdays(self) -> list[tuple[int, str]]:
        return list(enumerate(WEEKDAYS, start=1))

    @property
    def numbers(self) -> list[int]:
        last = max([MIN_ROWS, *self.bells, *(s.number for s in self.slots)])
        return list(range(1, last + 1))

    def cell(self, weekday: int, number: int) -> list[TimetableSlot]:
        return [s for s in self.slots if (s.weekday, s.number) == (weekday, number)]


@dataclass
class SchoolWeek:
    """Every slot of the school valid on a day, the clashes among them and the day's bells."""

    day: dt.date
    slots: list[TimetableSlot]
    clashes: dict[int, list[tuple[TimetableSlot, str]]]
    bells: dict[int, Bell]

    def grid(self, school_class: SchoolClass | None = None,
             teacher: Staff | None = None) -> WeekGrid:
        """The week of a class (every group of it) or of a teacher."""
        slots = [s for s in self.slots
                 if (school_class is None or s.school_class_id == school_class.id)
                 and (teacher is None or s.teacher_id == teacher.id)]
        shown = {s.id for s in slots}
        return WeekGrid(self.day, slots, self.bells,
                        {k: v for k, v in self.clashes.items() if k in shown})

    def clash_pairs(self) -> list[tuple[TimetableSlot, TimetableSlot, str]]:
        """Each clash once: the earlier-entered slot, the other, and why."""
        by_id = {s.id: s for s in self.slots}
        return [(by_id[slot_id], other, reason)
                for slot_id, found in sorted(self.clashes.items())
                for other, reason in found if slot_id < other.id]


def school_week(day: dt.date) -> SchoolWeek:
    """The school's timetable as in force on `day`."""
    slots = list(slots_on(day))
    bells = {b.number: b for b in Bell.select().where(Bell.valid_between(day))}
    return SchoolWeek(day, slots, clashes_among(slots), bells)
