"""Exports (issue 19.2): a class journal for a period, the class list with the guardians and
the КТП of a journal, each built as a models.reports `Report` (tables of typed columns) so
that the reports' XLSX writer writes them unchanged.

The journal's figures are the grid's own: a `gradebook.JournalPage` (read through
models.record's ClassRecord) gives the cells' text, the weighted averages, the suggestions
and the period and year marks, so the file says what the page says. Scope is
models.access's; the caller has asked it (the functions here also refuse, AccessDenied).
"""
from __future__ import annotations

import datetime as dt

from . import access, rules
from .base import RuleError
from .classes import SchoolClass, Subgroup
from .curriculum import Subject
from .final_marks import END_TITLES
from .gradebook import JournalPage
from .journal import Lesson
from .people import Guardian, Staff, Student, StudentGuardian
from .reports import Column, Report, Row, Table
from .timetable import PlanTopic, TeachingAssignment

# Excel's longest sheet name (admin/report_files.py cuts a longer one).
SHEET_LENGTH = 31
NOT_YOURS = "Недостаточно прав: этот журнал вне вашего доступа."
JOURNAL_NOTES = (
    "Клетка — как в журнале: отметки через пробел («5 4» — две отметки, «•» — точка: "
    "отметка ожидается, ОСВ — освобождён), коды посещаемости: "
    + ", ".join(f"{code} — {meaning}" for code, meaning in rules.ATTENDANCE_CODES.items())
    + ".",
    "Ср. балл — средневзвешенный балл за период (вес отметки — вес вида работы; ОСВ и точка "
    "не учитываются); Реком. — отметка, которую он даёт по порогам школы.",
)


def journal_label(subject: Subject, subgroup: Subgroup | None) -> str:
    """«Математика», «Иностранный язык (английский), 1 группа»."""
    return f"{subject.name}, {subgroup.name}" if subgroup else subject.name


def sheet_title(subject: Subject, subgroup: Subgroup | None) -> str:
    """The journal's label within a sheet name's 31 characters, the group kept whole:
    «Иностранный язык (…, 1 группа» reads better than a group's name cut off."""
    label = journal_label(subject, subgroup)
    if len(label) <= SHEET_LENGTH or subgroup is None:
        return label
    name = subject.short_name or subject.name
    room = SHEET_LENGTH - len(subgroup.name) - 2
    if len(name) > room:
        name = name[:room - 1].rstrip() + "…"
    return f"{name}, {subgroup.name}"


def journal_export(user: Staff, school_class: SchoolClass,
                   journals: list[tuple[int, int | None]], period_id: int | None,
                   today: dt.date) -> Report:
    """The class journal of a period (default: the current one, as the grid opens) for
    the given (subject, subgroup) journals: a sheet per journal (pupils × lesson columns,
    the average, the suggestion, the period mark and the year's end marks), then the
    lessons' topics and homework on a sheet of their own."""
    pages = []
    for subject_id, subgroup_id in journals:
        access.require(access.may_export_journal(user, school_class.id, subject_id,
                                                 subgroup_id), NOT_YOURS)
        pages.append(JournalPage.open(school_class.id, subject_id, subgroup_id, period_id,
                                      today))
    if not pages:
        raise RuleError(f"В {school_class.name} классе нет журналов, доступных вам.")
    one = pages[0] if len(pages) == 1 else None
    what = journal_label(one.subject, one.subgroup) if one else "все предметы"
    scope = f"{school_class.name}, {what}, {pages[0].period} {school_class.year.name}"
    tables = [journal_table(page) for page in pages]
    tables.append(topics_table(pages, with_subject=one is None))
    return Report("journal", "Классный журнал", scope, tables, notes=list(JOURNAL_NOTES),
                  landscape=True)


def journal_table(page: JournalPage) -> Table:
    """One journal's page as the grid shows it: a row per pupil, a column per lesson and
    per graded work within it, each cell the grid's text; the average as a number."""
    columns = [Column("№", "int"), Column("Ученик")]
    for lesson, work in page.columns:
        label = f"{lesson.date:%d.%m}"
        if work is not None:
            label += f" {work.label}"
        elif lesson.work_type_id:
            label += f" {lesson.work_type_label}"
        columns.append(Column(label))
    columns += [Column("Ср. балл", "number"), Column("Реком."), Column("За период")]
    columns += [Column(END_TITLES[kind]) for kind in page.end_kinds]
    rows = []
    for n, pupil in enumerate(page.pupils, 1):
        sid, student = pupil.student_id, pupil.student
        cells: list = [n, f"{student.last_name} {student.first_name}"]
        for lesson, work in page.columns:
            cell = page.cells.get((lesson.id, work.work_type_id if work else None, sid))
            cells.append(cell.text if cell and cell.text else None)
        average = page.averages.get(sid)
        cells += [float(average) if average is not None else None,
                  page.suggested(sid) or None, page.period_marks.get(sid) or None]
        ends = page.end_marks.get(sid)
        cells += [(ends.given(kind) if ends else "") or None for kind in page.end_kinds]
        rows.append(Row(cells))
    return Table(sheet_title(page.subject, page.subgroup), columns, rows)


