"""«Движение учащихся» and «Наполняемость классов» (issue 17, report 4) on the small school,
figures worked out by hand.

The school (tests/school.py, today 25.11.2026): the year from 21.09.2026; that day 5А gets
Иванов (М, English group 1), Петрова (Ж) and Сидоров (М), 1А Малышкин, 6А Шестаков (М);
6А's English group 2 comes from tests/panel.py. Then the movement book:

    28.09  Орлов enrolled in 6А            (the range's first day: «на начало»)
    01.10  Сидоров left (№ 12)             (left mid-period)
    15.10  Петрова moved 5А → 6А (№ 15), into 6А's group 2 from that day
    20.10  Новикова (Ж) enrolled in 5А (№ 17)
    10.11  Иванов left (№ 21)              (after the range)

For 28.09–31.10:
    1А: start 1, nothing moves, end 1
    5А: start 3; arrived 1 from outside (Новикова); departed 2: Сидоров left, Петрова to
        another class; end 2 = 3 + 1 − 2
    6А: start 2 (Шестаков, Орлов); arrived 1 from another class (Петрова); end 3
    school: start 6, from outside 1, from a class 1, arrived 2, left 1, to a class 1,
            departed 2, end 6
On 20.10: 1А 1 (gender not given); 5А 2 (Иванов М, Новикова Ж), group 1 1 (Иванов);
    6А 3 (Шестаков М, Петрова Ж, Орлов not given), group 2 1 (Петрова);
    school 6: 2 boys, 2 girls, 2 not given.
"""
from __future__ import annotations

import datetime as dt

import pytest

from models import AcademicYear, Movement, SchoolClass, Student, Subgroup, SubgroupMember
from models.reports import Choice
from models.reports.movement import movement, occupancy
from tests.report_download import report_page, sheet_rows, xlsx_sheets

D = dt.date


@pytest.fixture
def book(school, people):
    ivanov, petrova, sidorov = school.pupils5
    for pupil, gender in ((ivanov, "М"), (petrova, "Ж"), (sidorov, "М"),
                          (school.pupil6, "М")):
        pupil.gender = gender
        pupil.save()
    orlov = Student.create(last_name="Орлов", first_name="Тест", middle_name="")
    Movement.create(student=orlov, kind="enrolled", date=D(2026, 9, 28),
                    school_class=school.c6, order_number="№ 10")
    Movement.create(student=sidorov, kind="left", date=D(2026, 10, 1), order_number="№ 12",
                    reason="переезд")
    Movement.create(student=petrova, kind="moved", date=D(2026, 10, 15),
                    school_class=school.c6, order_number="№ 15")
    group2 = Subgroup.get(Subgroup.school_class == school.c6.id)
    SubgroupMember.create(subgroup=group2, student=petrova, start=D(2026, 10, 15))
    novikova = Student.create(last_name="Новикова", first_name="Тест", middle_name="",
                              gender="Ж")
    Movement.create(student=novikova, kind="enrolled", date=D(2026, 10, 20),
                    school_class=school.c5, order_number="№ 17")
    Movement.create(student=ivanov, kind="left", date=D(2026, 11, 10), order_number="№ 21")
    return school


def choose(school, **fields) -> Choice:
    return Choice(year=school.year, today=school.today, **fields)


RANGE = {"start": D(2026, 9, 28), "end": D(2026, 10, 31)}


def test_counts_per_class_add_up_to_the_school(book, people):
    report = movement(people.deputy, choose(book, **RANGE))
    counts = report.tables[0]
    assert [c.title for c in counts.columns] == [
        "Класс", "На начало", "Прибыли из других школ", "Переведены из других классов",
        "Прибыло всего", "Выбыли", "Окончили обучение", "Переведены в другие классы",
        "Выбыло всего", "На конец"]
    assert [r.cells for r in counts.rows] == [
        ["1А", 1, 0, 0, 0, 0, 0, 0, 0, 1],
        ["5А", 3, 1, 0, 1, 1, 0, 1, 2, 2],
        ["6А", 2, 0, 1, 1, 0, 0, 0, 0, 3],
        ["Итого по школе", 6, 1, 1, 2, 1, 0, 1, 2, 6]]
    assert counts.rows[-1].level == 1
    assert report.scope == "Все классы, с 28.09.2026 по 31.10.2026"


def test_the_movements_are_listed_with_their_orders(book, people):
    listed = movement(people.deputy, choose(book, **RANGE)).tables[1]
    # Орлов's enrolment on the first day is listed, counted «на начало»; Иванов leaves
    # after the range.
    assert [r.cells for r in listed.rows] == [
        ["28.09.2026", "Орлов Тест", "зачислен", "—", "6А", "№ 10", ""],
        ["01.10.2026", "Сидоров Тест", "выбыл", "5А", "—", "№ 12", "переезд"],
        ["15.10.2026", "Петрова Тест", "переведён в другой класс", "5А", "6А", "№ 15", ""],
        ["20.10.2026", "Новикова Тест", "зачислен", "—", "5А", "№ 17", ""]]


