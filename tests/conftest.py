"""Fixtures: a real database (SQLite file, and PostgreSQL when the test command started one),
a click runner, and a small school built by readable helpers."""
from __future__ import annotations

import datetime as dt
import os

import pytest
from click.testing import CliRunner

from models import database, db
from tests.school import SmallSchool


def worker_database(url: str | None) -> str | None:
    """Under pytest-xdist (scripts/test runs the suite on two workers), each worker gets its
    own PostgreSQL database, created here once: the tests drop and recreate its schema."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    import psycopg2

    base, _, name = url.rpartition("/")
    own = f"{name}_{worker}"
    connection = psycopg2.connect(url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (own,))
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{own}"')
    connection.close()
    return f"{base}/{own}"


PG_URL = worker_database(os.environ.get("JOURNAL_TEST_POSTGRES_URL"))
# The suite's "today": a Wednesday mid-term, so no test depends on the real clock (the
# servers and commands the tests start inherit it through the environment).
PINNED_TODAY = "2026-11-25"
BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])

if os.environ.get("CI") and not PG_URL:
    raise RuntimeError("CI must run the suite on PostgreSQL too: run it with scripts/test.")


def empty_database_url(backend: str, tmp_path) -> str:
    """The URL of an empty database of that backend, for this test alone."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'journal.sqlite3'}"
    database.bind(PG_URL)
    db.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    db.close()
    return PG_URL


@pytest.fixture(scope="session", autouse=True)
def private_folders(tmp_path_factory):
    """No test writes into the repository's instance/ or output/ folders."""
    folder = tmp_path_factory.mktemp("session")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JOURNAL_INSTANCE", str(folder / "instance"))
        mp.setenv("JOURNAL_OUTPUT", str(folder / "output"))
        mp.setenv("JOURNAL_TODAY", PINNED_TODAY)
        yield


