"""What a pupil's diary shows, read from the database a class at a time.

A handful of queries per class, whatever its size; the pages are rendered elsewhere
(site_builder.pages). Only pupils with diary credentials (models.diary) get a diary.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from peewee import JOIN, fn

from models import (
    AcademicYear,
    Attendance,
    DayTransfer,
    Holiday,
    Lesson,
    Mark,
    Movement,
    News,
    Period,
    PeriodMark,
    SchoolClass,
    SchoolSettings,
    Student,
    SubgroupMember,
    Subject,
    TeacherComment,
    TimetableSlot,
    WorkType,
)
from models.calendar import parse_grades
from models.diary import DiaryAccess
from models.gradebook import Pupil


@dataclass(slots=True)
class LessonLine:
    """A lesson as the diary shows it: plain values, no model to build per row."""

    id: int
    class_id: int
    date: dt.date
    number: int
    topic: str
    homework: str
    subgroup_id: int | None
    subject_id: int
    subject_name: str
    work_type_id: int | None
    work_type_name: str | None


@dataclass
class Entry:
    """One lesson as a pupil's diary shows it."""

    lesson: LessonLine
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


@dataclass
class ClassPlan:
    """One class's pupils with diaries and their fingerprints, before anything else is read.

    A fingerprint changes whenever anything a pupil's pages show changes (see _stamps), so
    a pupil whose fingerprint the last build holds needs nothing more read or rendered.
    """

    school_class: SchoolClass
    year: AcademicYear
    today: dt.date
    accesses: dict[int, DiaryAccess]  # student id -> credentials, in class-list order
    prints: dict[int, str]  # student id -> fingerprint
    periods: list[Period]
    class_ids: list[int]  # this class and any other its pupils were in this year (rule 8)

    def read(self, ids: Iterable[int] | None = None) -> list[Diary]:
        """The diaries of these pupils of the class (all by default), in a few queries."""
        wanted = list(self.accesses) if ids is None else [i for i in self.accesses if i in ids]
        return list(_read_class(self, wanted)) if wanted else []

    @functools.cached_property
    def shared(self) -> ClassRows:
        """What its pupils' diaries share, read on first use in each process."""
        return ClassRows.read(self)


def plan_classes(today: dt.date, only: set[int] | None = None) -> Iterator[ClassPlan]:
    """Every class of the current year with pupils who have diaries (or only these pupils)."""
    year = AcademicYear.on(today, after_end=True)
    if year is None:
        return
    six_day = parse_grades(SchoolSettings.current().six_day_grades)
    for school_class in (SchoolClass.select().where(SchoolClass.year == year)
                         .order_by(SchoolClass.grade, SchoolClass.letter)):
        ids = [i for i in school_class.student_ids_on(today) if only is None or i in only]
        accesses = {a.student_id: a for a in DiaryAccess.select().where(
            DiaryAccess.student.in_(ids))} if ids else {}
        ids = [i for i in ids if i in accesses]
        if not ids:
            continue
        class_ids = sorted({school_class.id} | {cid for (cid,) in (
            Movement.select(Movement.school_class).where(
                Movement.student.in_(ids) & (Movement.date.between(year.start, today))
                & Movement.school_class.is_null(False)).distinct().tuples())})
        stamps = _stamps(school_class, class_ids, ids)
        periods = list(school_class.periods())
        # The pages depend on the date only through the current week and the periods begun;
        # the days the weeks show, on the calendar: the year's dates, its holidays and
        # transfers (_stamps) and the grade's week.
        calendar = (today - dt.timedelta(days=today.weekday()),
                    sum(1 for p in periods if p.start <= today), year.updated_at,
                    school_class.grade in six_day)
        prints = {sid: hashlib.sha256(repr((stamps["class"], stamps.get(sid), calendar,
                                            accesses[sid].key, accesses[sid].salt,
                                            accesses[sid].token)).encode()).hexdigest()
                  for sid in ids}
        yield ClassPlan(school_class, year, today, {sid: accesses[sid] for sid in ids}, prints,
                        periods, class_ids)


def load(today: dt.date, only: set[int] | None = None) -> Iterator[Diary]:
    """Every diary of the current year (or only those of these pupils), class by class."""
    for class_plan in plan_classes(today, only):
        yield from class_plan.read()


