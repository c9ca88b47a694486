"""`journal build`: the public site and the encrypted diaries, as the security model says.

DESIGN section 5: no pupil's name in any clear byte of output/; pages decrypt with the
password to what the database holds; unchanged pages keep their bytes; a killed build
leaves the previous site in place.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import models.diary as diary_model
from models import (
    Attendance,
    Guardian,
    Holiday,
    Lesson,
    Mark,
    SchoolSettings,
    Student,
    database,
    db,
)
from site_builder import lock
from site_builder.build import build
from site_builder.pages import markdown, school_weeks
from tests.demo_school import TODAY
from tests.outputs import CONTENT, FAST_ITERATIONS, STAMP, issue_all, open_page, site_files, tree


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    """The demo school (40 pupils) with diary passwords for everyone, built once."""
    from click.testing import CliRunner

    from journal_cli import main
    from tests.conftest import BACKENDS, empty_database_url

    folder = tmp_path_factory.mktemp("demo-site")
    url = empty_database_url(BACKENDS[-1], folder)
    saved = {k: os.environ.get(k) for k in ("DATABASE_URL", "JOURNAL_INSTANCE")}
    os.environ.update(DATABASE_URL=url, JOURNAL_INSTANCE=str(folder / "instance"))
    iterations, diary_model.ITERATIONS = diary_model.ITERATIONS, FAST_ITERATIONS
    try:
        result = CliRunner().invoke(main, ["demo", "--no-serve", "--students", "40",
                                           "--today", TODAY])
        assert result.exit_code == 0, result.output
        database.bind(url)
        passwords = issue_all(Student.select())
        report = build(folder / "output", CONTENT, dt.date.fromisoformat(TODAY), workers=2)
        yield folder / "output", passwords, report
    finally:
        diary_model.ITERATIONS = iterations
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
        db.close()


def test_no_name_of_a_pupil_or_guardian_in_any_byte_of_output(demo_site):
    output, passwords, report = demo_site
    assert report.pupils == 40 and report.written > 40 * 10
    names = {n.encode() for model in (Student, Guardian)
             for row in model.select() for n in (row.last_name, row.first_name)}
    assert len(names) > 40
    files = tree(output)
    assert len(files) > 400 and len(tree(output / "site")) > 40 * 10
    for path in files:
        data = path.read_bytes()
        hits = [n.decode() for n in names if n in data]
        assert not hits, f"{path.relative_to(output)} shows {hits}"
        assert not re.search(rb"/d/[0-9a-f]{32}", data) or "/d/" in str(path), path


def test_two_processes_and_one_write_the_same_bytes(demo_site, tmp_path):
    output, _, report = demo_site
    alone = build(tmp_path / "output", CONTENT, dt.date.fromisoformat(TODAY), workers=1)
    assert (alone.pupils, alone.written) == (report.pupils, report.written)
    assert {p: b for p, (_, b) in site_files(tmp_path / "output").items()} == {
        p: b for p, (_, b) in site_files(output).items()}


def test_a_copy_with_the_links_followed_is_the_whole_site(demo_site, tmp_path):
    """What `rsync -aL` or `cp -rL` puts on a static host: every page, as a plain file."""
    output, passwords, _ = demo_site
    site = output / "site"
    access, password = next(iter(passwords.values()))
    assert (site / "d" / access.token).is_symlink()  # one link per diary, into the store
    copy = tmp_path / "www"
    shutil.copytree(site, copy)  # follows symlinks, as rsync -L does
    assert not any(p.is_symlink() for p in copy.rglob("*"))
    copied = {str(p.relative_to(copy)): p.read_bytes() for p in tree(copy)}
    assert copied.pop(STAMP) == (output / "site" / STAMP).read_bytes()
    assert copied == {p: b for p, (_, b) in site_files(output).items()}
    page = copy / "d" / access.token / "index.html"
    assert "<h1>Неделя" in open_page(page, password)


def test_public_pages_robots_and_no_diary_listing(demo_site):
    output, _, _ = demo_site
    site = output / "site"
    assert (site / "robots.txt").read_text() == "User-agent: *\nDisallow: /d/\n"
    for page in ("index.html", "o-shkole.html", "zvonki.html", "kak-otkryt-dnevnik.html",
                 "news/nachalo-goda.html"):
        html = (site / page).read_text()
        assert "<html lang=\"ru\">" in html and "/d/" not in html, page
    assert not list(site.glob("feeds/*")) and not (site / "sitemap.xml").exists()
    assert not (site / "archives.html").exists() and not (site / "tags.html").exists()


def test_a_week_page_decrypts_to_what_the_database_holds(demo_site):
    output, passwords, _ = demo_site
    monday = dt.date.fromisoformat(TODAY) - dt.timedelta(days=7)
    monday -= dt.timedelta(days=monday.weekday())
    week = (Lesson.date >= monday) & (Lesson.date < monday + dt.timedelta(days=7))
    mark = Mark.select().join(Lesson).where(week).order_by(Mark.id).first()
    student = mark.student
    access, password = passwords[student.id]
    page = output / "site" / "d" / access.token / f"week-{monday.isoformat()}.html"
    html = open_page(page, password.lower().replace("-", " "))
    assert f"{student.last_name} {student.first_name}" in html
    lessons = Lesson.select().where(week & (Lesson.school_class == mark.lesson.school_class))
    shown = {x.id for x in lessons if x.subgroup_id is None}
    for lesson in Lesson.select().where(Lesson.id.in_(shown)):
        if lesson.homework:
            assert str(markdown(lesson.homework)) in html
    marks = [m.value for m in Mark.select().join(Lesson).where(week & (Mark.student == student))]
    found = re.findall(r'class="d-mark"[^>]*>([^<]+)<', html)
    assert sorted(found) == sorted(marks)
    absences = [a.code for a in Attendance.select().join(Lesson)
                .where(week & (Attendance.student == student))]
    assert sorted(re.findall(r'class="d-att"[^>]*>([^<]+)<', html)) == sorted(absences)
    with pytest.raises(ValueError):
        open_page(page, "AAAA-BBBB-CCCC")


def test_one_changed_mark_rewrites_only_that_pupils_affected_pages(small_site, school):
    output, passwords, lesson = small_site
    before = site_files(output)
    mark = Mark.get()
    mark.value = "4"
    mark.save()
    report = build(output, CONTENT, school.today)
    after = site_files(output)
    assert set(after) == set(before)
    changed = {path for path in after if after[path][1] != before[path][1]}
    token = passwords[school.pupils5[0].id][0].token
    monday = lesson.date - dt.timedelta(days=lesson.date.weekday())
    assert changed == {f"d/{token}/week-{monday.isoformat()}.html", f"d/{token}/marks.html"}
    assert report.rendered == 1 and report.written == 2
    unchanged = set(after) - changed
    assert all(after[p][0] == before[p][0] for p in unchanged)  # same inode: not rewritten


def test_a_six_day_week_or_a_new_holiday_rewrites_the_diaries_it_changes(small_site, school):
    """The days a week shows come from the calendar (SchoolCalendar.week_days): a change of
    the grade's week or of the year's holidays is a change of the pages it touches."""
    output, passwords, _ = small_site
    SchoolSettings.update(six_day_grades="5").execute()
    report = build(output, CONTENT, school.today)
    weeks = len(school_weeks(school.start, school.today))
    assert report.rendered == 3 and report.written == 3 * (weeks + 1)  # 5А's weeks and index
    day = school.today - dt.timedelta(days=14)
    Holiday.create(year=school.year, name="День учителя", start=day, end=day)
    before = site_files(output)
    report = build(output, CONTENT, school.today)
    assert report.rendered == 4 and report.written == 4
    after = site_files(output)
    monday = day - dt.timedelta(days=day.weekday())
    token = passwords[school.pupil6.id][0].token
    assert {p for p in after if after[p][1] != before[p][1] and token in p} == {
        f"d/{token}/week-{monday.isoformat()}.html"}


def test_the_store_keeps_only_what_the_live_and_previous_site_show(small_site, school):
    output, _, _ = small_site
    for value in ("4", "3", "2"):
        mark = Mark.get()
        mark.value = value
        mark.save()
        build(output, CONTENT, school.today)
    releases = sorted((output / "releases").iterdir())
    assert len(releases) == 2  # the live one and the one before
    shown = {os.path.basename(os.readlink(link)) for release in releases
             for link in (release / "d").iterdir() if link.is_symlink()}
    assert set(os.listdir(output / "store")) == shown
    assert len(shown) == 4 + 1  # four pupils, one of them re-rendered in the last build


def test_full_rebuild_keeps_the_bytes_of_unchanged_pages(small_site, school):
    output, _, _ = small_site
    before = site_files(output)
    report = build(output, CONTENT, school.today, full=True)
    assert report.rendered == 4 and report.written == 0
    assert {p: b for p, (_, b) in site_files(output).items()} == {
        p: b for p, (_, b) in before.items()}


def test_a_name_in_clear_stops_the_build_and_keeps_the_site(small_site, school, tmp_path):
    output, _, _ = small_site
    before = site_files(output)
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    (content / "pages" / "leak.md").write_text(
        f"Title: Отличники\nSlug: leak\n\nПоздравляем: {school.pupils5[0].last_name}!\n")
    with pytest.raises(Exception, match="Сборка остановлена"):
        build(output, content, school.today)
    assert site_files(output) == before
    assert not list((output / "releases").glob(".tmp-*"))


KILLED_BUILD = """
import sys, time, datetime as dt
from pathlib import Path
from models import database
from site_builder import build as build_module
database.bind(sys.argv[1])
build_module.PARALLEL_FROM = 1  # even four pupils go to the worker processes
build_module.build(Path(sys.argv[2]), Path(sys.argv[3]), dt.date.fromisoformat(sys.argv[4]),
                   full=True, progress=lambda n: time.sleep(0.5), workers=int(sys.argv[5]))
