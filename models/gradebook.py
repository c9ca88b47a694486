"""A page of the class journal: pupils by lessons for one class, subject (subgroup) and period.

Reading a page costs the same handful of queries however many pupils and lessons it has;
writing goes cell by cell (a pupil at a lesson: models.cells), so two teachers never
overwrite each other's whole form. The panel's grid and, later, the printouts use it.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from peewee import JOIN

from . import access, rules
from .base import RuleError, write_transaction
from .cells import LOOKALIKES, Cell
from .classes import Movement, SchoolClass, Subgroup, SubgroupMember
from .curriculum import Subject, WorkType
from .journal import Attendance, Lesson, Mark, PeriodMark
from .people import Staff, Student
from .school import Period, SchoolSettings
from .timetable import PlanTopic, TeachingAssignment


def set_period_mark(user: Staff, student_id: int, school_class: SchoolClass, subject_id: int,
                    period: Period, value: str) -> PeriodMark | None:
    """Rule 4: set (or, with an empty value, remove) a pupil's mark for the period.

    The period must be the class's own and have begun, the subject be in the class's
    curriculum and the value on its grading scale (PeriodMark.validate).
    """
    day = min(period.end, SchoolSettings.current().today())
    access.require(access.can_set_period_mark(user, school_class.id, subject_id, student_id, day),
                   "Отметку за период ставит учитель предмета (своей подгруппы) "
                   "или классный руководитель.")
    rules.check_enrolled(Movement.class_id_on(student_id, day), school_class.id,
                         school_class.name, day)
    value = value.strip().upper().translate(LOOKALIKES)
    pm = PeriodMark
    row = pm.get_or_none((pm.student == student_id) & (pm.school_class == school_class.id)
                         & (pm.subject == subject_id) & (pm.kind == "period")
                         & (pm.period == period.id))
    with write_transaction():
        if not value:
            if row is not None:
                row.delete_instance()
            return None
        row = row or pm(student=student_id, school_class=school_class.id, subject=subject_id,
                        kind="period", period=period.id)
        if row.value != value or row.id is None:
            row.value, row.set_by = value, user.id
            row.save()
    return row


def save_lesson(user: Staff, school_class: SchoolClass, subject: Subject,
                subgroup: Subgroup | None, lesson: Lesson | None = None, *,
                teacher_id: int | None = None, **fields) -> Lesson:
    """Create or change a lesson (a journal column); rules 1–3 and 14 apply, and rule 8
    again for the pupils in it when it moves to another date.

    The journal's teacher creates lessons (a group's teacher only their group's); a deputy
    may also record one taught by a substitute (`teacher_id`), who then keeps it. Only the
    lesson's teacher or the journal's teacher may change it afterwards.
    """
    if lesson is None:
        deputy = user.has_role(*access.SETUP)
        access.require(deputy or access.teaches(user, school_class.id, subject.id,
                                                subgroup.id if subgroup else None))
        lesson = Lesson(school_class=school_class, subject=subject, subgroup=subgroup,
                        teacher=teacher_id if deputy and teacher_id else user.id)
    else:
        access.require(access.can_edit_lesson(user, lesson))
    for name, value in fields.items():
        setattr(lesson, name, value)
    topic = (lesson.topic or "").strip()
    if topic and lesson.plan_topic_id is None:
        lesson.plan_topic = next((t.id for t in plan_topics(school_class, subject, subgroup)
                                  if t.title == topic), None)
    # One transaction: the pupils checked for a moved date are those the lesson still has.
    with write_transaction():
        lesson.save()
    return lesson


def delete_lesson(user: Staff, lesson: Lesson) -> None:
    """Remove a lesson recorded by mistake, with its marks, attendance and comments."""
    access.require(access.can_edit_lesson(user, lesson))
    with write_transaction():
        for rows in (lesson.marks, lesson.attendance, lesson.comments):
            for row in rows:
                row.delete_instance()
        lesson.delete_instance()


@dataclass
class Pupil:
    student: Student
    # (date from, class id or None) in order: the movement book for this pupil.
    moves: list[tuple[dt.date, int | None]]
    # (start, end) of subgroup membership, None meaning open.
    groups: list[tuple[dt.date | None, dt.date | None]] | None

    def in_journal_on(self, day: dt.date, class_id: int) -> bool:
        """Rule 8, read from the prefetched movement book and subgroup list."""
        current = None
        for start, cid in self.moves:
            if start > day:
                break
            current = cid
        if current != class_id:
            return False
        return self.groups is None or any(
            (s is None or s <= day) and (e is None or e >= day) for s, e in self.groups)


def class_pupils(school_class: SchoolClass, last_day: dt.date,
                 subgroup: Subgroup | int | None = None) -> list[Pupil]:
    """Everyone the movement book put in the class by the day, in the class list's order,
    with their movements (and, for a subgroup, their membership): rule 8's input, in
    three queries whatever the class's size."""
    entered = Movement.select(Movement.student).where(
        (Movement.school_class == school_class) & (Movement.date <= last_day))
    moves: dict[int, list] = defaultdict(list)
    for sid, day, cid in (Movement.select(Movement.student, Movement.date, Movement.school_class)
                          .where(Movement.student.in_(entered))
                          .order_by(Movement.date, Movement.id).tuples()):
        moves[sid].append((day, cid))
    groups: dict[int, list] | None = None
    if subgroup:
        groups = defaultdict(list)
        for sid, start, end in (SubgroupMember.select(SubgroupMember.student,
                                                      SubgroupMember.start, SubgroupMember.end)
                                .where(SubgroupMember.subgroup == subgroup).tuples()):
            groups[sid].append((start, end))
    students = (Student.select().where(Student.id.in_(list(moves)))
                .order_by(Student.last_name, Student.first_name, Student.middle_name, Student.id))
    return [Pupil(s, moves[s.id], None if groups is None else groups.get(s.id, []))
            for s in students]


