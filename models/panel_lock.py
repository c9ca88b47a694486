"""One database, a panel or a restore: `journal serve` holds a shared flock on
journal.sqlite3.panel.lock beside the SQLite database for its whole life, `journal restore`
an exclusive one, so a restore never replaces the file under a running panel.

Several panels may share a database (shared locks). The kernel releases an flock when its
process ends, however it ends (kill -9 too): a file left by a killed panel never blocks,
unlike a lock file whose existence is the lock.
"""
from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from peewee import SqliteDatabase

from .base import RuleError


def lock_path(database_file: Path) -> Path:
    return database_file.with_name(database_file.name + ".panel.lock")


@contextmanager
def panel_lock(bound) -> Iterator[None]:
    """Hold the lock shared for a panel on the bound database (PostgreSQL: no lock, as
    `journal restore` refuses it); refused while a restore holds it."""
    if not isinstance(bound, SqliteDatabase) or bound.database == ":memory:":
        yield
        return
    with _held(lock_path(Path(bound.database).absolute()), fcntl.LOCK_SH,
               lambda: "Идёт восстановление базы из резервной копии (journal restore): "
                       "запустите панель после него."):
        yield


@contextmanager
def no_panel(target: Path) -> Iterator[None]:
    """Hold the database's panel lock exclusively: refused while a panel runs on it."""
    with _held(lock_path(target), fcntl.LOCK_EX, lambda: _panel_running(lock_path(target))):
        yield


@contextmanager
def _held(path: Path, operation: int, refusal: Callable[[], str]) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, operation | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuleError(refusal()) from None
        yield
    finally:
        os.close(fd)


def _panel_running(path: Path) -> str:
    pids = _flock_holders(path)
    who = f" (процесс {', '.join(map(str, pids))})" if pids else ""
    kill = f", kill {pids[0]}" if pids else ""
    return (f"Панель журнала journal serve{who} работает с этой базой: восстановление "
            "заменило бы базу под ней. Остановите панель (Ctrl+C в её окне"
            f"{kill} или systemctl stop её службы) и повторите.")


def _flock_holders(path: Path) -> list[int]:
    """The processes holding an flock on `path`, from Linux's /proc/locks (for the message:
    «1: FLOCK ADVISORY READ 4242 08:01:1234567 0 EOF»)."""
    try:
        inode, lines = path.stat().st_ino, Path("/proc/locks").read_text().splitlines()
    except OSError:
        return []
    return sorted({int(parts[4]) for parts in map(str.split, lines)
                   if len(parts) > 5 and parts[1] == "FLOCK"
                   and parts[5].rsplit(":", 1)[-1] == str(inode)})
