"""`journal build`: the public site and every pupil's encrypted diary, atomic and incremental.

Pelican renders the school's Markdown pages through the theme; the diaries reach it
through one plugin (site_builder.plugin), which asks this module's DiaryJob to plan
(read the database) and to write (encrypt, reuse unchanged bytes).
"""
from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import io
import json
import logging
import os
import random
import re
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import click
from pelican import Pelican
from pelican.settings import read_settings

from models import AcademicYear, Guardian, RuleError, SchoolSettings, Student, disk
from models.base import utcnow
from models.cli_types import DATE
from models.database import instance_path
from models.diary import DiaryAccess

from . import crypto, forked, lock, pages, publish, shell
from .diary import ClassPlan, plan_classes
from .publish import DIARIES, Release

ROOT = Path(__file__).resolve().parent
THEME = ROOT / "theme"
# Fewer pupils to render than this are rendered in this process: a fork would cost more.
PARALLEL_FROM = 32
ROBOTS = "User-agent: *\nDisallow: /d/\n"
_WORD = re.compile(r"[А-ЯЁа-яё]+")
_order = random.SystemRandom()  # the order diaries are written in


@dataclass
class Report:
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    pupils: int = 0
    rendered: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        return (f"Сборка: страниц записано {self.written}, без изменений {self.unchanged}, "
                f"удалено {self.removed}; дневников {self.pupils} (обновлено {self.rendered}); "
                f"{self.seconds:.1f} с")


@dataclass
class Outcome:
    """One pupil's diary in this build: where its pages are and what happened to them."""

    token: str
    fingerprint: str
    folder: Path
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    rendered: bool = False

    @property
    def pages(self) -> int:
        return self.written + self.unchanged