@dataclass
class JournalPage:
    """One page of the journal with everything the grid shows, read in constant queries."""

    school_class: SchoolClass
    subject: Subject
    subgroup: Subgroup | None
    period: Period
    lessons: list[Lesson] = field(default_factory=list)
    pupils: list[Pupil] = field(default_factory=list)
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    period_marks: dict[int, str] = field(default_factory=dict)
    averages: dict[int, Fraction | None] = field(default_factory=dict)
    thresholds: tuple[float, float, float] = (2.5, 3.5, 4.5)

    @classmethod
    def open(cls, class_id: int, subject_id: int, subgroup_id: int | None,
             period_id: int | None, today: dt.date) -> JournalPage:
        """Read the page; the default period is the one containing today (or the last)."""
        school_class = SchoolClass.get_or_none(SchoolClass.id == class_id)
        subject = Subject.get_or_none(Subject.id == subject_id)
        if school_class is None or subject is None:
            raise RuleError("Такого журнала нет.")
        subgroup = None
        if subgroup_id:
            subgroup = Subgroup.get_or_none((Subgroup.id == subgroup_id)
                                            & (Subgroup.school_class == class_id))
            if subgroup is None:
                raise RuleError("Такой подгруппы в классе нет.")
        periods = list(school_class.periods())
        if not periods:
            raise RuleError("Для класса не заданы учебные периоды.")
        chosen = next((p for p in periods if p.id == period_id), None)
        current = next((p for p in periods if p.start <= today <= p.end), None)
        started = [p for p in periods if p.start <= today]
        period = chosen or current or (started[-1] if started else periods[0])
        page = cls(school_class, subject, subgroup, period,
                   thresholds=SchoolSettings.current().thresholds)
        page._read(min(today, period.end))
        return page

    def _read(self, last_day: dt.date) -> None:
        c, p = self.school_class, self.period
        # Work type and teacher come in the same query: the grid shows both per column.
        lessons = (Lesson.select(Lesson, WorkType, Staff)
                   .join(WorkType, JOIN.LEFT_OUTER, on=(Lesson.work_type == WorkType.id))
                   .switch(Lesson).join(Staff, on=(Lesson.teacher == Staff.id)))
        lessons = lessons.where((Lesson.school_class == c)
                                        & (Lesson.subject == self.subject)
                                        & Lesson.date.between(p.start, p.end))
        lessons = lessons.where(Lesson.subgroup == self.subgroup if self.subgroup
                                else Lesson.subgroup.is_null())
        self.lessons = list(lessons.order_by(Lesson.date, Lesson.number, Lesson.id))
        self.pupils = self._read_pupils(last_day)
        ids = [x.student.id for x in self.pupils]
        lesson_ids = [x.id for x in self.lessons]
        if lesson_ids and ids:
            for lesson_id, student_id, value in (
                    Mark.select(Mark.lesson, Mark.student, Mark.value)
                    .where(Mark.lesson.in_(lesson_ids) & Mark.student.in_(ids))
                    .order_by(Mark.id).tuples()):
                self.cells.setdefault((lesson_id, student_id), Cell()).marks.append(value)
            for lesson_id, student_id, code in (
                    Attendance.select(Attendance.lesson, Attendance.student, Attendance.code)
                    .where(Attendance.lesson.in_(lesson_ids) & Attendance.student.in_(ids))
                    .tuples()):
                self.cells.setdefault((lesson_id, student_id), Cell()).code = code
        # The average counts every mark in the subject this period (whole-class lessons too).
        self.averages = Mark.averages(ids, c.id, self.subject.id, p.start, p.end)
        pm = PeriodMark
        self.period_marks = {r.student_id: r.value for r in pm.select(pm.student, pm.value).where(
            (pm.school_class == c) & (pm.subject == self.subject) & (pm.kind == "period")
            & (pm.period == p))}

    def _read_pupils(self, last_day: dt.date) -> list[Pupil]:
        return [pupil for pupil in class_pupils(self.school_class, last_day, self.subgroup)
                if self._ever_in(pupil, self.period.start, last_day)]

    def _ever_in(self, pupil: Pupil, start: dt.date, end: dt.date) -> bool:
        """Whether the pupil belongs to this journal on some day of the period so far."""
        days = {start, end} | {d for d, _ in pupil.moves if start <= d <= end}
        for g in pupil.groups or []:
            days |= {d for d in g if d is not None and start <= d <= end}
        return any(pupil.in_journal_on(d, self.school_class.id) for d in days)

    def suggested(self, student_id: int) -> str | None:
        """Rule 7: the period mark the pupil's weighted average suggests."""
        return rules.suggest_mark(self.averages.get(student_id), self.thresholds)

    def plan_topics(self) -> list[PlanTopic]:
        return plan_topics(self.school_class, self.subject, self.subgroup)


def plan_topics(school_class: SchoolClass, subject: Subject,
                subgroup: Subgroup | None) -> list[PlanTopic]:
    """The thematic plan (КТП) of a journal, in order."""
    a = TeachingAssignment
    query = (PlanTopic.select(PlanTopic.id, PlanTopic.number, PlanTopic.title).join(a)
             .where((a.school_class == school_class) & (a.subject == subject)))
    if subgroup:
        query = query.where(a.subgroup == subgroup)
    return list(query.order_by(PlanTopic.number))
