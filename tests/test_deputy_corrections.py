"""Rule 16: the deputy corrects any entry of the journal with a stated reason (001 3.3), kept
in the audit log and listed on the journal's page; without a reason nothing is written; a
closed year and a locked period stay as rule 15 has them; a teacher's writes ask nothing.
"""
from __future__ import annotations

import datetime as dt
import html

import pytest

from models import AcademicYear, AuditEntry, Mark, Period, PeriodMark, TeacherComment, access
from tests.chromium import cell, log_in, stored
from tests.panel import Browser, rows, text

DAY = dt.timedelta(days=1)
REASON = "ошибка учителя при вводе, заявление от 20.11"


def grid_url(school) -> str:
    return f"/journal/grid?class_id={school.c5.id}&subject_id={school.math.id}"


def correct(browser: Browser, lesson, pupil, value: str, seen: str, reason: str | None):
    payload = {"lesson": lesson.id, "student": pupil.id, "value": value, "seen": seen}
    if reason is not None:
        payload["reason"] = reason
    return browser.post_json("/journal/api/cell", payload)


def test_the_deputy_corrects_a_mark_with_a_reason_kept_in_the_log_and_on_the_page(
        browser, people, school):
    lesson, pupil = school.lesson(), school.pupils5[0]
    Mark.create(lesson=lesson, student=pupil, value="2")
    browser.login(people.deputy.login)
    page = text(browser.get(grid_url(school)))
    # The deputy's grid has the reason field and open cells; no corrections listed yet.
    assert 'id="correction-reason"' in page and f'data-lesson="{lesson.id}"' in page
    assert "Исправления заместителя директора" not in page
    last = AuditEntry.select().order_by(AuditEntry.id.desc()).first().id

    saved = correct(browser, lesson, pupil, "4", "2", REASON)

    assert saved.status_code == 200, saved.get_json()
    assert [m.value for m in Mark.select().where(Mark.lesson == lesson)] == ["4"]
    entry = AuditEntry.get(AuditEntry.id > last)
    assert entry.table_name == "mark" and entry.staff_id == people.deputy.id
    assert entry.reason == access.CORRECTION + REASON
    page = html.unescape(text(browser.get(grid_url(school))))
    listed = page.split("Исправления заместителя директора", 1)[1]
    assert REASON in listed and pupil.last_name in listed
    assert f"урок {lesson.date:%d.%m.%Y}, 1-й" in listed and "2 → 4" in listed
    # The director reads the same page and its list, and types nowhere.
    director = Browser(browser.client.application.test_client())
    director.login(people.director.login)
    seen = text(director.get(grid_url(school)))
    assert REASON in html.unescape(seen)
    assert 'class="cell"' not in seen and 'id="correction-reason"' not in seen


def test_without_a_reason_the_deputy_is_refused_and_nothing_changes(browser, people, school):
    lesson, pupil = school.lesson(), school.pupils5[0]
    Mark.create(lesson=lesson, student=pupil, value="2")
    browser.login(people.deputy.login)
    before = rows()
    for reason in (None, "", "   ", "ош"):
        refused = correct(browser, lesson, pupil, "5", "2", reason)
        assert refused.status_code == 403, (reason, refused.get_json())
        assert "«Причина исправления»" in refused.get_json()["error"]
        assert refused.get_json()["rule"] == 16
        assert rows() == before, f"a refused correction ({reason!r}) changed data"
    # A period mark and a comment the same way.
    period_mark = browser.post_json("/journal/api/period-mark", {
        "class_id": school.c5.id, "subject_id": school.math.id, "period_id": school.period.id,
        "student": pupil.id, "value": "3"})
    assert period_mark.status_code == 403 and "причин" in period_mark.get_json()["error"]
    comment = browser.post_json("/journal/api/comment", {
        "lesson": lesson.id, "student": pupil.id, "text": "Замечание"})
    assert comment.status_code == 403
    assert rows() == before


def test_the_deputy_corrects_a_period_mark_and_a_comment_each_logged_with_the_reason(
        browser, people, school):
    lesson, pupil = school.lesson(), school.pupils5[0]
    PeriodMark.create(student=pupil, school_class=school.c5, subject=school.math,
                      period=school.period, value="3", set_by=people.teacher)
    browser.login(people.deputy.login)
    last = AuditEntry.select().order_by(AuditEntry.id.desc()).first().id
    period_mark = browser.post_json("/journal/api/period-mark", {
        "class_id": school.c5.id, "subject_id": school.math.id, "period_id": school.period.id,
        "student": pupil.id, "value": "4", "reason": REASON})
    assert period_mark.status_code == 200, period_mark.get_json()
    comment = browser.post_json("/journal/api/comment", {
        "lesson": lesson.id, "student": pupil.id, "text": "Исправлено", "reason": REASON})
    assert comment.status_code == 200, comment.get_json()
    assert PeriodMark.get().value == "4" and TeacherComment.get().text == "Исправлено"
    logged = list(AuditEntry.select().where(AuditEntry.id > last))
    assert {e.table_name for e in logged} == {"period_mark", "teacher_comment"}
    assert all(e.reason == access.CORRECTION + REASON and e.staff_id == people.deputy.id
               for e in logged)
    listed = html.unescape(text(browser.get(grid_url(school))))
    assert "3 → 4" in listed and "— → Исправлено" in listed


