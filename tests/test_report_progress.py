"""Report 1, «Сводная ведомость успеваемости» (issue 17): 5А's pupils × subjects with their
period marks (or year marks), each pupil's average and the counts per subject, worked out
by hand below; the scope by role; the page and the XLSX through the panel.

5А (tests/school.py): maths (teacher) and English (`english`, group 1) in its curriculum;
pupils Иванов, Петрова, Сидоров enrolled on the year's first day; Новикова comes 10 days
in, Сидоров leaves 20 days in (both inside the quarter). Marks for the quarter:

    pupil       English  maths   average of «2»–«5» in the row
    Иванов      4        5       (4 + 5) / 2 = 4.50
    Новикова    —        ОСВ     none («ОСВ» counts in nothing)
    Петрова     Н/А      4       4 / 1 = 4.00
    Сидоров     —        3       3.00

(subjects in the curriculum's order: same sort order, so by name). Counts under them:
English «4» 1, н/а 1; maths «5» 1, «4» 1, «3» 1, «2» 0, н/а 0.
For the year: Иванов maths «5», Петрова maths «2» (English none): averages 5.00 and 2.00,
maths «5» 1, «2» 1.
"""
from __future__ import annotations

import datetime as dt
import io

import pytest

from models import Movement, PeriodMark, access
from models.reports import Choice, load
from models.reports.progress import build
from tests.school import SmallSchool


@pytest.fixture
def marks(school):
    arrived = school.start + dt.timedelta(days=10)
    left = school.start + dt.timedelta(days=20)
    ivanov, petrova, sidorov = school.pupils5
    novikova = SmallSchool.pupil("Новикова", school.c5, arrived)
    Movement.create(student=sidorov, kind="left", date=left, school_class=None)
    q = school.period
    for pupil, subject, value in ((ivanov, school.math, "5"), (ivanov, school.english, "4"),
                                  (novikova, school.math, "ОСВ"), (petrova, school.math, "4"),
                                  (petrova, school.english, "Н/А"), (sidorov, school.math, "3")):
        PeriodMark.create(student=pupil, school_class=school.c5, subject=subject, period=q,
                          value=value)
    for pupil, value in ((ivanov, "5"), (petrova, "2")):
        PeriodMark.create(student=pupil, school_class=school.c5, subject=school.math,
                          kind="year", value=value)
    return arrived, left


def cells(report, title=None):
    table = report.tables[0]
    return [c.title for c in table.columns], [r.cells for r in table.rows]


def test_the_quarters_sheet_by_hand(school, people, marks):
    arrived, left = marks
    report = build(people.deputy, Choice(school.year, school.today, school.c5.id,
                                         school.period.id))
    assert report.scope == f"5А, 1-я четверть {school.year.name}"
    assert report.landscape
    titles, rows = cells(report)
    assert titles == ["№", "Ученик", "Иностранный язык (английский)", "Математика",
                      "Средний балл"]
    assert rows == [
        [1, "Иванов Тест", "4", "5", 4.5],
        [2, f"Новикова Тест (прибыл {arrived:%d.%m})", None, "ОСВ", None],
        [3, "Петрова Тест", "Н/А", "4", 4.0],
        [4, f"Сидоров Тест (выбыл {left:%d.%m})", None, "3", 3.0],
        [None, "«5»", 0, 1, None],
        [None, "«4»", 1, 1, None],
        [None, "«3»", 0, 1, None],
        [None, "«2»", 0, 0, None],
        [None, "н/а", 1, 0, None],
    ]
    assert [r.level for r in report.tables[0].rows] == [0] * 4 + [1] * 5


def test_the_years_sheet_by_hand(school, people, marks):
    report = build(people.teacher, Choice(school.year, school.today, school.c5.id, None))
    assert report.scope == f"5А, {school.year.name} учебный год"
    titles, rows = cells(report)
    assert titles == ["№", "Ученик", "Иностранный язык (английский): год", "Математика: год",
                      "Средний балл"]
    assert rows[0] == [1, "Иванов Тест", None, "5", 5.0]
    assert rows[2] == [3, "Петрова Тест", None, "2", 2.0]
    assert rows[4] == [None, "«5»", 0, 1, None] and rows[7] == [None, "«2»", 0, 1, None]


def test_a_subject_teacher_sees_their_subject_only(school, people, marks):
    report = build(people.english, Choice(school.year, school.today, school.c5.id,
                                          school.period.id))
    titles, rows = cells(report)
    assert titles == ["№", "Ученик", "Иностранный язык (английский)", "Средний балл"]
    assert rows[0] == [1, "Иванов Тест", "4", 4.0]


def test_another_class_is_refused(school, people, marks):
    with pytest.raises(access.AccessDenied):
        build(people.class_teacher, Choice(school.year, school.today, school.c5.id,
                                           school.period.id))
    # «Все классы» for the class teacher of 6А: 6А alone.
    report = build(people.class_teacher, Choice(school.year, school.today, None,
                                                school.period.id))
    assert report.scope.startswith("6А,")


def test_every_class_a_sheet(school, people, marks):
    report = build(people.deputy, Choice(school.year, school.today, None, school.period.id))
    assert [t.title for t in report.tables] == ["1А", "5А", "6А"]
    assert report.scope.startswith("все классы (3)")


def test_the_page_and_the_xlsx(browser, school, people, marks):
    from openpyxl import load_workbook

    assert "progress" in load()
    browser.login(people.teacher.login)
    query = f"class_id={school.c5.id}&period_id={school.period.id}"
    page = browser.get(f"/reports/progress?{query}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Иванов Тест" in html and "4,50" in html
    response = browser.get(f"/reports/progress?{query}&format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.title == "Ведомость"
    assert [c.value for c in sheet[4]] == ["№", "Ученик", "Иностранный язык (английский)",
                                          "Математика", "Средний балл"]
    assert [c.value for c in sheet[5]] == [1, "Иванов Тест", "4", "5", 4.5]
    assert [c.value for c in sheet[9]] == [None, "«5»", 0, 1, None]
    assert sheet.freeze_panes == "A5"
