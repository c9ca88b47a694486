"""«Мой класс» for the class teacher's week (issue 14.6): the week's absences on one screen,
a whole sick day in one action, the suggested period marks accepted at once, and the
all-subjects sheet of the period, printable; low marks and absences coloured with a second
cue and a legend (issue 14.4). Over HTTP as the panel's users meet it, and one whole sick
day in a real Chromium."""
from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from models import (
    Attendance,
    AuditEntry,
    Lesson,
    Mark,
    Movement,
    Period,
    PeriodMark,
    Reopening,
    Subject,
    TeachingAssignment,
)
from models.record import ClassRecord
from models.rules import format_average
from tests.chromium import log_in
from tests.panel import _HASH, Browser
from tests.school import staff

DAY = dt.timedelta(days=1)
_TAG = re.compile(r"<[^>]+>")


def text(response) -> str:
    return response.get_data(as_text=True)


def week_cells(page: str) -> dict[tuple[int, str], str]:
    """(pupil id, ISO day) → the day's cell of the week table as text."""
    table = page[page.index('id="week"'):]
    table = table[:table.index("</table>")]
    return {(int(pupil), day): " ".join(html.unescape(_TAG.sub(" ", body)).split())
            for pupil, day, body in re.findall(
                r'<td class="week-day[^"]*" data-student="(\d+)" data-day="([\d-]+)"[^>]*>'
                r"(.*?)</td>", table, re.S)}


def served_css(browser: Browser) -> str:
    response = browser.get("/static/myclass.css")
    try:
        return response.get_data(as_text=True)
    finally:
        response.close()


def code_of(lesson: Lesson, pupil) -> str | None:
    found = Attendance.get_or_none((Attendance.lesson == lesson.id)
                                   & (Attendance.student == pupil.id))
    return found and found.code


def whole_day(browser: Browser, school_class, pupil, day: dt.date, code: str):
    return browser.post_json("/my-class/api/day", {"class_id": school_class.id,
                                                   "student": pupil.id,
                                                   "day": day.isoformat(), "code": code})


def subject_taught_by(school, teacher, name: str) -> Subject:
    subject = Subject.create(name=name)
    TeachingAssignment.create(school_class=school.c5, subject=subject, teacher=teacher)
    return subject


@pytest.fixture
def monday(school) -> dt.date:
    return school.today - dt.timedelta(days=school.today.weekday())


# --- the week on one screen ----------------------------------------------------------

def test_the_week_shows_every_pupils_absences_day_by_day(browser, school, people, monday):
    """5А's class teacher sees Monday's and Tuesday's absences of the whole week at once:
    a subgroup's lesson only for its pupils, and a pupil moved to 6А on Tuesday shown in
    5А until then and in 6А from then, with the absences of each class."""
    ivanov, petrova, sidorov = school.pupils5
    maths = school.lesson(day=monday, number=1)
    english = school.lesson(day=monday + DAY, number=2, subject=school.english,
                            subgroup=school.group1, teacher=people.english)
    Attendance.create(lesson=maths, student=petrova, code="Н")
    Attendance.create(lesson=maths, student=sidorov, code="ОП")
    Attendance.create(lesson=english, student=ivanov, code="Б")
    Movement.create(student=sidorov, kind="moved", date=monday + DAY, school_class=school.c6)
    in_6a = school.lesson(school.c6, day=monday + 2 * DAY, number=3)
    Attendance.create(lesson=in_6a, student=sidorov, code="У")

    browser.login(people.teacher.login)  # class teacher of 5А
    page = text(browser.get(f"/my-class/?class_id={school.c5.id}"))
    assert f"Посещаемость за неделю {monday:%d.%m}–{monday + 6 * DAY:%d.%m.%Y}" in page
    cells = week_cells(page)
    mon, tue, wed = (d.isoformat() for d in (monday, monday + DAY, monday + 2 * DAY))
    assert cells[petrova.id, mon].startswith("1. Математика Н Б У")  # a reason select
    assert f'data-lesson="{english.id}" data-student="{ivanov.id}" data-seen="Б"' in page
    assert "Иностранный" in cells[ivanov.id, tue]
    assert "Иностранный" not in cells[petrova.id, tue]  # not in the group: not her lesson
    assert "ОП" in cells[sidorov.id, mon]
    assert cells[sidorov.id, tue] == cells[sidorov.id, wed] == "не в классе"
    assert "Математика" not in cells[ivanov.id, mon]  # there: nothing to list
    assert re.search(rf'data-day="{mon}"[^>]*>\s*<div class="lesson-absence">', page)

    teacher_6a = Browser(browser.client.application.test_client())
    teacher_6a.login(people.class_teacher.login)
    page_6a = text(teacher_6a.get("/my-class/"))
    cells_6a = week_cells(page_6a)
    assert cells_6a[sidorov.id, mon] == "не в классе"
    assert cells_6a[sidorov.id, wed].startswith("3. Математика Н Б У")
    assert 'data-seen="У"' in page_6a and "ОП" not in cells_6a[sidorov.id, mon]

    day_view = text(browser.get(f"/my-class/?class_id={school.c5.id}&day={mon}"))
    assert f"Посещаемость {monday:%d.%m.%Y}" in day_view and 'id="attendance"' in day_view
    earlier = text(browser.get(f"/my-class/?class_id={school.c5.id}&week={monday - 7 * DAY}"))
    assert f"за неделю {monday - 7 * DAY:%d.%m}–" in earlier
    assert f'week={monday.isoformat()}"' in earlier  # back to this week


