"""«Сегодня»: a teacher's lessons of a day from the timetable, and the day's journal column
made from a timetable slot (its number, the next topic of the КТП)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from peewee import JOIN

from . import gradebook
from .base import RuleError
from .calendar import SchoolCalendar
from .classes import SchoolClass, Subgroup
from .curriculum import Subject
from .journal import Lesson
from .people import Staff
from .school import Bell
from .timetable import PlanTopic, TeachingAssignment, TimetableSlot


@dataclass
class DayLesson:
    """A line of «Сегодня»: a slot of the timetable, a lesson recorded that day, or both."""

    number: int
    school_class: SchoolClass
    subject: Subject
    subgroup: Subgroup | None
    slot: TimetableSlot | None = None
    lesson: Lesson | None = None
    bell: Bell | None = None
    day_off: str | None = None  # why the class has no lessons that day (a holiday…)

    @property
    def room(self) -> str:
        return self.slot.room if self.slot else ""

    @property
    def substitute(self) -> str:
        """Who else gave the lesson of this slot, or whose slot this lesson took: the
        line's note («замена»), empty when the timetable's teacher gave it."""
        if self.slot and self.lesson and self.lesson.teacher_id != self.slot.teacher_id:
            return f"замена: урок провёл(а) {self.lesson.teacher.short_name}"
        if self.lesson and not self.slot:
            return "замена: урока нет в вашем расписании"
        return ""

    @property
    def journal(self) -> dict:
        """The grid's query arguments for this line's journal."""
        return {"class_id": self.school_class.id, "subject_id": self.subject.id,
                "subgroup_id": self.subgroup.id if self.subgroup else ""}


def day_lessons(teacher: Staff, day: dt.date) -> list[DayLesson]:
    """The teacher's lessons of `day`: the slots of the timetable valid that day (left out
    on a day off of the class, with the reason), each with the lesson already recorded in
    its journal under that number, and the lessons the teacher recorded that day outside
    their timetable (substitutions); by lesson number, with the bell's times."""
    s = TimetableSlot
    slots = list(s.select(s, SchoolClass, Subject, Subgroup)
                 .join(SchoolClass).switch(s).join(Subject).switch(s)
                 .join(Subgroup, JOIN.LEFT_OUTER)
                 .where((s.teacher == teacher.id) & (s.weekday == day.isoweekday())
                        & s.valid_between(day)))
    recorded = list(Lesson.select(Lesson, SchoolClass, Subject, Subgroup, Staff)
                    .join(SchoolClass).switch(Lesson).join(Subject).switch(Lesson)
                    .join(Subgroup, JOIN.LEFT_OUTER).switch(Lesson).join(Staff)
                    .where((Lesson.date == day)
                           & ((Lesson.teacher == teacher.id)
                              | Lesson.school_class.in_({x.school_class_id for x in slots}))))
    by_column = {_column(x): x for x in recorded}
    bells = {b.number: b for b in Bell.select().where(Bell.valid_between(day))}
    calendars: dict[int, SchoolCalendar] = {}
    lines = []
    for slot in slots:
        c = slot.school_class
        calendar = calendars.setdefault(c.year_id, SchoolCalendar.of(c.year_id))
        lesson = by_column.pop((c.id, slot.subject_id, slot.subgroup_id, slot.number), None)
        lines.append(DayLesson(slot.number, c, slot.subject, slot.subgroup, slot, lesson,
                               day_off=calendar.day_off(day, c.grade)))
    lines += [DayLesson(x.number, x.school_class, x.subject, x.subgroup, lesson=x)
              for x in by_column.values() if x.teacher_id == teacher.id]
    for line in lines:
        line.bell = bells.get(line.number)
    return sorted(lines, key=lambda x: (x.number, x.school_class.grade,
                                        x.school_class.letter, x.subject.name))


def slot_numbers(class_id: int, subject_id: int, subgroup_id: int | None,
                 day: dt.date) -> dict[int, int]:
    """The lesson number the timetable valid on `day` gives a journal on each weekday
    (1 = Monday; the first, where it has two): the number a new lesson's form proposes."""
    s = TimetableSlot
    group = s.subgroup == subgroup_id if subgroup_id else s.subgroup.is_null()
    numbers: dict[int, int] = {}
    for weekday, number in (s.select(s.weekday, s.number)
                            .where((s.school_class == class_id) & (s.subject == subject_id)
                                   & group & s.valid_between(day))
                            .order_by(s.number).tuples()):
        numbers.setdefault(weekday, number)
    return numbers


def _column(lesson: Lesson) -> tuple[int, int, int | None, int]:
    return lesson.school_class_id, lesson.subject_id, lesson.subgroup_id, lesson.number


def next_plan_topic(school_class: SchoolClass, subject: Subject,
                    subgroup: Subgroup | None) -> PlanTopic | None:
    """The first topic of the journal's КТП that no lesson of the journal has taken yet."""
    taken = (Lesson.select(Lesson.plan_topic)
             .where((Lesson.school_class == school_class) & (Lesson.subject == subject)
                    & (Lesson.subgroup == subgroup if subgroup else Lesson.subgroup.is_null())
                    & Lesson.plan_topic.is_null(False)))
    a = TeachingAssignment
    return (PlanTopic.select().join(a)
            .where((a.school_class == school_class) & (a.subject == subject)
                   & (a.subgroup == subgroup if subgroup else a.subgroup.is_null())
                   & PlanTopic.id.not_in(taken))
            .order_by(PlanTopic.number).first())


def open_slot_lesson(teacher: Staff, slot_id: int, day: dt.date) -> Lesson:
    """The journal column of a timetable slot on `day`: the lesson recorded there under the
    slot's number, else a new one (the slot's number, the next КТП topic), created by the
    same rules as any lesson (gradebook.save_lesson: rights, rule 14, the calendar)."""
    s = TimetableSlot
    slot = s.get_or_none((s.id == slot_id) & (s.weekday == day.isoweekday())
                         & s.valid_between(day))
    if slot is None:
        raise RuleError("В расписании на этот день такого урока нет.")
    existing = gradebook.same_column(slot.school_class_id, slot.subject_id, slot.subgroup_id,
                                     day, slot.number)
    if existing is not None:
        return existing
    topic = next_plan_topic(slot.school_class, slot.subject, slot.subgroup)
    return gradebook.save_lesson(teacher, slot.school_class, slot.subject, slot.subgroup,
                                 date=day, number=slot.number,
                                 topic=topic.title if topic else "",
                                 plan_topic=topic.id if topic else None)
