"""The teacher's day (issue 14): «Сегодня» lists the day's lessons from the timetable; one
click opens the journal with the day's column made from the timetable (its number, the
next КТП topic); a second lesson with the same date and number is refused; a comment is
written from the grid and reaches the diary's reader; low marks and absences are coloured.
The Monday of a teacher is walked in a real Chromium with its clicks and keystrokes counted.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest

from models import (
    Attendance,
    Bell,
    Lesson,
    Mark,
    PlanTopic,
    TeacherComment,
    TeachingAssignment,
    TimetableSlot,
)
from models.record import ClassRecord
from models.today import day_lessons, next_plan_topic, open_slot_lesson
from tests.chromium import ALL_SAVED
from tests.panel import PASSWORD, Browser

MONDAY = dt.date(2026, 11, 23)


@pytest.fixture
def today(monkeypatch):
    """A Monday: the teacher's week begins (servers started now inherit it)."""
    monkeypatch.setenv("JOURNAL_TODAY", MONDAY.isoformat())
    return MONDAY


@pytest.fixture
def site(panel_server):
    """The served panel over the small school as it is (no lessons of last week)."""
    return panel_server


def as_another(app, login: str) -> Browser:
    """A second person at another computer."""
    other = Browser(app.test_client())
    other.login(login)
    return other


def timetable(school, people, day: dt.date = MONDAY) -> dict:
    """Monday's timetable: maths 5А 2nd lesson in room 12, maths 6А 4th; the English
    teacher's group lesson 3rd; bells for 1–4; a КТП of three topics for maths in 5А."""
    for number, (starts, ends) in enumerate([("08:30", "09:15"), ("09:25", "10:10"),
                                             ("10:30", "11:15"), ("11:25", "12:10")], 1):
        Bell.create(number=number, starts=dt.time.fromisoformat(starts),
                    ends=dt.time.fromisoformat(ends), valid_from=school.start)
    weekday = day.isoweekday()
    slots = {
        "5А": TimetableSlot.create(school_class=school.c5, subject=school.math,
                                   teacher=school.teacher, weekday=weekday, number=2,
                                   room="12", valid_from=school.start),
        "6А": TimetableSlot.create(school_class=school.c6, subject=school.math,
                                   teacher=school.teacher, weekday=weekday, number=4,
                                   room="12", valid_from=school.start),
        "english": TimetableSlot.create(school_class=school.c5, subject=school.english,
                                        subgroup=school.group1, teacher=people.english,
                                        weekday=weekday, number=3, valid_from=school.start),
    }
    assignment = TeachingAssignment.get(school_class=school.c5, subject=school.math)
    for n, title in enumerate(["Сложение дробей", "Вычитание дробей", "Умножение дробей"], 1):
        PlanTopic.create(assignment=assignment, number=n, title=title)
    return slots


# --- the model: the day's lessons, the column from a slot ------------------------------

def test_the_days_lessons_come_from_the_timetable_with_bells_and_what_is_recorded(
        school, people):
    slots = timetable(school, people)
    lines = day_lessons(school.teacher, MONDAY)
    assert [(x.number, x.school_class.name, x.room) for x in lines] == [(2, "5А", "12"),
                                                                          (4, "6А", "12")]
    assert [(x.bell.starts, x.bell.ends) for x in lines] == [
        (dt.time(9, 25), dt.time(10, 10)), (dt.time(11, 25), dt.time(12, 10))]
    assert [x.lesson for x in lines] == [None, None]
    # The English teacher sees only their group's lesson.
    assert [(x.number, x.subgroup.name) for x in day_lessons(people.english, MONDAY)] == [
        (3, "1 группа")]
    # Recorded: the line holds the lesson; a lesson the teacher gave outside the timetable
    # (a substitution in 1А) is a line of its own, marked so.
    lesson = open_slot_lesson(school.teacher, slots["5А"].id, MONDAY)
    substitution = school.lesson(school.c1, day=MONDAY, number=1)
    lines = day_lessons(school.teacher, MONDAY)
    assert [(x.number, x.school_class.name, x.lesson and x.lesson.id) for x in lines] == [
        (1, "1А", substitution.id), (2, "5А", lesson.id), (4, "6А", None)]
    assert lines[0].substitute.startswith("замена") and not lines[1].substitute
    # A slot of another weekday, or one no longer valid, is not listed.
    slots["6А"].valid_to = MONDAY - dt.timedelta(days=1)
    slots["6А"].save()
    assert [x.number for x in day_lessons(school.teacher, MONDAY)] == [1, 2]
    assert day_lessons(school.teacher, MONDAY + dt.timedelta(days=1)) == []