"""


def lock_held(output: Path) -> bool:
    """Whether some process still holds the build lock: a worker's command line is gone from
    /proc a moment before the kernel closes its files (and releases its flock)."""
    fd = os.open(output / lock.NAME, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def processes_with(argument: str) -> list[int]:
    """Running processes whose command line holds this argument (a build's and its workers')."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and argument.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            pass
    return found


@pytest.mark.parametrize("workers", [1, 2])
def test_a_killed_build_leaves_the_previous_site_complete(small_site, school, backend_url,
                                                          workers):
    output, _, _ = small_site
    before = site_files(output)
    db.close()
    child = subprocess.Popen([sys.executable, "-c", KILLED_BUILD, backend_url, str(output),
                              str(CONTENT), school.today.isoformat(), str(workers)])
    deadline = time.monotonic() + 30
    stored = set(os.listdir(output / "store"))
    # Killed once it has written a diary page (into a new store folder).
    while not any(p.is_file() for p in (output / "store").glob("*/*")
                  if p.parent.name not in stored):
        assert time.monotonic() < deadline and child.poll() is None, "the build never started"
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert site_files(output) == before  # same files, same bytes, same inodes
    assert list((output / "releases").glob(".tmp-*"))  # the half-built release was left…
    while processes_with(str(output)) or lock_held(output):  # …and no worker lives on
        assert time.monotonic() < deadline, "a worker process outlived the killed build"
        time.sleep(0.1)
    build(output, CONTENT, school.today)
    assert not list((output / "releases").glob(".tmp-*"))  # …and the next build removes it
    shown = {os.path.basename(os.readlink(link)) for release in (output / "releases").iterdir()
             for link in (release / "d").iterdir() if link.is_symlink()}
    assert set(os.listdir(output / "store")) == shown  # with the killed build's store folders


