"""`journal backup` and `journal restore`: the SQLite database copied online (optionally
encrypted, rotated) and brought back (models/backup.py)."""
from __future__ import annotations

import os
from pathlib import Path

import click

from . import backup, database
from .backup_format import MIN_PASSPHRASE, Secret, read_key, read_passphrase
from .base import RuleError
from .destination import check_destination

BACKUP = ("резервную копию базы с ключами всех дневников", "instance/journal-backup.sqlite3",
          "")
KEY = ("ключ, открывающий резервные копии", "/root/journal-backup.key",
       ": копии, зашифрованные прежним ключом, без него не восстановить")
PLAIN_WARNING = ("Внимание: копия НЕ зашифрована. В ней ключи всех дневников и хэши паролей "
                 "сотрудников: кто получит файл, откроет любой дневник. Шифруйте копии: "
                 "--key-file или --passphrase-file (см. journal backup --help).")
# Never a passphrase on the command line, where `ps` shows it to every local user.
SECRET_OPTIONS = [
    click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path),
                 help="Файл ключа (его создаёт journal backup --new-key)."),
    click.option("--passphrase-file", type=click.Path(dir_okay=False, path_type=Path),
                 help="Файл, первая строка которого — пароль копии (или переменная "
                      "окружения JOURNAL_BACKUP_PASSPHRASE; в командной строке пароль "
                      "увидел бы любой через ps)."),
    click.option("--ask-passphrase", is_flag=True,
                 help="Спросить пароль копии (ввод не отображается)."),
]


def with_secret(command):
    for option in reversed(SECRET_OPTIONS):
        command = option(command)
    return command


def read_secret(key_file: Path | None, passphrase_file: Path | None, ask: bool,
                new: bool) -> Secret | None:
    """The key or passphrase the options (or JOURNAL_BACKUP_PASSPHRASE) give; None: none."""
    if sum(map(bool, (key_file, passphrase_file, ask))) > 1:
        raise RuleError("Укажите что-то одно: --key-file, --passphrase-file или "
                        "--ask-passphrase.")
    if key_file:
        return Secret(key=read_key(key_file))
    if ask:
        passphrase = click.prompt("Пароль копии", hide_input=True, confirmation_prompt=new)
    elif passphrase_file:
        passphrase = read_passphrase(passphrase_file)
    else:
        passphrase = os.environ.get("JOURNAL_BACKUP_PASSPHRASE")
    if not passphrase:
        return None
    if new and len(passphrase) < MIN_PASSPHRASE:
        raise RuleError(f"Пароль копии короче {MIN_PASSPHRASE} символов: возьмите "
                        "несколько слов или файл ключа (--new-key).")
    return Secret(passphrase=passphrase)


@click.command("backup")
@click.argument("dest", required=False, type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Перезаписать существующий файл.")
@with_secret
@click.option("--keep", type=click.IntRange(1), metavar="N",
              help="DEST — папка: копия получает имя journal-ГГГГ-ММ-ДД-ЧЧММСС.sqlite3[.enc], "
                   "из таких копий в папке остаются N новейших, другие файлы не трогаются.")
@click.option("--new-key", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Только создать новый файл ключа FILE (0600) для --key-file.")
def backup_command(dest: Path | None, force: bool, key_file: Path | None,
                   passphrase_file: Path | None, ask_passphrase: bool, keep: int | None,
                   new_key: Path | None) -> None:
    """Сделать резервную копию базы SQLite в файл или папку DEST (онлайн, без остановки)."""
    if new_key:
        if dest:
            raise RuleError("--new-key только создаёт ключ: запустите копирование отдельно.")
        # The key opens every backup: never in the site; an existing one only with --force.
        backup.write_key(check_destination(new_key, force, KEY))
        click.echo(f"Ключ записан: {new_key} (читает только владелец). Храните его копию вне "
                   "этого сервера (на бумаге или флешке в сейфе): без ключа копии не "
                   "восстановить.")
        return
    if dest is None:
        raise click.UsageError("Укажите файл или папку DEST.")
    secret = read_secret(key_file, passphrase_file, ask_passphrase, new=True)
    database.bind()
    if keep and not dest.is_dir():
        raise RuleError(f"--keep — для папки с копиями, а {dest} не папка.")
    path = dest / backup.backup_name(backup.school_now(), bool(secret)) if dest.is_dir() else dest
    # The copy holds every diary's key: in the site, it would open every diary.
    check_destination(path, force, BACKUP)
    backup.backup(path, secret)
    click.echo(f"Резервная копия записана: {path} ({path.stat().st_size // 1024} КБ"
               + (", зашифрована)" if secret else ")"))
    if not secret:
        click.echo(PLAIN_WARNING)
    if keep:
        kept, removed = backup.rotate(dest, keep)
        click.echo(f"Копий в {dest}: {len(kept)} (хранятся {keep} новейших); удалено старых: "
                   f"{len(removed)}"
                   + (f" ({', '.join(p.name for p in removed)})." if removed else "."))


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_secret
@click.option("--force", is_flag=True,
              help="Заменить существующую базу (прежняя сохраняется рядом).")
def restore_command(file: Path, key_file: Path | None, passphrase_file: Path | None,
                    ask_passphrase: bool, force: bool) -> None:
    """Восстановить базу SQLite из резервной копии FILE (панель должна быть остановлена)."""
    secret = read_secret(key_file, passphrase_file, ask_passphrase, new=False)
    database.bind()
    for line in backup.restore(file, secret, force):
        click.echo(line)
    click.echo("Готово. Запустите панель: journal serve.")


COMMANDS = [backup_command, restore_command]