def test_a_slot_gives_its_number_and_the_next_topic_and_is_opened_not_doubled(school, people):
    slots = timetable(school, people)
    assignment = TeachingAssignment.get(school_class=school.c5, subject=school.math)
    first = PlanTopic.get(assignment=assignment, number=1)
    school.lesson(day=MONDAY - dt.timedelta(days=7), topic=first.title, plan_topic=first)
    assert next_plan_topic(school.c5, school.math, None).title == "Вычитание дробей"
    lesson = open_slot_lesson(school.teacher, slots["5А"].id, MONDAY)
    assert (lesson.date, lesson.number, lesson.topic) == (MONDAY, 2, "Вычитание дробей")
    assert lesson.plan_topic.number == 2
    assert open_slot_lesson(school.teacher, slots["5А"].id, MONDAY).id == lesson.id
    assert Lesson.select().where(Lesson.date == MONDAY).count() == 1
    assert next_plan_topic(school.c5, school.math, None).title == "Умножение дробей"


def test_a_slot_of_another_teacher_or_day_opens_nothing(school, people):
    from models import RuleError
    from models.access import AccessDenied

    slots = timetable(school, people)
    with pytest.raises(AccessDenied):
        open_slot_lesson(people.other, slots["5А"].id, MONDAY)
    with pytest.raises(RuleError, match="В расписании на этот день такого урока нет"):
        open_slot_lesson(school.teacher, slots["5А"].id, MONDAY + dt.timedelta(days=1))
    assert not Lesson.select().exists()


# --- the panel: «Сегодня», the same column refused, comments, colours --------------------

def test_today_page_lists_the_lessons_and_one_click_opens_the_column(app, browser, school,
                                                                    people):
    slots = timetable(school, people)
    browser.login(people.teacher.login)
    home = browser.get("/").get_data(as_text=True)
    assert "Сегодня, пн, 23.11.2026" in home
    assert "09:25–10:10" in home and "Начать урок" in home
    response = browser.post("/journal/today", {"slot_id": slots["5А"].id,
                                               "day": MONDAY.isoformat()})
    assert response.status_code == 302
    lesson = Lesson.get(Lesson.date == MONDAY)
    assert f"lesson={lesson.id}" in response.headers["Location"]
    grid = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert f'data-open-lesson="{lesson.id}"' in grid
    assert "Открыть урок" in browser.get("/").get_data(as_text=True)
    # Another teacher's slot: refused with the reason, nothing made.
    as_another(app, people.other.login).post(
        "/journal/today", {"slot_id": slots["5А"].id, "day": MONDAY.isoformat()})
    assert Lesson.select().count() == 1


def test_a_second_lesson_with_the_same_date_and_number_is_refused(browser, school, people):
    browser.login(people.teacher.login)
    lesson = {"class_id": school.c5.id, "subject_id": school.math.id, "date": "2026-11-20",
              "number": 3, "topic": "Дроби"}
    assert browser.post_json("/journal/api/lesson", lesson).status_code == 200
    twin = browser.post_json("/journal/api/lesson", {**lesson, "topic": "Ещё раз"})
    assert twin.status_code == 422
    assert "уже есть 3-й урок 20.11.2026" in twin.get_json()["error"]
    assert browser.post_json("/journal/api/lesson", {**lesson, "number": 4}).status_code == 200
    assert Lesson.select().where(Lesson.date == dt.date(2026, 11, 20)).count() == 2


