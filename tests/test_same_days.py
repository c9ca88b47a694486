"""The grid, the diary's week page and the weekly sheet show the same days (issue 12.2):
every school day of the grade's week and any day with a lesson, as SchoolCalendar has them.

The week of Monday 02.11.2026 in the real 2026/2027 calendar (tests/school.py) holds the
autumn vacation (02–03.11), a public holiday (04.11), the first days of quarter 2 (05 and
06.11) and a Saturday made a working day by order (07.11).
"""
from __future__ import annotations

import datetime as dt
import re

import pytest

import models.diary as diary_model
from models import Attendance, Lesson, Mark, RuleError, SchoolSettings
from site_builder import printing
from site_builder.build import build
from site_builder.pages import week_page
from tests.outputs import CONTENT, FAST_ITERATIONS, open_page, pages_of, sheet_of
from tests.pages import grid_cells
from tests.school import WORKING_SATURDAY

MONDAY = dt.date(2026, 11, 2)
SUNDAY = dt.date(2026, 11, 8)
SCHOOL_DAYS = [dt.date(2026, 11, 5), dt.date(2026, 11, 6), WORKING_SATURDAY]
# What Иванов has in each lesson: a mark, an absence, a mark.
GIVEN = {SCHOOL_DAYS[0]: "5", SCHOOL_DAYS[1]: "Н", SCHOOL_DAYS[2]: "4"}
_DAY_TITLE = re.compile(r"<h2>\w+, (\d\d\.\d\d)</h2>")
_SUMMARY = re.compile(r"^(?:Отметок за неделю|За неделю)", re.M)  # the sheet's under its table
_SHEET_DAY = re.compile(r"^(?:Пн|Вт|Ср|Чт|Пт|Сб|Вс)\n(\d\d\.\d\d)\n", re.M)


@pytest.fixture
def school(real_school):
    """The panel's fixtures (people, app, browser) over the real 2026/2027 calendar."""
    return real_school


@pytest.fixture
def week(school) -> dict[dt.date, Lesson]:
    """A 5А maths lesson on each school day of the week, with Иванов's marks and absence."""
    ivanov = school.pupils5[0]
    lessons = {}
    for day in SCHOOL_DAYS:
        lesson = lessons[day] = school.lesson(day=day, number=2, topic=f"Тема {day:%d.%m}")
        if GIVEN[day] == "Н":
            Attendance.create(lesson=lesson, student=ivanov, code="Н")
        else:
            Mark.create(lesson=lesson, student=ivanov, value=GIVEN[day])
    return lessons


def diary_weeks(school, tmp_path, monkeypatch, monday, *pupils) -> list[str]:
    """The decrypted page of the Monday's week in each pupil's diary, built today."""
    monkeypatch.setattr(diary_model, "ITERATIONS", FAST_ITERATIONS)
    passwords = [diary_model.issue(p) for p in pupils]
    output = tmp_path / "output"
    build(output, CONTENT, school.today)
    return [open_page(output / "site" / "d" / access.token / week_page(monday), password)
            for access, password in passwords]


def diary_days(html: str) -> dict[str, str]:
    """«dd.mm» → the day's part of a diary week page, for each day it shows."""
    parts = re.split(r'<article class="d-day">', html)[1:]
    return {_DAY_TITLE.search(part).group(1): part for part in parts}


def sheet_days(page: str) -> dict[str, str]:
    """«dd.mm» → the day's rows of a weekly sheet's table (as pypdf reads the PDF back),
    for each day it shows."""
    table = page[page.index("Домашнее задание"):_SUMMARY.search(page).start()]
    parts = _SHEET_DAY.split(table)[1:]
    return dict(zip(parts[::2], parts[1::2]))


def test_the_grid_the_diary_and_the_sheet_show_the_same_days_and_lessons(
        school, week, people, browser, tmp_path, monkeypatch):
    ivanov = school.pupils5[0]
    expected = [f"{d:%d.%m}" for d in SCHOOL_DAYS]

    browser.login(people.teacher.login)
    response = browser.get(f"/journal/grid?class_id={school.c5.id}"
                           f"&subject_id={school.math.id}&period_id={school.period.id}")
    assert response.status_code == 200
    grid = response.get_data(as_text=True)
    columns = re.findall(r'class="lesson-head[^"]*" data-lesson-id="(\d+)"\s+'
                         r'data-date="([\d-]+)"', grid)
    assert [dt.date.fromisoformat(d) for _, d in columns] == SCHOOL_DAYS
    cells = grid_cells(grid)
    assert [cells[week[d].id, ivanov.id] for d in SCHOOL_DAYS] == list(GIVEN.values())

    [html] = diary_weeks(school, tmp_path, monkeypatch, MONDAY, ivanov)
    days = diary_days(html)
    assert list(days) == expected
    for day in SCHOOL_DAYS:
        part = days[f"{day:%d.%m}"]
        assert f"Тема {day:%d.%m}" in part
        shown = re.findall(r'class="d-(?:mark|att)"[^>]*>([^<]+)<', part)
        assert shown == [GIVEN[day]]

    page = sheet_of(pages_of(printing.week_sheets_pdf(school.c5, MONDAY)), ivanov)
    days = sheet_days(page)
    assert list(days) == expected
    for day in SCHOOL_DAYS:
        assert re.fullmatch(rf"2\. Математика Тема {day:%d.%m} {GIVEN[day]}\s*",
                            days[f"{day:%d.%m}"])
    assert "Отметок за неделю: 2." in page and "Пропущено уроков: 1 (Н — 1)" in page


