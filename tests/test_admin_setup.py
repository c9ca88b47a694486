"""Setting up the school through the panel, as the deputy, the admin and teachers do it."""
from __future__ import annotations

import re

import pytest
from flask_admin.contrib.peewee.filters import BasePeeweeFilter
from peewee import Field

from admin.base import SecureModelView, panel_views
from models import (
    Guardian,
    Mark,
    News,
    PlanTopic,
    SchoolClass,
    SchoolSettings,
    Staff,
    Student,
    StudentGuardian,
    Subject,
    TeachingAssignment,
)
from models.people import LOGIN_REFUSED
from tests.panel import Browser, fill, text


def column(response, name: str) -> list[str]:
    """The values a list page shows in one column, row by row."""
    cells = re.findall(rf'<td class="col-{name}">(.*?)</td>', text(response), re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


# --- 1. the configuration names real columns (STYLE item 9) ---------------------------

def config_problems(view: SecureModelView) -> list[str]:
    """Names in a view's configuration that are neither a column nor a declared form field."""
    model, extra = view.model, set(view.form_extra_fields or ())
    fields, related = model._meta.fields, {model} | {
        f.rel_model for f in model._meta.refs}

    def check(item, where, allowed):
        if isinstance(item, tuple):  # column_sortable_list: (name, field)
            item = item[1]
        if isinstance(item, BasePeeweeFilter):
            item = item.column
        if isinstance(item, Field):
            ok = item.model in related
        else:
            ok = item in allowed or item in extra
        return [] if ok else [f"{view.endpoint}.{where}: {item!r}"]

    found = []
    for where in ("column_list", "column_labels"):  # properties may be shown
        names = {n for n in dir(model) if not n.startswith("_")}
        found += [p for item in getattr(view, where) or () for p in check(item, where, names)]
    for where in ("form_columns", "column_searchable_list", "column_filters",
                  "column_sortable_list"):
        found += [p for item in getattr(view, where) or () for p in check(item, where, fields)]
    return found


def test_every_view_names_only_real_columns(app):
    views = [v for v in panel_views(app).values() if isinstance(v, SecureModelView)]
    assert len([v for v in views if v.url.startswith("/setup/")]) == 20
    assert [p for view in views for p in config_problems(view)] == []


def form_fields(html: str) -> list[str]:
    """The names of an admin form's fields in the order the page shows them."""
    form = html[html.index('class="admin-form'):]
    names = re.findall(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"', form)
    return [n for n in dict.fromkeys(names) if n != "csrf_token" and not n.startswith("_")]


def test_every_setup_form_shows_its_fields_in_form_columns_order(app, people):
    """Not the models' order: a movement's order number before its reason, the new password
    last, as `form_columns` says; and labelled in Russian."""
    seen, desks = set(), {}
    for view in panel_views(app).values():
        if not (isinstance(view, SecureModelView) and view.url.startswith("/setup/")):
            continue
        writer = next(p for p in vars(people).values() if p.has_role(*view.write_roles))
        if writer.login not in desks:
            desks[writer.login] = Browser(app.test_client())
            desks[writer.login].login(writer.login)
        desk = desks[writer.login]
        url = f"{view.url}/new/" if view.model is not SchoolSettings else \
            f"{view.url}/edit/?id={SchoolSettings.current().id}"
        page = text(desk.get(url))
        assert form_fields(page) == list(view.form_columns), view.endpoint
        seen.add(view.endpoint)
    assert {"movements", "staff", "settings", "news"} <= seen
    page = text(desks[people.deputy.login].get("/setup/movements/new/"))
    assert form_fields(page)[-2:] == ["order_number", "reason"]
    assert "Номер приказа" in page and "Order Number" not in page


# --- 2. the deputy sets up classes and subjects ----------------------------------------

def test_deputy_creates_a_class_and_a_subject_and_sees_them(browser, school):
    browser.login("deputy.ee")
    fill(browser, "/setup/classes/new/", {
        "year": school.year.id, "grade": "7", "letter": "Б", "period_scheme": "quarter",
        "class_teacher": "__None", "room": "12"})
    assert SchoolClass.get(grade=7, letter="Б").period_scheme == "quarter"
    listing = browser.get("/setup/classes/")
    assert "Б" in column(listing, "letter") and "Параллель" in text(listing)
    assert set(column(listing, "period_scheme")) == {"четверть"}

    fill(browser, "/setup/subjects/new/", {"name": "Физика", "short_name": "Физ",
                                           "sort_order": "3"})
    assert Subject.get_or_none(name="Физика") is not None
    assert "Физика" in column(browser.get("/setup/subjects/"), "name")


def test_a_class_of_grade_12_is_refused_in_russian(browser, school):
    browser.login("deputy.ee")
    page = fill(browser, "/setup/classes/new/", {
        "year": school.year.id, "grade": "12", "letter": "А", "period_scheme": "quarter",
        "class_teacher": "__None", "room": ""})
    assert "Класс должен быть от 1 до 11." in text(page)
    assert not SchoolClass.select().where(SchoolClass.grade == 12).exists()


# --- 3. plain teachers have no setup pages ----------------------------------------------

def test_a_plain_teacher_cannot_open_or_create_classes(browser, people):
    browser.login(people.english.login)
    browser.get("/")
    assert browser.get("/setup/classes/").status_code == 403
    assert browser.get("/setup/classes/new/").status_code == 403
    response = browser.post("/setup/classes/new/", {"grade": "7", "letter": "В"})
    assert response.status_code == 403
    assert not SchoolClass.select().where(SchoolClass.letter == "В").exists()


# --- 4. a teacher plans only their own assignments (КТП) --------------------------------

def test_teacher_plans_own_assignment_and_cannot_reach_anothers(browser, school, people):
    own = TeachingAssignment.get(teacher=people.teacher, school_class=school.c5)
    theirs = TeachingAssignment.get(teacher=people.other)
    foreign = PlanTopic.create(assignment=theirs, number=1, title="Чужая тема")
    browser.login(people.teacher.login)

    form = text(browser.get("/setup/plans/new/"))
    assert f'value="{own.id}"' in form and f'value="{theirs.id}"' not in form
    topic = {"number": "1", "title": "Натуральные числа", "hours": "2", "planned_date": ""}
    fill(browser, "/setup/plans/new/", {**topic, "assignment": own.id})
    assert PlanTopic.get(assignment=own).title == "Натуральные числа"

    page = fill(browser, "/setup/plans/new/", {**topic, "number": "2", "assignment": theirs.id})
    assert "Неверный вариант." in text(page)  # WTForms' own Russian
    assert PlanTopic.select().where(PlanTopic.assignment == theirs).count() == 1

    assert column(browser.get("/setup/plans/"), "title") == ["Натуральные числа"]
    for url in (f"/setup/plans/details/?id={foreign.id}", f"/setup/plans/edit/?id={foreign.id}"):
        assert browser.get(url).status_code == 302  # to the list: «Запись не существует»
    mine = PlanTopic.get(assignment=own)
    for url, data in ((f"/setup/plans/edit/?id={foreign.id}",
                       {**topic, "title": "Исправлено", "assignment": own.id}),
                      ("/setup/plans/delete/", {"id": foreign.id}),
                      ("/setup/plans/action/", {"action": "delete",
                                                "rowid": [foreign.id, mine.id]})):
        assert browser.post(url, data).status_code == 302  # refused quietly, not by CSRF
    assert PlanTopic.get_by_id(foreign.id).title == "Чужая тема"
    assert PlanTopic.get_or_none(id=mine.id) is None  # their own row went, as asked


# --- 5. a class teacher keeps the cards of their own pupils -----------------------------

def card(student: Student, **changes) -> dict:
    fields = {"last_name": student.last_name, "first_name": student.first_name,
              "middle_name": student.middle_name, "birth_date": "", "gender": "",
              "notes": student.notes}
    return fields | changes


def test_class_teacher_edits_own_pupils_card_only(browser, school, people):
    browser.login(people.class_teacher.login)
    assert column(browser.get("/setup/students/"), "last_name") == ["Шестаков"]

    own = school.pupil6
    fill(browser, f"/setup/students/edit/?id={own.id}", card(own, notes="Группа здоровья II"))
    assert Student.get_by_id(own.id).notes == "Группа здоровья II"

    other = school.pupils5[0]
    for url in (f"/setup/students/edit/?id={other.id}", f"/setup/students/details/?id={other.id}"):
        assert browser.get(url).status_code == 302
    response = browser.post(f"/setup/students/edit/?id={other.id}",
                            card(other, notes="чужая правка"))
    assert response.status_code == 302 and Student.get_by_id(other.id).notes == ""

    assert browser.post("/setup/students/new/",
                        card(own, last_name="Новенький")).status_code == 302
    assert not Student.select().where(Student.last_name == "Новенький").exists()


def test_class_teacher_sees_the_guardians_of_own_pupils_only(browser, school, people):
    for pupil, surname in ((school.pupil6, "Шестакова"), (school.pupils5[0], "Иванова")):
        guardian = Guardian.create(last_name=surname, first_name="Мама")
        StudentGuardian.create(student=pupil, guardian=guardian, relation="мать")
    browser.login(people.class_teacher.login)
    assert column(browser.get("/setup/guardians/"), "last_name") == ["Шестакова"]
    assert browser.get("/setup/guardians/new/").status_code == 302


# --- 6. search finds Cyrillic names whatever their case ---------------------------------

@pytest.mark.parametrize("typed", ["иванов", "ИВАНОВ", "Иванов"])
def test_pupil_search_ignores_case_of_cyrillic(browser, school, typed):
    browser.login("deputy.ee")
    listing = browser.get("/setup/students/", query_string={"search": typed})
    assert column(listing, "last_name") == ["Иванов"]
    book = browser.get("/setup/movements/", query_string={"search": typed})
    assert column(book, "student") == ["Иванов Тест"]


# --- 7. deleting never takes journal data with it ---------------------------------------

def test_deleting_a_pupil_with_marks_is_refused_and_marks_stay(browser, school):
    pupil = school.pupils5[0]
    Mark.create(lesson=school.lesson(), student=pupil, value="5")
    newcomer = Student.create(last_name="Ошибочный", first_name="Ввод")
    browser.login("deputy.ee")
    browser.get("/setup/students/")

    page = browser.post("/setup/students/delete/", {"id": pupil.id}, follow_redirects=True)
    assert "Нельзя удалить" in text(page)
    browser.post("/setup/students/action/", {"action": "delete", "rowid": [pupil.id]})
    assert Student.get_or_none(id=pupil.id) is not None
    assert Mark.select().where(Mark.student == pupil.id).count() == 1

    browser.post("/setup/students/delete/", {"id": newcomer.id})
    assert Student.get_or_none(id=newcomer.id) is None  # a pupil with no data can go


# --- 8. the admin manages staff accounts ------------------------------------------------

ACCOUNT = {"login": "new.teacher", "last_name": "Новикова", "first_name": "Ольга",
           "middle_name": "", "roles": ["teacher"], "is_active": "y", "email": "",
           "phone": ""}


def test_admin_creates_an_account_that_logs_in_and_deactivates_it(app, browser):
    browser.login("admin.gg")
    fill(browser, "/setup/staff/new/", {**ACCOUNT, "new_password": "long-enough-1"})
    account = Staff.get(login="new.teacher")
    assert account.role_set == {"teacher"} and account.password_hash

    colleague = Browser(app.test_client())
    assert colleague.login("new.teacher", "long-enough-1").status_code == 302
    assert colleague.get("/").status_code == 200

    details = text(browser.get(f"/setup/staff/details/?id={account.id}"))
    assert "учитель" in details
    assert account.password_hash not in details and account.session_token not in details
    fill(browser, f"/setup/staff/edit/?id={account.id}", {**ACCOUNT, "is_active": ""})
    assert not Staff.get_by_id(account.id).is_active
    assert colleague.get("/").status_code == 302  # the open session ended
    latecomer = Browser(app.test_client())
    assert LOGIN_REFUSED in text(latecomer.login("new.teacher", "long-enough-1"))
    fill(browser, f"/setup/staff/edit/?id={account.id}", ACCOUNT)
    assert colleague.get("/").status_code == 302  # and stays ended once it is back on


def test_new_password_must_be_long_and_unlocks_the_account(browser, people):
    browser.login("admin.gg")
    url = f"/setup/staff/edit/?id={people.teacher.id}"
    fields = {**ACCOUNT, "login": people.teacher.login}
    page = fill(browser, url, {**fields, "new_password": "short"})
    assert "не короче 8 символов" in text(page)

    Staff.update(locked_until=Staff.updated_at).where(Staff.id == people.teacher.id).execute()
    token = people.teacher.session_token
    fill(browser, url, {**fields, "new_password": "brand-new-pass"})
    account = Staff.get_by_id(people.teacher.id)
    assert account.check_password("brand-new-pass") and account.locked_until is None
    assert account.session_token != token


def test_admin_cannot_lock_themselves_out(browser, people):
    browser.login("admin.gg")
    page = fill(browser, f"/setup/staff/edit/?id={people.admin.id}", {
        **ACCOUNT, "login": "admin.gg", "roles": ["admin"], "is_active": ""})
    assert "Нельзя отключить свою учётную запись" in text(page)
    assert Staff.get_by_id(people.admin.id).is_active


def test_deputy_reads_accounts_but_cannot_create_them(browser):
    browser.login("deputy.ee")
    assert "заместитель директора" in column(browser.get("/setup/staff/"), "roles")
    assert browser.get("/setup/staff/new/").status_code == 302
    response = browser.post("/setup/staff/new/", {**ACCOUNT, "new_password": "long-enough-1"})
    assert response.status_code == 302
    assert not Staff.select().where(Staff.login == "new.teacher").exists()


def test_settings_are_one_row_the_admin_edits(browser, school):
    browser.login("admin.gg")
    settings = SchoolSettings.current()
    assert browser.get("/setup/settings/new/").status_code == 302
    page = fill(browser, f"/setup/settings/edit/?id={settings.id}", {
        "name": "МКОУ Тестовая СОШ", "timezone": "Europe/Moscow", "diary_base_url": "",
        "threshold_3": "3.6", "threshold_4": "3.5", "threshold_5": "4.5"})
    assert "Пороги округления должны возрастать" in text(page)
    assert SchoolSettings.get_by_id(settings.id).threshold_3 == 2.5


def test_news_are_signed_by_their_author(browser, people):
    browser.login("director.ff")
    fill(browser, "/setup/news/new/", {"title": "Собрание", "body": "В пятницу.",
                                       "school_class": "__None", "is_published": "y"})
    assert News.get(title="Собрание").author_id == people.director.id


# --- 9. export: values, not formulas; only for those who read everything -----------------

def test_pupil_export_neutralises_formulas_and_is_not_for_teachers(app, browser, people):
    Student.create(last_name='=HYPERLINK("http://evil.example")', first_name="Тест")
    browser.login("deputy.ee")
    export = browser.get("/setup/students/export/csv/")
    assert export.mimetype == "text/csv"
    assert "'=HYPERLINK" in text(export) and "Иванов" in text(export)

    class_teacher = Browser(app.test_client())
    class_teacher.login(people.teacher.login)
    response = class_teacher.get("/setup/students/export/csv/")
    assert response.status_code == 302 and response.mimetype != "text/csv"
    plain = Browser(app.test_client())
    plain.login(people.english.login)
    assert plain.get("/setup/students/export/csv/").status_code == 403
