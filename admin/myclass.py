"""«Мой класс»: the class teacher's page (rule 4): the week's absences (a day's on the day
view), absence reasons and a whole day's absence, pupils' and guardians' cards, period
marks in every subject with the suggested ones accepted at once, and the all-subjects sheet.

The reading and the writing are models' (models.class_week, models.class_marks, cells):
this module only turns requests into their calls.
"""
from __future__ import annotations

import datetime as dt

from flask import (
    abort,
    flash,
    get_template_attribute,
    jsonify,
    redirect,
    request,
    url_for,
)

from models import (
    Guardian,
    Lesson,
    Period,
    RuleError,
    SchoolClass,
    SchoolSettings,
    StudentGuardian,
    access,
    cells,
    year_transfer,
)
from models.calendar import last_school_week, period_of
from models.class_marks import PeriodSheet, YearSheet, accept_suggestions
from models.class_week import ClassWeek, mark_day_absent
from models.final_marks import END_KINDS, END_PLURAL
from models.journal import PERIOD_MARK_KINDS
from models.record import ClassRecord
from models.rules import ATTENDANCE_CODES, LOW_MARKS, is_low_mark
from site_builder.printing import extract

from . import diary_passwords
from .base import SecureView, expose, panel_views, row_id, staff
from .journal import average_text, rule_error
from .printing import pdf

WEEK_CELL = ("admin/myclass_week.html", "day_cell")


def card_links():
    """A function giving the edit form of a pupil's or guardian's card, or None where this
    person may not edit such cards; the views' access is asked once per page, not per row
    (the edit form itself checks the row)."""
    views = panel_views()
    editable = {name for name in ("students", "guardians")
                if name in views and views[name].is_accessible() and views[name].can_edit}

    def card_url(endpoint: str, row_id: int) -> str | None:
        return url_for(f"{endpoint}.edit_view", id=row_id) if endpoint in editable else None

    return card_url


def date_arg(name: str) -> dt.date | None:
    """A date from the query string; None when absent or unreadable (werkzeug's type=
    gives None on ValueError)."""
    return request.args.get(name, type=dt.date.fromisoformat)


