"""One build at a time per output folder: an flock on output/.build.lock.

A second build would take the first one's staging release for a killed build's leftovers
and delete it. It is refused at once, saying which process holds the lock and since when,
rather than made to wait: the first publishes the same database moments later, a second
run after it would only repeat the work, and a build stuck for hours (a hung publish
command) should be seen in the cron log, not piled up behind. flock is released by the
kernel when its holder dies, even by kill -9, so there is no stale lock to clear by hand;
the build's forked workers inherit it, so it is held until the last of them has exited.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from models import RuleError

NAME = ".build.lock"
_held = threading.local()  # the lock files this thread holds (the build command nests)


@contextmanager
def exclusive(output: Path) -> Iterator[None]:
    """Hold the output folder's build lock, or refuse in Russian if another build holds it."""
    output.mkdir(parents=True, exist_ok=True)
    path = str(output.resolve() / NAME)
    held: set[str] = _held.__dict__.setdefault("paths", set())
    if path in held:  # the build command holds it through build() and its publish command
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuleError(_busy(fd)) from None
        # Who holds it, for the next one's refusal (the file is not removed afterwards: a
        # build opening it just before the removal would lock a file nobody else sees).
        os.ftruncate(fd, 0)
        started = dt.datetime.now().strftime("%d.%m.%Y %H:%M:%S")
        os.pwrite(fd, f"{os.getpid()} {started}\n".encode(), 0)
        held.add(path)
        try:
            yield
        finally:
            held.discard(path)
    finally:
        os.close(fd)


def _busy(fd: int) -> str:
    try:
        pid, started = os.pread(fd, 100, 0).decode().split(maxsplit=1)
    except ValueError:  # taken a moment ago, not yet signed
        return "Сборка уже идёт; дождитесь её окончания."
    return f"Сборка уже идёт (начата {started.strip()}, процесс {pid}); дождитесь её окончания."
