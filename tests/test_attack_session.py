"""Issue 10.16 and the «database is locked» part of 10.15, as found: panel pages without a
Content-Security-Policy, a session that slid on for as long as it was used, and a save
that ended in HTTP 500 while another save held SQLite's write lock."""
from __future__ import annotations

import base64
import collections
import datetime as dt
import hashlib
import re
import sqlite3
from html import unescape as html_unescape

import pytest

import models.database
from admin import create_app
from models import Mark
from tests.panel import Browser

NONCE = re.compile(r"script-src 'self' 'nonce-([^']+)'")


def csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def panel_pages(browser: Browser, limit: int = 80):
    """(url, response) for the pages reachable from the start page by links; a download
    (a template, an XLSX) is fetched but is no page."""
    seen, queue = set(), ["/"]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = browser.get(url)
        if response.mimetype == "text/html":
            yield url, response
            for link in re.findall(r'href="(/[^"#]*)"', response.get_data(as_text=True)):
                link = link.replace("&amp;", "&")
                if not any(part in link for part in ("logout", "/static/", "/export/", "delete")):
                    queue.append(link)


@pytest.mark.parametrize("login", ["admin.gg", "deputy.ee", "teacher.aa"])
def test_every_panel_page_runs_only_scripts_the_policy_names(app, people, school, login):
    """Each page's policy carries a fresh nonce and every inline script carries it; no
    inline style; an inline handler only if the policy names its hash (Flask-Admin's own
    few); the login and error pages too."""
    school.lesson()
    browser = Browser(app.test_client())
    pages = [("/login/", browser.get("/login/"))]
    browser.login(login)
    pages += list(panel_pages(browser)) + [("/no-such-page", browser.get("/no-such-page"))]
    nonces, handlers = collections.Counter(), set()
    for url, response in pages:
        policy = response.headers.get("Content-Security-Policy", "")
        assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy, url
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url
        nonce = NONCE.search(policy).group(1)
        nonces[nonce] += 1
        html = response.get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or f'nonce="{nonce}"' in tag, f"{url}: {tag}"
        assert not re.search(r"<style\b|\sstyle=", html), url
        for handler in re.findall(r'\son\w+="([^"]*)"', html):
            assert csp_hash(html_unescape(handler)) in policy, f"{url}: {handler}"
            handlers.add(handler)
    assert len(pages) > 10 and max(nonces.values()) == 1, "a nonce was used twice"
    assert "return false;" in handlers  # the list pages' filter menus were checked


@pytest.fixture
def clock(monkeypatch):
    """The session's clock, pinned; move it by assigning clock[0]."""
    now = [dt.datetime(2026, 11, 25, 7, 30)]
    monkeypatch.setattr("admin.auth.utcnow", lambda: now[0])
    return now


def test_a_session_ends_12_hours_after_login_however_busy(app, people, school, clock):
    login_time = clock[0]
    teacher = Browser(app.test_client())
    assert teacher.login(people.teacher.login).status_code == 302
    for hours in (1, 4, 8, 11, 11.99):  # in use all day: the cookie is refreshed each time
        clock[0] = login_time + dt.timedelta(hours=hours)
        assert teacher.get("/").status_code == 200, hours
    stolen = teacher.client.get_cookie("journal_session").value

    clock[0] = login_time + dt.timedelta(hours=12)
    lesson = school.lesson()
    saved = teacher.post_json("/journal/api/cell", {
        "lesson": lesson.id, "student": school.pupils5[0].id, "value": "5"})
    assert saved.status_code == 401 and Mark.select().count() == 0
    page = teacher.get("/")
    assert page.status_code == 302 and "/login/" in page.location
    assert "прошло 12 часов" in teacher.get("/login/").get_data(as_text=True)
    thief = Browser(app.test_client())
    thief.client.set_cookie("journal_session", stolen)
    assert thief.get("/journal/").status_code == 302
    assert teacher.login(people.teacher.login).status_code == 302  # a new login: 12 more hours
    assert teacher.get("/").status_code == 200


def test_a_cookie_without_a_login_time_is_logged_out(app, people, school, clock):
    """A session signed before this rule (or by anything else) has no login time: it ends."""
    teacher = Browser(app.test_client())
    teacher.login(people.teacher.login)
    with teacher.client.session_transaction() as session:
        del session["login_at"]
    assert teacher.get("/").status_code == 302


@pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)
def test_a_save_while_another_save_holds_the_write_lock_gets_503_and_retry(
        people, school, backend_url, monkeypatch):
    """A teacher's save waited out the busy timeout behind someone's long write and got an
    unhandled 500 «database is locked»: now a Russian 503 saying to retry, and nothing
    written."""
    monkeypatch.setitem(models.database.SQLITE_PRAGMAS, "busy_timeout", 100)
    app = create_app({"TESTING": True, "DATABASE_URL": backend_url, "SECRET_KEY": "test"})
    lesson = school.lesson()
    teacher = Browser(app.test_client())
    teacher.login(people.teacher.login)
    teacher.get("/")
    late = Browser(app.test_client())
    late.get("/login/")

    holder = sqlite3.connect(backend_url[len("sqlite:///"):], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a long save
    try:
        saved = teacher.post_json("/journal/api/cell", {
            "lesson": lesson.id, "student": school.pupils5[0].id, "value": "5"})
        page = late.client.post("/login/", data={"login": people.deputy.login,
                                                 "password": "x", "csrf_token": late.token})
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    busy = "Журнал занят другими сохранениями, повторите через несколько секунд."
    assert saved.status_code == 503 and saved.get_json() == {"error": busy}
    assert int(saved.headers["Retry-After"]) > 0
    assert page.status_code == 503 and busy in page.get_data(as_text=True)
    assert Mark.select().count() == 0
    again = teacher.post_json("/journal/api/cell", {
        "lesson": lesson.id, "student": school.pupils5[0].id, "value": "5"})
    assert again.status_code == 200 and Mark.select().count() == 1
