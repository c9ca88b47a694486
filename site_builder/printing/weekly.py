"""The weekly sheet for parents (rule 9): what it shows, read a class at a time, and the
batch of a class or the whole school as one PDF or HTML document.

The sheets hold personal data in clear: callers keep them out of the published site.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

from markupsafe import Markup

from models import (
    DiaryAccess,
    News,
    Period,
    SchoolClass,
    SchoolSettings,
    Student,
    rules,
)
from models.calendar import WEEKDAY_SHORT, WEEKDAYS, SchoolCalendar, period_of
from models.classes import Membership
from models.final_marks import EndMarks
from models.paper import paper_pupil_ids as paper_sheet_ids
from models.record import ClassRecord, LessonRow, MarkRow
from models.rules import format_average

from ..pages import markdown, week_off
from .engine import notice_html, qr_svg, render_html, render_pdf, worker_count
from .fitting import SIZE, SIZES, FitPart, render_fitted

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

    lesson: LessonRow
    marks: list[MarkRow]
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
    comments: list[tuple[LessonRow, str, str]]  # lesson, author's short name, text
    period: Period | None
    subjects: list[SubjectLine]
    news: list[News]
    qr: Markup | None = None
    off: str = ""  # why the week has no day to show («осенние каникулы»)
    paper: bool = False  # a guardian asked for paper: the sheet has a return strip
    # In the year's last period: (subject, marks) with a year, exam or final mark given.
    year_marks: list[tuple[str, EndMarks]] = field(default_factory=list)

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
    def work_types(self) -> list[tuple[str, str]]:
        """(short name, name) of the week's marks' work types that have a short name, for
        the legend."""
        return sorted({(m.short, m.work_type) for row in self.rows for m in row.marks
                       if m.short})

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


def diary_qr_codes(student_ids: list[int]) -> dict[int, Markup]:
    """QR codes of the pupils' online diaries, for those who have one (and a site address)."""
    base_url = SchoolSettings.current().diary_base_url.strip()
    if not base_url or not student_ids:
        return {}
    accesses = DiaryAccess.select().where(DiaryAccess.student.in_(student_ids))
    return {a.student_id: qr_svg(a.url(base_url)) for a in accesses}


class WeekReader:
    """What the weekly sheets of one class show, read through the journal's one reader
    (models.record) in a fixed number of queries."""

    def __init__(self, school_class: SchoolClass, monday: dt.date):
        self.school_class, self.monday = school_class, monday_of(monday)
        self.sunday = self.monday + dt.timedelta(days=6)
        # The period the sheet sums up: the current one at the week's end.
        self.period = period_of(school_class.periods(), self.sunday)
        self.start = min(self.monday, self.period.start) if self.period else self.monday
        self.school = SchoolSettings.current().name

    def sheets(self, paper_only: bool = False, qr: bool = False) -> list[Sheet]:
        """A sheet for each pupil of the class that week (only paper ones if asked)."""
        self.record = ClassRecord(self.school_class, self.start, self.sunday)
        pupils = self.record.belonging(None, self.monday, self.sunday)
        self.paper = paper_sheet_ids([p.student_id for p in pupils])
        if paper_only:
            pupils = [p for p in pupils if p.student_id in self.paper]
        if not pupils:
            return []
        ids = [p.student_id for p in pupils]
        self.rows = self.record.rows(ids)
        self.calendar = SchoolCalendar.of(self.school_class.year_id)
        self.news = week_news(self.school_class, self.monday)
        self.qr = diary_qr_codes(ids) if qr else {}
        return [self._sheet(p) for p in pupils]

    def _sheet(self, pupil: Membership) -> Sheet:
        sid = pupil.student_id
        seen = list(self.record.seen(sid))
        week = [x for x in seen if x.date >= self.monday]
        comments = [(x, author, text) for x in week
                    for author, text in self.rows.comments.get((x.id, sid), [])]
        days = self._days(sid, week)
        off = "" if days else week_off(self.calendar, self.monday, self.school_class.grade)
        sheet = Sheet(self.school, pupil.student, self.school_class, self.monday, days,
                      comments, self.period, self._subjects(sid, seen), self.news,
                      self.qr.get(sid), off, sid in self.paper)
        if self.period is not None and self.period.id == self.record.periods[-1].id:
            sheet.year_marks = self.record.given_end_marks(sid)
        return sheet

    def _days(self, sid: int, week: list[LessonRow]) -> list[Day]:
        """The days the diary's week shows too (SchoolCalendar.week_days): every school day
        of the class's grade and any day with a lesson of the pupil's."""
        rows: dict[dt.date, list[Row]] = defaultdict(list)
        for lesson in week:
            rows[lesson.date].append(Row(lesson, self.rows.marks.get((lesson.id, sid), []),
                                         self.rows.attendance.get((lesson.id, sid))))
        days = self.calendar.week_days(self.monday, self.school_class.grade, rows)
        return [Day(d, rows.get(d, [])) for d in days]

    def _subjects(self, sid: int, seen: list[LessonRow]) -> list[SubjectLine]:
        """Each subject of the period so far with the pupil's marks and weighted average."""
        if self.period is None:
            return []
        start, end = self.period.start, min(self.period.end, self.sunday)
        in_period = [x for x in seen if start <= x.date <= end]
        subjects = {x.subject_id: (x.subject_order, x.subject_name) for x in in_period}
        marks: dict[int, list[str]] = defaultdict(list)
        for lesson in in_period:
            marks[lesson.subject_id] += [m.value for m in self.rows.marks.get((lesson.id, sid), ())]
        averages = self.record.averages(sid, [(start, end)], self.rows, in_period)
        return [SubjectLine(name, marks[subject_id],
                            average_text(averages.get((0, subject_id))),
                            self.record.period_mark(sid, subject_id, self.period.id))
                for subject_id, (_order, name) in sorted(subjects.items(),
                                                         key=lambda item: item[1])]


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
    """Weekly sheets as one HTML document, each sheet starting a new page; for a browser in
    the smallest type size, for WeasyPrint with the size left to fitting.py."""
    size = SIZE if for_pdf else f"{SIZES[-1]:g}pt"
    return render_html("week.html", for_pdf, **template_globals(), sheets=sheets, size=size,
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
    """Weekly sheets of a class (None: the whole school) as a PDF or HTML document, each
    sheet in the largest type that keeps it on one page (fitting.py); `qr` (the diary's QR
    code on each sheet) defaults to the school setting."""
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
    documents = (FitPart.cut(sheets_html(sheets, monday, for_pdf=True)) for _, sheets in parts)
    data, pages = render_fitted(documents, len(parts), workers,
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