def test_a_class_teacher_reads_their_class_only(book, people):
    report = movement(people.class_teacher, choose(book, **RANGE))
    assert [r.cells for r in report.tables[0].rows] == [
        ["6А", 2, 0, 1, 1, 0, 0, 0, 0, 3], ["Итого", 2, 0, 1, 1, 0, 0, 0, 0, 3]]
    assert [r.cells[1] for r in report.tables[1].rows] == ["Орлов Тест", "Петрова Тест"]


def test_the_whole_year_of_one_class(book, people):
    """From 21.09 (everyone enrolled that day is «на начало») to the year's end: Иванов's
    leaving counts too."""
    counts = movement(people.deputy, choose(book, class_id=book.c5.id)).tables[0]
    assert counts.rows[0].cells == ["5А", 3, 1, 0, 1, 2, 0, 1, 3, 1]


def test_a_promotion_with_a_debt_opens_the_next_year(book, people):
    """The year transfer dates a promotion the new year's first day: 7А starts with the
    pupil, and the list shows the conditional promotion with its debt."""
    new = AcademicYear.create(name="Следующий год", start=book.year.end + dt.timedelta(1),
                              end=book.year.end + dt.timedelta(366))
    c7 = SchoolClass.create(year=new, grade=7, letter="А")
    Movement.create(student=book.pupil6, kind="promoted_debt", date=new.start,
                    school_class=c7, order_number="№ 60",
                    reason="академическая задолженность: Математика")
    report = movement(people.deputy, Choice(year=new, today=book.today))
    assert [r.cells for r in report.tables[0].rows] == [
        ["7А", 1, 0, 0, 0, 0, 0, 0, 0, 1], ["Итого по школе", 1, 0, 0, 0, 0, 0, 0, 0, 1]]
    assert [r.cells for r in report.tables[1].rows] == [
        [f"{new.start:%d.%m.%Y}", "Шестаков Тест",
         "переведён условно (с академической задолженностью)", "6А (Тестовый год)", "7А",
         "№ 60",
         "академическая задолженность: Математика"]]


def test_occupancy_by_class_subgroup_and_gender(book, people):
    report = occupancy(people.deputy, choose(book, start=D(2026, 10, 20)))
    assert [r.cells for r in report.tables[0].rows] == [
        ["1А", "весь класс", 1, 0, 0, 1],
        ["5А", "весь класс", 2, 1, 1, 0],
        ["5А", "Иностранный язык (английский): 1 группа", 1, 1, 0, 0],
        ["6А", "весь класс", 3, 1, 1, 1],
        ["6А", "Иностранный язык (английский): 2 группа", 1, 0, 1, 0],
        ["Итого по школе", "", 6, 2, 2, 2]]
    assert report.scope == "Все классы, на 20.10.2026"


def test_occupancy_defaults_to_today(book, people):
    """On 25.11 Иванов has left: 5А is Новикова alone, its English group empty."""
    rows = occupancy(people.deputy, choose(book, class_id=book.c5.id)).tables[0].rows
    assert [r.cells for r in rows] == [
        ["5А", "весь класс", 1, 0, 1, 0],
        ["5А", "Иностранный язык (английский): 1 группа", 0, 0, 0, 0],
        ["Итого", "", 1, 0, 1, 0]]


def test_the_panel_shows_it_and_the_xlsx_keeps_numbers(book, people, browser):
    """The deputy opens the movement of every class for the dates, then downloads it."""
    url = "/reports/movement?class_id=all&start=2026-09-28&end=2026-10-31"
    text = report_page(browser, people.deputy.login, url)
    assert "Движение по классам" in text and "Новикова Тест" in text
    workbook = xlsx_sheets(browser, url)
    assert ["Итого по школе", 6, 1, 1, 2, 1, 0, 1, 2, 6] in sheet_rows(
        workbook["Движение по классам"])
    listed = [r[1] for r in sheet_rows(workbook["Список движений"])]
    below = listed.index("Ученик") + 1  # the header, under the report's title lines
    assert listed[below:below + 4] == ["Орлов Тест", "Сидоров Тест", "Петрова Тест",
                                       "Новикова Тест"]


def test_occupancy_on_a_date_in_the_panel(book, people, browser):
    """«На дату»: the form's first date (both are asked for; the second is not used)."""
    url = "/reports/occupancy?class_id=all&start=2026-10-20&end=2026-10-20"
    assert "на 20.10.2026" in report_page(browser, people.deputy.login, url)
    rows = sheet_rows(xlsx_sheets(browser, url)["Наполняемость"])
    assert next(r for r in rows if r[0] == "Итого по школе")[2:] == [6, 2, 2, 2]
