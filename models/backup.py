"""Backups that restore: `journal backup` (online, optionally encrypted, rotated) and
`journal restore` (checked, with the replaced database kept aside, then migrated).

A backup holds every diary's key and every password hash: files are created 0600, written
atomically, never inside the published site (the CLI checks), and encrypted on request
(models/backup_format.py). A restore must never leave a database beside an old -wal: SQLite
would replay it into the new file («database disk image is malformed»).
"""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from peewee import DatabaseError, SqliteDatabase

from . import database
from .backup_format import MAGIC, Secret, decrypt, encrypt, new_key
from .base import RuleError, db
from .panel_lock import no_panel
from .school import SchoolSettings, pinned_now

PG_RESTORE = 'pg_restore --clean --if-exists -d "$DATABASE_URL" journal.dump'
PG_DUMP = 'pg_dump -Fc -f journal.dump "$DATABASE_URL"'
# The files `--keep` rotates: only names this command gives, never another file.
OURS = re.compile(r"journal-\d{4}-\d{2}-\d{2}-\d{6}\.sqlite3(\.enc)?")
SIDE_FILES = ("-wal", "-shm", "-journal")
DEFAULT_ZONE = SchoolSettings.timezone.default


def school_now(timezone: str | None = None) -> dt.datetime:
    """Now on the school's clock (naive), in `timezone` or the bound database's; JOURNAL_TODAY
    pins the date, or the moment when it is given as one (tests, training)."""
    try:
        zone = ZoneInfo(timezone or SchoolSettings.select(SchoolSettings.timezone).scalar()
                        or DEFAULT_ZONE)
    except (DatabaseError, ValueError, ZoneInfoNotFoundError):  # an empty or damaged database
        zone = ZoneInfo(DEFAULT_ZONE)
    pinned, value = pinned_now(zone), os.environ.get("JOURNAL_TODAY", "")
    if "T" in value:
        return dt.datetime.fromisoformat(value).astimezone(zone).replace(tzinfo=None)
    now = dt.datetime.now(zone).replace(tzinfo=None)
    return dt.datetime.combine(pinned, now.time()) if pinned else now


def backup_name(moment: dt.datetime, encrypted: bool) -> str:
    """The name of a nightly backup in a folder: journal-YYYY-MM-DD-HHMMSS.sqlite3[.enc]."""
    return f"journal-{moment:%Y-%m-%d-%H%M%S}.sqlite3" + (".enc" if encrypted else "")


def sqlite_file(action: str) -> Path:
    """The bound SQLite database's file; PostgreSQL is refused with its tool's command."""
    if not isinstance(db.obj, SqliteDatabase) or db.obj.database == ":memory:":
        tool = PG_DUMP if action == "backup" else PG_RESTORE
        raise RuleError(f"Для PostgreSQL используйте {tool.split()[0]}, например: {tool}")
    return Path(db.obj.database).absolute()


def backup(dest: Path, secret: Secret | None) -> None:
    """Copy the live SQLite database with the online backup API into `dest` (0600, atomic),
    encrypted when a secret is given (the plaintext copy then stays beside the database)."""
    source = sqlite_file("backup")
    plain = _private_temp(source if secret else dest, "backup" if secret else "")
    tmp = _private_temp(dest, "") if secret else plain
    try:
        copy = sqlite3.connect(plain)
        with copy:
            db.connection().backup(copy)
        copy.close()
        if secret:
            with open(plain, "rb") as src, open(tmp, "wb") as out:
                encrypt(src, out, secret)
        _move_in(tmp, dest)
    finally:
        plain.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)


def rotate(folder: Path, keep: int) -> tuple[list[Path], list[Path]]:
    """Delete all but the newest `keep` (at least 1) of this command's backups in `folder`
    (no other file); (kept, deleted)."""
    ours = sorted(p for p in folder.iterdir()
                  if OURS.fullmatch(p.name) and p.is_file() and not p.is_symlink())
    for path in ours[:-keep]:
        path.unlink()
    return ours[-keep:], ours[:-keep]