def test_a_comment_is_written_from_the_grid_escaped_and_read_by_every_reader(
        app, browser, school, people):
    ivanov = school.pupils5[0]
    lesson = school.lesson(day=MONDAY - dt.timedelta(days=3))
    browser.login(people.teacher.login)
    text = "<b>Молодец</b>, решил у доски"
    answer = browser.post_json("/journal/api/comment",
                               {"lesson": lesson.id, "student": ivanov.id, "text": text})
    assert answer.status_code == 200 and answer.get_json() == {"text": text}
    grid = browser.get(f"/journal/grid?class_id={school.c5.id}&subject_id={school.math.id}")
    html = grid.get_data(as_text=True)
    assert "&lt;b&gt;Молодец&lt;/b&gt;" in html and "<b>Молодец" not in html
    assert 'class="has-comment"' in html
    record = ClassRecord(school.c5, school.period.start, school.today)
    assert record.all_rows.comments[lesson.id, ivanov.id] == [("Учителева А.П.", text)]
    # Replaced, not added; an empty text removes it.
    browser.post_json("/journal/api/comment",
                      {"lesson": lesson.id, "student": ivanov.id, "text": "Исправил"})
    assert [c.text for c in TeacherComment.select()] == ["Исправил"]
    browser.post_json("/journal/api/comment",
                      {"lesson": lesson.id, "student": ivanov.id, "text": "  "})
    assert not TeacherComment.select().exists()
    # Too long: refused in Russian; another teacher's lesson: refused.
    long = browser.post_json("/journal/api/comment",
                             {"lesson": lesson.id, "student": ivanov.id, "text": "а" * 501})
    assert long.status_code == 422 and "Комментарий длиннее 500" in long.get_json()["error"]
    other = as_another(app, people.other.login).post_json("/journal/api/comment",
                              {"lesson": lesson.id, "student": ivanov.id, "text": "Чужой"})
    assert other.status_code == 403
    assert not TeacherComment.select().exists()


def test_low_marks_and_absences_are_coloured_in_the_grid(browser, school, people):
    ivanov, petrova, sidorov = school.pupils5
    lesson = school.lesson(day=MONDAY - dt.timedelta(days=3))
    Mark.create(lesson=lesson, student=ivanov, value="2")
    Mark.create(lesson=lesson, student=petrova, value="5")
    Attendance.create(lesson=lesson, student=sidorov, code="Б")
    browser.login(people.teacher.login)
    html = browser.get(f"/journal/grid?class_id={school.c5.id}&subject_id={school.math.id}"
                       ).get_data(as_text=True)
    looks = {sid: look for look, sid in re.findall(
        rf'<td class="([^"]*)"><input class="cell" data-lesson="{lesson.id}" '
        r'data-student="(\d+)"', html)}
    assert looks == {str(ivanov.id): "mark-low", str(petrova.id): "",
                     str(sidorov.id): "absence"}
    assert "неудовлетворительная отметка" in html  # the legend


# --- the teacher's Monday in a real Chromium ------------------------------------------------

class Counted:
    """The page as a user works it: every click and every key counted."""

    def __init__(self, page):
        self.page, self.clicks, self.keys = page, 0, 0

    def click(self, locator) -> None:
        locator.click()
        self.clicks += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.keys += len(text)

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.keys += 1


@pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)
def test_a_teachers_monday_in_a_browser(new_page, school, people):
    """Log in → «Сегодня» → «Начать урок» (the 2nd lesson, the next КТП topic already
    there) → homework → marks for five pupils, two absences, a test as a second work with
    two marks, a comment. At most five clicks besides typing."""
    timetable(school, people)
    extra = [school.pupil(name, school.c5, school.start) for name in ("Орлова", "Павлов",
                                                                       "Яковлева", "Зуев")]
    page = new_page()
    user = Counted(page)
    page.goto("/login/")
    page.locator("#login").focus()
    user.type(people.teacher.login)
    user.press("Tab")
    user.type(PASSWORD)
    user.press("Enter")
    page.wait_for_selector("#today")
    user.click(page.get_by_role("button", name="Начать урок").first)
    page.wait_for_url(re.compile(r"/journal/grid\?"))
    form = page.locator("#lesson-form")
    assert form.is_visible()
    assert page.locator("#lf-topic").input_value() == "Сложение дробей"
    assert page.locator("#lf-number").input_value() == "2"
    assert page.evaluate("document.activeElement.id") == "lf-topic"
    user.press("Enter")                      # the topic stands → «Вид работы»
    user.press("Enter")                      # → «Домашнее задание»
    user.type("№ 15, 17")
    user.press("Enter")                      # → «Сохранить урок»
    user.press("Enter")                      # saves; the column's first cell has the cursor
    page.wait_for_url(re.compile(r"focus="))
    lesson = Lesson.get(Lesson.date == MONDAY)
    assert (lesson.number, lesson.topic, lesson.homework) == (2, "Сложение дробей", "№ 15, 17")
    pupils = [*school.pupils5, *extra]  # the grid's rows are in the class list's order
    order = [int(x) for x in page.locator(f'#grid input.cell[data-lesson="{lesson.id}"]')
             .evaluate_all("els => els.map(e => e.dataset.student)")]
    assert sorted(order) == sorted(p.id for p in pupils)
    assert page.evaluate("document.activeElement.dataset.lesson") == str(lesson.id)
    typed = ["5", "4", "Н", "5", "3", "Б", "4"]
    for text in typed:
        user.type(text)
        user.press("Enter")                  # → the next pupil
    # A second work in the lesson, a test (weight 2): the column's date opens the lesson's
    # form, «Добавить работу» adds the work chosen (the first, «Контрольная работа»), and
    # its first cell has the cursor.
    user.click(page.locator(f'th[data-lesson-id="{lesson.id}"] .lesson-btn'))
    user.click(page.locator("#lf-work-add"))
    page.wait_for_url(re.compile(r"work="))
    assert page.evaluate("document.activeElement.dataset.work") == str(school.test.id)
    for text in ("3", "4"):
        user.type(text)
        user.press("Enter")
    # A comment to the first pupil: click its cell (the last cell typed is saved on
    # leaving it), then the comment field, type, Enter.
    first = page.locator(f'#grid input.cell[data-lesson="{lesson.id}"]').first
    user.click(first)
    page.wait_for_function(ALL_SAVED)
    user.click(page.locator("#comment-text"))
    user.type("Хорошо отвечал у доски")
    user.press("Enter")
    page.wait_for_selector(f'#grid td.has-comment input[data-lesson="{lesson.id}"]')

    by_id = {p.id: p for p in pupils}
    expected = dict(zip(order, typed))
    for sid, text in expected.items():
        got = [m.value for m in Mark.select().where((Mark.lesson == lesson)
                                                    & (Mark.student == sid)
                                                    & Mark.work_type.is_null())]
        code = [a.code for a in Attendance.select().where((Attendance.lesson == lesson)
                                                          & (Attendance.student == sid))]
        assert " ".join(code + got) == text, by_id[sid].last_name
    assert sum(t.isdigit() for t in typed) == 5
    tests = {m.student_id: m.value for m in Mark.select().where(
        (Mark.lesson == lesson) & (Mark.work_type == school.test))}
    assert tests == {order[0]: "3", order[1]: "4"}
    assert [(c.student_id, c.text) for c in TeacherComment.select()] == [
        (order[0], "Хорошо отвечал у доски")]
    # The colours follow what was typed.
    assert page.locator(f'#grid td.absence input[data-lesson="{lesson.id}"]').count() == 2
    print(f"\nteacher's Monday: {user.clicks} clicks, {user.keys} keystrokes")
    assert user.clicks <= 5


def test_a_comment_reaches_the_diary_and_the_sheet_as_sanitised_markdown(
        browser, school, people, tmp_path, monkeypatch):
    import models.diary as diary_model
    from site_builder.build import build
    from site_builder.pages import week_page
    from site_builder.printing import monday_of, week_sheets_html
    from tests.outputs import CONTENT, FAST_ITERATIONS, issue_all, open_page

    monkeypatch.setattr(diary_model, "ITERATIONS", FAST_ITERATIONS)
    ivanov = school.pupils5[0]
    lesson = school.lesson(day=MONDAY - dt.timedelta(days=3))
    browser.login(people.teacher.login)
    browser.post_json("/journal/api/comment", {
        "lesson": lesson.id, "student": ivanov.id,
        "text": "**Молодец**, см. <script>alert(1)</script>"})
    shown = "<strong>Молодец</strong>, см."
    sheet = week_sheets_html(school.c5, monday_of(lesson.date))
    assert shown in sheet and "<script>alert" not in sheet
    [(_access, password)] = issue_all([ivanov]).values()
    build(tmp_path / "output", CONTENT, school.today)
    folder = tmp_path / "output" / "site" / "d" / _access.token
    week = open_page(folder / week_page(monday_of(lesson.date)), password)
    assert shown in week and "<script>alert" not in week
