"""Works within a lesson (issue 14.2): a lesson carries a second graded work (say, a test
after the oral answers) in a column of its own; its marks carry its work type and weigh by
it (rule 7) in the grid, the diary and the weekly sheet alike."""
from __future__ import annotations

import re

from models import Attendance, LessonWork, Mark
from models.record import ClassRecord
from tests.panel import Browser

# Ivanov: «5» in the lesson's own column (no work type: weight 1) and «3» in its test
# (weight 2): (5 + 3·2) / 3.
AVERAGE = "3,67"


def grid(browser, school) -> str:
    return browser.get(f"/journal/grid?class_id={school.c5.id}&subject_id={school.math.id}"
                       ).get_data(as_text=True)


def a_lesson_with_a_test(browser, school):
    """The teacher adds the test to a lesson and types Ivanov's marks in both columns."""
    lesson = school.lesson(day=school.school_day(2))
    ivanov = school.pupils5[0]
    added = browser.post_json("/journal/api/work", {"lesson_id": lesson.id,
                                                    "work_type_id": school.test.id})
    assert added.status_code == 200, added.get_json()
    own = browser.post_json("/journal/api/cell", {"lesson": lesson.id, "student": ivanov.id,
                                                  "value": "5", "seen": ""})
    assert own.status_code == 200
    test = browser.post_json("/journal/api/cell", {"lesson": lesson.id, "student": ivanov.id,
                                                   "value": "3", "seen": "",
                                                   "work": school.test.id})
    assert test.status_code == 200, test.get_json()
    assert test.get_json()["average"] == AVERAGE
    return lesson


def test_a_work_within_a_lesson_is_a_column_whose_marks_weigh_by_its_type(
        browser, school, people):
    ivanov = school.pupils5[0]
    browser.login(people.teacher.login)
    lesson = a_lesson_with_a_test(browser, school)
    marks = {m.value: m.work_type_id for m in Mark.select().where(Mark.lesson == lesson)}
    assert marks == {"5": None, "3": school.test.id}
    html = grid(browser, school)
    assert re.search(rf'<th class="work-head" data-lesson-id="{lesson.id}" '
                     rf'data-work-type-id="{school.test.id}"', html)
    cells = re.findall(rf'data-lesson="{lesson.id}" data-student="{ivanov.id}"'
                       r'(?: data-work="(\d+)")? value="([^"]*)"', html)
    assert cells == [("", "5"), (str(school.test.id), "3")]
    assert f'<td class="avg" data-average>{AVERAGE}</td>' in html
    record = ClassRecord(school.c5, school.period.start, school.today)
    weights = sorted((m.value, m.weight) for m in record.all_rows.marks[lesson.id, ivanov.id])
    assert weights == [("3", 2.0), ("5", 1.0)]


def test_the_diary_and_the_sheet_weigh_the_work_the_same(browser, school, people, tmp_path,
                                                         monkeypatch):
    import models.diary as diary_model
    from site_builder.build import build
    from site_builder.printing import monday_of, week_sheets_html
    from tests.outputs import CONTENT, FAST_ITERATIONS, issue_all, open_page

    monkeypatch.setattr(diary_model, "ITERATIONS", FAST_ITERATIONS)
    ivanov = school.pupils5[0]
    browser.login(people.teacher.login)
    lesson = a_lesson_with_a_test(browser, school)
    sheet = week_sheets_html(school.c5, monday_of(lesson.date))
    assert re.search(rf'<td class="avg">{AVERAGE}</td>', sheet), "the sheet's average"
    [(access, password)] = issue_all([ivanov]).values()
    build(tmp_path / "output", CONTENT, school.today)
    marks_page = open_page(tmp_path / "output" / "site" / "d" / access.token / "marks.html",
                           password)
    assert f"<td>{AVERAGE}</td>" in marks_page
    week = open_page(tmp_path / "output" / "site" / "d" / access.token /
                     f"week-{monday_of(lesson.date).isoformat()}.html", password)
    assert 'title="Контрольная работа">3<' in week


def test_a_work_takes_marks_only_and_goes_with_them(app, browser, school, people):
    ivanov, petrova, _ = school.pupils5
    browser.login(people.teacher.login)
    lesson = a_lesson_with_a_test(browser, school)
    absent = browser.post_json("/journal/api/cell", {"lesson": lesson.id, "student": petrova.id,
                                                     "value": "Н", "seen": "",
                                                     "work": school.test.id})
    assert absent.status_code == 422
    assert "в столбце самого урока" in absent.get_json()["error"]
    assert not Attendance.select().exists()
    # The same work twice, or the lesson's own type as a work: refused.
    twice = browser.post_json("/journal/api/work", {"lesson_id": lesson.id,
                                                    "work_type_id": school.test.id})
    assert twice.status_code == 422 and "уже есть" in twice.get_json()["error"]
    lesson.work_type = school.oral
    lesson.save()
    own = browser.post_json("/journal/api/work", {"lesson_id": lesson.id,
                                                  "work_type_id": school.oral.id})
    assert own.status_code == 422 and "вид работы самого урока" in own.get_json()["error"]
    # Another teacher cannot add one.
    other = Browser(app.test_client())
    other.login(people.other.login)
    refused = other.post_json("/journal/api/work", {"lesson_id": lesson.id,
                                                    "work_type_id": school.oral.id})
    assert refused.status_code == 403
    # Removed: its marks go with it, the lesson's own stay.
    removed = browser.post_json("/journal/api/work", {"lesson_id": lesson.id, "remove": True,
                                                      "work_type_id": school.test.id})
    assert removed.get_json() == {"removed": 1}
    assert [m.value for m in Mark.select()] == ["5"] and not LessonWork.select().exists()
    after = browser.post_json("/journal/api/cell", {"lesson": lesson.id, "student": ivanov.id,
                                                    "value": "4", "seen": "",
                                                    "work": school.test.id})
    assert after.status_code == 409


def test_a_mark_given_its_own_type_elsewhere_shows_in_that_works_column(
        browser, school, people):
    """A mark with a work type of its own written before works had rows (or by an import)
    is never hidden: the grid shows its column, and it can be changed there."""
    ivanov = school.pupils5[0]
    lesson = school.lesson(day=school.school_day(1))
    Mark.create(lesson=lesson, student=ivanov, value="4", work_type=school.test)
    browser.login(people.teacher.login)
    html = grid(browser, school)
    assert f'data-work-type-id="{school.test.id}"' in html
    changed = browser.post_json("/journal/api/cell", {"lesson": lesson.id,
                                                      "student": ivanov.id, "value": "5",
                                                      "seen": "4", "work": school.test.id})
    assert changed.status_code == 200, changed.get_json()
    assert [(m.value, m.work_type_id) for m in Mark.select()] == [("5", school.test.id)]
