"""Issue 11.6 as it was found: teachers saving while the server's disk is full.

SQLite's own fault, not a mock: every connection the panel opens gets PRAGMA max_page_count
at the database's present size, so a row that needs a new page (a long homework needs an
overflow page) fails with "database or disk is full". Before the fix the grid got an
English 500 page, and the log showed peewee's failed ROLLBACK (SQLite had rolled back by
itself) instead of the full disk.
"""
from __future__ import annotations

import logging

import pytest

from models import AuditEntry, Lesson, News, db, disk
from tests.test_admin_setup import fill, text
from tests.test_attack_rows import lesson_payload

WORKSHEET = "Решите задачи со страницы учебника, перепишите условие полностью. " * 30


@pytest.fixture
def full_disk(backend_url):
    """From now on the database file cannot grow (SQLite: the only backend it works on)."""

    def fill_up() -> None:
        db.connect(reuse_if_open=True)
        db.execute_sql("VACUUM")  # no free page left inside the file to grow into
        db.pragma("max_page_count", 1, permanent=True)  # SQLite keeps it at the present size
        db.close()

    if not backend_url.startswith("sqlite"):
        pytest.skip("PRAGMA max_page_count is SQLite's; PostgreSQL's disk_full (53100) is "
                    "recognised by models.disk")
    return fill_up


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
    assert len(full) == 1 and "database or disk is full" in full[0].getMessage()
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