def test_another_class_teacher_neither_sees_nor_marks_the_week(browser, school, people,
                                                              monday):
    lesson = school.lesson(day=monday)
    Attendance.create(lesson=lesson, student=school.pupils5[0], code="Н")
    browser.login(people.class_teacher.login)  # 6А's only
    assert browser.get(f"/my-class/?class_id={school.c5.id}&week={monday}").status_code == 403
    refused = whole_day(browser, school.c5, school.pupils5[0], monday, "Б")
    assert refused.status_code == 403
    for bad in ({"class_id": None}, {"day": "понедельник"}, {"student": [1]}, {"code": 5}):
        payload = {"class_id": school.c6.id, "student": school.pupil6.id,
                   "day": monday.isoformat(), "code": "Б", **bad}
        assert browser.post_json("/my-class/api/day", payload).status_code == 400, bad
    assert code_of(lesson, school.pupils5[0]) == "Н"


# --- a whole day's absence -----------------------------------------------------------

def test_a_whole_sick_day_sets_every_lesson_the_rules_allow(browser, school, people, monday):
    """Petrova was ill on Monday. The class teacher (who teaches maths) picks «Б» once:
    her maths lesson gets the absence, the Russian teacher's «Н» becomes «Б»; history,
    where its teacher marked nothing, and a lesson where she got a mark, are left and
    named; the group's English lesson is not hers."""
    petrova = school.pupils5[1]
    russian = subject_taught_by(school, people.other, "Русский язык")
    history = subject_taught_by(school, people.other, "История")
    maths = school.lesson(day=monday, number=1)
    spoken = school.lesson(day=monday, number=2, subject=russian, teacher=people.other)
    past = school.lesson(day=monday, number=3, subject=history, teacher=people.other)
    marked = school.lesson(day=monday, number=4, subject=russian, teacher=people.other)
    english = school.lesson(day=monday, number=5, subject=school.english,
                            subgroup=school.group1, teacher=people.english)
    Attendance.create(lesson=spoken, student=petrova, code="Н")
    Mark.create(lesson=marked, student=petrova, value="4")
    before = AuditEntry.select().count()

    browser.login(people.teacher.login)
    answer = whole_day(browser, school.c5, petrova, monday, "Б")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["summary"].startswith(
        f"{monday:%d.%m.%Y}: отмечено «Б» (болел) на уроках: 1. Математика, 2. Русский язык.")
    assert "Не отмечено — 3. История: пропуска нет, а отметить его может только учитель " \
           "урока (Учителева А.П.)." in body["summary"]
    assert "Не отмечено — 4. Русский язык: ученик был на уроке" in body["summary"]
    assert "Иностранный" not in body["summary"]
    assert body["refused"] == 2
    assert 'data-seen="Б"' in body["cell"] and "весь день" in body["cell"]
    assert [code_of(x, petrova) for x in (maths, spoken, past, marked, english)] == [
        "Б", "Б", None, None, None]
    logged = list(AuditEntry.select().where(AuditEntry.id > before))
    assert len(logged) == 2 and all(e.staff_id == people.teacher.id for e in logged)
    assert all(e.reason == f"«Мой класс»: весь день {monday:%d.%m.%Y} — «Б»" for e in logged)

    again = whole_day(browser, school.c5, petrova, monday, "Б").get_json()
    assert "Уже было «Б» (болел): 1. Математика, 2. Русский язык." in again["summary"]
    assert whole_day(browser, school.c5, petrova, monday, "ОП").status_code == 422
    sidorov_moved = school.pupils5[2]
    Movement.create(student=sidorov_moved, kind="moved", date=monday - 3 * DAY,
                    school_class=school.c6)
    gone = whole_day(browser, school.c5, sidorov_moved, monday, "Б")
    assert gone.status_code == 422 and "не числится в 5А" in gone.get_json()["error"]


