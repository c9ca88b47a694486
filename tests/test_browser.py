"""The panel in a real Chromium: log in, type marks into the journal grid by keyboard only,
reload and find them saved; a rule error stays next to its cell; the class teacher reads
but cannot change; five wrong passwords lock the account.

The app runs on waitress in a background thread over the SQLite test database; Playwright
drives Debian's /usr/bin/chromium (scripts/test installs it). No skipping: without the
browser this test fails and says why.
"""
from __future__ import annotations

import re

import pytest

from models.people import LOGIN_REFUSED
from tests.chromium import ALL_SAVED, cell, log_in, stored
from tests.panel import PASSWORD

# One backend is enough here: the rules themselves are tested on both in test_rules etc.
pytestmark = pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)


def open_maths_5a(page) -> None:
    """From any page: the menu's «Журнал», then 5А · Математика."""
    page.locator(".navbar").get_by_role("link", name="Журнал", exact=True).click()
    page.wait_for_url(re.compile(r"/journal/$"))
    block = page.locator("h5", has_text="5А класс").locator("xpath=following-sibling::ul[1]")
    block.get_by_role("link", name="Математика").click()
    page.wait_for_url(re.compile(r"/journal/grid\?"))
    page.wait_for_selector("table#grid")


def readonly_texts(page, row: int) -> list[str]:
    return [t.strip() for t in page.locator("#grid tbody tr").nth(row)
            .locator(".cell-ro").all_inner_texts()]


def test_teacher_types_marks_and_class_teacher_only_reads(new_page, school, people, journal):
    l1, l2, l3 = journal
    ivanov, petrova, sidorov = school.pupils5
    page = new_page()

    # The teacher logs in through the form and opens the grid from the menu.
    log_in(page, people.teacher.login)
    assert page.locator("#current-user").is_visible()
    open_maths_5a(page)
    assert page.locator("#grid tbody tr").count() == 3
    assert page.locator("#grid input.cell").count() == 9

    # Keyboard only, from the first cell: 5, Tab, «4 3», ↓, Н, Enter, 3, →.
    cell(page, l1, ivanov).focus()
    kb = page.keyboard
    kb.type("5")
    kb.press("Tab")            # → Иванов, 2nd lesson
    kb.type("4 3")
    kb.press("ArrowDown")      # → Петрова, 2nd lesson
    kb.type("Н")
    kb.press("Enter")          # → Сидоров, 2nd lesson
    kb.type("5/4")
    kb.press("ArrowRight")     # → Сидоров, 3rd lesson (whole text selected: moves)
    assert page.evaluate("document.activeElement.dataset.lesson") == str(l3.id)
    page.wait_for_function(ALL_SAVED)
    page.wait_for_function(
        "() => document.getElementById('grid-status').textContent === 'Сохранено.'")
    # «5/4» is read as two marks and shown the way it was stored.
    assert cell(page, l2, sidorov).input_value() == "5 4"
    assert page.locator("#grid tbody tr").first.locator("[data-average]").inner_text() == "4,00"

    page.reload()
    page.wait_for_selector("table#grid")
    assert cell(page, l1, ivanov).input_value() == "5"
    assert cell(page, l2, ivanov).input_value() == "4 3"
    assert cell(page, l2, petrova).input_value() == "Н"
    assert cell(page, l2, sidorov).input_value() == "5 4"
    assert cell(page, l3, petrova).input_value() == ""
    assert (stored(l1, ivanov), stored(l2, ivanov), stored(l2, petrova),
            stored(l2, sidorov)) == ("5", "4 3", "Н", "5 4")

    # Rule errors: the Russian message next to the cell, the typed text kept, nothing saved.
    for pupil, typed, message in ((petrova, "7", "Не удалось прочитать «7»"),
                                  (ivanov, "Н 5", "отметка не ставится")):
        target = cell(page, l3, pupil)
        target.focus()
        kb.type(typed)
        kb.press("Tab")
        error = target.locator("xpath=following-sibling::div[contains(@class,'cell-error')]")
        error.wait_for()
        assert message in error.inner_text()
        assert message in page.locator("#grid-status").inner_text()
        assert target.input_value() == typed
        assert target.get_attribute("aria-invalid") == "true"
        assert stored(l3, pupil) == ""
    # Escape puts back the saved value and clears the error.
    target = cell(page, l3, ivanov)
    target.focus()
    kb.press("Escape")
    assert target.input_value() == ""
    assert target.locator("xpath=following-sibling::div[contains(@class,'cell-error')]") \
        .count() == 0

    # 5А's class teacher (who teaches nothing) sees the marks, read-only.
    page = new_page()
    log_in(page, people.class_teacher.login)
    open_maths_5a(page)
    assert page.locator("#grid input.cell").count() == 0
    assert "Только чтение" in page.locator("#grid-help").inner_text()
    assert readonly_texts(page, 0) == ["5", "4 3", ""]
    assert readonly_texts(page, 1) == ["", "Н", ""]
    assert readonly_texts(page, 2) == ["", "5 4", ""]
    # Even posting the cell directly with the page's CSRF token is refused.
    answer = page.evaluate("""async ([url, lesson, student]) => {
      const token = document.querySelector('meta[name="csrf-token"]').content;
      const r = await fetch(url, {method: 'POST', credentials: 'same-origin',
        headers: {'Content-Type': 'application/json', 'X-CSRFToken': token},
        body: JSON.stringify({lesson: lesson, student: student, value: '2'})});
      return [r.status, await r.json()];
    }""", ["/journal/api/cell", l1.id, ivanov.id])
    assert answer[0] == 403, answer
    assert "Недостаточно прав" in answer[1]["error"]
    assert stored(l1, ivanov) == "5"


def test_a_cell_typed_back_while_saving_is_saved_in_order(new_page, school, people, journal):
    """The first save is held on the wire while the teacher clears the cell again: the
    second save must still be sent, after the first, and page and database agree."""
    lesson, pupil = journal[0], school.pupils5[0]
    page = new_page()
    log_in(page, people.teacher.login)
    page.goto(f"/journal/grid?class_id={school.c5.id}&subject_id={school.math.id}")
    held, holding = [], [True]
    page.route("**/journal/api/cell",
               lambda route: held.append(route) if holding[0] else route.continue_())
    target = cell(page, lesson, pupil)
    target.focus()
    page.keyboard.type("2")
    page.keyboard.press("Tab")
    for _ in range(250):
        if held:
            break
        page.wait_for_timeout(20)
    assert len(held) == 1, "the first save was not sent"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Delete")
    page.keyboard.press("Tab")
    holding[0] = False
    held[0].continue_()
    page.wait_for_function(ALL_SAVED)
    assert target.input_value() == ""
    assert stored(lesson, pupil) == ""


def test_five_wrong_passwords_lock_the_account(new_page, people):
    page = new_page()
    login = people.other.login
    for _attempt in range(5):
        log_in(page, login, "wrong-password")
        assert LOGIN_REFUSED in page.locator(".alert-danger").inner_text()
    # Now even the right password is refused from this address: still the login page, no
    # session (the owner elsewhere still logs in: test_attack_login.py).
    log_in(page, login, PASSWORD)
    assert LOGIN_REFUSED in page.locator(".alert-danger").inner_text()
    assert page.url.endswith("/login/")
    assert page.locator("#current-user").count() == 0
