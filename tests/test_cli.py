"""The `journal` command as an administrator uses it."""
from __future__ import annotations

import sqlite3

from journal_cli import main
from models import Staff, database


def test_init_creates_the_database_once(backend_url, runner):
    first = runner.invoke(main, ["init"])
    assert first.exit_code == 0, first.output
    assert "База данных создана (версия схемы 2)" in first.output
    second = runner.invoke(main, ["init"])
    assert second.exit_code == 1
    assert "уже создана" in second.output and "journal migrate" in second.output


def test_user_add_list_and_passwd(backend_url, runner):
    runner.invoke(main, ["init"])
    added = runner.invoke(main, ["user", "add", "petrova.ii", "--name", "Петрова Ирина Ивановна",
                                 "--role", "deputy", "--role", "teacher"])
    assert added.exit_code == 0, added.output
    password = added.output.rsplit("пароль: ", 1)[1].strip()
    assert len(password) == 14 and password.count("-") == 2
    database.bind()
    user = Staff.get(Staff.login == "petrova.ii")
    assert user.role_set == {"deputy", "teacher"} and user.check_password(password)
    assert password not in user.password_hash

    listed = runner.invoke(main, ["user", "list"])
    assert "petrova.ii" in listed.output and "Петрова Ирина Ивановна" in listed.output
    assert "заместитель директора" in listed.output

    changed = runner.invoke(main, ["user", "passwd", "petrova.ii", "--password", "новый-пароль-1"])
    assert changed.exit_code == 0, changed.output
    assert Staff.get(Staff.login == "petrova.ii").check_password("новый-пароль-1")


def test_user_errors_are_clear_and_change_nothing(backend_url, runner):
    runner.invoke(main, ["init"])
    runner.invoke(main, ["user", "add", "a.b", "--name", "Ан Бе", "--password", "12345678"])
    cases = [
        (["user", "add", "a.b", "--name", "Ан Бе"], "уже существует"),
        (["user", "add", "c.d", "--name", "Одно"], "Укажите ФИО"),
        (["user", "add", "e.f", "--name", "Ан Бе", "--password", "123"], "не короче 8"),
        (["user", "add", "g h", "--name", "Ан Бе"], "Логин может содержать"),
        (["user", "add", "g.h", "--name", "Ан Бе", "--role", "janitor"], "janitor"),
        (["user", "passwd", "nobody"], "не найден"),
    ]
    for args, message in cases:
        result = runner.invoke(main, args)
        assert result.exit_code in (1, 2), (args, result.output)
        assert message in result.output, (args, result.output)
    database.bind()
    assert [u.login for u in Staff.select()] == ["a.b"]


def test_backup_of_a_live_sqlite_database(backend_url, runner, tmp_path):
    if not backend_url.startswith("sqlite"):
        result = runner.invoke(main, ["backup", str(tmp_path / "copy.sqlite3")])
        assert result.exit_code == 1 and "pg_dump" in result.output
        return
    runner.invoke(main, ["init"])
    runner.invoke(main, ["user", "add", "a.b", "--name", "Ан Бе"])
    dest = tmp_path / "copy.sqlite3"
    database.bind()
    database.db.connect()  # the panel is holding the database open
    result = runner.invoke(main, ["backup", str(dest)])
    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(dest)
    assert copy.execute("SELECT login FROM staff").fetchall() == [("a.b",)]
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    copy.close()
    refused = runner.invoke(main, ["backup", str(dest)])
    assert refused.exit_code == 1 and "--force" in refused.output
    assert not list(tmp_path.glob(".*.part"))
    missing = runner.invoke(main, ["backup", str(tmp_path / "no" / "such.sqlite3")])
    assert missing.exit_code == 1 and "не существует" in missing.output


def test_unreachable_database_is_reported(runner, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    result = runner.invoke(main, ["init"])
    assert result.exit_code == 1
    assert "Не удалось открыть базу данных" in result.output