class MyClassView(SecureView):
    """Open to class teachers, for their own classes only."""

    def allow(self, user) -> bool:
        return access.may_use_my_class(user)

    def _class(self, wanted: int | None = None) -> SchoolClass:
        class_id = access.my_class_id(staff(), wanted or request.args.get("class_id", type=int))
        if class_id is None:
            abort(403)
        return SchoolClass.get_by_id(class_id)

    @staticmethod
    def _period(school_class: SchoolClass, day: dt.date, wanted: int | None) -> Period | None:
        """The period asked for, else the one holding the day; in a vacation the period just
        ended (period_of), before the first the first."""
        periods = list(school_class.periods())
        return (next((p for p in periods if p.id == wanted), None)
                or period_of(periods, day) or (periods[0] if periods else None))

    @expose("/")
    def index(self):
        """The week (default, or ?week=any day of it) or one day (?day=), then the period's
        marks and the cards."""
        school_class = self._class()
        settings = SchoolSettings.current()
        today = settings.today()
        day = date_arg("day")
        if day is None:
            # By default the week of the last school day (in a vacation, the last with
            # lessons), as the weekly sheets are printed for.
            wanted = date_arg("week") or last_school_week(today, [school_class.grade])
            week = ClassWeek.read(school_class, min(wanted, today))
            shown = min(week.days[-1] if week.days else today, today)
            context = self._week(week, today)
        else:
            shown = min(day, today)
            context = self._day(school_class, day, today)
        period = self._period(school_class, shown, request.args.get("period_id", type=int))
        # «Годовые», «Экзаменационные», «Итоговые» in the period list: the year's end.
        end_kind = request.args.get("period_id") if request.args.get(
            "period_id") in END_KINDS else None
        sheet = (PeriodSheet.read(school_class, period, today, settings.thresholds)
                 if period and not end_kind else None)
        year_sheet = (YearSheet.read(school_class, today, settings.thresholds)
                      if end_kind and period else None)
        current = list(school_class.students_on(today))
        return self.render(
            "admin/myclass.html", school_class=school_class, today=today,
            own=SchoolClass.select().where(SchoolClass.id.in_(access.own_class_ids(staff()))),
            codes=ATTENDANCE_CODES, current=current, debts=year_transfer.debts_of(school_class),
            guardians=self._guardians([p.id for p in current]), period=period,
            periods=list(school_class.periods()), sheet=sheet, average_text=average_text,
            end_kind=end_kind, year_sheet=year_sheet, end_kinds=END_KINDS,
            end_names=PERIOD_MARK_KINDS, end_plural=END_PLURAL,
            is_low=is_low_mark, low_marks=sorted(LOW_MARKS), card_url=card_links(),
            passwords=diary_passwords.section(school_class), back="myclass",
            extract_pupils=extract.extract_pupils(school_class, today), **context)

    @staticmethod
    def _week(week: ClassWeek, today: dt.date) -> dict:
        last = today - dt.timedelta(days=today.weekday())
        return {"week": week, "day": None, "previous": week.monday - dt.timedelta(days=7),
                "following": week.monday + dt.timedelta(days=7) if week.monday < last else None}

    @staticmethod
    def _day(school_class: SchoolClass, day: dt.date, today: dt.date) -> dict:
        """One day's lessons by pupils: who was in the class that day."""
        pupils = list(school_class.students_on(min(day, today)))
        record = ClassRecord(school_class, day, day, pupils=[p.id for p in pupils])
        return {"week": None, "day": day, "pupils": pupils, "lessons": record.class_lessons(),
                "absences": record.all_rows.attendance}

    @staticmethod
    def _guardians(ids: list[int]) -> dict[int, list[tuple[str, Guardian]]]:
        found: dict[int, list] = {i: [] for i in ids}
        for link in (StudentGuardian.select(StudentGuardian, Guardian).join(Guardian)
                     .where(StudentGuardian.student.in_(ids))):
            found[link.student_id].append((link.relation, link.guardian))
        return found

    def _json(self) -> dict:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            abort(400)
        return data

    @expose("/api/absence", methods=("POST",))
    def absence(self):
        """A reason for the absence the page showed, named by lesson and pupil (never by a
        row id, which SQLite may have given to another pupil since) and the code seen."""
        data = self._json()
        lesson_id, student_id = row_id(data.get("lesson")), row_id(data.get("student"))
        seen, code = data.get("seen"), data.get("code")
        if not (lesson_id and student_id and isinstance(seen, str) and isinstance(code, str)):
            abort(400)
        lesson = Lesson.get_or_none(Lesson.id == lesson_id)
        if lesson is None:
            abort(404)
        try:
            cells.correct_absence(staff(), lesson, student_id, seen, code)
        except RuleError as exc:
            return rule_error(exc)
        return jsonify(code=code)

    @expose("/api/day", methods=("POST",))
    def whole_day(self):
        """A pupil absent the whole day with one reason: the summary, and the day's cell
        drawn again."""
        data = self._json()
        class_id, student_id = row_id(data.get("class_id")), row_id(data.get("student"))
        code = data.get("code")
        try:
            day = dt.date.fromisoformat(data.get("day"))
        except (TypeError, ValueError):
            abort(400)
        if not (class_id and student_id and isinstance(code, str)):
            abort(400)
        school_class = self._class(class_id)
        try:
            result = mark_day_absent(staff(), school_class, student_id, day, code)
        except RuleError as exc:
            return rule_error(exc)
        return jsonify(summary=result.summary, refused=len(result.refused),
                       cell=redrawn(school_class, student_id, day))

    @expose("/accept", methods=("POST",))
    def accept(self):
        """«Принять рекомендованные»: the suggestions the page showed become period marks
        (or, `period_id` «year» or «final», the year's or final marks) where none is given."""
        school_class = self._class(request.form.get("class_id", type=int))
        settings = SchoolSettings.current()
        kind = request.form.get("period_id", "")
        kind = kind if kind in ("year", "final") else "period"
        period = None
        if kind == "period":
            period = self._period(school_class, settings.today(),
                                  request.form.get("period_id", type=int))
            if period is None or period.id != request.form.get("period_id", type=int):
                abort(400)
        try:
            done = accept_suggestions(staff(), school_class, period,
                                      reviewed(request.form.get("reviewed", "")),
                                      settings.today(), settings.thresholds, kind=kind)
            flash(done.summary, "success")
        except RuleError as exc:
            flash(exc.message, "error")
        return redirect(url_for(".index", class_id=school_class.id,
                                period_id=period.id if period else kind,
                                _anchor="period-marks"))

    @expose("/extract")
    def extract(self):
        """A pupil's extract for the dates asked (001 2.11), the whole year by default, as a
        PDF in the weekly sheet's look."""
        school_class = self._class()
        student_id = row_id(request.args.get("student"))
        if student_id is None:
            abort(400)
        year = school_class.year
        start = date_arg("start") or year.start
        end = date_arg("end") or min(year.end, SchoolSettings.current().today())
        try:
            found = extract.read_extract(school_class, student_id, start, end)
        except RuleError as exc:
            flash(exc.message, "error")
            return redirect(url_for(".index", class_id=school_class.id, _anchor="extract"))
        return pdf(extract.extract_pdf(found),
                   f"vypiska-{student_id}-{start:%Y%m%d}-{end:%Y%m%d}.pdf")

    @expose("/sheet")
    def sheet(self):
        """The all-subjects sheet of the period, to print (the page's print stylesheet)."""
        school_class = self._class()
        settings = SchoolSettings.current()
        today = settings.today()
        period = self._period(school_class, today, request.args.get("period_id", type=int))
        if period is None:
            abort(404)
        return self.render(
            "admin/myclass_sheet.html", school_class=school_class, periods=list(
                school_class.periods()), today=today,
            sheet=PeriodSheet.read(school_class, period, today, settings.thresholds),
            average_text=average_text, is_low=is_low_mark, low_marks=sorted(LOW_MARKS))


def redrawn(school_class: SchoolClass, student_id: int, day: dt.date) -> str:
    """A pupil's day in the week table, drawn again after a change."""
    week = ClassWeek.read(school_class, day)
    member = next((m for m in week.pupils if m.student_id == student_id), None)
    cell = week.cells.get((student_id, day))
    if member is None or cell is None:
        return ""
    name = f"{member.student.last_name} {member.student.first_name}"
    return str(get_template_attribute(*WEEK_CELL)(cell, student_id, name,
                                                  SchoolSettings.current().today()))


def reviewed(text: str) -> dict[tuple[int, int], str]:
    """The suggestions a page showed, «pupil:subject:mark» separated by «;», as
    {(pupil, subject): mark}; unreadable parts name nothing and are dropped."""
    found = {}
    for part in text.split(";"):
        pupil, _, rest = part.partition(":")
        subject, _, value = rest.partition(":")
        pupil_id, subject_id = row_id(pupil), row_id(subject)
        if pupil_id and subject_id and value:
            found[pupil_id, subject_id] = value
    return found


def register(panel) -> None:
    panel.add_view(MyClassView(name="Мой класс", url="/my-class", endpoint="myclass"))
    diary_passwords.register(panel)
