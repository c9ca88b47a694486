"""«Исправления заместителя директора» under the journal's grid (rule 16): who corrected
which cell, when, from what to what, and why, as the audit log keeps it."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json

from markupsafe import Markup

from models import Student, gradebook
from models.corrections import Correction, journal_corrections

from .audit import TABLES, changes, local_time, names_for

# Where a change was is said by its own column («ученик, урок»), not again in «было → стало».
WHERE = ("lesson", "student", "school_class", "subject", "subgroup", "set_by", "author",
         "teacher")


@dataclasses.dataclass(frozen=True)
class Shown:
    """One correction as the page lists it; `change` is escaped HTML, the rest plain text
    (the template escapes it)."""

    who: str
    when: str
    what: str
    where: str
    change: Markup
    reason: str


def _lesson_label(lesson: dict | None) -> str:
    if not lesson:
        return ""
    try:
        day = dt.date.fromisoformat(str(lesson.get("date")))
    except ValueError:
        return ""
    return f"урок {day:%d.%m.%Y}, {lesson.get('number')}-й"


def _change(item: Correction, names: dict) -> Markup:
    """Before → after of the corrected values alone (admin.audit.changes, minus the columns
    that say where)."""
    def without_where(data: str | None) -> str | None:
        if data is None:
            return None
        return json.dumps({k: v for k, v in json.loads(data).items() if k not in WHERE},
                          ensure_ascii=False)

    entry = item.entry
    shown = type(entry)(table_name=entry.table_name, before=without_where(entry.before),
                        after=without_where(entry.after))
    return changes(shown, names)


def corrections_of(page: gradebook.JournalPage) -> list[Shown]:
    """The deputy's corrections of the shown journal and period, newest first."""
    found = journal_corrections(page.school_class.id, page.subject.id,
                                page.subgroup.id if page.subgroup else None, page.period)
    names = names_for([c.entry for c in found])
    rows = []
    for item in found:
        pupil = names.get((Student, item.student_id), "") if item.student_id else ""
        where = ", ".join(x for x in (pupil, _lesson_label(item.lesson)) if x)
        rows.append(Shown(who=item.entry.staff.short_name, when=local_time(item.entry.at),
                          what=TABLES.get(item.entry.table_name, item.entry.table_name),
                          where=where, change=_change(item, names), reason=item.reason))
    return rows
