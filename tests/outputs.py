"""What the commands wrote, read back: the site's files, a diary page decrypted as the
browser does, a PDF's pages (shared by the build, printing and date tests)."""
from __future__ import annotations

import io
import os
import re
from pathlib import Path

from pypdf import PdfReader

import models.diary as diary_model
from site_builder import crypto

CONTENT = Path(__file__).resolve().parent.parent / "content"
FAST_ITERATIONS = 1000  # the payload carries its count; 600,000 is tested in the crypto tests


def issue_all(students) -> dict[int, tuple]:
    return {s.id: diary_model.issue(s) for s in students}


def payload_of(path: Path) -> str:
    return re.search(r'id="diary-payload">(.*?)</script>', path.read_text(), re.S).group(1)


def open_page(page: Path, password: str, address: Path | None = None) -> str:
    """A diary page's body, decrypted as the browser does at its address d/<token>/<name>
    (the file's own place, unless a host serves it at another address)."""
    path = "/".join((address or page).parts[-3:])
    return crypto.decrypt_page(payload_of(page), password, path=path)


def tree(root: Path) -> list[Path]:
    """Every file under a folder as a web server or `rsync -L` sees it: through symlinks."""
    return [Path(folder, name) for folder, _dirs, names in os.walk(root, followlinks=True)
            for name in names]


STAMP = "d/stamp.json"


def site_files(output: Path) -> dict[str, tuple[int, bytes]]:
    """Every published file by path: (inode, bytes); but the build's stamp («данные на …»,
    the moment of each build), which tests read on their own."""
    site = output / "site"
    return {str(p.relative_to(site)): (p.stat().st_ino, p.read_bytes()) for p in tree(site)
            if str(p.relative_to(site)) != STAMP}


def pages_of(data: bytes) -> list[str]:
    """The text of each page of a PDF."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def sheet_of(pages: list[str], student) -> str:
    [page] = [p for p in pages if student.full_name in p]
    return page
