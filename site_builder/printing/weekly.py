"""The weekly sheet for parents (rule 9): what it shows, read a class at a time, and the
batch of a class or the whole school as one PDF or HTML document.

The sheets hold personal data in clear: callers keep them out of the published site.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from markupsafe import Markup

from models import (
    Attendance,
    DiaryAccess,
    Guardian,
    Lesson,
    Mark,
    News,
    Period,
    PeriodMark,
    SchoolClass,
    SchoolSettings,
    Staff,
    Student,
    StudentGuardian,
    SubgroupMember,
    Subject,
    TeacherComment,
    WorkType,
    rules,
)
from models.calendar import WEEKDAY_SHORT, WEEKDAYS, SchoolCalendar
from models.gradebook import Pupil, class_pupils
from models.rules import format_average

from ..pages import markdown, week_off
from .engine import notice_html, qr_svg, render_html, render_parts, render_pdf, worker_count

WEEKDAY_NAMES = [w.capitalize() for w in WEEKDAYS]
ABSENCE_CODES = ("Н", "Б", "У")
# Weekly sheets are rendered in parts of at least this many sheets, a few parts per process.
PART_SHEETS, PARTS_PER_WORKER = 5, 4

# Called as each class is rendered: the class, its sheets, the sheets of the whole batch.
Progress = Callable[[SchoolClass, int, int], None]


def monday_of(day: dt.date) -> dt.date:
    """The Monday of the day's week."""
    return day - dt.timedelta(days=day.weekday())


def average_text(value: Fraction | None) -> str:
    """The average on a sheet; a dash where there is none."""
    return format_average(value, empty="—")


@lru_cache(maxsize=8192)
def inline_markdown(text: str) -> Markup:
    """Teacher-entered Markdown for a table cell: a single paragraph loses its <p>."""
    html = str(markdown(text or ""))
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return Markup(html[3:-4])
    return Markup(html)


def template_globals() -> dict:
    """What week.html uses besides the sheets: cell Markdown, the codes, weekday names."""
    return {"markdown": inline_markdown, "codes": rules.ATTENDANCE_CODES,
            "weekday_short": [w.capitalize() for w in WEEKDAY_SHORT],
            "absence_codes": ABSENCE_CODES}


# -- the weekly sheet ---------------------------------------------------------------------

@dataclass
class Row:
    """A lesson as a weekly sheet shows it: its marks with work types and the attendance."""

    lesson: Lesson
    marks: list[tuple[str, WorkType | None]]
    attendance: str | None


@dataclass
class Day:
    """A day of the week with the pupil's lessons."""

    date: dt.date
    rows: list[Row]

    @property
    def title(self) -> str:
        return f"{WEEKDAY_NAMES[self.date.weekday()]}, {self.date:%d.%m}"


@dataclass
class SubjectLine:
    """A subject's marks in the current period so far and their weighted average (rule 7)."""

    name: str
    marks: list[str]
    average: str
    period_mark: str = ""


@dataclass
class Sheet:
    """Everything one pupil's weekly sheet shows."""

    school: str
    student: Student
    school_class: SchoolClass
    monday: dt.date
    days: list[Day]
    comments: list[tuple[Lesson, str, str]]  # lesson, author's short name, text
    period: Period | None
    subjects: list[SubjectLine]
    news: list[News]
    qr: Markup | None = None
    off: str = ""  # why the week has no day to show («осенние каникулы»)

    @property
    def last_day(self) -> dt.date:
        """The week's Saturday, or its Sunday when a lesson is stored on it."""
        return max([self.monday + dt.timedelta(days=5)] + [day.date for day in self.days])

    @property
    def rows(self) -> list[Row]:
        return [row for day in self.days for row in day.rows]

    @property
    def marks_count(self) -> int:
        return sum(len(row.marks) for row in self.rows)

    @property
    def codes(self) -> list[str]:
        return [row.attendance for row in self.rows if row.attendance]

    @property
    def work_types(self) -> list[WorkType]:
        """The work types of the week's marks that have a short name, for the legend."""
        found = {wt.id: wt for row in self.rows for _, wt in row.marks if wt and wt.short_name}
        return sorted(found.values(), key=lambda wt: wt.short_name)

    @property
    def period_title(self) -> str:
        """«Отметки за 2-ю четверть (с 05.11 по 20.11.2026)»: the period so far."""
        p = self.period
        return (f"Отметки за {p.accusative} (с {p.start:%d.%m} по "
                f"{min(p.end, self.last_day):%d.%m.%Y})")

    @property
    def footer(self) -> str:
        return (f"{self.student.full_name}, {self.school_class.name} · выписка за неделю "
                f"{self.monday:%d.%m}–{self.last_day:%d.%m.%Y}")


