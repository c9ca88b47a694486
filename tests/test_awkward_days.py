"""The date-sensitive pages on awkward days (issue 12.1): a Monday, a Saturday, a Sunday,
the day after a holiday, 1 September, 31 December, a quarter's last day and 31 August, in
the real 2026/2027 calendar (tests/conftest.py AWKWARD_DAYS).

On each day the journal holds lessons on the school days of the week of the last school
day up to today, and on the school day before that week: the grid, «Мой класс», the
weekly sheet and the diary must show those lessons in the right period and week, whatever
the weekday or vacation "today" falls on.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest

import models.diary as diary_model
from admin.journal import day_label
from models import Attendance, Lesson, Mark, SchoolSettings, TimetableSlot
from models.today import day_lessons
from site_builder.build import build
from site_builder.pages import week_page
from site_builder.printing import monday_of
from tests.outputs import CONTENT, FAST_ITERATIONS, open_page, pages_of

DAY = dt.timedelta(days=1)
VALUES = ("5", "4", "3")


@dataclass
class Recorded:
    """What the journal holds: lessons by day, the pupil's mark in each, the last school
    day up to today and the Monday of its week (the week the pages should show)."""

    lessons: dict[dt.date, Lesson]
    marks: dict[dt.date, str]
    last_day: dt.date
    monday: dt.date

    def week(self) -> list[dt.date]:
        """The lesson days in the week of the last school day."""
        return [d for d in self.lessons if self.monday <= d < self.monday + 7 * DAY]

    def earlier(self) -> list[dt.date]:
        return [d for d in self.lessons if d < self.monday]


@pytest.fixture
def school(awkward_school):
    """The panel's fixtures (people, app, browser) over the school on each awkward day."""
    return awkward_school


@pytest.fixture
def recorded(school, awkward_today, monkeypatch) -> Recorded:
    """A maths lesson in 5А on each school day of the last school week up to today and on
    the school day before that week: Иванов's mark and Сидоров's absence in each. Grade 5
    runs a six-day week, grade 1 five days (the issue's rural school). Each lesson is
    written on its own day, so a period locked by today still takes it."""
    SchoolSettings.update(six_day_grades="2-11").execute()
    ivanov, _, sidorov = school.pupils5
    last = school.school_day()
    monday = monday_of(last)
    days = school.school_days(monday, last)
    before = school.school_days(school.year.start, monday - DAY)
    days = before[-1:] + days
    lessons, marks = {}, {}
    for i, day in enumerate(days):
        monkeypatch.setenv("JOURNAL_TODAY", day.isoformat())
        lesson = school.lesson(day=day, number=1, topic=f"Тема {day:%d.%m.%Y}",
                               homework=f"Задание {i + 1}")
        Mark.create(lesson=lesson, student=ivanov, value=VALUES[i % 3])
        Attendance.create(lesson=lesson, student=sidorov, code="Н")
        lessons[day], marks[day] = lesson, VALUES[i % 3]
    monkeypatch.setenv("JOURNAL_TODAY", school.today.isoformat())
    today = awkward_today
    # The premise, so that a failure in a test is the page's, not the setup's.
    assert today == school.today and last <= today and last in lessons
    assert today - last < (100 * DAY if today.month in (6, 7, 8) else 15 * DAY)
    assert today != dt.date(2026, 9, 1) or list(lessons) == [today]
    return Recorded(lessons, marks, last, monday)


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def check_grid(school, recorded, browser) -> None:
    """The grid opens on the period holding today, or the last begun, with its lessons."""
    html = html_of(browser.get(f"/journal/grid?class_id={school.c5.id}"
                               f"&subject_id={school.math.id}"))
    period = school.period
    assert re.search(rf'<option value="{period.id}" selected>', html), str(period)
    assert len(re.findall(r'<option value="\d+" selected>', html)) == 1
    columns = re.findall(r'class="lesson-head[^"]*" data-lesson-id="\d+"\s+data-date="([\d-]+)"',
                         html)
    assert columns == [d.isoformat() for d in recorded.lessons
                       if period.start <= d <= period.end]
    assert recorded.last_day.isoformat() in columns


