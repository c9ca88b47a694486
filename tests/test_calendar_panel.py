"""The school calendar in the panel, over HTTP as staff meet it (rules 14 and 15): the lesson
form offers school days only, a locked journal is read-only until the deputy reopens it,
a closed year refuses every change, and the setup forms for transfers and settings."""
from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from models import (
    AcademicYear,
    Attendance,
    AuditEntry,
    DayTransfer,
    Holiday,
    Lesson,
    Mark,
    Period,
    Reopening,
    SchoolSettings,
)
from models.calendar import SchoolCalendar
from tests.forms import AdminForm
from tests.panel import _HASH, PASSWORD, Browser
from tests.school import WORKING_SATURDAY, staff

DAY = dt.timedelta(days=1)
REASON = "исправление ошибки по заявлению учителя"


@pytest.fixture
def app(real_school, backend_url):
    """The panel over the real 2026/2027 calendar, with a deputy, a director and an admin."""
    from admin import create_app
    for person in (real_school.teacher, staff("deputy.ee", "deputy"),
                   staff("director.ff", "director"), staff("admin.gg", "admin")):
        person.password_hash = _HASH
        person.save()
    return create_app({"TESTING": True, "DATABASE_URL": backend_url,
                       "SECRET_KEY": "test-secret"})


@pytest.fixture
def login(app):
    def logged_in(name: str) -> Browser:
        browser = Browser(app.test_client())
        assert browser.login(name).status_code == 302
        return browser
    return logged_in


def text(response) -> str:
    return response.get_data(as_text=True)


def grid(browser, school, period: Period | None = None) -> str:
    url = f"/journal/grid?class_id={school.c5.id}&subject_id={school.math.id}"
    return text(browser.get(url + (f"&period_id={period.id}" if period else "")))


def quarter(school, number: int) -> Period:
    return Period.get((Period.year == school.year) & (Period.number == number))


def new_lesson(browser, school, day: dt.date, **fields):
    return browser.post_json("/journal/api/lesson", {
        "class_id": school.c5.id, "subject_id": school.math.id, "date": day.isoformat(),
        "number": 1, **fields})


def cell(browser, lesson, student, value):
    return browser.post_json("/journal/api/cell", {"lesson": lesson.id, "student": student.id,
                                                   "value": value})


# --- rule 14: the lesson form and the API ---------------------------------------------

def date_options(page: str) -> list[tuple[str, str, bool]]:
    """The lesson form's dates as (value, label, offered)."""
    select = re.search(r'<select id="lf-date".*?</select>', page, re.S).group()
    return [(value, html.unescape(label), "data-off" not in attrs) for value, attrs, label
            in re.findall(r'<option value="([^"]+)"([^>]*)>([^<]*)</option>', select)]


def test_the_lesson_form_offers_exactly_the_school_days(real_school, login):
    school = real_school
    page = grid(login(school.teacher.login), school)
    offered = date_options(page)
    expected = school.school_days(quarter(school, 2).start, school.today)[::-1]
    assert [value for value, _, _ in offered] == [d.isoformat() for d in expected]
    assert offered[0][1] == "ср, 25.11.2026" and ("2026-11-07", "сб, 07.11.2026", True) \
        in offered  # the Saturday worked by order
    assert "2026-11-22" not in page  # a Sunday
    assert 'type="date" id="lf-date"' not in page


def test_a_lesson_stored_on_a_day_off_keeps_its_date_in_the_form(real_school, login):
    school = real_school
    Lesson.insert(school_class=school.c5, subject=school.math, teacher=school.teacher,
                  date=dt.date(2026, 11, 22), number=1).execute()
    offered = date_options(grid(login(school.teacher.login), school))
    assert ("2026-11-22", "вс, 22.11.2026 — воскресенье, выходной день", False) in offered


@pytest.mark.parametrize("day, pinned, reason", [
    ("2026-11-22", None, "22.11.2026 — воскресенье, выходной день"),
    ("2026-11-04", None, "04.11.2026 — День народного единства"),
    ("2026-11-02", None, "02.11.2026 — осенние каникулы"),
    ("2026-08-31", None, "вне учебного года 2026/2027"),
    ("2027-09-01", "2027-09-10", "вне учебного года 2026/2027"),
], ids=["sunday", "holiday", "vacation", "before-start", "after-end"])
def test_a_lesson_on_a_day_off_is_refused_through_the_api(real_school, login, monkeypatch,
                                                          day, pinned, reason):
    if pinned:
        monkeypatch.setenv("JOURNAL_TODAY", pinned)
    refused = new_lesson(login(real_school.teacher.login), real_school,
                         dt.date.fromisoformat(day), topic="Дроби")
    assert refused.status_code == 422
    assert reason in refused.get_json()["error"] and refused.get_json()["rule"] == 14
    assert not Lesson.select().exists()