@pytest.fixture(params=BACKENDS)
def backend_url(request, tmp_path, monkeypatch):
    """An empty database's URL, also set as DATABASE_URL for the CLI."""
    url = empty_database_url(request.param, tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("JOURNAL_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("JOURNAL_OUTPUT", str(tmp_path / "output"))
    yield url
    if not db.is_closed():
        db.close()


@pytest.fixture
def fresh_db(backend_url):
    """A bound database with the current schema and no rows."""
    database.bind(backend_url)
    database.create_schema()
    yield db
    db.close()


@pytest.fixture
def today():
    """The pinned school date (JOURNAL_TODAY), never the machine's clock."""
    from models import SchoolSettings
    return SchoolSettings().today()


@pytest.fixture
def school(fresh_db, today) -> SmallSchool:
    """A school with 5А (with an English subgroup) and 1А, pupils enrolled on 1 September."""
    return SmallSchool.build(today)


# Days a date-sensitive page is tried on (issue 12.1), in the 2026/2027 calendar of
# tests/school.py: weekends, the day after a holiday (after a vacation week with a
# working Saturday), a term's first day, inside a vacation, a quarter's last day, and
# the last day of the year (summer).
AWKWARD_DAYS = {
    "monday": "2026-11-23",
    "saturday": "2026-11-28",
    "sunday": "2026-11-29",
    "after-holiday": "2026-11-05",
    "1-september": "2026-09-01",
    "31-december": "2026-12-31",
    "quarter-end": "2026-12-28",
    "31-august": "2027-08-31",
}


@pytest.fixture(params=list(AWKWARD_DAYS.values()), ids=list(AWKWARD_DAYS))
def awkward_today(request, monkeypatch):
    """One of AWKWARD_DAYS pinned as the school's today (servers started now inherit it)."""
    monkeypatch.setenv("JOURNAL_TODAY", request.param)
    return dt.date.fromisoformat(request.param)


@pytest.fixture
def real_school(fresh_db, today) -> SmallSchool:
    """The small school in the real 2026/2027 calendar, on the suite's pinned today."""
    return SmallSchool.build(today, real_calendar=True)


@pytest.fixture
def awkward_school(fresh_db, awkward_today) -> SmallSchool:
    """The small school in the real 2026/2027 calendar, on each of AWKWARD_DAYS."""
    return SmallSchool.build(awkward_today, real_calendar=True)


@pytest.fixture
def runner(monkeypatch) -> CliRunner:
    return CliRunner()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium driven by Playwright; never skipped: missing, the test fails."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: browser tests need Debian's chromium "
                    "(`apt-get install -y chromium`; scripts/test installs it when run as "
                    "root). Playwright's own browser downloads are not used.", pytrace=False)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def people(school):
    """Staff of the small school, one per role (see tests/panel.py)."""
    from tests.panel import Staffing
    return Staffing.build(school)


@pytest.fixture
def app(people, backend_url, tmp_path):
    """The panel over the small school's database, CSRF on as in production."""
    from admin import create_app
    return create_app({"TESTING": True, "DATABASE_URL": backend_url,
                       "SECRET_KEY": "test-secret"})


@pytest.fixture
def browser(app):
    """An HTTP client that logs in and posts with CSRF tokens, like a real browser."""
    from tests.panel import Browser
    return Browser(app.test_client())


@pytest.fixture
def small_site(school, tmp_path, monkeypatch):
    """The small school's site built once: a mark in 5А, diary passwords for 5А and 6А's
    pupil (fast key derivation); yields the output folder, the passwords, the lesson."""
    import models.diary as diary_model
    from models import Mark
    from site_builder.build import build
    from tests.outputs import CONTENT, FAST_ITERATIONS, issue_all

    monkeypatch.setattr(diary_model, "ITERATIONS", FAST_ITERATIONS)
    lesson = school.lesson(topic="Дроби", homework="№ 5")
    Mark.create(lesson=lesson, student=school.pupils5[0], value="5")
    passwords = issue_all(school.pupils5 + [school.pupil6])
    output = tmp_path / "output"
    build(output, CONTENT, school.today)
    return output, passwords, lesson


# The browser tests' panel (tests/chromium.py has their helpers).

@pytest.fixture
def journal(school, people):
    """Three maths lessons in 5А last week; 5А's class teacher is now someone who teaches
    nothing, so «reads but cannot change» is tested on a person distinct from the teacher."""
    school.c5.class_teacher = people.class_teacher
    school.c5.save()
    return [school.lesson(day=school.today - dt.timedelta(days=d)) for d in (9, 8, 7)]


@pytest.fixture
def site(panel_server, journal):
    """The panel over the small school with its journal rows, served; its base URL."""
    return panel_server


@pytest.fixture
def panel_server(app):
    """The app on a real WSGI server (waitress) in a daemon thread; yields its base URL."""
    import threading

    from waitress import create_server, wasyncore
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="waitress-test", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    # Requests still being served finish first: a task ending after server.close() wakes
    # the closed loop (EBADF in waitress's thread, a failed teardown).
    server.task_dispatcher.shutdown()
    server.close()
    thread.join(timeout=5)
    if thread.is_alive():  # a keep-alive channel still open: close everything left
        wasyncore.close_all(server._map)
        thread.join(timeout=5)


@pytest.fixture
def new_page(chromium, site):
    """Pages in fresh browser contexts (own cookies), 1366×768, closed after the test."""
    from tests.chromium import TIMEOUT_MS, VIEWPORT

    contexts = []

    def make():
        context = chromium.new_context(viewport=VIEWPORT, locale="ru-RU", base_url=site)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


# Real `journal serve` processes for the concurrency tests (tests/served.py).

@pytest.fixture
def served(tmp_path):
    """Two servers on one new SQLite database holding the teacher account VICTIM with
    tests.panel.PASSWORD; stopped after the test."""
    from tests.served import database_with_victim, serving

    url = f"sqlite:///{tmp_path / 'journal.sqlite3'}"
    database_with_victim(url)
    with serving(url, tmp_path) as running:
        yield running


@pytest.fixture
def served_school(people, backend_url, tmp_path):
    """Two servers on the small school's database (every backend), its staff able to log
    in with tests.panel.PASSWORD; stopped after the test."""
    from tests.served import serving

    with serving(backend_url, tmp_path) as running:
        yield running
