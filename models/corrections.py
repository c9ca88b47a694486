"""Rule 16: the deputy's corrections of a journal, read back from the audit log, which keeps
each with the deputy's reason (models.access marks them so)."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from . import access
from .audit import AuditEntry
from .journal import Lesson
from .people import Staff
from .school import Period

# A lesson's cell, work and comment rows name their lesson; a period mark names its journal.
CELL_TABLES = ("mark", "attendance", "teacher_comment", "lesson_work")
TABLES = ("lesson", *CELL_TABLES, "period_mark")


@dataclass(frozen=True)
class Correction:
    """One logged change the deputy made in a journal, with the reason they gave."""

    entry: AuditEntry
    data: dict             # the row's logged values after the change (before, if deleted)
    lesson: dict | None    # the logged values of the lesson it is in (date, number)
    reason: str            # the deputy's own words

    @property
    def student_id(self) -> int | None:
        return self.data.get("student")


def _data(entry: AuditEntry) -> dict:
    return json.loads(entry.after or entry.before or "{}")


def _in_journal(data: dict, class_id: int, subject_id: int, subgroup_id: int | None) -> bool:
    return (data.get("school_class"), data.get("subject"), data.get("subgroup")) == (
        class_id, subject_id, subgroup_id)


def journal_corrections(class_id: int, subject_id: int, subgroup_id: int | None,
                        period: Period) -> list[Correction]:
    """The deputy's corrections in one journal's period, newest first: of its lessons dated
    in the period (deleted ones too), their cells, works and comments, and of the pupils'
    marks for the period and the year in the subject.

    Read by author (the audit log's (staff, at) index: the deputies' changes since the
    period began), so a page costs one query into the log whatever its size; a correction
    is listed while its author still has the deputy's role.
    """
    deputies = [s.id for s in Staff.select(Staff.id, Staff.roles) if access.corrects(s)]
    if not deputies:
        return []
    e = AuditEntry
    since = dt.datetime.combine(period.start, dt.time()) - dt.timedelta(days=1)  # UTC slack
    entries = list(e.select(e, Staff).join(Staff, on=(e.staff == Staff.id))
                   .where(e.staff.in_(deputies) & (e.at >= since) & e.table_name.in_(TABLES)
                          & e.reason.startswith(access.CORRECTION))
                   .order_by(e.at.desc(), e.id.desc()))
    if not entries:
        return []
    start, end = period.start.isoformat(), period.end.isoformat()
    group = Lesson.subgroup == subgroup_id if subgroup_id else Lesson.subgroup.is_null()
    lessons = {x.id: {"date": x.date.isoformat(), "number": x.number} for x in Lesson.select(
        Lesson.id, Lesson.date, Lesson.number).where(
        (Lesson.school_class == class_id) & (Lesson.subject == subject_id) & group
        & Lesson.date.between(period.start, period.end))}
    for entry in entries:  # lessons deleted (or moved away) since: as the log had them
        data = _data(entry)
        if entry.table_name == "lesson" and entry.row_id not in lessons \
                and _in_journal(data, class_id, subject_id, subgroup_id) \
                and start <= str(data.get("date")) <= end:
            lessons[entry.row_id] = data
    found = []
    for entry in entries:
        data = _data(entry)
        lesson_id = entry.row_id if entry.table_name == "lesson" else data.get("lesson")
        if entry.table_name == "period_mark":
            wanted = (data.get("school_class"), data.get("subject")) == (class_id, subject_id) \
                and data.get("period") in (period.id, None)
        else:
            wanted = lesson_id in lessons
        if wanted:
            found.append(Correction(entry, data, lessons.get(lesson_id),
                                    entry.reason.removeprefix(access.CORRECTION)))
    return found
