"""Atomic publishing: every build goes into a fresh release folder; `site` is swapped last.

    output/site -> releases/20261123T020000123456-789   (what a web server or rsync -L reads)
    output/releases/<id>/              the current and the previous build: public pages,
    output/releases/<id>/d/<token>     and one symlink per diary, to ../../../store/…
    output/store/<token>.<id>/         a diary's pages as the build <id> rendered them

A diary folder in the store is never changed after its build: a pupil whose data did not
change keeps pointing at the same folder (one symlink, not a file per page), a re-rendered
pupil gets a new folder whose unchanged pages are hard links to the old ones (so their
mtime and inode stay and rsync skips them).

Every file and folder a build writes gets one modification time, the build's stamp: later
than the previous build's, so that rsync's size-and-time check sees every rewritten file
(even of the same size), and the same for all, so that the times tell nothing of the order
the diaries were written in (which would group them by class). A build that fails or is
killed leaves a `.tmp-*` release and some unlinked store folders behind and `site`
untouched; the next successful build removes them (one that fails, on a full disk say,
removes its own). The swap is a rename over the symlink, which is atomic
(PITFALLS: Pelican's DELETE_OUTPUT_DIRECTORY empties the live site first; `ln -sfn` is not
atomic).
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path

STORE = "store"
DIARIES = "d"


def put(target: Path, data: bytes, old: Path | None, stamp: int) -> bool:
    """Write a file with the build's stamp as its mtime, or hard-link the old one when its
    bytes are the same. True if linked."""
    if old is not None:
        try:
            if old.stat().st_size == len(data) and old.read_bytes() == data:
                os.link(old, target)
                return True
        except FileNotFoundError:
            pass
    write(target, data)
    os.utime(target, (stamp, stamp))
    return False


def write(target: Path, data: bytes) -> None:
    """Write a file; a failure names it (a write() refused by a full disk names no file)."""
    try:
        with open(target, "wb") as file:
            file.write(data)
    except OSError as error:
        if error.filename is None:
            raise OSError(error.errno, error.strerror, str(target)) from error
        raise


class Release:
    """One build's folder, with the previous release to reuse unchanged files from."""

    def __init__(self, output: Path):
        self.output = output
        self.releases = output / "releases"
        self.store = output / STORE
        self.link = output / "site"
        self.previous = self.link.resolve() if self.link.is_symlink() else None
        # The previous release folder carries its build's stamp (see commit).
        before = int(self.previous.stat().st_mtime) if self.previous else 0
        self.stamp = max(int(time.time()), before + 1)
        stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
        self.name = f"{stamp}-{os.getpid()}"
        self.staging = self.releases / f".tmp-{self.name}"

    def begin(self) -> Path:
        self.releases.mkdir(parents=True, exist_ok=True)
        self.store.mkdir(exist_ok=True)
        # Only a killed or failed build's: builds take turns (site_builder.lock).
        for stale in self.releases.glob(".tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)
        (self.staging / DIARIES).mkdir(parents=True)
        return self.staging

    def reuse(self, relative: str, data: bytes) -> bool:
        """Put a public file in the new release, hard-linked from the previous release when
        its bytes are the same. True if reused."""
        target = self.staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        return put(target, data, self.previous / relative if self.previous else None,
                   self.stamp)

    def previous_diary(self, token: str) -> Path | None:
        """The store folder the live site shows for this diary (None: none, or a release
        from before the store, whose diaries are plain folders)."""
        if self.previous is None:
            return None
        try:
            name = os.path.basename(os.readlink(self.previous / DIARIES / token))
        except OSError:
            return None
        return self.store / name

    def diary_folder(self, token: str) -> Path:
        """A new, empty store folder for a diary rendered by this build."""
        folder = self.store / f"{token}.{self.name}"
        folder.mkdir()
        return folder

    def show_diary(self, token: str, folder: Path) -> None:
        """Make /d/<token>/ of the new release show this store folder."""
        (self.staging / DIARIES / token).symlink_to(Path("..", "..", "..", STORE, folder.name))

    def commit(self) -> Path:
        """Make the new release the live site in one rename; keep the previous release and
        the store folders the two show, remove everything else."""
        final = self.releases / self.name
        for folder, _dirs, _files in os.walk(self.staging, topdown=False):  # not the links
            os.utime(folder, (self.stamp, self.stamp))
        self.staging.rename(final)
        os.utime(final, (self.stamp, self.stamp))
        tmp_link = self.output / f".site-{self.name}"
        tmp_link.symlink_to(Path("releases") / self.name)
        os.replace(tmp_link, self.link)
        kept = [final] + ([self.previous] if self.previous else [])
        for old in self.releases.iterdir():
            if old not in kept and not old.name.startswith(".tmp-"):
                shutil.rmtree(old, ignore_errors=True)
        shown = {os.path.basename(os.readlink(link)) for release in kept
                 if (release / DIARIES).is_dir()
                 for link in (release / DIARIES).iterdir() if link.is_symlink()}
        for folder in os.listdir(self.store):
            if folder not in shown:
                shutil.rmtree(self.store / folder, ignore_errors=True)
        return final

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
        for folder in self.store.glob(f"*.{self.name}"):
            shutil.rmtree(folder, ignore_errors=True)