def test_a_lesson_on_a_school_day_is_saved(real_school, login):
    browser = login(real_school.teacher.login)
    assert new_lesson(browser, real_school, WORKING_SATURDAY).status_code == 200
    assert new_lesson(browser, real_school, real_school.today).status_code == 200
    assert Lesson.select().count() == 2


# --- rule 15: a locked journal, its reopening ----------------------------------------

@pytest.fixture
def in_first_quarter(real_school, monkeypatch):
    """A maths lesson of 20.10 with a «4» and an absence, recorded while quarter 1 was
    open; today is back to 25.11 (quarter 1 locked on 31.10)."""
    school = real_school
    monkeypatch.setenv("JOURNAL_TODAY", "2026-10-21")
    lesson = school.lesson(day=dt.date(2026, 10, 20))
    Mark.create(lesson=lesson, student=school.pupils5[0], value="4")
    Attendance.create(lesson=lesson, student=school.pupils5[1], code="Н")
    monkeypatch.setenv("JOURNAL_TODAY", school.today.isoformat())
    return lesson


def editable_parts(page: str) -> list[str]:
    return [part for part in ('class="cell"', 'id="lesson-form"', 'class="pmark"')
            if part in page]


def test_a_locked_journal_is_read_only_on_the_grid(real_school, login, in_first_quarter):
    school, lesson = real_school, in_first_quarter
    teacher = login(school.teacher.login)
    page = grid(teacher, school, quarter(school, 1))
    assert "Журнал за 1-ю четверть закрыт с 31.10.2026" in page
    assert editable_parts(page) == []
    assert 'id="reopen-form"' not in page  # the teacher cannot reopen it
    before = AuditEntry.select().count()
    refused = cell(teacher, lesson, school.pupils5[0], "5")
    assert refused.status_code == 422
    assert "Журнал за 1-ю четверть закрыт с 31.10.2026" in refused.get_json()["error"]
    assert Mark.get().value == "4" and AuditEntry.select().count() == before
    # The open quarter stays editable.
    assert len(editable_parts(grid(teacher, school))) == 2  # no lessons yet: no cells


def reopen(browser, school, **fields):
    return browser.post_json("/journal/api/reopen", {
        "class_id": school.c5.id, "subject_id": school.math.id, "subgroup_id": "",
        "period_id": quarter(school, 1).id, "reason": REASON,
        "until": (school.today + 2 * DAY).isoformat(), **fields})


def test_the_deputy_reopens_a_locked_journal_until_a_date(real_school, login, monkeypatch,
                                                          in_first_quarter):
    school, lesson = real_school, in_first_quarter
    deputy, teacher = login("deputy.ee"), login(school.teacher.login)
    form = grid(deputy, school, quarter(school, 1))
    assert "Открыть журнал для исправлений" in form
    assert 'value="2026-11-28"' in form and 'max="2026-12-09"' in form  # +3 days, 14 at most

    refused = reopen(teacher, school)
    assert refused.status_code == 403 and "заместитель директора" in refused.get_json()["error"]
    too_long = reopen(deputy, school, until=(school.today + 15 * DAY).isoformat())
    assert too_long.status_code == 422 and "до 14 дней" in too_long.get_json()["error"]
    assert reopen(deputy, school, until="завтра").status_code == 422
    assert reopen(deputy, school, reason="  ").status_code == 422
    not_locked = reopen(deputy, school, period_id=quarter(school, 2).id)
    assert not_locked.status_code == 422 and "ещё не закрыт" in not_locked.get_json()["error"]
    assert not Reopening.select().exists()

    assert reopen(deputy, school, reason=REASON + " <b>срочно</b>").status_code == 200
    page = grid(teacher, school, quarter(school, 1))
    assert ("Журнал открыт заместителем Учителева А.П. до 27.11.2026: "
            f"{REASON} &lt;b&gt;срочно&lt;/b&gt;") in page
    assert "<b>срочно" not in page and 'class="cell"' in page
    assert cell(teacher, lesson, school.pupils5[0], "5").status_code == 200
    logged = (AuditEntry.select().where(AuditEntry.table_name == "mark")
              .order_by(AuditEntry.id.desc()).get())
    assert logged.staff_id == school.teacher.id and REASON in logged.reason
    opened = AuditEntry.get(AuditEntry.table_name == "journal_reopening")
    assert REASON in opened.reason

    monkeypatch.setenv("JOURNAL_TODAY", (school.today + 3 * DAY).isoformat())  # expired
    expired = cell(teacher, lesson, school.pupils5[0], "3")
    assert expired.status_code == 422 and "закрыт" in expired.get_json()["error"]
    assert Mark.get().value == "5"
    assert editable_parts(grid(teacher, school, quarter(school, 1))) == []


