"""«Отчёты» (issue 17): the list of the reports (models.reports), each one's form, the
report as a page (tables, the formulas, the charts as SVG) and as PDF and XLSX files.

The form is GET only: year, class (or every class the user may see), period (or the
year), a date range, a subject — whichever the report's Spec names. The scope is
models.access's: a class or subject outside the user's reach is refused (403), never
shown; a parameter that names nothing is a Russian message over the form, kept as sent.
"""
from __future__ import annotations

import datetime as dt
import io

from flask import abort, request, send_file, url_for

from models import AcademicYear, Period, RuleError, SchoolClass, SchoolSettings, Subject, access
from models.calendar import period_of
from models.reports import Choice, Report, Spec, load
from models.timetable import TeachingAssignment

from .base import SecureView, expose, row_id, staff
from .charts import chart_svg
from .report_files import NUMBERS, XLSX_TYPE, file_name, report_pdf, report_xlsx, rows_html

FORMATS = ("", "html", "pdf", "xlsx")
ALL = "all"  # class_id=all: every class the user may see; period_id=year: the whole year
YEAR = "year"


class WrongChoice(Exception):
    """A form's parameter that names nothing usable: the Russian message over the form."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _date(text: str, label: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise WrongChoice(f"«{label}»: дата не понята, введите её как ДД.ММ.ГГГГ.") from None


class ReportForm:
    """What the form offers and what it chose, read from the query string for one user."""

    def __init__(self, spec: Spec, user, args, today: dt.date):
        self.spec, self.user, self.today = spec, user, today
        self.years = list(AcademicYear.select().order_by(AcademicYear.start.desc()))
        self.year = None
        self.classes: list[SchoolClass] = []
        self.periods: list[Period] = []
        self.subjects: list[Subject] = []
        self.class_id: int | None = None
        self.period_id: int | None = None
        self.subject_id: int | None = None
        self.start = self.end = None
        self.args = args

    def has(self, name: str) -> bool:
        return name in self.spec.filters

    def read(self) -> Choice:
        """The Choice, or WrongChoice; abort(403/404) for a class or subject out of reach."""
        args = self.args
        wanted_year = args.get("year", "")
        if wanted_year:
            found = row_id(wanted_year)
            self.year = next((y for y in self.years if y.id == found), None)
            if self.year is None:
                raise WrongChoice("Такого учебного года нет: выберите год из списка.")
        else:
            self.year = AcademicYear.on(self.today, after_end=True)
        if self.year is None:
            raise WrongChoice("Учебных лет ещё нет: отчётам не из чего считать.")
        allowed = access.report_class_ids(self.user, self.year)
        by_id = {c.id: c for c in SchoolClass.select().where(SchoolClass.id.in_(allowed))} \
            if allowed else {}
        self.classes = [by_id[i] for i in allowed]
        school_class = self._class(args.get("class_id", ""))
        self._periods(school_class, args.get("period_id", ""))
        if self.has("range"):
            self.start = _date(args.get("start", ""), "С")
            self.end = _date(args.get("end", ""), "По")
            if (self.start is None) != (self.end is None):
                raise WrongChoice("Для периода по датам укажите обе даты: «С» и «По».")
            if self.start and self.start > self.end:
                raise WrongChoice(f"Начало ({self.start:%d.%m.%Y}) позже конца "
                                  f"({self.end:%d.%m.%Y}).")
            if self.start and (self.start < self.year.start or self.end > self.year.end):
                raise WrongChoice(f"Даты вне учебного года {self.year.name} "
                                  f"({self.year.start:%d.%m.%Y}–{self.year.end:%d.%m.%Y}).")
        self._subject(school_class, args.get("subject_id", ""))
        return Choice(self.year, self.today, self.class_id, self.period_id, self.start,
                      self.end, self.subject_id)

    def _class(self, wanted: str) -> SchoolClass | None:
        if not self.has("class"):
            return None
        if not self.classes:
            raise WrongChoice(f"В {self.year.name} нет классов, чьи отчёты вам доступны.")
        if wanted == ALL:
            return None
        if not wanted:
            graded = [c for c in self.classes if c.grade >= 2] if self.spec.period_marks else []
            school_class = (graded or self.classes)[0]
        else:
            found = row_id(wanted)
            if found is None:
                abort(404)
            school_class = next((c for c in self.classes if c.id == found), None)
            if school_class is None:  # another's class, or none at all
                abort(403 if SchoolClass.get_or_none(SchoolClass.id == found) else 404)
        self.class_id = school_class.id
        return school_class

    def _periods(self, school_class: SchoolClass | None, wanted: str) -> None:
        if not self.has("period"):
            return
        if school_class is not None:
            self.periods = list(school_class.periods())
        else:
            self.periods = list(Period.select().where(Period.year == self.year.id)
                                .order_by(Period.scheme.desc(), Period.number))
        if wanted == YEAR:
            return
        if wanted:
            found = row_id(wanted)
            period = next((p for p in self.periods if p.id == found), None)
            if period is None:
                raise WrongChoice("Такого периода у выбранного класса и года нет: выберите "
                                  "период из списка.")
        else:
            # Every class: the periods of the first class's scheme (most classes share it).
            scheme = (school_class or (self.classes[0] if self.classes else None))
            scheme = scheme.period_scheme if scheme else "quarter"
            first = [p for p in self.periods if p.scheme == scheme]
            ended = [p for p in first if p.end < self.today] if self.spec.period_marks else []
            period = ended[-1] if ended else period_of(first, min(self.today, self.year.end))
        self.period_id = period.id if period else None

    def _subject(self, school_class: SchoolClass | None, wanted: str) -> None:
        if not self.has("subject"):
            return
        a = TeachingAssignment
        query = (Subject.select().distinct().join(a).join(SchoolClass)
                 .where(SchoolClass.id.in_([c.id for c in self.classes] or [0])))
        mine = None
        if school_class is not None:
            query = query.where(SchoolClass.id == school_class.id)
            mine = access.report_subject_ids(self.user, school_class.id)
        elif not access.reads_all(self.user):
            query = query.where((a.teacher == self.user.id)
                                | (SchoolClass.class_teacher == self.user.id))
        self.subjects = [s for s in query.order_by(Subject.sort_order, Subject.name)
                         if mine is None or s.id in mine]
        if not wanted:
            return
        found = row_id(wanted)
        if found is None or Subject.get_or_none(Subject.id == found) is None:
            raise WrongChoice("Такого предмета нет: выберите предмет из списка.")
        if mine is not None and found not in mine:
            abort(403)
        if all(s.id != found for s in self.subjects):
            raise WrongChoice("Этого предмета нет в учебном плане выбранных классов.")
        self.subject_id = found

    def chosen(self, name: str) -> str:
        """The option to show selected: what was sent, else what the form chose."""
        sent = self.args.get(name)
        if sent is not None:
            return sent
        value = {"year": self.year.id if self.year else None, "class_id": self.class_id,
                 "period_id": self.period_id, "subject_id": self.subject_id}.get(name)
        return "" if value is None else str(value)


class ReportsView(SecureView):
    """Open to the director and deputies (every class), class teachers (their classes)
    and subject teachers (the classes they teach): models.access.may_read_reports."""

    def allow(self, user) -> bool:
        return access.may_read_reports(user)

    @expose("/")
    def index(self):
        return self.render("admin/reports/index.html", reports=load())

    @expose("/<key>")
    def report(self, key: str):
        spec = load().get(key)
        if spec is None:
            abort(404)
        wanted = request.args.get("format", "")
        settings = SchoolSettings.current()
        form = ReportForm(spec, staff(), request.args, settings.today())
        report: Report | None = None
        error = ""
        status = 200
        try:
            if wanted not in FORMATS:
                raise WrongChoice("Такого формата нет: отчёт скачивается в PDF или XLSX.")
            choice = form.read()
        except WrongChoice as exc:
            error, status = exc.message, 400
        else:
            try:
                report = spec.build(staff(), choice)
            except access.AccessDenied:  # the report's own check of the scope
                abort(403)
            except RuleError as exc:
                error = exc.message
        if report is not None and wanted == "xlsx":
            return send_file(io.BytesIO(report_xlsx(report)), mimetype=XLSX_TYPE,
                             as_attachment=True, download_name=file_name(report, "xlsx"))
        if report is not None and wanted == "pdf":
            return send_file(io.BytesIO(report_pdf(report, settings.name, settings.today())),
                             mimetype="application/pdf", as_attachment=True,
                             download_name=file_name(report, "pdf"))
        kept = {k: v for k, v in request.args.items() if k not in ("format", "key")}
        return self.render("admin/reports/report.html", spec=spec, form=form, report=report,
                           error=error, chart_svg=chart_svg, rows_html=rows_html,
                           numbers=NUMBERS, ALL=ALL, YEAR=YEAR,
                           pdf=url_for(".report", key=key, **kept, format="pdf"),
                           xlsx=url_for(".report", key=key, **kept, format="xlsx")), status


def register(panel) -> None:
    panel.add_view(ReportsView(name="Отчёты", url="/reports", endpoint="reports"))