@pytest.fixture
def real_app(real_school, backend_url):
    """The panel over the real 2026/2027 calendar (quarter 1 locked since 31.10), with a
    Russian teacher beside 5А's class teacher (who teaches maths)."""
    from admin import create_app
    real_school.teacher.password_hash = _HASH
    real_school.teacher.save()
    return create_app({"TESTING": True, "DATABASE_URL": backend_url,
                       "SECRET_KEY": "test-secret"})


def test_a_whole_day_in_a_locked_period_writes_nothing(real_app, real_school, monkeypatch):
    """20.10.2026 is in quarter 1, locked since 31.10. The deputy reopened only the maths
    journal: maths could take the absence, Russian cannot — so neither does."""
    school, day = real_school, dt.date(2026, 10, 20)
    petrova = school.pupils5[1]
    russian_teacher = staff("russian.rr")
    russian = subject_taught_by(school, russian_teacher, "Русский язык")
    monkeypatch.setenv("JOURNAL_TODAY", "2026-10-21")
    maths = school.lesson(day=day, number=1)
    spoken = school.lesson(day=day, number=2, subject=russian, teacher=russian_teacher)
    Attendance.create(lesson=spoken, student=petrova, code="Н")
    monkeypatch.setenv("JOURNAL_TODAY", school.today.isoformat())
    quarter1 = Period.get((Period.year == school.year) & (Period.number == 1))
    Reopening.create(period=quarter1, school_class=school.c5, subject=school.math,
                     reason="исправление ошибки", until=school.today + DAY)
    before = AuditEntry.select().count()

    browser = Browser(real_app.test_client())
    browser.login(school.teacher.login)
    refused = whole_day(browser, school.c5, petrova, day, "Б")
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error.startswith("20.10.2026: ничего не изменено. 2. Русский язык: Журнал за "
                            "1-ю четверть закрыт"), error
    assert code_of(maths, petrova) is None and code_of(spoken, petrova) == "Н"
    assert AuditEntry.select().count() == before


# --- period marks: accepting the suggestions ------------------------------------------

def accept_form(page: str) -> dict:
    form = page[page.index('id="accept-form"'):]
    form = form[:form.index("</form>")]
    return {name: html.unescape(value) for name, value in re.findall(
        r'<input type="hidden" name="(\w+)" value="([^"]*)"', form) if name != "csrf_token"}


def period_marks(school) -> dict[tuple[str, str], str]:
    return {(pm.student.last_name, pm.subject.name): pm.value for pm in PeriodMark.select()}


def test_accepting_the_suggestions_sets_only_missing_marks_equal_to_them(
        browser, school, people):
    ivanov, petrova, sidorov = school.pupils5
    lessons = [school.lesson(day=school.today - d * DAY) for d in (9, 8)]
    english = school.lesson(day=school.today - 8 * DAY, subject=school.english,
                            subgroup=school.group1, teacher=people.english)
    for lesson, (a, b, c) in zip(lessons, (("5", "3", "2"), ("5", "2", "2"))):
        for pupil, value in ((ivanov, a), (petrova, b), (sidorov, c)):
            Mark.create(lesson=lesson, student=pupil, value=value)
    Mark.create(lesson=english, student=ivanov, value="4")
    PeriodMark.create(student=sidorov, school_class=school.c5, subject=school.math,
                      period=school.period, value="4", set_by=people.teacher)

    browser.login(people.teacher.login)
    page = text(browser.get(f"/my-class/?class_id={school.c5.id}"))
    assert "Принять рекомендованные (3)" in page
    assert re.search(r'2,50\s*→\s*<span class="mark-low">3</span>', page) is None
    assert re.search(r"2,00\s*→\s*<span class=\"mark-low\">2</span>", page)  # Sidorov's
    form = accept_form(page)
    before = AuditEntry.select().count()
    done = browser.post("/my-class/accept", form, follow_redirects=True)
    assert "Выставлено рекомендованных отметок: 3." in text(done)
    assert period_marks(school) == {
        ("Иванов", "Математика"): "5", ("Петрова", "Математика"): "3",
        ("Сидоров", "Математика"): "4", ("Иванов", "Иностранный язык (английский)"): "4"}
    logged = list(AuditEntry.select().where(AuditEntry.id > before))
    assert len(logged) == 3 and {e.table_name for e in logged} == {"period_mark"}
    assert all(e.staff_id == people.teacher.id and "рекомендованные" in e.reason
               for e in logged)
    assert "Принять рекомендованные" not in text(browser.get(f"/my-class/?class_id="
                                                               f"{school.c5.id}"))


