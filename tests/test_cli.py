"""The `journal` command as an administrator uses it."""
from __future__ import annotations

import sqlite3

from journal_cli import main
from models import Staff, database
from tests.school import LATEST_SCHEMA


def test_init_creates_the_database_once(backend_url, runner):
    first = runner.invoke(main, ["init"])
    assert first.exit_code == 0, first.output
    assert f"База данных создана (версия схемы {LATEST_SCHEMA})" in first.output
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


def test_serve_runs_the_panel_on_waitress(backend_url, runner, tmp_path):
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    assert "journal init" in runner.invoke(main, ["serve"]).output  # empty database refused
    runner.invoke(main, ["init"])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-c", "from journal_cli import main; main()", "serve",
         "--port", str(port)], env=os.environ.copy(), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(100):
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("the panel did not start")
        html = page.read().decode()
        assert page.status == 200 and "Вход в электронный журнал" in html
        assert page.headers["Server"] == "journal"  # waitress's ident, not a dev server
        cookie = page.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o077 == 0
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    assert f"http://127.0.0.1:{port}/" in output