def period_for_week(school_class: SchoolClass, monday: dt.date) -> Period | None:
    """The period whose marks the sheet sums up: the latest begun by the week's end."""
    sunday = monday + dt.timedelta(days=6)
    begun = [p for p in school_class.periods() if p.start <= sunday]
    return begun[-1] if begun else None


def paper_sheet_ids(student_ids: list[int]) -> set[int]:
    """The pupils with at least one guardian who asked for a paper sheet (rule 9)."""
    link = StudentGuardian
    rows = (link.select(link.student).join(Guardian)
            .where(link.student.in_(student_ids) & (Guardian.wants_paper_sheet == True))  # noqa: E712
            .tuples())
    return {sid for (sid,) in rows}


def diary_qr_codes(student_ids: list[int]) -> dict[int, Markup]:
    """QR codes of the pupils' online diaries, for those who have one (and a site address)."""
    base_url = SchoolSettings.current().diary_base_url.strip()
    if not base_url or not student_ids:
        return {}
    accesses = DiaryAccess.select().where(DiaryAccess.student.in_(student_ids))
    return {a.student_id: qr_svg(a.url(base_url)) for a in accesses}


class WeekReader:
    """What the weekly sheets of one class show, read in a fixed number of queries."""

    def __init__(self, school_class: SchoolClass, monday: dt.date):
        self.school_class, self.monday = school_class, monday_of(monday)
        self.sunday = self.monday + dt.timedelta(days=6)
        self.period = period_for_week(school_class, self.monday)
        self.start = min(self.monday, self.period.start) if self.period else self.monday
        self.school = SchoolSettings.current().name

    def sheets(self, paper_only: bool = False, qr: bool = False) -> list[Sheet]:
        """A sheet for each pupil of the class that week (only paper ones if asked)."""
        week = [self.monday + dt.timedelta(days=i) for i in range(7)]
        pupils = [p for p in class_pupils(self.school_class, self.sunday)
                  if any(p.in_journal_on(d, self.school_class.id) for d in week)]
        if paper_only:
            wanted = paper_sheet_ids([p.student.id for p in pupils])
            pupils = [p for p in pupils if p.student.id in wanted]
        if not pupils:
            return []
        ids = [p.student.id for p in pupils]
        self._read_lessons(ids)
        self._read_class()
        self.qr = diary_qr_codes(ids) if qr else {}
        return [self._sheet(p) for p in pupils]

    def _read_lessons(self, ids: list[int]) -> None:
        """The class's lessons from the period's start, with the pupils' marks and more."""
        self.lessons = list(
            Lesson.select(Lesson, Subject).join(Subject)
            .where((Lesson.school_class == self.school_class)
                   & Lesson.date.between(self.start, self.sunday))
            .order_by(Lesson.date, Lesson.number, Subject.sort_order, Lesson.id))
        lesson_ids = [x.id for x in self.lessons]
        week_ids = [x.id for x in self.lessons if x.date >= self.monday]
        self.marks: dict[tuple[int, int], list] = defaultdict(list)
        for lesson_id, sid, value, wt in (
                Mark.select(Mark.lesson, Mark.student, Mark.value, Mark.work_type)
                .where(Mark.lesson.in_(lesson_ids) & Mark.student.in_(ids))
                .order_by(Mark.id).tuples()):
            self.marks[lesson_id, sid].append((value, wt))
        self.attendance = {(lesson_id, sid): code for lesson_id, sid, code in (
            Attendance.select(Attendance.lesson, Attendance.student, Attendance.code)
            .where(Attendance.lesson.in_(week_ids) & Attendance.student.in_(ids)).tuples())}
        self.comments: dict[tuple[int, int], list] = defaultdict(list)
        for c in (TeacherComment.select(TeacherComment, Staff).join(Staff)
                  .where(TeacherComment.lesson.in_(week_ids) & TeacherComment.student.in_(ids))
                  .order_by(TeacherComment.id)):
            self.comments[c.lesson_id, c.student_id].append((c.author.short_name, c.text))
        self.groups: dict[tuple[int, int], list] = defaultdict(list)
        for group_id, sid, start, end in (SubgroupMember.select(
                SubgroupMember.subgroup, SubgroupMember.student, SubgroupMember.start,
                SubgroupMember.end).where(SubgroupMember.student.in_(ids)).tuples()):
            self.groups[group_id, sid].append((start, end))

    def _read_class(self) -> None:
        """Work types, period marks, the calendar and news: the same for every pupil."""
        self.work_types = {wt.id: wt for wt in WorkType.select()}
        pm = PeriodMark
        self.period_marks = {} if self.period is None else {
            (sid, subject): value for sid, subject, value in (
                pm.select(pm.student, pm.subject, pm.value)
                .where((pm.school_class == self.school_class) & (pm.kind == "period")
                       & (pm.period == self.period)).tuples())}
        self.calendar = SchoolCalendar.of(self.school_class.year_id)
        self.news = week_news(self.school_class, self.monday)

    def _sees(self, pupil: Pupil, lesson: Lesson) -> bool:
        """Rule 8: the lesson is in the pupil's journal (class and subgroup on its date)."""
        if not pupil.in_journal_on(lesson.date, self.school_class.id):
            return False
        return lesson.subgroup_id is None or any(
            (s is None or s <= lesson.date) and (e is None or e >= lesson.date)
            for s, e in self.groups.get((lesson.subgroup_id, pupil.student.id), []))

    def _sheet(self, pupil: Pupil) -> Sheet:
        sid = pupil.student.id
        seen = [x for x in self.lessons if self._sees(pupil, x)]
        week = [x for x in seen if x.date >= self.monday]
        comments = [(x, author, text) for x in week
                    for author, text in self.comments.get((x.id, sid), [])]
        days = self._days(sid, week)
        off = "" if days else week_off(self.calendar, self.monday, self.school_class.grade)
        return Sheet(self.school, pupil.student, self.school_class, self.monday, days,
                     comments, self.period, self._subjects(sid, seen), self.news,
                     self.qr.get(sid), off)

    def _work_type(self, mark_type: int | None, lesson: Lesson) -> WorkType | None:
        """The mark's own work type, else its lesson's."""
        return self.work_types.get(mark_type or lesson.work_type_id)

    def _days(self, sid: int, week: list[Lesson]) -> list[Day]:
        """The days the diary's week shows too (SchoolCalendar.week_days): every school day
        of the class's grade and any day with a lesson of the pupil's."""
        rows: dict[dt.date, list[Row]] = defaultdict(list)
        for lesson in week:
            marks = [(v, self._work_type(wt, lesson))
                     for v, wt in self.marks.get((lesson.id, sid), [])]
            rows[lesson.date].append(Row(lesson, marks, self.attendance.get((lesson.id, sid))))
        days = self.calendar.week_days(self.monday, self.school_class.grade, rows)
        return [Day(d, rows.get(d, [])) for d in days]

    def _subjects(self, sid: int, seen: list[Lesson]) -> list[SubjectLine]:
        """Each subject of the period so far with the pupil's marks and weighted average."""
        if self.period is None:
            return []
        start, end = self.period.start, min(self.period.end, self.sunday)
        subjects = {x.subject_id: x.subject for x in seen if start <= x.date <= end}
        marks: dict[int, list[tuple[str, float]]] = defaultdict(list)
        for lesson in self.lessons:
            if start <= lesson.date <= end:
                for value, wt in self.marks.get((lesson.id, sid), []):
                    subjects.setdefault(lesson.subject_id, lesson.subject)
                    work_type = self._work_type(wt, lesson)
                    weight = work_type.weight if work_type else 1.0
                    marks[lesson.subject_id].append((value, weight))
        ordered = sorted(subjects.values(), key=lambda s: (s.sort_order, s.name))
        return [SubjectLine(s.name, [v for v, _ in marks[s.id]],
                            average_text(rules.weighted_average(marks[s.id])),
                            self.period_marks.get((sid, s.id), "")) for s in ordered]


