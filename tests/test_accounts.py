"""Staff accounts as the admin and every staff member use them (issue 14.8).

As it was found: the admin could save a new account with no password and no word about it;
nobody could change their own password; roles were a list needing Ctrl-click. Now a new
account gets a generated password shown once, on the page answering the save (never in
the log, a cookie or a URL); no account is without one; everyone changes their own
password from the top bar, with the current one checked as a login attempt, and their
other sessions end; roles are checkboxes.
"""
from __future__ import annotations

import json
import re

import pytest

from journal_cli import main
from models import AuditEntry, Staff
from models.logins import LoginThrottle
from models.people import (
    LOGIN_REFUSED,
    OLD_PASSWORD_REFUSED,
    READABLE_ALPHABET,
    LoginRefused,
)
from tests.chromium import log_in
from tests.panel import PASSWORD, Browser, fill, text

SHOWN = re.compile(r'id="issued-value">([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})</code>')
NEW_ACCOUNT = {"login": "novikova.op", "last_name": "Новикова", "first_name": "Ольга",
               "middle_name": "Павловна", "roles": ["teacher"], "is_active": "y",
               "email": "", "phone": "", "generate_password": "y", "new_password": ""}
NEW_PASSWORD = "липа цветёт в июле"


def shown_password(page) -> str:
    match = SHOWN.search(text(page))
    assert match, "no password shown"
    assert set(match.group(1).replace("-", "")) <= set(READABLE_ALPHABET)
    return match.group(1)


def words(page) -> str:
    """The page's text with every run of spaces and line breaks as one space."""
    return " ".join(text(page).split())


def log_text() -> str:
    return "".join((e.before or "") + (e.after or "") for e in AuditEntry.select())


def session_of(app, browser: Browser) -> str:
    """The browser's session cookie as the panel reads it (signed, not encrypted)."""
    cookie = browser.client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    serializer = app.session_interface.get_signing_serializer(app)
    return json.dumps(serializer.loads(cookie.value), ensure_ascii=False)


def logged_in(browser: Browser) -> bool:
    return browser.client.get("/").status_code == 200


# --- a generated password, shown once ---------------------------------------------------

def test_admin_creates_an_account_and_sees_its_password_once(app, browser):
    browser.login("admin.gg")
    page = fill(browser, "/setup/staff/new/", NEW_ACCOUNT)
    password = shown_password(page)
    assert "Передайте пароль сотруднику лично" in words(page)
    assert "должен сменить его" in words(page) and "Сменить пароль" in words(page)
    assert page.headers["Cache-Control"] == "no-store"

    account = Staff.get(login="novikova.op")
    assert account.check_password(password) and password not in account.password_hash
    created = AuditEntry.get((AuditEntry.table_name == "staff") & (AuditEntry.action == "create")
                             & (AuditEntry.row_id == account.id))
    assert json.loads(created.after)["password_hash"] == "задан"
    assert password not in log_text()

    # Shown once: not in the list, the card, the edit form, nor the session cookie (a
    # flash message would have put it there, in clear).
    for url in ("/setup/staff/", f"/setup/staff/details/?id={account.id}",
                f"/setup/staff/edit/?id={account.id}", "/"):
        assert password not in text(browser.get(url)), url
    assert password not in session_of(app, browser)

    newcomer = Browser(app.test_client())
    assert newcomer.login("novikova.op", password).status_code == 302
    assert logged_in(newcomer)


def test_admin_resets_a_password_shown_once_and_the_old_sessions_end(app, browser, people):
    teacher = Browser(app.test_client())
    teacher.login(people.teacher.login)
    browser.login("admin.gg")
    url = f"/setup/staff/edit/?id={people.teacher.id}"
    card = {**NEW_ACCOUNT, "login": people.teacher.login, "last_name": "Учителева",
            "first_name": "Анна", "middle_name": "Петровна"}

    unchanged = fill(browser, url, {**card, "generate_password": ""})
    assert not SHOWN.search(text(unchanged))
    assert Staff.get_by_id(people.teacher.id).check_password(PASSWORD) and logged_in(teacher)

    password = shown_password(fill(browser, url, card))
    assert Staff.get_by_id(people.teacher.id).check_password(password)
    assert not logged_in(teacher)  # the session opened with the old password ended
    assert LOGIN_REFUSED in text(Browser(app.test_client()).login(people.teacher.login))
    assert Browser(app.test_client()).login(people.teacher.login, password).status_code == 302
    assert password not in log_text()


