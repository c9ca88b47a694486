"""«Сводная ведомость посещаемости» (issue 17, report 2) on the small school, figures
worked out by hand.

The school (tests/school.py, today 25.11.2026): the year from Monday 21.09.2026, 5А's
pupils Иванов (English group 1), Петрова and Сидоров enrolled that day. Сидоров leaves
on 01.10 (his last day in the class is 30.09). 5А's lessons:

    Fri 25.09  maths     Иванов Н                      (before the chosen range)
    Tue 29.09  maths     Иванов Н, Сидоров Б
    Wed 30.09  maths     Иванов ОП, Сидоров У
    Wed 30.09  English (group 1)   Иванов Б
    Thu 01.10  maths     Иванов Н          (Сидоров gone: not due)
    Fri 02.10  English (group 1)   —
    Mon 05.10  maths     Петрова ОП        (Петрова never misses a lesson)

For 28.09–09.10 (by subject):
    Иванов:  maths 4 due, Н 2, ОП 1; English 2 due, Б 1 → 6 due, missed 3, share 1/2, ОП 1
    Петрова: maths 4 due, English 0 (not in the group) → 4 due, missed 0, ОП 1
    Сидоров: maths 2 due (29.09, 30.09), Б 1, У 1 → 2 due, missed 2, share 1
    5А:      12 due, Н 2, Б 2, У 1, missed 5, share 5/12 ≈ 0.417, ОП 2; English missed 1, maths 4
By month (003 4.3):
    September (28–30.09): 7 pupil-lessons, Н 1, Б 2, У 1 → missed 4, ОП 1, 3 pupils,
                          attendance 3/7 ≈ 0.429 (shares to a tenth of a per cent)
    October (01–09.10):   5 pupil-lessons, Н 1 → missed 1, ОП 1, 2 pupils, attendance 4/5
By week: 28.09–02.10 10 due, 5 missed → 50 %; 05.10–09.10 2 due, none missed → 100 %.
"""
from __future__ import annotations

import datetime as dt

import pytest

from models import Attendance, Movement
from models.access import AccessDenied
from models.reports import Choice
from models.reports.attendance import abbreviated, attendance
from tests.report_download import report_page, sheet_rows, xlsx_sheets

D = dt.date


@pytest.fixture
def absences(school):
    ivanov, petrova, sidorov = school.pupils5
    Movement.create(student=sidorov, kind="left", date=D(2026, 10, 1), order_number="№ 12")
    english = {"subject": school.english, "subgroup": school.group1, "number": 2}
    plan = [(school.lesson(day=D(2026, 9, 25), number=1), {ivanov: "Н"}),
            (school.lesson(day=D(2026, 9, 29), number=1), {ivanov: "Н", sidorov: "Б"}),
            (school.lesson(day=D(2026, 9, 30), number=1), {ivanov: "ОП", sidorov: "У"}),
            (school.lesson(day=D(2026, 9, 30), **english), {ivanov: "Б"}),
            (school.lesson(day=D(2026, 10, 1), number=1), {ivanov: "Н"}),
            (school.lesson(day=D(2026, 10, 2), **english), {}),
            (school.lesson(day=D(2026, 10, 5), number=1), {petrova: "ОП"})]
    for lesson, codes in plan:
        for pupil, code in codes.items():
            Attendance.create(lesson=lesson, student=pupil, code=code)
    return school


def choose(school, **fields) -> Choice:
    fields.setdefault("class_id", school.c5.id)
    return Choice(year=school.year, today=school.today, **fields)


def table(report, title: str):
    return next(t for t in report.tables if t.title == title)


def cells(t, first: str) -> list:
    return next(r.cells for r in t.rows if r.cells[0] == first)


RANGE = {"start": D(2026, 9, 28), "end": D(2026, 10, 9)}


def test_summary_by_subject_counts_missed_lessons_by_reason_and_share(absences, people):
    report = attendance(people.deputy, choose(absences, **RANGE))
    summary = table(report, "Посещаемость 5А")
    assert [c.title for c in summary.columns] == [
        "Ученик", "Иностр. язык (англ.)", "Мат.", "Уроков", "Н", "Б", "У",
        "Пропущено", "Доля пропусков", "ОП"]
    assert [c.kind for c in summary.columns][1:] == ["int"] * 7 + ["percent", "int"]
    # pupil, English missed, maths missed (the school's subject order),
    # due, Н, Б, У, missed, share, ОП
    assert cells(summary, "Иванов Тест") == [
        "Иванов Тест", 1, 2, 6, 2, 1, 0, 3, 0.5, 1]
    # No absence at all; the lateness is counted apart, not as a missed lesson.
    assert cells(summary, "Петрова Тест") == ["Петрова Тест", 0, 0, 4, 0, 0, 0, 0, 0.0, 1]
    # Left on 01.10: only the two lessons before count, both missed.
    assert cells(summary, "Сидоров Тест") == ["Сидоров Тест", 0, 2, 2, 0, 1, 1, 2, 1.0, 0]
    total = summary.rows[-1]
    assert total.level == 1
    assert total.cells[1:] == [1, 4, 12, 2, 2, 1, 5, 0.417, 2]
    assert report.landscape