def test_my_class_shows_the_lock_on_an_absence_reason(real_school, login, in_first_quarter):
    school, lesson = real_school, in_first_quarter
    page = login(school.teacher.login)  # 5А's class teacher
    refused = page.post_json("/my-class/api/absence", {
        "lesson": lesson.id, "student": school.pupils5[1].id, "seen": "Н", "code": "У"})
    assert refused.status_code == 422
    assert "Журнал за 1-ю четверть закрыт" in refused.get_json()["error"]
    assert Attendance.get().code == "Н"


# --- rule 15: a closed year ------------------------------------------------------------

def close_year(school) -> None:
    """The year as the database holds it once properly closed."""
    AcademicYear.update(closed=True).where(AcademicYear.id == school.year.id).execute()


def test_a_closed_years_journal_is_read_only(real_school, login):
    school = real_school
    lesson = school.lesson(day=dt.date(2026, 11, 20))
    close_year(school)
    teacher = login(school.teacher.login)
    page = grid(teacher, school)
    assert "Учебный год 2026/2027 закрыт" in page
    assert editable_parts(page) == [] and 'id="reopen-form"' not in grid(login("deputy.ee"),
                                                                           school)
    refused = cell(teacher, lesson, school.pupils5[0], "5")
    assert refused.status_code == 422 and "Учебный год 2026/2027 закрыт" in refused.get_json()[
        "error"]
    assert not Mark.select().exists()


def fill(browser, url: str, changes: dict):
    """Open an edit form, change some fields and submit it as a browser would."""
    fields = AdminForm(text(browser.get(url))).fields
    return text(browser.post(url, {**fields, **changes}, follow_redirects=True))


def test_closing_a_year_in_the_panel_lists_the_missing_marks(real_school, login):
    deputy = login("deputy.ee")
    page = fill(deputy, f"/setup/years/edit/?id={real_school.year.id}", {"closed": "y"})
    assert "Учебный год 2026/2027 не закрыть: не выставлены отметки за период" in page
    assert "5А, Математика, 1-я четверть: Иванов Т., Петрова Т., Сидоров Т." in page
    assert not AcademicYear.get_by_id(real_school.year.id).closed


def test_a_closed_years_setup_rows_refuse_changes_in_russian(real_school, login):
    school = real_school
    close_year(school)
    deputy = login("deputy.ee")
    before = AuditEntry.select().count()
    holiday = Holiday.get(Holiday.name == "осенние каникулы")
    page = fill(deputy, f"/setup/holidays/edit/?id={holiday.id}", {"name": "каникулы"})
    assert "Учебный год 2026/2027 закрыт" in page
    page = fill(deputy, f"/setup/years/edit/?id={school.year.id}", {"closed": ""})
    assert "Учебный год 2026/2027 закрыт" in page
    deputy.get("/setup/holidays/")
    deleted = deputy.post("/setup/holidays/delete/", {"id": holiday.id},
                          follow_redirects=True)
    assert deleted.status_code == 200 and "Учебный год 2026/2027 закрыт" in text(deleted)
    assert Holiday.get_by_id(holiday.id).name == "осенние каникулы"
    assert AcademicYear.get_by_id(school.year.id).closed
    assert AuditEntry.select().count() == before


# --- setup: transfers and the calendar's settings ----------------------------------------

