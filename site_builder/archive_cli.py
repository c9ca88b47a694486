"""`journal archive`: the period archive (rule 11; 001 3.1, 6) from the console — each
class's journal of a locked period as `год_период_класс.pdf` in the private archive folder,
registered; `journal archive verify` checks the files and `journal archive registry`
prints the «реестр» handed over with the media.

The work and the checks are models.archive's; the PDF is printing.class_journal's.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from markupsafe import escape

from models import SchoolSettings, database
from models import archive as arc
from models.destination import check_destination

from . import credentials as cred
from .print_cli import write_atomically

FILE = click.Path(dir_okay=False, path_type=Path)
REGISTRY = ("данные архивированных журналов", "instance/reestr.pdf", "")


def render(school_class, period) -> tuple[bytes, int]:
    """The class journal's PDF and its page count (imported late: WeasyPrint is slow to load)."""
    from .printing.class_journal import class_journal_pdf
    return class_journal_pdf(school_class, period)


def _ready() -> dt.date:
    database.bind()
    database.require_current_schema()
    return SchoolSettings.current().today()


def run_due(today: dt.date) -> str:
    """Archive every locked class journal without a current archive; one summary line."""
    written = []
    for school_class, period in arc.due(today):
        outcome = arc.archive_class(school_class, period, render, cred.write_pending, None,
                                    today)
        if outcome.status == "written":
            written.append(outcome.entry.file_name)
    if not written:
        return "Архив: новых закрытых периодов нет, файлы не записаны."
    return f"Архив: записано файлов {len(written)} в {arc.archive_folder()}."


@click.group("archive", invoke_without_command=True)
@click.option("--period", "period_name", metavar="ПЕРИОД",
              help="Учебный период, например «1-я четверть».")
@click.option("--year", "year_name", metavar="ГОД",
              help="Учебный год, например 2026/2027; по умолчанию текущий.")
@click.option("--class", "class_name", metavar="КЛАСС", help="Только один класс, например 5А.")
@click.option("--due", is_flag=True,
              help="Все закрытые периоды без актуального архива (для ночного запуска).")
@click.pass_context
def archive_group(ctx, period_name: str | None, year_name: str | None,
                  class_name: str | None, due: bool) -> None:
    """Архив журналов: PDF каждого класса за закрытый период (год_период_класс.pdf) в закрытой
    папке $JOURNAL_INSTANCE/archive и реестр с контрольными суммами SHA-256."""
    if ctx.invoked_subcommand is not None:
        return
    today = _ready()
    arc.archive_folder()  # refused before any work when it would be published
    if due:
        click.echo(run_due(today))
        return
    if not period_name:
        raise click.UsageError("Укажите --period (например «1-я четверть») или --due.")
    year = arc.find_year(year_name) if year_name else cred.current_year(today)
    period = arc.find_period(year, period_name)
    only = cred.find_class(year, class_name) if class_name else None
    counts = {"written": 0, "unchanged": 0, "open": 0}
    for outcome in arc.archive_period(period, render, cred.write_pending, None, today, only):
        click.echo(outcome.line())
        counts[outcome.status] += 1
    click.echo(f"Записано файлов: {counts['written']}, без изменений: {counts['unchanged']}, "
               f"не закрыто: {counts['open']}. Папка архива: {arc.archive_folder()}")


@archive_group.command("verify")
def verify_command() -> None:
    """Проверить архив: файлы против SHA-256 из реестра, журналы, изменённые после
    архивации, и цепочку журнала изменений; код выхода 1, если что-то не так."""
    _ready()
    problems = arc.verify()
    for line in problems:
        click.echo(line)
    total = len(arc.registry())
    if problems:
        click.echo(f"Проверено файлов: {total}; нарушений: {len(problems)}.")
        raise click.exceptions.Exit(1)
    click.echo(f"Проверено файлов: {total}; все в порядке.")


def registry_rows() -> list[tuple[str, ...]]:
    """The registry as the «реестр» lists it: file, class, period, version, made, by whom,
    pages, size, SHA-256, state."""
    folder = arc.archive_folder()
    prints: dict = {}
    return [(e.file_name, e.school_class.name, str(e.period) if e.period_id else "год",
             str(e.version), f"{e.created_at:%d.%m.%Y %H:%M}",
             e.created_by.short_name if e.created_by_id else "система", str(e.pages),
             str(e.size), e.sha256, arc.status(e, folder, prints))
            for e in arc.registry()]


HEADERS = ("Файл", "Класс", "Период", "Версия", "Создан (UTC)", "Кто", "Стр.", "Байт",
           "SHA-256", "Состояние")


def registry_pdf(rows, school: str) -> bytes:
    from .printing.engine import render_pdf
    head = "".join(f"<th>{h}</th>" for h in HEADERS)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>"
                   for row in rows)
    html = ("<html lang='ru'><head><meta charset='utf-8'><style>@page{size:A4 landscape;"
            "margin:12mm}body{font:9pt sans-serif}td,th{border:1px solid #000;padding:2px}"
            "table{border-collapse:collapse}td:nth-child(9){font-size:6pt}</style></head>"
            f"<body><h1>Реестр архивированных электронных журналов</h1><p>{escape(school)}"
            f"</p><table><tr>{head}</tr>{body}</table><p>Передал: ____________ "
            "Принял: ____________</p></body></html>")
    return render_pdf([html], with_print_css=False)[0]


@archive_group.command("registry")
@click.option("--pdf", "pdf_path", type=FILE,
              help="Записать реестр в PDF для передачи с носителем.")
def registry_command(pdf_path: Path | None) -> None:
    """Напечатать реестр архивированных журналов (001, раздел 6: «заносит в реестр данные
    архивированных электронных журналов»)."""
    _ready()
    rows = registry_rows()
    for row in rows:
        click.echo(" | ".join(row))
    click.echo(f"В реестре файлов: {len(rows)}.")
    if pdf_path:
        target = check_destination(pdf_path, False, REGISTRY)
        write_atomically(target, registry_pdf(rows, SchoolSettings.current().name))
        click.echo(f"Записан файл: {target}")