def test_a_rotated_password_reencrypts_only_that_pupil(small_site, school):
    output, passwords, _ = small_site
    before = site_files(output)
    pupil = school.pupils5[1]
    old_access, old_password = passwords[pupil.id]
    access, new_password = diary_model.issue(pupil, rotate=True)
    assert access.token == old_access.token and new_password != old_password
    report = build(output, CONTENT, school.today)
    after = site_files(output)
    changed = {p for p in after if after[p][1] != before[p][1]}
    assert changed == {p for p in after if p.startswith(f"d/{access.token}/")}
    assert report.rendered == 1
    page = output / "site" / "d" / access.token / "index.html"
    assert "Петрова" in open_page(page, new_password)
    with pytest.raises(ValueError):
        open_page(page, old_password)


def test_build_command_says_one_line_and_runs_the_publish_command(small_site, school,
                                                                  runner, tmp_path):
    from journal_cli import main

    output, _, _ = small_site
    marker = tmp_path / "published.txt"
    result = runner.invoke(main, ["build", "--output", str(output), "--content", str(CONTENT),
                                  "--today", school.today.isoformat(),
                                  "--workers", "1",
                                  "--publish", f'echo "$JOURNAL_SITE" > "{marker}"'])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Сборка: страниц записано 0, без изменений ")
    assert marker.read_text().strip() == str((output / "site").resolve())
    failed = runner.invoke(main, ["build", "--output", str(output), "--content", str(CONTENT),
                                  "--publish", "exit 3"])
    assert failed.exit_code == 1 and "публикация не удалась (код 3)" in failed.output


