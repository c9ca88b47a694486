"""Issue 10, the attacks on the journal's rows, replayed over HTTP as they were found.

Item 1 (a subgroup teacher against the other group and the whole class) is in
test_authorization.py's matrix. Item 4: one cell flooded with marks, oversized texts and
bodies. Item 6: a lesson moved to a date its pupils were not in the class.
Item 10: period marks the data does not support. Item 11: guardians' phones of pupils
who left. Item 15 (and issue 11.3): malformed requests that used to end in a 500.
"""
from __future__ import annotations

import datetime as dt

import pytest

from models import (
    Attendance,
    Guardian,
    Lesson,
    Mark,
    Movement,
    Period,
    PeriodMark,
    StudentGuardian,
    SubgroupMember,
    Subject,
    TeacherComment,
    TeachingAssignment,
)
from tests.pages import lesson_payload
from tests.panel import CYRILLIC, Browser, rows

DAY = dt.timedelta(days=1)


# --- item 4: sizes ------------------------------------------------------------------

def cell(browser, lesson, pupil, value):
    return browser.post_json("/journal/api/cell", {"lesson": lesson.id, "student": pupil.id,
                                                   "value": value})


def test_one_cell_takes_at_most_four_marks(browser, people, school):
    """Issue 10.4: «5» × 8,000 in one cell; a double mark counts as two."""
    lesson, pupil = school.lesson(), school.pupils5[0]
    browser.login(people.teacher.login)
    before = rows()
    flood = cell(browser, lesson, pupil, " ".join(["5"] * 8000))
    assert flood.status_code == 422 and "Слишком длинная запись" in flood.get_json()["error"]
    five = cell(browser, lesson, pupil, "5 5 4 4 3")
    assert five.status_code == 422 and "не больше 4 отметок" in five.get_json()["error"]
    assert cell(browser, lesson, pupil, "54545").status_code == 422
    assert rows() == before  # no mark, no audit entry
    assert cell(browser, lesson, pupil, "5/4 4/3").get_json()["text"] == "5 4 4 3"


def test_long_topics_and_homework_are_refused_not_cut(browser, people, school):
    browser.login(people.teacher.login)
    topic = browser.post_json("/journal/api/lesson", lesson_payload(school, topic="т" * 501))
    assert topic.status_code == 422 and "500" in topic.get_json()["error"]
    homework = browser.post_json("/journal/api/lesson",
                                 lesson_payload(school, homework="д" * 2001))
    assert homework.status_code == 422 and "2000" in homework.get_json()["error"]
    assert Lesson.select().count() == 0
    saved = browser.post_json("/journal/api/lesson", lesson_payload(
        school, topic="т" * 500, homework="д" * 2000))
    lesson = Lesson.get_by_id(saved.get_json()["id"])
    assert (len(lesson.topic), len(lesson.homework)) == (500, 2000)
    longer = browser.post_json("/journal/api/lesson", lesson_payload(
        school, lesson_id=lesson.id, topic="т" * 600))
    assert longer.status_code == 422 and Lesson.get_by_id(lesson.id).topic == "т" * 500


def test_a_large_body_is_refused_before_anything_is_written(browser, people, school):
    browser.login(people.teacher.login)
    before = rows()
    response = browser.post_json("/journal/api/lesson",
                                 lesson_payload(school, homework="д" * 70_000))
    assert response.status_code == 413
    assert "Слишком большой запрос" in response.get_json()["error"]
    assert rows() == before


# --- item 6: moving a lesson's date ---------------------------------------------------

def test_a_lesson_is_not_moved_to_a_day_its_pupils_were_not_in_the_class(
        browser, people, school):
    """Issue 10.6: a lesson with a pupil's mark moved to before the pupil's enrolment."""
    days = school.school_days(school.start, school.today)
    before_enrolment, enrolled = days[15], days[16]
    late = school.pupil("Новикова", school.c5, enrolled)
    absent = school.pupil("Орлов", school.c5, enrolled)
    noted = school.pupil("Павлова", school.c5, enrolled)
    lesson = school.lesson(day=days[19])
    Mark.create(lesson=lesson, student=late, value="5")
    Attendance.create(lesson=lesson, student=absent, code="Н")
    TeacherComment.create(lesson=lesson, student=noted, author=school.teacher, text="Молодец")
    Mark.create(lesson=lesson, student=school.pupils5[0], value="4")
    browser.login(people.teacher.login)
    before = rows()
    moved = browser.post_json("/journal/api/lesson", lesson_payload(
        school, lesson_id=lesson.id, date=before_enrolment.isoformat()))
    assert moved.status_code == 422
    error = moved.get_json()["error"]
    assert all(name in error for name in ("Новикова", "Орлов", "Павлова")), error
    assert "Иванов" not in error
    assert rows() == before
    fine = browser.post_json("/journal/api/lesson", lesson_payload(
        school, lesson_id=lesson.id, date=enrolled.isoformat()))
    assert fine.status_code == 200 and Lesson.get_by_id(lesson.id).date == enrolled


