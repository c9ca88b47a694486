"""Issue 11.4: input the journal used to change without a word (lesson 0 became lesson 1, id
1358.9 became 1358) or take as it came (a birth date in 9999, a right-to-left override in a
name, a `javascript:` diary address), and refusals that echoed a whole paste back.

Each is now refused with a Russian message by a rule in models/, which the panel, the CLI
and imports share, and a refusal quotes at most 40 characters of what was typed.
"""
from __future__ import annotations

import datetime as dt

import pytest

from journal_cli import main
from models import Guardian, Lesson, PeriodMark, RuleError, SchoolSettings, Staff, Student
from tests.panel import Browser, fill, text

RLO, ZERO_WIDTH_SPACE = "\u202e", "\u200b"


def lesson_payload(school, **fields):
    return {"class_id": school.c5.id, "subject_id": school.math.id,
            "date": school.today.isoformat(), **fields}


# --- numbers: refused, never rounded or replaced ---------------------------------------

@pytest.mark.parametrize("number", [0, 11, -1, 1.5, "два", "", None])
def test_a_lesson_number_is_refused_not_turned_into_another(browser, people, school, number):
    """Lesson 0 was saved as lesson 1; 1.5 as 1. Without a number a new lesson is the 1st."""
    browser.login(people.teacher.login)
    lesson = school.lesson(number=3)
    edited = browser.post_json("/journal/api/lesson", lesson_payload(
        school, lesson_id=lesson.id, date=lesson.date.isoformat(), topic="Дроби",
        number=number))
    created = browser.post_json("/journal/api/lesson", lesson_payload(school, number=number))
    if number in ("", None):  # not given: the lesson keeps its number, a new one is 1st
        assert edited.status_code == created.status_code == 200
        assert Lesson.get_by_id(lesson.id).number == 3
        assert Lesson.get_by_id(created.get_json()["id"]).number == 1
        return
    for response in (edited, created):
        assert response.status_code == 422
        assert "Номер урока должен быть целым числом от 1 до 10" in response.get_json()["error"]
    assert [(x.number, x.topic) for x in Lesson.select()] == [(3, "")]


def test_an_id_with_a_fraction_names_no_row(browser, people, school):
    """The grid's call with lesson 1358.9 changed lesson 1358."""
    browser.login(people.teacher.login)
    lesson = school.lesson(topic="Дроби")
    pupil = school.pupils5[0]
    moved = browser.post_json("/journal/api/lesson", lesson_payload(
        school, lesson_id=lesson.id + 0.9, topic="Проценты"))
    marked = browser.post_json("/journal/api/cell", {"lesson": lesson.id + 0.9,
                                                     "student": pupil.id + 0.5, "value": "5"})
    assert moved.status_code == marked.status_code == 404
    assert Lesson.get_by_id(lesson.id).topic == "Дроби" and not list(lesson.marks)
    same = browser.post_json("/journal/api/cell", {"lesson": float(lesson.id),
                                                   "student": pupil.id, "value": "5"})
    assert same.status_code == 200  # 7.0 is lesson 7 exactly: nothing to round


# --- refusals quote a little of the input, never all of it -----------------------------

def test_refusals_quote_at_most_forty_characters_of_what_was_typed(browser, people, school):
    """A 60 KB paste into a period mark came back whole in the 422."""
    browser.login(people.teacher.login)
    paste = "Четыре с плюсом" + "+" * 60_000
    period_mark = browser.post_json("/journal/api/period-mark", {
        "class_id": school.c5.id, "subject_id": school.math.id, "period_id": school.period.id,
        "student": school.pupils5[0].id, "value": paste})
    cell = browser.post_json("/journal/api/cell", {"lesson": school.lesson().id,
                                                   "student": school.pupils5[0].id,
                                                   "value": paste})
    for response in (period_mark, cell):
        error = response.get_json()["error"]
        assert response.status_code == 422 and len(error) < 300, error[:300]
    assert "«ЧЕТЫРЕ С ПЛЮСОМ+++" in period_mark.get_json()["error"]  # recognisable
    assert PeriodMark.select().count() == 0

    admin = Browser(browser.client.application.test_client())
    admin.login(people.admin.login)
    settings = SchoolSettings.current()
    page = fill(admin, f"/setup/settings/edit/?id={settings.id}", {
        "name": "Школа", "timezone": "Europe/" + "Z" * 200, "diary_base_url": "",
        "threshold_3": "2.5", "threshold_4": "3.5", "threshold_5": "4.5"})
    assert "Неизвестный часовой пояс «Europe/ZZZ" in text(page)
    assert "Z" * 100 not in text(page).split("Неизвестный часовой пояс", 1)[1][:500]
    assert SchoolSettings.current().timezone == "Europe/Moscow"