# --- no account without a password ------------------------------------------------------

def test_no_account_without_a_password(app, browser, people, runner):
    browser.login("admin.gg")
    page = fill(browser, "/setup/staff/new/", {**NEW_ACCOUNT, "generate_password": ""})
    assert "Учётной записи нужен пароль" in text(page)
    assert 'value="novikova.op"' in text(page)  # what was typed is still there
    assert not Staff.select().where(Staff.login == "novikova.op").exists()

    # A row without a password (from before this rule, or written around the panel) opens
    # nothing: not with an empty password, not with the one it used to have.
    Staff.update(password_hash="").where(Staff.id == people.english.id).execute()
    refused = Browser(app.test_client()).login(people.english.login)
    assert refused.status_code == 200 and LOGIN_REFUSED in text(refused)
    with pytest.raises(LoginRefused):  # the form asks for a password; the model refuses ""
        Staff.authenticate(people.english.login, "", "192.0.2.7")
    assert not Staff.get_by_id(people.english.id).check_password("")
    # Saving its card gives it one, shown once, even with «Выдать новый пароль» unticked.
    page = fill(browser, f"/setup/staff/edit/?id={people.english.id}", {
        **NEW_ACCOUNT, "login": people.english.login, "last_name": "Учителева",
        "first_name": "Анна", "generate_password": ""})
    assert Staff.get_by_id(people.english.id).check_password(shown_password(page))

    # The command line: an empty --password is no password; one is generated and printed.
    added = runner.invoke(main, ["user", "add", "petrov.ii", "--name", "Петров Иван",
                                 "--password", ""])
    assert added.exit_code == 0, added.output
    assert "Передайте пароль сотруднику лично" in added.output
    printed = added.output.rsplit("пароль: ", 1)[1].strip()
    assert Staff.get(login="petrov.ii").check_password(printed)
    weak = runner.invoke(main, ["user", "add", "sidorov.ss", "--name", "Сидоров Семён",
                                "--password", "sidorov.ss-2026"])
    assert weak.exit_code == 1 and "не должен совпадать с логином" in weak.output
    assert not Staff.select().where(Staff.login == "sidorov.ss").exists()


# --- one's own password -----------------------------------------------------------------

def change(browser: Browser, old: str, new: str, repeat: str | None = None):
    return fill(browser, "/account/", {"old_password": old, "new_password": new,
                                       "repeat": new if repeat is None else repeat})


