"""A pupil's diary pages as HTML bodies (the plaintext that site_builder.crypto encrypts).

Teacher-entered Markdown (topics, homework, news) is rendered and then sanitised with
nh3; everything else is escaped by Jinja's autoescape.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import markdown as md
import nh3
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from models import Period, SchoolClass
from models.calendar import WEEKDAYS, SchoolCalendar
from models.rules import ATTENDANCE_CODES, LOW_MARKS, format_average, is_low_mark

from .diary import Diary

TEMPLATES = Path(__file__).with_name("templates") / "diary"
WEEKDAY_NAMES = [w.capitalize() for w in WEEKDAYS]
WEEKDAY_SHORT = ["пн", "вт", "ср", "чт", "пт", "сб", "вс"]
ALLOWED_TAGS = {"p", "br", "b", "strong", "i", "em", "u", "s", "ul", "ol", "li", "a", "code",
                "pre", "blockquote", "h3", "h4", "table", "thead", "tbody", "tr", "th", "td"}


_converters = threading.local()  # a Markdown instance is reusable (reset), not thread-safe


@lru_cache(maxsize=4096)
def markdown(text: str) -> Markup:
    """Teacher-entered Markdown as safe HTML: no scripts, no styles, links only http(s)."""
    converter = getattr(_converters, "markdown", None)
    if converter is None:  # building one (its extensions, patterns) costs more than a page
        converter = _converters.markdown = md.Markdown(extensions=["tables", "sane_lists"])
    html = converter.reset().convert(text or "")
    return Markup(nh3.clean(html, tags=ALLOWED_TAGS, url_schemes={"http", "https", "mailto"},
                            link_rel="noopener noreferrer nofollow"))


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(markdown=markdown, weekday_names=WEEKDAY_NAMES, weekday_short=WEEKDAY_SHORT,
                       codes=ATTENDANCE_CODES,
                       delta=dt.timedelta, is_low=is_low_mark, low_marks=sorted(LOW_MARKS))
    return env


def templates_version() -> str:
    """Changes when any diary template changes: then every page must be rebuilt."""
    digest = hashlib.sha256()
    for path in sorted(TEMPLATES.glob("*.html")) + [Path(__file__)]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def school_weeks(first: dt.date, today: dt.date) -> list[dt.date]:
    """Mondays of every week from the first school day to today's week."""
    monday = first - dt.timedelta(days=first.weekday())
    last = today - dt.timedelta(days=today.weekday())
    return [monday + dt.timedelta(weeks=i) for i in range((last - monday).days // 7 + 1)]


def week_off(calendar: SchoolCalendar, monday: dt.date, grade: int) -> str:
    """Why the week's weekdays are no school days («осенние каникулы»): what a week without
    a day to show says instead."""
    days = (monday + dt.timedelta(days=d) for d in range(5))
    return ", ".join(dict.fromkeys(filter(None, (calendar.day_off(d, grade) for d in days))))


def week_page(monday: dt.date) -> str:
    """A week's page in the pupil's folder; all of a diary's pages are side by side."""
    return f"week-{monday.isoformat()}.html"


class DiaryPages:
    """Renders every page of one pupil's diary: {file name in /d/<token>/: body HTML}.

    index.html (the current week), week-YYYY-MM-DD.html, marks.html, timetable.html and
    news.html, all in one folder: a file per page and no more folders than one per pupil.

    What pupils see alike (a lesson's subject, topic and homework; the whole lesson for
    pupils with the same marks, absence and comments in it, or none; the days a week shows
    and their titles; the week navigation) is rendered once a build and reused: most of the
    markup.
    """

    def __init__(self, env: Environment, first_day: dt.date, today: dt.date):
        self.env, self.first_day, self.today = env, first_day, today
        self._templates = {name: env.get_template(f"{name}.html")
                           for name in ("week", "marks", "timetable", "news", "_nav")}
        self._parts = env.get_template("_parts.html").module
        self._lessons: dict[tuple, tuple[Markup, Markup]] = {}
        self._entries: dict[tuple | int, Markup] = {}  # a lesson as a pupil sees it
        self._places: dict[tuple, tuple] = {}  # (lesson, class) -> (period index, subject)
        self.weeks = weeks = school_weeks(first_day, today)
        self._weeks_nav = self._parts.weeks_nav(weeks)
        self._legend = self._parts.legend()
        self._calendars: dict[int, SchoolCalendar] = {}
        self._day_titles: dict[dt.date, Markup] = {}
        # (year, grade, Monday, the pupil's lesson days that week) -> (titled days, why none)
        self._week_days: dict[tuple, tuple[list[tuple[dt.date, Markup]], str]] = {}
        self._week_heads = {
            monday: self._parts.week_head(monday, weeks[i - 1] if i else None,
                                          weeks[i + 1] if i + 1 < len(weeks) else None)
            for i, monday in enumerate(weeks)}

    def entry(self, entry, due: dt.date | None = None) -> Markup:
        """One lesson of a pupil's week (pupils with the same marks in it share the markup);
        `due`: the day its homework is due."""
        if entry.marks or entry.attendance or entry.comments:
            key = (entry.lesson.id, due, entry.attendance, tuple(entry.marks),
                   tuple(entry.comments))
        else:
            key = (entry.lesson.id, due)
        html = self._entries.get(key)
        if html is None:
            html = self._entries[key] = self._parts.entry(entry, *self._lesson(entry.lesson,
                                                                               due))
        return html

    def _lesson(self, lesson, due: dt.date | None) -> tuple[Markup, Markup]:
        key = (lesson.id, due)
        parts = self._lessons.get(key)
        if parts is None:
            parts = self._lessons[key] = (self._parts.head(lesson),
                                          self._parts.body(lesson, due))
        return parts

    def _days(self, school_class: SchoolClass, monday: dt.date,
              lesson_days: tuple[dt.date, ...]) -> tuple[list[tuple[dt.date, Markup]], str]:
        """The days a week's page shows, titled, as the calendar has them for the class's
        grade (SchoolCalendar.week_days), and why there are none when so."""
        key = (school_class.year_id, school_class.grade, monday, lesson_days)
        shown = self._week_days.get(key)
        if shown is None:
            calendar = self._calendars.get(school_class.year_id)
            if calendar is None:
                calendar = self._calendars[school_class.year_id] = SchoolCalendar.of(
                    school_class.year_id)
            days = calendar.week_days(monday, school_class.grade, lesson_days)
            shown = self._week_days[key] = (
                [(day, self._title(day)) for day in days],
                "" if days else week_off(calendar, monday, school_class.grade))
        return shown

    def _title(self, day: dt.date) -> Markup:
        title = self._day_titles.get(day)
        if title is None:
            title = self._day_titles[day] = self._parts.day_title(day)
        return title

    def render(self, diary: Diary, periods: list[Period]) -> dict[str, str]:
        by_day: dict[dt.date, list] = defaultdict(list)
        for entry in diary.entries:
            by_day[entry.lesson.date].append(self.entry(entry, diary.due_of.get(entry.lesson.id)))
        lessons = {day: Markup("".join(entries)) for day, entries in by_day.items()}
        by_week: dict[dt.date, list[dt.date]] = defaultdict(list)
        for day in lessons:  # in date order, as the entries are
            by_week[day - dt.timedelta(days=day.weekday())].append(day)
        nav = Markup(self._templates["_nav"].render(diary=diary))
        pages = {}
        for monday in self.weeks:
            days, off = self._days(diary.school_class, monday, tuple(by_week.get(monday, ())))
            html = self._templates["week"].render(
                nav=nav, days=[(title, lessons.get(day), self._planned(day, diary.planned),
                                self._due(diary.due.get(day, ()))) for day, title in days],
                off=off, week_head=self._week_heads[monday], weeks_nav=self._weeks_nav,
                legend=self._legend)
            pages[week_page(monday)] = html
        # The current week, the diary's first page: one body, encrypted for each name
        # (a page is bound to its path).
        pages["index.html"] = html
        pages["marks.html"] = self._page("marks", diary, nav, legend=self._legend,
                                         periods=self._periods(diary, periods),
                                         all_periods=periods)
        days_slots = defaultdict(list)
        for slot in diary.timetable:
            days_slots[WEEKDAY_NAMES[slot.weekday - 1]].append(slot)
        pages["timetable.html"] = self._page("timetable", diary, nav,
                                             days=list(days_slots.items()))
        pages["news.html"] = self._page("news", diary, nav)
        return pages

    def _planned(self, day: dt.date, planned: dict) -> Markup | None:
        """A day's lessons «по расписанию» (the current week's days not yet recorded)."""
        lessons = planned.get(day)
        if not lessons:
            return None
        key = (day, tuple(lessons))
        html = self._entries.get(key)
        if html is None:
            html = self._entries[key] = self._parts.planned(lessons)
        return html

    def _due(self, due) -> Markup | None:
        """The homework due on a day, with the day each was set (shared by the pupils who
        have the same lessons)."""
        if not due:
            return None
        key = ("due", *(d.lesson.id for d in due))
        html = self._entries.get(key)
        if html is None:
            html = self._entries[key] = self._parts.due(due)
        return html

    def _page(self, name: str, diary: Diary, nav: Markup, **context) -> str:
        return self._templates[name].render(diary=diary, nav=nav, **context)

    def _periods(self, diary: Diary, periods: list[Period]) -> list:
        """Each period begun so far, the latest first: per subject its marks, weighted
        average (rule 7, from the journal's reader) and period mark, in one pass over the
        pupil's lessons."""
        begun = [p for p in periods if p.start <= self.today]
        subjects: list[dict[str, int]] = [{} for _ in begun]  # name -> subject id
        marks: list[dict[str, list[str]]] = [defaultdict(list) for _ in begun]
        for entry in diary.entries:
            # Keyed by the pupil's class too: a lesson of a class a pupil left counts in
            # the periods of the pupil's class now.
            key = (entry.lesson.id, diary.school_class.id)
            place = self._places.get(key)
            if place is None:
                lesson = entry.lesson
                index = next((i for i, p in enumerate(begun)
                              if p.start <= lesson.date <= p.end), None)
                place = self._places[key] = (index, lesson.subject_name, lesson.subject_id)
            index, name, subject_id = place
            if index is None:
                continue
            subjects[index][name] = subject_id
            if entry.marks:
                marks[index][name].extend(v for v, _ in entry.marks)
        # The current period (the last begun) first: what a parent looks for (issue 15.1).
        return [(period, [{"subject": name, "marks": marks[i][name],
                           "average": format_average(diary.averages.get(
                               (period.id, subjects[i][name]))),
                           "period_mark": diary.period_marks.get(
                               (subjects[i][name], period.id, "period"), "")}
                          for name in sorted(subjects[i])])
                for i, period in reversed(list(enumerate(begun)))]
