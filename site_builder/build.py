"""`journal build`: the public site and every pupil's encrypted diary, atomic and incremental.

Pelican renders the school's Markdown pages through the theme; the diaries reach it
through one plugin (site_builder.plugin), which asks this module's DiaryJob to plan
(read the database) and to write (encrypt, reuse unchanged bytes).
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click
from pelican import Pelican
from pelican.log import FatalLogger, console
from pelican.settings import read_settings

from models import AcademicYear, Guardian, RuleError, SchoolSettings, Student
from models.database import instance_path
from models.diary import DiaryAccess

from . import crypto, forked, pages, publish, shell
from .diary import ClassPlan, plan_classes
from .publish import DIARIES, Release

ROOT = Path(__file__).resolve().parent
THEME = ROOT / "theme"
# Fewer pupils to render than this are rendered in this process: a fork would cost more.
PARALLEL_FROM = 32
ROBOTS = "User-agent: *\nDisallow: /d/\n"
_WORD = re.compile(r"[А-ЯЁа-яё]+")


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

    def plan(self) -> None:
        """Read what the last build knew (only if its release is still the live one)."""
        self.known: dict[str, list] = {}
        if not self.full and self.manifest_path.exists() and self.release.previous:
            saved = json.loads(self.manifest_path.read_text())
            if saved.get("release") == self.release.previous.name and saved.get("v") == 2:
                self.known = saved.get("pupils", {})

    def write(self, output: Path) -> None:
        year = AcademicYear.on(self.today, after_end=True)
        if year is None:
            raise RuleError("Нет учебного года, в который входит сегодняшняя дата.")
        self.renderer = pages.DiaryPages(pages.environment(), year.start, self.today)
        self.names = personal_names()
        self.version = version = pages.templates_version()
        todo: list[tuple[ClassPlan, list[int]]] = []
        for class_plan in plan_classes(self.today):
            stale = []
            for sid, access in class_plan.accesses.items():
                fingerprint = f"{version}:{class_plan.prints[sid]}"
                known = self.known.get(access.token)
                folder = self.release.previous_diary(access.token)
                if known and known[0] == fingerprint and folder is not None:
                    self.release.show_diary(access.token, folder)
                    self._record(Outcome(access.token, fingerprint, folder, unchanged=known[1]))
                else:
                    stale.append(sid)
            if stale:
                todo.append((class_plan, stale))
            if self.progress and len(stale) < len(class_plan.accesses):
                self.progress(len(class_plan.accesses) - len(stale))
        pupils = sum(len(stale) for _plan, stale in todo)
        if self.workers > 1 and pupils >= PARALLEL_FROM and forked.available():
            results = forked.run(self._render_class, todo, self.workers,
                                 weight=lambda item: len(item[1]))
        else:
            results = map(self._render_class, todo)
        for outcomes in results:
            for outcome in outcomes:
                self.release.show_diary(outcome.token, outcome.folder)
                self._record(outcome)
            if self.progress:
                self.progress(len(outcomes))
        self.release.reuse("robots.txt", ROBOTS.encode())

    def _record(self, outcome: Outcome) -> None:
        self.outcomes[outcome.token] = outcome
        report = self.report
        report.pupils += 1
        report.rendered += outcome.rendered
        report.written += outcome.written
        report.unchanged += outcome.unchanged
        report.removed += outcome.removed

    def _render_class(self, item: tuple[ClassPlan, list[int]]) -> list[Outcome]:
        """Read, render and write the diaries of these pupils of one class (in any process)."""
        class_plan, ids = item
        return [self._write_diary(diary, self.renderer.render(diary, class_plan.periods))
                for diary in class_plan.read(ids)]

    def _write_diary(self, diary, bodies: dict[str, str]) -> Outcome:
        """Encrypt a pupil's pages into a new store folder, linking the unchanged ones."""
        access = diary.access
        key, salt = base64.b64decode(access.key), base64.b64decode(access.salt)
        before, after = shell.shell_parts(access.token)
        check_text(before + after, f"d/{access.token}/", self.names)  # alike on every page
        old = self.release.previous_diary(access.token)
        folder = self.release.diary_folder(access.token)
        outcome = Outcome(access.token, f"{self.version}:{diary.fingerprint}", folder,
                          rendered=True)
        for relative, html in bodies.items():
            payload = crypto.encrypt_page(key, salt, access.iterations,
                                          f"d/{access.token}/{relative}", html)
            if not payload.isascii():
                raise RuleError(f"Сборка остановлена: в файле d/{access.token}/{relative} "
                                "данные дневника не зашифрованы. Сайт не обновлён.")
            target = folder / relative
            data = shell.render_shell(payload, access.token).encode("utf-8")
            if publish.put(target, data, old / relative if old else None):
                outcome.unchanged += 1
            else:
                outcome.written += 1
        if old is not None and old.is_dir():
            outcome.removed = len(files(old) - set(bodies))
        return outcome

    def finish(self, staging: Path) -> None:
        """Relink unchanged public pages, count removals, refuse to publish names in clear."""
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
        for relative in self.fresh:
            check_text((staging / relative).read_bytes().decode("utf-8", errors="ignore"),
                       relative, self.names)

    def _removed(self, public: set[str]) -> int:
        """Files of the previous release gone from this one: public pages and whole diaries
        (the pages a re-rendered diary no longer has are counted as it is written)."""
        previous = self.release.previous
        if previous is None:
            return 0
        removed = len(files(previous, skip=DIARIES) - public)
        gone = set(os.listdir(previous / DIARIES)) - set(self.outcomes) \
            if (previous / DIARIES).is_dir() else set()
        return removed + sum(len(files(previous / DIARIES / token)) for token in gone)

    def save(self) -> None:
        self.manifest_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.manifest_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"v": 2, "release": self.release.name, "pupils": {
            token: [o.fingerprint, o.pages] for token, o in self.outcomes.items()}}))
        tmp.replace(self.manifest_path)