def test_the_corrections_list_escapes_what_was_typed(browser, people, school):
    lesson, pupil = school.lesson(), school.pupils5[0]
    browser.login(people.deputy.login)
    typed = "<script>alert(1)</script>"
    comment = browser.post_json("/journal/api/comment", {
        "lesson": lesson.id, "student": pupil.id, "text": typed, "reason": f"<b>{REASON}</b>"})
    assert comment.status_code == 200, comment.get_json()
    page = text(browser.get(grid_url(school)))
    listed = page.split('id="corrections"', 1)[1]
    assert "<script>" not in listed and f"<b>{REASON}" not in listed
    assert "&lt;script&gt;" in listed and f"&lt;b&gt;{REASON}&lt;/b&gt;" in listed


def test_the_deputy_corrects_nothing_in_a_closed_year(browser, people, school):
    lesson, pupil = school.lesson(), school.pupils5[0]
    Mark.create(lesson=lesson, student=pupil, value="2")
    AcademicYear.update(closed=True).where(AcademicYear.id == school.year.id).execute()
    browser.login(people.deputy.login)
    page = text(browser.get(grid_url(school)))
    assert 'class="cell"' not in page and 'id="correction-reason"' not in page
    before = rows()
    refused = correct(browser, lesson, pupil, "5", "2", REASON)
    assert refused.status_code == 422 and "закрыт" in refused.get_json()["error"]
    assert rows() == before


def test_a_locked_period_needs_the_deputys_reopening_and_keeps_both_reasons(
        browser, people, school):
    """The first period ends 40 days ago (locked); the deputy reopens it, then corrects."""
    lesson, pupil = school.lesson(day=school.school_day(back=35)), school.pupils5[0]
    Mark.create(lesson=lesson, student=pupil, value="2")
    first_end = lesson.date + DAY
    Period.create(year=school.year, scheme="quarter", number=2, start=first_end + DAY,
                  end=school.period.end)
    Period.update(end=first_end).where(Period.id == school.period.id).execute()
    browser.login(people.deputy.login)
    before = rows()
    locked = correct(browser, lesson, pupil, "5", "2", REASON)
    assert locked.status_code == 422 and "закрыт" in locked.get_json()["error"]
    assert rows() == before
    opened = browser.post_json("/journal/api/reopen", {
        "class_id": school.c5.id, "subject_id": school.math.id, "period_id": school.period.id,
        "reason": "проверка журнала за четверть", "until": school.today.isoformat()})
    assert opened.status_code == 200, opened.get_json()
    saved = correct(browser, lesson, pupil, "5", "2", REASON)
    assert saved.status_code == 200, saved.get_json()
    entry = AuditEntry.select().where(AuditEntry.table_name == "mark").order_by(
        AuditEntry.id.desc()).first()
    assert entry.reason.startswith(access.CORRECTION + REASON)
    assert "проверка журнала за четверть" in entry.reason


def test_a_teachers_writes_ask_no_reason_and_carry_none(browser, people, school):
    lesson, pupil = school.lesson(), school.pupils5[0]
    browser.login(people.teacher.login)
    page = text(browser.get(grid_url(school)))
    assert 'id="correction-reason"' not in page
    assert correct(browser, lesson, pupil, "5", "", None).status_code == 200
    # A reason sent by a teacher's page is no correction: not logged as one.
    assert correct(browser, lesson, pupil, "4", "5", REASON).status_code == 200
    logged = AuditEntry.select().where(AuditEntry.table_name == "mark")
    assert [e.reason for e in logged] == ["", ""]
    assert "Исправления заместителя директора" not in text(browser.get(grid_url(school)))


@pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)
def test_in_chromium_the_deputy_types_a_reason_and_a_mark_and_the_mark_is_saved(
        new_page, school, people, journal):
    lesson, pupil = journal[0], school.pupils5[1]
    page = new_page()
    log_in(page, people.deputy.login)
    page.goto(grid_url(school))
    reason, target = page.locator("#correction-reason"), cell(page, lesson, pupil)
    # Without a reason: refused, the Russian message at the cell, the typed «4» kept.
    target.fill("4")
    target.press("Tab")
    error = target.locator("xpath=following-sibling::div[contains(@class,'cell-error')]")
    error.wait_for()
    assert "«Причина исправления»" in error.inner_text()
    assert target.input_value() == "4" and stored(lesson, pupil) == ""
    assert reason.get_attribute("aria-invalid") == "true"
    # The reason typed, the cell left again: saved, logged and listed with the reason.
    reason.fill(REASON)
    target.focus()
    target.press("Tab")
    page.wait_for_function(
        "() => document.getElementById('grid-status').textContent === 'Сохранено.'")
    assert stored(lesson, pupil) == "4"
    page.reload()
    page.wait_for_selector("table#grid")
    assert reason.input_value() == REASON  # kept for the tab's session of the journal
    listed = page.locator("#corrections")
    assert REASON in listed.inner_text() and pupil.last_name in listed.inner_text()
