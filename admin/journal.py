"""«Журнал»: the grid where teachers type marks and attendance, saved cell by cell."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import abort, flash, jsonify, redirect, request, url_for
from markupsafe import Markup, escape

from models import (
    Lesson,
    Period,
    RuleError,
    SchoolClass,
    SchoolSettings,
    Staff,
    Subgroup,
    Subject,
    WorkType,
    access,
    calendar,
    cells,
    gradebook,
    record,
    rules,
)
from models.auditing import stating
from models.classes import Membership
from models.final_marks import END_TITLES
from models.journal import PERIOD_MARK_KINDS
from models.rules import format_average as average_text
from models.rules import suggest_mark
from models.school import check_year_open
from models.today import next_plan_topic, open_slot_lesson, slot_numbers

from .base import SecureView, expose, int_arg, row_id, staff
from .corrections import corrections_of

# How many days ahead the deputy's reopening form proposes.
REOPEN_DEFAULT_DAYS = 3


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
    group = page.subgroup.id if page.subgroup else None
    columns = [(x.id, work.work_type_id if work else None, x.date,
                x.date.strftime("%d.%m") + (f", {escape(work.name)}" if work else ""),
                x.id in editable) for x, work in page.columns]

    def cells(pupil: Membership) -> Markup:
        sid, cells_of, comments = pupil.student_id, page.cells, page.comments
        name = escape(pupil.student.last_name)
        out = []
        for lesson_id, work, day, label, can_edit in columns:
            cell = cells_of.get((lesson_id, work, sid))
            text = escape(cell.text) if cell else ""
            comment = comments.get((lesson_id, sid), "") if work is None else ""
            look = (cell_classes(cell, comment) + (" work" if work else "")).strip()
            note = f' data-comment="{escape(comment)}" title="{escape(comment)}"' if comment else ""
            if not pupil.belongs(class_id, group, day):
                out.append(f'<td class="off"><span class="cell-ro">{text}</span></td>')
            elif can_edit:
                kind = f' data-work="{work}"' if work else ""
                out.append(f'<td class="{look}"><input class="cell" data-lesson="{lesson_id}" '
                           f'data-student="{sid}"{kind} value="{text}" autocomplete="off" '
                           f'maxlength="{maxlength}"{note} '
                           f'aria-label="{name}, {label}"></td>')
            else:
                out.append(f'<td class="{look}"><span class="cell-ro"{note}>{text}</span></td>')
        return Markup("".join(out))

    return cells


def cell_classes(cell: cells.Cell | None, comment: str) -> str:
    """A cell's look: a low mark and an absence coloured (the text says it too: «2», «Н»),
    a comment marked in the corner."""
    names = []
    if cell and any(rules.is_low_mark(m) for m in cell.marks):
        names.append("mark-low")
    if cell and cell.code in cells.REASONS:
        names.append("absence")
    if comment:
        names.append("has-comment")
    return " ".join(names)


def day_label(day: dt.date) -> str:
    """A date as the lesson form lists it: «пн, 23.11.2026»."""
    return f"{calendar.WEEKDAY_SHORT[day.weekday()]}, {day:%d.%m.%Y}"


def paper_lessons(page: gradebook.JournalPage) -> set[int]:
    """The page's lessons re-entered from the temporary paper journal (rule 12): their
    form's box comes ticked."""
    ids = [x.id for x in page.lessons]
    return {i for (i,) in Lesson.select(Lesson.id).where(
        Lesson.id.in_(ids) & (Lesson.from_paper == True)).tuples()} if ids else set()  # noqa: E712


def lesson_days(page: gradebook.JournalPage,
                today: dt.date) -> list[tuple[dt.date, str, bool]]:
    """The dates of the lesson form, newest first, as (day, label, offered): the class's
    school days of the shown period up to today (rule 14), and, not offered, the other
    days a shown lesson is stored on, so that opening such a lesson does not silently
    move it (its save is then refused with the reason the label gives)."""
    school_calendar = calendar.SchoolCalendar.of(page.school_class.year_id)
    grade = page.school_class.grade
    days = {day: (day_label(day), True) for day in school_calendar.school_days(
        page.period.start, min(page.period.end, today), grade)}
    for lesson in page.lessons:
        if lesson.date not in days:
            reason = school_calendar.day_off(lesson.date, grade)
            days[lesson.date] = (day_label(lesson.date) + (f" — {reason}" if reason else ""),
                                 False)
    return [(day, label, offered) for day, (label, offered) in sorted(days.items(),
                                                                      reverse=True)]