def restore(source: Path, secret: Secret | None, force: bool) -> list[str]:
    """Replace the SQLite database by a backup, checked first, the old one kept aside; an
    older backup is migrated. Returns what was done, in Russian, line by line."""
    target = sqlite_file("restore")
    if not source.is_file():
        raise RuleError(f"Файл {source} не найден.")
    existed = any(_size(target.with_name(target.name + suffix)) for suffix in ("", "-wal"))
    if existed and not force:
        raise RuleError(f"База {target} уже есть: восстановление заменит её (прежняя будет "
                        "сохранена рядом). Добавьте --force, чтобы восстановить.")
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with no_panel(target):
        db.close()  # the old database is opened below only to checkpoint and lock it
        tmp = _private_temp(target, "restore")
        try:
            _unpack(source, tmp, secret)
            applied, known, timezone = _check(tmp)
            said = [f"Копия {source} проверена: целостность в порядке, версия схемы "
                    f"{len(applied)}."]
            moment = school_now(timezone or DEFAULT_ZONE)
            with _held_aside(target, existed, moment, said):
                _move_in(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        said.append(f"База восстановлена: {target}")
        if len(applied) < len(known):
            said.append(_migrated(len(applied), len(known), said))
    return said


def _migrated(applied: int, known: int, said: list[str]) -> str:
    """Migrate the restored database; a failure says what was done before it."""
    database.bind()
    try:
        names = database.migrate()
    except Exception as exc:  # the restore is done: say so, with the error
        raise RuleError("\n".join(said) + f"\nНо обновить схему (версия {applied}) не "
                        f"удалось: {exc}. Выполните journal migrate.") from exc
    finally:
        db.close()
    return f"Версия схемы {applied} → {known}: применены миграции {', '.join(names)}."


def _unpack(source: Path, tmp: Path, secret: Secret | None) -> None:
    with open(source, "rb") as src, open(tmp, "wb") as out:
        encrypted = src.read(len(MAGIC)) == MAGIC
        src.seek(0)
        if encrypted:
            decrypt(src, out, secret or Secret())
        else:
            shutil.copyfileobj(src, out)


def _check(path: Path) -> tuple[list[str], list[str], str | None]:
    """A restorable journal database: integrity ok, the journal's tables, a schema this
    program knows; (applied, known) migrations and the school's time zone. Left in
    rollback-journal mode, so it has no -wal of its own when moved in."""
    known = sorted(p.stem for p in database.MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.py"))
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        result = connection.execute("PRAGMA integrity_check").fetchall()
        tables = {r[0] for r in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if result != [("ok",)]:
            raise RuleError("Копия повреждена (проверка целостности SQLite: "
                            f"{'; '.join(r[0] for r in result[:3])}). Ничего не изменено.")
        if not {"schema_migration", "staff", "student", "school_settings"} <= tables:
            raise RuleError("Файл — база SQLite, но не база журнала (нет таблиц "
                            "schema_migration, staff, student, school_settings). "
                            "Ничего не изменено.")
        applied = [r[0] for r in connection.execute("SELECT name FROM schema_migration")]
        timezone = connection.execute("SELECT MIN(timezone) FROM school_settings").fetchone()[0]
        connection.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.DatabaseError as exc:
        raise RuleError(f"Файл не является базой SQLite ({exc}). Ничего не изменено.") from None
    finally:
        connection.close()
    newer = sorted(set(applied) - set(known))
    if newer:
        raise RuleError(f"Копия сделана более новой версией журнала (версия схемы "
                        f"{len(applied)}, эта программа знает {len(known)}; миграции "
                        f"{', '.join(newer)}): обновите программу и повторите.")
    return applied, known, timezone


@contextmanager
def _held_aside(target: Path, existed: bool, moment: dt.datetime,
                said: list[str]) -> Iterator[None]:
    """The database at `target`, if any, with its WAL checkpointed into it and no -wal,
    -shm or -journal left beside it, locked against every other connection and linked
    aside (0600) while the block moves the new file in."""
    aside = target.with_name(f"{target.name}.before-restore-{moment:%Y-%m-%d-%H%M%S}")
    if existed and aside.exists():
        raise RuleError(f"Файл {aside} уже есть; повторите через секунду.")
    sides = [s for s in SIDE_FILES if target.with_name(target.name + s).exists()] \
        if existed else []
    for suffix in sides:  # first: SQLite deletes a WAL it cannot use when it closes
        _link(target.with_name(target.name + suffix), aside.with_name(aside.name + suffix))
    old = _checkpointed(target, aside, sides) if existed else None
    try:
        if existed:
            _link(target, aside)
            note = ""
            if old is None:
                note = " (повреждена; сохранена как есть" + (
                    f" вместе с {', '.join(aside.name + s for s in sides)})" if sides else ")")
            elif "-wal" in sides:
                note = " (с её незавершённым журналом -wal, перенесённым в неё)"
            said.append(f"Прежняя база сохранена: {aside}{note}")
        for suffix in SIDE_FILES:  # none must meet the new file
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        yield
    finally:
        if old is not None:
            old.close()


def _checkpointed(target: Path, aside: Path, sides: list[str]) -> sqlite3.Connection | None:
    """A connection holding the old database's exclusive lock after its WAL was written into
    it (its side files' links aside removed: they are in it now); None for a damaged one."""
    old = sqlite3.connect(target, timeout=2, isolation_level=None)
    try:
        # Leaving WAL mode checkpoints the whole WAL into the file and deletes -wal and
        # -shm; SQLite refuses it while another connection has the database open.
        if old.execute("PRAGMA journal_mode=DELETE").fetchone() == ("delete",):
            old.execute("BEGIN EXCLUSIVE")  # no one opens the old file until it is aside
            for suffix in sides:
                aside.with_name(aside.name + suffix).unlink()
            return old
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            old.close()
            for suffix in sides:
                aside.with_name(aside.name + suffix).unlink()
            raise RuleError(f"База {target} открыта другим процессом (journal build, "
                            "journal print…): дождитесь его окончания и повторите.") from None
    except sqlite3.DatabaseError:
        pass
    old.close()  # a damaged file: kept as it is, with the links to its side files
    return None


def _link(target: Path, aside: Path) -> None:
    """`aside` names the file `target` names: a hard link, or a copy where links fail."""
    try:
        os.link(target, aside)
    except OSError:
        shutil.copyfile(target, aside)
    os.chmod(aside, 0o600)


def _private_temp(beside: Path, kind: str) -> Path:
    """A new empty file readable by its owner only, in the folder of `beside`."""
    tmp = beside.with_name(f".{beside.name}{'.' + kind if kind else ''}.part")
    tmp.unlink(missing_ok=True)  # left by a killed run
    os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    return tmp


def _move_in(tmp: Path, dest: Path) -> None:
    """Put `tmp` in place of `dest` atomically, on disk before the rename and after it."""
    _fsync(tmp)
    os.replace(tmp, dest)
    _fsync(dest.parent)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def write_key(target: Path) -> None:
    """A new key file (64 hex digits), 0600, written atomically; `target` already checked."""
    tmp = _private_temp(target, "")
    try:
        with open(tmp, "wb") as out:
            out.write(new_key())
        _move_in(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
