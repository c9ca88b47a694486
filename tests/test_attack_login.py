"""Issue 10.7 and the single-process half of 10.5, as the attacker tried them on the login
form: which logins exist, which are disabled or locked, and locking somebody else out.

The concurrent half of 10.5 (real threads, two servers) is in test_attack_login_race.py.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
from werkzeug import security

from journal_cli import main
from models import LoginThrottle, Staff, database, db
from models.people import ACCOUNT_LIMIT, LOGIN_REFUSED
from tests.panel import PASSWORD, Browser
from tests.school import LATEST_SCHEMA

NOW = dt.datetime(2026, 11, 25, 8, 0)


@pytest.fixture
def clock(monkeypatch):
    """The login counters' clock, pinned; move it by assigning clock[0]."""
    now = [NOW]
    monkeypatch.setattr("models.people.utcnow", lambda: now[0])
    return now


@pytest.fixture
def hash_checks(monkeypatch):
    """Every password hash check the login runs, recorded as it happens."""
    calls = []

    def counted(pwhash, password):
        calls.append(pwhash)
        return security.check_password_hash(pwhash, password)

    monkeypatch.setattr("models.people.check_password_hash", counted)
    return calls


def from_address(app, address: str) -> Browser:
    browser = Browser(app.test_client())
    browser.client.environ_base["REMOTE_ADDR"] = address
    return browser


def same_page(html: str, login: str) -> str:
    """The login page with what differs by design masked: the session's CSRF token, the
    response's CSP nonce and the login the person typed (echoed back into the field)."""
    html = re.sub(r'(csrf_token" type="hidden" value=|name="csrf-token" content=)"[^"]+"',
                  r'\1"…"', html)
    html = re.sub(r'nonce="[^"]+"', 'nonce="…"', html)
    return html.replace(f'value="{login}"', 'value="…"')


def test_every_failed_login_gets_one_message_and_one_hash_check(app, people, clock,
                                                                hash_checks):
    """The attacker told logins apart by the message (unknown / «Осталось попыток: 4» /
    disabled / locked) and by the time (6–9 ms without scrypt, 370 ms with it)."""
    disabled, locked, no_password = people.other, people.class_teacher, people.english
    Staff.update(is_active=False).where(Staff.id == disabled.id).execute()
    Staff.update(locked_until=NOW + dt.timedelta(minutes=10)).where(
        Staff.id == locked.id).execute()
    Staff.update(password_hash="").where(Staff.id == no_password.id).execute()
    for _ in range(5):
        from_address(app, "10.9.9.9").login(people.deputy.login, "guess")
    failures = {
        "unknown login": ("nobody.zz", PASSWORD, "10.0.0.1"),
        "wrong password": (people.teacher.login, "wrong-password", "10.0.0.2"),
        "disabled account": (disabled.login, PASSWORD, "10.0.0.3"),
        "locked account": (locked.login, PASSWORD, "10.0.0.4"),
        "account without a password": (no_password.login, "", "10.0.0.5"),
        "address over its five guesses": (people.deputy.login, PASSWORD, "10.9.9.9"),
    }
    pages = {}
    for case, (login, password, address) in failures.items():
        del hash_checks[:]
        response = from_address(app, address).login(login, password or "x")
        assert response.status_code == 200, case
        assert len(hash_checks) == 1, f"{case}: {len(hash_checks)} hash checks"
        pages[case] = same_page(response.get_data(as_text=True), login)
        assert LOGIN_REFUSED in pages[case], case
    assert len(set(pages.values())) == 1, "the pages tell the failures apart"

    del hash_checks[:]
    assert from_address(app, "10.0.0.6").login(people.teacher.login).status_code == 302
    assert len(hash_checks) == 1


def test_one_address_cannot_lock_the_admin_out(app, people, clock):
    """Five anonymous requests used to lock any account, the admin's included, again and
    again: now they block only the address they came from."""
    attacker = from_address(app, "203.0.113.9")
    for _ in range(3):  # again and again, as the attack was
        for _ in range(6):
            attacker.login(people.admin.login, "guess")
        admin = from_address(app, "10.0.0.10")
        assert admin.login(people.admin.login).status_code == 302
        admin.post("/login/logout")
        clock[0] += dt.timedelta(minutes=1)
    assert LOGIN_REFUSED in attacker.login(people.admin.login).get_data(as_text=True)
    assert Staff.get_by_id(people.admin.id).locked_until is None


def test_guesses_from_many_addresses_lock_the_account_at_the_looser_cap(app, people, clock):
    """Many addresses together get ACCOUNT_LIMIT guesses, then the account itself locks for
    15 minutes; an administrator's new password lifts every block at once."""
    for n in range(ACCOUNT_LIMIT):
        from_address(app, f"198.51.100.{n // 5}").login(people.teacher.login, f"guess-{n}")
    owner = from_address(app, "10.0.0.20")
    assert LOGIN_REFUSED in owner.login(people.teacher.login).get_data(as_text=True)
    assert Staff.get_by_id(people.teacher.id).locked_until == NOW + dt.timedelta(minutes=15)

    clock[0] += dt.timedelta(minutes=15)
    assert owner.login(people.teacher.login).status_code == 302
    teacher = Staff.get_by_id(people.teacher.id)
    assert teacher.failed_logins == 0 and teacher.locked_until is None
    assert LoginThrottle.select().count() == 1  # the forgotten counts are dropped; the owner's

    for _ in range(5):
        from_address(app, "198.51.100.99").login(people.teacher.login, "guess")
    teacher.set_password("a-new-password-1")
    teacher.save()
    assert LoginThrottle.select().where(LoginThrottle.login == teacher.login).count() == 0
    assert from_address(app, "198.51.100.99").login(
        people.teacher.login, "a-new-password-1").status_code == 302


def test_a_login_too_long_for_the_counter_is_cut_not_a_server_error(app, people, clock):
    page = from_address(app, "10.0.0.30").login("x" * 5000, "guess")
    assert page.status_code == 200 and LOGIN_REFUSED in page.get_data(as_text=True)


def test_a_version_4_database_migrates_to_the_login_counter(backend_url, runner):
    database.bind(backend_url)
    database.create_schema()
    database._runner().down("0005_login_throttle")
    assert "login_throttle" not in db.get_tables()
    db.close()

    result = runner.invoke(main, ["migrate"])
    assert result.exit_code == 0, result.output
    assert "0005_login_throttle" in result.output and f"4 → {LATEST_SCHEMA}" in result.output
    database.bind(backend_url)
    assert "login_throttle" in db.get_tables()
    LoginThrottle.create(login="someone", address="10.0.0.1", attempts=1, until=NOW)
    assert LoginThrottle.get().attempts == 1
