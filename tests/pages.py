"""Reading the journal grid and «Мой класс» the way their scripts do, to post what they post:
a cell's shown text goes with its save, a reason select's data attributes with its choice."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

from models import Attendance, Mark

_CELL = re.compile(r'<input class="cell" data-lesson="(\d+)" data-student="(\d+)" '
                   r'value="([^"]*)"')
_ROW = re.compile(r'<tr><th class="pupil-col" scope="row">([^<]+)</th>(.*?)</tr>', re.S)
_SELECT = re.compile(r'<select class="absence"([^>]*)>(.*?)</select>', re.S)
_SELECTED = re.compile(r'<option value="([^"]*)" selected>')
_DATA = re.compile(r'data-([\w-]+)="([^"]*)"')


def grid_url(lesson) -> str:
    return f"/journal/grid?class_id={lesson.school_class_id}&subject_id={lesson.subject_id}"


def my_class_url(lesson) -> str:
    return f"/my-class/?class_id={lesson.school_class_id}&day={lesson.date.isoformat()}"


def grid_cells(page: str) -> dict[tuple[int, int], str]:
    """(lesson id, pupil id) → the text an editable cell shows."""
    return {(int(lesson), int(pupil)): html.unescape(text)
            for lesson, pupil, text in _CELL.findall(page)}


def cell_save(lesson, pupil, typed: str, shown: str) -> dict:
    """What journal.js posts when a cell is left: the typed text and the text the cell
    showed when the teacher started typing."""
    return {"lesson": lesson.id, "student": pupil.id, "value": typed, "seen": shown}


@dataclass
class ReasonSelect:
    """A pupil's absence-reason select: its data attributes and the code it shows."""

    data: dict[str, str]
    shown: str


def reason_selects(page: str) -> dict[str, ReasonSelect]:
    """«Фамилия Имя» → the pupil's absence-reason select on a «Мой класс» page (one lesson
    that day), for pupils who have one."""
    attendance = page[page.index('id="attendance"'):]
    attendance = attendance[:attendance.index("</table>")]
    found = {}
    for name, cells in _ROW.findall(attendance):
        select = _SELECT.search(cells)
        if select:
            data = {key: html.unescape(value) for key, value in _DATA.findall(select.group(1))}
            shown = _SELECTED.search(select.group(2)).group(1)
            found[html.unescape(name)] = ReasonSelect(data, shown)
    return found


def reason_pick(select: ReasonSelect, code: str) -> dict:
    """What myclass.js posts when a reason is picked: the select's data and the code."""
    return {**select.data, "code": code}


def name_of(pupil) -> str:
    return f"{pupil.last_name} {pupil.first_name}"


def stored(lesson_id: int, pupil_id: int) -> str:
    """The cell as the database holds it: the attendance code, then the marks in order."""
    codes = [a.code for a in Attendance.select().where(
        (Attendance.lesson == lesson_id) & (Attendance.student == pupil_id))]
    marks = [m.value for m in Mark.select().where(
        (Mark.lesson == lesson_id) & (Mark.student == pupil_id)).order_by(Mark.id)]
    return " ".join(codes + marks)


def lesson_payload(school, **fields) -> dict:
    """A lesson as the grid's lesson form posts it: 5А's maths, today, 1st lesson."""
    return {"class_id": school.c5.id, "subject_id": school.math.id,
            "date": school.today.isoformat(), "number": 1, **fields}
