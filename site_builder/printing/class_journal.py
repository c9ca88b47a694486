"""The class journal as a document (rule 11; issue 18.1): a class's journal for a period or
the whole year as a paper class journal has it, read through ClassRecord.

A title page; for every subject of the class's curriculum (each subgroup on its own pages)
the pupils × lessons grid of marks and absences, continued on further pages with the
names repeated when the lessons do not fit a page's width, the period (or year) marks at
its end, then the pages of dates, topics and homework with the teacher who gave each
lesson and the subject teacher's signature line; the class's attendance summary; the
deputy's and the director's signature lines. Landscape A4, «стр. N из M» on every page.
The document holds personal data in clear: callers keep it out of the published site.
"""
from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from peewee import JOIN, fn

from models import Period, SchoolClass, SchoolSettings, Staff, Subgroup, TeachingAssignment
from models.classes import Membership
from models.people import short_name
from models.record import ClassRecord, LessonRow
from models.rules import ATTENDANCE_CODES
from models.school import PERIOD_SCHEMES

from .engine import render_html, render_part, render_pdf, render_pooled
from .temporary import MONTHS
from .weekly import ABSENCE_CODES, inline_markdown

# The width of a landscape A4 page's grid (mm) and what its columns take: the pupil's
# number and name, a lesson, a period, year, exam or final mark.
GRID_MM, FIXED_MM, LESSON_MM, FINAL_MM = 275.0, 58.0, 6.6, 10.0
# A long journal is rendered in parts of whole subjects, this many parts a process.
PARTS_PER_WORKER = 2


@dataclass
class Cell:
    """A pupil at a lesson: the marks and the attendance code, or outside the journal."""

    text: str = ""
    outside: bool = False


@dataclass
class GridRow:
    """A pupil's row of one grid page."""

    number: int
    name: str
    note: str  # «с 12.11», «по 20.10»: a stay shorter than the journal's days
    cells: list[Cell]
    finals: list[str]


@dataclass
class GridPage:
    """One page width of a subject's grid: its lessons, with the final marks on the last."""

    lessons: list[LessonRow]
    months: list[tuple[str, int]]  # month name, columns it spans
    rows: list[GridRow]
    final_heads: list[str]
    part: int
    parts: int


@dataclass
class SubjectJournal:
    """A subject's (or a subgroup's) pages of the class journal."""

    title: str
    teachers: str
    lessons: list[LessonRow]
    pages: list[GridPage] = field(default_factory=list)


@dataclass
class AttendanceLine:
    name: str
    counts: dict[str, int]

    @property
    def missed(self) -> int:
        return sum(self.counts[c] for c in ABSENCE_CODES)


@dataclass
class ClassJournal:
    """Everything the document shows, read once."""

    school: str
    school_class: SchoolClass
    year: str
    period: str
    start: dt.date
    end: dt.date
    class_teacher: str
    subjects: list[SubjectJournal]
    attendance: list[AttendanceLine]
    deputy: str
    director: str

    @property
    def footer(self) -> str:
        return f"Классный журнал {self.school_class.name} · {self.year} · {self.period}"


def _staff_names(role: str) -> str:
    """The active staff holding the role, short names joined (blank if none)."""
    found = [s.short_name for s in Staff.select().where(
        (Staff.is_active == True) & Staff.roles.contains(role)  # noqa: E712
        ).order_by(Staff.last_name, Staff.id) if s.has_role(role)]
    return ", ".join(found)


def _months(lessons: list[LessonRow]) -> list[tuple[str, int]]:
    spans: list[tuple[str, int]] = []
    for lesson in lessons:
        name = MONTHS[lesson.date.month - 1]
        if spans and spans[-1][0] == name:
            spans[-1] = (name, spans[-1][1] + 1)
        else:
            spans.append((name, 1))
    return spans


def _cell(record: ClassRecord, member: Membership, lesson: LessonRow,
          subgroup_id: int | None) -> Cell:
    rows = record.all_rows
    key = (lesson.id, member.student_id)
    marks = "/".join(m.value for m in rows.marks.get(key, ()))
    code = rows.attendance.get(key, "")
    text = " ".join(x for x in (marks, code) if x)
    return Cell(text, not member.belongs(lesson.class_id, subgroup_id, lesson.date))


def _note(member: Membership, class_id: int, subgroup_id: int | None, start: dt.date,
          end: dt.date) -> str:
    stay = member.stay(class_id, subgroup_id, start, end)
    if not stay:
        return ""
    return ", ".join(([f"с {stay[0]:%d.%m}"] if stay[0] > start else [])
                     + ([f"по {stay[1]:%d.%m}"] if stay[1] < end else []))


