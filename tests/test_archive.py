"""The period archive (issue 18, rule 11): each class's journal of a locked period written
as `год_период_класс.pdf` into the private archive folder, registered with its SHA-256,
verified, never rewritten while the journal stays the same, and a new version next to the
old one when a reopened journal was changed."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
import time

import pytest

from journal_cli import main
from models import ArchiveFile, AuditEntry, Mark, Period, Reopening, database
from models import archive as arc
from models.calendar import lock_lifted
from site_builder import background
from tests.panel import Browser, text

DAY = dt.timedelta(days=1)


@pytest.fixture
def locked(school):
    """The small school with its 1st quarter ended three weeks ago (so its journal is
    locked) and a maths lesson of 5А in it with a mark."""
    Period.update(end=school.today - 21 * DAY).where(Period.id == school.period.id).execute()
    school.period = Period.get_by_id(school.period.id)
    day = school.school_days(school.start, school.period.end)[-1]
    with lock_lifted("тест: урок закрытого периода"):
        lesson = school.lesson(day=day, topic="Дроби")
        Mark.create(lesson=lesson, student=school.pupils5[0], value="4")
    school.locked_lesson = lesson
    return school


def archive(runner, *args):
    return runner.invoke(main, ["archive", "--period", "1-я четверть", *args])


def folder():
    return database.instance_path().resolve() / "archive"


def test_the_period_archive_is_written_and_registered_with_its_sha256(locked, runner):
    result = archive(runner)
    assert result.exit_code == 0, result.output
    name = "Тестовый-год_1-четверть_5А.pdf"
    assert f"5А: записан {name}" in result.output
    entries = {e.file_name: e for e in ArchiveFile.select()}
    assert set(entries) == {name, "Тестовый-год_1-четверть_1А.pdf",
                            "Тестовый-год_1-четверть_6А.pdf"}
    for file_name, entry in entries.items():
        data = (folder() / file_name).read_bytes()
        assert data.startswith(b"%PDF")
        assert entry.sha256 == hashlib.sha256(data).hexdigest()
        assert (entry.size, entry.version, entry.created_by_id) == (len(data), 1, None)
        assert entry.pages >= 1 and re.fullmatch(r"[0-9a-f]{64}", entry.fingerprint)
    assert oct((folder()).stat().st_mode & 0o777) == oct(0o700)
    assert {oct(p.stat().st_mode & 0o777) for p in folder().iterdir()} == {oct(0o600)}
    verified = runner.invoke(main, ["archive", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "Проверено файлов: 3; все в порядке." in verified.output


def test_the_file_name_follows_year_period_class(real_school):
    q1 = Period.get((Period.year == real_school.year.id) & (Period.number == 1))
    assert arc.file_name(real_school.c5, q1) == "2026-2027_1-четверть_5А.pdf"
    assert arc.file_name(real_school.c5, q1, 2) == "2026-2027_1-четверть_5А_v2.pdf"


def test_re_running_an_unchanged_period_rewrites_nothing(locked, runner):
    assert archive(runner).exit_code == 0
    path = folder() / "Тестовый-год_1-четверть_5А.pdf"
    before = path.stat()
    rows = list(ArchiveFile.select().order_by(ArchiveFile.id).tuples())
    again = archive(runner)
    assert again.exit_code == 0, again.output
    assert "5А: без изменений" in again.output and "Записано файлов: 0" in again.output
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert list(ArchiveFile.select().order_by(ArchiveFile.id).tuples()) == rows
    assert sorted(p.name for p in folder().iterdir()) == sorted(r[3] for r in rows)


def test_verify_finds_a_changed_byte_and_a_deleted_file(locked, runner):
    assert archive(runner).exit_code == 0
    changed = folder() / "Тестовый-год_1-четверть_5А.pdf"
    data = bytearray(changed.read_bytes())
    data[len(data) // 2] ^= 1
    changed.write_bytes(bytes(data))
    (folder() / "Тестовый-год_1-четверть_6А.pdf").unlink()
    result = runner.invoke(main, ["archive", "verify"])
    assert result.exit_code == 1
    assert "Тестовый-год_1-четверть_5А.pdf: файл изменён" in result.output
    assert "Тестовый-год_1-четверть_6А.pdf: файла нет" in result.output
    assert "1А" not in result.output


def test_a_journal_edited_after_archiving_is_found_and_gets_a_second_version(locked, runner,
                                                                              people):
    assert archive(runner).exit_code == 0
    # The deputy reopens 5А's maths for the period, and the teacher changes a mark.
    Reopening.create(period=locked.period, school_class=locked.c5, subject=locked.math,
                     reason="исправление ошибки", until=locked.today + 3 * DAY,
                     opened_by=people.deputy.id)
    Mark.update(value="5").where(Mark.lesson == locked.locked_lesson.id).execute()
    result = runner.invoke(main, ["archive", "verify"])
    assert result.exit_code == 1
    assert "Тестовый-год_1-четверть_5А.pdf: журнал изменён после архивации" in result.output
    assert [arc.status(e, folder()) for e in arc.registry()
            if e.school_class_id == locked.c5.id] == [arc.STALE]
    # While reopened, 5А's journal is not locked: nothing is written for it.
    assert "5А: журнал за период ещё не закрыт" in archive(runner).output
    Reopening.update(until=locked.today - DAY).execute()  # the reopening has run out
    again = archive(runner)
    assert "5А: записан Тестовый-год_1-четверть_5А_v2.pdf" in again.output, again.output
    versions = [(e.file_name, e.version) for e in ArchiveFile.select()
                .where(ArchiveFile.school_class == locked.c5.id).order_by(ArchiveFile.version)]
    assert versions == [("Тестовый-год_1-четверть_5А.pdf", 1),
                        ("Тестовый-год_1-четверть_5А_v2.pdf", 2)]
    assert all((folder() / name).is_file() for name, _ in versions)
    assert runner.invoke(main, ["archive", "verify"]).exit_code == 0  # v1 is superseded
    registry = runner.invoke(main, ["archive", "registry"])
    assert "_5А.pdf | 5А | 1-я четверть | 1 |" in registry.output
    assert f"| {arc.STALE}" in registry.output and f"| {arc.FINE}" in registry.output


def test_an_unlocked_period_is_refused(school, runner):
    result = archive(runner)
    assert result.exit_code == 1
    assert "ещё не закрыт" in result.output and "архивируются только закрытые" in result.output
    assert ArchiveFile.select().count() == 0
    assert not folder().exists()


def test_the_archive_is_never_written_inside_the_published_output(locked, runner,
                                                                   monkeypatch):
    monkeypatch.setenv("JOURNAL_OUTPUT", str(folder()))
    result = archive(runner)
    assert result.exit_code == 1
    assert "совпадает с папкой сайта" in result.output and "Архив не записан" in result.output
    assert ArchiveFile.select().count() == 0
    assert not folder().exists()
    monkeypatch.setenv("JOURNAL_OUTPUT", str(folder().parent))  # the archive inside the site
    assert archive(runner).exit_code == 1
    assert not folder().exists()


def test_due_archives_every_locked_period_once(locked, runner):
    result = runner.invoke(main, ["archive", "--due"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines() == [
        f"Архив: записано файлов 3 в {folder()}."]
    again = runner.invoke(main, ["archive", "--due"])
    assert again.output.strip() == "Архив: новых закрытых периодов нет, файлы не записаны."
    assert ArchiveFile.select().count() == 3


def test_the_registry_prints_to_a_pdf(locked, runner, tmp_path):
    assert archive(runner, "--class", "5А").exit_code == 0
    assert ArchiveFile.select().count() == 1
    result = runner.invoke(main, ["archive", "registry", "--pdf", str(tmp_path / "r.pdf")])
    assert result.exit_code == 0, result.output
    assert "В реестре файлов: 1." in result.output
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")


def wait_for_the_archive() -> background.BuildState:
    for _ in range(600):
        state = background.ARCHIVE.state()
        if not state.running:
            return state
        time.sleep(0.1)
    raise AssertionError("the panel's archiving did not finish in a minute")


def test_the_deputy_archives_from_the_panel_and_the_director_downloads(locked, people, app):
    deputy = Browser(app.test_client())
    deputy.login(people.deputy.login)
    page = text(deputy.get("/archive/"))
    assert "В реестре пока нет файлов." in page and "Архивировать сейчас" in page
    started = text(deputy.post("/archive/run", {"period_id": locked.period.id},
                               follow_redirects=True))
    # Written in the background: a school's PDFs take longer than a request may.
    assert "Архивирование за 1-ю четверть началось: классов 3." in started
    assert wait_for_the_archive().outcome == ("Архив за 1-ю четверть: записано файлов 3, "
                                              "без изменений 0, не закрыто 0.")
    page = text(deputy.get("/archive/"))
    assert "Архив за 1-ю четверть: записано файлов 3" in page and "Идёт архивирование" not in page
    entry = ArchiveFile.get(ArchiveFile.file_name == "Тестовый-год_1-четверть_5А.pdf")
    assert entry.created_by_id == people.deputy.id
    logged = AuditEntry.get((AuditEntry.table_name == "archive_file")
                            & (AuditEntry.row_id == entry.id))
    assert (logged.action, logged.staff_id) == ("create", people.deputy.id)

    director = Browser(app.test_client())
    director.login(people.director.login)
    page = text(director.get("/archive/"))
    assert "Архивировать сейчас" not in page
    assert page.count(f">{arc.FINE}<") == 3
    download = director.get(f"/archive/file/{entry.id}")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert hashlib.sha256(download.data).hexdigest() == entry.sha256
    assert director.post("/archive/run", {"period_id": locked.period.id}).status_code == 403

    (folder() / entry.file_name).write_bytes(b"%PDF-1.7 forged")
    assert f">{arc.CHANGED}<" in text(director.get("/archive/"))
    (folder() / entry.file_name).unlink()
    assert f">{arc.MISSING}<" in text(director.get("/archive/"))
    assert director.get(f"/archive/file/{entry.id}").status_code == 404


@pytest.mark.parametrize("role", ["teacher", "class_teacher", "english", "admin"])
def test_the_archive_is_closed_to_everyone_else(locked, people, app, runner, role):
    assert archive(runner).exit_code == 0
    entry = ArchiveFile.select().first()
    browser = Browser(app.test_client())
    browser.login(getattr(people, role).login)
    assert browser.get("/archive/").status_code == 403
    assert browser.get(f"/archive/file/{entry.id}").status_code == 403
    assert browser.post("/archive/run", {"period_id": locked.period.id}).status_code == 403


def test_one_archiving_at_a_time_and_the_page_says_how_far_it_is(locked, people, app):
    """While the panel's archiving runs, the page shows its progress, the button is off and
    a second start is refused with nothing started."""
    release = threading.Event()
    assert background.ARCHIVE.start(lambda step: release.wait(10) and "готово", 3, "Тестов Т.",
                                    (people.deputy.id, ""))
    try:
        deputy = Browser(app.test_client())
        deputy.login(people.deputy.login)
        page = deputy.get("/archive/").get_data(as_text=True)
        assert "Идёт архивирование (начал Тестов Т.): готово классов 0 из 3." in page
        assert re.search(r"<button[^>]*disabled[^>]*>Архивировать сейчас", page)
        again = text(deputy.post("/archive/run", {"period_id": locked.period.id},
                                 follow_redirects=True))
        assert "Архивирование уже идёт" in again
    finally:
        release.set()
    assert wait_for_the_archive().outcome == "готово"
    assert ArchiveFile.select().count() == 0


def test_the_panel_refuses_an_unlocked_period(school, people, app):
    deputy = Browser(app.test_client())
    deputy.login(people.deputy.login)
    assert "Закрытых периодов в этом учебном году пока нет." in text(deputy.get("/archive/"))
    done = text(deputy.post("/archive/run", {"period_id": school.period.id},
                            follow_redirects=True))
    assert "архивируются только закрытые периоды" in done
    assert ArchiveFile.select().count() == 0


def test_the_nightly_build_archives_the_periods_locked_since_the_last_run(locked, runner,
                                                                         tmp_path):
    build = ["build", "--archive", "--output", str(tmp_path / "site"), "--workers", "1"]
    result = runner.invoke(main, build)
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("Сборка:")
    assert lines[-1] == f"Архив: записано файлов 3 в {folder()}."
    assert ArchiveFile.select().count() == 3
    again = runner.invoke(main, build)
    assert again.output.strip().splitlines()[-1] == (
        "Архив: новых закрытых периодов нет, файлы не записаны.")
    assert ArchiveFile.select().count() == 3


def test_verify_finds_an_edited_or_deleted_audit_row(locked, runner):
    pytest.importorskip("models.audit_chain")
    assert archive(runner).exit_code == 0
    head = ArchiveFile.select().order_by(ArchiveFile.id).first().audit_chain_head
    assert head and AuditEntry.select().where(AuditEntry.chain == head).exists()
    first = AuditEntry.select().order_by(AuditEntry.id).first()
    AuditEntry.update(reason="подделка").where(AuditEntry.id == first.id).execute()
    result = runner.invoke(main, ["archive", "verify"])
    assert result.exit_code == 1
    assert f"журнал изменений: Запись № {first.id} изменена" in result.output
    # Entries deleted from the end leave a whole chain: the registry's head tells.
    last = AuditEntry.get(AuditEntry.chain == head).id
    AuditEntry.update(reason=first.reason).where(AuditEntry.id == first.id).execute()
    AuditEntry.delete().where(AuditEntry.id >= last).execute()
    result = runner.invoke(main, ["archive", "verify"])
    assert result.exit_code == 1
    assert f"запись с хешем {head[:16]}…, последняя при архивации, удалена" in result.output