def test_a_lesson_stored_on_a_sunday_shows_everywhere_not_dropped(
        school, week, people, browser, tmp_path, monkeypatch):
    """A lesson written before the rule existed (a Sunday refused now) is not hidden."""
    with pytest.raises(RuleError, match="воскресенье, выходной день"):
        school.lesson(day=SUNDAY, topic="Урок в воскресенье")
    Lesson.insert(school_class=school.c5, subject=school.math, teacher=school.teacher,
                  date=SUNDAY, number=1, topic="Урок в воскресенье").execute()
    ivanov = school.pupils5[0]
    expected = [f"{d:%d.%m}" for d in (*SCHOOL_DAYS, SUNDAY)]

    browser.login(people.teacher.login)
    grid = browser.get(f"/journal/grid?class_id={school.c5.id}&subject_id={school.math.id}"
                       f"&period_id={school.period.id}").get_data(as_text=True)
    assert re.findall(r'class="lesson-head[^"]*" data-lesson-id="\d+"\s+data-date="([\d-]+)"',
                      grid)[-1] == SUNDAY.isoformat()

    [html] = diary_weeks(school, tmp_path, monkeypatch, MONDAY, ivanov)
    days = diary_days(html)
    assert list(days) == expected and "Урок в воскресенье" in days["08.11"]
    assert days["08.11"].startswith("\n    <h2>Воскресенье, 08.11</h2>")

    sheet = sheet_of(pages_of(printing.week_sheets_pdf(school.c5, MONDAY)), ivanov)
    days = sheet_days(sheet)
    assert list(days) == expected and "Урок в воскресенье" in days["08.11"]
    assert "Неделя с 02.11.2026 по 08.11.2026" in sheet  # the heading covers the Sunday


def test_a_six_day_grade_shows_its_saturdays_a_five_day_grade_does_not(
        school, tmp_path, monkeypatch):
    """Grades 2–11 on six days, grade 1 on five (the issue's rural school): an ordinary
    Saturday, with no lesson yet, is a day of 5А's week and not of 1А's."""
    SchoolSettings.update(six_day_grades="2-11").execute()
    monday = dt.date(2026, 11, 16)
    weekdays = [f"{monday + dt.timedelta(days=i):%d.%m}" for i in range(5)]
    pupil5, pupil1 = school.pupils5[0], school.pupil1

    week5, week1 = diary_weeks(school, tmp_path, monkeypatch, monday, pupil5, pupil1)
    saturday = "21.11"
    assert list(diary_days(week5)) == [*weekdays, saturday]
    assert list(diary_days(week1)) == weekdays
    assert "Уроков не записано." in diary_days(week5)[saturday]
    sheet5 = sheet_days(sheet_of(pages_of(printing.week_sheets_pdf(school.c5, monday)),
                                 pupil5))
    sheet1 = sheet_days(pages_of(printing.week_sheets_pdf(school.c1, monday))[0])
    assert list(sheet5) == [*weekdays, saturday] and list(sheet1) == weekdays
    assert sheet5[saturday].strip() == "Уроков не записано."


def test_a_week_of_vacation_says_why_it_has_no_days(school, tmp_path, monkeypatch):
    vacation = dt.date(2026, 10, 26)
    [html] = diary_weeks(school, tmp_path, monkeypatch, vacation, school.pupil1)
    said = "На этой неделе учебных дней нет: осенние каникулы."
    assert diary_days(html) == {} and said in html
    [page] = pages_of(printing.week_sheets_pdf(school.c1, vacation))
    assert sheet_days(page) == {} and said in page


@pytest.mark.parametrize(("six_day", "hours", "columns"), [("", 5, 19 + 2), ("2-11", 6, 22 + 2)])
def test_the_temporary_journal_counts_the_months_school_days(school, six_day, hours, columns):
    """November 2026 for 5А: 19 school days on five days a week (05–07.11 after the
    vacation and the holiday, the working Saturday among them), 22 on six; a column each
    at five or six hours a week, and two spare columns."""
    SchoolSettings.update(six_day_grades=six_day).execute()
    assignment = printing.find_assignment(school.c5, "Математика")
    assignment.hours_per_week = hours
    journal = printing.read_temporary(assignment, dt.date(2026, 11, 1))
    assert journal.columns == columns
