"""Where private files (printouts, slips, backups) may be written: never into the site.

A file inside the built site is published by the next rsync, or at once by a web server
serving output/site: with names, marks, passwords or the diaries' keys in it.
"""
from __future__ import annotations

import os
from pathlib import Path

from .base import RuleError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def published_dirs() -> list[Path]:
    """Folders whose files are published on the site: private files are never written there."""
    return sorted({(PROJECT_ROOT / "output").resolve(), (Path.cwd() / "output").resolve(),
                   Path(os.environ.get("JOURNAL_OUTPUT", "output")).expanduser().resolve()})


def is_published(folder: Path) -> bool:
    """Whether a folder looks like a built site or a `journal build --output` folder."""
    return ((folder / "releases").is_dir() and (folder / "site").is_symlink()) or \
        ((folder / "d").is_dir() and (folder / "robots.txt").is_file())


def check_destination(path: Path, force: bool, what: tuple[str, str, str]) -> Path:
    """The resolved path of a private file, refused inside the published site or over an
    existing file; `what` names what would leak, an example path and an overwrite note."""
    secret, example, overwrite_note = what
    target = path.expanduser().resolve()
    published = [d for d in published_dirs() if target == d or d in target.parents]
    published += [d for d in target.parents if is_published(d)]
    if published:
        raise RuleError(f"Файл {path} внутри папки {published[0]}, которая публикуется на "
                        f"сайте: {secret} увидел бы кто угодно. Укажите файл в закрытой "
                        f"папке, например {example}.")
    if target.is_dir():
        raise RuleError(f"{path} — это папка; укажите имя файла.")
    if not target.parent.is_dir():
        raise RuleError(f"Папка {target.parent} не существует.")
    if target.exists() and not force:
        raise RuleError(f"Файл {path} уже существует; добавьте --force, чтобы перезаписать"
                        f"{overwrite_note}.")
    return target
