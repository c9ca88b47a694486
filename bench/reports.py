"""Benchmark: every registered report (models.reports) for the whole 2,000-pupil demo school
— all classes, the current period — against its targets (issue 17): on screen (the panel's
page, the built Report rendered to HTML) under 2 s, as XLSX under 5 s, with the number of
SQL queries each takes.

Run: .venv/bin/python bench/reports.py [--students N] [--database-url URL | --postgres]
                                       [--today YYYY-MM-DD]
Builds the demo school (`journal demo --students N`; not timed) in a throwaway SQLite file
(or the database given, or with --postgres a new database on a throwaway PostgreSQL cluster,
bench/postgres.py), then asks the panel (a Flask test client logged in as a deputy, who sees
every class) for each report's page and its XLSX, and prints per report the seconds, the
queries (every statement peewee executes, counted by wrapping Database.execute_sql), the
size of the answer and the ratio to the target with OK/FAIL. Whatever reports are
registered when it runs are benched. Always exits 0; read the OK/FAIL lines.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import peewee  # noqa: E402

from bench import postgres  # noqa: E402
from demo import build_demo  # noqa: E402
from models import AcademicYear, SchoolClass, Staff, database  # noqa: E402
from models.auditing import acting_as  # noqa: E402
from models.calendar import period_of  # noqa: E402

SCREEN_SECONDS = 2
XLSX_SECONDS = 5


class QueryCounter:
    """Counts the SQL statements peewee executes while active."""

    def __init__(self):
        self.count = 0
        self._original = peewee.Database.execute_sql

    def __enter__(self):
        counter, original = self, self._original

        def counted(db, sql, params=None, *args, **kwargs):
            counter.count += 1
            return original(db, sql, params, *args, **kwargs)

        peewee.Database.execute_sql = counted
        return self

    def __exit__(self, *exc):
        peewee.Database.execute_sql = self._original


def deputy_client(app):
    """A test client of the panel logged in as a deputy (made one if the demo has none)."""
    from models.base import utcnow

    deputy = next((s for s in Staff.select() if s.has_role("deputy")), None)
    with acting_as(None, "bench"):
        if deputy is None:
            deputy = Staff.create(login="bench.deputy", last_name="Замова",
                                  first_name="Анна", middle_name="", roles="deputy")
        deputy.session_token = secrets.token_hex(16)
        deputy.save()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = deputy.session_token
        session["_fresh"] = True
        session["login_at"] = utcnow().isoformat()
    return client


def timed(client, url: str) -> tuple[float, int, int, int]:
    """GET url: seconds, queries, status, bytes."""
    with QueryCounter() as queries:
        started = time.perf_counter()
        response = client.get(url)
        seconds = time.perf_counter() - started
    return seconds, queries.count, response.status_code, len(response.data)


def bench(url: str, today: dt.date) -> None:
    from admin import create_app
    from models.reports import load

    app = create_app({"TESTING": True, "DATABASE_URL": url,
                      "WTF_CSRF_ENABLED": False})
    client = deputy_client(app)
    year = AcademicYear.on(today, after_end=True)
    first = SchoolClass.select().where(SchoolClass.year == year.id).order_by(
        SchoolClass.grade, SchoolClass.letter).first()
    period = period_of(first.periods(), today)
    classes = SchoolClass.select().where(SchoolClass.year == year.id).count()
    print(f"{classes} classes, {year.name}, current period {period} (of {first.name}'s scheme)")
    failed = 0
    for key, spec in load().items():
        query = f"year={year.id}"
        if "class" in spec.filters:
            query += "&class_id=all"
        if "period" in spec.filters and period is not None:
            query += f"&period_id={period.id}"
        url = f"/reports/{key}?{query}"
        client.get(url)  # the first call imports and warms; not timed
        for kind, suffix, target in (("screen", "", SCREEN_SECONDS),
                                     ("xlsx", "&format=xlsx", XLSX_SECONDS)):
            seconds, count, status, size = timed(client, url + suffix)
            ok = status == 200 and seconds < target
            failed += not ok
            print(f"  {key:<13} {kind:<6} {seconds:6.2f} s  {count:5} queries  "
                  f"{size / 1024:8.0f} KiB  HTTP {status}  target {target} s "
                  f"(ratio {seconds / target:.2f}): {'OK' if ok else 'FAIL'}")
    print(f"reports {len(load())}, checks failed {failed}: {'OK' if not failed else 'FAIL'}")


OPTIONS = (("--students", {"type": int, "default": 2000}),
           ("--database-url", {"help": "default: a new SQLite file in a temp folder"}),
           ("--postgres", {"action": "store_true", "help": "on a throwaway PostgreSQL"}),
           ("--today", {"default": "2026-11-20", "help": "the school's today, YYYY-MM-DD"}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    for flag, spec in OPTIONS:
        parser.add_argument(flag, **spec)
    args = parser.parse_args()
    os.environ["JOURNAL_TODAY"] = args.today  # the school's clock at the demo's today
    today = dt.date.fromisoformat(args.today)
    with contextlib.ExitStack() as stack:
        url = args.database_url
        if not url and args.postgres:
            url = stack.enter_context(postgres.database())
        elif not url:
            url = f"sqlite:///{stack.enter_context(tempfile.TemporaryDirectory())}/bench.sqlite3"
        database.bind(url)
        if not args.database_url:
            print(f"demo --students {args.students} on {url.split(':', 1)[0]} (not timed) …")
            build_demo(args.students, seed=1, today=today, force=True, echo=lambda _line: None)
        bench(url, today)


if __name__ == "__main__":
    main()
