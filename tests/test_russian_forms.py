"""The panel's forms in Russian habits (issue 14.5): dates typed and shown as ДД.ММ.ГГГГ
with a Russian, Monday-first picker, every save error in Russian with nothing typed lost,
pupils picked by class and surname, lists filtered by class, no «None» in a search box,
and an audit log in Russian labels, with names instead of ids, on the school's clock."""
from __future__ import annotations

import datetime as dt
import html
import logging
import re
from contextlib import contextmanager

import pytest

from admin import dates
from admin.base import SecureModelView, panel_views
from models import (
    AuditEntry,
    Guardian,
    Movement,
    SchoolClass,
    SchoolSettings,
    Student,
    StudentGuardian,
)
from tests.chromium import log_in
from tests.forms import AdminForm
from tests.panel import CYRILLIC, fill, rows, text
from tests.school import SmallSchool

ENGLISH_FLASHES = ("Failed to", "successfully", "Not a valid", "This field is required")


def flashes(response) -> list[str]:
    """The messages above the form, as the person reads them."""
    found = re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', text(response), re.S)
    return [" ".join(re.sub(r"<[^>]+>|&times;", "", m).split()) for m in found]


def field_errors(response) -> list[str]:
    found = re.findall(r'<ul class="form-text text-danger[^"]*">(.*?)</ul>', text(response),
                       re.S)
    return [html.unescape(" ".join(re.sub(r"<[^>]+>", " ", m).split())) for m in found]


def cells(response, name: str) -> list[str]:
    found = re.findall(rf'<td class="col-{name}">(.*?)</td>', text(response), re.S)
    return [html.unescape(" ".join(re.sub(r"<[^>]+>", "", c.replace("<br>", " | ")).split()))
            for c in found]


def options(response, select: str) -> list[str]:
    """The labels a form's select offers, in order (the blank choice left out)."""
    page = text(response)
    start = page.index(f'name="{select}"')
    found = re.findall(r"<option[^>]*>([^<]*)</option>", page[start:page.index("</select>",
                                                                                start)])
    return [html.unescape(label) for label in found if not label.startswith("-")]


def filter_arg(view: SecureModelView, name: str, kind: type = object) -> str:
    """The URL argument of a list's filter, by its Russian name (and class: the first one
    of that name by default)."""
    for index, flt in enumerate(view.get_filters()):
        if flt.name == name and isinstance(flt, kind):
            return "flt0_" + view.get_filter_arg(index, flt)
    raise AssertionError(f"{view.endpoint} has no filter «{name}»")


@pytest.fixture
def deputy(browser, people):
    assert browser.login(people.deputy.login).status_code == 302
    return browser


# --- 1. dates as ДД.ММ.ГГГГ --------------------------------------------------------------

def test_a_birth_date_typed_as_people_write_it_is_saved_and_shown_back(deputy, app):
    saved = fill(deputy, "/setup/students/new/", {
        "last_name": "Новикова", "first_name": "Анна", "middle_name": "Сергеевна",
        "birth_date": "12.05.2014", "gender": "Ж", "notes": ""})
    assert not [m for m in flashes(saved) if any(e in m for e in ENGLISH_FLASHES)]
    pupil = Student.get(Student.last_name == "Новикова")
    assert pupil.birth_date == dt.date(2014, 5, 12)
    # The list and the edit form show it as it was typed; ISO is still read.
    listed = deputy.get("/setup/students/?search=Новикова")
    assert cells(listed, "birth_date") == ["12.05.2014"]
    form = AdminForm(text(deputy.get(f"/setup/students/edit/?id={pupil.id}")))
    assert form.fields["birth_date"] == "12.05.2014"
    deputy.post(f"/setup/students/edit/?id={pupil.id}",
                {**form.fields, "birth_date": "2014-05-13"}, follow_redirects=True)
    assert Student.get_by_id(pupil.id).birth_date == dt.date(2014, 5, 13)