class DiaryJob:
    """The diaries of one build: which pupils changed, and their pages written encrypted.

    A pupil whose fingerprint the last build holds keeps its store folder (one symlink);
    the others are rendered, class by class, in `workers` processes when there are enough
    of them to pay for the fork.
    """

    def __init__(self, release: Release, today, full: bool,
                 progress: Callable[[int], None] | None = None, workers: int | None = None):
        self.release, self.today, self.full, self.progress = release, today, full, progress
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.report = Report()
        self.manifest_path = instance_path() / "build-manifest.json"
        self.outcomes: dict[str, Outcome] = {}
        self.fresh: list[str] = []  # public files written in this build

    def plan(self, context: dict) -> None:
        """Read what the last build knew (only if its release is still the live one), and
        which content file each public page is made from."""
        saved: dict = {}
        if self.manifest_path.exists() and self.release.previous:
            saved = json.loads(self.manifest_path.read_text())
            if saved.get("release") != self.release.previous.name or saved.get("v") != 2:
                saved = {}
        self.known: dict[str, list] = {} if self.full else saved.get("pupils", {})
        self.checked_settings = saved.get("settings", "")
        self.sources = {item.save_as: Path(item.source_path)
                        for item in context.get("generated_content", {}).values()
                        if item is not None and getattr(item, "save_as", "")}

    def write(self, output: Path) -> None:
        year = AcademicYear.on(self.today, after_end=True)
        if year is None:
            raise RuleError("Нет учебного года, в который входит сегодняшняя дата.")
        self.renderer = pages.DiaryPages(pages.environment(), year.start, self.today)
        # Pages are rewritten when what renders, encrypts or wraps them changes.
        self.version = version = hashlib.sha256(
            f"{pages.templates_version()}:{shell.assets_version()}:{crypto.VERSION}".encode()
        ).hexdigest()[:16]
        todo: list[tuple[ClassPlan, int]] = []
        for class_plan in plan_classes(self.today):
            carried = 0
            for sid, access in class_plan.accesses.items():
                fingerprint = f"{version}:{class_plan.prints[sid]}"
                known = self.known.get(access.token)
                folder = self.release.previous_diary(access.token)
                if known and known[0] == fingerprint and folder is not None:
                    self._record(Outcome(access.token, fingerprint, folder, unchanged=known[1]))
                    carried += 1
                else:
                    todo.append((class_plan, sid))
            if self.progress and carried:
                self.progress(carried)
        # Pupils in a random order, not class by class: the order their files are written
        # in (inode numbers, a listing by change time) must not group the diaries by class.
        _order.shuffle(todo)
        if self.workers > 1 and len(todo) >= PARALLEL_FROM and forked.available():
            results = forked.run(self._render, todo, self.workers, weight=lambda item: 1)
        else:
            results = map(self._render, todo)
        for outcome in results:
            self._record(outcome)
            if self.progress:
                self.progress(1)
        shown = list(self.outcomes.values())
        _order.shuffle(shown)  # the links too, carried diaries among the new ones
        for outcome in shown:
            self.release.show_diary(outcome.token, outcome.folder)
        self.release.reuse("robots.txt", ROBOTS.encode())
        # With directory listing on, /d/ would list every diary's address. Beside it, the
        # worker that keeps unlocked diaries for use offline (its scope d/ covers them all)
        # and the web app manifest.
        for name, data in shared_files().items():
            if self.release.reuse(f"{DIARIES}/{name}", data):
                self.report.unchanged += 1
            else:
                self.report.written += 1
        # When the data was read: every diary page shows it («данные на …»). Not a page
        # and not counted as one: it changes every night while the pages need not.
        self.release.reuse(f"{DIARIES}/{STAMP}", stamp(self.today))

    def _record(self, outcome: Outcome) -> None:
        self.outcomes[outcome.token] = outcome
        report = self.report
        report.pupils += 1
        report.rendered += outcome.rendered
        report.written += outcome.written
        report.unchanged += outcome.unchanged
        report.removed += outcome.removed

    def _render(self, item: tuple[ClassPlan, int]) -> Outcome:
        """Read, render and write one pupil's diary (in any process)."""
        class_plan, sid = item
        [diary] = class_plan.read([sid])
        return self._write_diary(diary, self.renderer.render(diary, class_plan.periods))

    def _write_diary(self, diary, bodies: dict[str, str]) -> Outcome:
        """Encrypt a pupil's pages into a new store folder, linking the unchanged ones."""
        access = diary.access
        key, salt = base64.b64decode(access.key), base64.b64decode(access.salt)
        # The fixed shell (no pupil's data: see shell.fixed_shell) around a payload of
        # base64 fields only: nothing else of the page is in clear.
        before, after = shell.shell_parts(access.token)
        old = self.release.previous_diary(access.token)
        folder = self.release.diary_folder(access.token)
        outcome = Outcome(access.token, f"{self.version}:{diary.fingerprint}", folder,
                          rendered=True)
        for relative, html in bodies.items():
            payload = crypto.encrypt_page(key, salt, access.iterations,
                                          crypto.page_path(access.token, relative), html)
            if not crypto.is_payload(payload):
                raise RuleError(f"Сборка остановлена: в файле d/{access.token}/{relative} "
                                "данные дневника не зашифрованы. Сайт не обновлён.")
            target = folder / relative
            data = (before + payload + after).encode("utf-8")  # base64: nothing to escape
            if publish.put(target, data, old / relative if old else None, self.release.stamp):
                outcome.unchanged += 1
            else:
                outcome.written += 1
        os.utime(folder, (self.release.stamp, self.release.stamp))
        if old is not None and old.is_dir():
            outcome.removed = len(files(old) - set(bodies))
        return outcome

    def finish(self, staging: Path) -> None:
        """Relink unchanged public pages, count removals, refuse to publish names in clear
        in what the school wrote (see check_public)."""
        public = files(staging, skip=DIARIES)
        for relative in public:
            path = staging / relative
            if path.stat().st_nlink == 1:  # written by Pelican, not reused yet
                data = path.read_bytes()
                path.unlink()
                if self.release.reuse(relative, data):
                    self.report.unchanged += 1
                else:
                    self.report.written += 1
                    self.fresh.append(relative)
        self.report.removed += self._removed(public)
        self.check_public()

    def check_public(self) -> None:
        """Refuse to publish a pupil's or guardian's name in a new or changed public page.

        A public page is the theme's fixed text around what the school wrote: the content
        file it is made from, and the school's name. So those are checked, each when it
        is new or changed (a listing such as index.html shows only titles and summaries
        of pages checked when they changed); the theme's words never are.
        """
        sources = [(relative, self.sources[relative]) for relative in sorted(self.fresh)
                   if relative in self.sources]
        settings = SchoolSettings.current().name
        self.settings_digest = hashlib.sha256(settings.encode()).hexdigest()
        changed = self.settings_digest != self.checked_settings
        if not sources and not changed:
            return
        names = personal_names()
        for relative, source in sources:
            check_text(source.read_text("utf-8", errors="ignore"),
                       f"файле {source} (страница {relative})", names)
        if changed:
            check_text(settings, "названии школы (панель: «Настройки»)", names)

    def _removed(self, public: set[str]) -> int:
        """Files of the previous release gone from this one: public pages and whole diaries
        (the pages a re-rendered diary no longer has are counted as it is written)."""
        previous = self.release.previous
        if previous is None:
            return 0
        removed = len(files(previous, skip=DIARIES) - public)
        gone = set(os.listdir(previous / DIARIES)) - set(self.outcomes) - set(shared_files()) \
            - {STAMP} \
            if (previous / DIARIES).is_dir() else set()
        return removed + sum(len(files(previous / DIARIES / token)) for token in gone)

    def save(self) -> None:
        self.manifest_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.manifest_path.with_suffix(".tmp")
        publish.write(tmp, json.dumps({"v": 2, "release": self.release.name,
                                       "settings": self.settings_digest, "pupils": {
            token: [o.fingerprint, o.pages] for token, o in self.outcomes.items()}}).encode())
        tmp.replace(self.manifest_path)


