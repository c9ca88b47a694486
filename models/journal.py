"""The journal itself: lessons, marks, attendance, comments and period marks."""
from __future__ import annotations

from peewee import (
    BooleanField,
    CharField,
    DateField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from . import calendar, final_marks, rules
from .audit import AuditedModel
from .base import RuleError
from .classes import Membership, SchoolClass, Subgroup
from .curriculum import Subject, WorkType
from .people import Staff, Student
from .school import Period, SchoolSettings
from .timetable import PlanTopic, TeachingAssignment

PERIOD_MARK_KINDS = {
    "period": "за период",
    "year": "годовая",
    "exam": "экзаменационная",
    "final": "итоговая",
}


class Lesson(AuditedModel):
    """A column of the journal: a lesson given to a class (or subgroup) on a date."""

    school_class = ForeignKeyField(SchoolClass, backref="lessons")
    subject = ForeignKeyField(Subject, backref="lessons")
    subgroup = ForeignKeyField(Subgroup, null=True, backref="lessons")
    date = DateField()
    number = IntegerField(default=1)
    topic = CharField(max_length=500, default="")
    homework = TextField(default="")
    # The day the homework is due when the teacher sets one; else the next lesson of the
    # subject (and group) is, as the diary reads it (issue 15.1; migration 0009).
    homework_due = DateField(null=True)
    work_type = ForeignKeyField(WorkType, null=True)
    teacher = ForeignKeyField(Staff, backref="lessons_taught")
    plan_topic = ForeignKeyField(PlanTopic, null=True, on_delete="SET NULL")
    # Re-entered from the temporary paper journal after an outage (rule 12; the control
    # report checks it was within the school's paper_reentry_days; migration 0011).
    from_paper = BooleanField(default=False)

    class Meta:
        indexes = ((("school_class", "subject", "date"), False),
                   (("teacher", "date"), False))

    def __str__(self) -> str:
        return f"{self.date:%d.%m} {self.number} урок"

    def validate(self) -> None:
        rules.check_lesson_date(self.date, SchoolSettings.current().today())
        year = self.school_class.year
        rules.check_lesson_in_year(self.date, year.start, year.end, year.name)
        calendar.check_school_day(self.date, self.school_class)
        rules.check_homework_allowed(self.school_class.grade, self.homework or "")
        rules.check_lesson_texts(self.topic or "", self.homework or "")
        rules.check_homework_due(self.date, self.homework_due, self.homework or "", year.end)
        if self.homework_due is not None:
            calendar.check_due_day(self.homework_due, self.school_class)
        rules.check_lesson_number(self.number)
        if self.id is not None:
            self.check_moved_pupils()

    def guard(self, stored) -> None:
        """Rule 15: not in a closed year or a locked period, where it is and where it was."""
        for row in (self, stored) if stored is not None else (self,):
            calendar.guard_journal(self, row.school_class, row.subject_id, row.subgroup_id,
                                   day=row.date)

    def grading_scale(self) -> str:
        """The grading scale of this class and subject (five-point unless set otherwise)."""
        return grading_scale(self.school_class_id, self.subject_id) or "five"

    def check_moved_pupils(self) -> None:
        """Rule 8 again when a stored lesson moves (another date, class or subgroup): every
        pupil with a mark, absence or comment in it must belong to it where it now is."""
        stored = (Lesson.select(Lesson.date, Lesson.school_class, Lesson.subgroup)
                  .where(Lesson.id == self.id).first())
        if stored is None or (stored.date, stored.school_class_id, stored.subgroup_id) == (
                self.date, self.school_class_id, self.subgroup_id):
            return
        ids = {sid for model in (Mark, Attendance, TeacherComment)
               for (sid,) in model.select(model.student).where(model.lesson == self.id).tuples()}
        outside = []
        for sid in ids:
            try:
                self.check_student(sid)
            except RuleError:
                outside.append(sid)
        if outside:
            names = ", ".join(s.full_name for s in Student.select().where(Student.id.in_(outside))
                              .order_by(Student.last_name, Student.first_name))
            where = f"в {self.school_class.name} классе" + (
                " (в подгруппе урока)" if self.subgroup_id else "")
            raise RuleError(f"Урок нельзя перенести на {self.date:%d.%m.%Y}: в этот день "
                            f"{where} не числятся {names}, а у них на уроке есть отметки, "
                            "пропуски или замечания.", rule=8)

    def check_student(self, student_id: int) -> None:
        """Rule 8 for this lesson: the pupil is in its class (and subgroup) on its date."""
        member = Membership.of(student_id, groups=self.subgroup_id is not None)
        rules.check_enrolled(member.class_on(self.date), self.school_class_id,
                             self.school_class.name, self.date,
                             self.subgroup_id is None
                             or member.in_group_on(self.subgroup_id, self.date))


class InLesson:
    """A pupil's entry at a lesson: written only where its lesson may be (rule 15)."""

    def guard(self, stored) -> None:
        # The lesson (and its class) validate() has loaded; the stored row's if it differs.
        lessons = [self.lesson] + ([stored.lesson] if stored is not None
                                   and stored.lesson_id != self.lesson_id else [])
        for lesson in lessons:
            calendar.guard_journal(self, lesson.school_class, lesson.subject_id,
                                   lesson.subgroup_id, day=lesson.date)


class LessonWork(InLesson, AuditedModel):
    """A graded work within a lesson besides the lesson's own (e.g. a dictation after the
    oral answers): a column of its own; its marks carry its work type and weigh by it
    (rule 7; 000 app. 2, 2.7: the teacher states the kinds of work marked)."""

    lesson = ForeignKeyField(Lesson, backref="works", on_delete="CASCADE")
    work_type = ForeignKeyField(WorkType)

    class Meta:
        indexes = ((("lesson", "work_type"), True),)

    def validate(self) -> None:
        if self.work_type_id == self.lesson.work_type_id:
            raise RuleError("Этот вид работы — уже вид работы самого урока: его отметки "
                            "ставятся в столбец урока.")
        twin = LessonWork.select().where((LessonWork.lesson == self.lesson_id)
                                         & (LessonWork.work_type == self.work_type_id)
                                         & (LessonWork.id != (self.id or 0)))
        if twin.exists():
            raise RuleError("Такая работа на уроке уже есть.")


class Mark(InLesson, AuditedModel):
    """One mark of a pupil at a lesson; a pupil may get several at one lesson."""

    lesson = ForeignKeyField(Lesson, backref="marks")
    student = ForeignKeyField(Student, backref="marks")
    value = CharField(max_length=4)
    work_type = ForeignKeyField(WorkType, null=True)
    comment = CharField(default="")

    class Meta:
        indexes = ((("lesson", "student"), False), (("student",), False))

    def validate(self) -> None:
        lesson = self.lesson
        rules.check_marks_allowed(lesson.school_class.grade)
        rules.check_mark_value(self.value, lesson.grading_scale(),
                               SchoolSettings.current().uses_mark_one)
        lesson.check_student(self.student_id)


class Attendance(InLesson, AuditedModel):
    """A pupil's absence or lateness at a lesson: Н, Б, У or ОП."""

    lesson = ForeignKeyField(Lesson, backref="attendance")
    student = ForeignKeyField(Student, backref="attendance")
    code = CharField(max_length=2)

    class Meta:
        indexes = ((("lesson", "student"), True), (("student",), False))

    def validate(self) -> None:
        if self.code not in rules.ATTENDANCE_CODES:
            raise RuleError(f"Код посещаемости «{self.code}» неизвестен; допустимы: "
                            + ", ".join(rules.ATTENDANCE_CODES) + ".")
        self.lesson.check_student(self.student_id)


class TeacherComment(InLesson, AuditedModel):
    """A teacher's remark to a pupil and the parents about a lesson."""

    lesson = ForeignKeyField(Lesson, backref="comments")
    student = ForeignKeyField(Student, backref="comments")
    author = ForeignKeyField(Staff)
    text = TextField()

    class Meta:
        indexes = ((("lesson", "student"), False),)

    def validate(self) -> None:
        rules.check_comment(self.text or "")
        self.lesson.check_student(self.student_id)


class PeriodMark(AuditedModel):
    """A period, year, exam or final mark of a pupil in a subject."""

    student = ForeignKeyField(Student, backref="period_marks")
    school_class = ForeignKeyField(SchoolClass, backref="period_marks")
    subject = ForeignKeyField(Subject)
    kind = CharField(default="period")
    period = ForeignKeyField(Period, null=True)
    value = CharField(max_length=4)
    set_by = ForeignKeyField(Staff, null=True)

    class Meta:
        indexes = ((("student", "subject", "kind", "period"), False),
                   (("school_class", "subject"), False))

    def validate(self) -> None:
        if self.kind not in PERIOD_MARK_KINDS:
            raise RuleError(f"Неизвестный вид итоговой отметки «{self.kind}».")
        if (self.kind == "period") != (self.period_id is not None):
            raise RuleError("Отметка за период указывается с периодом, остальные — без него.")
        school_class = self.school_class
        rules.check_marks_allowed(school_class.grade)
        if self.period_id is not None:
            self.check_period(school_class)
        else:
            self.check_year_end(school_class)
        scale = grading_scale(school_class.id, self.subject_id)
        subject = Subject.get_or_none(Subject.id == self.subject_id)
        if scale is None:
            named = f"«{subject.name}» " if subject else ""
            raise RuleError(f"Предмет {named}не входит в учебный план {school_class.name} "
                            "класса: отметка за него не ставится.")
        if self.kind == "exam":
            final_marks.check_exam_planned(has_exam(school_class.id, self.subject_id),
                                           subject.name, school_class.name)
        rules.check_period_mark_value(self.value, scale)
        pm = PeriodMark
        twin = pm.select().where((pm.student == self.student_id) & (pm.subject == self.subject_id)
                                 & (pm.school_class == self.school_class_id)
                                 & (pm.kind == self.kind) & (pm.id != (self.id or 0)))
        twin = twin.where(pm.period == self.period_id) if self.period_id else twin
        if twin.exists():
            raise RuleError("Такая отметка этому ученику по предмету уже выставлена.")

    def guard(self, stored) -> None:
        """Rule 15: a period mark locks with its period; a year, exam or final mark with
        the class's last period. Reopening any group of the journal reopens its marks."""
        for row in (self, stored) if stored is not None else (self,):
            school_class = row.school_class
            period = (row.period if row.period_id
                      else school_class.periods().order_by(Period.number.desc()).first())
            calendar.guard_journal(self, school_class, row.subject_id, None,
                                   period=period, any_group=True)

    def check_period(self, school_class: SchoolClass) -> None:
        """The period is one of the class's own (its year and scheme) and has begun."""
        period = self.period
        if (period.year_id, period.scheme) != (school_class.year_id, school_class.period_scheme):
            raise RuleError(f"«{period}» — не учебный период {school_class.name} класса: "
                            "класс учится по "
                            f"{rules.SCHEME_PLURAL_DATIVE[school_class.period_scheme]}.")
        rules.check_period_started(str(period), period.start, SchoolSettings.current().today())

    def check_year_end(self, school_class: SchoolClass) -> None:
        """A year, exam or final mark: once the class's last period has begun."""
        last = school_class.periods().order_by(Period.number.desc()).first()
        final_marks.check_year_end_begun(str(last) if last else "", last and last.start,
                                         SchoolSettings.current().today())


def grading_scale(class_id: int, subject_id: int) -> str | None:
    """The grading scale of a subject in a class, or None when the class's curriculum (its
    teaching assignments) does not have the subject."""
    a = TeachingAssignment
    row = (a.select(a.grading_scale)
           .where((a.school_class == class_id) & (a.subject == subject_id)).first())
    return row.grading_scale if row else None


def has_exam(class_id: int, subject_id: int) -> bool:
    """Whether the class's curriculum has an exam in the subject."""
    a = TeachingAssignment
    return (a.select().where((a.school_class == class_id) & (a.subject == subject_id)
                             & (a.has_exam == True)).exists())  # noqa: E712