def test_the_next_day_of_the_same_week_rewrites_nothing(small_site, school):
    output, _, _ = small_site
    before = site_files(output)
    step = 1 if school.today.weekday() < 6 else -1  # another day of the same week
    day = school.today + dt.timedelta(days=step)
    report = build(output, CONTENT, day)
    assert report.rendered == 0 and report.written == 0
    # Only the build's stamp («данные на …», no pupil's data) says the data is a day newer.
    assert site_files(output) == before
    stamp = json.loads((output / "site" / STAMP).read_text())
    assert stamp["built"].startswith(f"{day:%d.%m.%Y}, ")


def test_a_diary_page_with_a_clear_payload_is_never_published(small_site, school,
                                                               monkeypatch):
    from site_builder import build as build_module

    output, _, _ = small_site
    before = site_files(output)
    mark = Mark.get()
    mark.value = "3"
    mark.save()
    monkeypatch.setattr(build_module.crypto, "encrypt_page",  # a bug that forgets to encrypt
                        lambda key, salt, iterations, path, html: json.dumps(
                            {"ct": html}, ensure_ascii=False))
    with pytest.raises(Exception, match="не зашифрованы|Сборка остановлена"):
        build(output, CONTENT, school.today)
    assert site_files(output) == before


def test_teachers_markdown_is_rendered_and_sanitised_in_the_diary(school, tmp_path,
                                                                  monkeypatch):
    """Topic and homework are Markdown a teacher typed: lists and links work, nothing runs."""
    monkeypatch.setattr(diary_model, "ITERATIONS", FAST_ITERATIONS)
    homework = ("1. № 5 на стр. 12\n2. [таблица](https://example.org/t)\n\n"
                "<script>alert(1)</script><img src=x onerror=alert(2)> "
                "[ссылка](javascript:alert(3)) <b style='color:red'>жирно</b>")
    school.lesson(topic="Дроби *и* проценты", homework=homework)
    school.lesson(day=school.today - dt.timedelta(days=8), topic="- пункт",
                  homework="| a | b |\n|---|---|\n| 1 | 2 |")
    access, password = diary_model.issue(school.pupils5[0])
    build(tmp_path / "output", CONTENT, school.today)
    monday = school.today - dt.timedelta(days=7)
    monday -= dt.timedelta(days=monday.weekday())
    page = tmp_path / "output" / "site" / "d" / access.token / f"week-{monday.isoformat()}.html"
    html = open_page(page, password)
    assert "<li>№ 5 на стр. 12</li>" in html and "<em>и</em>" in html
    assert '<a href="https://example.org/t" rel="noopener noreferrer nofollow">' in html
    assert "<b>жирно</b>" in html
    for bad in ("<script", "alert(1)", "onerror", "javascript:", "style="):
        assert bad not in html, bad
    # The converter is reused: what came before never changes what comes out.
    texts = ["- пункт", "| a | b |\n|---|---|\n| 1 | 2 |", homework, "Дроби *и* проценты"]
    first = [markdown.__wrapped__(text) for text in texts]
    assert [markdown.__wrapped__(text) for text in reversed(texts)][::-1] == first
    assert first[0] == "<ul>\n<li>пункт</li>\n</ul>" and "<td>1</td>" in first[1]