STAMP = "stamp.json"


def stamp(today: dt.date) -> bytes:
    """d/stamp.json: the build's moment on the school's clock (the build's day, the clock's
    time), as the diary shows it: {"built": "29.11.2026, 02:30"}. No pupil's data."""
    clock = SchoolSettings.current().local_time(utcnow())
    return json.dumps({"built": f"{dt.datetime.combine(today, clock.time()):%d.%m.%Y, %H:%M}"}
                      ).encode()


def shared_files() -> dict[str, bytes]:
    """The files in d/ beside the diaries' folders, by name: an empty index.html, the
    service worker, the web app manifest and its icon (see shell.OFFLINE)."""
    return {"index.html": b""} | {name: (shell.OFFLINE / name).read_bytes()
                                  for name in shell.OFFLINE_FILES}


def files(root: Path, skip: str = "") -> set[str]:
    """Paths of the files under a folder, relative to it (leaving out one top folder)."""
    found = set()
    for folder, dirs, names in os.walk(root):
        if folder == str(root) and skip in dirs:
            dirs.remove(skip)
        base = os.path.relpath(folder, root)
        found.update(name if base == "." else f"{base}/{name}" for name in names)
    return found


@dataclass(frozen=True)
class Card:
    """Whose name a word is: a pupil's or guardian's card, and which of its fields."""

    whose: str  # «ученика» or «представителя», as the refusal says it
    id: int
    field: str  # «фамилия» or «имя»
    name: str

    def __str__(self) -> str:
        return f"{self.field} {self.whose} {self.id} (карточка «{self.name}»)"


def personal_names() -> dict[str, list[Card]]:
    """Each word of every pupil's and guardian's surname and first name, with its cards."""
    names: dict[str, list[Card]] = defaultdict(list)
    for model, whose in ((Student, "ученика"), (Guardian, "представителя")):
        for row_id, last, first in model.select(model.id, model.last_name,
                                                model.first_name).tuples():
            for field, value in (("фамилия", last), ("имя", first)):
                for word in _WORD.findall(value or ""):  # each half of a double surname
                    if len(word) > 1:
                        names[word].append(Card(whose, row_id, field, f"{last} {first}"))
    return names