# --- pupils' cards ---------------------------------------------------------------------

def student_form(**fields) -> dict:
    return {"last_name": "Новикова", "first_name": "Анна", "middle_name": "",
            "birth_date": "2015-03-01", "gender": "", "notes": ""} | fields


@pytest.mark.parametrize("day", ["9999-12-31", "1989-12-31", "2026-11-26"])
def test_a_pupils_birth_date_lies_between_1990_and_the_schools_today(
        browser, people, school, day):
    """9999-12-31 was accepted; so is no date after the school's today (2026-11-25)."""
    browser.login(people.deputy.login)
    page = fill(browser, "/setup/students/new/", student_form(birth_date=day))
    assert "Дата рождения" in text(page) and "невозможна" in text(page)
    assert not Student.select().where(Student.last_name == "Новикова").exists()
    pupil = school.pupils5[0]
    with pytest.raises(RuleError, match="невозможна"):
        pupil.birth_date = dt.date.fromisoformat(day)
        pupil.save()  # the same rule for the CLI and imports
    fill(browser, "/setup/students/new/", student_form(birth_date=school.today.isoformat()))
    assert Student.get(Student.last_name == "Новикова").birth_date == school.today


@pytest.mark.parametrize("name", [f"{RLO}авонавИ", f"Иван{ZERO_WIDTH_SPACE}ов", "Иванов\x07"])
def test_names_with_invisible_or_control_characters_are_refused(
        browser, people, school, runner, backend_url, name):
    """A right-to-left override showed «Иванов» reversed, and as another name, in lists."""
    browser.login(people.deputy.login)
    pupil = fill(browser, "/setup/students/new/", student_form(last_name=name))
    guardian = fill(browser, "/setup/guardians/new/", {
        "last_name": "Петрова", "first_name": name, "middle_name": "", "phone": "",
        "email": ""})
    for page in (pupil, guardian):
        assert "символы" in text(page), text(page)[-2000:]
    assert not Student.select().where(Student.last_name == name).exists()
    assert not Guardian.select().where(Guardian.first_name == name).exists()
    added = runner.invoke(main, ["user", "add", "new.one", "--name", f"{name} Анна",
                                 "--password", "correct-horse-9"])
    assert added.exit_code == 1 and "символы" in added.output, added.output
    assert not Staff.select().where(Staff.login == "new.one").exists()


# --- the diary's address -----------------------------------------------------------------

@pytest.mark.parametrize("address, accepted", [
    ("javascript:alert(document.cookie)", False),
    ("http://dnevnik.school.ru/", False),  # plain http only on this computer
    ("https://", False),
    ("https://dnevnik.school.ru/?utm=1", False),
    ("https://dnevnik.school.ru/#top", False),
    ("https://user@dnevnik.school.ru/", False),
    ("https://dnevnik.school.ru:99999/", False),
    ("https://dnevnik.school.ru/", True),
    ("https://school.ru/dnevnik/", True),
    ("http://localhost:8000/", True),
    ("http://127.0.0.1/", True),
    ("", True),  # not set yet
])
def test_the_diary_address_is_https_or_this_computer(browser, people, school, address, accepted):
    """A `javascript:` address was saved, to be printed on slips and opened from QR codes."""
    browser.login(people.admin.login)
    settings = SchoolSettings.current()
    settings.diary_base_url = "https://old.school.ru/"
    settings.save()
    page = fill(browser, f"/setup/settings/edit/?id={settings.id}", {
        "name": "Школа", "timezone": "Europe/Moscow", "diary_base_url": address,
        "threshold_3": "2.5", "threshold_4": "3.5", "threshold_5": "4.5"})
    stored = SchoolSettings.current().diary_base_url
    if accepted:
        assert stored == address, text(page)[-2000:]
    else:
        assert stored == "https://old.school.ru/"
        assert "должен начинаться с https://" in text(page)
        assert "браузер расшифровывает дневник только на защищённом (https)" in text(page)
