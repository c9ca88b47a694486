"""«Итоги успеваемости»: the deputy's counts and percentages for a quarter, against the
quarter before, worked out by hand.

5А (quarter 2 ends 25.12, quarter 1 ended 31.10); subjects: Математика (five-point),
English (group 1 only: Иванов and Кузнецова), Физкультура (pass/fail):

    pupil       quarter 1 (5А on 31.10)        quarter 2 (5А on 25.12)
    Иванов      5, en 4, ЗЧ   хорошист         5, en 5, ЗЧ   отличник
    Петрова     3, ОСВ        одна «3»         4, ОСВ        хорошистка (ОСВ counts in nothing)
    Сидоров     3, НЗ         неуспевающий     2, ЗЧ         неуспевающий
    Кузнецова   5, en 5, ЗЧ   отличница        3, en 3, ЗЧ   две «3»
    Орлов       4, ЗЧ         хорошист         left 16.11: not counted
    Новиков     arrived 09.11: not counted      Н/А, no ЗЧ    не аттестован

5А, quarter 2: 5 pupils; 1 + 1 of quality → 2/5 = 40,0 %; (5 − 1 failing − 1 not assessed)/5
= 60,0 %. Quarter 1: 5 pupils; 1 + 2 → 3/5 = 60,0 %; (5 − 1)/5 = 80,0 %. Change −20 points
both.

6А (Математика only): quarter 2 — Шестаков 5, Шилова 4, Щукин 3: quality 2/3 = 66,7 %
(rounded), passing 3/3 = 100 %; quarter 1 — 5, 5, 2: quality 2/3 = 66,7 %, passing 66,7 %.

School (8 pupils): quarter 2 quality (2 + 2)/8 = 50 %, passing (8 − 1 − 1)/8 = 75 %;
quarter 1 quality (3 + 2)/8 = 62,5 %, passing (8 − 2)/8 = 75 %.
1А is left out (no marks in grade 1).
"""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from models import Period, RuleError, SubgroupMember
from models.reports import results
from tests.report_school import D, choice, leaves, marks, pass_fail_subject, two_quarters
from tests.school import SmallSchool

COLUMNS = ["Класс", "Учащихся", "Отличники", "Хорошисты", "Одна «3»", "«3» (2+)",
           "Неуспевающие", "Не аттестованы", "% усп.", "% кач.", "% усп. пред.",
           "% кач. пред.", "Δ усп.", "Δ кач."]


@pytest.fixture
def results_school(school, people):
    """people: its English teacher teaches 5А's group 1."""
    q1, q2 = two_quarters(school)
    pe = pass_fail_subject(school)
    ivanov, petrova, sidorov = school.pupils5
    kuznetsova = SmallSchool.pupil("Кузнецова", school.c5, school.start)
    SubgroupMember.create(subgroup=school.group1, student=kuznetsova)
    orlov = SmallSchool.pupil("Орлов", school.c5, school.start)
    leaves(orlov, D(2026, 11, 16))
    novikov = SmallSchool.pupil("Новиков", school.c5, D(2026, 11, 9))
    c5, math, en = school.c5, school.math, school.english
    marks(c5, q1, math, {ivanov: "5", petrova: "3", sidorov: "3", kuznetsova: "5", orlov: "4"})
    marks(c5, q1, en, {ivanov: "4", kuznetsova: "5"})
    marks(c5, q1, pe, {ivanov: "ЗЧ", petrova: "ОСВ", sidorov: "НЗ", kuznetsova: "ЗЧ",
                       orlov: "ЗЧ"})
    marks(c5, q2, math, {ivanov: "5", petrova: "4", sidorov: "2", kuznetsova: "3",
                         novikov: "Н/А"})
    marks(c5, q2, en, {ivanov: "5", kuznetsova: "3"})
    marks(c5, q2, pe, {ivanov: "ЗЧ", petrova: "ОСВ", sidorov: "ЗЧ", kuznetsova: "ЗЧ"})
    sixth = [school.pupil6, SmallSchool.pupil("Шилова", school.c6, school.start),
             SmallSchool.pupil("Щукин", school.c6, school.start)]
    marks(school.c6, q1, math, dict(zip(sixth, ("5", "5", "2"))))
    marks(school.c6, q2, math, dict(zip(sixth, ("5", "4", "3"))))
    school.q1, school.q2, school.pe = q1, q2, pe
    return school


def table(report, index: int = 0) -> dict[str, list]:
    shown = report.tables[index]
    assert len(shown.columns) == len(COLUMNS) - 4 * index  # the earlier one: no comparison
    return {row.cells[0]: row.cells[1:] + [row.level] for row in shown.rows}


def test_quarter_against_the_one_before(results_school, people):
    school = results_school
    report = results.build(people.deputy, choice(school, period_id=school.q2.id))
    assert table(report) == {
        "5А": [5, 1, 1, 0, 1, 1, 1, 0.6, 0.4, 0.8, 0.6, -0.2, -0.2, 0],
        "5-е классы": [5, 1, 1, 0, 1, 1, 1, 0.6, 0.4, 0.8, 0.6, -0.2, -0.2, 1],
        "6А": [3, 1, 1, 1, 0, 0, 0, 1.0, 0.667, 0.667, 0.667, 0.333, 0.0, 0],
        "6-е классы": [3, 1, 1, 1, 0, 0, 0, 1.0, 0.667, 0.667, 0.667, 0.333, 0.0, 1],
        "Школа": [8, 2, 2, 1, 1, 1, 1, 0.75, 0.5, 0.75, 0.625, 0.0, -0.125, 1],
    }
    assert [row.cells[0] for row in report.tables[0].rows][-1] == "Школа"
    assert report.tables[1].title == "Предыдущий период"
    assert table(report, 1) == {  # quarter 1's own figures
        "5А": [5, 1, 2, 1, 0, 1, 0, 0.8, 0.6, 0],
        "5-е классы": [5, 1, 2, 1, 0, 1, 0, 0.8, 0.6, 1],
        "6А": [3, 2, 0, 0, 0, 1, 0, 0.667, 0.667, 0],
        "6-е классы": [3, 2, 0, 0, 0, 1, 0, 0.667, 0.667, 1],
        "Школа": [8, 3, 2, 1, 0, 2, 0, 0.75, 0.625, 1],
    }
    (chart,) = report.charts
    assert (chart.kind, chart.labels, chart.series) == (
        "bar", ["5А", "6А"], [("% качества", [40.0, 66.7])])
    notes = " ".join(report.notes)
    assert "(число учащихся − неуспевающие − не аттестованные) ÷ число учащихся" in notes
    assert "(отличники + хорошисты) ÷ число учащихся" in notes
    assert "003, п. 8.2" in notes and "ОСВ" in notes and "1-е классы" in notes