def check_text(text: str, where: str, names: dict[str, list[Card]]) -> None:
    """Refuse to publish a text in which a pupil's or guardian's name is a word, naming
    the card so that whoever reads the refusal can tell a leak from a namesake."""
    found = sorted(names.keys() & set(_WORD.findall(text)))
    if found:
        cards = names[found[0]]
        more = f" и ещё {len(cards) - 1}" if len(cards) > 1 else ""
        raise RuleError(f"Сборка остановлена: {cards[0]}{more} встречается в {where}. "
                        "Исправьте текст или карточку. Сайт не обновлён.")


def pelican_settings(staging: Path, content: Path, job: DiaryJob) -> dict:
    from . import plugin

    school = SchoolSettings.current()
    return read_settings(override={
        "PATH": str(content), "OUTPUT_PATH": str(staging), "THEME": str(THEME),
        "SITENAME": school.name, "SITEURL": "", "RELATIVE_URLS": True,
        "TIMEZONE": school.timezone, "DEFAULT_LANG": "ru", "DEFAULT_DATE_FORMAT": "%d.%m.%Y",
        "PLUGINS": [plugin], plugin.JOB: job,
        "ARTICLE_PATHS": ["news"], "PAGE_PATHS": ["pages"], "STATIC_PATHS": [],
        "ARTICLE_URL": "news/{slug}.html", "ARTICLE_SAVE_AS": "news/{slug}.html",
        "PAGE_URL": "{slug}.html", "PAGE_SAVE_AS": "{slug}.html",
        "DIRECT_TEMPLATES": ["index"], "THEME_STATIC_DIR": "theme",
        # No feeds, archives, author/category/tag pages: nothing lists anything but news.
        "FEED_ALL_ATOM": None, "CATEGORY_FEED_ATOM": None, "TRANSLATION_FEED_ATOM": None,
        "AUTHOR_FEED_ATOM": None, "AUTHOR_FEED_RSS": None,
        "ARCHIVES_SAVE_AS": "", "AUTHORS_SAVE_AS": "", "CATEGORIES_SAVE_AS": "",
        "TAGS_SAVE_AS": "", "AUTHOR_SAVE_AS": "", "CATEGORY_SAVE_AS": "", "TAG_SAVE_AS": "",
        "DELETE_OUTPUT_DIRECTORY": False, "LOAD_CONTENT_CACHE": False, "CACHE_CONTENT": False,
        "DEFAULT_PAGINATION": False, "PAGE_ORDER_BY": "basename",
        # Pelican does not escape by default: the school's name would be HTML on every
        # page. The theme marks the content Pelican rendered from Markdown as safe.
        "JINJA_ENVIRONMENT": {"trim_blocks": True, "lstrip_blocks": True, "extensions": [],
                              "autoescape": True},
    })


def build(output: Path, content: Path, today, full: bool = False,
          progress: Callable[[int], None] | None = None, workers: int | None = None) -> Report:
    """Build the whole site into a new release and publish it atomically, one build at a
    time per output folder (site_builder.lock)."""
    started = time.perf_counter()
    with refused_when_full(output), lock.exclusive(output):
        release = Release(output)
        job = DiaryJob(release, today, full, progress, workers)
        try:
            release.begin()
            run_pelican(pelican_settings(release.staging, content, job))
            job.finish(release.staging)
            # Before the swap, so that nothing after it can fail: a manifest naming a
            # release that never went live is ignored by the next build (see plan).
            job.save()
            release.commit()
        except BaseException:
            release.abort()
            raise
    job.report.seconds = time.perf_counter() - started
    return job.report


def refused_when_full(output: Path) -> AbstractContextManager[None]:
    """A full disk anywhere in the build (here, in a worker, in Pelican) as one line."""
    return disk.refused_when_full("Сборка остановлена", "Прежний сайт не изменён", output)


