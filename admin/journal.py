"""«Журнал»: the grid where teachers type marks and attendance, saved cell by cell."""
from __future__ import annotations

import datetime as dt

from flask import abort, jsonify, request, url_for
from markupsafe import Markup, escape

from models import (
    Lesson,
    Mark,
    Period,
    RuleError,
    SchoolClass,
    SchoolSettings,
    Staff,
    Subgroup,
    Subject,
    WorkType,
    access,
    cells,
    gradebook,
    rules,
)
from models.rules import format_average as average_text
from models.rules import suggest_mark

from .base import SecureView, expose, int_arg, row_id, staff


def rule_error(exc: RuleError):
    """A refused save as JSON: 403 for rights (rules 3–6), 409 for a page drawn before
    someone else's change, 422 for the data's rules."""
    status = (403 if isinstance(exc, access.AccessDenied)
              else 409 if isinstance(exc, cells.StaleCell) else 422)
    return jsonify(error=exc.message, rule=exc.rule), status


def cell_renderer(page: gradebook.JournalPage, editable: set[int]):
    """A function giving one pupil's row of cells as HTML.

    Built in Python rather than a Jinja loop: a page of 30 pupils × 80 lessons has 2,400
    cells, and the template loop alone took most of the grid's time budget. Every value
    that is not a number goes through escape().
    """
    class_id, maxlength = page.school_class.id, rules.MAX_CELL_TEXT
    columns = [(x.id, x.date, x.date.strftime("%d.%m"), x.id in editable) for x in page.lessons]

    def cells(pupil: gradebook.Pupil) -> Markup:
        sid, cells_of = pupil.student.id, page.cells
        name = escape(pupil.student.last_name)
        out = []
        for lesson_id, day, label, can_edit in columns:
            cell = cells_of.get((lesson_id, sid))
            text = escape(cell.text) if cell else ""
            if not pupil.in_journal_on(day, class_id):
                out.append(f'<td class="off"><span class="cell-ro">{text}</span></td>')
            elif can_edit:
                out.append(f'<td><input class="cell" data-lesson="{lesson_id}" '
                           f'data-student="{sid}" value="{text}" autocomplete="off" '
                           f'maxlength="{maxlength}" '
                           f'aria-label="{name}, {label}"></td>')
            else:
                out.append(f'<td><span class="cell-ro">{text}</span></td>')
        return Markup("".join(out))

    return cells


