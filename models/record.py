"""One reading of the journal: what the grid, «Мой класс», the diary and the weekly sheet
show (and the reports, final marks and archive to come), read the same way for all.

Given a class, a date range and optionally a subject (and the pupils wanted), a
`ClassRecord` holds the lessons, every pupil's marks with their effective weight,
absences, comments and period marks, and the pupils' membership windows, read in a fixed
number of queries whatever the number of pupils and lessons. The inputs of the rules have
one home each:

- rule 7's weight: a mark's own work type, else its lesson's, else 1 (`_marks` below,
  one SQL join); the arithmetic is rules.weighted_average; the average over a period is
  `ClassRecord.average`;
- rule 8's membership: classes.Membership (a record's rows count only where the pupil
  belongs to the lesson's class and subgroup on its date);
- "the current period": calendar.period_of.

A pupil's lessons come from every class the movement book put them in (a pupil moved
from 5А to 5Б keeps the 5А marks of the period), each counted only while they were there.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction

from peewee import JOIN, fn

from . import rules
from .calendar import period_of
from .classes import Membership, Movement, SchoolClass
from .curriculum import Subject, WorkType
from .final_marks import DEFAULT_THRESHOLDS, EndMarks
from .journal import Attendance, Lesson, LessonWork, Mark, PeriodMark, TeacherComment
from .people import Staff, Student, short_name
from .school import Period
from .timetable import TeachingAssignment


@dataclass(slots=True)
class LessonRow:
    """A lesson as every reader shows it: plain values, no model built per row."""

    id: int
    class_id: int
    date: dt.date
    number: int
    topic: str
    homework: str
    homework_due: dt.date | None  # set by the teacher; else due at the next lesson
    subgroup_id: int | None
    subject_id: int
    subject_name: str
    subject_short: str
    subject_order: int
    work_type_id: int | None
    work_type_name: str
    work_type_short: str
    teacher_id: int
    teacher_name: str

    @property
    def school_class_id(self) -> int:  # the name access.can_edit_lesson asks for
        return self.class_id

    @property
    def work_type_label(self) -> str:
        return self.work_type_short or self.work_type_name[:2]


@dataclass(slots=True, frozen=True)
class MarkRow:
    """A mark with the work type it counts as (rule 17) and its weight (rule 7)."""

    value: str
    work_type: str  # the name, "" for none
    short: str
    weight: float
    own_type_id: int | None = None  # the mark's own work type: the work within the lesson

    @property
    def label(self) -> str:
        return self.short or self.work_type


@dataclass(slots=True, frozen=True)
class WorkRow:
    """A graded work within a lesson besides the lesson's own: a column of the journal."""

    lesson_id: int
    work_type_id: int
    name: str
    short: str
    weight: float

    @property
    def label(self) -> str:
        return self.short or self.name[:2]


@dataclass(slots=True)
class CurriculumRow:
    """A subject of the class's curriculum."""

    id: int
    name: str
    short: str
    scale: str
    has_exam: bool = False


@dataclass
class PupilRows:
    """Pupils' own entries at lessons, keyed by (lesson id, student id)."""

    marks: dict[tuple[int, int], list[MarkRow]] = field(default_factory=lambda: defaultdict(list))
    attendance: dict[tuple[int, int], str] = field(default_factory=dict)
    comments: dict[tuple[int, int], list[tuple[str, str]]] = field(
        default_factory=lambda: defaultdict(list))  # (author's short name, text)

    def has(self, key: tuple[int, int]) -> bool:
        return key in self.marks or key in self.attendance or key in self.comments


