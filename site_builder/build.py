"""`journal build`: the public site and every pupil's encrypted diary, atomic and incremental.

Pelican renders the school's Markdown pages through the theme; the diaries reach it
through one plugin (site_builder.plugin), which asks this module's DiaryJob to plan
(read the database) and to write (encrypt, reuse unchanged bytes).
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
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

from models import AcademicYear, Guardian, Period, RuleError, SchoolSettings, Student
from models.database import instance_path
from models.diary import DiaryAccess

from . import crypto, pages, shell
from .diary import Unchanged, load
from .publish import Release

ROOT = Path(__file__).resolve().parent
THEME = ROOT / "theme"
ROBOTS = "User-agent: *\nDisallow: /d/\n"
_WORD = re.compile(r"[А-ЯЁа-яё]+")
_PAYLOAD = re.compile(r'<script type="application/json" id="diary-payload">([^<]*)</script>')


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


class DiaryJob:
    """The diaries of one build: which pupils changed, and their pages written encrypted."""

    def __init__(self, release: Release, today, full: bool,
                 progress: Callable[[int], None] | None = None):
        self.release, self.today, self.full, self.progress = release, today, full, progress
        self.report = Report()
        self.manifest_path = instance_path() / "build-manifest.json"
        self.fingerprints: dict[str, str] = {}
        self.fresh: list[str] = []  # files written or re-checked in this build
        self.rendered: set[str] = set()  # tokens of the diaries rendered in this build

    def plan(self) -> None:
        """Read what the last build knew (only if its release is still the live one)."""
        self.known = {}
        if not self.full and self.manifest_path.exists() and self.release.previous:
            saved = json.loads(self.manifest_path.read_text())
            if saved.get("release") == self.release.previous.name:
                self.known = saved.get("pupils", {})

    def write(self, output: Path) -> None:
        year = AcademicYear.on(self.today, after_end=True)
        if year is None:
            raise RuleError("Нет учебного года, в который входит сегодняшняя дата.")
        renderer = pages.DiaryPages(pages.environment(), year.start, self.today)
        version = pages.templates_version()
        periods: dict[int, list[Period]] = {}
        def known(token: str, fingerprint: str) -> bool:
            return self.known.get(token) == f"{version}:{fingerprint}"

        for diary in load(self.today, known=known):
            token = diary.token
            self.fingerprints[token] = f"{version}:{diary.fingerprint}"
            self.report.pupils += 1
            if isinstance(diary, Unchanged) or known(token, diary.fingerprint):
                self.report.unchanged += self.release.carry(f"d/{token}")
            else:
                self.rendered.add(token)
                if diary.school_class.id not in periods:
                    periods[diary.school_class.id] = list(diary.school_class.periods())
                self._write_diary(diary, renderer.render(diary, periods[diary.school_class.id]))
            if self.progress:
                self.progress(1)
        self.release.reuse("robots.txt", ROBOTS.encode())

    def _write_diary(self, diary, bodies: dict[str, str]) -> None:
        access = diary.access
        key, salt = base64.b64decode(access.key), base64.b64decode(access.salt)
        self.report.rendered += 1
        for relative, html in bodies.items():
            path = f"d/{access.token}/{relative}"
            payload = crypto.encrypt_page(key, salt, access.iterations, path, html)
            data = shell.render_shell(payload, access.token).encode("utf-8")
            if self.release.reuse(path, data):
                self.report.unchanged += 1
            else:
                self.report.written += 1
                self.fresh.append(path)

    def finish(self, staging: Path) -> None:
        """Relink unchanged public pages, count removals, refuse to publish names in clear."""
        public = files(staging, skip="d")
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
        self.report.removed = self._removed(staging, public)
        check_no_names(staging, self.fresh)

    def _removed(self, staging: Path, public: set[str]) -> int:
        """Files of the previous release gone from this one (carried folders are whole)."""
        previous = self.release.previous
        if previous is None:
            return 0
        removed = len(files(previous, skip="d") - public)
        old_tokens = os.listdir(previous / "d") if (previous / "d").is_dir() else []
        for token in old_tokens:
            if token not in self.fingerprints:
                removed += len(files(previous / "d" / token))
            elif token in self.rendered:
                removed += len(files(previous / "d" / token)
                               - files(staging / "d" / token))
        return removed

    def save(self) -> None:
        self.manifest_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.manifest_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"release": self.release.name, "pupils": self.fingerprints}))
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


def check_no_names(folder: Path, relatives: list[str]) -> None:
    """Refuse to publish if a pupil's or guardian's name is readable in a new file.

    A diary page is its payload (which must be plain ASCII: base64 in JSON) around a
    shell that is the same for every page of a pupil, so each distinct shell is read once.
    """
    names = personal_names()
    shells: set[bytes] = set()
    for relative in relatives:
        text = (folder / relative).read_bytes().decode("utf-8", errors="ignore")
        payload = _PAYLOAD.search(text)
        if payload:
            if not payload.group(1).isascii():
                raise RuleError(f"Сборка остановлена: в файле {relative} данные дневника "
                                "не зашифрованы. Сайт не обновлён.")
            text = text[:payload.start(1)] + text[payload.end(1):]
            digest = hashlib.sha256(text.encode()).digest()
            if digest in shells:
                continue
            shells.add(digest)
        found = names.intersection(_WORD.findall(text))
        if found:
            raise RuleError(f"Сборка остановлена: в файле {relative} открыто видно имя "
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
          progress: Callable[[int], None] | None = None) -> Report:
    """Build the whole site into a new release and publish it atomically."""
    started = time.perf_counter()
    release = Release(output)
    staging = release.begin()
    job = DiaryJob(release, today, full, progress)
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
def build_command(full: bool, output: Path, content: Path, today: dt.datetime | None,
                  publish_command: str | None) -> None:
    """Собрать сайт: страницы школы и зашифрованные дневники учеников."""
    from models import database

    database.bind()
    database.require_current_schema()
    day = today.date() if today else SchoolSettings.current().today()
    total = DiaryAccess.select().count()
    if sys.stdout.isatty():
        with click.progressbar(length=total, label="Дневники", file=sys.stderr) as bar:
            report = build(output, content, day, full, bar.update)
    else:
        report = build(output, content, day, full)
    click.echo(report.line())
    if publish_command:
        site = (output / "site").resolve()
        done = subprocess.run(publish_command, shell=True,
                              env={**os.environ, "JOURNAL_SITE": str(site)})
        if done.returncode:
            raise click.ClickException(f"Сборка готова, но публикация не удалась "
                                       f"(код {done.returncode}): {publish_command}")
        click.echo(f"Опубликовано: {publish_command}")
