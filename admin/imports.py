"""«Загрузка данных» (issue 19.1): a kind's template to download, a file uploaded and
previewed (what would be created, updated, left alone; every problem by row and column),
then «Загрузить», which runs the import again on the same file and reports what it did.

The file waits between the two steps in the instance folder (never in the published
output), readable by the panel's user only, under a random token bound to the person who
uploaded it, and is deleted once imported or after an hour. The work is models.imports'
(`journal import` runs the same); who may load which kind, models.access's.
"""
from __future__ import annotations

import io
import json
import os
import re
import secrets
import time
from pathlib import Path

from flask import abort, current_app, request, send_file

from models import RuleError, SchoolSettings, access
from models.imports import ACTIONS, DONE, run
from models.imports.registry import KINDS
from models.imports.template import TEMPLATE_FORMATS, template_file, template_name
from site_builder.printing.files import write_pending

from .base import SecureView, expose, staff

UPLOAD_LIMIT = 5 * 1024 * 1024
# A form's fields besides the file (the kind, the CSRF token) take far less than this.
FORM_OVERHEAD = 64 * 1024
TOO_LARGE = (f"Файл больше {UPLOAD_LIMIT // (1024 * 1024)} МБ: загрузите данные частями "
             "(например, по классам).")
KEPT_SECONDS = 3600
TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
EXPIRED = ("Загруженный файл больше не хранится (прошло больше часа или он уже загружен): "
           "выберите его ещё раз.")
MIME = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "csv": "text/csv; charset=utf-8"}


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _write_private(path: Path, data: bytes) -> None:
    """A file only its owner reads (0600, whatever the umask), whole or not at all: the
    printouts' private temporary file renamed into place."""
    os.replace(write_pending(path, data), path)


def _forget_old(folder: Path) -> None:
    """Uploads older than an hour are deleted, imported or not."""
    limit = time.time() - KEPT_SECONDS
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except FileNotFoundError:
            pass


def keep_upload(data: bytes, kind: str, filename: str, user_id: int) -> str:
    """Keep an uploaded file for its confirmation; its token."""
    folder = _folder()
    _forget_old(folder)
    token = secrets.token_urlsafe(24)
    _write_private(folder / f"{token}.json", json.dumps(
        {"user": user_id, "kind": kind, "filename": filename}).encode())
    _write_private(folder / f"{token}.data", data)
    return token


def take_upload(token: str, user_id: int) -> tuple[str, str, bytes]:
    """The kind, name and bytes of the user's kept upload, deleted from the folder; a
    RuleError when it is gone, too old, or someone else's."""
    folder = _folder()
    _forget_old(folder)
    if not TOKEN.fullmatch(token or ""):
        raise RuleError(EXPIRED)
    meta_path, data_path = folder / f"{token}.json", folder / f"{token}.data"
    try:
        meta = json.loads(meta_path.read_text())
        if meta["user"] != user_id:
            raise RuleError(EXPIRED)
        data = data_path.read_bytes()
    except (OSError, ValueError, KeyError):
        raise RuleError(EXPIRED) from None
    meta_path.unlink(missing_ok=True)
    data_path.unlink(missing_ok=True)
    return meta["kind"], meta["filename"], data


def allow_uploads() -> None:
    """The upload may be larger than the panel's other requests (64 KiB): raised before the
    CSRF check and the text check read the form, with its own Russian refusal."""
    if request.endpoint == "imports.preview":
        if (request.content_length or 0) > UPLOAD_LIMIT + FORM_OVERHEAD:
            abort(413, TOO_LARGE)
        request.max_content_length = UPLOAD_LIMIT + FORM_OVERHEAD


class ImportsView(SecureView):
    """Open to whoever may load at least one kind (the deputy, the admin, teachers for
    their КТП); each kind asks models.access."""

    def allow(self, user) -> bool:
        return access.may_import_any(user, KINDS.values())

    def _kinds(self):
        user = staff()
        return {key: kind for key, kind in KINDS.items() if kind.allowed(user)}

    def _kind(self, key: str | None):
        kind = self._kinds().get(key or "")
        if kind is None:
            abort(404, "Такой загрузки нет или она вам недоступна.")
        return kind

    def _page(self, chosen: str = "", result=None, token: str = "", filename: str = "",
              error: str = "", status: int = 200):
        kinds = self._kinds()
        return self.render("admin/imports.html", kinds=kinds,
                           chosen=chosen if chosen in kinds else next(iter(kinds)),
                           result=result, token=token, filename=filename, error=error,
                           formats=TEMPLATE_FORMATS, actions=ACTIONS, done=DONE,
                           limit_mb=UPLOAD_LIMIT // (1024 * 1024)), status

    @expose("/")
    def index(self):
        return self._page(request.args.get("kind", ""))

    @expose("/template/<key>.<fmt>")
    def template(self, key: str, fmt: str):
        kind = self._kind(key)
        if fmt not in TEMPLATE_FORMATS:
            abort(404)
        # send_file writes a Cyrillic name as RFC 6266's filename* (a raw one is no header).
        return send_file(io.BytesIO(template_file(kind, fmt)), mimetype=MIME[fmt],
                         as_attachment=True, download_name=template_name(kind, fmt))

    @expose("/preview", methods=("POST",))
    def preview(self):
        """The uploaded file previewed: nothing is written; kept for «Загрузить»."""
        key = request.form.get("kind", "")
        kind = self._kind(key)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return self._page(key, error="Выберите файл XLSX, ODS или CSV.", status=422)
        data = upload.read(UPLOAD_LIMIT + 1)
        if len(data) > UPLOAD_LIMIT:
            return self._page(key, error=TOO_LARGE, status=413)
        filename = Path(upload.filename.replace("\\", "/")).name
        user = staff()
        try:
            result = run(kind, user, data, filename, SchoolSettings.current().today(),
                         commit=False, address=request.remote_addr or "")
        except RuleError as exc:
            return self._page(key, error=exc.message, filename=filename, status=422)
        token = keep_upload(data, key, filename, user.id) if result.ok else ""
        return self._page(key, result=result, token=token, filename=filename,
                          status=200 if result.ok else 422)

    @expose("/confirm", methods=("POST",))
    def confirm(self):
        """The kept file imported: run again, all or nothing, and the final report."""
        user = staff()
        try:
            key, filename, data = take_upload(request.form.get("token", ""), user.id)
        except RuleError as exc:
            return self._page(request.form.get("kind", ""), error=exc.message, status=410)
        kind = self._kind(key)
        try:
            result = run(kind, user, data, filename, SchoolSettings.current().today(),
                         commit=True, address=request.remote_addr or "")
        except RuleError as exc:
            return self._page(key, error=exc.message, filename=filename, status=422)
        return self._page(key, result=result, filename=filename,
                          status=200 if result.ok else 422)


def register(panel) -> None:
    panel.add_view(ImportsView(name="Загрузка данных", category="Школа", url="/imports",
                               endpoint="imports"))
    # Before CSRFProtect's and the text check's hooks, which read the form.
    panel.app.before_request_funcs.setdefault(None, []).insert(0, allow_uploads)
