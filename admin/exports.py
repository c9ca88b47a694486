"""«Экспорт» (issue 19.2): a class journal for a period, the class list with the guardians
and a journal's КТП as XLSX files, written by the reports' writer (admin/report_files.py)
with formula-looking text neutralised as the CSV export does (admin/base.py).

Downloads are GET links (they write nothing). Every endpoint checks the role (the view:
whoever reads reports) and the row (models.access: the class, the journal): another's
class or journal is 403, an id that names nothing 404.
"""
from __future__ import annotations

import io

from flask import abort, request, send_file

from models import (
    AcademicYear,
    Period,
    RuleError,
    SchoolClass,
    SchoolSettings,
    Subgroup,
    Subject,
    access,
)
from models.calendar import period_of
from models.cli_types import read_date
from models.exports import journal_export, plan_export, pupils_export
from models.reports import Report

from .base import SecureView, expose, row_id, staff
from .report_files import XLSX_TYPE, file_name, report_xlsx


def xlsx(report: Report):
    return send_file(io.BytesIO(report_xlsx(report)), mimetype=XLSX_TYPE,
                     as_attachment=True, download_name=file_name(report, "xlsx"))


def given_id(name: str) -> int | None:
    """An optional id from the query string: None when absent, 404 when it names no row."""
    value = request.args.get(name, "")
    if not value:
        return None
    found = row_id(value)
    if found is None:
        abort(404)
    return found


def school_class_arg() -> SchoolClass:
    school_class = SchoolClass.get_or_none(SchoolClass.id == given_id("class_id"))
    if school_class is None:
        abort(404)
    return school_class


def journal_args(school_class: SchoolClass) -> tuple[Subject | None, Subgroup | None]:
    """The subject (None: every subject) and the class's subgroup of it the query names."""
    subject_id, subgroup_id = given_id("subject_id"), given_id("subgroup_id")
    subject = Subject.get_or_none(Subject.id == subject_id) if subject_id else None
    subgroup = Subgroup.get_or_none((Subgroup.id == subgroup_id)
                                    & (Subgroup.school_class == school_class.id)) \
        if subgroup_id else None
    if (subject_id and subject is None) or (subgroup_id and subgroup is None) or (
            subgroup and (subject is None or subgroup.subject_id != subject.id)):
        abort(404)  # a group is one subject's: 5А's English group has no maths journal
    return subject, subgroup


class ExportsView(SecureView):
    """Open to whoever reads the reports (models.access.may_export); each file is checked
    against its class and journal."""

    def allow(self, user) -> bool:
        return access.may_export(user)

    @expose("/")
    def index(self):
        return self.page(given_id("class_id"))

    def page(self, wanted: int | None, error: str = "", status: int = 200):
        """The page: a class (by default the first of the year's the user exports from),
        its period, its journals' and the class list's downloads; `error` over the forms."""
        user, today = staff(), SchoolSettings.current().today()
        year = AcademicYear.on(today, after_end=True)
        allowed = access.report_class_ids(user, year)
        if wanted and wanted not in allowed:
            if SchoolClass.get_or_none(SchoolClass.id == wanted) is None:
                abort(404)
            if not access.may_export_class(user, wanted):
                abort(403)
            allowed = [wanted, *allowed]  # a class of another year
        classes = list(SchoolClass.select().where(SchoolClass.id.in_(allowed))
                       .order_by(SchoolClass.grade, SchoolClass.letter)) if allowed else []
        school_class = next((c for c in classes if c.id == (wanted or allowed[0])), None) \
            if allowed else None
        periods = list(school_class.periods()) if school_class else []
        period = next((p for p in periods if p.id == given_id("period_id")), None) \
            or period_of(periods, today) or (periods[0] if periods else None)
        return self.render(
            "admin/exports.html", classes=classes, school_class=school_class,
            periods=periods, period=period, today=today, error=error,
            typed_date=request.args.get("date", ""),
            journals=access.export_journals(user, school_class.id) if school_class else [],
            pupils=school_class is not None and access.may_export_pupils(user, school_class.id),
        ), status

    @expose("/journal")
    def journal(self):
        """The class journal of a period as XLSX: one journal (subject, subgroup) or, with
        no subject, every journal of the class the user may export."""
        user = staff()
        school_class = school_class_arg()
        subject, subgroup = journal_args(school_class)
        period_id = given_id("period_id")
        if period_id and not school_class.periods().where(Period.id == period_id).exists():
            abort(404)
        if subject is not None:
            journals = [(subject.id, subgroup.id if subgroup else None)]
            if not access.may_export_journal(user, school_class.id, *journals[0]):
                abort(403)
        else:
            journals = [(j.subject_id, j.subgroup_id)
                        for j in access.export_journals(user, school_class.id)]
            if not journals:
                abort(404 if access.may_export_class(user, school_class.id) else 403)
        try:
            report = journal_export(user, school_class, journals, period_id,
                                    SchoolSettings.current().today())
        except RuleError as exc:  # a journal's own refusal (AccessDenied is one) or none
            abort(403 if isinstance(exc, access.AccessDenied) else 404, exc.message)
        return xlsx(report)

    @expose("/pupils")
    def pupils(self):
        """The class list with the guardians on a date (default today) as XLSX; a date
        not understood is said over the page's form, kept as typed."""
        user = staff()
        school_class = school_class_arg()
        if not access.may_export_pupils(user, school_class.id):
            abort(403)
        typed = request.args.get("date", "").strip()
        try:
            day = read_date(typed) if typed else SchoolSettings.current().today()
        except ValueError as exc:
            return self.page(school_class.id, f"«На дату»: {exc}", 400)
        return xlsx(pupils_export(user, school_class, day))

    @expose("/plan")
    def plan(self):
        """A journal's КТП as XLSX."""
        user = staff()
        school_class = school_class_arg()
        subject, subgroup = journal_args(school_class)
        if subject is None:
            abort(404)
        if not access.may_export_journal(user, school_class.id, subject.id,
                                         subgroup.id if subgroup else None):
            abort(403)
        return xlsx(plan_export(user, school_class, subject, subgroup))


def register(panel) -> None:
    panel.add_view(ExportsView(name="Экспорт", url="/exports", endpoint="exports"))
