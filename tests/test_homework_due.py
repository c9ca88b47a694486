"""A date the teacher sets for the homework (issue 15.1: «homework shown on the day it is
due — the next lesson of that subject by the timetable, or a date the teacher sets»).

On Monday 23.11 the mathematics teacher gives 5А an essay due on Friday 27.11, though the
next mathematics lesson is on Tuesday. The parent's diary shows it under Friday, not
Tuesday; a homework without a set date is still due at the next lesson. Dates the
teacher cannot mean are refused with the reason, and nothing typed is lost.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest

import models.diary as diary_model
from models import AuditEntry, Lesson
from site_builder.build import build
from tests.outputs import CONTENT, FAST_ITERATIONS, issue_all, open_page
from tests.test_diary_week import words

MONDAY, TUESDAY, FRIDAY = dt.date(2026, 11, 23), dt.date(2026, 11, 24), dt.date(2026, 11, 27)


def save(browser, school, **fields):
    payload = {"class_id": school.c5.id, "subject_id": school.math.id, "number": 1, **fields}
    return browser.post_json("/journal/api/lesson", payload)


def test_the_teacher_sets_a_due_date_and_the_diary_shows_it_that_day(browser, people, school,
                                                                     tmp_path, monkeypatch):
    browser.login(people.teacher.login)
    essay = save(browser, school, date=MONDAY.isoformat(), topic="Дроби",
                 homework="Сочинение «Дроби вокруг нас»", homework_due=FRIDAY.isoformat())
    assert essay.status_code == 200, essay.get_json()
    save(browser, school, date=TUESDAY.isoformat(), topic="Сложение дробей",
         homework="№ 120")
    lesson = Lesson.get_by_id(essay.get_json()["id"])
    assert lesson.homework_due == FRIDAY
    entry = AuditEntry.select().where((AuditEntry.table_name == "lesson")
                                      & (AuditEntry.row_id == lesson.id)).get()
    assert "2026-11-27" in entry.after and entry.staff_id == people.teacher.id
    grid = browser.get(f"/journal/grid?class_id={school.c5.id}&subject_id={school.math.id}")
    page = grid.get_data(as_text=True)
    assert 'data-homework-due="2026-11-27"' in page and "(сдать к 27.11)" in page

    monkeypatch.setattr(diary_model, "ITERATIONS", FAST_ITERATIONS)
    passwords = issue_all(school.pupils5)
    output = tmp_path / "output"
    build(output, CONTENT, school.today)
    access, password = passwords[school.pupils5[0].id]
    html = open_page(output / "site" / "d" / access.token / "index.html", password)
    day = {name: html.split(f"<h2>{name}</h2>")[1].split("</article>")[0]
           for name in ("Понедельник, 23.11", "Вторник, 24.11", "Пятница, 27.11")}
    assert ("Домашнее задание к этому дню Математика задано 23.11 Сочинение «Дроби вокруг нас»"
            in words(day["Пятница, 27.11"]))
    assert "Сочинение" not in words(day["Вторник, 24.11"]).split("Домашнее задание:")[0]
    assert "Сочинение «Дроби вокруг нас» к уроку пт 27.11" in words(day["Понедельник, 23.11"])
    # Tuesday's homework has no date set: due at the next lesson, none recorded yet.
    assert "№ 120" in words(day["Вторник, 24.11"]) and "№ 120" not in words(day["Пятница, 27.11"])


@pytest.mark.parametrize("due, homework, said", [
    (MONDAY, "№ 5", "должен быть позже дня урока"),
    (dt.date(2026, 11, 20), "№ 5", "должен быть позже дня урока"),
    (dt.date(2026, 11, 29), "№ 5", "воскресенье"),
    (FRIDAY, "", "домашнего задания нет"),
    (dt.date(2031, 9, 1), "№ 5", "после конца учебного года"),
    ("27.11.2026", "№ 5", "не дата"),
])
def test_a_due_date_the_teacher_cannot_mean_is_refused(browser, people, school, due, homework,
                                                        said):
    browser.login(people.teacher.login)
    refused = save(browser, school, date=MONDAY.isoformat(), topic="Дроби", homework=homework,
                   homework_due=str(due))
    assert refused.status_code == 422 and said in refused.get_json()["error"]
    assert Lesson.select().count() == 0


def test_the_lesson_form_sets_the_due_date_in_a_browser(new_page, school, people):
    """In Chromium: the teacher opens a new lesson, types the homework, picks «Сдать к» and
    saves; the lesson's column then opens with the date filled in."""
    from tests.chromium import log_in
    page = new_page()
    log_in(page, people.teacher.login)
    page.goto(f"/journal/grid?class_id={school.c5.id}&subject_id={school.math.id}")
    page.click("#lesson-add")
    page.select_option("#lf-date", MONDAY.isoformat())
    page.fill("#lf-topic", "Дроби")
    page.fill("#lf-homework", "Сочинение")
    page.fill("#lf-homework-due", FRIDAY.isoformat())
    page.click("#lesson-form button[type=submit]")
    page.wait_for_url(re.compile(r"focus="))
    lesson = Lesson.get(Lesson.date == MONDAY)
    assert (lesson.homework, lesson.homework_due) == ("Сочинение", FRIDAY)
    page.click(f'th[data-lesson-id="{lesson.id}"] .lesson-btn')
    assert page.locator("#lf-homework-due").input_value() == FRIDAY.isoformat()