def test_a_group_lesson_is_not_moved_before_a_pupils_membership(browser, people, school):
    joined = school.start + 10 * DAY
    SubgroupMember.update(start=joined).where(SubgroupMember.subgroup == school.group1).execute()
    lesson = Lesson.create(school_class=school.c5, subject=school.english,
                           subgroup=school.group1, teacher=people.english, date=joined)
    Mark.create(lesson=lesson, student=school.pupils5[0], value="5")
    browser.login(people.english.login)
    moved = browser.post_json("/journal/api/lesson", {
        "class_id": school.c5.id, "subject_id": school.english.id,
        "subgroup_id": school.group1.id, "lesson_id": lesson.id,
        "date": (joined - DAY).isoformat()})
    assert moved.status_code == 422 and "Иванов" in moved.get_json()["error"]
    assert Lesson.get_by_id(lesson.id).date == joined


@pytest.mark.parametrize("day", ["2019-05-20", "0001-01-01"])
def test_a_lesson_date_outside_the_academic_year_is_refused(browser, people, school, day):
    lesson = school.lesson()
    browser.login(people.teacher.login)
    created = browser.post_json("/journal/api/lesson", lesson_payload(school, date=day))
    assert created.status_code == 422 and "учебного года" in created.get_json()["error"]
    moved = browser.post_json("/journal/api/lesson", lesson_payload(
        school, lesson_id=lesson.id, date=day))
    assert moved.status_code == 422 and "учебного года" in moved.get_json()["error"]
    assert [x.date for x in Lesson.select()] == [lesson.date]


# --- item 10: period marks the data does not support ---------------------------------

def test_period_marks_the_data_does_not_support_are_refused(browser, people, school):
    """Issue 10.10, as 5А's class teacher, who may set period marks in every subject."""
    chemistry = Subject.create(name="Химия")
    sport = Subject.create(name="Физическая культура")
    TeachingAssignment.create(school_class=school.c5, subject=sport, teacher=people.other,
                              grading_scale="pass")
    half = Period.create(year=school.year, scheme="half", number=1, start=school.start,
                         end=school.today + 30 * DAY)
    second = Period.create(year=school.year, scheme="quarter", number=2,
                           start=school.today + 31 * DAY, end=school.today + 90 * DAY)
    browser.login(people.teacher.login)
    mark = {"class_id": school.c5.id, "subject_id": school.math.id,
            "period_id": school.period.id, "student": school.pupils5[0].id, "value": "4"}
    refusals = {
        "не входит в учебный план": {**mark, "subject_id": chemistry.id},
        "не входит в учебный план ": {**mark, "subject_id": 999_999},
        "учится по четвертям": {**mark, "period_id": half.id},
        "недопустима": {**mark, "value": "ЗЧ"},
        "недопустима ": {**mark, "subject_id": sport.id, "value": "5"},
        "ещё не начался": {**mark, "period_id": second.id},
    }
    for message, payload in refusals.items():
        response = browser.post_json("/journal/api/period-mark", payload)
        assert response.status_code == 422, (message, response.status_code)
        assert message.strip() in response.get_json()["error"], response.get_json()
    assert PeriodMark.select().count() == 0
    for payload in (mark, {**mark, "subject_id": sport.id, "value": "ЗЧ"}):
        assert browser.post_json("/journal/api/period-mark", payload).status_code == 200
    assert sorted(p.value for p in PeriodMark.select()) == ["4", "ЗЧ"]


# --- item 11: guardians of pupils who left -------------------------------------------

