"""Backups that restore (issue 19.3): the administrator's `journal backup` and `journal
restore` on real files — encrypted or not, rotated, refused in the site and under a running
panel, over a stale WAL, from an older schema — and the restored database answers the same
rows as the one backed up."""
from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from playhouse.schema_diff import diff_models

import models.diary as diary_model
from journal_cli import main
from models import ALL_MODELS, Mark, backup_format, database, db
from tests.conftest import PG_URL
from tests.outputs import FAST_ITERATIONS, issue_all
from tests.panel import Staffing
from tests.school import LATEST_SCHEMA, SmallSchool
from tests.served import database_with_victim, serving
from tests.test_migrations import insert_maths_class

SIDE_FILES = ("-wal", "-shm", "-journal")


def journal(*args, typed: str | None = None) -> tuple[int, str]:
    """`journal ARGS…` as the administrator types it (and `typed` at its prompts): exit
    code and what it printed."""
    result = CliRunner().invoke(main, [str(a) for a in args], input=typed)
    if not db.is_closed():
        db.close()  # the command's process would have ended, closing its connection
    return result.exit_code, result.output


def dump(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table of the journal the file has, as SQLite has it."""
    connection = sqlite3.connect(path)
    try:
        present = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
        return {t: sorted(connection.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)
                for t in (m._meta.table_name for m in ALL_MODELS) if t in present}
    finally:
        connection.close()


def integrity(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def side_files(path: Path) -> list[str]:
    return [s for s in SIDE_FILES if path.with_name(path.name + s).exists()]


@pytest.fixture
def school_db(tmp_path, monkeypatch, today) -> Path:
    """The small school in a SQLite file (DATABASE_URL): its staff, a lesson with a mark,
    diary keys for 5А; the file, closed."""
    monkeypatch.setattr(diary_model, "ITERATIONS", FAST_ITERATIONS)
    path = tmp_path / "instance" / "journal.sqlite3"
    url = f"sqlite:///{path}"
    for name, value in (("DATABASE_URL", url), ("JOURNAL_INSTANCE", path.parent),
                        ("JOURNAL_OUTPUT", tmp_path / "output")):
        monkeypatch.setenv(name, str(value))
    database.bind(url)
    database.create_schema()
    school = SmallSchool.build(today)
    Staffing.build(school)
    lesson = school.lesson(topic="Дроби", homework="№ 5")
    Mark.create(lesson=lesson, student=school.pupils5[0], value="5")
    issue_all(school.pupils5)
    db.close()
    return path


@pytest.fixture
def key(tmp_path) -> Path:
    """A key file made by `journal backup --new-key` in a private folder."""
    (tmp_path / "keys").mkdir(mode=0o700)
    path = tmp_path / "keys" / "backup.key"
    code, said = journal("backup", "--new-key", path)
    assert code == 0 and "Храните его копию вне этого сервера" in said, said
    return path


def disaster(path: Path) -> None:
    """Someone deletes every mark: the restore should bring them back."""
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("DELETE FROM mark")
    connection.close()


def test_an_encrypted_backup_restores_with_its_key_and_not_otherwise(school_db, key, tmp_path,
                                                                     monkeypatch):
    monkeypatch.setattr(backup_format, "CHUNK", 64 * 1024)  # several chunks to cut and swap
    assert mode(key) == 0o600 and len(bytes.fromhex(key.read_text())) == 32
    (tmp_path / "copies").mkdir()
    copy = tmp_path / "copies" / "nightly.enc"
    code, said = journal("backup", copy, "--key-file", key)
    assert code == 0 and "зашифрована" in said and "НЕ зашифрована" not in said, said
    data = copy.read_bytes()
    assert mode(copy) == 0o600 and data.startswith(b"JOURNAL-BACKUP")
    assert b"SQLite format 3" not in data and b"teacher.aa" not in data
    assert not list(tmp_path.glob("**/.*.part"))
    before = dump(school_db)
    assert before["mark"] and before["diary_access"]
    disaster(school_db)
    damaged = dump(school_db)

    other_key = tmp_path / "keys" / "other.key"
    assert journal("backup", "--new-key", other_key)[0] == 0
    chunk = backup_format.CHUNK + backup_format.TAG
    head = backup_format.HEADER.size
    flipped = bytearray(data)
    flipped[head + chunk + 100] ^= 1
    swapped = data[:head] + data[head + chunk:head + 2 * chunk] + data[head:head + chunk] \
        + data[head + 2 * chunk:]
    attempts = {
        "no key": ([copy], "зашифрована ключом: укажите --key-file"),
        "another key": ([copy, "--key-file", other_key], "Не удалось расшифровать"),
        "a passphrase": ([copy], "зашифрована ключом"),
        "one byte flipped": ([bytes(flipped), "--key-file", key], "Не удалось расшифровать"),
        "cut at a chunk's end": ([data[:head + 2 * chunk], "--key-file", key],
                                 "Не удалось расшифровать"),
        "cut inside a chunk": ([data[:-5], "--key-file", key], "Не удалось расшифровать"),
        "chunks swapped": ([swapped, "--key-file", key], "Не удалось расшифровать"),
        "only the header": ([data[:head], "--key-file", key], "Не удалось расшифровать"),
    }
    for case, (args, message) in attempts.items():
        if isinstance(args[0], bytes):
            bad = tmp_path / "copies" / "bad.enc"
            bad.write_bytes(args[0])
            args = [bad, *args[1:]]
        with monkeypatch.context() as m:
            if case == "a passphrase":
                m.setenv("JOURNAL_BACKUP_PASSPHRASE", "пароль, которым копия не шифровалась")
            code, said = journal("restore", *args, "--force")
        assert code == 1 and message in said, (case, said)
        assert dump(school_db) == damaged, case  # nothing touched
        assert not [p for p in school_db.parent.iterdir() if "restore" in p.name], case

    code, said = journal("restore", copy, "--key-file", key)
    assert code == 1 and "--force" in said and dump(school_db) == damaged
    code, said = journal("restore", copy, "--key-file", key, "--force")
    assert code == 0, said
    assert "целостность в порядке" in said and "База восстановлена" in said
    assert dump(school_db) == before
    assert integrity(school_db) == "ok" and mode(school_db) == 0o600
    aside, = school_db.parent.glob("journal.sqlite3.before-restore-*")
    assert aside.name == "journal.sqlite3.before-restore-" + aside.name[-17:]
    assert mode(aside) == 0o600 and dump(aside) == damaged


def test_a_passphrase_backup_from_cron_restores_with_it_and_not_with_another(school_db,
                                                                             tmp_path,
                                                                             monkeypatch):
    words = tmp_path / "short"
    words.write_text("школа\n")
    code, said = journal("backup", tmp_path / "x.enc", "--passphrase-file", words)
    assert code == 1 and "короче 12" in said and not (tmp_path / "x.enc").exists()
    (tmp_path / "nightly").mkdir()
    monkeypatch.setenv("JOURNAL_BACKUP_PASSPHRASE", "кот учёный ходит по цепи кругом")
    monkeypatch.setenv("JOURNAL_TODAY", "2026-11-25T23:30:00+00:00")
    code, said = journal("backup", tmp_path / "nightly", "--keep", 7)
    assert code == 0, said
    copy = tmp_path / "nightly" / "journal-2026-11-26-023000.sqlite3.enc"  # Moscow time
    assert copy.is_file() and mode(copy) == 0o600
    before = dump(school_db)
    disaster(school_db)

    wrong = tmp_path / "wrong"
    wrong.write_text("кот учёный ходит по цепи кругом!\n")
    code, said = journal("restore", copy, "--passphrase-file", wrong, "--force")
    assert code == 1 and "неверный пароль или ключ" in said and not dump(school_db)["mark"]
    monkeypatch.delenv("JOURNAL_BACKUP_PASSPHRASE")
    code, said = journal("restore", copy, "--force")
    assert code == 1 and "зашифрована паролем" in said and "JOURNAL_BACKUP_PASSPHRASE" in said
    right = tmp_path / "right"
    right.write_text("кот учёный ходит по цепи кругом\r\n")  # as Notepad saves it
    code, said = journal("restore", copy, "--passphrase-file", right, "--force")
    assert code == 0, said
    assert dump(school_db) == before

    # At the console a minute later: typed at a hidden prompt, twice for a new copy.
    monkeypatch.setenv("JOURNAL_TODAY", "2026-11-25T23:31:00+00:00")
    typed = tmp_path / "typed.enc"
    code, said = journal("backup", typed, "--ask-passphrase",
                         typed="лукоморье дуб зелёный\nлукоморье дуб зелёный\n")
    assert code == 0 and "лукоморье" not in said, said
    disaster(school_db)
    code, said = journal("restore", typed, "--ask-passphrase", "--force",
                         typed="лукоморье дуб зелёный\n")
    assert code == 0 and "лукоморье" not in said and dump(school_db) == before, said


def test_backups_and_keys_are_never_written_into_the_published_site(school_db, tmp_path):
    site = tmp_path / "output"
    site.mkdir()
    for args in (["backup", site / "journal.sqlite3"], ["backup", site, "--keep", 3],
                 ["backup", "--new-key", site / "backup.key"]):
        code, said = journal(*args)
        assert code == 1 and "публикуется на сайте" in said, (args, said)
    assert not list(site.iterdir())
    code, said = journal("backup", tmp_path / "plain.sqlite3")
    assert code == 0 and "НЕ зашифрована" in said and "ключи всех дневников" in said
    assert mode(tmp_path / "plain.sqlite3") == 0o600
    assert dump(tmp_path / "plain.sqlite3") == dump(school_db)
    code, said = journal("backup", "--new-key", tmp_path / "plain.sqlite3")
    assert code == 1 and "--force" in said  # a key is never written over a file unasked


def test_keep_leaves_the_newest_n_of_our_backups_and_no_other_file(school_db, key, tmp_path,
                                                                   monkeypatch):
    folder = tmp_path / "nightly"
    folder.mkdir()
    others = ["notes.txt", "journal-backup.sqlite3", "journal-2020-01-01-000000.sqlite3.bak",
              "journal-2020-01-01.sqlite3"]
    for name in others:
        (folder / name).write_text("не копия журнала")
    (folder / "journal-2019-01-01-000000.sqlite3").mkdir()  # a folder, not a backup
    (folder / "journal-2026-11-01-023000.sqlite3").write_bytes(b"an old backup of ours")
    made = []
    for night, extra in ((21, ["--key-file", key]), (22, []), (23, ["--key-file", key]),
                         (24, ["--key-file", key])):
        monkeypatch.setenv("JOURNAL_TODAY", f"2026-11-{night}T23:30:00+00:00")
        code, said = journal("backup", folder, "--keep", 2, *extra)
        assert code == 0, said
        made.append(f"journal-2026-11-{night + 1}-023000.sqlite3" + (".enc" if extra else ""))
    assert "удалено старых: 1" in said and made[1] in said
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        others + ["journal-2019-01-01-000000.sqlite3"] + made[2:])
    code, said = journal("backup", tmp_path / "one.sqlite3", "--keep", 2)
    assert code == 1 and "не папка" in said and not (tmp_path / "one.sqlite3").exists()


def test_restore_is_refused_while_a_panel_serves_the_database_and_done_after(tmp_path,
                                                                           monkeypatch):
    path = tmp_path / "served.sqlite3"
    url = f"sqlite:///{path}"
    database_with_victim(url)
    monkeypatch.setenv("DATABASE_URL", url)
    assert journal("backup", tmp_path / "copy.sqlite3")[0] == 0
    before = dump(path)
    (tmp_path / "panel").mkdir()
    with serving(url, tmp_path / "panel", servers=1, threads=2) as served:
        code, said = journal("restore", tmp_path / "copy.sqlite3", "--force")
        assert code == 1 and "Панель журнала journal serve (процесс " in said, said
        assert "Остановите панель" in said
        assert served.open_login_page()  # the panel still serves, its database untouched
        assert not list(tmp_path.glob("served.sqlite3.before-restore-*"))
    # The panel was stopped with SIGTERM: its -wal and -shm stay beside the database.
    code, said = journal("restore", tmp_path / "copy.sqlite3", "--force")
    assert code == 0 and "Прежняя база сохранена" in said, said
    assert not side_files(path) and integrity(path) == "ok" and dump(path) == before


WRITER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("PRAGMA journal_mode=wal")
connection.execute("PRAGMA wal_autocheckpoint=0")  # everything stays in the -wal
connection.execute("UPDATE staff SET phone = '+7 900 000-00-00'")
print("written", flush=True)
time.sleep(60)
"""


def test_a_stale_wal_of_a_killed_writer_is_kept_aside_and_not_replayed(school_db, tmp_path):
    copy = tmp_path / "copy.sqlite3"
    assert journal("backup", copy)[0] == 0
    before = dump(school_db)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(school_db)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "written"
    finally:
        writer.kill()  # SIGKILL: no checkpoint, the WAL stays
        writer.wait()
        writer.stdout.close()
    wal = school_db.with_name("journal.sqlite3-wal")
    assert wal.stat().st_size > 0

    code, said = journal("restore", copy, "--force")
    assert code == 0 and "незавершённым журналом -wal" in said, said
    assert not side_files(school_db)
    assert integrity(school_db) == "ok" and dump(school_db) == before
    aside, = tmp_path.glob("instance/journal.sqlite3.before-restore-*")
    assert not side_files(aside) and integrity(aside) == "ok"  # complete without its WAL
    phones = {r[0] for r in sqlite3.connect(aside).execute("SELECT phone FROM staff")}
    assert phones == {"+7 900 000-00-00"}
    database.bind()
    assert Mark.select().count() == len(before["mark"])  # the journal opens it as usual


def test_a_backup_from_schema_version_4_restores_and_migrates(school_db, key, tmp_path,
                                                            monkeypatch):
    old = tmp_path / "old" / "journal.sqlite3"
    old.parent.mkdir()
    database.bind(f"sqlite:///{old}")
    database.create_schema()
    database._runner().down("0005_login_throttle")  # back through 0005: version 4
    assert database.schema_status() == (4, LATEST_SCHEMA)
    insert_maths_class(5)
    db.close()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{old}")
    assert journal("backup", tmp_path / "v4.enc", "--key-file", key)[0] == 0
    rows = {table: found for table, found in dump(old).items() if found}

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{school_db}")
    code, said = journal("restore", tmp_path / "v4.enc", "--key-file", key, "--force")
    assert code == 0, said
    assert "версия схемы 4." in said and f"Версия схемы 4 → {LATEST_SCHEMA}" in said
    assert "0005_login_throttle" in said and "0006_calendar" in said
    database.bind()
    assert database.schema_status() == (LATEST_SCHEMA, LATEST_SCHEMA)
    assert not diff_models(db.obj, ALL_MODELS), "the migrated schema differs from the models"
    after = dump(school_db)
    for table, old_rows in rows.items():  # every row kept, every old column as it was
        assert [r[:len(old_rows[0])] for r in after[table]] == old_rows, table


def test_restore_refuses_what_is_not_this_journals_database_changing_nothing(school_db,
                                                                            tmp_path):
    before = dump(school_db)
    newer = tmp_path / "newer.sqlite3"
    assert journal("backup", newer)[0] == 0
    connection = sqlite3.connect(newer)
    with connection:
        connection.execute("INSERT INTO schema_migration (name, applied) "
                           "VALUES ('0099_from_the_future', '2027-01-01')")
    connection.close()
    garbage = tmp_path / "photo.jpg"
    garbage.write_bytes(os.urandom(5000))
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE notes (x)").connection.close()
    for source, message in ((newer, "более новой версией журнала"),
                            (garbage, "не является базой SQLite"),
                            (other, "не база журнала"),
                            (tmp_path / "missing.enc", "не найден")):
        code, said = journal("restore", source, "--force")
        assert code == 1 and message in said and "Traceback" not in said, (source, said)
    assert dump(school_db) == before
    assert not list(school_db.parent.glob("*before-restore*"))
    assert not list(school_db.parent.glob(".*.part"))


def test_a_new_server_restores_without_force_and_a_damaged_database_is_kept_as_it_was(
        school_db, key, tmp_path, monkeypatch):
    copy = tmp_path / "copy.enc"
    assert journal("backup", copy, "--key-file", key)[0] == 0
    before = dump(school_db)
    new_server = tmp_path / "new" / "instance" / "journal.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{new_server}")
    code, said = journal("restore", copy, "--key-file", key)
    assert code == 0 and "Прежняя база" not in said, said
    assert dump(new_server) == before and mode(new_server) == 0o600
    assert mode(new_server.parent) == 0o700

    garbage = os.urandom(8192)
    new_server.write_bytes(garbage)  # a disk error: not a database any more
    new_server.with_name("journal.sqlite3-wal").write_bytes(b"half a WAL")
    code, said = journal("restore", copy, "--key-file", key, "--force")
    assert code == 0 and "(повреждена; сохранена как есть вместе с " in said, said
    assert dump(new_server) == before and not side_files(new_server)
    aside, wal = sorted(new_server.parent.glob("journal.sqlite3.before-restore-*"))
    assert aside.read_bytes() == garbage and mode(aside) == 0o600
    assert wal.name == aside.name + "-wal" and wal.read_bytes() == b"half a WAL"


def test_the_panel_does_not_start_while_a_restore_holds_the_database(school_db):
    from models.panel_lock import no_panel

    with no_panel(school_db):
        code, said = journal("serve", "--port", 1)
    assert code == 1 and "Идёт восстановление базы" in said, said


def test_postgresql_is_pointed_to_pg_dump_and_pg_restore(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", PG_URL or "postgresql://nobody@127.0.0.1:1/none")
    (tmp_path / "copy.dump").write_bytes(b"PGDMP")
    code, said = journal("restore", tmp_path / "copy.dump", "--force")
    assert code == 1
    assert 'pg_restore --clean --if-exists -d "$DATABASE_URL" journal.dump' in said
    code, said = journal("backup", tmp_path / "copy.sqlite3")
    assert code == 1 and 'pg_dump -Fc -f journal.dump "$DATABASE_URL"' in said
