"""A page of the class journal: pupils by lessons for one class, subject (subgroup) and period.

Reading a page costs the same handful of queries however many pupils and lessons it has;
writing goes cell by cell (a pupil at a lesson), so two teachers never overwrite each
other's whole form. The panel's grid and, later, the printouts use it.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from peewee import JOIN

from . import access, rules
from .base import RuleError, write_transaction
from .classes import Movement, SchoolClass, Subgroup, SubgroupMember
from .curriculum import Subject, WorkType
from .journal import Attendance, Lesson, Mark, PeriodMark
from .people import Staff, Student
from .school import Period, SchoolSettings
from .timetable import PlanTopic, TeachingAssignment

# What a teacher may type into a cell: marks, attendance codes, the «точка».
_TOKEN = re.compile(r"ОП|ОСВ|ЗЧ|НЗ|[НБУ]|[1-5]|•")
_SEPARATORS = re.compile(r"[\s,;/]+")
# Latin letters that look like the Cyrillic ones a teacher meant.
_LOOKALIKES = str.maketrans({"H": "Н", "Y": "У", "O": "О", "P": "П", ".": "•"})


@dataclass
class Cell:
    """What a pupil got at a lesson: marks in order and an attendance code."""

    marks: list[str] = field(default_factory=list)
    code: str | None = None

    @property
    def text(self) -> str:
        return " ".join(([self.code] if self.code else []) + self.marks)


def parse_cell(text: str) -> Cell:
    """Read a typed cell such as «5 4», «5/4», «54», «Н», «ОП 5»; RuleError when unreadable."""
    rules.check_cell_text(text)
    cell = Cell()
    source = _SEPARATORS.sub(" ", text.upper().translate(_LOOKALIKES)).strip()
    pos = 0
    while pos < len(source):
        if source[pos] == " ":
            pos += 1
            continue
        match = _TOKEN.match(source, pos)
        if not match:
            raise RuleError(f"Не удалось прочитать «{text.strip()}»: вводите отметки "
                            "(2–5, ЗЧ, НЗ, ОСВ, точка) и коды посещаемости Н, Б, У, ОП.")
        token, pos = match.group(), match.end()
        if token in rules.ATTENDANCE_CODES:
            if cell.code:
                raise RuleError("В клетке может быть только один код посещаемости.")
            cell.code = token
        else:
            cell.marks.append(token)
    if cell.code in ("Н", "Б", "У") and cell.marks:
        raise RuleError("Ученику, отсутствовавшему на уроке, отметка не ставится.")
    rules.check_cell_marks(len(cell.marks))
    return cell


def save_cell(user: Staff, lesson: Lesson, student_id: int, text: str) -> Cell:
    """Replace a pupil's marks and attendance at a lesson with what was typed (rules 2, 3, 8).

    Unchanged marks stay untouched, so the audit log records only what really changed.
    """
    access.require(access.can_edit_lesson(user, lesson))
    new = parse_cell(text)
    with write_transaction():
        old_marks = list(Mark.select().where((Mark.lesson == lesson) & (Mark.student == student_id))
                         .order_by(Mark.id))
        for i, value in enumerate(new.marks):
            if i < len(old_marks):
                if old_marks[i].value != value:
                    old_marks[i].value = value
                    old_marks[i].save()
            else:
                Mark.create(lesson=lesson, student=student_id, value=value)
        for mark in old_marks[len(new.marks):]:
            mark.delete_instance()
        old = Attendance.get_or_none((Attendance.lesson == lesson)
                                     & (Attendance.student == student_id))
        if new.code is None and old is not None:
            old.delete_instance()
        elif new.code is not None and old is None:
            Attendance.create(lesson=lesson, student=student_id, code=new.code)
        elif new.code is not None and old.code != new.code:
            old.code = new.code
            old.save()
    return new


def correct_absence(user: Staff, attendance: Attendance, code: str) -> None:
    """Rule 4: the class teacher (or the lesson's teacher) sets the reason of an absence."""
    lesson = attendance.lesson
    access.require(access.is_class_teacher(user, lesson.school_class_id)
                   or access.can_edit_lesson(user, lesson),
                   "Причину пропуска исправляет классный руководитель или учитель урока.")
    if attendance.code == "ОП" or code not in ("Н", "Б", "У"):
        raise RuleError("Причину можно выбрать только для пропуска: Н, Б или У.")
    if attendance.code != code:
        attendance.code = code
        attendance.save()


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
    value = value.strip().upper().translate(_LOOKALIKES)
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
