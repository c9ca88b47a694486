"""Traps of SQLite from ../shared/PITFALLS.md that the database layer must not fall into."""
from __future__ import annotations

import shutil
import threading

from peewee import SqliteDatabase

from models import Subgroup, TeachingAssignment, database, db
from tests.school import SmallSchool

REBUILD = """
def up(migrator, db):
    migrator.migrate(migrator.drop_column("school_class", "room", legacy=True))
"""


def test_a_migration_that_rebuilds_a_table_keeps_its_children(tmp_path, monkeypatch, today):
    """The legacy drop_column rebuilds the table; with foreign keys on, dropping the old
    table would cascade-delete the subgroups and assignments of every class."""
    database.bind(f"sqlite:///{tmp_path / 'j.sqlite3'}")
    database.create_schema()
    SmallSchool.build(today)
    children = Subgroup.select().count(), TeachingAssignment.select().count()
    assert children[0] > 0 and children[1] > 0
    migrations = tmp_path / "migrations"
    shutil.copytree(database.MIGRATIONS_DIR, migrations)
    (migrations / "0099_rebuild.py").write_text(REBUILD)
    monkeypatch.setattr(database, "MIGRATIONS_DIR", migrations)
    assert database.migrate() == ["0099_rebuild"]
    assert "room" not in [c.name for c in db.get_columns("school_class")]
    assert (Subgroup.select().count(), TeachingAssignment.select().count()) == children
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1


def test_a_second_writer_waits_instead_of_failing(tmp_path):
    """The busy timeout lets a writer wait for another's transaction to finish."""
    path = tmp_path / "j.sqlite3"
    database.bind(f"sqlite:///{path}")
    database.create_schema()
    db.close()
    other = SqliteDatabase(path, pragmas=database.SQLITE_PRAGMAS)
    errors = []

    def second_writer():
        try:
            other.execute_sql("INSERT INTO subject (name, short_name, sort_order, created_at, "
                              "updated_at) VALUES ('Химия', '', 0, '2026-01-01', '2026-01-01')")
        except Exception as exc:  # pragma: no cover - the failure we test against
            errors.append(exc)

    with db.atomic("IMMEDIATE"):
        db.execute_sql("INSERT INTO subject (name, short_name, sort_order, created_at, "
                       "updated_at) VALUES ('Физика', '', 0, '2026-01-01', '2026-01-01')")
        thread = threading.Thread(target=second_writer)
        thread.start()
        thread.join(0.3)  # the other writer is now waiting on the lock
    thread.join()
    assert not errors
    assert db.execute_sql("SELECT COUNT(*) FROM subject").fetchone()[0] == 2


def test_two_teachers_saving_cells_at_once_never_hit_database_is_locked(tmp_path, today):
    """Saving a cell reads (old marks, the audit's before) and then writes; in a deferred
    SQLite transaction the second writer would fail at once (peewee #1071)."""
    from models import Mark
    from models.cells import save_cell

    database.bind(f"sqlite:///{tmp_path / 'j.sqlite3'}")
    database.create_schema()
    school = SmallSchool.build(today)
    lessons = [school.lesson(), school.lesson(day=school.start)]
    db.close()
    errors: list[Exception] = []
    start = threading.Barrier(2)

    def teacher(lesson, pupil) -> None:
        start.wait()
        try:
            for value in "2345" * 10:
                save_cell(school.teacher, lesson, pupil.id, f"{value} {value}")
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=teacher, args=(lessons[i], school.pupils5[i]))
               for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(m.value for m in Mark.select()) == ["5"] * 4
