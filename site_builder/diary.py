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
    Bell,
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
    Staff,
    Student,
    SubgroupMember,
    Subject,
    TeacherComment,
    TimetableSlot,
    WorkType,
)
from models.calendar import SchoolCalendar, parse_grades
from models.diary import DiaryAccess
from models.final_marks import EndMarks
from models.record import ClassRecord, LessonRow


@dataclass
class Entry:
    """One lesson as a pupil's diary shows it."""

    lesson: LessonRow
    marks: list[tuple[str, str]] = field(default_factory=list)  # (value, work type)
    attendance: str | None = None
    comments: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Planned:
    """A lesson the timetable plans on a day not yet recorded («по расписанию»)."""

    number: int
    bell: str  # «08:30–09:15», or "" without a bell for that number
    subject: str
    room: str


@dataclass(frozen=True)
class Due:
    """Homework as the day it is due shows it: set at `lesson`, due on `day`."""

    lesson: LessonRow
    day: dt.date


@dataclass(frozen=True)
class Substitution:
    """A lesson of the current week given by a teacher other than the timetable's."""

    lesson: LessonRow
    planned_teacher: str


@dataclass
class Diary:
    """Everything one pupil's pages show."""

    access: DiaryAccess
    student: Student
    school_class: SchoolClass
    entries: list[Entry]
    period_marks: dict[tuple[int, int | None, str], str]  # (subject, period, kind) -> value
    averages: dict[tuple[int, int], Fraction | None]  # (period id, subject id) -> rule 7
    timetable: list[TimetableSlot]  # the pupil's slots valid today, by weekday and number
    news: list[News]
    fingerprint: str = ""
    planned: dict[dt.date, list[Planned]] = field(default_factory=dict)  # the current week
    due: dict[dt.date, list[Due]] = field(default_factory=dict)  # homework by the day due
    due_of: dict[int, dt.date] = field(default_factory=dict)  # lesson -> its homework's day
    bells: dict[int, str] = field(default_factory=dict)  # lesson number -> «08:30–09:15»
    substitutions: list[Substitution] = field(default_factory=list)
    # The year's end (issue 16.1): (subject name, its period, year, exam and final marks) for
    # each subject with a year, exam or final mark given; empty until one is.
    year_marks: list[tuple[str, EndMarks]] = field(default_factory=list)

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
    # The timetable page shows the slots and bells valid today: a change of the day's
    # timetable mid-week rebuilds it though no row changed.
    bells = tuple(i for (i,) in Bell.select(Bell.id).where(Bell.valid_between(today))
                  .order_by(Bell.id).tuples())
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
        slot = TimetableSlot
        valid = tuple(i for (i,) in slot.select(slot.id).where(
            (slot.school_class == school_class) & slot.valid_between(today))
            .order_by(slot.id).tuples())
        calendar = (today - dt.timedelta(days=today.weekday()),
                    sum(1 for p in periods if p.start <= today), year.updated_at,
                    school_class.grade in six_day, valid, bells)
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
    timetable: list[TimetableSlot]  # every slot of the class valid in the year
    news: list[News]
    plain: dict[int, Entry]  # a lesson with nothing of the pupil's own, shared by all
    calendar: SchoolCalendar
    bells: list[Bell]  # every bell valid in the year
    due: dict[int, dt.date] = field(default_factory=dict)  # lesson with homework -> due day

    @classmethod
    def read(cls, plan: ClassPlan) -> ClassRows:
        record, school_class, year = plan.record, plan.school_class, plan.year
        record.members  # noqa: B018 (read here, once, not per pupil)
        slot = TimetableSlot
        timetable = list(slot.select(slot, Subject, Staff).join(Subject).switch(slot)
                         .join(Staff).where((slot.school_class == school_class)
                                            & slot.valid_between(year.start, year.end))
                         .order_by(slot.weekday, slot.number, Subject.sort_order))
        bells = list(Bell.select().where(Bell.valid_between(year.start, year.end))
                     .order_by(Bell.number, Bell.valid_from))
        news = list(News.select().where((News.is_published == True)  # noqa: E712
                                        & (News.school_class.is_null()
                                           | (News.school_class == school_class)))
                    .order_by(News.published_at.desc()).limit(30))
        settings = SchoolSettings.current()
        for item in news:  # stored in UTC, shown on the school's clock
            item.published_local = settings.local_time(item.published_at)
        rows = cls(record, timetable, news, {x.id: Entry(x) for x in record.lessons},
                   SchoolCalendar.of(year), bells)
        rows.due = rows._due_days(school_class)
        return rows

    def valid_on(self, day: dt.date) -> list[TimetableSlot]:
        """The class's week timetable as it stands on the day (every weekday's slots)."""
        return [t for t in self.timetable
                if t.valid_from <= day and (t.valid_to is None or day <= t.valid_to)]

    def slots_on(self, day: dt.date) -> list[TimetableSlot]:
        """The class's slots (every group's) the timetable has on the day, by number."""
        return [t for t in self.valid_on(day) if t.weekday == day.isoweekday()]

    def bells_on(self, day: dt.date) -> dict[int, str]:
        """Lesson number -> «08:30–09:15», the bells valid on the day."""
        return {b.number: f"{b.starts:%H:%M}–{b.ends:%H:%M}" for b in self.bells
                if b.valid_from <= day and (b.valid_to is None or day <= b.valid_to)}

    def _due_days(self, school_class: SchoolClass, ahead: int = 28) -> dict[int, dt.date]:
        """The day each lesson's homework is due: the day the teacher set, else the next
        recorded lesson of the same class, subject and group on a later day; else (this
        class's lessons) the next school day within `ahead` days whose timetable has that
        subject for that group."""
        by_journal: dict[tuple, list[LessonRow]] = defaultdict(list)
        for lesson in self.record.lessons:  # in date order
            by_journal[lesson.class_id, lesson.subject_id, lesson.subgroup_id].append(lesson)
        due: dict[int, dt.date] = {}
        for lessons in by_journal.values():
            for i, lesson in enumerate(lessons):
                if not lesson.homework.strip():
                    continue
                later = lesson.homework_due or next(
                    (x.date for x in lessons[i + 1:] if x.date > lesson.date), None)
                if later is None and lesson.class_id == school_class.id:
                    later = self._planned_day(lesson, school_class.grade, ahead)
                if later is not None:
                    due[lesson.id] = later
        return due

    def _planned_day(self, lesson: LessonRow, grade: int, ahead: int) -> dt.date | None:
        for offset in range(1, ahead + 1):
            day = lesson.date + dt.timedelta(days=offset)
            if self.calendar.is_school_day(day, grade) and any(
                    t.subject_id == lesson.subject_id and t.subgroup_id == lesson.subgroup_id
                    for t in self.slots_on(day)):
                return day
        return None


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
                      [t for t in shared.valid_on(plan.today)
                       if t.subgroup_id is None or t.subgroup_id in member.groups],
                      shared.news)
        diary.year_marks = record.given_end_marks(sid)
        diary.fingerprint = plan.prints[sid]
        diary.bells, diary.due_of = shared.bells_on(plan.today), shared.due
        _week(diary, shared, member, seen, plan.today)
        yield diary


