"""CLI commands for the database: init, migrate, user (and the calendar's: check, year; the
backups': backup, restore)."""
from __future__ import annotations

import click

from . import database
from .audit_chain import COMMANDS as AUDIT_COMMANDS
from .backup_cli import COMMANDS as BACKUP_COMMANDS
from .base import RuleError
from .calendar_cli import COMMANDS as CALENDAR_COMMANDS
from .import_cli import COMMANDS as IMPORT_COMMANDS
from .people import ROLES, Staff
from .school import SchoolSettings


@click.command("init")
def init_command() -> None:
    """Создать новую пустую базу данных."""
    database.bind()
    database.create_schema()
    SchoolSettings.current()
    applied, _ = database.schema_status()
    click.echo(f"База данных создана (версия схемы {applied}): {database.database_url()}")


@click.command("migrate")
def migrate_command() -> None:
    """Обновить схему базы данных до текущей версии."""
    database.bind()
    before, known = database.schema_status()
    applied = database.migrate()
    for name in applied:
        click.echo(f"применена миграция {name}")
    click.echo(f"Версия схемы: {before} → {database.schema_status()[0]} (последняя {known}).")


@click.group("user")
def user_group() -> None:
    """Учётные записи сотрудников."""


def _name_parts(full_name: str) -> list[str]:
    parts = full_name.split()
    if not 2 <= len(parts) <= 3:
        raise RuleError("Укажите ФИО: фамилию, имя и (необязательно) отчество.")
    return parts + [""] * (3 - len(parts))


HAND_OVER = ("Передайте пароль сотруднику лично; после первого входа он сменит его "
             "в панели («Сменить пароль»).")


def _new_password(user: Staff, password: str | None) -> str:
    """Set the password given, or a generated one (an empty one given is none given); the
    password to show."""
    if password:
        user.set_password(password)
        return password
    return user.issue_password()


@user_group.command("add")
@click.argument("login")
@click.option("--name", "full_name", required=True, help="Фамилия Имя Отчество.")
@click.option("--role", "roles", multiple=True, default=["teacher"], show_default=True,
              type=click.Choice(list(ROLES)), help="Роль; можно указать несколько раз.")
@click.option("--password", help="Пароль; без него будет создан и напечатан новый.")
def user_add(login: str, full_name: str, roles: tuple[str, ...], password: str | None) -> None:
    """Создать учётную запись сотрудника LOGIN."""
    database.bind()
    if Staff.get_or_none(Staff.login == login):
        raise RuleError(f"Пользователь {login} уже существует.")
    last, first, middle = _name_parts(full_name)
    user = Staff(login=login, last_name=last, first_name=first, middle_name=middle,
                 roles=",".join(roles))
    # Never an account without a password: none given (or an empty one), one is made.
    shown = _new_password(user, password)
    user.save()
    if not password:
        click.echo(HAND_OVER)
    click.echo(f"Создан {login} ({', '.join(ROLES[r] for r in roles)})"
               + ("" if password else f", пароль: {shown}"))


@user_group.command("passwd")
@click.argument("login")
@click.option("--password", help="Новый пароль; без него будет создан и напечатан новый.")
def user_passwd(login: str, password: str | None) -> None:
    """Сменить пароль сотрудника LOGIN (его другие сеансы завершатся)."""
    database.bind()
    user = Staff.get_or_none(Staff.login == login)
    if user is None:
        raise RuleError(f"Пользователь {login} не найден.")
    shown = _new_password(user, password)
    user.save()
    if not password:
        click.echo(HAND_OVER)
    click.echo(f"Пароль {login} изменён" + ("." if password else f": {shown}"))


@user_group.command("list")
def user_list() -> None:
    """Список сотрудников с ролями."""
    database.bind()
    for user in Staff.select().order_by(Staff.last_name, Staff.first_name):
        state = "" if user.is_active else " [отключён]"
        roles = ", ".join(ROLES[r] for r in sorted(user.role_set))
        click.echo(f"{user.login:<24} {user.full_name:<40} {roles}{state}")


def register(group: click.Group) -> None:
    """Add the database commands to the `journal` group."""
    for command in (init_command, migrate_command, *BACKUP_COMMANDS, user_group,
                    *CALENDAR_COMMANDS, *AUDIT_COMMANDS, *IMPORT_COMMANDS):
        group.add_command(command)
