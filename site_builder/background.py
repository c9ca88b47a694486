"""A build started from the panel («Обновить дневники класса сейчас»): the same build as
`journal build`, in a thread of the panel's process, its progress and outcome kept for the
page.

One at a time: a second start while one runs here is refused, and a build running
anywhere else (the nightly one) holds the output folder's lock (site_builder.lock), so
this one then fails at once with the lock's Russian refusal, shown on the page. A build
limited to one class is not cheap (a release must show every diary, and the manifest
knows the whole school), but the build is incremental: the diaries that did not change
are carried over, so a class's new diaries cost about as much as their own rendering.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from models import DiaryAccess, RuleError, db
from models.base import utcnow

from .build import build

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildState:
    """What the page says of the panel's build: running or not, how far, how it ended."""

    running: bool = False
    started: dt.datetime | None = None
    finished: dt.datetime | None = None
    done: int = 0
    total: int = 0
    outcome: str = ""
    failed: bool = False
    who: str = ""


_state = BuildState()
_guard = threading.Lock()


def state() -> BuildState:
    """The panel's build now (frozen: the thread replaces it, never changes it)."""
    return _state


def start(output: Path, content: Path, today: dt.date, who: str) -> bool:
    """Start a build in the background; False if the panel's build is already running."""
    global _state
    with _guard:
        if _state.running:
            return False
        _state = BuildState(running=True, started=utcnow(),
                            total=DiaryAccess.select().count(), who=who)
    threading.Thread(target=_run, args=(output, content, today), name="journal-build",
                     daemon=True).start()
    return True


def _step(count: int) -> None:
    global _state
    with _guard:
        _state = replace(_state, done=_state.done + count)


def _run(output: Path, content: Path, today: dt.date) -> None:
    """The build, its outcome kept; one worker process (no fork of the panel's process)."""
    global _state
    failed, outcome = True, ""
    try:
        if not content.is_dir():
            raise RuleError(f"Нет папки со страницами школы: {content}. Сайт не обновлён.")
        outcome, failed = build(output, content, today, progress=_step, workers=1).line(), False
    except RuleError as exc:
        outcome = exc.message
    except Exception as exc:  # the page must say it failed, whatever failed
        log.exception("the panel's build failed")
        outcome = f"Сборка не удалась: {exc}. Сайт не обновлён; подробности в журнале сервера."
    finally:
        if not db.is_closed():
            db.close()
        with _guard:
            _state = replace(_state, running=False, outcome=outcome, failed=failed,
                             finished=utcnow())
