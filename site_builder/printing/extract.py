"""An extract for any dates (001 2.11): one pupil's marks, absences and period and year
marks between two dates, as a PDF in the weekly sheet's look, read through ClassRecord."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from models import RuleError, SchoolClass, SchoolSettings, Student, Subject
from models.classes import Membership
from models.record import ClassRecord
from models.rules import ATTENDANCE_CODES

from .engine import render_html, render_pdf
from .weekly import ABSENCE_CODES, average_text


@dataclass
class ExtractLine:
    """One subject of the extract: its marks by date, its absences, the range's average and
    the period (and year) marks of the columns."""

    name: str
    marks: list[tuple[dt.date, str, str]] = field(default_factory=list)  # date, value, label
    absences: list[tuple[dt.date, str]] = field(default_factory=list)
    average: str = "—"
    finals: list[str] = field(default_factory=list)


@dataclass
class Extract:
    """What the extract shows, read once."""

    school: str
    student: Student
    school_class: SchoolClass
    start: dt.date
    end: dt.date
    made: dt.date
    columns: list[str]
    lines: list[ExtractLine]

    @property
    def absences(self) -> list[tuple[dt.date, str]]:
        return sorted(a for line in self.lines for a in line.absences)

    @property
    def marks_count(self) -> int:
        return sum(len(line.marks) for line in self.lines)


def read_extract(school_class: SchoolClass, student_id: int, start: dt.date,
                 end: dt.date) -> Extract:
    """The pupil's extract between the dates (both included), as the class's record has it;
    a Russian refusal for a pupil never in the class by the last day, or dates reversed."""
    if start > end:
        raise RuleError(f"Начало выписки ({start:%d.%m.%Y}) позже её конца ({end:%d.%m.%Y}).")
    settings = SchoolSettings.current()
    record = ClassRecord(school_class, start, end, pupils=[student_id])
    member = record.members.get(student_id)
    if member is None or not member.belongs_between(school_class.id, None, start, end):
        raise RuleError(f"Ученик не учился в {school_class.name} с {start:%d.%m.%Y} "
                        f"по {end:%d.%m.%Y}: выписку даёт его класс.")
    student = member.student
    seen = list(record.seen(student.id))
    rows = record.all_rows
    periods = [p for p in school_class.periods() if p.start <= end and p.end >= start]
    whole = list(school_class.periods())
    with_year = bool(whole) and end >= whole[-1].end
    finals = record.pupil_period_marks(student.id)
    names = {x.subject_id: (x.subject_order, x.subject_name) for x in seen}
    names.update(_subject_names({s for s, _, _ in finals} - set(names)))
    lines: dict[int, ExtractLine] = {sid: ExtractLine(name) for sid, (_, name) in
                                     sorted(names.items(), key=lambda item: item[1])}
    for lesson in seen:
        line = lines[lesson.subject_id]
        line.marks.extend((lesson.date, m.value, m.label)
                          for m in rows.marks.get((lesson.id, student.id), ()))
        code = rows.attendance.get((lesson.id, student.id))
        if code:
            line.absences.append((lesson.date, code))
    averages = record.averages(student.id, [(start, end)], rows, seen)
    for sid, line in lines.items():
        line.average = average_text(averages.get((0, sid)))
        line.finals = [finals.get((sid, p.id, "period"), "") for p in periods]
        if with_year:
            line.finals.append(finals.get((sid, None, "year"), ""))
    columns = [str(p) for p in periods] + (["Год"] if with_year else [])
    return Extract(settings.name, student, school_class, start, end, settings.today(),
                   columns, [line for line in lines.values()
                             if line.marks or line.absences or any(line.finals)])


def extract_pupils(school_class: SchoolClass, day: dt.date) -> list[Student]:
    """Everyone the movement book put in the class by the day, those who left too (an
    extract is asked for most when a pupil changes school), in the class list's order."""
    return list(Student.select().where(Student.id.in_(Membership.entered(school_class.id, day)))
                .order_by(Student.last_name, Student.first_name, Student.middle_name,
                          Student.id))


def _subject_names(ids: set[int]) -> dict[int, tuple[int, str]]:
    return {s.id: (s.sort_order, s.name) for s in Subject.select().where(Subject.id.in_(ids))} \
        if ids else {}


def extract_html(extract: Extract, for_pdf: bool = False) -> str:
    """The extract's page(s) as HTML (with the print stylesheet, unless for the PDF)."""
    counts: dict[str, int] = defaultdict(int)
    for _, code in extract.absences:
        counts[code] += 1
    return render_html("extract.html", for_pdf, e=extract, counts=counts,
                       codes=ATTENDANCE_CODES, absence_codes=ABSENCE_CODES)


def extract_pdf(extract: Extract) -> bytes:
    """The extract as a PDF by the printouts' engine."""
    return render_pdf([extract_html(extract, for_pdf=True)])[0]