@dataclass(frozen=True)
class JournalState:
    """Whether the shown journal may be written today (rule 15), and what the page says."""

    closed_year: str = ""              # the closed year's message
    lock: calendar.Lock | None = None  # the period's lock, reopened or not

    @property
    def read_only(self) -> bool:
        return bool(self.closed_year) or (self.lock is not None
                                          and self.lock.reopening is None)

    @classmethod
    def of(cls, page: gradebook.JournalPage) -> JournalState:
        try:
            check_year_open(page.school_class.year_id)
        except RuleError as exc:
            return cls(closed_year=exc.message)
        return cls(lock=calendar.journal_lock(page.school_class, page.subject.id,
                                              page.subgroup and page.subgroup.id, page.period))


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
        state = JournalState.of(page)
        # A locked or closed journal is read-only for everyone, as one may not edit.
        writable = not state.read_only
        # Rule 16: the deputy's cells are open too; each write then asks for the reason.
        editable = access.editable_lesson_ids(user, class_id, subject_id, subgroup_id,
                                              page.lessons, correcting=True) \
            if writable else set()
        period_marks = access.period_mark_pupils(
            user, class_id, subject_id, [x.student_id for x in page.pupils],
            min(page.period.end, today), correcting=True) if writable else []
        return self.render(
            "admin/journal/grid.html", page=page, today=today, teaches=teaches,
            can_create=writable and (teaches or user.has_role(*access.SETUP)),
            state=state, asks_reason=writable and access.corrects_journal(
                user, class_id, subject_id, subgroup_id),
            corrections=corrections_of(page),
            may_reopen=(state.lock is not None and state.read_only
                        and user.has_role(*access.SETUP)),
            reopen_until=today + REOPEN_DEFAULT_DAYS * calendar.DAY,
            reopen_last=today + calendar.MAX_REOPEN_DAYS * calendar.DAY,
            lesson_days=lesson_days(page, today),
            editable=editable, cells=cell_renderer(page, editable),
            period_mark_pupils=period_marks, limits=rules,
            work_types=list(WorkType.select().order_by(WorkType.name)),
            teachers=(list(Staff.select().where(Staff.is_active == True)  # noqa: E712
                           .order_by(Staff.last_name)) if user.has_role(*access.SETUP) else []),
            periods=list(page.school_class.periods()), average_text=average_text,
            slot_numbers=slot_numbers(class_id, subject_id, subgroup_id, today),
            next_topic=next_plan_topic(page.school_class, page.subject, page.subgroup),
            opened=row_id(request.args.get("lesson")), focus=row_id(request.args.get("focus")),
            focus_work=row_id(request.args.get("work")),
            thresholds=SchoolSettings.current().thresholds,
            paper_reentry_days=SchoolSettings.current().paper_reentry_days,
            paper_lessons=paper_lessons(page),
            export=url_for("exports.journal", class_id=class_id, subject_id=subject_id,
                           subgroup_id=subgroup_id, period_id=page.period.id)
            if access.may_export_journal(user, class_id, subject_id, subgroup_id) else "",
            end_editable=writable and page.last_period and page.period.start <= today,
            end_titles=END_TITLES, end_names=PERIOD_MARK_KINDS,
            api={name: url_for(f".{name}") for name in ("cell", "lesson", "lesson_delete",
                                                          "period_mark", "reopen", "comment",
                                                          "work")})

    # --- JSON endpoints: each checks the row through models.access -------------------

    def _payload(self) -> dict:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            abort(400)
        return data

    def _journal(self, data: dict) -> tuple[SchoolClass, Subject, Subgroup | None]:
        """The journal a payload names (class, subject, the class's subgroup or none)."""
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
        return school_class, subject, subgroup

    def _lesson(self, value) -> Lesson:
        lesson_id = row_id(value)
        lesson = Lesson.get_or_none(Lesson.id == lesson_id) if lesson_id else None
        if lesson is None:
            abort(404)
        return lesson

    def _correction(self, data: dict, correcting: bool):
        """Rule 16: the writes inside are logged with the reason the page sent when they are
        the deputy's correction (`correcting`, as models.access says); without one they are
        refused (AccessDenied, a RuleError)."""
        return stating(access.correction_reason(data.get("reason"), correcting))

    @expose("/api/cell", methods=("POST",))
    def cell(self):
        data = self._payload()
        lesson, student_id = self._lesson(data.get("lesson")), row_id(data.get("student"))
        # The text the cell showed when typing began: a save from a page drawn before
        # someone else's change is refused (issue 11.1). Scripts of older pages omit it.
        seen = data.get("seen")
        work = row_id(data.get("work")) if data.get("work") not in (None, "") else None
        if student_id is None or not isinstance(seen, (str, type(None))) or (
                data.get("work") not in (None, "") and work is None):
            abort(400)
        try:
            with self._correction(data, access.corrects_lesson(staff(), lesson)):
                saved = cells.save_cell(staff(), lesson, student_id,
                                        str(data.get("value", "")), seen, work_type_id=work)
        except RuleError as exc:
            return rule_error(exc)
        average = record.period_average(lesson.school_class, lesson.subject_id, student_id,
                                        lesson.date)
        return jsonify(text=saved.text, look=cell_classes(saved, ""),
                       average=average_text(average),
                       suggested=suggest_mark(average, SchoolSettings.current().thresholds) or "")

    @expose("/api/lesson", methods=("POST",))
    def lesson(self):
        data = self._payload()
        school_class, subject, subgroup = self._journal(data)
        lesson = self._lesson(data["lesson_id"]) if data.get("lesson_id") else None
        if lesson is not None and (lesson.school_class_id, lesson.subject_id,
                                   lesson.subgroup_id) != (school_class.id, subject.id,
                                                           subgroup and subgroup.id):
            abort(404)
        try:
            day = dt.date.fromisoformat(str(data.get("date", "")))
        except ValueError:
            return jsonify(error="Укажите дату урока."), 422
        try:
            due = (dt.date.fromisoformat(str(data["homework_due"]))
                   if data.get("homework_due") else None)
        except ValueError:
            return jsonify(error="Срок сдачи домашнего задания — не дата."), 422
        # Topic, homework and number are kept as given or refused by the lesson's rules,
        # never cut or rounded: 0, 1.5 or "два" is no lesson number (None, refused).
        fields = {"date": day, "topic": str(data.get("topic", "")).strip(),
                  "homework": str(data.get("homework", "")).strip(), "homework_due": due,
                  "work_type": row_id(data.get("work_type_id"))}
        if "from_paper" in data:  # rule 12's flag; scripts of older pages omit it
            fields["from_paper"] = data["from_paper"] is True
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
            with self._correction(data, lesson is not None
                                  and access.corrects_lesson(staff(), lesson)):
                saved = gradebook.save_lesson(staff(), school_class, subject, subgroup,
                                              lesson, teacher_id=teacher_id, **fields)
        except RuleError as exc:
            return rule_error(exc)
        return jsonify(id=saved.id)

    @expose("/api/work", methods=("POST",))
    def work(self):
        """A graded work within a lesson added (a column of its own), or removed with its
        marks (`remove`: true)."""
        data = self._payload()
        lesson, work_type_id = self._lesson(data.get("lesson_id")), row_id(data.get("work_type_id"))
        if work_type_id is None or WorkType.get_or_none(WorkType.id == work_type_id) is None:
            return jsonify(error="Такого вида работы нет."), 422
        try:
            with self._correction(data, access.corrects_lesson(staff(), lesson)):
                if data.get("remove") is True:
                    removed = gradebook.remove_work(staff(), lesson, work_type_id)
                    return jsonify(removed=removed)
                gradebook.add_work(staff(), lesson, work_type_id)
        except RuleError as exc:
            return rule_error(exc)
        return jsonify(ok=True)

    @expose("/api/comment", methods=("POST",))
    def comment(self):
        data = self._payload()
        lesson, student_id = self._lesson(data.get("lesson")), row_id(data.get("student"))
        if student_id is None or not isinstance(data.get("text", ""), str):
            abort(400)
        try:
            with self._correction(data, access.corrects_lesson(staff(), lesson)):
                text = cells.save_comment(staff(), lesson, student_id, data.get("text", ""))
        except RuleError as exc:
            return rule_error(exc)
        return jsonify(text=text)

    @expose("/today", methods=("POST",))
    def from_timetable(self):
        """«Сегодня»: the journal of a timetable slot, with today's column made from the
        slot (its number, the next КТП topic) or opened where it exists; the grid then
        opens that column's lesson form."""
        slot_id = row_id(request.form.get("slot_id"))
        if slot_id is None:
            abort(404)
        try:
            day = dt.date.fromisoformat(request.form.get("day", ""))
        except ValueError:
            day = SchoolSettings.current().today()
        try:
            lesson = open_slot_lesson(staff(), slot_id, day)
        except RuleError as exc:
            flash(exc.message, "error")
            return redirect(url_for("admin.index", day=day.isoformat()))
        return redirect(url_for(".grid", class_id=lesson.school_class_id,
                                subject_id=lesson.subject_id,
                                subgroup_id=lesson.subgroup_id or "", lesson=lesson.id))

    @expose("/api/lesson/delete", methods=("POST",))
    def lesson_delete(self):
        data = self._payload()
        lesson = self._lesson(data.get("lesson_id"))
        try:
            with self._correction(data, access.corrects_lesson(staff(), lesson)):
                gradebook.delete_lesson(staff(), lesson)
        except RuleError as exc:
            return rule_error(exc)
        return jsonify(ok=True)

    @expose("/api/period-mark", methods=("POST",))
    def period_mark(self):
        """A period mark, or (`kind`: year, exam, final; no period) a mark of the year's end;
        answers the value saved and what the year and final marks are suggested now."""
        data = self._payload()
        kind = data.get("kind") or "period"
        school_class = SchoolClass.get_or_none(SchoolClass.id == row_id(data.get("class_id")))
        period = (Period.get_or_none(Period.id == row_id(data.get("period_id")))
                  if kind == "period" else None)
        subject_id, student_id = row_id(data.get("subject_id")), row_id(data.get("student"))
        if school_class is None or not subject_id or not student_id or (
                kind == "period" and (period is None or period.year_id != school_class.year_id)):
            abort(404)
        try:
            with self._correction(data, access.corrects_period_mark(
                    staff(), school_class.id, subject_id, student_id, period)):
                row = gradebook.set_period_mark(staff(), student_id, school_class, subject_id,
                                                period, str(data.get("value", "")), kind=str(kind))
        except RuleError as exc:
            return rule_error(exc)
        marks = record.pupil_end_marks(school_class, subject_id, student_id,
                                       SchoolSettings.current().thresholds)
        return jsonify(value=row.value if row else "", suggested={
            k: (marks.suggested(k) or "") if marks else "" for k in ("year", "final")})

    @expose("/api/reopen", methods=("POST",))
    def reopen(self):
        """The deputy reopens the shown locked journal for a stated reason (rule 15)."""
        data = self._payload()
        school_class, subject, subgroup = self._journal(data)
        period = Period.get_or_none(Period.id == row_id(data.get("period_id")))
        if period is None:
            abort(404)
        try:
            until = dt.date.fromisoformat(str(data.get("until", "")))
        except ValueError:
            return jsonify(error="Укажите дату, до которой журнал будет открыт."), 422
        try:
            opened = calendar.reopen(staff(), school_class, subject, subgroup, period,
                                     str(data.get("reason", "")), until)
        except RuleError as exc:
            return rule_error(exc)
        return jsonify(id=opened.id, until=opened.until.isoformat())


def register(panel) -> None:
    panel.add_view(JournalView(name="Журнал", url="/journal", endpoint="journal"))