def test_accepting_after_the_suggestions_changed_writes_nothing(browser, school, people):
    ivanov, petrova, _ = school.pupils5
    lesson = school.lesson(day=school.today - 9 * DAY)
    Mark.create(lesson=lesson, student=ivanov, value="5")
    Mark.create(lesson=lesson, student=petrova, value="4")
    browser.login(people.teacher.login)
    form = accept_form(text(browser.get(f"/my-class/?class_id={school.c5.id}")))
    # Meanwhile: Petrova's period mark is given by hand, Ivanov gets a «2» (5, 2 → 3,5: «4»).
    PeriodMark.create(student=petrova, school_class=school.c5, subject=school.math,
                      period=school.period, value="5", set_by=people.teacher)
    Mark.create(lesson=school.lesson(day=school.today - 8 * DAY), student=ivanov, value="2")
    refused = text(browser.post("/my-class/accept", form, follow_redirects=True))
    assert "Рекомендуемые отметки изменились, пока страница была открыта" in refused
    assert period_marks(school) == {("Петрова", "Математика"): "5"}


def test_accepting_in_a_locked_period_writes_nothing(real_app, real_school, monkeypatch):
    """Quarter 1 is locked: its suggestions are shown, accepting them is refused whole."""
    school = real_school
    quarter1 = Period.get((Period.year == school.year) & (Period.number == 1))
    monkeypatch.setenv("JOURNAL_TODAY", "2026-10-21")
    lesson = school.lesson(day=dt.date(2026, 10, 20))
    for pupil, value in zip(school.pupils5, ("5", "4", "3")):
        Mark.create(lesson=lesson, student=pupil, value=value)
    monkeypatch.setenv("JOURNAL_TODAY", school.today.isoformat())
    browser = Browser(real_app.test_client())
    browser.login(school.teacher.login)
    page = text(browser.get(f"/my-class/?class_id={school.c5.id}&period_id={quarter1.id}"))
    assert "Принять рекомендованные (3)" in page
    refused = text(browser.post("/my-class/accept", accept_form(page), follow_redirects=True))
    assert "Журнал за 1-ю четверть закрыт с 31.10.2026" in refused
    assert PeriodMark.select().count() == 0


# --- the all-subjects sheet ------------------------------------------------------------

def test_the_all_subjects_sheet_shows_what_the_record_holds(browser, school, people):
    ivanov, petrova, sidorov = school.pupils5
    maths = [school.lesson(day=school.today - d * DAY, work_type=school.test if d == 9
                           else school.oral) for d in (9, 8)]
    english = school.lesson(day=school.today - 8 * DAY, subject=school.english,
                            subgroup=school.group1, teacher=people.english)
    for pupil, values in ((ivanov, ("5", "4")), (petrova, ("2", "•")), (sidorov, ("3", "5"))):
        for lesson, value in zip(maths, values):
            Mark.create(lesson=lesson, student=pupil, value=value)
    Mark.create(lesson=english, student=ivanov, value="2")
    PeriodMark.create(student=petrova, school_class=school.c5, subject=school.math,
                      period=school.period, value="2", set_by=people.teacher)

    browser.login(people.teacher.login)
    page = text(browser.get(f"/my-class/sheet?class_id={school.c5.id}"
                            f"&period_id={school.period.id}"))
    assert "Сводная ведомость успеваемости: 5А класс" in page
    assert "myclass.css" in page and 'id="print-sheet"' in page
    record = ClassRecord(school.c5, school.period.start, school.period.end)
    for pupil in school.pupils5:
        row = re.search(rf'<tr data-student="{pupil.id}">(.*?)</tr>', page, re.S).group(1)
        cells = dict(re.findall(r'<td data-subject="(\d+)">(.*?)</td>', row, re.S))
        for subject in (school.math, school.english):
            cell = cells[str(subject.id)]
            shown = html.unescape(_TAG.sub(" ", cell)).split()
            expected = [m.value for lesson in record.seen(pupil.id)
                        if lesson.subject_id == subject.id
                        for m in record.all_rows.marks.get((lesson.id, pupil.id), ())]
            average = record.average(pupil.id, subject.id, school.period.start,
                                     school.period.end)
            given = record.period_mark(pupil.id, subject.id, school.period.id)
            tail = (["ср.", format_average(average)] if average is not None else []) + (
                [given] if given else [])
            assert shown == expected + tail, (pupil.last_name, subject.name, shown)
    assert '<span class="mark-low">2</span> <span>•</span>' in page  # Petrova's maths
    assert '<b class="final mark-low">2</b>' in page
    css = served_css(browser)
    assert "@media print" in css and "landscape" in css