def test_detail_opens_each_subject_by_reason(absences, people):
    detail = table(attendance(people.deputy, choose(absences, **RANGE)), "По предметам 5А")
    rows = {tuple(r.cells[:2]): r.cells[2:] for r in detail.rows}
    assert rows["Иванов Тест", "Математика"] == [4, 2, 0, 0, 2, 0.5, 1]
    assert rows["Иванов Тест", "Иностранный язык (английский)"] == [2, 0, 1, 0, 1, 0.5, 0]
    # Not in the English group: no English lesson due, no share to give.
    assert rows["Петрова Тест", "Иностранный язык (английский)"] == [0, 0, 0, 0, 0, None, 0]


def test_monthly_class_report_crosses_the_month_boundary(absences, people):
    monthly = table(attendance(people.deputy, choose(absences, **RANGE)),
                    "Посещаемость по месяцам")
    # class, month, pupils, due, Н, Б, У, missed, ОП, attendance
    assert [r.cells for r in monthly.rows] == [
        ["5А", "Сентябрь 2026", 3, 7, 1, 2, 1, 4, 1, 0.429],
        ["5А", "Октябрь 2026", 2, 5, 1, 0, 0, 1, 1, 0.8],
        ["5А", "за весь срок", 3, 12, 2, 2, 1, 5, 2, 0.583]]
    assert monthly.rows[-1].level == 1


def test_chart_gives_attendance_by_week(absences, people):
    chart = attendance(people.deputy, choose(absences, **RANGE)).charts[0]
    assert chart.kind == "line"
    assert chart.labels == ["28.09", "05.10"]
    assert chart.series == [("5А", [50.0, 100.0])]


def test_the_whole_year_is_shown_by_month(absences, people):
    """No period and no dates: the whole year, pupils × months; 25.09's absence counts."""
    report = attendance(people.deputy, choose(absences))
    summary = table(report, "Посещаемость 5А")
    assert [c.title for c in summary.columns][1:3] == ["Сентябрь 2026", "Октябрь 2026"]
    # Иванов: September 4 due (25.09, 29.09, 30.09 ×2), missed 3; October 3 due, missed 1.
    assert cells(summary, "Иванов Тест") == ["Иванов Тест", 3, 1, 7, 3, 1, 0, 4,
                                             0.571, 1]
    assert report.scope == "5А, Тестовый год учебный год"


def test_a_subject_teacher_sees_only_their_subject(absences, people):
    """The English teacher of group 1 (not 5А's class teacher): English only."""
    summary = table(attendance(people.english, choose(absences, **RANGE)), "Посещаемость 5А")
    assert [c.title for c in summary.columns][1] == "Иностр. язык (англ.)"
    assert cells(summary, "Иванов Тест")[1:] == [1, 2, 0, 1, 0, 1, 0.5, 0]
    assert cells(summary, "Петрова Тест")[1:] == [0, 0, 0, 0, 0, 0, None, 0]
    with pytest.raises(AccessDenied):
        attendance(people.english, choose(absences, class_id=absences.c6.id))


def test_all_classes_add_up_to_the_school(absences, people):
    """1А and 6А have no lesson: their pupils count with nothing due."""
    report = attendance(people.deputy, choose(absences, class_id=None, **RANGE))
    assert [t.title for t in report.tables] == [
        "Посещаемость 1А", "Посещаемость 5А", "Посещаемость 6А", "Посещаемость по месяцам"]
    school_row = table(report, "Посещаемость по месяцам").rows[-1]
    assert school_row.cells == ["Школа", "за весь срок", 5, 12, 2, 2, 1, 5, 2,
                                0.583]
    assert report.charts[0].series == [("Все классы", [50.0, 100.0])]


def test_a_period_is_shown_by_subject(absences, people):
    """The quarter (21.09–25.12): Иванов's 25.09 absence counts; 7 lessons due, 4 missed."""
    report = attendance(people.deputy, choose(absences, period_id=absences.period.id))
    assert cells(table(report, "Посещаемость 5А"), "Иванов Тест") == [
        "Иванов Тест", 1, 3, 7, 3, 1, 0, 4, 0.571, 1]
    assert report.scope == "5А, 1-я четверть, Тестовый год"
    with pytest.raises(AccessDenied):
        attendance(people.deputy, choose(absences, period_id=absences.period.id + 100))


def test_the_panel_shows_it_and_the_xlsx_keeps_numbers(absences, people, browser):
    """The deputy opens 5А's summary for the dates in the panel, then downloads it."""
    url = f"/reports/attendance?class_id={absences.c5.id}&start=2026-09-28&end=2026-10-09"
    text = report_page(browser, people.deputy.login, url)
    assert "Посещаемость 5А" in text and "Иванов Тест" in text and "<svg" in text
    sheet = xlsx_sheets(browser, url)["Посещаемость 5А"]
    rows = sheet_rows(sheet)
    ivanov = next(r for r in rows if r[0] == "Иванов Тест")
    assert ivanov == ["Иванов Тест", 1, 2, 6, 2, 1, 0, 3, 0.5, 1]
    assert sheet.cell(row=rows.index(ivanov) + 1, column=9).number_format.endswith("%")


@pytest.mark.parametrize("name, short", [
    ("Иностранный язык (английский)", "Иностр. язык (англ.)"), ("Геометрия", "Геом."),
    ("География", "Геогр."), ("Алгебра", "Алг."), ("Физическая культура", "Физ. культ."),
    ("Физика", "Физика"), ("Литературное чтение", "Лит. чтение")])
def test_subject_columns_are_abbreviated_where_no_short_name_is_given(name, short):
    assert abbreviated(name) == short
