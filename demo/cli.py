"""CLI command for the demo school: demo."""
from __future__ import annotations

import datetime as dt
import functools
import os
import threading
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import click

from models import database
from models.cli_types import DATE
from models.school import SchoolSettings

SITE_HOST = "127.0.0.1"  # WebCrypto opens a diary over plain http on this computer only
SITE_PORT = 8000
DEMO_GRADE = 5  # the class whose diaries the demo opens: marks, homework, no subgroups


@dataclass(frozen=True)
class DemoDiary:
    """The one pupil's diary the demo shows a newcomer."""

    class_name: str
    pupil: str
    folder: str  # d/<token>/
    password: str
    issued: int  # passwords issued in the class


def issue_demo_passwords(today: dt.date) -> DemoDiary | None:
    """Issue diary passwords for one demo class, as `journal credentials --class 5А --rotate`
    does; the first pupil's password is the one shown (the others are not kept anywhere)."""
    from models import SchoolClass, diary
    from site_builder import credentials as cred

    year = cred.current_year(today)
    school_class = (SchoolClass.select().where((SchoolClass.year == year)
                                               & (SchoolClass.grade >= DEMO_GRADE))
                    .order_by(SchoolClass.grade, SchoolClass.letter).first()
                    or SchoolClass.select().where(SchoolClass.year == year)
                    .order_by(SchoolClass.grade.desc()).first())
    if school_class is None:
        return None
    pairs = cred.select_pupils(school_class.name, None, today)
    if not pairs:
        return None
    grants = diary.plan([student for _, student in pairs], rotate=True)
    diary.save(grants)
    first = grants[0]
    return DemoDiary(school_class.name, first.student.full_name, first.access.path,
                     first.password, len(grants))


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 -- the standard library's name
        pass


def serve_site(site: Path, port: int = SITE_PORT, handler_class=_QuietHandler,
               ) -> tuple[ThreadingHTTPServer, str]:
    """Serve the built site (the `site` link, followed on every request, so a rebuild shows)
    on http://127.0.0.1 from a daemon thread; another port if this one is taken."""
    handler = functools.partial(handler_class, directory=str(site))
    try:
        server = ThreadingHTTPServer((SITE_HOST, port), handler)
    except OSError:
        server = ThreadingHTTPServer((SITE_HOST, 0), handler)
    threading.Thread(target=server.serve_forever, name="demo-site", daemon=True).start()
    return server, f"http://{SITE_HOST}:{server.server_address[1]}/"


def echo_diary(shown: DemoDiary, address: str) -> None:
    click.echo("")
    click.echo(f"Дневник для пробы: {shown.pupil}, {shown.class_name} класс")
    click.echo(f"  адрес:  {address}")
    click.echo(f"  пароль: {shown.password}")
    if shown.issued > 1:
        click.echo(f"Пароли остальных учеников {shown.class_name} выданы, но не показаны; "
                   f"листки с новыми паролями: journal credentials --class {shown.class_name} "
                   "--rotate --pdf instance/пароли.pdf")


@click.command("demo")
@click.option("--students", default=150, show_default=True, type=click.IntRange(11, 20_000),
              help="Сколько учеников (классы 1–11, параллели по 25 человек).")
@click.option("--seed", default=1, show_default=True, help="Одно и то же число — та же школа.")
@click.option("--today", type=DATE, default=None,
              help="«Сегодня» демо-школы (30.11.2026 или 2026-11-30); по умолчанию "
                   "сегодняшняя дата.")
@click.option("--force", is_flag=True, help="Удалить все данные в существующей базе.")
@click.option("--no-serve", is_flag=True,
              help="Только создать и собрать сайт, не запускать панель (для скриптов).")
@click.option("--no-build", is_flag=True,
              help="Не собирать сайт дневников (только база данных; для скриптов).")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535),
              help="Порт панели.")
@click.option("--site-port", default=SITE_PORT, show_default=True,
              type=click.IntRange(0, 65535),
              help="Порт сайта дневников на http://127.0.0.1 (0 — любой свободный).")
@click.pass_context
def demo_command(ctx: click.Context, students: int, seed: int, today: dt.date | None,
                 force: bool, no_serve: bool, no_build: bool, port: int,
                 site_port: int) -> None:
    """Создать демонстрационную школу (уроки с 1 сентября по «сегодня»), выдать пароли к
    дневникам одного класса, собрать сайт, открыть панель и сайт дневников."""
    from . import build_demo

    database.bind()
    day = today or SchoolSettings().today()
    build_demo(students=students, seed=seed, today=day, force=force, echo=click.echo)
    # The site and the panel are other packages' commands: run them if installed.
    commands = ctx.find_root().command.commands
    shown = None
    if "build" in commands and Path("content").is_dir() and not no_build:
        shown = issue_demo_passwords(day)
        ctx.invoke(commands["build"], today=day)
    serving = not no_serve and "serve" in commands
    if shown is not None:
        site = Path(os.environ.get("JOURNAL_OUTPUT", "output")) / "site"
        if serving:
            _server, base = serve_site(site, site_port)
            click.echo(f"Сайт дневников: {base} (папка {site}).")
            echo_diary(shown, base + shown.folder)
        else:  # a saved diary opens from its file as well (not the symlinks resolved)
            echo_diary(shown, (site.absolute() / shown.folder / "index.html").as_uri())
    if serving:
        ctx.invoke(commands["serve"], port=port)


def register(group: click.Group) -> None:
    """Add the demo command to the `journal` group."""
    group.add_command(demo_command)