def _week(diary: Diary, shared: ClassRows, member, seen: list[LessonRow],
          today: dt.date) -> None:
    """The current week's planned lessons on the pupil's days with nothing recorded, the
    week's substitutions, and the pupil's homework by the day it is due."""
    monday = today - dt.timedelta(days=today.weekday())
    sunday = monday + dt.timedelta(days=6)
    class_id, grade = diary.school_class.id, diary.school_class.grade
    recorded = {x.date for x in seen}
    for offset in range(7):
        day = monday + dt.timedelta(days=offset)
        if day in recorded or not shared.calendar.is_school_day(day, grade):
            continue
        bells = shared.bells_on(day)
        planned = [Planned(t.number, bells.get(t.number, ""), t.subject.name, t.room.strip())
                   for t in shared.slots_on(day)
                   if t.subgroup_id is None or member.in_group_on(t.subgroup_id, day)]
        if planned:
            diary.planned[day] = planned
    for lesson in seen:
        if monday <= lesson.date <= sunday and lesson.class_id == class_id:
            slot = next((t for t in shared.slots_on(lesson.date)
                         if t.number == lesson.number and t.subgroup_id == lesson.subgroup_id
                         and t.subject_id == lesson.subject_id), None)
            if slot is not None and slot.teacher_id != lesson.teacher_id:
                diary.substitutions.append(Substitution(lesson, slot.teacher.short_name))
        day = shared.due.get(lesson.id)
        if day is not None:
            diary.due.setdefault(day, []).append(Due(lesson, day))


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
        stats(News), stats(Subject), stats(WorkType), stats(Bell), stats(Staff),
        stats(Holiday, Holiday.year == school_class.year_id),
        stats(DayTransfer, DayTransfer.year == school_class.year_id),
        school_class.updated_at,
    )
    return {"class": class_rows, **per_pupil}
