"""Issue 11.1 in a real Chromium: the grid and «Мой класс» send what their page showed, and
a change someone made since is refused next to the cell, the typed text kept.

Uses the browser tests' server and pages (conftest.py) and helpers (tests/chromium.py);
one backend, SQLite.
"""
from __future__ import annotations

import pytest

from tests.chromium import ALL_SAVED, cell, log_in, stored
from tests.panel import Browser

pytestmark = pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)


def other_tab(app, login: str) -> Browser:
    """The same school in another window: the panel's own test client."""
    tab = Browser(app.test_client())
    assert tab.login(login).status_code == 302
    return tab


def test_the_grid_refuses_a_cell_changed_in_another_tab_and_keeps_the_typed_text(
        app, new_page, school, people, journal):
    lesson, ivanov = journal[0], school.pupils5[0]
    page = new_page()
    log_in(page, people.teacher.login)
    page.goto(f"/journal/grid?class_id={school.c5.id}&subject_id={school.math.id}")
    target = cell(page, lesson, ivanov)
    # A first save from this page goes through and becomes what the page knows.
    target.focus()
    page.keyboard.type("3")
    page.keyboard.press("Tab")
    page.wait_for_function(ALL_SAVED)

    elsewhere = other_tab(app, people.teacher.login)
    saved = elsewhere.post_json("/journal/api/cell", {"lesson": lesson.id, "student": ivanov.id,
                                                      "value": "5", "seen": "3"})
    assert saved.status_code == 200

    target.focus()
    page.keyboard.type("4")
    page.keyboard.press("Tab")
    error = target.locator("xpath=following-sibling::div[contains(@class,'cell-error')]")
    error.wait_for()
    assert "теперь в ней «5» — обновите страницу" in error.inner_text()
    assert target.input_value() == "4"
    assert stored(lesson, ivanov) == "5"
    page.reload()
    assert cell(page, lesson, ivanov).input_value() == "5"


def test_my_class_picks_reasons_in_a_row_and_is_told_of_a_change_since(
        app, new_page, school, people, journal):
    lesson, ivanov = journal[0], school.pupils5[0]
    teacher = other_tab(app, people.teacher.login)
    for pupil in school.pupils5[:2]:
        assert teacher.post_json("/journal/api/cell", {"lesson": lesson.id, "student": pupil.id,
                                                       "value": "Н"}).status_code == 200
    page = new_page()
    log_in(page, people.class_teacher.login)
    page.goto(f"/my-class/?class_id={school.c5.id}&day={lesson.date.isoformat()}")
    status = page.locator("#myclass-status")
    reasons = page.locator("select.absence")
    # Two picks without reloading: the second starts from what the first saved.
    for code in ("Б", "У"):
        reasons.first.select_option(code)
        page.wait_for_function("(code) => document.querySelector('select.absence')"
                               ".dataset.seen === code", arg=code)
        assert status.inner_text() == "Сохранено."
    assert stored(lesson, ivanov) == "У"

    petrova = school.pupils5[1]
    assert teacher.post_json("/journal/api/cell", {"lesson": lesson.id, "student": petrova.id,
                                                   "value": "ОП"}).status_code == 200
    reasons.nth(1).select_option("Б")
    page.wait_for_function("() => document.getElementById('myclass-status')"
                           ".classList.contains('text-danger')")
    assert "теперь в ней «ОП» — обновите страницу" in status.inner_text()
    assert stored(lesson, petrova) == "ОП"
