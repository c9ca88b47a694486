"""«Накопляемость отметок»: 5А's marks in quarter 2 (02.11–25.12.2026) on 25.11, worked
out by hand. Минимум — 3 (the school's setting).

Математика (whole class) on Mondays 02.11, 09.11, 16.11, 23.11; English (group 1) on
Tuesdays 03.11, 10.11, 17.11:

    02.11 maths  Иванов 5, Петрова 4, Орлов 3      03.11 English  Иванов 4
    09.11 maths  Иванов 5 and 4 (two in a cell)    10.11 English  Иванов 5, Кузнецова 5
    16.11 maths  Иванов 5, Сидоров ОСВ (no mark)   17.11 English  Кузнецова 4
    23.11 maths  Петрова 5, Новиков 4

Кузнецова joins group 1 on 10.11; Орлов leaves on 16.11; Новиков arrives on 09.11.

    pupil       subject   lessons  marks  flag
    Иванов      English   3        2      мало
    Иванов      maths     4        4
    Кузнецова   English   2        2      мало (lessons from 10.11 only)
    Кузнецова   maths     4        0      мало (no marks at all)
    Новиков     maths     3        1      мало (lessons from 09.11)
    Орлов       maths     2        1      left: «в классе по 15.11.2026», no flag
    Петрова     maths     4        2      мало (not in group 1: no English row)
    Сидоров     maths     4        0      мало (ОСВ is no mark)

6А's maths has had no lesson: Шестаков's row says so, unflagged.

Marks gathered at 5А's lessons, running total by week: 4, 8, 10, 12.
"""
from __future__ import annotations

import pytest

from models import Lesson, Mark, SchoolClass, SchoolSettings, SubgroupMember
from models.reports import Choice, accumulation
from tests.report_school import D, choice, leaves, two_quarters
from tests.school import SmallSchool

SOON = "мало отметок (меньше 3)"
LATE = "мало отметок (меньше 3): идут последние две недели периода"


@pytest.fixture
def marked(school, people):
    _, q2 = two_quarters(school)
    ivanov, petrova, sidorov = school.pupils5
    kuznetsova = SmallSchool.pupil("Кузнецова", school.c5, school.start)
    SubgroupMember.create(subgroup=school.group1, student=kuznetsova, start=D(2026, 11, 10))
    orlov = SmallSchool.pupil("Орлов", school.c5, school.start)
    leaves(orlov, D(2026, 11, 16))
    novikov = SmallSchool.pupil("Новиков", school.c5, D(2026, 11, 9))
    maths = {D(2026, 11, 2): [(ivanov, "5"), (petrova, "4"), (orlov, "3")],
             D(2026, 11, 9): [(ivanov, "5"), (ivanov, "4")],
             D(2026, 11, 16): [(ivanov, "5"), (sidorov, "ОСВ")],
             D(2026, 11, 23): [(petrova, "5"), (novikov, "4")]}
    english = {D(2026, 11, 3): [(ivanov, "4")],
               D(2026, 11, 10): [(ivanov, "5"), (kuznetsova, "5")],
               D(2026, 11, 17): [(kuznetsova, "4")]}
    for day, given in maths.items():
        give(school.lesson(day=day, number=1), given)
    for day, given in english.items():
        give(school.lesson(day=day, number=2, subject=school.english,
                           subgroup=school.group1, teacher=people.english), given)
    school.q2 = q2
    return school


def give(lesson: Lesson, given) -> None:
    for pupil, value in given:
        Mark.create(lesson=lesson, student=pupil, value=value)


def table(report) -> list[list]:
    (only,) = report.tables
    return [row.cells for row in only.rows]