def test_a_holiday_and_its_list_filter_read_days_as_people_write_them(deputy, app, school):
    start = school.start + dt.timedelta(days=40)
    fill(deputy, "/setup/holidays/new/", {"year": school.year.id, "name": "карантин",
                                          "start": f"{start:%d.%m.%Y}",
                                          "end": f"{start + dt.timedelta(days=2):%d.%m.%Y}"})
    view = panel_views(app)["holidays"]
    day = f"{start:%d.%m.%Y}"
    found = deputy.get(f"/setup/holidays/?{filter_arg(view, 'Начало', dates.DateEqual)}={day}")
    assert cells(found, "name") == ["карантин"]
    assert cells(found, "start") == [day]
    week = f"{start - dt.timedelta(days=3):%d.%m.%Y} — {start + dt.timedelta(days=3):%d.%m.%Y}"
    between = filter_arg(view, "Начало", dates.DateBetween)
    assert cells(deputy.get(f"/setup/holidays/?{between}={week}"), "name") == ["карантин"]
    iso = f"{start:%Y-%m-%d} to {start + dt.timedelta(days=3):%Y-%m-%d}"  # Flask-Admin's own
    assert cells(deputy.get(f"/setup/holidays/?{between}={iso}"), "name") == ["карантин"]


# --- 2. every save error in Russian, nothing typed lost ----------------------------------

def test_a_bad_date_gets_a_russian_message_and_keeps_what_was_typed(deputy):
    before = rows()
    refused = fill(deputy, "/setup/students/new/", {
        "last_name": "Новиков", "first_name": "Иван", "middle_name": "Петрович",
        "birth_date": "31.02.2014", "gender": "М", "notes": "астма"})
    assert rows() == before
    assert field_errors(refused) == [
        "Дата «31.02.2014» не читается: нужна дата вида 30.11.2026 или 2026-11-30."]
    assert flashes(refused) == ["Запись не создана: исправьте поля, отмеченные ниже; всё "
                                "введённое сохранено в форме."]
    form = AdminForm(text(refused))
    assert form.fields == {"last_name": "Новиков", "first_name": "Иван",
                           "middle_name": "Петрович", "birth_date": "31.02.2014",
                           "gender": "М", "notes": "астма"}


def test_an_edit_with_a_bad_date_is_refused_in_russian(deputy, school):
    pupil = school.pupils5[0]
    form = AdminForm(text(deputy.get(f"/setup/students/edit/?id={pupil.id}")))
    refused = deputy.post(f"/setup/students/edit/?id={pupil.id}",
                          {**form.fields, "birth_date": "12/05/2014", "notes": "очки"})
    assert flashes(refused) == ["Запись не сохранена: исправьте поля, отмеченные ниже; всё "
                                "введённое сохранено в форме."]
    assert "12/05/2014" in field_errors(refused)[0]
    assert AdminForm(text(refused)).fields["notes"] == "очки"
    assert Student.get_by_id(pupil.id).notes == ""


def test_a_save_the_rules_refuse_says_why_and_keeps_the_form(deputy, school):
    before = rows()
    refused = fill(deputy, "/setup/classes/new/", {
        "year": school.year.id, "grade": "12", "letter": "Б", "period_scheme": "quarter",
        "room": "каб. 7"})
    assert rows() == before
    assert flashes(refused) == ["Класс должен быть от 1 до 11."]
    kept = AdminForm(text(refused)).fields
    assert (kept["grade"], kept["letter"], kept["room"]) == ("12", "Б", "каб. 7")


def test_an_empty_required_field_and_a_missing_choice_are_russian(deputy, school):
    refused = fill(deputy, "/setup/movements/new/", {
        "student": "999999", "kind": "enrolled", "date": "", "school_class": school.c5.id})
    errors = field_errors(refused)
    assert errors and all(CYRILLIC.search(e) for e in errors)
    assert not [e for e in errors + flashes(refused) if any(x in e for x in ENGLISH_FLASHES)]


# --- 3. pickers and filters ---------------------------------------------------------------

@pytest.fixture
def more_pupils(school: SmallSchool) -> dict[str, Student]:
    """Pupils whose names, ids and classes do not agree on an order; one has left."""
    made = {name: SmallSchool.pupil(name, school_class, school.start)
            for name, school_class in (("Яковлев", school.c1), ("Абрамов", school.c6),
                                       ("Антонова", school.c5), ("Ушедший", school.c5))}
    Movement.create(student=made["Ушедший"], kind="left", school_class=None,
                    date=school.today - dt.timedelta(days=3))
    return made