def test_first_quarter_has_nothing_to_compare(results_school, people):
    school = results_school
    report = results.build(people.deputy, choice(school, period_id=school.q1.id,
                                                 class_id=school.c5.id))
    assert table(report) == {
        "5А": [5, 1, 2, 1, 0, 1, 0, 0.8, 0.6, None, None, None, None, 0],
        "5-е классы": [5, 1, 2, 1, 0, 1, 0, 0.8, 0.6, None, None, None, None, 1],
        "Школа": [5, 1, 2, 1, 0, 1, 0, 0.8, 0.6, None, None, None, None, 1],
    }
    assert report.scope == "5А, 1-я четверть Тестовый год"
    assert len(report.tables) == 1  # no earlier quarter: no second table


def test_year_reads_year_marks(results_school, people):
    """Only Иванов gets year marks (5, en 5, then ЗЧ): the other four are not assessed."""
    school = results_school
    ivanov = school.pupils5[0]
    marks(school.c5, None, school.math, {ivanov: "5"})
    marks(school.c5, None, school.english, {ivanov: "5"})
    report = results.build(people.deputy, choice(school, class_id=school.c5.id))
    # No «ЗЧ» for the year in Физкультура yet: he too is not assessed.
    assert table(report)["5А"] == [5, 0, 0, 0, 0, 0, 5, 0.0, 0.0, None, None, None, None, 0]
    marks(school.c5, None, school.pe, {ivanov: "ЗЧ"})
    report = results.build(people.deputy, choice(school, class_id=school.c5.id))
    assert table(report)["5А"][:9] == [5, 1, 0, 0, 0, 0, 4, 0.2, 0.2]
    assert report.scope == "5А, год Тестовый год"


def test_subject_teacher_sees_their_subject_only(results_school, people):
    """The English teacher of 5А's group 1: 5А only, English only — Иванов «5» and
    Кузнецова «3» in quarter 2: quality 1/2."""
    school = results_school
    report = results.build(people.english, choice(school, period_id=school.q2.id))
    assert table(report)["5А"][:10] == [2, 1, 0, 1, 0, 0, 0, 1.0, 0.5, 1.0]
    assert set(table(report)) == {"5А", "5-е классы", "Школа"}


def test_standing_rules():
    assert results.standing(["5", "ЗЧ"]) == "excellent"
    assert results.standing(["5", "4"]) == "good"
    assert results.standing(["2", "Н/А"]) == "failing"
    assert results.standing(["5", ""]) == "unassessed"
    assert results.standing(["4", "НЗ"]) == "failing"
    assert results.standing([]) == "unassessed"  # exempt («ОСВ») in every subject


def test_another_class_is_refused(results_school, people):
    """The English teacher teaches nothing in 6А: its results are not theirs to read."""
    school = results_school
    with pytest.raises(RuleError, match="вне ваших отчётов"):
        results.build(people.english, choice(school, class_id=school.c6.id))


def test_the_panel_shows_it_and_the_xlsx_keeps_numbers(results_school, people, browser):
    """The deputy opens quarter 2's results in the panel, with the chart, then downloads
    them: the counts and shares stay numbers."""
    school = results_school
    browser.login(people.deputy.login)
    url = f"/reports/results?class_id=all&period_id={school.q2.id}"
    page = browser.get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Итоги успеваемости" in text and "6-е классы" in text and "<svg" in text
    xlsx = browser.get(url + "&format=xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data))["Итоги успеваемости"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    school_row = next(r for r in rows if r[0] == "Школа")
    assert school_row[:10] == ["Школа", 8, 2, 2, 1, 1, 1, 1, 0.75, 0.5]
    assert sheet.cell(row=rows.index(school_row) + 1, column=10).number_format.endswith("%")


def test_a_half_year_class_still_running_is_left_out_of_a_quarter(results_school, people):
    """Seen in the demo: after the 1st quarter 10А and 11А (half-years) showed 0 % quality,
    their 1st half-year still running without marks. A class whose own period ends after
    the chosen quarter is left out, and the notes name it; at the quarter that ends with
    its half-year it is counted again."""
    school = results_school
    six = school.c6
    six.period_scheme = "half"
    six.save()
    Period.create(year=school.year, scheme="half", number=1, start=school.q1.start,
                  end=school.q2.end)
    first = results.build(people.deputy, choice(school, period_id=school.q1.id))
    assert "6А" not in table(first) and "5А" in table(first)
    assert any("ещё не закончился" in note and "6А" in note for note in first.notes)
    second = results.build(people.deputy, choice(school, period_id=school.q2.id))
    assert "6А" in table(second)
    assert not any("ещё не закончился" in note for note in second.notes)
