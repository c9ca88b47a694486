"""What a pupil's diary shows, read from the database a class at a time.

The journal is read through its one reader (models.record); this module shapes it into
diaries: a handful of queries per class and three per pupil, whatever the class's size.
The pages are rendered elsewhere (site_builder.pages). Only pupils with diary credentials
(models.diary) get a diary.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction

from peewee import fn

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
from models.record import ClassRecord, LessonRow


@dataclass
class Entry:
    """One lesson as a pupil's diary shows it."""

    lesson: LessonRow
    marks: list[tuple[str, str]] = field(default_factory=list)  # (value, work type)
    attendance: str | None = None
    comments: list[str] = field(default_factory=list)


@dataclass
class Diary:
    """Everything one pupil's pages show."""

    access: DiaryAccess
    student: Student
    school_class: SchoolClass
    entries: list[Entry]
    period_marks: dict[tuple[int, int | None, str], str]  # (subject, period, kind) -> value
    averages: dict[tuple[int, int], Fraction | None]  # (period id, subject id) -> rule 7
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
    record: ClassRecord  # the class's journal of the year so far, for these pupils

    def read(self, ids: Iterable[int] | None = None) -> list[Diary]:
        """The diaries of these pupils of the class (all by default), in a few queries."""
        wanted = list(self.accesses) if ids is None else [i for i in self.accesses if i in ids]
        return list(_read_class(self, wanted)) if wanted else []

    @functools.cached_property
    def shared(self) -> ClassRows:
        """What its pupils' diaries share, read on first use in each process."""
        return ClassRows.read(self)


def plan_classes(today: dt.date) -> Iterator[ClassPlan]:
    """Every class of the current year with pupils who have diaries."""
    year = AcademicYear.on(today, after_end=True)
    if year is None:
        return
    six_day = parse_grades(SchoolSettings.current().six_day_grades)
    for school_class in (SchoolClass.select().where(SchoolClass.year == year)
                         .order_by(SchoolClass.grade, SchoolClass.letter)):
        ids = school_class.student_ids_on(today)
        accesses = {a.student_id: a for a in DiaryAccess.select().where(
            DiaryAccess.student.in_(ids))} if ids else {}
        ids = [i for i in ids if i in accesses]
        if not ids:
            continue
        record = ClassRecord(school_class, year.start, today, pupils=ids)
        stamps = _stamps(school_class, record.class_ids, ids)
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
                        periods, record)


@dataclass
class ClassRows:
    """What the diaries of a class's pupils share: the journal's lessons, memberships and
    period marks (models.record), the timetable and the news; read once per class and
    process, in a few queries whatever the class's size."""

    record: ClassRecord
    timetable: list[TimetableSlot]
    news: list[News]
    plain: dict[int, Entry]  # a lesson with nothing of the pupil's own, shared by all

    @classmethod
    def read(cls, plan: ClassPlan) -> ClassRows:
        record, school_class, today = plan.record, plan.school_class, plan.today
        record.members  # noqa: B018 (read here, once, not per pupil)
        slot = TimetableSlot
        timetable = list(slot.select(slot, Subject).join(Subject)
                         .where((slot.school_class == school_class)
                                & slot.valid_between(today))
                         .order_by(slot.weekday, slot.number))
        news = list(News.select().where((News.is_published == True)  # noqa: E712
                                        & (News.school_class.is_null()
                                           | (News.school_class == school_class)))
                    .order_by(News.published_at.desc()).limit(30))
        settings = SchoolSettings.current()
        for item in news:  # stored in UTC, shown on the school's clock
            item.published_local = settings.local_time(item.published_at)
        return cls(record, timetable, news, {x.id: Entry(x) for x in record.lessons})


def _read_class(plan: ClassPlan, ids: list[int]) -> Iterator[Diary]:
    """These pupils' diaries: the class's shared rows, and their own marks, absences and
    comments in three queries (for one pupil or for many)."""
    shared = plan.shared
    record, plain = shared.record, shared.plain
    own = record.rows(ids)
    begun = [p for p in plan.periods if p.start <= plan.today]
    for sid in ids:
        member = record.members[sid]
        seen = list(record.seen(sid))
        entries = []
        for lesson in seen:
            key = (lesson.id, sid)
            if own.has(key):
                entries.append(Entry(lesson, [(m.value, m.work_type) for m in own.marks[key]],
                                     own.attendance.get(key),
                                     [text for _author, text in own.comments.get(key, [])]))
            else:  # most lessons: nothing of the pupil's own, one Entry shared by all
                entries.append(plain[lesson.id])
        averages = record.averages(sid, [(p.start, p.end) for p in begun], own, seen)
        diary = Diary(plan.accesses[sid], member.student, plan.school_class, entries,
                      record.pupil_period_marks(sid),
                      {(begun[i].id, subject): a for (i, subject), a in averages.items()},
                      [t for t in shared.timetable if t.subgroup_id is None
                       or t.subgroup_id in member.groups], shared.news)
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