def test_the_pupil_pickers_are_sorted_by_class_then_surname(deputy, more_pupils):
    Student.create(last_name="Аверин", first_name="Тест")  # not yet in the movement book
    expected = ["Малышкин Тест (1А)", "Яковлев Тест (1А)", "Антонова Тест (5А)",
                "Иванов Тест (5А)", "Петрова Тест (5А)", "Сидоров Тест (5А)",
                "Абрамов Тест (6А)", "Шестаков Тест (6А)", "Ушедший Тест (5А, выбыл)",
                "Аверин Тест (без класса)"]
    for url in ("/setup/movements/new/", "/setup/subgroup-members/new/",
                "/setup/student-guardians/new/"):
        page = deputy.get(url)
        assert options(page, "student") == expected, url
        assert re.search(r'<select[^>]*data-role="select2"[^>]*name="student"', text(page))


def test_pupils_and_their_rows_are_filtered_by_class(deputy, app, school, more_pupils):
    guardian = Guardian.create(last_name="Антонов", first_name="Пётр")
    StudentGuardian.create(student=more_pupils["Антонова"], guardian=guardian, relation="отец")
    StudentGuardian.create(student=more_pupils["Абрамов"], guardian=guardian, relation="дядя")
    views = panel_views(app)

    def listed(endpoint: str, column: str, school_class: SchoolClass) -> list[str]:
        arg = filter_arg(views[endpoint], "Класс")
        return cells(deputy.get(f"{views[endpoint].url}/?{arg}={school_class.id}"), column)

    assert sorted(listed("students", "last_name", school.c5)) == [
        "Антонова", "Иванов", "Петрова", "Сидоров"]
    assert listed("students", "last_name", school.c1) == ["Малышкин", "Яковлев"]
    assert listed("student_guardians", "relation", school.c6) == ["дядя"]
    assert sorted(listed("movements", "student", school.c1)) == [
        "Малышкин Тест", "Яковлев Тест"]
    # The filter offers the classes by name.
    with app.test_request_context():
        offered = dict(views["students"].get_filters()[0].get_options(views["students"]))
    assert offered[str(school.c5.id)] == "5А"


def test_no_list_page_has_none_for_a_placeholder(app, people):
    """Every list of the panel, as each role that reads it: no «None» in a search box."""
    from tests.panel import Browser
    seen = set()
    for person in (people.deputy, people.admin, people.teacher):
        browser = Browser(app.test_client())
        browser.login(person.login)
        for view in panel_views(app).values():
            if not isinstance(view, SecureModelView):
                continue
            response = browser.get(f"{view.url}/")
            if response.status_code != 200:
                continue
            page = text(response)
            placeholders = re.findall(r'placeholder="([^"]*)"', page)
            assert "None" not in placeholders and ">None<" not in page, view.url
            assert all(CYRILLIC.search(p) for p in placeholders), (view.url, placeholders)
            seen.add(view.endpoint)
    assert len(seen) >= 20


# --- 4. the audit log ---------------------------------------------------------------------

@contextmanager
def counted_queries():
    """The SQL statements run inside the block (peewee logs each one at DEBUG)."""
    statements: list[str] = []

    class Counter(logging.Handler):
        def emit(self, record):
            statements.append(str(record.msg))

    logger, handler = logging.getLogger("peewee"), Counter(logging.DEBUG)
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        yield statements
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def test_the_audit_log_names_rows_in_russian_on_the_schools_clock(app, people, school,
                                                                     more_pupils):
    from tests.panel import Browser
    deputy = Browser(app.test_client())
    deputy.login(people.deputy.login)
    pupil = more_pupils["Антонова"]
    fill(deputy, "/setup/movements/new/", {
        "student": pupil.id, "kind": "moved", "date": f"{school.today:%d.%m.%Y}",
        "school_class": school.c6.id, "order_number": "12-у", "reason": ""})
    moved = AuditEntry.select().where(AuditEntry.table_name == "movement").order_by(
        AuditEntry.id.desc()).first()
    # A guardian linked, then the link and the guardian deleted: the entry names what it can.
    guardian = Guardian.create(last_name="Временный", first_name="Гость")
    link = StudentGuardian.create(student=pupil, guardian=guardian, relation="дядя")
    link.delete_instance()
    guardian.delete_instance()
    # Stored in UTC at 21:30 on the 23rd: at school (Moscow) it is 00:30 on the 24th.
    AuditEntry.update(at=dt.datetime(2026, 11, 23, 21, 30)).where(
        AuditEntry.id == moved.id).execute()
    assert SchoolSettings.current().timezone == "Europe/Moscow"

    admin = Browser(app.test_client())
    admin.login(people.admin.login)
    page = admin.get(f"/audit/?flt0_{filter_index(app, 'Запись №')}={moved.row_id}")
    shown = text(page)
    assert "24.11.2026 00:30:00" in shown
    change = cells(page, "before")[0]
    assert change == ("Вид движения: — → переведён в другой класс | Дата: — → "
                      f"{school.today:%d.%m.%Y} | Класс: — → 6А | Номер приказа: — → 12-у | "
                      "Ученик: — → Антонова Тест (6А)")
    deleted = admin.get(f"/audit/?flt0_{filter_index(app, 'Таблица')}=student_guardian")
    link_change = " ".join(cells(deleted, "before"))
    assert f"Родитель (законный представитель): — → № {guardian.id} (удалён)" in link_change
    assert "Ученик: — → Антонова Тест (6А)" in link_change
    # The filter reads the school's clock: the 24th finds it, the 23rd (its UTC day) not.
    between = filter_arg(panel_views(app)["audit"], "Когда", dates.MomentBetween)
    on_24th = admin.get(f"/audit/?{between}=24.11.2026 00:00 — 24.11.2026 01:00")
    assert cells(on_24th, "at") == ["24.11.2026 00:30:00"]
    on_23rd = admin.get(f"/audit/?{between}=23.11.2026 21:00 — 23.11.2026 22:00")
    assert cells(on_23rd, "at") == []


