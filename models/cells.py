"""Writing one cell of the journal (a pupil at a lesson): what the grid types, the reasons
«Мой класс» picks, each checked against what the page showed, under the lesson's lock."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from peewee import SqliteDatabase

from . import access, rules
from .audit import AuditEntry
from .base import RuleError, db, utcnow, write_transaction
from .journal import Attendance, Lesson, LessonWork, Mark, TeacherComment
from .people import Staff

# What a teacher may type into a cell: marks, attendance codes, the «точка».
_TOKEN = re.compile(r"ОП|ОСВ|ЗЧ|НЗ|[НБУ]|[1-5]|•")
_SEPARATORS = re.compile(r"[\s,;/]+")
# Latin letters that look like the Cyrillic ones a teacher meant.
LOOKALIKES = str.maketrans({"H": "Н", "Y": "У", "O": "О", "P": "П", ".": "•"})
REASONS = ("Н", "Б", "У")
# How far back the audit log is searched for who changed a cell (a refusal's message only).
AUTHOR_SEARCH = dt.timedelta(days=31)


@dataclass
class Cell:
    """What a pupil got at a lesson: marks in order and an attendance code."""

    marks: list[str] = field(default_factory=list)
    code: str | None = None

    @property
    def text(self) -> str:
        return " ".join(([self.code] if self.code else []) + self.marks)


class StaleCell(RuleError):
    """The cell changed after the page asking to change it was drawn: nothing is written."""


def parse_cell(text: str) -> Cell:
    """Read a typed cell such as «5 4», «5/4», «54», «Н», «ОП 5»; RuleError when unreadable."""
    rules.check_cell_text(text)
    cell = Cell()
    source = _SEPARATORS.sub(" ", text.upper().translate(LOOKALIKES)).strip()
    pos = 0
    while pos < len(source):
        if source[pos] == " ":
            pos += 1
            continue
        match = _TOKEN.match(source, pos)
        if not match:
            raise RuleError(f"Не удалось прочитать «{text.strip()}»: вводите отметки "
                            "(2–5, ЗЧ, НЗ, ОСВ, точка) и коды посещаемости Н, Б, У, ОП.")
        token, pos = match.group(), match.end()
        if token in rules.ATTENDANCE_CODES:
            if cell.code:
                raise RuleError("В клетке может быть только один код посещаемости.")
            cell.code = token
        else:
            cell.marks.append(token)
    if cell.code in REASONS and cell.marks:
        raise RuleError("Ученику, отсутствовавшему на уроке, отметка не ставится.")
    rules.check_cell_marks(len(cell.marks))
    return cell


def column_of(lesson_work_type_id: int | None, own_type_id: int | None) -> int | None:
    """The journal column a mark is in: its own work type's (a work within the lesson), or
    None, the lesson's own column (no type of its own, or the lesson's)."""
    return None if own_type_id in (None, lesson_work_type_id) else own_type_id


def save_cell(user: Staff, lesson: Lesson, student_id: int, text: str,
              seen: str | None = None, work_type_id: int | None = None) -> Cell:
    """Replace a pupil's marks and attendance at a lesson with what was typed (rules 2, 3, 8),
    provided the cell still shows `seen` (the grid's text when typing began; None: unchecked).
    With `work_type_id`, the cell of that work within the lesson: marks only, each of that
    work type (rule 7 weighs it so); absences are the lesson's own column's.

    Unchanged marks stay untouched, so the audit log records only what really changed.
    """
    access.require(access.can_edit_lesson(user, lesson))
    new = parse_cell(text)
    work = column_of(lesson.work_type_id, work_type_id)
    if work is not None:
        if new.code:
            raise RuleError("Пропуск и опоздание отмечаются в столбце самого урока, "
                            "а не в столбце работы.")
        # The work's row, or (written before works had rows) marks of that type.
        if not any(model.select().where((model.lesson == lesson.id)
                                        & (model.work_type == work)).exists()
                   for model in (LessonWork, Mark)):
            raise StaleCell("Этой работы на уроке уже нет — обновите страницу.")
    with write_transaction():
        old_marks, old = _locked_cell(lesson.id, student_id, lesson.work_type_id, work)
        if seen is not None and " ".join(seen.split()) != _cell(old_marks, old).text:
            raise StaleCell(_stale(lesson.id, student_id, _cell(old_marks, old)))
        for i, value in enumerate(new.marks):
            if i < len(old_marks):
                if old_marks[i].value != value:
                    old_marks[i].value = value
                    old_marks[i].save()
            else:
                Mark.create(lesson=lesson, student=student_id, value=value, work_type=work)
        for mark in old_marks[len(new.marks):]:
            mark.delete_instance()
        if work is not None:
            return new
        if new.code is None and old is not None:
            old.delete_instance()
        elif new.code is not None and old is None:
            Attendance.create(lesson=lesson, student=student_id, code=new.code)
        elif new.code is not None and old.code != new.code:
            old.code = new.code
            old.save()
    return new


def save_comment(user: Staff, lesson: Lesson, student_id: int, text: str) -> str:
    """The comment of a pupil's cell (to the pupil and the parents, shown in the diary and on
    the weekly sheet): replaced by `text`, removed when it is empty. One comment a cell;
    written by whoever may change the lesson (rule 3), under its lock like the marks."""
    access.require(access.can_edit_lesson(user, lesson))
    text = text.strip()
    with write_transaction():
        _locked_cell(lesson.id, student_id)
        tc = TeacherComment
        stored = list(tc.select().where((tc.lesson == lesson.id) & (tc.student == student_id))
                      .order_by(tc.id))
        for extra in stored[1:] if text else stored:
            extra.delete_instance()
        if not text:
            return ""
        if not stored:
            tc.create(lesson=lesson, student=student_id, author=user.id, text=text)
        elif stored[0].text != text:
            stored[0].text, stored[0].author = text, user.id
            stored[0].save()
    return text


def correct_absence(user: Staff, lesson: Lesson, student_id: int, seen: str, code: str) -> None:
    """Rule 4: the class teacher (or the lesson's teacher) sets the reason of an absence the
    page showed as `seen`; a lateness («ОП») never gets one."""
    access.require(access.is_class_teacher(user, lesson.school_class_id)
                   or access.can_edit_lesson(user, lesson),
                   "Причину пропуска исправляет классный руководитель или учитель урока.")
    if seen not in REASONS or code not in REASONS:
        raise RuleError("Причину можно выбрать только для пропуска: Н, Б или У.")
    with write_transaction():
        marks, absence = _locked_cell(lesson.id, student_id, lesson.work_type_id)
        if absence is None or absence.code != seen:
            raise StaleCell(_stale(lesson.id, student_id, _cell(marks, absence)))
        if code == seen:
            return
        after = Attendance(**{**absence.__data__, "code": code})
        after.guard(absence)  # rule 15, which save() would check: an UPDATE bypasses it
        # Only the code, and only while it is what the page showed: a stale copy of the
        # row must never write its other columns back (issue 11.1).
        changed = (Attendance.update(code=code, updated_at=utcnow())
                   .where((Attendance.id == absence.id) & (Attendance.code == seen)).execute())
        if changed != 1:  # never while the lock holds: the condition makes it safe without
            now = _cell(*_stored(lesson.id, student_id, lesson.work_type_id))
            raise StaleCell(_stale(lesson.id, student_id, now))
        after.audit_update(absence, only=[Attendance.code])  # an UPDATE bypasses save()


def _locked_cell(lesson_id: int, student_id: int, lesson_type: int | None = None,
                 work: int | None = None) -> tuple[list[Mark], Attendance | None]:
    """The cell's stored rows, read after taking the lesson's write lock.

    On PostgreSQL two saves of one cell would otherwise both read it empty and both insert
    (READ COMMITTED): the lesson's row is locked first, so they take turns. SQLite's
    BEGIN IMMEDIATE (write_transaction) already serialises every writer.
    """
    query = Lesson.select(Lesson.id).where(Lesson.id == lesson_id)
    if not isinstance(db.obj, SqliteDatabase):
        # NO KEY: marks being inserted elsewhere for this lesson (their foreign key's
        # KEY SHARE) need not wait for us.
        query = query.for_update("FOR NO KEY UPDATE")
    if query.first() is None:
        raise StaleCell("Урок удалили, пока страница была открыта, — обновите страницу.")
    return _stored(lesson_id, student_id, lesson_type, work)


def _stored(lesson_id: int, student_id: int, lesson_type: int | None = None,
            work: int | None = None) -> tuple[list[Mark], Attendance | None]:
    """A cell's stored rows: the marks of its column (column_of) and, in the lesson's own
    column, the absence."""
    marks = [m for m in Mark.select().where((Mark.lesson == lesson_id)
                                            & (Mark.student == student_id)).order_by(Mark.id)
             if column_of(lesson_type, m.work_type_id) == work]
    absence = None if work is not None else Attendance.get_or_none(
        (Attendance.lesson == lesson_id) & (Attendance.student == student_id))
    return marks, absence


def _cell(marks: list[Mark], absence: Attendance | None) -> Cell:
    return Cell([m.value for m in marks], absence.code if absence else None)


def _stale(lesson_id: int, student_id: int, now: Cell) -> str:
    """The refusal of a stale page's change: who changed the cell and what it holds now."""
    author = cell_author(lesson_id, student_id)
    who = f"Клетку изменил(а) {author.short_name}" if author else "Клетку изменили"
    holds = f"в ней «{now.text}»" if now.text else "она пуста"
    return f"{who}, пока страница была открыта: теперь {holds} — обновите страницу."


def cell_author(lesson_id: int, student_id: int) -> Staff | None:
    """Who last changed the pupil's cell at the lesson, by the audit log of the last month."""
    # A cell's rows come and go (marks typed over, an absence cleared), so the log is
    # searched by what every snapshot of them names: "lesson": L, "student": S, followed
    # by the next key (a mark's) or the end (an absence's), as auditing.as_json sorts them.
    named = f'"lesson": {lesson_id}, "student": {student_id}'
    e = AuditEntry
    names = (e.before.contains(f"{named},") | e.before.contains(f"{named}}}")
             | e.after.contains(f"{named},") | e.after.contains(f"{named}}}"))
    entry = (e.select(e.staff).where(e.table_name.in_(("mark", "attendance"))
                                     & (e.at >= utcnow() - AUTHOR_SEARCH) & names)
             .order_by(e.id.desc()).first())
    return Staff.get_or_none(Staff.id == entry.staff_id) if entry and entry.staff_id else None