def _finals(record: ClassRecord, period: Period | None,
            subject_id: int) -> tuple[list[str], Callable[[int], list[str]]]:
    """The heads of the final-mark columns and a function: pupil id -> their values."""
    if period is not None:
        return [_short(period)], lambda sid: [record.period_mark(sid, subject_id, period.id)]
    curriculum = record.curriculum.get(subject_id)
    exam = bool(curriculum and curriculum.has_exam)
    heads = ([_short(p) for p in record.periods] + ["Год"]
             + (["Экз."] if exam else []) + ["Итог"])

    def values(sid: int) -> list[str]:
        marks = record.pupil_period_marks(sid)
        return ([marks.get((subject_id, p.id, "period"), "") for p in record.periods]
                + [marks.get((subject_id, None, "year"), "")]
                + ([marks.get((subject_id, None, "exam"), "")] if exam else [])
                + [marks.get((subject_id, None, "final"), "")])
    return heads, values


def _short(period: Period) -> str:
    """A period as a column head: «2 четв.», «1 трим.», «1 пол.»."""
    word = PERIOD_SCHEMES[period.scheme][0]
    return f"{period.number} {word[:3 if period.scheme == 'half' else 4]}."


def _chunks(lessons: list[LessonRow], finals: int) -> list[list[LessonRow]]:
    """The lessons split by page width; the last page keeps room for the final marks."""
    per_page = int((GRID_MM - FIXED_MM) // LESSON_MM)
    last = max(1, int((GRID_MM - FIXED_MM - finals * FINAL_MM) // LESSON_MM))
    chunks: list[list[LessonRow]] = []
    rest = list(lessons)
    while len(rest) > last:
        # The last two pages share what is left: no page of one or two lessons.
        take = (per_page if len(rest) > per_page + last
                else max(len(rest) - last, -(-len(rest) // 2)))
        chunks.append(rest[:take])
        rest = rest[take:]
    chunks.append(rest)
    return chunks


def _subject(record: ClassRecord, period: Period | None, subject_id: int,
             subgroup_id: int | None, title: str, teachers: str) -> SubjectJournal:
    class_id = record.school_class.id
    lessons = [x for x in record.journal_lessons(subgroup_id) if x.subject_id == subject_id]
    journal = SubjectJournal(title, teachers or ", ".join(dict.fromkeys(
        x.teacher_name for x in lessons)), lessons)
    members = record.belonging(subgroup_id, record.start, record.end)
    heads, values = _finals(record, period, subject_id)
    chunks = _chunks(lessons, len(heads))
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        rows = [GridRow(n, m.student.full_name,
                        _note(m, class_id, subgroup_id, record.start, record.end),
                        [_cell(record, m, x, subgroup_id) for x in chunk],
                        values(m.student_id) if last else [])
                for n, m in enumerate(members, 1)]
        journal.pages.append(GridPage(chunk, _months(chunk), rows, heads if last else [],
                                      index + 1, len(chunks)))
    return journal


def _journals(record: ClassRecord, period: Period | None) -> list[SubjectJournal]:
    """Every subject of the curriculum (each subgroup apart), then any journal that has
    lessons but no assignment (so that no lesson of the class is left out)."""
    a = TeachingAssignment
    found: dict[tuple[int, int | None], list[str]] = {}
    names: dict[tuple[int, int | None], str] = {}
    for subject_id, subgroup_id, group, last, first, middle in (
            a.select(a.subject, a.subgroup, fn.COALESCE(Subgroup.name, ""), Staff.last_name,
                     Staff.first_name, Staff.middle_name)
            .join(Subgroup, JOIN.LEFT_OUTER, on=(a.subgroup == Subgroup.id)).switch(a)
            .join(Staff, on=(a.teacher == Staff.id))
            .where(a.school_class == record.school_class.id).order_by(a.id).tuples()):
        key = (subject_id, subgroup_id)
        found.setdefault(key, []).append(short_name(last, first, middle))
        names[key] = group
    order = {x.id: i for i, x in enumerate(record.curriculum.values())}
    subject_names = {x.id: x.name for x in record.curriculum.values()}
    for lesson in record.class_lessons():
        key = (lesson.subject_id, lesson.subgroup_id)
        subject_names.setdefault(lesson.subject_id, lesson.subject_name)
        order.setdefault(lesson.subject_id, 1000 + lesson.subject_order)
        if key not in found:
            found[key] = []
            names[key] = (Subgroup.get_by_id(lesson.subgroup_id).name
                          if lesson.subgroup_id else "")
    keys = sorted(found, key=lambda k: (order.get(k[0], 10**6), subject_names.get(k[0], ""),
                                        k[1] is not None, names[k]))
    return [_subject(record, period, sid, gid,
                     subject_names.get(sid, "") + (f", {names[(sid, gid)]}" if gid else ""),
                     ", ".join(dict.fromkeys(found[(sid, gid)])))
            for sid, gid in keys if sid in subject_names]


def _attendance(record: ClassRecord) -> list[AttendanceLine]:
    own = {x.id for x in record.class_lessons()}
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ATTENDANCE_CODES, 0))
    for (lesson_id, sid), code in record.all_rows.attendance.items():
        if lesson_id in own and code in ATTENDANCE_CODES:
            counts[sid][code] += 1
    return [AttendanceLine(m.student.full_name, counts[m.student_id])
            for m in record.belonging(None, record.start, record.end)]


def read_class_journal(school_class: SchoolClass, period: Period | None) -> ClassJournal:
    """The class's journal for the period (None: the whole year), as its record has it."""
    year = school_class.year
    start, end = (period.start, period.end) if period else (year.start, year.end)
    record = ClassRecord(school_class, start, end)
    teacher = school_class.class_teacher
    return ClassJournal(
        SchoolSettings.current().name, school_class, year.name,
        str(period) if period else "учебный год", start, end,
        teacher.full_name if teacher else "", _journals(record, period), _attendance(record),
        _staff_names("deputy"), _staff_names("director"))


def class_journal_html(journal: ClassJournal, for_pdf: bool = False, *,
                       part: str = "all", subjects: list[SubjectJournal] | None = None) -> str:
    """The class journal as printable HTML; a `part` of it for parallel rendering: "title"
    (the title page and the given subjects), "subjects", "end" (the given subjects, the
    attendance summary and the signatures). Parts carry no page numbers: they are stamped
    on the joined PDF (stamp_page_numbers)."""
    return render_html("class_journal.html", for_pdf, j=journal, codes=ATTENDANCE_CODES,
                       absence_codes=ABSENCE_CODES, markdown=inline_markdown,
                       lesson_mm=LESSON_MM, final_mm=FINAL_MM, part=part,
                       subjects=journal.subjects if subjects is None else subjects)


def _parts(journal: ClassJournal, count: int) -> list[str]:
    """The journal as `count` (or fewer) HTML documents of whole subjects, in order."""
    subjects = journal.subjects
    size = max(1, -(-len(subjects) // count))
    groups = [subjects[i:i + size] for i in range(0, len(subjects), size)] or [[]]
    kinds = ["subjects"] * len(groups)
    if len(groups) == 1:
        return [class_journal_html(journal, True)]
    kinds[0], kinds[-1] = "title", "end"
    return [class_journal_html(journal, True, part=kind, subjects=group)
            for kind, group in zip(kinds, groups, strict=True)]


def stamp_page_numbers(data: bytes, pages: int) -> bytes:
    """«стр. N из M» put on each page of a PDF joined from parts: a PDF of as many pages
    holding only those words, laid over it page by page (pypdf)."""
    from pypdf import PdfReader, PdfWriter

    numbers, _ = render_pdf([render_html("class_journal.html", True, part="numbers",
                                         pages=pages, j=None, subjects=[])])
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for page, number in zip(writer.pages, PdfReader(io.BytesIO(numbers)).pages, strict=True):
        page.merge_page(number)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_class_journal(journal: ClassJournal, workers: int) -> tuple[bytes, int]:
    """The journal as a PDF and its page count: in this process with one worker, else in
    parts rendered side by side (PARTS_PER_WORKER a worker), joined and page-numbered."""
    if workers <= 1:
        return render_pdf([class_journal_html(journal, for_pdf=True)])
    parts = _parts(journal, workers * PARTS_PER_WORKER)
    if len(parts) == 1:
        return render_pdf(parts)
    data, pages = render_pooled(render_part, parts, workers)
    return stamp_page_numbers(data, pages), pages


def class_journal_pdf(school_class: SchoolClass, period: Period | None, *,
                      workers: int = 1) -> tuple[bytes, int]:
    """The class journal of the period (None: the whole year) as a PDF and its page count;
    in this process, or in `workers` processes (worth it on an idle machine with cores to
    spare: bench/archive.py; an archive of many classes rather renders classes side by
    side)."""
    return render_class_journal(read_class_journal(school_class, period), workers)
