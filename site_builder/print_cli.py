"""CLI commands for printouts: `journal print week` (weekly sheets) and `journal print temporary`.

The files hold pupils' names and marks in clear, so they are written atomically and never
inside the published site (DESIGN section 6). A file named .html gets the same printable
HTML instead of a PDF.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import sys
from pathlib import Path

import click

from models import SchoolClass, SchoolSettings, database, disk
from models.base import RuleError
from models.calendar import last_school_week
from models.cli_types import DATE

from . import credentials as cred
from . import printing

FILE = click.Path(dir_okay=False, path_type=Path)
HTML_SUFFIXES = (".html", ".htm")
_MONTH_RE = re.compile(r"^(?:(\d{4})-(\d{1,2})|(\d{1,2})\.(\d{4}))$")


def parse_month(text: str | None, today: dt.date) -> dt.date:
    """The first day of a month typed as ГГГГ-ММ or ММ.ГГГГ; this month when none is given."""
    if not text:
        return today.replace(day=1)
    match = _MONTH_RE.match(text.strip())
    if match:
        year, month = (match[1], match[2]) if match[1] else (match[4], match[3])
        if 1 <= int(month) <= 12:
            return dt.date(int(year), int(month), 1)
    raise RuleError(f"Не понял месяц «{text}»: укажите его как ГГГГ-ММ, например 2026-11.")


PRINTOUT = ("имена и отметки учеников", "instance/vypiski.pdf", "")


def write_atomically(target: Path, data: bytes) -> None:
    """Write beside the target, then rename: a reader never sees half a file."""
    with disk.refused_when_full("Файл не записан", "Прежний файл не изменён", target):
        pending = cred.write_pending(target, data)  # removes its part-written file itself
    try:
        os.replace(pending, target)
    finally:
        pending.unlink(missing_ok=True)


def resolve_class(text: str, day: dt.date) -> SchoolClass | None:
    """The class named (5А, 5а, 5A) in the academic year of the day; None for all/все."""
    year = cred.current_year(day)
    if text.strip().lower() in cred.ALL_CLASSES:
        return None
    return cred.find_class(year, text)


class Progress:
    """A progress bar of sheets on a terminal, else a line per class as it is rendered."""

    def __init__(self) -> None:
        self.bar = None

    def __call__(self, school_class: SchoolClass, sheets: int, total: int) -> None:
        if not sys.stdout.isatty():
            click.echo(f"{school_class.name}: выписок {sheets}")
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="Выписки", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(sheets)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@click.group("print")
def print_group() -> None:
    """Печать: еженедельные выписки для родителей и временный журнал."""


@print_group.command("week")
@click.option("--class", "class_name", required=True, metavar="КЛАСС",
              help="Класс, например 5А, или all для всей школы.")
@click.option("--week", type=DATE,
              help="Любой день недели (ДД.ММ.ГГГГ или ГГГГ-ММ-ДД); по умолчанию последняя "
                   "неделя с учебными днями.")
@click.option("--paper-only", is_flag=True,
              help="Только ученики, чьи родители просили бумажную выписку.")
@click.option("--qr/--no-qr", default=None,
              help="QR-код адреса электронного дневника на каждом листе (или без него); по "
                   "умолчанию как в настройках школы: «QR-код дневника на выписках».")
@click.option("-o", "--output", required=True, type=FILE, metavar="ФАЙЛ",
              help="Файл PDF (или .html, чтобы открыть и напечатать в браузере).")
@click.option("--force", is_flag=True, help="Перезаписать существующий файл.")
def week_command(class_name: str, week: dt.date | None, paper_only: bool, qr: bool | None,
                 output: Path, force: bool) -> None:
    """Выписки из электронного журнала за неделю: по листу на ученика, каждый с новой
    страницы, с подписями классного руководителя и родителя."""
    database.bind()
    database.require_current_schema()
    target = cred.check_destination(output, force, PRINTOUT)
    settings = SchoolSettings.current()
    # Without --week: the last week with school days (in a vacation, not an empty week).
    monday = printing.monday_of(week) if week else last_school_week(settings.today())
    if qr is None:
        qr = settings.sheet_qr
    if qr:
        cred.check_base_url(settings.diary_base_url)
    school_class = resolve_class(class_name, monday)
    progress = Progress()
    try:
        result = printing.week_printout(school_class, monday, paper_only, qr, progress,
                                        as_html=target.suffix.lower() in HTML_SUFFIXES)
    finally:
        progress.close()
    if not result.sheets:
        raise RuleError(printing.no_sheets_text(paper_only) + " Файл не записан.")
    write_atomically(target, result.data)
    pages = f", страниц: {result.pages}" if result.pages else ""
    click.echo(f"Записан файл: {target} (неделя {monday:%d.%m}–"
               f"{monday + dt.timedelta(days=5):%d.%m.%Y}, выписок: {result.sheets}{pages}).")


@print_group.command("temporary")
@click.option("--class", "class_name", required=True, metavar="КЛАСС",
              help="Класс, например 5А.")
@click.option("--subject", required=True, metavar="ПРЕДМЕТ",
              help="Предмет из учебного плана класса, например «Математика».")
@click.option("--group", metavar="ГРУППА",
              help="Подгруппа, если предмет ведётся по группам, например «1 группа».")
@click.option("--month", metavar="ГГГГ-ММ", help="Месяц; по умолчанию текущий.")
@click.option("-o", "--output", required=True, type=FILE, metavar="ФАЙЛ",
              help="Файл PDF (или .html, чтобы открыть и напечатать в браузере).")
@click.option("--force", is_flag=True, help="Перезаписать существующий файл.")
def temporary_command(class_name: str, subject: str, group: str | None, month: str | None,
                      output: Path, force: bool) -> None:
    """Временный журнал на случай сбоя (форма приложения 1): список учеников класса или
    группы на месяц, учитель и пустые графы для дат, отметок, тем и заданий."""
    database.bind()
    database.require_current_schema()
    target = cred.check_destination(output, force, PRINTOUT)
    first = parse_month(month, SchoolSettings.current().today())
    school_class = resolve_class(class_name, first)
    if school_class is None:
        raise RuleError("Временный журнал печатается для одного класса: укажите, например, "
                        "--class 5А.")
    assignment = printing.find_assignment(school_class, subject, group)
    journal = printing.read_temporary(assignment, first)
    if target.suffix.lower() in HTML_SUFFIXES:
        write_atomically(target, printing.temporary_html(journal).encode("utf-8"))
    else:
        write_atomically(target, printing.render_pdf([printing.temporary_html(
            journal, for_pdf=True)])[0])
    click.echo(f"Записан файл: {target} ({school_class.name}, {journal.subject}, "
               f"{journal.month_name}: учеников {len(journal.pupils)}, граф для дат "
               f"{journal.columns}).")


def register(group: click.Group) -> None:
    """Add the printing commands to the `journal` group."""
    group.add_command(print_group)
