"""Issue 10's attacks on the static site, the diary build and the backups, replayed.

Each test tells how the hole was found and checks that it is closed: the backup that put
every diary's key on the web, the guardian whose name stopped every build, the school name
that redirected visitors, diaries grouped by class from file metadata.
"""
from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

import models.diary as diary_model
from journal_cli import main
from models import database, db
from site_builder.build import build

CONTENT = Path(__file__).resolve().parent.parent / "content"
FAST_ITERATIONS = 1000


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def every_file(root: Path) -> set[Path]:
    return {Path(folder, name) for folder, _dirs, names in os.walk(root) for name in names}


@pytest.fixture
def usual_umask():
    """The umask of an administrator's shell: files SQLite creates would be 0644."""
    old = os.umask(0o022)
    yield
    os.umask(old)


# 10.3: backups and the database file -----------------------------------------------------

@pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)
def test_a_backup_into_the_published_site_is_refused_and_writes_nothing(
        school, tmp_path, runner, monkeypatch, usual_umask):
    """The attacker's find: `journal backup output/site/x` put the database, with every
    diary's AES key, beside the published pages; a diary opened without its password."""
    monkeypatch.setattr(diary_model, "ITERATIONS", FAST_ITERATIONS)
    diary_model.issue(school.pupils5[0])
    monkeypatch.chdir(tmp_path)
    build(Path("output"), CONTENT, school.today)  # JOURNAL_OUTPUT is tmp_path/output too
    elsewhere = tmp_path / "www"
    build(elsewhere, CONTENT, school.today)  # a site built with --output somewhere else
    db.close()
    before = every_file(tmp_path)
    for dest in ("output/site/journal.sqlite3", "output/site/d/backup.sqlite3",
                 "output/backup.sqlite3", "output/store/backup.sqlite3",
                 str(elsewhere / "site" / "backup.sqlite3"), str(elsewhere / "x.sqlite3")):
        result = runner.invoke(main, ["backup", dest])
        assert result.exit_code == 1, (dest, result.output)
        assert "публикуется на сайте" in result.output and "ключами всех дневников" in result.output, dest
    assert every_file(tmp_path) == before  # not even a partial file

    private = tmp_path / "instance" / "backup.sqlite3"
    result = runner.invoke(main, ["backup", str(private)])
    assert result.exit_code == 0, result.output
    assert mode(private) == 0o600
    copy = sqlite3.connect(private)
    assert copy.execute("SELECT count(*) FROM diary_access").fetchone() == (1,)
    copy.close()


@pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)
def test_the_database_files_are_readable_by_their_owner_only(backend_url, runner, tmp_path,
                                                            usual_umask):
    """The database, its -wal and -shm were 0644: any local account could copy the keys."""
    assert runner.invoke(main, ["init"]).exit_code == 0
    path = tmp_path / "journal.sqlite3"
    database.bind()
    db.connect()
    db.execute_sql("UPDATE school_settings SET name = 'Школа'")  # the -wal and -shm exist
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    assert all(p.exists() for p in files)
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
    db.close()


@pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)
def test_a_database_made_world_readable_by_an_older_version_is_closed_on_open(
        backend_url, runner, tmp_path, usual_umask):
    assert runner.invoke(main, ["init"]).exit_code == 0
    path = tmp_path / "journal.sqlite3"
    path.chmod(0o644)
    database.bind()
    db.connect()
    assert mode(path) == 0o600
    db.close()