def check_my_class(school, recorded, browser) -> None:
    """«Мой класс» opens on the week of the last school day with its absences; the day view
    for today and for the last school day: the day's lessons and absences; both with the
    marks of the period holding the day or the last begun (not the year's first)."""
    period = school.period
    marks = f"Отметки за период: {period} ({period.start:%d.%m}–{period.end:%d.%m})"
    url = f"/my-class/?class_id={school.c5.id}"
    sidorov = school.pupils5[2]
    week = html_of(browser.get(url))
    assert f"Посещаемость за неделю {recorded.monday:%d.%m}–" in week and marks in week
    for day in recorded.week():
        assert f'data-lesson="{recorded.lessons[day].id}" data-student="{sidorov.id}" ' \
               'data-seen="Н"' in week, day
    for day in (school.today, recorded.last_day):
        html = html_of(browser.get(f"{url}&day={day}"))
        assert f"Посещаемость {day:%d.%m.%Y}" in html, day
        assert marks in html, day
        lesson = recorded.lessons.get(day)
        if lesson is None:
            assert "В этот день уроков у класса не записано." in html, day
        else:
            assert f'data-lesson="{lesson.id}" data-student="{sidorov.id}" data-seen="Н"' \
                in html, day


def check_weekly_sheet(school, recorded, browser) -> None:
    """The printing page offers the week of the last school day (today's week, or in a
    vacation the last week with lessons), and its sheet holds that week's lessons and
    marks, not the week's before."""
    html = html_of(browser.get("/print/"))
    offered = dt.date.fromisoformat(re.search(r'id="week" value="([\d-]+)"', html).group(1))
    assert offered == recorded.monday
    response = browser.get(f"/print/week?class_id={school.c5.id}&week={offered}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    ivanov = school.pupils5[0]
    [sheet] = [p for p in pages_of(response.data) if ivanov.full_name in p]
    assert f"Неделя с {recorded.monday:%d.%m.%Y}" in sheet
    for day in recorded.week():
        assert f"Тема {day:%d.%m.%Y}" in sheet, day
    for day in recorded.earlier():
        assert f"Тема {day:%d.%m.%Y}" not in sheet, day
    week_marks = [recorded.marks[d] for d in recorded.week()]
    found = re.findall(r"Тема \d\d\.\d\d\.\d{4}\s+(?:Задание \d+\s+)?([2-5])\b", sheet)
    assert found == week_marks, sheet


def test_the_grid_my_class_and_the_weekly_sheet_on_the_day(school, recorded, people,
                                                            browser):
    """The three panel pages under one login a day (a login's password hash is slow)."""
    browser.login(people.teacher.login)
    check_grid(school, recorded, browser)
    check_my_class(school, recorded, browser)
    check_weekly_sheet(school, recorded, browser)
    check_today(school, browser)


def check_today(school, browser) -> None:
    """«Сегодня» opens on the day and says what it is: the maths lesson of a school day
    (recorded, or to begin), the reason on a day off, nothing on a Sunday."""
    for weekday in range(1, 7):
        TimetableSlot.create(school_class=school.c5, subject=school.math, number=1,
                             teacher=school.teacher, weekday=weekday, valid_from=school.start)
    html = browser.get("/").get_data(as_text=True)
    today = school.today
    assert f"Сегодня, {day_label(today)}" in html
    lines = day_lessons(school.teacher, today)
    if today.isoweekday() == 7:
        assert lines == [] and "сегодня у вас уроков нет" in html
    for line in lines:
        if line.day_off:
            assert f"нет уроков: {line.day_off}" in html and "Начать урок" not in html
        else:
            assert ("Открыть урок" if line.lesson else "Начать урок") in html


def test_the_diary_index_is_the_current_week_and_the_week_pages_hold_the_lessons(
        school, recorded, awkward_today, tmp_path, monkeypatch):
    monkeypatch.setattr(diary_model, "ITERATIONS", FAST_ITERATIONS)
    ivanov = school.pupils5[0]
    access, password = diary_model.issue(ivanov)
    today = awkward_today
    assert today == school.today
    build(tmp_path / "output", CONTENT, today)
    folder = tmp_path / "output" / "site" / "d" / access.token
    current = open_page(folder / week_page(monday_of(today)), password)
    assert open_page(folder / "index.html", password) == current
    assert not (folder / week_page(monday_of(today) + 7 * DAY)).exists()
    week = open_page(folder / week_page(recorded.monday), password)
    for day in recorded.week():
        assert f"Тема {day:%d.%m.%Y}" in week, day
    for day in recorded.earlier():
        assert f"Тема {day:%d.%m.%Y}" not in week, day
        assert f"Тема {day:%d.%m.%Y}" in open_page(folder / week_page(monday_of(day)),
                                                   password)
    marks = re.findall(r'class="d-mark"[^>]*>([^<]+)<', week)
    assert sorted(marks) == sorted(recorded.marks[d] for d in recorded.week())