@dataclass
class ClassRows:
    """What the diaries of a class's pupils are made of, but for their marks, absences and
    comments: read once per class and process, in a few queries whatever the class's size.
    """

    lessons: list[LessonLine]
    by_id: dict[int, LessonLine]
    weights: dict[int, tuple[str, float]]
    students: dict[int, Student]
    moves: dict[int, list]  # student id -> [(date, class id)] from the movement book
    groups: dict[tuple[int, int], list]  # (subgroup, student) -> [(start, end)]
    period_marks: dict[int, dict]  # student id -> {(subject, period, kind): value}
    timetable: list[TimetableSlot]
    news: list[News]
    plain: dict[int, Entry]  # a lesson with nothing of the pupil's own, shared by all

    @classmethod
    def read(cls, plan: ClassPlan) -> ClassRows:
        school_class, today, ids = plan.school_class, plan.today, list(plan.accesses)
        lessons = [LessonLine(*row) for row in (
            Lesson.select(Lesson.id, Lesson.school_class, Lesson.date, Lesson.number,
                          Lesson.topic, Lesson.homework, Lesson.subgroup, Lesson.subject,
                          Subject.name, Lesson.work_type, WorkType.name)
            .join(Subject).switch(Lesson)
            .join(WorkType, JOIN.LEFT_OUTER, on=(Lesson.work_type == WorkType.id))
            .where(_in_year(plan))
            .order_by(Lesson.date, Lesson.number, Subject.sort_order).tuples())]
        moves = defaultdict(list)
        for sid, day, cid in (Movement.select(Movement.student, Movement.date,
                                              Movement.school_class)
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
                .where(pm.school_class.in_(plan.class_ids) & pm.student.in_(ids)).tuples()):
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
        settings = SchoolSettings.current()
        for item in news:  # stored in UTC, shown on the school's clock
            item.published_local = settings.local_time(item.published_at)
        return cls(lessons, {x.id: x for x in lessons},
                   {w.id: (w.name, w.weight) for w in WorkType.select()},
                   {s.id: s for s in Student.select().where(Student.id.in_(ids))},
                   moves, groups, period_marks, timetable, news,
                   {lesson.id: Entry(lesson) for lesson in lessons})

    @functools.cached_property
    def rows(self) -> list[tuple]:
        """(lesson, id, (date, class id), subgroup id) of each lesson, in the diary's order."""
        return [(lesson, lesson.id, (lesson.date, lesson.class_id), lesson.subgroup_id)
                for lesson in self.lessons]

    @functools.cached_property
    def places(self) -> list[tuple]:
        """The (date, class id) pairs a pupil's membership is asked about (rule 8)."""
        return sorted({place for _l, _i, place, _s in self.rows})


def _in_year(plan: ClassPlan):
    """A pupil's year: lessons of every class they were in (each while they were in it)."""
    return (Lesson.school_class.in_(plan.class_ids)
            & Lesson.date.between(plan.year.start, plan.today))


def _read_class(plan: ClassPlan, ids: list[int]) -> Iterator[Diary]:
    """These pupils' diaries: the class's shared rows, and their own marks, absences and
    comments in three queries (for one pupil or for many)."""
    shared = plan.shared
    by_id, weights = shared.by_id, shared.weights
    in_year = _in_year(plan)
    marks: dict[tuple[int, int], list] = defaultdict(list)
    attendance: dict[tuple[int, int], str] = {}
    comments: dict[tuple[int, int], list[str]] = defaultdict(list)
    # Rows of this class's lessons of the year (a join: a list of lesson ids would make
    # a statement with hundreds of parameters).
    for lesson_id, sid, value, wt in (Mark.select(Mark.lesson, Mark.student, Mark.value,
                                                  Mark.work_type).join(Lesson)
                                      .where(in_year & Mark.student.in_(ids))
                                      .order_by(Mark.id).tuples()):
        name, weight = weights.get(wt or by_id[lesson_id].work_type_id, ("", 1.0))
        marks[lesson_id, sid].append((value, name, weight))
    for lesson_id, sid, code in (Attendance.select(Attendance.lesson, Attendance.student,
                                                   Attendance.code).join(Lesson)
                                 .where(in_year & Attendance.student.in_(ids)).tuples()):
        attendance[lesson_id, sid] = code
    for lesson_id, sid, text in (TeacherComment.select(TeacherComment.lesson,
                                                       TeacherComment.student,
                                                       TeacherComment.text).join(Lesson)
                                 .where(in_year & TeacherComment.student.in_(ids))
                                 .order_by(TeacherComment.id).tuples()):
        comments[lesson_id, sid].append(text)
    rows, places, plain, groups = shared.rows, shared.places, shared.plain, shared.groups
    for sid in ids:
        pupil = Pupil(shared.students[sid], shared.moves[sid], None)
        in_class = {place: pupil.in_journal_on(*place) for place in places}
        entries = []
        for lesson, lesson_id, place, subgroup_id in rows:
            if not in_class[place]:
                continue
            day = place[0]
            if subgroup_id and not any((s is None or s <= day) and (e is None or e >= day)
                                       for s, e in groups.get((subgroup_id, sid), [])):
                continue
            key = (lesson_id, sid)
            if key in marks or key in attendance or key in comments:
                given = marks.get(key, [])
                entries.append(Entry(lesson, [(v, n) for v, n, _w in given],
                                     attendance.get(key), comments.get(key, []), given))
            else:  # most lessons: nothing of the pupil's own, one Entry shared by all
                entries.append(plain[lesson_id])
        diary = Diary(plan.accesses[sid], shared.students[sid], plan.school_class, entries,
                      shared.period_marks[sid],
                      [t for t in shared.timetable if t.subgroup_id is None
                       or (t.subgroup_id, sid) in groups], shared.news)
        diary.fingerprint = plan.prints[sid]
        yield diary


def _stamps(school_class: SchoolClass, class_ids: list[int], ids: list[int]) -> dict:
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
        stats(Lesson, Lesson.school_class.in_(class_ids)),
        stats(TimetableSlot, TimetableSlot.school_class == school_class),
        stats(News), stats(Subject), stats(WorkType),
        stats(Holiday, Holiday.year == school_class.year_id),
        stats(DayTransfer, DayTransfer.year == school_class.year_id),
        school_class.updated_at,
    )
    return {"class": class_rows, **per_pupil}