def test_my_class_shows_guardians_only_of_pupils_in_the_class_today(browser, people, school):
    stays, leaves = school.pupils5[0], school.pupils5[1]
    for pupil, phone in ((stays, "+7 900 111-11-11"), (leaves, "+7 900 222-22-22")):
        guardian = Guardian.create(last_name=pupil.last_name, first_name="Мама",
                                   middle_name="", phone=phone)
        StudentGuardian.create(student=pupil, guardian=guardian, relation="мать")
    Movement.create(student=leaves, kind="left", date=school.today - 10 * DAY)
    lesson = school.lesson(day=school.today - 20 * DAY)
    Attendance.create(lesson=lesson, student=leaves, code="Н")
    browser.login(people.teacher.login)
    past = (school.today - 20 * DAY).isoformat()
    page = browser.get(f"/my-class/?class_id={school.c5.id}&day={past}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Петрова" in html  # still on that day's attendance
    assert "+7 900 222-22-22" not in html
    assert "+7 900 111-11-11" in html
    for bad in ("не-дата", "2026-13-45", "99999-01-01"):
        response = browser.get(f"/my-class/?class_id={school.c5.id}&day={bad}")
        assert response.status_code in (200, 400), bad
        assert "+7 900 222-22-22" not in response.get_data(as_text=True)


# --- item 15: malformed requests -----------------------------------------------------

HUGE = 10**20  # beyond SQLite's 64-bit integers
INFINITY, NAN = float("inf"), float("nan")  # JSON's Infinity and NaN, which Python reads


def malformed(school, people) -> dict[str, tuple]:
    """Requests that used to end in a 500: name -> (method, url, JSON body)."""
    lesson = Lesson.get()
    c5, math = school.c5.id, school.math.id
    maths = TeachingAssignment.get((TeachingAssignment.teacher == people.teacher)
                                   & (TeachingAssignment.school_class == c5))
    lesson_fields = {"class_id": c5, "subject_id": math, "date": school.today.isoformat()}
    return {
        "absence: a list body": ("POST", "/my-class/api/absence", [1, 2]),
        "absence: a list id": ("POST", "/my-class/api/absence", {"attendance": [1], "code": "Б"}),
        "absence: an object id": ("POST", "/my-class/api/absence",
                                  {"attendance": {"id": 1}, "code": "Б"}),
        "absence: a huge id": ("POST", "/my-class/api/absence",
                               {"attendance": HUGE, "code": "Б"}),
        "cell: a huge lesson": ("POST", "/journal/api/cell",
                                {"lesson": HUGE, "student": 1, "value": "5"}),
        "cell: a huge pupil": ("POST", "/journal/api/cell",
                               {"lesson": lesson.id, "student": HUGE, "value": "5"}),
        "cell: a list pupil": ("POST", "/journal/api/cell",
                               {"lesson": lesson.id, "student": [1], "value": "5"}),
        "lesson: a huge class": ("POST", "/journal/api/lesson", {**lesson_fields,
                                                                 "class_id": HUGE}),
        "lesson: a huge lesson": ("POST", "/journal/api/lesson", {**lesson_fields,
                                                                  "lesson_id": HUGE}),
        "lesson: a huge subgroup": ("POST", "/journal/api/lesson", {**lesson_fields,
                                                                    "subgroup_id": HUGE}),
        "lesson: a huge work type": ("POST", "/journal/api/lesson", {**lesson_fields,
                                                                     "work_type_id": HUGE}),
        "lesson: a huge teacher": ("POST", "/journal/api/lesson", {**lesson_fields,
                                                                   "teacher_id": HUGE}),
        "lesson: a huge number": ("POST", "/journal/api/lesson", {**lesson_fields,
                                                                  "number": HUGE}),
        "lesson delete: a huge id": ("POST", "/journal/api/lesson/delete", {"lesson_id": HUGE}),
        "period mark: huge ids": ("POST", "/journal/api/period-mark", {
            "class_id": HUGE, "subject_id": HUGE, "period_id": HUGE, "student": HUGE,
            "value": "5"}),
        "period mark: a huge pupil": ("POST", "/journal/api/period-mark", {
            "class_id": c5, "subject_id": math, "period_id": school.period.id,
            "student": HUGE, "value": "5"}),
        "grid: a huge class": ("GET", f"/journal/grid?class_id={HUGE}&subject_id={math}", None),
        "grid: a huge period": ("GET", f"/journal/grid?class_id={c5}&subject_id={math}"
                                       f"&period_id={HUGE}&subgroup_id={HUGE}", None),
        "my class: a huge class": ("GET", f"/my-class/?class_id={HUGE}", None),
        "print: the last week of 9999": ("GET", f"/print/week?class_id={c5}&week=9999-12-31",
                                         None),
        "print: all classes in 9999": ("GET", "/print/week?class_id=all&week=9999-12-31", None),
        "print: a huge class": ("GET", f"/print/week?class_id={HUGE}&week=2020-01-06", None),
        "print: a temporary journal for 9999-12": (
            "GET", f"/print/temporary?assignment_id={maths.id}&month=9999-12-01", None),
        "print: a huge assignment": (
            "GET", f"/print/temporary?assignment_id={HUGE}&month=2020-01-01", None),
        "list: a huge page": ("GET", f"/setup/students/?page={HUGE}", None),
        "list: a negative page": ("GET", "/setup/students/?page=-1", None),
        # Issue 11.3 and 11.4: bodies of the wrong shape, numbers JSON allows but no id
        # is, text no database stores (PostgreSQL refuses NUL; a lone surrogate is no UTF-8).
        "list: page 2**63": ("GET", f"/setup/students/?page={2**63}", None),
        "absence: a number body": ("POST", "/my-class/api/absence", 5),
        "absence: a string body": ("POST", "/my-class/api/absence", "Б"),
        "cell: an infinite lesson": ("POST", "/journal/api/cell",
                                     {"lesson": INFINITY, "student": 1, "value": "5"}),
        "cell: a NaN pupil": ("POST", "/journal/api/cell",
                              {"lesson": lesson.id, "student": NAN, "value": "5"}),
        "lesson: a fractional lesson id": ("POST", "/journal/api/lesson", {
            **lesson_fields, "lesson_id": lesson.id + 0.9}),
        "lesson: number 0": ("POST", "/journal/api/lesson", {**lesson_fields, "number": 0}),
        "lesson: an infinite number": ("POST", "/journal/api/lesson", {**lesson_fields,
                                                                       "number": INFINITY}),
        "lesson: a NUL in the topic": ("POST", "/journal/api/lesson", {
            **lesson_fields, "topic": "Дроби\x00"}),
        "lesson: a lone surrogate in the homework": ("POST", "/journal/api/lesson", {
            **lesson_fields, "homework": "№ 5\ud800"}),
        "news: a NUL in the title": ("FORM", "/setup/news/new/", {
            "title": "Собрание\x00", "body": "В пятницу", "is_published": "y"}),
        "pupils: a NUL in the search": ("GET", "/setup/students/?search=%00", None),
        "news: a NUL in the search": ("GET", "/setup/news/?search=%00", None),
    }


MALFORMED = ["absence: a list body", "absence: a list id", "absence: an object id",
             "absence: a huge id", "cell: a huge lesson", "cell: a huge pupil",
             "cell: a list pupil", "lesson: a huge class", "lesson: a huge lesson",
             "lesson: a huge subgroup", "lesson: a huge work type", "lesson: a huge teacher",
             "lesson: a huge number", "lesson delete: a huge id", "period mark: huge ids",
             "period mark: a huge pupil", "grid: a huge class", "grid: a huge period",
             "my class: a huge class", "print: the last week of 9999",
             "print: all classes in 9999", "print: a huge class",
             "print: a temporary journal for 9999-12", "print: a huge assignment",
             "list: a huge page", "list: a negative page", "list: page 2**63",
             "absence: a number body", "absence: a string body", "cell: an infinite lesson",
             "cell: a NaN pupil", "lesson: a fractional lesson id", "lesson: number 0",
             "lesson: an infinite number", "lesson: a NUL in the topic",
             "lesson: a lone surrogate in the homework", "news: a NUL in the title",
             "pupils: a NUL in the search", "news: a NUL in the search"]


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_requests_get_a_4xx_in_russian(app, people, school, name):
    """Issues 10.15 and 11.3, as the deputy (every journal) and as 5А's class teacher."""
    school.lesson()
    method, url, body = malformed(school, people)[name]
    for who in (people.teacher, people.deputy):
        browser = Browser(app.test_client())
        browser.login(who.login)
        browser.get("/")
        before = rows()
        if method == "GET":
            response = browser.client.get(url)
        elif method == "FORM":
            response = browser.client.post(url, data={**body, "csrf_token": browser.token})
        else:
            response = browser.client.post(url, json=body,
                                           headers={"X-CSRFToken": browser.token})
        assert 400 <= response.status_code < 500, (who.login, response.status_code)
        text = response.get_json()["error"] if response.is_json else response.get_data(
            as_text=True)
        assert CYRILLIC.search(text), who.login
        assert rows() == before


def test_the_malformed_list_is_the_whole_table(people, school):
    school.lesson()
    assert sorted(malformed(school, people)) == sorted(MALFORMED)
