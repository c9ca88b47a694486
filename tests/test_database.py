"""The database binding, the audit log and the data's own protections."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from peewee import IntegrityError

from models import (
    AuditEntry,
    Guardian,
    Mark,
    Movement,
    RuleError,
    Staff,
    Student,
    StudentGuardian,
    acting_as,
    database,
    db,
)
from models.base import utcnow
from models.people import PASSWORD_METHOD, READABLE_ALPHABET, fold_name, readable_password


def test_sqlite_connections_get_wal_foreign_keys_and_busy_timeout(tmp_path):
    database.bind(f"sqlite:///{tmp_path / 'j.sqlite3'}")
    for _ in range(2):  # every new connection, not just the first
        db.connect(reuse_if_open=True)
        assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 5000
        db.close()


def test_unknown_database_scheme_is_refused_in_russian():
    with pytest.raises(RuleError, match="Неподдерживаемый адрес"):
        database.open_database("mysql://x@y/z")


def test_a_postgresql_address_without_a_database_name_is_refused_in_russian():
    with pytest.raises(RuleError, match="нет имени базы"):
        database.open_database("postgresql://journal@127.0.0.1:5432/")


def test_cyrillic_search_ignores_case_and_yo(school, people, browser):
    """The panel's search box finds «Ёлкина Алёна» typed in capitals without «ё» (SQLite's
    LOWER folds only ASCII: the names are folded into search_name on save)."""
    Student.create(last_name="Ёлкина", first_name="Алёна", middle_name="Петровна")
    browser.login(people.deputy.login)

    def found(text: str) -> list[str]:
        page = browser.get(f"/setup/students/?search={text}").get_data(as_text=True)
        return [name for name in ("Иванов", "Петрова", "Ёлкина") if name in page]

    assert found("иванов") == ["Иванов"]
    assert found("ЕЛКИНА АЛЕНА") == ["Ёлкина"]
    assert fold_name("Ёлкин", "Пётр") == "елкин петр"


def test_a_pupil_with_marks_cannot_be_deleted(school):
    lesson = school.lesson()
    Mark.create(lesson=lesson, student=school.pupils5[0], value="5")
    with pytest.raises(IntegrityError), db.atomic():
        school.pupils5[0].delete_instance()
    assert Mark.select().count() == 1 and Movement.select().count() == 5


def test_deleting_a_guardian_keeps_the_pupil(school):
    guardian = Guardian.create(last_name="Иванова", first_name="Мария")
    StudentGuardian.create(student=school.pupils5[0], guardian=guardian)
    guardian.delete_instance(recursive=True)
    assert Student.get_by_id(school.pupils5[0].id).last_name == "Иванов"


def test_every_change_to_the_journal_is_audited(school):
    lesson = school.lesson(topic="Дроби")
    with acting_as(school.teacher.id, "10.0.0.7"):
        mark = Mark.create(lesson=lesson, student=school.pupils5[0], value="4")
        mark.value = "5"
        mark.save()
        mark.delete_instance()
    entries = list(AuditEntry.select().where(AuditEntry.table_name == "mark")
                   .order_by(AuditEntry.id))
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert all(e.staff_id == school.teacher.id and e.address == "10.0.0.7" for e in entries)
    assert json.loads(entries[1].before)["value"] == "4"
    assert json.loads(entries[1].after)["value"] == "5"
    assert entries[2].after is None and json.loads(entries[2].before)["value"] == "5"
    lesson_entry = AuditEntry.get(AuditEntry.table_name == "lesson")
    assert lesson_entry.staff_id is None  # created outside any person's session
    assert json.loads(lesson_entry.after)["topic"] == "Дроби"


def test_a_refused_change_leaves_no_audit_entry(school):
    lesson = school.lesson()
    before = AuditEntry.select().count()
    with pytest.raises(RuleError):
        Mark.create(lesson=lesson, student=school.pupil6, value="5")
    assert AuditEntry.select().count() == before


def test_staff_passwords_are_hashed_and_rotate_the_session(fresh_db):
    user = Staff(login="ivanova.ap", last_name="Иванова", first_name="Анна", roles="deputy")
    user.set_password("K7QM-2XDP-9FHT")
    token = user.session_token
    user.save()
    # At the production cost (the tests' own people carry a cheaper hash: tests/panel.py).
    assert "K7QM" not in user.password_hash
    assert user.password_hash.startswith(PASSWORD_METHOD + "$"), user.password_hash
    assert user.check_password("K7QM-2XDP-9FHT") and not user.check_password("k7qm-2xdp-9fht")
    user.set_password("another-password")
    assert user.session_token != token
    with pytest.raises(RuleError, match="не короче"):
        user.set_password("short")
    user.roles = "teacher,janitor"
    with pytest.raises(RuleError, match="Роль"):
        user.save()


def test_timestamps_of_creation_and_change(school):
    lesson = school.lesson()
    created = lesson.created_at
    lesson.topic = "Повторение"
    lesson.save()
    fetched = type(lesson).get_by_id(lesson.id)
    assert fetched.created_at == created and fetched.updated_at >= created
    assert abs(fetched.updated_at - utcnow()) < dt.timedelta(minutes=1)


def test_readable_passwords_have_60_bits_and_no_look_alikes():
    assert len(set(READABLE_ALPHABET)) == 32 and not set("OILU") & set(READABLE_ALPHABET)
    passwords = {readable_password() for _ in range(200)}
    assert len(passwords) == 200
    for password in passwords:
        groups = password.split("-")
        assert [len(g) for g in groups] == [4, 4, 4]
        assert set("".join(groups)) <= set(READABLE_ALPHABET)