EXPECTED = [
    ["5А", "Иванов Тест", "Иностранный язык (английский)", 3, 2, SOON],
    ["5А", "Иванов Тест", "Математика", 4, 4, ""],
    ["5А", "Кузнецова Тест", "Иностранный язык (английский)", 2, 2, SOON],
    ["5А", "Кузнецова Тест", "Математика", 4, 0, SOON],
    ["5А", "Новиков Тест", "Математика", 3, 1, SOON],
    ["5А", "Орлов Тест", "Математика", 2, 1, "в классе по 15.11.2026"],
    ["5А", "Петрова Тест", "Математика", 4, 2, SOON],
    ["5А", "Сидоров Тест", "Математика", 4, 0, SOON],
    ["6А", "Шестаков Тест", "Математика", 0, 0, "уроков ещё не было"],
]


def test_marks_against_lessons_held(marked, people):
    school = marked
    report = accumulation.build(people.deputy, choice(school, period_id=school.q2.id))
    assert table(report) == EXPECTED
    ivanov_english, ivanov_maths = report.tables[0].rows[:2]
    assert ivanov_english.link == (f"/journal/grid?class_id={school.c5.id}&subject_id="
                                   f"{school.english.id}&subgroup_id={school.group1.id}"
                                   f"&period_id={school.q2.id}")  # his group's journal
    assert ivanov_maths.link == (f"/journal/grid?class_id={school.c5.id}&subject_id="
                                 f"{school.math.id}&period_id={school.q2.id}")
    (chart,) = report.charts
    assert chart.kind == "line"
    assert chart.labels == ["02.11", "09.11", "16.11", "23.11"]
    assert chart.series == [("5А", [4, 8, 10, 12]), ("6А", [0, 0, 0, 0])]
    assert "меньше 3" in " ".join(report.notes)


def test_flag_speaks_up_in_the_last_two_weeks(marked, people):
    """The last two weeks of quarter 2 begin on 12.12 (25.12 − 13 days): on 11.12 the flag
    is still the early warning, on 12.12 the loud one."""
    school = marked
    early = accumulation.build(people.deputy, Choice(school.year, D(2026, 12, 11),
                                                     school.c5.id, school.q2.id))
    assert table(early)[0][-1] == SOON
    late = accumulation.build(people.deputy, Choice(school.year, D(2026, 12, 12),
                                                    school.c5.id, school.q2.id))
    assert [row[-1] for row in table(late)] == [
        LATE, "", LATE, LATE, LATE, "в классе по 15.11.2026", LATE, LATE]
    assert len(table(late)) == 8  # 5А only


def test_minimum_is_the_schools_setting(marked, people):
    settings = SchoolSettings.current()
    settings.min_marks = 2
    settings.save()
    report = accumulation.build(people.deputy, choice(marked, period_id=marked.q2.id,
                                                      class_id=marked.c5.id))
    assert [row[-1] for row in table(report)] == [
        "", "", "", "мало отметок (меньше 2)", "мало отметок (меньше 2)",
        "в классе по 15.11.2026", "", "мало отметок (меньше 2)"]


def test_one_subject_and_the_subject_teachers_own(marked, people):
    school = marked
    only = accumulation.build(people.deputy, choice(school, period_id=school.q2.id,
                                                    subject_id=school.english.id))
    assert table(only) == [EXPECTED[0], EXPECTED[2]]
    own = accumulation.build(people.english, choice(school, period_id=school.q2.id))
    assert table(own) == [EXPECTED[0], EXPECTED[2]]
    assert own.charts[0].series == [("5А", [1, 3, 4, 4])]  # English marks only


def test_many_classes_chart_by_parallel(marked, people):
    """Five more fifth classes make seven: the chart draws the parallels, 5А's marks in
    «5-е классы» (the new classes gave none)."""
    school = marked
    for letter in "БВГДЕ":
        SchoolClass.create(year=school.year, grade=5, letter=letter)
    report = accumulation.build(people.deputy, choice(school, period_id=school.q2.id))
    assert report.charts[0].series == [("5-е классы", [4, 8, 10, 12]),
                                       ("6-е классы", [0, 0, 0, 0])]
