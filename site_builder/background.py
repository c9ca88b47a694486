"""Long work started from the panel, in a thread of the panel's process, its progress and
outcome kept for the page: the build («Обновить дневники класса сейчас»: the same build as
`journal build`) and the period archive («Архивировать сейчас»: the same as `journal
archive --period`, a whole school's PDFs taking minutes, longer than a request may).

One at a time per kind of work: a second start while one runs here is refused. A build
running anywhere else (the nightly one) holds the output folder's lock (site_builder.lock),
so this one then fails at once with the lock's Russian refusal, shown on the page; two
archive runs at once are kept apart by the registry's unique file names. A build limited
to one class is not cheap (a release must show every diary, and the manifest knows the
whole school), but the build is incremental: the diaries that did not change are carried
over, so a class's new diaries cost about as much as their own rendering.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from models import DiaryAccess, RuleError, acting_as, db
from models.base import utcnow

from .build import build

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildState:
    """What the page says of a background job: running or not, how far, how it ended."""

    running: bool = False
    started: dt.datetime | None = None
    finished: dt.datetime | None = None
    done: int = 0
    total: int = 0
    outcome: str = ""
    failed: bool = False
    who: str = ""


# A job's work: given the step callback (count done), returns its outcome's line.
Work = Callable[[Callable[[int], None]], str]


class Job:
    """One kind of background work of the panel's process, one run at a time."""

    def __init__(self, name: str, failure: str):
        self.name = name
        self.failure = failure  # the page's words when the work broke: {exc} is the error
        self._state = BuildState()
        self._guard = threading.Lock()

    def state(self) -> BuildState:
        """The job now (frozen: the thread replaces it, never changes it)."""
        return self._state

    def start(self, work: Work, total: int, who: str, actor: tuple[int | None, str]) -> bool:
        """Run the work in the background, its changes attributed to `actor` (a staff id
        and an address, as the request's); False if this job is already running."""
        with self._guard:
            if self._state.running:
                return False
            self._state = BuildState(running=True, started=utcnow(), total=total, who=who)
        threading.Thread(target=self._run, args=(work, actor), name=self.name,
                         daemon=True).start()
        return True

    def _step(self, count: int) -> None:
        with self._guard:
            self._state = replace(self._state, done=self._state.done + count)

    def _run(self, work: Work, actor: tuple[int | None, str]) -> None:
        """The work, its outcome kept whatever happens; the thread's connection closed."""
        failed, outcome = True, ""
        try:
            with acting_as(*actor):
                outcome, failed = work(self._step), False
        except RuleError as exc:
            outcome = exc.message
        except Exception as exc:  # the page must say it failed, whatever failed
            log.exception("the panel's %s failed", self.name)
            outcome = self.failure.format(exc=exc)
        finally:
            if not db.is_closed():
                db.close()
            with self._guard:
                self._state = replace(self._state, running=False, outcome=outcome,
                                      failed=failed, finished=utcnow())


BUILD = Job("journal-build", "Сборка не удалась: {exc}. Сайт не обновлён; подробности в "
                             "журнале сервера.")
ARCHIVE = Job("journal-archive", "Архивирование не удалось: {exc}. Записанные файлы "
                                 "остались в реестре; подробности в журнале сервера.")


def state() -> BuildState:
    """The panel's build now."""
    return BUILD.state()


def start(output: Path, content: Path, today: dt.date, who: str) -> bool:
    """Start a build in the background; False if the panel's build is already running.
    One worker process: no fork of the panel's process."""

    def work(step: Callable[[int], None]) -> str:
        if not content.is_dir():
            raise RuleError(f"Нет папки со страницами школы: {content}. Сайт не обновлён.")
        return build(output, content, today, progress=step, workers=1).line()

    # A build changes no staff-edited row: nobody's change.
    return BUILD.start(work, DiaryAccess.select().count(), who, (None, ""))