class JournalView(SecureView):
    """Pick a journal; read it as a grid; save lessons, cells and period marks as JSON."""

    roles = ("teacher", *access.READ_ALL)

    @expose("/")
    def index(self):
        journals = access.journals_for(staff())
        return self.render("admin/journal/index.html", journals=journals)

    @expose("/grid")
    def grid(self):
        user = staff()
        names = ("class_id", "subject_id", "subgroup_id", "period_id")
        class_id, subject_id, subgroup_id, period_id = (row_id(request.args.get(k))
                                                        for k in names)
        # A given id that names no row is no page (not silently another one).
        if not class_id or not subject_id or any(
                request.args.get(k) and not row_id(request.args.get(k)) for k in names):
            abort(404)
        if not access.can_read_journal(user, class_id, subject_id, subgroup_id):
            abort(403)
        today = SchoolSettings.current().today()
        try:
            page = gradebook.JournalPage.open(class_id, subject_id, subgroup_id,
                                              period_id, today)
        except RuleError as exc:
            return self.render("admin/journal/missing.html", message=exc.message), 404
        teaches = access.teaches(user, class_id, subject_id, subgroup_id)
        editable = {x.id for x in page.lessons if teaches or x.teacher_id == user.id}
        period_marks = access.period_mark_pupils(
            user, class_id, subject_id, [x.student.id for x in page.pupils],
            min(page.period.end, today))
        return self.render(
            "admin/journal/grid.html", page=page, today=today, teaches=teaches,
            can_create=teaches or user.has_role(*access.SETUP),
            editable=editable, cells=cell_renderer(page, editable),
            period_mark_pupils=period_marks, limits=rules,
            work_types=list(WorkType.select().order_by(WorkType.name)),
            teachers=(list(Staff.select().where(Staff.is_active == True)  # noqa: E712
                           .order_by(Staff.last_name)) if user.has_role(*access.SETUP) else []),
            periods=list(page.school_class.periods()), average_text=average_text,
            thresholds=SchoolSettings.current().thresholds,
            api={name: url_for(f".{name}") for name in ("cell", "lesson", "lesson_delete",
                                                          "period_mark")})

    # --- JSON endpoints: each checks the row through models.access -------------------

    def _payload(self) -> dict:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            abort(400)
        return data

    def _lesson(self, value) -> Lesson:
        lesson_id = row_id(value)
        lesson = Lesson.get_or_none(Lesson.id == lesson_id) if lesson_id else None
        if lesson is None:
            abort(404)
        return lesson

    @expose("/api/cell", methods=("POST",))
    def cell(self):
        data = self._payload()
        lesson, student_id = self._lesson(data.get("lesson")), row_id(data.get("student"))
        # The text the cell showed when typing began: a save from a page drawn before
        # someone else's change is refused (issue 11.1). Scripts of older pages omit it.
        seen = data.get("seen")
        if student_id is None or not isinstance(seen, (str, type(None))):
            abort(400)
        try:
            saved = cells.save_cell(staff(), lesson, student_id, str(data.get("value", "")),
                                    seen)
        except RuleError as exc:
            return rule_error(exc)
        period = lesson.school_class.period_on(lesson.date)
        average = period and Mark.average(
            student_id, lesson.school_class_id, lesson.subject_id, period.start, period.end)
        return jsonify(text=saved.text, average=average_text(average),
                       suggested=suggest_mark(average, SchoolSettings.current().thresholds) or "")

    @expose("/api/lesson", methods=("POST",))
    def lesson(self):
        data = self._payload()
        school_class = SchoolClass.get_or_none(SchoolClass.id == row_id(data.get("class_id")))
        subject = Subject.get_or_none(Subject.id == row_id(data.get("subject_id")))
        if school_class is None or subject is None:
            abort(404)
        subgroup = None
        if data.get("subgroup_id"):
            subgroup = Subgroup.get_or_none((Subgroup.id == row_id(data.get("subgroup_id")))
                                            & (Subgroup.school_class == school_class))
            if subgroup is None:
                abort(404)
        lesson = self._lesson(data["lesson_id"]) if data.get("lesson_id") else None
        if lesson is not None and (lesson.school_class_id, lesson.subject_id,
                                   lesson.subgroup_id) != (school_class.id, subject.id,
                                                           subgroup and subgroup.id):
            abort(404)
        try:
            day = dt.date.fromisoformat(str(data.get("date", "")))
        except ValueError:
            return jsonify(error="Укажите дату урока."), 422
        # Topic, homework and number are kept as given or refused by the lesson's rules,
        # never cut or rounded: 0, 1.5 or "два" is no lesson number (None, refused).
        fields = {"date": day, "topic": str(data.get("topic", "")).strip(),
                  "homework": str(data.get("homework", "")).strip(),
                  "work_type": row_id(data.get("work_type_id"))}
        if data.get("number") not in (None, ""):  # without one a new lesson is the 1st
            fields["number"] = int_arg(data["number"])
        if data.get("work_type_id") and not (
                fields["work_type"] and WorkType.get_or_none(WorkType.id == fields["work_type"])):
            return jsonify(error="Такого вида работы нет."), 422
        teacher_id = row_id(data.get("teacher_id"))
        if data.get("teacher_id") and not teacher_id:
            return jsonify(error="Такого учителя нет."), 422
        if teacher_id and not Staff.get_or_none((Staff.id == teacher_id)
                                                & (Staff.is_active == True)):  # noqa: E712
            return jsonify(error="Такого учителя нет."), 422
        if lesson is not None and lesson.plan_topic_id and lesson.topic != fields["topic"]:
            fields["plan_topic"] = None
        try:
            saved = gradebook.save_lesson(staff(), school_class, subject, subgroup, lesson,
                                          teacher_id=teacher_id, **fields)
        except RuleError as exc:
            return rule_error(exc)
        return jsonify(id=saved.id)

    @expose("/api/lesson/delete", methods=("POST",))
    def lesson_delete(self):
        try:
            gradebook.delete_lesson(staff(), self._lesson(self._payload().get("lesson_id")))
        except RuleError as exc:
            return rule_error(exc)
        return jsonify(ok=True)

    @expose("/api/period-mark", methods=("POST",))
    def period_mark(self):
        data = self._payload()
        school_class = SchoolClass.get_or_none(SchoolClass.id == row_id(data.get("class_id")))
        period = Period.get_or_none(Period.id == row_id(data.get("period_id")))
        subject_id, student_id = row_id(data.get("subject_id")), row_id(data.get("student"))
        if school_class is None or period is None or not subject_id or not student_id \
                or period.year_id != school_class.year_id:
            abort(404)
        try:
            row = gradebook.set_period_mark(staff(), student_id, school_class, subject_id,
                                            period, str(data.get("value", "")))
        except RuleError as exc:
            return rule_error(exc)
        return jsonify(value=row.value if row else "")


def register(panel) -> None:
    panel.add_view(JournalView(name="Журнал", url="/journal", endpoint="journal"))
