"""A full disk, however it is reported: by the OS, by SQLite, or by PostgreSQL."""
from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from .base import RuleError

# What a write to a full filesystem fails with: no space, or the account's quota used up.
FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
POSTGRES_DISK_FULL = "53100"  # SQLSTATE disk_full ("could not extend file …")
# What a person is told when a save met a full disk (the transaction was rolled back).
MESSAGE = ("На диске сервера нет места: ничего не сохранено. Сообщите администратору "
           "журнала и повторите, когда место освободят.")


def is_full(exc: BaseException | None) -> bool:
    """Whether a full disk is what this error, or one it came from, reports."""
    return cause(exc) is not None


def cause(exc: BaseException | None) -> BaseException | None:
    """The error that reports a full disk: this one, or one it came from (None if none).

    The cause can sit a few links down: peewee wraps the driver's error (and keeps it as
    its first argument), and after SQLITE_FULL SQLite has rolled back by itself, so the
    error that reaches the caller is peewee's failed ROLLBACK, raised during the real one.
    """
    seen: set[int] = set()
    pending = [exc]
    while pending:
        error = pending.pop()
        if error is None or id(error) in seen:
            continue
        seen.add(id(error))
        if _reports_full(error):
            return error
        # What it was raised from or during, as a traceback shows it ("from None": neither).
        pending += [error.__cause__, None if error.__suppress_context__ else error.__context__,
                    *(arg for arg in error.args if isinstance(arg, BaseException))]
    return None


def _reports_full(error: BaseException) -> bool:
    if isinstance(error, OSError):
        return error.errno in FULL_ERRNOS
    if isinstance(error, sqlite3.Error):
        return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
    return getattr(error, "pgcode", None) == POSTGRES_DISK_FULL



@contextmanager
def refused_when_full(stopped: str, kept: str, where: object) -> Iterator[None]:
    """A full disk met inside as one Russian refusal: what stopped, which file could not be
    written (or `where`), and what is as it was."""
    try:
        yield
    except Exception as exc:
        found = cause(exc)
        if found is None:
            raise
        quota = isinstance(found, OSError) and found.errno == errno.EDQUOT
        named = found.filename if isinstance(found, OSError) and found.filename else where
        full = "превышена дисковая квота" if quota else "на диске нет места"
        raise RuleError(f"{stopped}: {full} — не удалось записать {named}. {kept}; "
                        "освободите место и повторите.") from None