def week_news(school_class: SchoolClass, monday: dt.date) -> list[News]:
    """News for the school or the class published during the week on the school's clock
    (publication times are stored in UTC), oldest first, each with its `published_local`."""
    settings = SchoolSettings.current()
    start = settings.stored_time(dt.datetime.combine(monday, dt.time()))
    end = settings.stored_time(dt.datetime.combine(monday + dt.timedelta(days=7), dt.time()))
    news = list(News.select().where(
        (News.is_published == True)  # noqa: E712
        & (News.school_class.is_null() | (News.school_class == school_class))
        & (News.published_at >= start) & (News.published_at < end))
        .order_by(News.published_at, News.id))
    for item in news:
        item.published_local = settings.local_time(item.published_at)
    return news


def week_classes(school_class: SchoolClass | None, monday: dt.date) -> list[SchoolClass]:
    """The class, or (None) every class of the academic year of the week, in order."""
    if school_class is not None:
        return [school_class]
    # Imported here: credentials imports the slips from this package.
    from ..credentials import current_year

    year = current_year(monday_of(monday))
    return list(SchoolClass.select().where(SchoolClass.year == year)
                .order_by(SchoolClass.grade, SchoolClass.letter))


def class_sheets(school_class: SchoolClass | None, monday: dt.date, paper_only: bool = False,
                 qr: bool = False) -> Iterator[tuple[SchoolClass, list[Sheet]]]:
    """Each class with its pupils' weekly sheets, read one class at a time."""
    for c in week_classes(school_class, monday):
        yield c, WeekReader(c, monday).sheets(paper_only, qr)