def test_own_password_change_with_a_wrong_old_password_is_refused(app, people):
    teacher = Browser(app.test_client())
    teacher.login(people.teacher.login)
    page = change(teacher, "not-my-password", NEW_PASSWORD)
    assert OLD_PASSWORD_REFUSED in text(page)
    assert Staff.get_by_id(people.teacher.id).check_password(PASSWORD)

    # The new one must meet the minimum; these refusals check no old password at all.
    for new, repeat, message in (
            ("short", None, "не короче 8 символов"),
            (people.teacher.login.upper(), None, "не должен совпадать с логином"),
            (f"мой {people.teacher.login} 2026", None, "не должен совпадать с логином"),
            (NEW_PASSWORD, NEW_PASSWORD + "!", "не совпадают"),
            (PASSWORD, None, "совпадает с текущим")):
        assert message in text(change(teacher, PASSWORD, new, repeat)), new
    assert LoginThrottle.get(login=people.teacher.login).attempts == 1
    assert Staff.get_by_id(people.teacher.id).check_password(PASSWORD)

    # A wrong old password is a failed login: after five from this address, the right one
    # is refused too, here and at the login form, for 15 minutes. A stolen session cannot
    # guess the password faster than the login form lets anyone.
    for _ in range(4):
        assert OLD_PASSWORD_REFUSED in text(change(teacher, "guess-guess", NEW_PASSWORD))
    assert OLD_PASSWORD_REFUSED in text(change(teacher, PASSWORD, NEW_PASSWORD))
    assert Staff.get_by_id(people.teacher.id).check_password(PASSWORD)
    assert LOGIN_REFUSED in text(Browser(app.test_client()).login(people.teacher.login))
    assert logged_in(teacher)  # the session itself goes on

    # The form carries a CSRF token: a post from another site changes nothing.
    forged = teacher.client.post("/account/", data={
        "old_password": PASSWORD, "new_password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert forged.status_code == 400


def test_own_password_change_keeps_this_session_and_ends_the_others(app, people):
    here, elsewhere = Browser(app.test_client()), Browser(app.test_client())
    here.login(people.deputy.login)
    elsewhere.login(people.deputy.login)
    page = change(here, PASSWORD, NEW_PASSWORD)
    assert "Пароль изменён" in text(page)
    assert logged_in(here) and not logged_in(elsewhere)
    assert Staff.get_by_id(people.deputy.id).check_password(NEW_PASSWORD)
    entry = AuditEntry.select().where(AuditEntry.table_name == "staff").order_by(
        AuditEntry.id.desc()).first()
    assert entry.staff_id == people.deputy.id and entry.row_id == people.deputy.id
    assert json.loads(entry.after)["password_hash"] == "новый"
    assert NEW_PASSWORD not in log_text() and NEW_PASSWORD not in session_of(app, here)


# --- in a real Chromium -----------------------------------------------------------------

pytestmark_browser = pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)


@pytestmark_browser
def test_own_password_change_in_chromium_ends_the_other_browser(new_page, people):
    here, elsewhere = new_page(), new_page()
    log_in(here, people.teacher.login)
    log_in(elsewhere, people.teacher.login)

    here.click("#change-password")  # in the top bar of every page, next to the name
    here.fill("#old_password", PASSWORD)
    here.fill("#new_password", NEW_PASSWORD)
    here.fill("#repeat", NEW_PASSWORD)
    here.click("#password-form button[type=submit]")
    here.wait_for_load_state()
    assert "Пароль изменён" in here.content()
    here.goto("/")
    assert here.locator("#current-user").is_visible()

    elsewhere.reload()
    assert "/login/" in elsewhere.url  # the other browser is logged out
    log_in(elsewhere, people.teacher.login, NEW_PASSWORD)
    assert elsewhere.locator("#current-user").is_visible()


@pytestmark_browser
def test_admin_sets_roles_with_checkboxes_in_chromium(new_page, people):
    page = new_page()
    log_in(page, people.admin.login)
    page.goto("/setup/staff/new/")
    assert page.locator("select#roles").count() == 0
    page.fill("#login", "novikova.op")
    page.fill("#last_name", "Новикова")
    page.fill("#first_name", "Ольга")
    role = lambda name: page.get_by_role("checkbox", name=re.compile(name))  # noqa: E731
    assert role("Учитель").is_checked()  # most new accounts are teachers'
    assert not role("Заместитель директора").is_checked()
    role("Заместитель директора").check()
    assert page.locator("#generate_password").is_checked()  # a password is made by default
    page.locator("input[type=submit]").first.click()
    page.wait_for_load_state()
    password = page.locator("#issued-value").inner_text()
    account = Staff.get(login="novikova.op")
    assert account.role_set == {"deputy", "teacher"} and account.check_password(password)

    page.click("text=Карточка сотрудника")
    assert role("Заместитель директора").is_checked() and role("Учитель").is_checked()
    role("Учитель").uncheck()
    role("Заместитель директора").uncheck()
    page.locator("input[type=submit]").first.click()
    page.wait_for_load_state()
    assert "Отметьте хотя бы одну роль" in page.content()
    assert page.locator("#last_name").input_value() == "Новикова"  # nothing typed is lost
    role("Директор").check()
    page.locator("input[type=submit]").first.click()
    page.wait_for_load_state()
    assert Staff.get_by_id(account.id).role_set == {"director"}
    assert page.locator("#issued-value").count() == 0  # no new password asked for