def test_the_deputy_enters_a_transfer_the_director_reads_it(real_school, login):
    deputy = login("deputy.ee")
    form = text(deputy.get("/setup/transfers/new/"))
    assert "Рабочий день" in form and "Основание (приказ)" in form
    deputy.post("/setup/transfers/new/", {"year": real_school.year.id, "date": "2026-11-20",
                                          "reason": "приказ № 50"}, follow_redirects=True)
    transfer = DayTransfer.get(DayTransfer.date == dt.date(2026, 11, 20))
    assert not transfer.working and transfer.reason == "приказ № 50"
    refused = deputy.post("/setup/transfers/new/", {
        "year": real_school.year.id, "date": "2026-11-23", "working": "y"},
        follow_redirects=True)
    assert "и так рабочий день" in text(refused)
    director = login("director.ff")
    assert "приказ № 50" in text(director.get("/setup/transfers/"))
    assert director.get("/setup/transfers/new/").status_code == 302  # reads only
    # The day off by order is gone from the lesson form (the deputy's, for a substitute).
    page = grid(deputy, real_school)
    assert "2026-11-20" not in [value for value, _, _ in date_options(page)]


def test_the_admin_sets_the_six_day_grades_and_the_lock(real_school, login):
    admin = login("admin.gg")
    url = f"/setup/settings/edit/?id={SchoolSettings.current().id}"
    form = text(admin.get(url))
    assert "Классы с шестидневной неделей" in form
    assert "например 2-11; остальные классы учатся пять дней" in form
    assert "Журнал периода закрывается через, рабочих дней" in form
    assert "Классы «пятые»" in fill(admin, url, {"six_day_grades": "пятые"})
    assert "0–30 рабочих дней" in fill(admin, url, {"lock_after_days": "31"})
    fill(admin, url, {"six_day_grades": "2-11", "lock_after_days": "3"})
    settings = SchoolSettings.current()
    assert (settings.six_day_grades, settings.lock_after_days) == ("2-11", 3)
    saturday = dt.date(2026, 11, 21)
    assert SchoolCalendar.of(real_school.year).is_school_day(saturday, 5)


# --- in a real browser: the scripts behind the lesson form and the reopening -------------

@pytest.fixture
def site(panel_server):
    """The panel served (tests/conftest.py), without the journal fixture's rows."""
    return panel_server


@pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)
def test_in_a_browser_the_forms_save_and_show_the_refusal(chromium, site, real_school,
                                                          in_first_quarter):
    school = real_school
    Lesson.insert(school_class=school.c5, subject=school.math, teacher=school.teacher,
                  date=dt.date(2026, 11, 22), number=1).execute()
    sunday = Lesson.get(Lesson.date == dt.date(2026, 11, 22))
    teacher, deputy = (chromium.new_context(locale="ru-RU", base_url=site)
                       for _ in range(2))
    try:
        page = browser_login(teacher, school.teacher.login)
        url = f"/journal/grid?class_id={school.c5.id}&subject_id={school.math.id}"
        page.goto(url)
        # A new lesson: the newest school day is chosen; the Sunday is not offered.
        page.locator("#lesson-add").click()
        assert page.locator("#lf-date").input_value() == "2026-11-25"
        assert not page.locator('#lf-date option[value="2026-11-22"]').is_visible()
        # The Sunday lesson keeps its date when opened; its save is refused in Russian.
        page.locator(f'th[data-lesson-id="{sunday.id}"] .lesson-btn').click()
        assert page.locator("#lf-date").input_value() == "2026-11-22"
        page.locator("#lesson-form button[type=submit]").click()
        page.wait_for_function("() => document.getElementById('lesson-error').textContent")
        assert "воскресенье, выходной день" in page.locator("#lesson-error").inner_text()
        assert Lesson.get_by_id(sunday.id).date == dt.date(2026, 11, 22)
        # Moved to a school day, it is saved.
        page.select_option("#lf-date", "2026-11-23")
        with page.expect_navigation():  # the saved lesson reloads the page
            page.locator("#lesson-form button[type=submit]").click()
        page.wait_for_selector("#lesson-form", state="attached")
        assert Lesson.get_by_id(sunday.id).date == dt.date(2026, 11, 23)

        # The locked first quarter: the deputy reopens it from the grid.
        page = browser_login(deputy, "deputy.ee")
        page.goto(f"{url}&period_id={quarter(school, 1).id}")
        page.fill("#ro-reason", REASON)
        page.locator("#reopen-form button[type=submit]").click()
        page.wait_for_selector("#journal-lock.alert-warning")
        assert "Журнал открыт заместителем" in page.locator("#journal-lock").inner_text()
        assert not page.locator("#reopen-form").count()
        assert Reopening.get().until == school.today + 3 * DAY
    finally:
        teacher.close()
        deputy.close()


def browser_login(context, login: str):
    """A new page of the context, logged in through the form."""
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/login/")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():  # the login redirects
        page.click("#login-form button[type=submit]")
    return page
