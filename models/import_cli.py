"""`journal import KIND FILE`: the panel's «Загрузка данных» at the command line (issue
19.1). A preview by default (what would be created, updated, left alone, and every
problem); `--commit` writes, all or nothing; `--template` writes the kind's template."""
from __future__ import annotations

from pathlib import Path

import click

from . import database
from .auditing import console_address
from .base import RuleError
from .imports import ACTIONS, DONE, Result, run
from .imports.registry import KINDS
from .imports.template import TEMPLATE_FORMATS, template_file
from .people import Staff
from .school import SchoolSettings

HAND_OVER = ("Передайте пароли сотрудникам лично; после первого входа каждый сменит свой "
             "в панели («Сменить пароль»). Больше они нигде не показываются.")
# Rows between two progress lines on a long file.
PROGRESS_EVERY = 500


def _kinds_help() -> str:
    return "; ".join(f"{key} — {kind.title}" for key, kind in KINDS.items())


def _echo_result(result: Result) -> None:
    words = DONE if result.committed else ACTIONS
    for action, count in result.counts.items():
        click.echo(f"{words[action].capitalize()}: {count}")
    if result.ignored:
        click.echo("Не загружаются (нет в шаблоне) столбцы: "
                   + ", ".join(f"«{h}»" for h in result.ignored))
    for problem in result.problems:
        click.echo(str(problem), err=True)
    if result.issued:
        click.echo(HAND_OVER)
        for login, name, password in result.issued:
            click.echo(f"  {login:<24} {name:<40} пароль: {password}")
    summary = result.summary()
    summary = summary[:1].upper() + summary[1:]
    click.echo(summary if result.problems or result.committed else
               summary + " Это предварительный просмотр: чтобы записать, повторите с "
               "--commit.")


def _progress(handled: int, total: int) -> None:
    if handled % PROGRESS_EVERY == 0 and handled < total:
        click.echo(f"  … обработано строк: {handled} из {total}", err=True)


@click.command("import")
@click.argument("kind", metavar="KIND")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--commit", is_flag=True, help="Записать (без него — только просмотр).")
@click.option("--as", "login", metavar="LOGIN",
              help="Загрузить от имени сотрудника LOGIN (с его правами; в журнале изменений "
                   "— он). Без него — от имени оператора командной строки.")
@click.option("--template", is_flag=True,
              help="Записать в FILE шаблон (.xlsx или .csv) вместо загрузки.")
def import_command(kind: str, file: Path, commit: bool, login: str | None,
                   template: bool) -> None:
    """Загрузить данные из файла XLSX, ODS или CSV (виды KIND: см. ниже).

    Сначала показывает, что будет создано, обновлено и оставлено без изменений, и все
    ошибки (строка, столбец, что не так); с --commit записывает — всё или ничего."""
    found = KINDS.get(kind)
    if found is None:
        raise RuleError(f"Нет вида загрузки «{kind}». Виды: {_kinds_help()}.")
    if template:
        fmt = file.suffix.lower().lstrip(".")
        if fmt not in TEMPLATE_FORMATS:
            raise RuleError("Шаблон записывается в файл .xlsx или .csv.")
        file.write_bytes(template_file(found, fmt))
        click.echo(f"Шаблон «{found.title}» записан: {file}")
        return
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise RuleError(f"Файл {file} не прочитан: {exc.strerror or exc}.") from None
    database.bind()
    user = None
    if login:
        user = Staff.get_or_none((Staff.login == login) & (Staff.is_active == True))  # noqa: E712
        if user is None:
            raise RuleError(f"Действующего сотрудника {login} нет.")
    result = run(found, user, data, file.name, SchoolSettings.current().today(), commit,
                 console_address(), progress=_progress)
    _echo_result(result)
    if not result.ok:
        raise SystemExit(1)


import_command.help += "\n\nВиды: " + _kinds_help() + "."
COMMANDS = (import_command,)