def files(root: Path, skip: str = "") -> set[str]:
    """Paths of the files under a folder, relative to it (leaving out one top folder)."""
    found = set()
    for folder, dirs, names in os.walk(root):
        if folder == str(root) and skip in dirs:
            dirs.remove(skip)
        base = os.path.relpath(folder, root)
        found.update(name if base == "." else f"{base}/{name}" for name in names)
    return found


def personal_names() -> set[str]:
    """Surnames and first names of every pupil and guardian: none may appear in clear."""
    names: set[str] = set()
    for model in (Student, Guardian):
        for last, first in model.select(model.last_name, model.first_name).tuples():
            names.update(n for n in (last, first) if n and len(n) > 1)
    return names


def check_text(text: str, where: str, names: set[str]) -> None:
    """Refuse to publish if a pupil's or guardian's name is readable in a new file's text
    (a diary page's text outside its encrypted payload is its pupil's shell)."""
    found = names.intersection(_WORD.findall(text))
    if found:
        raise RuleError(f"Сборка остановлена: в файле {where} открыто видно имя "
                        f"ученика или родителя ({sorted(found)[0]}). Сайт не обновлён.")


def pelican_settings(staging: Path, content: Path, job: DiaryJob) -> dict:
    from . import plugin

    school = SchoolSettings.current()
    return read_settings(override={
        "PATH": str(content), "OUTPUT_PATH": str(staging), "THEME": str(THEME),
        "SITENAME": school.name, "SITEURL": "", "RELATIVE_URLS": True,
        "TIMEZONE": school.timezone, "DEFAULT_LANG": "ru", "DEFAULT_DATE_FORMAT": "%d.%m.%Y",
        "PLUGINS": [plugin], "JOURNAL_DIARY_JOB": job,
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
    })


def build(output: Path, content: Path, today, full: bool = False,
          progress: Callable[[int], None] | None = None, workers: int | None = None) -> Report:
    """Build the whole site into a new release and publish it atomically."""
    started = time.perf_counter()
    release = Release(output)
    staging = release.begin()
    job = DiaryJob(release, today, full, progress, workers)
    fatal, quiet = FatalLogger.fatal_lvl, console.quiet
    FatalLogger.fatal_lvl = logging.ERROR  # a page Pelican cannot read fails the build
    console.quiet = True  # one summary line for the nightly run, not Pelican's own
    try:
        Pelican(pelican_settings(staging, content, job)).run()
        job.finish(staging)
        release.commit()
        job.save()
    except BaseException:
        release.abort()
        raise
    finally:
        FatalLogger.fatal_lvl, console.quiet = fatal, quiet
    job.report.seconds = time.perf_counter() - started
    return job.report


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
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Дата сборки (ГГГГ-ММ-ДД); по умолчанию сегодняшняя по часам школы.")
@click.option("--publish", "publish_command", metavar="CMD",
              help="Команда после успешной сборки, например rsync на хостинг.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              show_default="число ядер процессора",
              help="Сколько процессов отрисовывают дневники.")
def build_command(full: bool, output: Path, content: Path, today: dt.datetime | None,
                  publish_command: str | None, workers: int | None) -> None:
    """Собрать сайт: страницы школы и зашифрованные дневники учеников."""
    from models import database

    database.bind()
    database.require_current_schema()
    day = today.date() if today else SchoolSettings.current().today()
    total = DiaryAccess.select().count()
    if sys.stdout.isatty():
        with click.progressbar(length=total, label="Дневники", file=sys.stderr) as bar:
            report = build(output, content, day, full, bar.update, workers)
    else:
        report = build(output, content, day, full, workers=workers)
    click.echo(report.line())
    if publish_command:
        site = (output / "site").resolve()
        done = subprocess.run(publish_command, shell=True,
                              env={**os.environ, "JOURNAL_SITE": str(site)})
        if done.returncode:
            raise click.ClickException(f"Сборка готова, но публикация не удалась "
                                       f"(код {done.returncode}): {publish_command}")
        click.echo(f"Опубликовано: {publish_command}")