# --- colour and legend -------------------------------------------------------------------

def test_absences_and_low_marks_are_coloured_and_explained(browser, school, people, monday):
    lesson = school.lesson(day=monday)
    Attendance.create(lesson=lesson, student=school.pupils5[1], code="Н")
    Mark.create(lesson=school.lesson(day=monday - 7 * DAY), student=school.pupils5[0],
                value="2")
    browser.login(people.teacher.login)
    page = text(browser.get(f"/my-class/?class_id={school.c5.id}"))
    legend = page[page.index('id="myclass-legend"'):]
    legend = html.unescape(_TAG.sub("", legend[:legend.index("</p>")]))
    for said in ("Н — отсутствовал", "Б — болел", "У — отсутствовал по уважительной причине",
                 "ОП — опоздал", "2 — отметки «1», «2», «Н/А», «НЗ»", "• — точка",
                 "выделены красным, жирным шрифтом и подчёркиванием"):
        assert said in legend, said
    assert '<select class="absence"' in page
    assert re.search(r'→ <span class="mark-low">2</span>', page)  # a «2» suggested
    css = served_css(browser)
    assert re.search(r"#myclass \.mark-low[^}]*text-decoration: underline", css)
    assert re.search(r"#myclass \.absence[^}]*font-weight: 700", css)


# --- a real Chromium: the whole sick day from the week ---------------------------------

@pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)
def test_the_class_teacher_enters_a_whole_sick_day_from_the_week(new_page, school, people,
                                                                 journal, monday):
    """Ivanov's mother calls: he was ill on Monday. The teachers marked him «Н» in maths
    and English; the class teacher opens the week, «весь день», «Б», «Отметить»."""
    ivanov, petrova = school.pupils5[:2]
    maths = school.lesson(day=monday, number=1)
    english = school.lesson(day=monday, number=2, subject=school.english,
                            subgroup=school.group1, teacher=people.english)
    for lesson in (maths, english):
        Attendance.create(lesson=lesson, student=ivanov, code="Н")
    Attendance.create(lesson=maths, student=petrova, code="ОП")

    page = new_page()
    log_in(page, people.class_teacher.login)
    page.goto(f"/my-class/?class_id={school.c5.id}")
    day_cell = page.locator(f'#week td[data-student="{ivanov.id}"]'
                            f'[data-day="{monday.isoformat()}"]')
    assert day_cell.locator("select.absence").count() == 2
    day_cell.locator("details.whole-day summary").click()
    day_cell.locator("select.day-code").select_option("Б")
    day_cell.locator("button.day-set").click()
    status = page.locator("#myclass-status")
    page.wait_for_function("() => document.getElementById('myclass-status')"
                           ".textContent.includes('отмечено')")
    assert status.inner_text().startswith(
        f"Иванов Тест. {monday:%d.%m.%Y}: отмечено «Б» (болел) на уроках: 1. Математика, "
        "2. Иностранный язык (английский).")
    assert [code_of(x, ivanov) for x in (maths, english)] == ["Б", "Б"]
    assert [s.input_value() for s in day_cell.locator("select.absence").all()] == ["Б", "Б"]
    assert page.locator("#myclass-legend").is_visible()
    page.screenshot(path="/tmp/myclass-week.png", full_page=False)
    # The redrawn cell's reasons still save: one lesson back to «У».
    day_cell.locator("select.absence").first.select_option("У")
    page.wait_for_function("() => document.getElementById('myclass-status')"
                           ".textContent === 'Сохранено.'")
    assert code_of(maths, ivanov) == "У"
