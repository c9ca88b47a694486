"""«Выполнение программы»: quarter 2 (02.11–25.12.2026) formed on 25.11, worked out by
hand.

School days from 02.11 to 25.11 in a five-day week: 18, less the holiday on 04.11 = 17,
so 17 / 5 = 3.4 weeks.

5А Математика, 4 hours a week → 4 × 3.4 = 13.6 hours due. КТП: topics on 02.11 (1 h),
09.11 (2 h), 16.11 (1 h), 23.11 (1 h) → 4 topics, 5 hours; one on 30.11 (not due yet) and
one on 20.10 (quarter 1) left out. Lessons held: 02.11 (topic 1), 03.11 (no topic),
09.11 and 10.11 (topic 2), 16.11 (topic 3) → 5, 4 of them on КТП topics. КТП: 5 − 5 = 0,
5/5 = 100 %. Curriculum: 5 − 13.6 = −8.6; 5/13.6 = 36.76… → 36.8 %.

5А English, group 1 only, 2 hours a week → 6.8 due; no КТП; lessons 03.11, 10.11 → 2:
2 − 6.8 = −4.8, 2/6.8 = 29.41… → 29.4 %; % of the КТП: none (nothing planned).

6А Математика and English (2 группа), 1А Математика: 1 hour a week, no lessons → 3.4 due,
−3.4, 0 %.

Range 09.11–13.11 (5 school days, 1 week): Математика 4 due, topic 2 (2 h) planned, lessons
09.11 and 10.11 → 2 − 2 = 0, 100 %; 2 − 4 = −2, 50 %.
"""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from models import Holiday, PlanTopic, RuleError, TeachingAssignment
from models.reports import programme
from tests.report_school import D, choice, two_quarters


@pytest.fixture
def planned(school, people):
    _, q2 = two_quarters(school)
    Holiday.create(year=school.year, name="День народного единства", start=D(2026, 11, 4),
                   end=D(2026, 11, 4))
    maths = TeachingAssignment.get(school_class=school.c5, subject=school.math)
    maths.hours_per_week = 4
    maths.save()
    english = TeachingAssignment.get(school_class=school.c5, subject=school.english)
    english.hours_per_week = 2
    english.save()
    topics = {}
    for number, (day, hours) in enumerate(
            [(D(2026, 11, 2), 1), (D(2026, 11, 9), 2), (D(2026, 11, 16), 1),
             (D(2026, 11, 23), 1), (D(2026, 11, 30), 1), (D(2026, 10, 20), 1)], 1):
        topics[number] = PlanTopic.create(assignment=maths, number=number, hours=hours,
                                          title=f"Тема {number}", planned_date=day)
    for day, topic in [(D(2026, 11, 2), 1), (D(2026, 11, 3), None), (D(2026, 11, 9), 2),
                       (D(2026, 11, 10), 2), (D(2026, 11, 16), 3)]:
        school.lesson(day=day, number=1, plan_topic=topic and topics[topic])
    for day in (D(2026, 11, 3), D(2026, 11, 10)):
        school.lesson(day=day, number=2, subject=school.english, subgroup=school.group1,
                      teacher=people.english)
    school.q2 = q2
    return school


def table(report) -> list[list]:
    (only,) = report.tables
    return [row.cells for row in only.rows]


ENGLISH_5 = ["5А", "Иностранный язык (английский) (1 группа)", "Учителева А.П.", 0, 0,
             2, 0, 2, None, 6.8, -4.8, 0.294]
MATHS_5 = ["5А", "Математика", "Учителева А.П.", 4, 5, 5, 4, 0, 1.0, 13.6, -8.6, 0.368]
IDLE = [0, 0, 0, 0, 0, None, 3.4, -3.4, 0.0]


def test_quarter_so_far(planned, people):
    school = planned
    report = programme.build(people.deputy, choice(school, period_id=school.q2.id))
    assert table(report) == [  # in class order
        ["1А", "Математика", "Учителева А.П.", *IDLE],
        ENGLISH_5, MATHS_5,
        ["6А", "Иностранный язык (английский) (2 группа)", "Учителева А.П.", *IDLE],
        ["6А", "Математика", "Учителева А.П.", *IDLE],
    ]
    rows = {(r.cells[0], r.cells[1]): r for r in report.tables[0].rows}
    assert rows["5А", ENGLISH_5[1]].link == (
        f"/journal/grid?class_id={school.c5.id}&subject_id={school.english.id}"
        f"&subgroup_id={school.group1.id}&period_id={school.q2.id}")
    assert "5 учебных дней" in " ".join(report.notes)


def test_a_date_range(planned, people):
    school = planned
    report = programme.build(people.deputy, choice(
        school, class_id=school.c5.id, subject_id=school.math.id,
        start=D(2026, 11, 9), end=D(2026, 11, 13)))
    assert table(report) == [["5А", "Математика", "Учителева А.П.", 1, 2, 2, 2, 0, 1.0,
                              4.0, -2.0, 0.5]]
    assert report.scope.startswith("5А, с 09.11.2026 по 13.11.2026")


def test_subject_teacher_sees_their_journal(planned, people):
    report = programme.build(people.english, choice(planned, period_id=planned.q2.id))
    assert table(report) == [ENGLISH_5]


def test_a_period_of_another_year_is_refused(planned, people):
    with pytest.raises(RuleError, match="Такого учебного периода"):
        programme.build(people.deputy, choice(planned, period_id=planned.q2.id + 100))


def test_the_panel_and_the_xlsx(planned, people, browser):
    """The deputy opens 5А's quarter in the panel and downloads it: hours stay numbers."""
    school = planned
    browser.login(people.deputy.login)
    url = f"/reports/programme?class_id={school.c5.id}&period_id={school.q2.id}"
    page = browser.get(url)
    assert page.status_code == 200
    assert "Выполнение программы" in page.get_data(as_text=True)
    xlsx = browser.get(url + "&format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data))["Выполнение программы"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert MATHS_5 in rows