def filter_index(app, name: str) -> str:
    view = panel_views(app)["audit"]
    return filter_arg(view, name)[len("flt0_"):]


def test_a_page_of_fifty_entries_costs_as_many_queries_as_one(app, people, school,
                                                              more_pupils):
    from tests.panel import Browser
    admin = Browser(app.test_client())
    admin.login(people.admin.login)
    guardians = [Guardian.create(last_name=f"Родитель{n}", first_name="Тест") for n in range(3)]
    pupils = list(more_pupils.values()) + school.pupils5
    for n in range(60):  # links across pupils, guardians, then some guardians deleted
        link = StudentGuardian.create(student=pupils[n % len(pupils)],
                                      guardian=guardians[n % 3], relation=f"связь {n}")
        link.delete_instance()
    guardians[0].delete_instance()
    admin.get("/audit/?page_size=1")  # the settings row and the session are read once

    with counted_queries() as one:
        admin.get("/audit/?page_size=1")
    with counted_queries() as fifty:
        page = admin.get("/audit/?page_size=50")
    assert len(cells(page, "before")) == 50
    assert "(удалён)" in text(page) and "Родитель1 Тест" in text(page)
    assert len(fifty) <= len(one) + 4, fifty
    assert len(fifty) <= 20, fifty


# --- 5. the picker in a real browser ------------------------------------------------------

@pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)
def test_the_date_picker_is_russian_and_starts_on_monday(new_page, people):
    page = new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, people.deputy.login)
    page.goto("/setup/students/new/")
    page.fill("#last_name", "Новикова")
    page.fill("#first_name", "Анна")
    page.locator("#birth_date").press_sequentially("12.05.2014")  # typed, key by key
    picker = page.locator(".daterangepicker .calendar:visible").first
    picker.wait_for(state="visible")
    heads = [h.strip() for h in picker.locator("thead tr").nth(1).locator("th").all_inner_texts()]
    assert heads == ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"]
    months = picker.locator("select.monthselect option").all_inner_texts()
    assert months[:3] == ["Январь", "Февраль", "Март"] and "Май" in months
    assert picker.locator("select.monthselect").input_value() == "4"  # May, as typed
    # Picking the 20th writes it as people write dates.
    picker.locator("td.available:not(.off)", has_text=re.compile(r"^20$")).first.click()
    apply = page.locator(".daterangepicker .applyBtn")
    if apply.is_visible():
        apply.click()
    assert page.input_value("#birth_date") == "20.05.2014"
    # The pupil select is searchable: select2 with a search box.
    page.goto("/setup/movements/new/")
    page.locator("#s2id_student").click()
    page.keyboard.type("Петр")
    result = page.locator(".select2-results li:visible").first
    assert "Петрова Тест (5А)" in result.inner_text()
    assert not [e for e in errors if "Content Security Policy" in e], errors
