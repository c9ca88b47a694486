"""Issue 11.6 as it was found: teachers saving while the server's disk is full.

Each database's own fault, not a mock. SQLite: every connection the panel opens gets PRAGMA
max_page_count at the database's present size, so a row that needs a new page (a long
homework needs an overflow page) fails with "database or disk is full". PostgreSQL: the
tables a save writes are moved to a tablespace on a tmpfs that is then filled ("could not
extend file …: No space left on device", SQLSTATE 53100). Before the fix the grid got an
English 500 page, and SQLite's log showed peewee's failed ROLLBACK (SQLite had rolled back
by itself) instead of the full disk.
"""
from __future__ import annotations

import errno
import logging
import re
import subprocess
import tempfile
from pathlib import Path

import pytest

from models import AuditEntry, Lesson, News, db, disk
from tests.pages import lesson_payload
from tests.panel import fill, text

TABLESPACE = "journal_full_disk"
WORKSHEET = "Решите задачи со страницы учебника, перепишите условие полностью. " * 30


@pytest.fixture
def full_disk(backend_url):
    """From now on the tables a save writes cannot grow: a real fault of each database."""
    if backend_url.startswith("sqlite"):
        yield fill_sqlite
        return
    mount = Path(tempfile.mkdtemp(prefix="journal-full-disk-"))
    try:
        yield lambda: fill_postgres(mount)
    finally:
        db.connect(reuse_if_open=True)
        db.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        db.execute_sql(f"DROP TABLESPACE IF EXISTS {TABLESPACE}")
        db.close()
        subprocess.run(["umount", str(mount)], capture_output=True)
        mount.rmdir()


def fill_sqlite() -> None:
    db.connect(reuse_if_open=True)
    db.execute_sql("VACUUM")  # no free page left inside the file to grow into
    db.pragma("max_page_count", 1, permanent=True)  # SQLite keeps it at the present size
    db.close()


def fill_postgres(mount: Path) -> None:
    """Move the lessons and the audit log to a tablespace on a small tmpfs, then fill it
    (needs root, and the server on this machine)."""
    db.connect(reuse_if_open=True)
    server = Path(db.execute_sql("SHOW data_directory").fetchone()[0])
    if not server.exists():
        pytest.skip("the PostgreSQL server is on another machine: no disk of its to fill")
    owner = server.stat()
    mount.chmod(0o755)  # the server's account must reach it
    done = subprocess.run(["mount", "-t", "tmpfs", "-o",
                           f"size=512k,uid={owner.st_uid},gid={owner.st_gid},mode=0700",
                           "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    db.execute_sql(f"CREATE TABLESPACE {TABLESPACE} LOCATION '{mount}'")
    for model in (Lesson, AuditEntry, News):
        db.execute_sql(f"ALTER TABLE {model._meta.table_name} SET TABLESPACE {TABLESPACE}")
    db.close()
    with open(mount / "filler", "wb", buffering=0) as filler:
        try:
            while True:
                filler.write(bytes(64 * 1024))
        except OSError as error:
            assert error.errno == errno.ENOSPC


def test_a_long_homework_on_a_full_disk_is_a_russian_507_and_nothing_is_saved(
        browser, people, school, full_disk, caplog):
    browser.login(people.teacher.login)
    browser.get("/journal/")
    entries = AuditEntry.select().count()
    full_disk()

    response = browser.post_json("/journal/api/lesson",
                                 lesson_payload(school, topic="Дроби", homework=WORKSHEET))

    assert response.status_code == 507
    assert response.get_json() == {"error": disk.MESSAGE}
    assert Lesson.select().count() == 0 and AuditEntry.select().count() == entries
    # The administrator's log names the full disk, not the ROLLBACK that failed after it.
    full = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(full) == 1
    assert re.search("database or disk is full|No space left on device", full[0].getMessage())
    assert "cannot rollback" not in caplog.text


def test_a_news_item_on_a_full_disk_keeps_the_form_and_says_the_disk_is_full(
        browser, people, full_disk, caplog):
    browser.login("director.ff")
    browser.get("/setup/news/new/")
    full_disk()

    page = fill(browser, "/setup/news/new/", {"title": "Собрание", "body": WORKSHEET,
                                              "school_class": "__None", "is_published": "y"})

    assert page.status_code == 200 and disk.MESSAGE in text(page)
    assert "Собрание" in text(page)  # what was typed is still in the form
    assert News.select().count() == 0
    assert "cannot rollback" not in caplog.text
