"""Issue 10's attacks on the static site, the diary build and the backups, replayed.

Each test tells how the hole was found and checks that it is closed: the backup that put
every diary's key on the web, the guardian whose name stopped every build, the school name
that redirected visitors, diaries grouped by class from file metadata.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

import models.diary as diary_model
from journal_cli import main
from models import database, db
from site_builder.build import build
from tests.outputs import CONTENT, FAST_ITERATIONS, open_page, tree


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
        assert "публикуется на сайте" in result.output, dest
        assert "ключами всех дневников" in result.output, dest
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


# 10.8: a name check that any class teacher could trip -----------------------------------

def build_command(runner, output: Path, today, *extra: str, content: Path = CONTENT):
    return runner.invoke(main, ["build", "--output", str(output), "--content", str(content),
                                "--today", today.isoformat(), "--workers", "1", *extra])


def test_a_guardian_named_like_the_diary_buttons_does_not_stop_the_build(
        browser, people, school, tmp_path, runner, monkeypatch):
    """The class teacher of 6А renamed a guardian «Открыть» («Пароль»), words of the shell
    every diary page shares: every `journal build`, `--full` too, refused to publish."""
    from models import Guardian, StudentGuardian

    monkeypatch.setattr(diary_model, "ITERATIONS", FAST_ITERATIONS)
    passwords = {s.id: diary_model.issue(s) for s in school.pupils5 + [school.pupil6]}
    guardian = Guardian.create(last_name="Шестакова", first_name="Ольга", middle_name="")
    StudentGuardian.create(student=school.pupil6, guardian=guardian, relation="мать")
    browser.login(people.class_teacher.login)
    response = browser.post(f"/setup/guardians/edit/?id={guardian.id}", {
        "last_name": "Открыть", "first_name": "Пароль", "middle_name": "", "phone": "",
        "email": ""})
    assert response.status_code == 302
    assert Guardian.get_by_id(guardian.id).last_name == "Открыть"

    output = tmp_path / "site-output"
    for extra in ((), ("--full",)):
        result = build_command(runner, output, school.today, *extra)
        assert result.exit_code == 0, result.output
        assert result.output.startswith("Сборка: страниц записано")
    access, password = passwords[school.pupil6.id]
    page = output / "site" / "d" / access.token / "index.html"
    assert "Шестаков Тест" in open_page(page, password)


@pytest.mark.parametrize("folder", ["news", "pages"])
def test_a_pupils_surname_in_a_news_item_or_page_is_refused_naming_the_card(
        school, tmp_path, runner, monkeypatch, folder):
    """A news item or page naming a pupil is still refused, and the refusal names the
    card, so that whoever builds can tell a leak from a namesake."""
    monkeypatch.setattr(diary_model, "ITERATIONS", FAST_ITERATIONS)
    diary_model.issue(school.pupil6)
    output = tmp_path / "site-output"
    assert build_command(runner, output, school.today).exit_code == 0
    before = {p: p.read_bytes() for p in every_file(output / "releases")}
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    (content / folder / "olimpiada.md").write_text(
        "Title: Итоги олимпиады\nDate: 2026-10-01\nSlug: olimpiada\n\n"
        "Первое место занял Шестаков из 6А класса.\n", "utf-8")
    result = build_command(runner, output, school.today, content=content)
    assert result.exit_code == 1
    assert (f"фамилия ученика {school.pupil6.id} (карточка «Шестаков Тест»)"
            in result.output), result.output
    assert f"{folder}/olimpiada.md" in result.output and "Сайт не обновлён" in result.output
    assert {p: p.read_bytes() for p in every_file(output / "releases")} == before


# 10.12: the school's name is text, not HTML ------------------------------------------------

def test_a_school_name_with_markup_cannot_redirect_the_visitors(school, tmp_path):
    """The name `…</title><meta http-equiv="refresh" …>` sent every visitor of the public
    pages elsewhere: Pelican's templates wrote settings unescaped."""
    from html.parser import HTMLParser

    from models import SchoolSettings

    name = ('Школа № 1</title><meta http-equiv="refresh" content="0;url=https://evil.example/">'
            '<script>alert(1)</script>')
    SchoolSettings.update(name=name).execute()
    build(tmp_path / "output", CONTENT, school.today)

    class Page(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.tags, self.title, self._in_title = [], "", False

        def handle_starttag(self, tag, attrs):
            self.tags.append((tag, dict(attrs)))
            self._in_title = tag == "title"

        def handle_endtag(self, tag):
            self._in_title = False

        def handle_data(self, data):
            if self._in_title:
                self.title += data

    site = tmp_path / "output" / "site"
    pages = [p for p in site.rglob("*.html") if "d" not in p.relative_to(site).parts]
    assert len(pages) >= 5
    for path in pages:
        page = Page()
        page.feed(path.read_text("utf-8"))
        assert not [a for t, a in page.tags if t == "meta" and "http-equiv" in a
                    and a["http-equiv"].lower() == "refresh"], path
        assert "script" not in [t for t, _ in page.tags], path
        assert page.title.endswith(name), path  # the name shown as the text it is
        assert "&lt;p&gt;" not in path.read_text("utf-8"), path  # Markdown is still HTML
    assert "<table>" in (site / "zvonki.html").read_text("utf-8")


# 10.13: a page opens only at its own address ---------------------------------------------

def test_a_diary_page_served_at_another_pages_address_does_not_open(school, tmp_path,
                                                                    monkeypatch):
    """Whoever controls the host put the marks page, or an older week, at the address of
    the current week: the pupil's key opened it there as well."""
    import datetime as dt

    from models import Mark
    from site_builder.pages import week_page

    monkeypatch.setattr(diary_model, "ITERATIONS", FAST_ITERATIONS)
    lesson = school.lesson(topic="Дроби")
    Mark.create(lesson=lesson, student=school.pupils5[0], value="2")
    access, password = diary_model.issue(school.pupils5[0])
    build(tmp_path / "output", CONTENT, school.today)
    folder = tmp_path / "output" / "site" / "d" / access.token
    monday = school.today - dt.timedelta(days=school.today.weekday())
    current, index = folder / week_page(monday), folder / "index.html"
    older = folder / week_page(monday - dt.timedelta(weeks=1))
    # The current week has two names, each bound to its own: two files, one text.
    assert open_page(current, password) == open_page(index, password)
    assert current.read_bytes() != index.read_bytes()
    assert "Дроби" in open_page(older, password)
    for page, address in ((folder / "marks.html", index), (older, current), (older, index),
                          (current, index), (index, folder / "news.html")):
        with pytest.raises(ValueError, match="изменена"):
            open_page(page, password, address=address)


# 10.14: nothing in the files' metadata groups the diaries by class -----------------------

def test_diaries_cannot_be_grouped_by_class_from_their_files(school, tmp_path, monkeypatch):
    """With directory listing on, /d/ listed every diary's address; and the diaries, written
    class after class, could be told apart by class from their files' inode numbers and
    modification times."""
    import random

    from models import Mark
    from site_builder import build as build_module
    from site_builder import publish
    from tests.school import SmallSchool

    monkeypatch.setattr(diary_model, "ITERATIONS", FAST_ITERATIONS)
    monkeypatch.setattr(build_module, "_order", random.Random(14))  # a shuffle, repeatable
    letters = iter("абвгдежзиклмнопрстуфхцчш")
    classes = {school.c5: school.pupils5, school.c6: [school.pupil6], school.c1: [school.pupil1]}
    for school_class, pupils in classes.items():
        pupils += [SmallSchool.pupil(f"Ученик{next(letters)}", school_class, school.start)
                   for _ in range(8 - len(pupils))]
    class_of = {diary_model.issue(p)[0].token: c.id for c, ps in classes.items() for p in ps}
    lesson = school.lesson(topic="Дроби")
    mark = Mark.create(lesson=lesson, student=school.pupils5[0], value="5")
    written: list[str] = []
    diary_folder = publish.Release.diary_folder
    monkeypatch.setattr(publish.Release, "diary_folder",
                        lambda release, token: written.append(token) or diary_folder(release,
                                                                                     token))
    output = tmp_path / "output"
    build(output, CONTENT, school.today, workers=1)

    site = output / "site"
    assert (site / "d" / "index.html").read_bytes() == b""  # no listing of the addresses
    assert sorted(written) == sorted(class_of)
    order = [class_of[token] for token in written]
    same = sum(a == b for a, b in zip(order, order[1:]))
    assert same <= 10, order  # written class by class, 21 of the 23 neighbours would be
    files = tree(site)
    folders = [site, *(site / "d" / token for token in class_of)]
    stamps = {p.stat().st_mtime for p in files + folders}
    assert len(stamps) == 1  # one time for every file and folder the build wrote
    [first] = stamps

    mark.value = "4"  # a page of the same size
    mark.save()
    before = {str(p.relative_to(site)): p.stat() for p in files}
    build(output, CONTENT, school.today, workers=1)
    after = {str(p.relative_to(site)): p.stat() for p in tree(site)}
    changed = {p for p in after if after[p].st_ino != before[p].st_ino}
    assert len(changed) == 2 and all(after[p].st_size == before[p].st_size for p in changed)
    # rsync's size-and-time check sees the rewritten pages: a later time, one for both.
    assert len({after[p].st_mtime for p in changed}) == 1
    assert all(after[p].st_mtime > first for p in changed)
    assert all(after[p].st_mtime == first for p in set(after) - changed)
