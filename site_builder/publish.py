"""Atomic publishing: every build goes into a fresh release folder; `site` is swapped last.

    output/site -> releases/20261123T020000123456-789     (what a web server or rsync reads)
    output/releases/<id>/                              (the current and the previous build)

A build that fails or is killed leaves a `.tmp-*` folder behind and `site` untouched; the
next build removes it. The swap is a rename over the symlink, which is atomic (PITFALLS:
Pelican's DELETE_OUTPUT_DIRECTORY empties the live site first; `ln -sfn` is not atomic).
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path


class Release:
    """One build's folder, with the previous release to reuse unchanged files from."""

    def __init__(self, output: Path):
        self.output = output
        self.releases = output / "releases"
        self.link = output / "site"
        self.previous = self.link.resolve() if self.link.is_symlink() else None
        stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
        self.name = f"{stamp}-{os.getpid()}"
        self.staging = self.releases / f".tmp-{self.name}"

    def begin(self) -> Path:
        self.releases.mkdir(parents=True, exist_ok=True)
        for stale in self.releases.glob(".tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)
        self.staging.mkdir()
        return self.staging

    def reuse(self, relative: str, data: bytes) -> bool:
        """Put a file in the new release: hard-linked from the previous one when its bytes
        are the same (so its mtime and inode stay, and rsync skips it). True if reused."""
        target = self.staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if self.previous is not None:
            old = self.previous / relative
            try:
                if old.stat().st_size == len(data) and old.read_bytes() == data:
                    os.link(old, target)
                    return True
            except FileNotFoundError:
                pass
        target.write_bytes(data)
        return False

    def carry(self, relative_dir: str) -> int:
        """Hard-link a whole unchanged folder of the previous release; returns files linked."""
        if self.previous is None or not (self.previous / relative_dir).is_dir():
            return 0
        count = 0
        for folder, _dirs, names in os.walk(self.previous / relative_dir):
            target = self.staging / os.path.relpath(folder, self.previous)
            target.mkdir(parents=True, exist_ok=True)
            for name in names:
                os.link(os.path.join(folder, name), target / name)
            count += len(names)
        return count

    def commit(self) -> Path:
        """Make the new release the live site in one rename; keep the previous release."""
        final = self.releases / self.name
        self.staging.rename(final)
        tmp_link = self.output / f".site-{self.name}"
        tmp_link.symlink_to(Path("releases") / self.name)
        os.replace(tmp_link, self.link)
        keep = {final.name} | ({self.previous.name} if self.previous else set())
        for old in self.releases.iterdir():
            if old.name not in keep and not old.name.startswith(".tmp-"):
                shutil.rmtree(old, ignore_errors=True)
        return final

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
