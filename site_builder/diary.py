"""What a pupil's diary shows, read from the database a class at a time.

A handful of queries per class, whatever its size; the pages are rendered elsewhere
(site_builder.pages). Only pupils with diary credentials (models.diary) get a diary.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction

from peewee import JOIN, fn

from models import (
    AcademicYear,
    Attendance,
    Lesson,
    Mark,
    Movement,
    News,
    PeriodMark,
    SchoolClass,
    Staff,
    Student,
    SubgroupMember,
    Subject,
    TeacherComment,
    TimetableSlot,
    WorkType,
    rules,
)
from models.diary import DiaryAccess
from models.gradebook import Pupil


@dataclass
class Entry:
    """One lesson as a pupil's diary shows it."""

    lesson: Lesson
    marks: list[tuple[str, str]] = field(default_factory=list)  # (value, work type)
    attendance: str | None = None
    comments: list[str] = field(default_factory=list)
    weighted: list[tuple[str, str, float]] = field(default_factory=list)  # with weights


@dataclass
class Diary:
    """Everything one pupil's pages show."""

    access: DiaryAccess
    student: Student
    school_class: SchoolClass
    entries: list[Entry]
    period_marks: dict[tuple[int, int | None, str], str]  # (subject, period, kind) -> value
    timetable: list[TimetableSlot]
    news: list[News]
    fingerprint: str = ""

    @property
    def token(self) -> str:
        return self.access.token

    def weeks(self, first: dt.date, today: dt.date) -> list[dt.date]:
        """Mondays of every week from the first school day to today's week."""
        monday = first - dt.timedelta(days=first.weekday())
        last = today - dt.timedelta(days=today.weekday())
        return [monday + dt.timedelta(weeks=i) for i in range((last - monday).days // 7 + 1)]

    def averages(self, start: dt.date, end: dt.date) -> dict[str, Fraction | None]:
        """Rule 7: the weighted average per subject between two dates."""
        marks: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for entry in self.entries:
            if start <= entry.lesson.date <= end:
                for value, _wt, weight in entry.weighted:
                    marks[entry.lesson.subject.name].append((value, weight))
        return {name: rules.weighted_average(values) for name, values in sorted(marks.items())}


@dataclass
class Unchanged:
    """A pupil whose diary the last build already holds: their fingerprint is known."""

    token: str
    fingerprint: str


Known = Callable[[str, str], bool]


def load(today: dt.date, only: set[int] | None = None,
         known: Known | None = None) -> Iterator[Diary | Unchanged]:
    """Every diary of the current year (or only those of these pupils), class by class.

    A class whose every pupil's fingerprint is `known` (to the last build) is not read
    further: its pupils come as Unchanged.
    """
    year = AcademicYear.on(today, after_end=True)
    if year is None:
        return
    for school_class in (SchoolClass.select().where(SchoolClass.year == year)
                         .order_by(SchoolClass.grade, SchoolClass.letter)):
        yield from _load_class(school_class, year, today, only, known)


def _load_class(school_class: SchoolClass, year: AcademicYear, today: dt.date,
                only: set[int] | None, known: Known | None) -> Iterator[Diary | Unchanged]:
    ids = [i for i in school_class.student_ids_on(today) if only is None or i in only]
    accesses = {a.student_id: a for a in DiaryAccess.select().where(
        DiaryAccess.student.in_(ids))} if ids else {}
    ids = [i for i in ids if i in accesses]
    if not ids:
        return
    stamps = _stamps(school_class, ids)
    # The pages depend on the date only through the current week and the periods begun.
    calendar = (today - dt.timedelta(days=today.weekday()),
                sum(1 for p in school_class.periods() if p.start <= today))
    prints = {sid: hashlib.sha256(repr((stamps["class"], stamps.get(sid), calendar,
                                        accesses[sid].key, accesses[sid].salt,
                                        accesses[sid].token)).encode()).hexdigest()
              for sid in ids}
    if known and all(known(accesses[sid].token, prints[sid]) for sid in ids):
        for sid in ids:
            yield Unchanged(accesses[sid].token, prints[sid])
        return
    students = {s.id: s for s in Student.select().where(Student.id.in_(ids))}
    lessons = list(Lesson.select(Lesson, Subject, WorkType, Staff)
                   .join(Subject).switch(Lesson)
                   .join(WorkType, JOIN.LEFT_OUTER, on=(Lesson.work_type == WorkType.id))
                   .switch(Lesson).join(Staff, on=(Lesson.teacher == Staff.id))
                   .where((Lesson.school_class == school_class)
                          & Lesson.date.between(year.start, today))
                   .order_by(Lesson.date, Lesson.number, Subject.sort_order))
    by_id = {x.id: x for x in lessons}
    weights = {w.id: (w.name, w.weight) for w in WorkType.select()}
    marks: dict[tuple[int, int], list] = defaultdict(list)
    attendance: dict[tuple[int, int], str] = {}
    comments: dict[tuple[int, int], list[str]] = defaultdict(list)
    if lessons:
        lesson_ids = list(by_id)
        for lesson_id, sid, value, wt in (Mark.select(Mark.lesson, Mark.student, Mark.value,
                                                      Mark.work_type)
                                          .where(Mark.lesson.in_(lesson_ids)
                                                 & Mark.student.in_(ids))
                                          .order_by(Mark.id).tuples()):
            name, weight = weights.get(wt or by_id[lesson_id].work_type_id, ("", 1.0))
            marks[lesson_id, sid].append((value, name, weight))
        for lesson_id, sid, code in (Attendance.select(Attendance.lesson, Attendance.student,
                                                       Attendance.code)
                                     .where(Attendance.lesson.in_(lesson_ids)
                                            & Attendance.student.in_(ids)).tuples()):
            attendance[lesson_id, sid] = code
        for lesson_id, sid, text in (TeacherComment.select(TeacherComment.lesson,
                                                           TeacherComment.student,
                                                           TeacherComment.text)
                                     .where(TeacherComment.lesson.in_(lesson_ids)
                                            & TeacherComment.student.in_(ids))
                                     .order_by(TeacherComment.id).tuples()):
            comments[lesson_id, sid].append(text)
    moves = defaultdict(list)
    for sid, day, cid in (Movement.select(Movement.student, Movement.date, Movement.school_class)
                          .where(Movement.student.in_(ids))
                          .order_by(Movement.date, Movement.id).tuples()):
        moves[sid].append((day, cid))
    groups: dict[tuple[int, int], list] = defaultdict(list)
    for subgroup_id, sid, start, end in (SubgroupMember.select(
            SubgroupMember.subgroup, SubgroupMember.student, SubgroupMember.start,
            SubgroupMember.end).where(SubgroupMember.student.in_(ids)).tuples()):
        groups[subgroup_id, sid].append((start, end))
    pm = PeriodMark
    period_marks: dict[int, dict] = defaultdict(dict)
    for sid, subject_id, period_id, kind, value in (
            pm.select(pm.student, pm.subject, pm.period, pm.kind, pm.value)
            .where((pm.school_class == school_class) & pm.student.in_(ids)).tuples()):
        period_marks[sid][subject_id, period_id, kind] = value
    slot = TimetableSlot
    timetable = list(slot.select(slot, Subject).join(Subject)
                     .where((slot.school_class == school_class) & (slot.valid_from <= today)
                            & (slot.valid_to.is_null() | (slot.valid_to >= today)))
                     .order_by(slot.weekday, slot.number))
    news = list(News.select().where((News.is_published == True)  # noqa: E712
                                    & (News.school_class.is_null()
                                       | (News.school_class == school_class)))
                .order_by(News.published_at.desc()).limit(30))
    for sid in ids:
        pupil = Pupil(students[sid], moves[sid], None)
        entries = []
        for lesson in lessons:
            if not pupil.in_journal_on(lesson.date, school_class.id):
                continue
            if lesson.subgroup_id and not any(
                    (s is None or s <= lesson.date) and (e is None or e >= lesson.date)
                    for s, e in groups.get((lesson.subgroup_id, sid), [])):
                continue
            given = marks.get((lesson.id, sid), [])
            entries.append(Entry(lesson, [(v, n) for v, n, _w in given],
                                 attendance.get((lesson.id, sid)),
                                 comments.get((lesson.id, sid), []), given))
        diary = Diary(accesses[sid], students[sid], school_class, entries, period_marks[sid],
                      [t for t in timetable if t.subgroup_id is None
                       or (t.subgroup_id, sid) in groups], news)
        diary.fingerprint = prints[sid]
        yield diary


def _stamps(school_class: SchoolClass, ids: list[int]) -> dict:
    """Counts and latest change times of everything a diary shows: its data's fingerprint.

    A change, creation or deletion of any shown row changes a count or a latest time.
    """
    def stats(model, *where):
        query = model.select(fn.COUNT(model.id), fn.MAX(model.updated_at))
        return query.where(*where).tuples().first() if where else query.tuples().first()

    per_pupil: dict[int, list] = defaultdict(list)
    for model in (Mark, Attendance, TeacherComment, PeriodMark, SubgroupMember, Movement):
        for row in (model.select(model.student, fn.COUNT(model.id), fn.MAX(model.updated_at))
                    .where(model.student.in_(ids)).group_by(model.student).tuples()):
            per_pupil[row[0]].append((model.__name__, *row[1:]))
    for student in Student.select(Student.id, Student.updated_at).where(Student.id.in_(ids)):
        per_pupil[student.id].append(("Student", student.updated_at))
    class_rows = (
        stats(Lesson, Lesson.school_class == school_class),
        stats(TimetableSlot, TimetableSlot.school_class == school_class),
        stats(News), stats(Subject), stats(WorkType),
        school_class.updated_at,
    )
    return {"class": class_rows, **per_pupil}