def sheets_html(sheets: list[Sheet], monday: dt.date, for_pdf: bool = False) -> str:
    """Weekly sheets as one HTML document, each sheet starting a new page."""
    return render_html("week.html", for_pdf, **template_globals(), sheets=sheets,
                       monday=monday_of(monday),
                       saturday=monday_of(monday) + dt.timedelta(days=5),
                       printed=SchoolSettings.current().today())


@dataclass
class Printout:
    """A rendered batch: the file's bytes, how many sheets and pages (None for HTML)."""

    data: bytes
    sheets: int
    pages: int | None


def no_sheets_text(paper_only: bool) -> str:
    """Why a batch of weekly sheets is empty."""
    if paper_only:
        return ("Ни один родитель учеников этого выбора не просил бумажную выписку "
                "(отметка «бумажная выписка» в карточке родителя).")
    return "В выбранных классах на этой неделе нет учеников."


def split_batches(batches: list[tuple[SchoolClass, list[Sheet]]],
                  workers: int) -> list[tuple[SchoolClass, list[Sheet]]]:
    """Parts of at most a few sheets each, so that the worker processes share the work."""
    total = sum(len(sheets) for _, sheets in batches)
    size = max(PART_SHEETS, -(-total // (workers * PARTS_PER_WORKER)))
    return [(c, sheets[i:i + size]) for c, sheets in batches
            for i in range(0, len(sheets), size)]


def week_printout(school_class: SchoolClass | None, monday: dt.date, paper_only: bool = False,
                  qr: bool | None = None, progress: Progress | None = None,
                  as_html: bool = False) -> Printout:
    """Weekly sheets of a class (None: the whole school) as a PDF or HTML document; `qr`
    (the diary's QR code on each sheet) defaults to the school setting."""
    if qr is None:
        qr = SchoolSettings.current().sheet_qr
    batches = [b for b in class_sheets(school_class, monday, paper_only, qr) if b[1]]
    count = sum(len(sheets) for _, sheets in batches)
    if as_html:
        sheets = [s for _, batch in batches for s in batch]
        html = sheets_html(sheets, monday) if sheets else notice_html(
            "Выписок нет", no_sheets_text(paper_only))
        return Printout(html.encode("utf-8"), count, None)
    if not count:
        notice = notice_html("Выписок нет", no_sheets_text(paper_only), for_pdf=True)
        return Printout(render_pdf([notice])[0], 0, 1)
    workers = worker_count(count)
    parts = split_batches(batches, workers)
    documents = (sheets_html(sheets, monday, for_pdf=True) for _, sheets in parts)
    data, pages = render_parts(documents, len(parts), workers,
                               _class_done(parts, count, progress))
    return Printout(data, count, pages)


def _class_done(parts: list[tuple[SchoolClass, list[Sheet]]], total: int,
                progress: Progress | None) -> Callable[[int], None] | None:
    """A callback for render_parts that reports each class once its last part is rendered."""
    if progress is None:
        return None
    last = {c.id: i for i, (c, _) in enumerate(parts)}
    sizes: dict[int, int] = defaultdict(int)
    for c, sheets in parts:
        sizes[c.id] += len(sheets)

    def done(i: int) -> None:
        c = parts[i][0]
        if last[c.id] == i:
            progress(c, sizes[c.id], total)
    return done


def week_sheets_html(school_class: SchoolClass | None, monday: dt.date,
                     paper_only: bool = False, qr: bool | None = None) -> str:
    """Weekly sheets of a class (None: the whole school) as one printable HTML document."""
    return week_printout(school_class, monday, paper_only, qr, as_html=True).data.decode("utf-8")


def week_sheets_pdf(school_class: SchoolClass | None, monday: dt.date,
                    paper_only: bool = False, qr: bool | None = None) -> bytes:
    """Weekly sheets of a class (None: the whole school) as a PDF, one pupil per sheet."""
    return week_printout(school_class, monday, paper_only, qr).data
