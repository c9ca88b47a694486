"""Issue 11.5 as it was found: two `journal build` at once, and a build onto a full disk.

Before the fix the second build deleted the first one's staging release (as a killed
build's leftovers) and the first died with a traceback; a full disk printed a 40-line
traceback instead of the Russian line the README promises (so did printouts and slips).
"""
from __future__ import annotations

import errno
import itertools
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from journal_cli import main
from models import DiaryAccess, Mark, SchoolSettings, database, db
from site_builder import build as build_module
from site_builder import publish
from tests.outputs import CONTENT, site_files

SLOW_BUILD = """
import sys, time, datetime as dt
from pathlib import Path
from models import database
from site_builder.build import build
database.bind(sys.argv[1])
build(Path(sys.argv[2]), Path(sys.argv[3]), dt.date.fromisoformat(sys.argv[4]), full=True,
      progress=lambda n: time.sleep(0.3), workers=1)
"""
BUSY = re.compile(r"Error: Сборка уже идёт \(начата \d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d, "
                  r"процесс (\d+)\); дождитесь её окончания\.")


def journal_build(runner, output: Path, today, *options: str):
    return runner.invoke(main, ["build", "--output", str(output), "--content", str(CONTENT),
                                "--today", today.isoformat(), *options])


def test_a_build_started_while_another_runs_is_refused_and_the_first_publishes(
        small_site, school, backend_url, runner):
    output, _, _ = small_site
    live = os.readlink(output / "site")
    db.close()
    first = subprocess.Popen([sys.executable, "-c", SLOW_BUILD, backend_url, str(output),
                              str(CONTENT), school.today.isoformat()],
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not list((output / "releases").glob(".tmp-*")):  # the first is writing its release
        assert time.monotonic() < deadline and first.poll() is None, "the build never started"
        time.sleep(0.02)

    second = journal_build(runner, output, school.today, "--workers", "1")

    _, errors = first.communicate(timeout=60)
    assert first.returncode == 0, errors  # the first was left alone and finished
    assert second.exit_code == 1
    [line] = second.output.splitlines()
    busy = BUSY.fullmatch(line)
    assert busy, line
    assert int(busy.group(1)) == first.pid  # it says which process to wait for
    assert os.readlink(output / "site") != live  # the first one's release is live
    assert not list((output / "releases").glob(".tmp-*"))
    # Once the first has ended, building again works: the lock went with its process.
    assert journal_build(runner, output, school.today, "--workers", "1").exit_code == 0


def full_disk_line(result, folder: Path) -> str:
    """The build's whole answer: one Russian line naming what is full, exit code 1."""
    assert result.exit_code == 1, result.output
    [line] = result.output.splitlines()
    assert line.startswith("Error: Сборка остановлена: на диске нет места"), line
    assert str(folder) in line and "Прежний сайт не изменён" in line
    return line


@pytest.mark.parametrize("workers", [1, 2])
def test_a_full_disk_midway_says_so_in_one_line_and_keeps_the_previous_site(
        small_site, school, runner, monkeypatch, workers):
    """The disk fills while diary pages are written, in this process or in a worker."""
    output, _, _ = small_site
    before, stored = site_files(output), set(os.listdir(output / "store"))
    monkeypatch.setattr(build_module, "PARALLEL_FROM", 1)  # four pupils go to the workers
    writes, write = itertools.count(), publish.put

    def put_until_full(target: Path, data: bytes, old, stamp: int) -> bool:
        if next(writes) == 6:  # a worker's count starts again at the fork
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))
        return write(target, data, old, stamp)

    monkeypatch.setattr(publish, "put", put_until_full)

    result = journal_build(runner, output, school.today, "--full", "--workers", str(workers))

    full_disk_line(result, output / "store")
    assert site_files(output) == before  # same files, same bytes, same inodes
    assert not list((output / "releases").glob(".tmp-*"))  # the staging release is gone
    assert set(os.listdir(output / "store")) == stored  # and so are its diary folders


def test_a_theme_file_not_copied_for_want_of_space_stops_the_build(small_site, school, runner,
                                                                   monkeypatch):
    """Pelican only warns when it cannot copy a file: the site went live without its unlock
    script, and no parent could open a diary."""
    output, _, _ = small_site
    before, copy = site_files(output), shutil.copyfile

    def copy_until_full(source, destination, **options):
        if str(destination).endswith("unlock.js"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return copy(source, destination, **options)

    monkeypatch.setattr(shutil, "copyfile", copy_until_full)

    result = journal_build(runner, output, school.today, "--workers", "1")

    full_disk_line(result, output)
    assert site_files(output) == before


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MiB tmpfs (a real filesystem that fills up); mounting one needs root."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); the simulated full "
                    "disk above covers the same handling")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(disk: Path) -> Path:
    """Write zeros until the filesystem says it is full."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as file:
        try:
            while True:
                file.write(bytes(64 * 1024))
        except OSError as error:
            assert error.errno == errno.ENOSPC
    return filler


def test_a_build_onto_a_full_tmpfs_says_so_and_the_next_one_after_cleanup_publishes(
        small_site, school, runner, small_disk):
    from site_builder.build import build

    output = small_disk / "output"
    build(output, CONTENT, school.today)
    before = site_files(output)
    filler = fill(small_disk)
    mark = Mark.get()
    mark.value = "3"
    mark.save()

    result = journal_build(runner, output, school.today, "--workers", "1")

    full_disk_line(result, output)
    assert site_files(output) == before
    assert not list((output / "releases").glob(".tmp-*"))
    filler.unlink()  # the administrator frees some space
    assert journal_build(runner, output, school.today, "--workers", "1").exit_code == 0
    assert site_files(output) != before


def test_sheets_and_slips_onto_a_full_disk_say_so_and_issue_no_password(school, runner,
                                                                        small_disk):
    SchoolSettings.update(diary_base_url="https://dnevnik.example.ru/").execute()
    fill(small_disk)

    sheets = runner.invoke(main, ["print", "week", "--class", "5А",
                                  "--output", str(small_disk / "5a.html")])
    slips = runner.invoke(main, ["credentials", "--class", "5А",
                                 "--csv", str(small_disk / "5a.csv")])

    for result, refusal in ((sheets, "Файл не записан"), (slips, "Пароли не выданы")):
        assert result.exit_code == 1, result.output
        [line] = result.output.splitlines()
        assert line.startswith(f"Error: {refusal}: на диске нет места — не удалось записать "
                               f"{small_disk}"), line
    assert os.listdir(small_disk) == ["filler"]  # no half-written file left behind
    database.bind()  # the commands rebound the models
    assert DiaryAccess.select().count() == 0  # no password that no slip shows
