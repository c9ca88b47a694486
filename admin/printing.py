"""«Печать»: weekly sheets for parents without internet and the temporary paper journal.

The PDFs are made by the same functions as `journal print` and sent as downloads: they
hold personal data in clear, so they are never written to the published output/.
"""
from __future__ import annotations

import datetime as dt

from flask import Response, abort, request

from models import AcademicYear, SchoolClass, SchoolSettings, TeachingAssignment, access
from site_builder import printing

from .base import SecureView, expose, staff


def _date(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def pdf(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store"})


class PrintView(SecureView):
    """Class teachers print their classes' sheets; the director and deputies any class's;
    a teacher prints the temporary journal of their own assignments. The sheets carry the
    diary's QR code as the school setting says."""

    def allow(self, user) -> bool:
        return user.has_role("teacher", *access.READ_ALL)

    def _classes(self, user):
        today = SchoolSettings.current().today()
        query = SchoolClass.select().where(SchoolClass.year == AcademicYear.on(today))
        if not access.reads_all(user):
            query = query.where(SchoolClass.id.in_(access.own_class_ids(user)))
        return list(query.order_by(SchoolClass.grade, SchoolClass.letter))

    def _assignments(self, user):
        query = access.journals_for(user)
        if not access.reads_all(user):
            query = query.where(TeachingAssignment.teacher == user.id)
        return list(query)

    @expose("/")
    def index(self):
        user = staff()
        settings = SchoolSettings.current()
        today = settings.today()
        return self.render("admin/printing.html", classes=self._classes(user),
                           assignments=self._assignments(user),
                           monday=today - dt.timedelta(days=today.weekday()),
                           month=today.replace(day=1), can_all=access.reads_all(user),
                           qr=settings.sheet_qr)

    @expose("/week")
    def week(self):
        user = staff()
        day = _date("week")
        if day is None:
            abort(400)
        monday = day - dt.timedelta(days=day.weekday())
        paper_only = request.args.get("paper_only") == "1"
        if request.args.get("class_id") == "all":
            if not access.reads_all(user):
                abort(403)
            return pdf(printing.week_sheets_pdf(None, monday, paper_only=paper_only),
                       f"vypiski-{monday}.pdf")
        school_class = next((c for c in self._classes(user)
                             if str(c.id) == request.args.get("class_id")), None)
        if school_class is None:
            abort(403 if SchoolClass.get_or_none(
                SchoolClass.id == request.args.get("class_id", type=int)) else 404)
        data = printing.week_sheets_pdf(school_class, monday, paper_only=paper_only)
        return pdf(data, f"vypiski-{school_class.grade}-{monday}.pdf")

    @expose("/temporary")
    def temporary(self):
        month = _date("month")
        assignment = next((a for a in self._assignments(staff())
                           if str(a.id) == request.args.get("assignment_id")), None)
        if month is None or assignment is None:
            abort(404)
        data = printing.temporary_journal_pdf(assignment, month.replace(day=1))
        return pdf(data, f"vremennyi-zhurnal-{assignment.school_class.grade}-{month:%Y-%m}.pdf")


def register(panel) -> None:
    panel.add_view(PrintView(name="Печать", url="/print", endpoint="printing"))