def test_a_diary_shows_only_lessons_the_pupil_was_in_the_journal_for(school, tmp_path,
                                                                     monkeypatch):
    """Rule 8 in the diary: a subgroup's lesson only for its members; after a move to
    another class, that class's lessons, not the old one's."""
    from models import Movement

    monkeypatch.setattr(diary_model, "ITERATIONS", FAST_ITERATIONS)
    member, other, mover = school.pupils5
    day = school.today - dt.timedelta(days=7)
    school.lesson(day=day, subject=school.english, subgroup=school.group1, number=1,
                  topic="Группа один")
    school.lesson(day=day, number=2, topic="Весь класс до перевода")
    Movement.create(student=mover, kind="moved", date=day + dt.timedelta(days=1),
                    school_class=school.c6)
    school.lesson(day=day + dt.timedelta(days=1), number=1, topic="Пятый после перевода")
    school.lesson(school.c6, day=day + dt.timedelta(days=1), number=1,
                  topic="Шестой после перевода")
    passwords = {s.id: diary_model.issue(s) for s in (member, other, mover)}
    build(tmp_path / "output", CONTENT, school.today)
    monday = day - dt.timedelta(days=day.weekday())

    def week(student) -> str:
        access, password = passwords[student.id]
        page = tmp_path / "output" / "site" / "d" / access.token / \
            f"week-{monday.isoformat()}.html"
        return open_page(page, password)

    shown = {s.last_name: {t for t in ("Группа один", "Весь класс до перевода",
                                       "Пятый после перевода", "Шестой после перевода")
                           if t in week(s)} for s in (member, other, mover)}
    assert shown == {
        "Иванов": {"Группа один", "Весь класс до перевода", "Пятый после перевода"},
        "Петрова": {"Весь класс до перевода", "Пятый после перевода"},
        "Сидоров": {"Весь класс до перевода", "Шестой после перевода"},
    }


def test_a_new_unlock_script_or_page_format_rewrites_every_diary(small_site, school,
                                                                monkeypatch):
    """Diaries whose data did not change are carried over: not when the shell around their
    pages or the encryption changed (a fix to unlock.js must reach every page)."""
    from site_builder import shell

    output, _, _ = small_site
    monkeypatch.setattr(shell, "assets_version", lambda: "a-new-unlock-script")
    report = build(output, CONTENT, school.today)
    assert report.rendered == report.pupils == 4


def test_a_page_pelican_cannot_read_stops_the_build_and_keeps_the_site(small_site, school,
                                                                        runner, tmp_path):
    """Pelican logs an unreadable page and goes on without it: the build must not."""
    from journal_cli import main

    output, _, _ = small_site
    before = site_files(output)
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    (content / "news" / "broken.md").write_text("Title: Каникулы\nDate: тридцатое\n\nТекст.\n")
    result = runner.invoke(main, ["build", "--output", str(output), "--content", str(content),
                                  "--today", school.today.isoformat(), "--workers", "1"])
    assert result.exit_code == 1, result.output
    [line] = result.output.splitlines()
    assert line.startswith("Error: Сборка остановлена: Pelican сообщил об ошибке:"), line
    assert "broken.md" in line and line.endswith("Сайт не обновлён.")
    assert site_files(output) == before
    assert not list((output / "releases").glob(".tmp-*"))


def test_a_plain_pelican_run_with_the_plugin_gets_no_diary_generator(tmp_path):
    """The plugin's receiver stays connected once registered: a Pelican run that `journal
    build` did not configure (no diary job in its settings) runs without the generator."""
    from pelican import Pelican
    from pelican.settings import read_settings

    from site_builder import plugin

    content, site = tmp_path / "content", tmp_path / "site"
    content.mkdir()
    (content / "hello.md").write_text("Title: Привет\nDate: 2026-09-01\n\nТекст.\n")
    pelican = Pelican(read_settings(override={
        "PATH": str(content), "OUTPUT_PATH": str(site), "PLUGINS": [plugin],
        "TIMEZONE": "Europe/Moscow", "CACHE_CONTENT": False, "LOAD_CONTENT_CACHE": False}))
    assert plugin.get_generators(pelican) is None
    pelican.run()  # the diary generator would fail here for want of a job
    assert (site / "index.html").exists() and not (site / "d").exists()
    configured = Pelican(read_settings(override={
        "PATH": str(content), "OUTPUT_PATH": str(site), "PLUGINS": [plugin],
        plugin.JOB: object()}))
    assert plugin.get_generators(configured) is plugin.DiaryGenerator
