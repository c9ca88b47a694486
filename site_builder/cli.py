"""CLI commands for the diary site: credentials (diary passwords and their slips)."""
from __future__ import annotations

import os
from pathlib import Path

import click

from models import DiaryAccess, SchoolSettings, database, diary, disk
from models.base import RuleError

from . import credentials as cred

FILE = click.Path(dir_okay=False, path_type=Path)


@click.command("credentials")
@click.option("--class", "class_name", metavar="КЛАСС",
              help="Класс текущего учебного года, например 5А, или all для всей школы.")
@click.option("--student", "student_id", type=int, metavar="ID",
              help="Только один ученик: его номер (id) из адреса карточки в панели.")
@click.option("--rotate", is_flag=True,
              help="Выдать новые пароли всем выбранным (старые перестанут подходить).")
@click.option("--csv", "csv_path", type=FILE, help="Записать листки в CSV (для Excel).")
@click.option("--pdf", "pdf_path", type=FILE, help="Записать листки в PDF для печати.")
@click.option("--force", is_flag=True, help="Перезаписать существующие файлы.")
def credentials_command(class_name: str | None, student_id: int | None, rotate: bool,
                        csv_path: Path | None, pdf_path: Path | None, force: bool) -> None:
    """Выдать пароли к электронному дневнику и листки с адресом, паролем и QR-кодом.

    Пароль показывается только при выдаче: в базе хранится лишь ключ. Ученикам, у
    которых пароль уже есть, новый выдаётся только с --rotate.
    """
    database.bind()
    database.require_current_schema()
    settings = SchoolSettings.current()
    base_url = cred.check_base_url(settings.diary_base_url)
    targets = {kind: cred.check_destination(path, force)
               for kind, path in (("csv", csv_path), ("pdf", pdf_path)) if path}
    if len(set(targets.values())) < len(targets):
        raise RuleError("Для --csv и --pdf укажите разные файлы.")
    pairs = cred.select_pupils(class_name, student_id, settings.today())
    if not pairs:
        raise RuleError("В выбранном классе нет учеников.")
    _announce(pairs, rotate)
    grants = diary.plan([student for _, student in pairs], rotate=rotate)
    slips = cred.make_slips(pairs, grants, base_url)
    written = _issue(grants, slips, targets, settings.name)
    if slips and not targets:
        _print_table(slips)
    if targets and not slips:
        click.echo("Новых паролей нет, файлы не записаны.")
    for path in written:
        click.echo(f"Записан файл: {path}")
    _summary(grants, rotate)


def _announce(pairs, rotate: bool) -> None:
    """Say so before a long key derivation (about 0.15 s a password, two at a time)."""
    ids = [student.id for _, student in pairs]
    count = len(ids) if rotate else len(ids) - (DiaryAccess.select()
                                                .where(DiaryAccess.student.in_(ids)).count())
    if count > 20:
        click.echo(f"Вычисляю ключи для {count} паролей, это займёт около "
                   f"{max(1, round(count * 0.15 / 2 * diary.ITERATIONS / 600_000))} с…")


def _issue(grants, slips, targets: dict[str, Path], school: str) -> list[Path]:
    """Render the files, write the database, then move the files into place."""
    pending: list[tuple[Path, Path]] = []
    try:
        if slips:
            renderers = {"csv": lambda: cred.csv_bytes(slips),
                         "pdf": lambda: cred.pdf_bytes(slips, school)}
            for kind, target in targets.items():
                # Before the database: a slip that cannot be written issues no password.
                with disk.refused_when_full("Пароли не выданы", "Прежние пароли действуют",
                                            target):
                    pending.append((cred.write_pending(target, renderers[kind]()), target))
        diary.save(grants)
        for tmp, target in pending:
            os.replace(tmp, target)
        return [target for _, target in pending]
    finally:
        for tmp, _ in pending:
            tmp.unlink(missing_ok=True)


def _print_table(slips: list[cred.Slip]) -> None:
    width = max(len(s.pupil) for s in slips)
    click.echo(f"{'Класс':<6} {'Ученик':<{width}}  {'Пароль':<14}  Адрес дневника")
    for s in slips:
        click.echo(f"{s.class_name:<6} {s.pupil:<{width}}  {s.password:<14}  {s.address}")


def _summary(grants: list[diary.Grant], rotate: bool) -> None:
    counts = {status: sum(g.status == status for g in grants)
              for status in ("issued", "rotated", "kept")}
    click.echo(f"Выдано новых паролей: {counts['issued']}, заменено: {counts['rotated']}, "
               f"оставлено прежних: {counts['kept']}.")
    if counts["kept"] and not rotate:
        click.echo("Прежние пароли не хранятся и не показываются; чтобы выдать новые, "
                   "добавьте --rotate (старые перестанут подходить).")


def register(group: click.Group) -> None:
    """Add the diary site's commands to the `journal` group."""
    from .build import build_command
    from .print_cli import register as register_print

    group.add_command(build_command)
    group.add_command(credentials_command)
    register_print(group)
