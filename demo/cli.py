"""CLI command for the demo school: demo."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from models import database
from models.cli_types import DATE
from models.school import SchoolSettings


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
@click.pass_context
def demo_command(ctx: click.Context, students: int, seed: int, today: dt.date | None,
                 force: bool, no_serve: bool, no_build: bool) -> None:
    """Создать демонстрационную школу (уроки с 1 сентября по «сегодня»), собрать сайт и
    открыть панель."""
    from . import build_demo

    database.bind()
    day = today or SchoolSettings().today()
    build_demo(students=students, seed=seed, today=day, force=force, echo=click.echo)
    # The site and the panel are other packages' commands: run them if installed.
    commands = ctx.find_root().command.commands
    if "build" in commands and Path("content").is_dir() and not no_build:
        ctx.invoke(commands["build"], today=day)
        click.echo("Пароли к дневникам учеников: journal credentials --class all --pdf ФАЙЛ "
                   "(сначала укажите адрес сайта в панели: Настройки).")
    if not no_serve and "serve" in commands:
        ctx.invoke(commands["serve"])


def register(group: click.Group) -> None:
    """Add the demo command to the `journal` group."""
    group.add_command(demo_command)
