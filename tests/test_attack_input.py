"""Issue 11.3: malformed input against every table of the panel, found by walking the app's
URL map rather than listed by hand, so a table added later is attacked too; and the Russian
page for whatever still goes wrong.

An id no row can have (beyond 64 bits: SQLite's OverflowError; 1e300, 1.9: not whole) is a
4xx in Russian that changes nothing, on SQLite and PostgreSQL alike.
"""
from __future__ import annotations

import logging
import re

import pytest
from peewee import ForeignKeyField, IntegerField

from admin.base import panel_views
from models import Staff
from tests.panel import CYRILLIC, PASSWORD, Browser, rows
from tests.school import staff

NO_ROW_IDS = [str(2**63), "1e300", "1.9"]


@pytest.fixture
def everyone(app, people) -> Browser:
    """Logged in as someone holding every role, so that every table opens."""
    person = staff("all.roles", "admin,director,deputy,teacher")
    person.password_hash = Staff.get_by_id(people.admin.id).password_hash
    person.save()
    browser = Browser(app.test_client())
    browser.login(person.login, PASSWORD)
    browser.get("/")
    return browser


def table_views(app) -> list:
    """Every Flask-Admin table of the panel (the setup tables and the audit log)."""
    return [view for view in panel_views(app).values() if hasattr(view, "get_one")]


def row_urls(app) -> list[tuple[str, str, str]]:
    """(method, URL, name of the id field) of every endpoint that names one row by id."""
    found = []
    for rule in app.url_map.iter_rules():
        kind = rule.endpoint.rpartition(".")[2]
        if kind in ("edit_view", "details_view"):
            found.append(("GET", rule.rule, "id"))
        elif kind == "delete_view":
            found.append(("POST", rule.rule, "id"))
        elif kind == "action_view":
            found.append(("POST", rule.rule, "rowid"))
    return found


def answer_text(response) -> str:
    return response.get_json()["error"] if response.is_json else response.get_data(as_text=True)


@pytest.mark.parametrize("bad_id", NO_ROW_IDS)
def test_no_table_url_takes_an_id_no_row_can_have(app, school, everyone, bad_id):
    """`/setup/students/edit/?id=2**63` and its kin on every table: a Russian 404."""
    school.lesson()
    urls = row_urls(app)
    assert len(urls) >= 4 * 19  # every setup table and the audit log: edit, details, delete, bulk
    before = rows()
    for method, url, field in urls:
        if method == "GET":
            response = everyone.client.get(f"{url}?{field}={bad_id}")
        else:
            response = everyone.client.post(url, data={field: bad_id, "action": "delete",
                                                       "csrf_token": everyone.token})
        assert response.status_code == 404, (method, url, response.status_code)
        assert CYRILLIC.search(answer_text(response)), url
    assert rows() == before


def test_no_url_takes_a_number_in_its_path_beyond_an_id(app, school, everyone):
    """Paths with a number in them (the breach page of one account): 2**63 is no account."""
    paths = [(rule.rule, sorted(rule.methods - {"HEAD", "OPTIONS"})[0])
             for rule in app.url_map.iter_rules() if "<int:" in rule.rule]
    assert paths, "the breach pages take an account's id in the path"
    before = rows()
    for path, method in paths:
        url = re.sub(r"<int:\w+>", str(2**63), path)
        response = everyone.client.open(url, method=method,
                                         data={"csrf_token": everyone.token})
        assert 400 <= response.status_code < 500, (url, response.status_code)
        assert CYRILLIC.search(answer_text(response)), url
    assert rows() == before


def row_pickers(view) -> list[str]:
    """The form fields of a table that pick another table's row (a pupil's class)."""
    fields = view.model._meta.fields
    return [name for name in view.form_columns or ()
            if isinstance(fields.get(name), ForeignKeyField)]


@pytest.mark.parametrize("bad_id", NO_ROW_IDS)
def test_no_form_picks_a_row_by_an_id_no_row_can_have(app, school, everyone, bad_id):
    """A movement posted for pupil 2**63 into class 2**63: the form says no such choice."""
    checked = 0
    before = rows()
    for view in table_views(app):
        pickers = row_pickers(view)
        if not pickers or view.endpoint in ("settings", "audit"):  # nobody creates rows there
            continue
        response = everyone.client.post(f"{view.url}/new/", data={
            **dict.fromkeys(pickers, bad_id), "csrf_token": everyone.token})
        assert response.status_code == 200, (view.url, response.status_code)
        assert CYRILLIC.search(answer_text(response))
        checked += 1
    assert checked >= 8 and rows() == before


def integer_filters(view) -> list[str]:
    """The URL names of a table's filters on whole-number columns (ids, numbers)."""
    names = []
    for index, flt in enumerate(view.get_filters() or ()):
        if isinstance(getattr(flt, "column", None), (IntegerField, ForeignKeyField)):
            names.append(view.get_filter_arg(index, flt))
    return names


@pytest.mark.parametrize("value", [str(2**63), "1e300", "пять"])
def test_no_list_filter_takes_a_number_no_column_holds(app, school, everyone, value):
    """`?flt0_0=2**63` on 5А's grade, a timetable's weekday, the audit log's row number."""
    checked = 0
    for view in table_views(app):
        for name in integer_filters(view):
            for suffix in ("", "export/csv/"):
                url = f"{view.url}/{suffix}?flt0_{name}={value}"
                response = everyone.client.get(url)
                assert response.status_code in (200, 400), (url, response.status_code)
                if response.status_code == 200 and suffix:
                    continue  # the filter was ignored (Flask-Admin's own check): a CSV
                assert CYRILLIC.search(answer_text(response)), url
                checked += 1
    assert checked >= 5


def test_a_nul_byte_in_a_login_is_refused_in_russian(app, people):
    """PostgreSQL refuses NUL in text: the login form's count of attempts stored it."""
    browser = Browser(app.test_client())
    before = rows()
    response = browser.login("teacher.aa\x00", PASSWORD)
    assert response.status_code == 400
    assert "управляющие символы" in response.get_data(as_text=True)
    assert rows() == before


@pytest.fixture
def failing_app(people, backend_url):
    """The panel as in production: an unexpected error is answered, not raised to the test."""
    from admin import create_app
    return create_app({"TESTING": True, "PROPAGATE_EXCEPTIONS": False,
                       "DATABASE_URL": backend_url, "SECRET_KEY": "test-secret"})


def test_an_unexpected_fault_is_a_russian_500_with_the_traceback_in_the_log(
        failing_app, people, school, monkeypatch, caplog):
    from models import access, gradebook

    def broken(*args, **kwargs):
        raise RuntimeError("a fault nobody foresaw")

    browser = Browser(failing_app.test_client())
    browser.login(people.teacher.login)
    browser.get("/")
    monkeypatch.setattr(access, "journals_for", broken)
    monkeypatch.setattr(gradebook, "save_lesson", broken)
    with caplog.at_level(logging.ERROR):
        page = browser.client.get("/journal/")
        call = browser.post_json("/journal/api/lesson", {
            "class_id": school.c5.id, "subject_id": school.math.id,
            "date": school.today.isoformat(), "topic": "Дроби"})
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert "Внутренняя ошибка" in page.get_data(as_text=True)
    assert "Internal Server Error" not in page.get_data(as_text=True)
    assert call.status_code == 500 and "Внутренняя ошибка" in call.get_json()["error"]
    logged = [r for r in caplog.records if r.exc_info and "a fault nobody foresaw"
              in str(r.exc_info[1])]
    assert len(logged) == 2, "each fault's traceback is in the log"