def topics_table(pages: list[JournalPage], with_subject: bool) -> Table:
    """The lessons of the pages, oldest first: date, number, topic, work type, homework
    and who taught (the grid's list under the journal)."""
    columns = ([Column("Предмет")] if with_subject else []) + [
        Column("Дата"), Column("№ урока", "int"), Column("Тема"), Column("Вид работы"),
        Column("Домашнее задание"), Column("Сдать к"), Column("Провёл")]
    rows = []
    for page in pages:
        label = journal_label(page.subject, page.subgroup)
        for lesson in page.lessons:
            due = f"{lesson.homework_due:%d.%m.%Y}" if lesson.homework_due else None
            rows.append(Row(([label] if with_subject else []) + [
                f"{lesson.date:%d.%m.%Y}", lesson.number, lesson.topic or None,
                lesson.work_type_name or None, lesson.homework or None, due,
                lesson.teacher_name or None]))
    return Table("Темы уроков", columns, rows)


def pupils_export(user: Staff, school_class: SchoolClass, day: dt.date) -> Report:
    """The class list on the day (the movement book's): number, full name, birth date,
    gender, and each guardian (name, relation, phone, e-mail, paper sheet) on a line of
    their own; only the pupils whose cards the user reads (models.access)."""
    access.require(access.may_export_pupils(user, school_class.id),
                   "Список учеников с родителями доступен классному руководителю класса, "
                   "заместителю директора и директору.")
    present = school_class.student_ids_on(day)
    ids = access.export_pupil_ids(user, school_class.id, present)
    students = list(Student.select().where(Student.id.in_(ids))
                    .order_by(Student.last_name, Student.first_name, Student.middle_name,
                              Student.id)) if ids else []
    guardians = _guardians(ids)
    columns = [Column("№", "int"), Column("ФИО ученика"), Column("Дата рождения"),
               Column("Пол"), Column("Родитель (законный представитель)"),
               Column("Кем приходится"), Column("Телефон"), Column("E-mail"),
               Column("Бумажный лист")]
    rows = []
    for n, student in enumerate(students, 1):
        pupil = [n, student.full_name,
                 f"{student.birth_date:%d.%m.%Y}" if student.birth_date else None,
                 student.gender or None]
        for i, (guardian, relation) in enumerate(guardians.get(student.id) or [(None, "")]):
            contact = [None] * 5 if guardian is None else [
                guardian.full_name, relation or None, guardian.phone or None,
                guardian.email or None, "да" if guardian.wants_paper_sheet else "нет"]
            rows.append(Row((pupil if i == 0 else [None] * 4) + contact))
    notes = [f"Состав класса на {day:%d.%m.%Y} по книге движения учащихся: "
             f"{len(students)} чел."]
    if len(ids) < len(present):
        notes.append(f"Не показаны ученики, выбывшие из ваших классов: {len(present) - len(ids)}.")
    table = Table("Ученики и родители", columns, rows)
    return Report("pupils", "Список учеников и родителей (законных представителей)",
                  f"{school_class.name}, на {day:%d.%m.%Y}", [table], notes=notes,
                  landscape=True, signer="Классный руководитель")


def _guardians(student_ids: list[int]) -> dict[int, list[tuple[Guardian, str]]]:
    """pupil id -> (guardian, relation) in name order, in one query."""
    if not student_ids:
        return {}
    link = StudentGuardian
    found: dict[int, list[tuple[Guardian, str]]] = {}
    for row in (link.select(link, Guardian).join(Guardian)
                .where(link.student.in_(student_ids))
                .order_by(Guardian.last_name, Guardian.first_name, Guardian.id)):
        found.setdefault(row.student_id, []).append((row.guardian, row.relation))
    return found


def plan_export(user: Staff, school_class: SchoolClass, subject: Subject,
                subgroup: Subgroup | None) -> Report:
    """The journal's КТП: number, topic, hours, planned date, and the dates of the lessons
    that took the topic (none yet: empty)."""
    access.require(access.may_export_journal(user, school_class.id, subject.id,
                                             subgroup.id if subgroup else None), NOT_YOURS)
    a = TeachingAssignment
    group = a.subgroup == subgroup.id if subgroup else a.subgroup.is_null()
    topics = list(PlanTopic.select().join(a).where(
        (a.school_class == school_class.id) & (a.subject == subject.id) & group)
        .order_by(PlanTopic.number, PlanTopic.id))
    taken: dict[int, list[dt.date]] = {}
    if topics:
        for topic_id, day in (Lesson.select(Lesson.plan_topic, Lesson.date)
                              .where(Lesson.plan_topic.in_([t.id for t in topics]))
                              .order_by(Lesson.date, Lesson.number).tuples()):
            taken.setdefault(topic_id, []).append(day)
    columns = [Column("№", "int"), Column("Тема"), Column("Часы", "int"),
               Column("Планируемая дата"), Column("Дата урока")]
    rows = [Row([t.number, t.title, t.hours,
                 f"{t.planned_date:%d.%m.%Y}" if t.planned_date else None,
                 ", ".join(f"{d:%d.%m.%Y}" for d in taken.get(t.id, ())) or None])
            for t in topics]
    hours = sum(t.hours for t in topics)
    rows.append(Row([None, "Всего часов", hours, None, None], level=1))
    return Report("ktp", "Календарно-тематическое планирование",
                  f"{school_class.name}, {journal_label(subject, subgroup)}, "
                  f"{school_class.year.name}", [Table("КТП", columns, rows)],
                  notes=[f"Тем: {len(topics)}, пройдено на уроках: "
                         f"{sum(1 for t in topics if t.id in taken)}."],
                  signer="Учитель")