class ClassRecord:
    """The journal of a class between two dates (one subject or all), for its pupils.

    `pupils`: the ids wanted (a diary's pupils); by default everyone the movement book put
    in the class by the last day, whatever became of them since (readers keep those who
    belong on the days they show). Every part is read on first use and kept; `rows(ids)`
    reads some pupils' own entries against the lessons already read (a diary build reads
    the class's lessons once and each pupil's entries alone).
    """

    def __init__(self, school_class: SchoolClass, start: dt.date, end: dt.date, *,
                 subject_id: int | None = None, pupils: Iterable[int] | None = None):
        self.school_class, self.start, self.end = school_class, start, end
        self.subject_id = subject_id
        self._pupils = None if pupils is None else list(pupils)

    # --- who ------------------------------------------------------------------------

    def _pupil_query(self):
        return (Membership.entered(self.school_class.id, self.end) if self._pupils is None
                else self._pupils)

    @functools.cached_property
    def members(self) -> dict[int, Membership]:
        """The pupils with their membership windows and Student rows, in the class list's
        order (surname, name, patronymic)."""
        found = Membership.read(self._pupil_query())
        students = (Student.select().where(Student.id.in_(list(found)))
                    .order_by(Student.last_name, Student.first_name, Student.middle_name,
                              Student.id)) if found else []
        ordered = {}
        for student in students:
            member = ordered[student.id] = found[student.id]
            member.student = student
        return ordered

    def belonging(self, subgroup_id: int | None, start: dt.date,
                  end: dt.date) -> list[Membership]:
        """The pupils in the class's journal (a subgroup's) on some day between the dates."""
        class_id = self.school_class.id
        return [m for m in self.members.values()
                if m.belongs_between(class_id, subgroup_id, start, end)]

    @functools.cached_property
    def class_ids(self) -> list[int]:
        """This class and every other the pupils were put in by the last day (rule 8 then
        keeps each lesson only for those who were there)."""
        m = Movement
        others = (m.select(m.school_class).distinct()
                  .where(m.student.in_(self._pupil_query()) & (m.date <= self.end)
                         & m.school_class.is_null(False)).tuples())
        return sorted({self.school_class.id} | {cid for (cid,) in others})

    # --- what -----------------------------------------------------------------------

    def _in_range(self):
        where = Lesson.school_class.in_(self.class_ids) & Lesson.date.between(self.start,
                                                                             self.end)
        return where & (Lesson.subject == self.subject_id) if self.subject_id else where

    @functools.cached_property
    def lessons(self) -> list[LessonRow]:
        """Every lesson of the classes in the range, by date, number and subject order."""
        rows = [LessonRow(*row, "") for row in (
            Lesson.select(Lesson.id, Lesson.school_class, Lesson.date, Lesson.number,
                          Lesson.topic, Lesson.homework, Lesson.homework_due,
                          Lesson.subgroup, Lesson.subject,
                          Subject.name, Subject.short_name, Subject.sort_order, Lesson.work_type,
                          fn.COALESCE(WorkType.name, ""), fn.COALESCE(WorkType.short_name, ""),
                          Lesson.teacher)
            .join(Subject).switch(Lesson)
            .join(WorkType, JOIN.LEFT_OUTER, on=(Lesson.work_type == WorkType.id))
            .where(self._in_range())
            .order_by(Lesson.date, Lesson.number, Subject.sort_order, Lesson.id).tuples())]
        teachers = {t.id: t.short_name for t in Staff.select(
            Staff.id, Staff.last_name, Staff.first_name, Staff.middle_name).where(
            Staff.id.in_({x.teacher_id for x in rows}))} if rows else {}
        for row in rows:
            row.teacher_name = teachers.get(row.teacher_id, "")
        return rows

    @functools.cached_property
    def works(self) -> dict[int, list[WorkRow]]:
        """lesson id -> the graded works within it besides its own, in the order added."""
        w = LessonWork
        found: dict[int, list[WorkRow]] = defaultdict(list)
        for row in (w.select(w.lesson, w.work_type, WorkType.name, WorkType.short_name,
                             WorkType.weight)
                    .join(WorkType).switch(w).join(Lesson).where(self._in_range())
                    .order_by(w.id).tuples()):
            found[row[0]].append(WorkRow(*row))
        return found

    def class_lessons(self) -> list[LessonRow]:
        """This class's own lessons (the others' are there for its pupils who moved)."""
        return [x for x in self.lessons if x.class_id == self.school_class.id]

    def journal_lessons(self, subgroup_id: int | None) -> list[LessonRow]:
        """The columns of one journal: this class's lessons of the whole class or a group."""
        return [x for x in self.class_lessons() if x.subgroup_id == subgroup_id]

    @functools.cached_property
    def period_marks(self) -> dict[tuple[int, int, int, int | None, str], str]:
        """(student, class, subject, period or None, kind) -> value, every kind."""
        pm = PeriodMark
        query = pm.select(pm.student, pm.school_class, pm.subject, pm.period, pm.kind, pm.value)
        query = query.where(pm.school_class.in_(self.class_ids)
                            & pm.student.in_(self._pupil_query()))
        if self.subject_id:
            query = query.where(pm.subject == self.subject_id)
        return {row[:5]: row[5] for row in query.tuples()}

    def period_mark(self, student_id: int, subject_id: int, period_id: int | None,
                    kind: str = "period", class_id: int | None = None) -> str:
        """A pupil's mark of the kind: in the given class, by default in the record's class
        or else in another of the pupil's (a period is one year's and scheme's, so a moved
        pupil's mark given in the earlier class counts)."""
        if class_id is not None:
            return self.period_marks.get((student_id, class_id, subject_id, period_id, kind), "")
        return self.pupil_period_marks(student_id).get((subject_id, period_id, kind), "")

    def pupil_period_marks(self, student_id: int) -> dict[tuple[int, int | None, str], str]:
        """(subject, period or None, kind) -> value of one pupil, the record's class first."""
        found: dict[tuple[int, int | None, str], str] = {}
        own = self.school_class.id
        for (sid, class_id, *key), value in self.period_marks.items():
            if sid == student_id and (class_id == own or tuple(key) not in found):
                found[tuple(key)] = value
        return found

    @functools.cached_property
    def periods(self) -> list[Period]:
        """The class's periods of its year and scheme, in order."""
        return list(self.school_class.periods())

    @functools.cached_property
    def curriculum(self) -> dict[int, CurriculumRow]:
        """subject id -> the subject as the class's curriculum (its teaching assignments)
        has it: name, grading scale and whether it ends in an exam; in subject order."""
        a = TeachingAssignment
        query = (a.select(a.subject, Subject.name, Subject.short_name, a.grading_scale,
                          a.has_exam).join(Subject)
                 .where(a.school_class == self.school_class.id)
                 .order_by(Subject.sort_order, Subject.name, a.id))
        if self.subject_id:
            query = query.where(a.subject == self.subject_id)
        found: dict[int, CurriculumRow] = {}
        for subject_id, name, short, scale, exam in query.tuples():
            row = found.setdefault(subject_id, CurriculumRow(subject_id, name, short, scale))
            row.has_exam = row.has_exam or bool(exam)  # a subject split into groups
        return found

    def end_marks(self, student_id: int, subject_id: int,
                  thresholds: tuple[float, float, float] = DEFAULT_THRESHOLDS,
                  ) -> EndMarks | None:
        """A pupil's period marks of the year and year, exam and final marks in a subject of
        the class's curriculum, with the suggestions (models.final_marks); None for a subject
        the class does not have."""
        subject = self.curriculum.get(subject_id)
        if subject is None:
            return None
        marks = self.pupil_period_marks(student_id)
        return EndMarks(subject_id, subject.scale, subject.has_exam,
                        [marks.get((subject_id, p.id, "period"), "") for p in self.periods],
                        *(marks.get((subject_id, None, kind), "")
                          for kind in ("year", "exam", "final")), thresholds=thresholds)

    def given_end_marks(self, student_id: int) -> list[tuple[str, EndMarks]]:
        """(subject name, marks) for the pupil's subjects with a year, exam or final mark
        given, in the curriculum's order: what the diary and the weekly sheet show (given
        marks only; a suggestion is the teacher's)."""
        found = []
        for subject in self.curriculum.values():
            marks = self.end_marks(student_id, subject.id)
            if marks is not None and marks.any_given:
                found.append((subject.name, marks))
        return found

    @functools.cached_property
    def all_rows(self) -> PupilRows:
        return self.rows(None)

    def rows(self, ids: list[int] | None) -> PupilRows:
        """These pupils' (all the record's, for None) marks, absences and comments at the
        record's lessons, in three queries: a join on the lessons' range, never a list of
        lesson ids (hundreds of parameters)."""
        pupils = self._pupil_query() if ids is None else ids
        found = PupilRows()
        where = self._in_range()
        weight = WorkType  # rule 7: the mark's own work type, else its lesson's, else 1
        for lesson_id, sid, value, name, short, w, own in (
                Mark.select(Mark.lesson, Mark.student, Mark.value, weight.name,
                            weight.short_name, weight.weight, Mark.work_type)
                .join(Lesson)
                .join(weight, JOIN.LEFT_OUTER,
                      on=(weight.id == fn.COALESCE(Mark.work_type, Lesson.work_type)))
                .where(where & Mark.student.in_(pupils)).order_by(Mark.id).tuples()):
            found.marks[lesson_id, sid].append(
                MarkRow(value, name or "", short or "", w if w is not None else 1.0, own))
        found.attendance = self.attendance(ids)
        c = TeacherComment
        for lesson_id, sid, text, last, first, middle in (
                c.select(c.lesson, c.student, c.text, Staff.last_name, Staff.first_name,
                         Staff.middle_name)
                .join(Lesson).switch(c).join(Staff, on=(c.author == Staff.id))
                .where(where & c.student.in_(pupils)).order_by(c.id).tuples()):
            found.comments[lesson_id, sid].append((short_name(last, first, middle), text))
        return found

    def attendance(self, ids: list[int] | None = None) -> dict[tuple[int, int], str]:
        """(lesson id, student id) -> Н, Б, У or ОП of these pupils (all the record's, for
        None) at the record's lessons, in one query: read alone by the attendance report,
        which needs no marks."""
        a = Attendance
        pupils = self._pupil_query() if ids is None else ids
        return {(lesson_id, sid): code for lesson_id, sid, code in (
            a.select(a.lesson, a.student, a.code).join(Lesson)
            .where(self._in_range() & a.student.in_(pupils)).tuples())}

    def mark_counts(self, values: Iterable[str]) -> dict[tuple[int, int], int]:
        """(lesson id, student id) -> how many of the pupil's marks at the lesson have one
        of the values: for reports that count marks and show none (one grouped query)."""
        query = (Mark.select(Mark.lesson, Mark.student, fn.COUNT(Mark.id)).join(Lesson)
                 .where(self._in_range() & Mark.student.in_(self._pupil_query())
                        & Mark.value.in_(sorted(values)))
                 .group_by(Mark.lesson, Mark.student).tuples())
        return {(lesson_id, sid): count for lesson_id, sid, count in query}

    # --- asking -----------------------------------------------------------------------

    def seen(self, student_id: int) -> Iterator[LessonRow]:
        """The lessons in the pupil's journal (rule 8: their class and subgroup that day)."""
        member = self.members.get(student_id)
        if member is None:
            return
        places: dict[tuple[dt.date, int], bool] = {}
        for lesson in self.lessons:
            place = (lesson.date, lesson.class_id)
            inside = places.get(place)
            if inside is None:
                inside = places[place] = member.class_on(lesson.date) == lesson.class_id
            if inside and (lesson.subgroup_id is None
                           or member.in_group_on(lesson.subgroup_id, lesson.date)):
                yield lesson

    def average(self, student_id: int, subject_id: int, start: dt.date, end: dt.date,
                rows: PupilRows | None = None) -> Fraction | None:
        """Rule 7: the pupil's weighted average in the subject between the dates."""
        return self.averages(student_id, [(start, end)], rows).get((0, subject_id))

    def averages(self, student_id: int, ranges: list[tuple[dt.date, dt.date]],
                 rows: PupilRows | None = None, seen: Iterable[LessonRow] | None = None,
                 ) -> dict[tuple[int, int], Fraction | None]:
        """Rule 7 for every subject and range at once: {(range index, subject): average},
        counting the marks of the lessons the pupil belongs to (rule 8, `seen` if the
        caller has asked already), by their weight."""
        rows = rows or self.all_rows
        marks: dict[tuple[int, int], list[tuple[str, float]]] = defaultdict(list)
        for lesson in self.seen(student_id) if seen is None else seen:
            given = rows.marks.get((lesson.id, student_id))
            if not given:
                continue
            for index, (start, end) in enumerate(ranges):
                if start <= lesson.date <= end:
                    marks[index, lesson.subject_id].extend((m.value, m.weight) for m in given)
        return {key: rules.weighted_average(values) for key, values in marks.items()}


def period_average(school_class: SchoolClass, subject_id: int, student_id: int,
                   day: dt.date) -> Fraction | None:
    """Rule 7: the pupil's average in the subject over the class's period of the day (the
    current period, calendar.period_of), as the grid shows it."""
    period = period_of(school_class.periods(), day)
    if period is None:
        return None
    record = ClassRecord(school_class, period.start, period.end, subject_id=subject_id,
                         pupils=[student_id])
    return record.average(student_id, subject_id, period.start, period.end)


def pupil_end_marks(school_class: SchoolClass, subject_id: int, student_id: int,
                    thresholds: tuple[float, float, float]) -> EndMarks | None:
    """One pupil's marks of the year's end in the subject with their suggestions, as the
    grid shows them after a save."""
    year = school_class.year
    record = ClassRecord(school_class, year.start, year.end, subject_id=subject_id,
                         pupils=[student_id])
    return record.end_marks(student_id, subject_id, thresholds)