def run_pelican(settings: dict) -> None:
    """Run Pelican with its errors, and a file it could not copy, failing the build.

    Through Pelican's public doors only: its `Pelican(settings).run()`, the records it
    logs under the "pelican" logger (a handler of ours for this run, removed after it)
    and its summary line, printed to standard output and kept off it here: the nightly
    run says one line of its own.
    """
    stop = _StopOnError()
    pelican_logger = logging.getLogger("pelican")
    pelican_logger.addHandler(stop)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            Pelican(settings).run()
    finally:
        pelican_logger.removeHandler(stop)


class _StopOnError(logging.Handler):
    """Pelican logs what went wrong and goes on; this turns such a record into the
    exception that stops the build (before the record reaches any other handler)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        # Pelican only warns when it cannot copy a theme file and goes on: on a full disk
        # the site would go live without its unlock script, every diary unreadable.
        for arg in record.args if isinstance(record.args, tuple) else ():
            if isinstance(arg, OSError):
                raise arg
        # An error (a page Pelican cannot read, a template that fails) is logged and the
        # page skipped while the build carries on: a broken page would go live.
        if record.levelno >= logging.ERROR:
            message = record.getMessage().strip().replace("\n", " ")
            raise RuleError(f"Сборка остановлена: Pelican сообщил об ошибке: {message}. "
                            "Сайт не обновлён.")


@click.command("build")
@click.option("--full", is_flag=True,
              help="Пересобрать все страницы, не полагаясь на прошлую сборку.")
@click.option("--output", default=lambda: os.environ.get("JOURNAL_OUTPUT", "output"),
              show_default="output или JOURNAL_OUTPUT",
              type=click.Path(file_okay=False, path_type=Path),
              help="Папка сайта: в ней site → текущая сборка.")
@click.option("--content", default="content", show_default=True,
              type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Папка со страницами школы в Markdown.")
@click.option("--today", type=DATE, default=None,
              help="Дата сборки (ДД.ММ.ГГГГ или ГГГГ-ММ-ДД); по умолчанию сегодняшняя по "
                   "часам школы.")
@click.option("--publish", "publish_command", metavar="CMD",
              help="Команда после успешной сборки, например rsync на хостинг.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              show_default="число ядер процессора",
              help="Сколько процессов отрисовывают дневники.")
@click.option("--archive", is_flag=True,
              help="После успешной сборки архивировать закрытые периоды (journal archive --due).")
def build_command(full: bool, output: Path, content: Path, today: dt.date | None,
                  publish_command: str | None, workers: int | None, archive: bool) -> None:
    """Собрать сайт: страницы школы и зашифрованные дневники учеников."""
    from models import database

    database.bind()
    database.require_current_schema()
    day = today or SchoolSettings.current().today()
    total = DiaryAccess.select().count()
    # The lock is held through the publish command too: a build finishing during a slow
    # rsync would start a second rsync, and the older site could arrive last.
    with refused_when_full(output), lock.exclusive(output):
        if sys.stdout.isatty():
            with click.progressbar(length=total, label="Дневники", file=sys.stderr) as bar:
                report = build(output, content, day, full, bar.update, workers)
        else:
            report = build(output, content, day, full, workers=workers)
        click.echo(report.line())
        if publish_command:
            publish_site(output, publish_command)
    if archive:  # rule 11: the periods locked since the last night, one summary line
        from .archive_cli import run_due
        click.echo(run_due(day))


def publish_site(output: Path, command: str) -> None:
    """Run the publish command on the new site (JOURNAL_SITE); exit code 1 if it fails."""
    site = (output / "site").resolve()
    done = subprocess.run(command, shell=True, env={**os.environ, "JOURNAL_SITE": str(site)})
    if done.returncode:
        raise click.ClickException(f"Сборка готова, но публикация не удалась "
                                   f"(код {done.returncode}): {command}")
    click.echo(f"Опубликовано: {command}")
