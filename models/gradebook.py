"""A page of the class journal: pupils by lessons for one class, subject (subgroup) and period.

Reading a page costs the same handful of queries however many pupils and lessons it has;
writing goes cell by cell (a pupil at a lesson: models.cells), so two teachers never
overwrite each other's whole form. The page reads through models.record, like every reader.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from . import access, final_marks, rules
from .base import RuleError, write_transaction
from .calendar import period_of
from .cells import LOOKALIKES, Cell, column_of
from .classes import Membership, Movement, SchoolClass, Subgroup
from .curriculum import Subject
from .final_marks import END_KINDS, EndMarks
from .journal import PERIOD_MARK_KINDS, Lesson, LessonWork, Mark, PeriodMark
from .people import Staff
from .record import ClassRecord, LessonRow, WorkRow
from .school import Period, SchoolSettings
from .timetable import PlanTopic, TeachingAssignment


def set_period_mark(user: Staff, student_id: int, school_class: SchoolClass, subject_id: int,
                    period: Period | None, value: str, kind: str = "period") -> PeriodMark | None:
    """Rule 4: set (or, with an empty value, remove) a pupil's mark for the period, or (kind
    «year», «exam», «final», no period) for the year.

    The period must be the class's own and have begun (for the year's marks, its last
    period), the subject be in the class's curriculum (with an exam, for an exam mark) and
    the value on its grading scale (PeriodMark.validate).
    """
    if kind not in PERIOD_MARK_KINDS:
        raise RuleError(f"Неизвестный вид итоговой отметки «{kind}».")
    last = period or school_class.periods().order_by(Period.number.desc()).first()
    if last is None:
        raise RuleError("Для класса не заданы учебные периоды.")
    day = min(last.end, SchoolSettings.current().today())
    access.require(access.can_set_period_mark(user, school_class.id, subject_id, student_id, day),
                   f"{final_marks.ACCUSATIVE[kind]} ставит учитель предмета (своей "
                   "подгруппы) или классный руководитель.")
    rules.check_enrolled(Movement.class_id_on(student_id, day), school_class.id,
                         school_class.name, day)
    value = value.strip().upper().translate(LOOKALIKES)
    pm = PeriodMark
    row = pm.get_or_none((pm.student == student_id) & (pm.school_class == school_class.id)
                         & (pm.subject == subject_id) & (pm.kind == kind)
                         & (pm.period == period.id if period else pm.period.is_null()))
    with write_transaction():
        if not value:
            if row is not None:
                row.delete_instance()
            return None
        row = row or pm(student=student_id, school_class=school_class.id, subject=subject_id,
                        kind=kind, period=period.id if period else None)
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
        twin = same_column(school_class.id, subject.id, subgroup.id if subgroup else None,
                           lesson.date, lesson.number)
        if twin is not None and twin.id != lesson.id:
            raise RuleError(f"В журнале уже есть {lesson.number}-й урок {lesson.date:%d.%m.%Y}"
                            " — откройте его (щелчок по дате в шапке журнала) или укажите "
                            "другой номер урока.")
        lesson.save()
    return lesson


def same_column(class_id: int, subject_id: int, subgroup_id: int | None, day: dt.date,
                number: int | None) -> Lesson | None:
    """The journal's lesson with this date and number, if it has one (a journal has one
    column per lesson)."""
    if not isinstance(day, dt.date) or not isinstance(number, int) \
            or not 1 <= number <= rules.MAX_LESSON_NUMBER:
        return None  # the lesson's own rules refuse it (a number beyond 64 bits too)
    group = Lesson.subgroup == subgroup_id if subgroup_id else Lesson.subgroup.is_null()
    return (Lesson.select().where((Lesson.school_class == class_id)
                                  & (Lesson.subject == subject_id) & group
                                  & (Lesson.date == day) & (Lesson.number == number))
            .order_by(Lesson.id).first())


def add_work(user: Staff, lesson: Lesson, work_type_id: int) -> LessonWork:
    """A graded work within the lesson (a column of its own; its marks weigh by its type),
    added by whoever may change the lesson (rule 3)."""
    access.require(access.can_edit_lesson(user, lesson))
    with write_transaction():
        return LessonWork.create(lesson=lesson, work_type=work_type_id)


def remove_work(user: Staff, lesson: Lesson, work_type_id: int) -> int:
    """Remove a work within the lesson with its marks; how many marks went with it."""
    access.require(access.can_edit_lesson(user, lesson))
    with write_transaction():
        work = LessonWork.get_or_none((LessonWork.lesson == lesson.id)
                                      & (LessonWork.work_type == work_type_id))
        if work is None:
            raise RuleError("Такой работы на уроке нет — обновите страницу.")
        marks = list(Mark.select().where((Mark.lesson == lesson.id)
                                         & (Mark.work_type == work_type_id)))
        for mark in marks:
            mark.delete_instance()
        work.delete_instance()
    return len(marks)


def delete_lesson(user: Staff, lesson: Lesson) -> None:
    """Remove a lesson recorded by mistake, with its marks, attendance and comments."""
    access.require(access.can_edit_lesson(user, lesson))
    with write_transaction():
        for rows in (lesson.marks, lesson.attendance, lesson.comments, lesson.works):
            for row in rows:
                row.delete_instance()
        lesson.delete_instance()


@dataclass
class JournalPage:
    """One page of the journal with everything the grid shows, read through the journal's
    one reader (models.record) in a fixed number of queries."""

    school_class: SchoolClass
    subject: Subject
    subgroup: Subgroup | None
    period: Period
    lessons: list[LessonRow] = field(default_factory=list)
    # The grid's columns: each lesson's own (None), then the works within it.
    columns: list[tuple[LessonRow, WorkRow | None]] = field(default_factory=list)
    pupils: list[Membership] = field(default_factory=list)
    cells: dict[tuple[int, int | None, int], Cell] = field(default_factory=dict)
    comments: dict[tuple[int, int], str] = field(default_factory=dict)
    period_marks: dict[int, str] = field(default_factory=dict)
    averages: dict[int, Fraction | None] = field(default_factory=dict)
    thresholds: tuple[float, float, float] = (2.5, 3.5, 4.5)
    # The end columns (issue 16.1): «Год», «Экз.» where the curriculum has an exam, «Итог».
    end_kinds: tuple[str, ...] = ()
    end_marks: dict[int, EndMarks] = field(default_factory=dict)
    last_period: bool = False  # the page shows the class's last period of the year

    @classmethod
    def open(cls, class_id: int, subject_id: int, subgroup_id: int | None,
             period_id: int | None, today: dt.date) -> JournalPage:
        """Read the page; the default period is the current one (calendar.period_of)."""
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
        period = (next((p for p in periods if p.id == period_id), None)
                  or period_of(periods, today) or periods[0])
        page = cls(school_class, subject, subgroup, period,
                   thresholds=SchoolSettings.current().thresholds)
        page._read(min(today, period.end), periods)
        return page

    def _read(self, last_day: dt.date, periods: list[Period]) -> None:
        p, group = self.period, self.subgroup.id if self.subgroup else None
        record = ClassRecord(self.school_class, p.start, p.end, subject_id=self.subject.id)
        record.periods = periods  # read already: the query budget is fixed (test_record)
        self.lessons = record.journal_lessons(group)
        self.pupils = record.belonging(group, p.start, last_day)
        rows = record.all_rows
        for lesson in self.lessons:
            works = {w.work_type_id: w for w in record.works.get(lesson.id, ())}
            for pupil in self.pupils:
                key = (lesson.id, pupil.student_id)
                cells = self.cells
                for mark in rows.marks.get(key, ()):
                    work = column_of(lesson.work_type_id, mark.own_type_id)
                    if work is not None and work not in works:  # a mark written elsewhere
                        works[work] = WorkRow(lesson.id, work, mark.work_type, mark.short,
                                              mark.weight)
                    cells.setdefault((lesson.id, work, pupil.student_id), Cell()).marks.append(
                        mark.value)
                if key in rows.attendance:
                    cells.setdefault((lesson.id, None, pupil.student_id), Cell()).code = (
                        rows.attendance[key])
                if key in rows.comments:
                    self.comments[key] = "\n".join(text for _a, text in rows.comments[key])
            self.columns += [(lesson, None)] + [(lesson, w) for w in works.values()]
        # The average counts every mark in the subject this period (whole-class lessons too).
        self.averages = {m.student_id: record.average(m.student_id, self.subject.id,
                                                      p.start, p.end) for m in self.pupils}
        self.period_marks = {m.student_id: record.period_mark(
            m.student_id, self.subject.id, p.id, class_id=self.school_class.id)
            for m in self.pupils}
        self.last_period = periods[-1].id == p.id
        subject = record.curriculum.get(self.subject.id)
        if subject is not None:
            self.end_kinds = tuple(k for k in END_KINDS if k != "exam" or subject.has_exam)
            self.end_marks = {m.student_id: record.end_marks(m.student_id, self.subject.id,
                                                             self.thresholds)
                              for m in self.pupils}

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
