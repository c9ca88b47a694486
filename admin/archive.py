"""«Архив»: the period archive's registry (rule 11; 001 3.1, 6) for the director and
deputies — every archived class journal with its state (в порядке / устарел / файл изменён /
файла нет) and a download link — and the deputy's button to archive a locked period now.

The work is models.archive's (the `journal archive` commands call the same functions);
who may do what, models.access's.
"""
from __future__ import annotations

import io

from flask import abort, flash, redirect, request, send_file, url_for

from models import AcademicYear, Period, RuleError, SchoolSettings, access
from models import archive as arc
from site_builder import background
from site_builder.archive_cli import render
from site_builder.printing.files import write_pending

from .base import SecureView, expose, row_id, staff


def _lockable_periods(today) -> list[Period]:
    """The periods of this (or the just ended) year with a locked class journal."""
    year = AcademicYear.on(today, after_end=True)
    if year is None:
        return []
    periods = Period.select().where(Period.year == year.id).order_by(Period.scheme,
                                                                     Period.number)
    return [p for p in periods
            if any(arc.period_locked(c, p, today) for c in arc.classes_of(p))]


class ArchiveView(SecureView):
    """Open to the director and deputies (reading, downloading); the deputy archives."""

    def allow(self, user) -> bool:
        return access.may_see_archive(user)

    @expose("/")
    def index(self):
        today = SchoolSettings.current().today()
        may_archive = access.may_archive_now(staff())
        try:
            folder = arc.archive_folder()
        except RuleError as exc:
            flash(exc.message, "error")
            folder = None
        prints: dict = {}
        entries = [(e, arc.status(e, folder, prints) if folder else arc.MISSING)
                   for e in arc.registry()]
        job = background.ARCHIVE.state()
        settings = SchoolSettings.current()
        return self.render("admin/archive.html", entries=entries, fine=arc.FINE,
                           periods=_lockable_periods(today) if may_archive else [],
                           may_archive=may_archive, job=job,
                           job_finished=job.finished and settings.local_time(job.finished))

    @expose("/file/<int:id>")
    def download(self, id: int):
        entry = arc.ArchiveFile.get_or_none(arc.ArchiveFile.id == id)
        if entry is None:
            abort(404)
        try:
            path = arc.archive_folder() / entry.file_name
        except RuleError as exc:
            abort(409, exc.message)
        if not path.is_file():
            abort(404, f"Файла {entry.file_name} нет в папке архива.")
        # Read whole (a journal is a few MB): no open file is left to the response's close.
        return send_file(io.BytesIO(path.read_bytes()), mimetype="application/pdf",
                         as_attachment=True, download_name=entry.file_name)

    @expose("/run", methods=("POST",))
    def run(self):
        """«Архивировать сейчас»: checked here, written in the background (a school's
        PDFs take minutes, longer than a request may); the page shows how far it is."""
        user = staff()
        if not access.may_archive_now(user):
            abort(403, "Период архивирует заместитель директора.")
        period = Period.get_or_none(Period.id == row_id(request.form.get("period_id")))
        if period is None:
            flash("Выберите учебный период.", "error")
            return redirect(url_for(".index"))
        today = SchoolSettings.current().today()
        try:
            classes = arc.archivable(period, today)
            arc.archive_folder()
        except RuleError as exc:
            flash(exc.message, "error")
            return redirect(url_for(".index"))

        def work(step) -> str:
            outcomes = []
            for school_class in classes:
                outcomes.append(arc.archive_class(school_class, period, render, write_pending,
                                                  user, today))
                step(1)
            return arc.summary(period, outcomes)

        if background.ARCHIVE.start(work, len(classes), user.short_name,
                                    (user.id, request.remote_addr or "")):
            flash(f"Архивирование за {period.accusative} началось: классов {len(classes)}. "
                  "Обновите страницу, чтобы увидеть, сколько готово.", "info")
        else:
            flash("Архивирование уже идёт; дождитесь его окончания.", "error")
        return redirect(url_for(".index"))


def register(panel) -> None:
    panel.add_view(ArchiveView(name="Архив", url="/archive", endpoint="archive"))
