"""«Мой класс»: the class teacher's page (rule 4): the day's attendance in every subject,
absence reasons, pupils' and guardians' cards, and period marks in every subject."""
from __future__ import annotations

import datetime as dt

from flask import abort, jsonify, request, url_for

from models import (
    Attendance,
    Guardian,
    Lesson,
    Mark,
    PeriodMark,
    RuleError,
    SchoolClass,
    SchoolSettings,
    StudentGuardian,
    Subject,
    TeachingAssignment,
    access,
    cells,
)
from models.calendar import period_of
from models.rules import ATTENDANCE_CODES, suggest_mark

from .base import SecureView, expose, panel_views, row_id, staff
from .journal import average_text, rule_error


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


class MyClassView(SecureView):
    """Open to class teachers, for their own classes only."""

    def allow(self, user) -> bool:
        return access.may_use_my_class(user)

    def _class(self) -> SchoolClass:
        class_id = access.my_class_id(staff(), request.args.get("class_id", type=int))
        if class_id is None:
            abort(403)
        return SchoolClass.get_by_id(class_id)

    @expose("/")
    def index(self):
        school_class = self._class()
        settings = SchoolSettings.current()
        today = settings.today()
        # An unreadable day is today's page (werkzeug's type= gives None on ValueError).
        day = request.args.get("day", type=dt.date.fromisoformat) or today
        pupils = list(school_class.students_on(min(day, today)))
        ids = [p.id for p in pupils]
        # Cards and guardians' contacts only of the pupils in the class today: a past day
        # lists who was there, not how to reach those who have left since.
        current = pupils if day >= today else list(school_class.students_on(today))
        lessons = list(Lesson.select(Lesson, Subject).join(Subject)
                       .where((Lesson.school_class == school_class) & (Lesson.date == day))
                       .order_by(Lesson.number, Subject.name))
        absences = {(a.lesson_id, a.student_id): a for a in Attendance.select().where(
            Attendance.lesson.in_([x.id for x in lessons]))} if lessons else {}
        # In a vacation the period just ended (not the year's first): period_of gives the
        # period holding the day or the last begun before it.
        period = period_of(school_class, min(day, today)) or school_class.periods().first()
        return self.render(
            "admin/myclass.html", school_class=school_class, day=day, today=today,
            own=SchoolClass.select().where(SchoolClass.id.in_(access.own_class_ids(staff()))),
            pupils=pupils, lessons=lessons, absences=absences, codes=ATTENDANCE_CODES,
            current=current, guardians=self._guardians([p.id for p in current]),
            period=period,
            subjects=self._period_marks(school_class, period, ids, settings.thresholds),
            average_text=average_text, card_url=card_links())

    @staticmethod
    def _guardians(ids: list[int]) -> dict[int, list[tuple[str, Guardian]]]:
        found: dict[int, list] = {i: [] for i in ids}
        for link in (StudentGuardian.select(StudentGuardian, Guardian).join(Guardian)
                     .where(StudentGuardian.student.in_(ids))):
            found[link.student_id].append((link.relation, link.guardian))
        return found

    @staticmethod
    def _period_marks(school_class, period, ids, thresholds) -> list[dict]:
        """Per subject of the class: each pupil's average, suggested and given period mark."""
        if period is None:
            return []
        subjects = (Subject.select().join(TeachingAssignment)
                    .where(TeachingAssignment.school_class == school_class)
                    .distinct().order_by(Subject.sort_order, Subject.name))
        pm = PeriodMark
        given = {(r.subject_id, r.student_id): r.value for r in pm.select().where(
            (pm.school_class == school_class) & (pm.kind == "period") & (pm.period == period))}
        rows = []
        for subject in subjects:
            averages = Mark.averages(ids, school_class.id, subject.id, period.start, period.end)
            rows.append({"subject": subject, "cells": {
                sid: (averages[sid], suggest_mark(averages[sid], thresholds),
                      given.get((subject.id, sid), "")) for sid in ids}})
        return rows

    @expose("/api/absence", methods=("POST",))
    def absence(self):
        """A reason for the absence the page showed, named by lesson and pupil (never by a
        row id, which SQLite may have given to another pupil since) and the code seen."""
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            abort(400)
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


def register(panel) -> None:
    panel.add_view(MyClassView(name="Мой класс", url="/my-class", endpoint="myclass"))
