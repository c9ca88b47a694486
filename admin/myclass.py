"""«Мой класс»: the class teacher's page (rule 4): the day's attendance in every subject,
absence reasons, pupils' and guardians' cards, and period marks in every subject."""
from __future__ import annotations

import datetime as dt

from flask import abort, jsonify, request, url_for

from models import (
    Guardian,
    Lesson,
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
from models.record import ClassRecord
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
        day_record = ClassRecord(school_class, day, day, pupils=ids)
        lessons, absences = day_record.class_lessons(), day_record.all_rows.attendance
        # In a vacation the period just ended (not the year's first): period_of gives the
        # period holding the day or the last begun before it.
        periods = list(school_class.periods())
        period = period_of(periods, min(day, today)) or (periods[0] if periods else None)
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
        """Per subject of the class: each pupil's average, suggested and given period mark,
        read through the journal's one reader in a fixed number of queries."""
        if period is None:
            return []
        subjects = (Subject.select().join(TeachingAssignment)
                    .where(TeachingAssignment.school_class == school_class)
                    .distinct().order_by(Subject.sort_order, Subject.name))
        record = ClassRecord(school_class, period.start, period.end, pupils=ids)
        averages = {sid: record.averages(sid, [(period.start, period.end)]) for sid in ids}
        rows = []
        for subject in subjects:
            cells_ = {}
            for sid in ids:
                average = averages[sid].get((0, subject.id))
                cells_[sid] = (average, suggest_mark(average, thresholds), record.period_mark(
                    sid, subject.id, period.id, class_id=school_class.id))
            rows.append({"subject": subject, "cells": cells_})
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
