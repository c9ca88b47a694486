"""«Печать»: weekly sheets for parents without internet and the temporary paper journal.

The PDFs are made by the same functions as `journal print` and sent as downloads: they
hold personal data in clear, so they are never written to the published output/.
"""
from __future__ import annotations

import calendar
import datetime as dt

from flask import Response, abort, request

from models import (
    AcademicYear,
    RuleError,
    SchoolClass,
    SchoolSettings,
    access,
)
from models.calendar import last_school_week
from site_builder import printing

from .base import SecureView, expose, row_id, staff


def _date(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def pdf(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store"})


def meets_year(first: dt.date, days: int, year: AcademicYear | None) -> bool:
    """Whether `days` days from `first` meet the academic year: printouts are of a school
    year's weeks and months. Compared without adding to `first`, which overflows in 9999."""
    return (year is not None and first <= year.end
            and first >= year.start - dt.timedelta(days=days - 1))


def outside(what: str, year: AcademicYear | None) -> str:
    """The Russian refusal for a week or month outside the academic year."""
    if year is None:
        return f"{what}: учебный год не задан."
    return (f"{what} не относится к учебному году {year.name} "
            f"({year.start:%d.%m.%Y}–{year.end:%d.%m.%Y}).")


class PrintView(SecureView):
    """Class teachers print their classes' sheets; the director and deputies any class's;
    a teacher prints the temporary journal of their own assignments. The sheets carry the
    diary's QR code as the school setting says."""

    def allow(self, user) -> bool:
        return access.may_print(user)

    def _classes(self, user):
        """The classes of this school year whose sheets the user prints."""
        year = AcademicYear.on(SchoolSettings.current().today())
        return list(access.printable_classes(user, year))

    def _assignments(self, user):
        return list(access.printable_assignments(user))

    @expose("/")
    def index(self):
        user = staff()
        settings = SchoolSettings.current()
        today = settings.today()
        classes = self._classes(user)
        return self.render("admin/printing.html", classes=classes,
                           assignments=self._assignments(user),
                           monday=last_school_week(today, {c.grade for c in classes}),
                           month=today.replace(day=1), can_all=access.reads_all(user),
                           qr=settings.sheet_qr)

    def _refused(self, message: str):
        return self.render("admin/error.html", status=422, message=message), 422

    @expose("/week")
    def week(self):
        user = staff()
        day = _date("week")
        if day is None:
            abort(400)
        monday = day - dt.timedelta(days=day.weekday())
        paper_only = request.args.get("paper_only") == "1"
        everyone = request.args.get("class_id") == "all"
        if everyone and not access.reads_all(user):
            abort(403)
        school_class = None if everyone else next(
            (c for c in self._classes(user) if str(c.id) == request.args.get("class_id")), None)
        if school_class is None and not everyone:
            class_id = row_id(request.args.get("class_id"))
            abort(403 if class_id and SchoolClass.get_or_none(SchoolClass.id == class_id)
                  else 404)
        year = school_class.year if school_class else AcademicYear.on(
            SchoolSettings.current().today())
        if not meets_year(monday, 7, year):
            return self._refused(outside(f"Неделя с {monday:%d.%m.%Y}", year))
        try:
            data = printing.week_sheets_pdf(school_class, monday, paper_only=paper_only)
        except RuleError as exc:
            return self._refused(exc.message)
        name = f"vypiski-{school_class.grade}-{monday}.pdf" if school_class \
            else f"vypiski-{monday}.pdf"
        return pdf(data, name)

    @expose("/temporary")
    def temporary(self):
        month = _date("month")
        assignment = next((a for a in self._assignments(staff())
                           if str(a.id) == request.args.get("assignment_id")), None)
        if month is None or assignment is None:
            abort(404)
        first = month.replace(day=1)
        year = assignment.school_class.year
        if not meets_year(first, calendar.monthrange(first.year, first.month)[1], year):
            return self._refused(outside(f"Месяц {first:%m.%Y}", year))
        data = printing.temporary_journal_pdf(assignment, first)
        return pdf(data, f"vremennyi-zhurnal-{assignment.school_class.grade}-{month:%Y-%m}.pdf")


def register(panel) -> None:
    panel.add_view(PrintView(name="Печать", url="/print", endpoint="printing"))
