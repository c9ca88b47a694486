"""«Сводная ведомость успеваемости» (issue 17, report 1; 001 6: kept 25 years): for a class
and a period, its pupils × the subjects of its curriculum with each pupil's period mark;
for the year, the year mark (and the exam and final marks where the subject ends in an
exam). Per pupil the average of the five-point marks in the row; under the pupils, per
subject, how many «5», «4», «3», «2» and «Н/А».

Pupils who were in the class some day of the period are listed, those who left before its
end «выбыл ДД.ММ», those who came after its start «прибыл ДД.ММ». Everything is read
through models.record.ClassRecord; the classes and subjects shown are models.access's.
"""
from __future__ import annotations

from fractions import Fraction

from .. import access, rules
from ..access import AccessDenied
from ..classes import Membership, SchoolClass
from ..people import Staff
from ..record import ClassRecord, CurriculumRow
from ..school import Period
from . import Chart, Choice, Column, Report, Row, Table, report
from .choosing import class_period

# The counts under the pupils: (row title, the mark counted).
COUNTED = (("«5»", "5"), ("«4»", "4"), ("«3»", "3"), ("«2»", "2"), ("н/а", "Н/А"))
PASS_COUNTED = (("зачёт", "ЗЧ"), ("незачёт", "НЗ"))
# The year's columns of a subject: (kind of PeriodMark, title), exam and final only where
# the subject ends in an exam.
YEAR_KINDS = (("year", "год"), ("exam", "экз."), ("final", "итог."))


def _note(member: Membership, class_id: int, start, end) -> str:
    """«выбыл ДД.ММ» / «прибыл ДД.ММ» for a pupil in the class only part of the dates."""
    stay = member.stay(class_id, None, start, end)
    if stay is None:
        return ""
    notes = []
    if stay[0] > start:
        notes.append(f"прибыл {stay[0]:%d.%m}")
    if stay[1] < end:
        left = next((day for day, _ in member.moves if day > stay[1]), stay[1])
        notes.append(f"выбыл {left:%d.%m}")
    return ", ".join(notes)


def _average(marks: list[str]) -> float | None:
    """The plain average of the row's five-point marks (rounded to hundredths)."""
    numbers = [int(m) for m in marks if m in rules.NUMERIC_MARKS]
    if not numbers:
        return None
    return round(float(Fraction(sum(numbers), len(numbers))), 2)


def class_table(user: Staff, school_class: SchoolClass, period: Period | None,
                title: str) -> Table:
    """The sheet of one class: pupils × subjects, the averages, the counts."""
    year = school_class.year
    start, end = (period.start, period.end) if period else (year.start, year.end)
    record = ClassRecord(school_class, start, end)
    allowed = access.report_subject_ids(user, school_class.id)
    subjects: list[CurriculumRow] = [s for s in record.curriculum.values()
                                     if allowed is None or s.id in allowed]
    columns = [Column("№", "int"), Column("Ученик")]
    keys: list[tuple[int, int | None, str]] = []  # per mark column: subject, period, kind
    for subject in subjects:
        if period is not None:
            columns.append(Column(subject.short or subject.name))
            keys.append((subject.id, period.id, "period"))
            continue
        for kind, label in YEAR_KINDS:
            if kind == "year" or subject.has_exam:
                columns.append(Column(f"{subject.short or subject.name}: {label}"))
                keys.append((subject.id, None, kind))
    columns.append(Column("Средний балл", "number"))
    rows: list[Row] = []
    given: list[list[str]] = []
    class_id = school_class.id
    for member in record.members.values():
        if not member.belongs_between(class_id, None, start, end):
            continue
        marks = record.pupil_period_marks(member.student_id)
        values = [marks.get(key, "") for key in keys]
        given.append(values)
        name = member.student.full_name
        note = _note(member, class_id, start, end)
        rows.append(Row([len(rows) + 1, f"{name} ({note})" if note else name,
                         *(v or None for v in values), _average(values)]))
    counted = COUNTED + (PASS_COUNTED if any(s.scale == "pass" for s in subjects) else ())
    for label, mark in counted:
        rows.append(Row([None, label, *(sum(1 for values in given if values[i] == mark)
                                        for i in range(len(keys))), None], level=1))
    return Table(title, columns, rows)


def marks_chart(table: Table) -> Chart:
    """The counts under the pupils as bars: per subject column, how many «5», «4», «3»,
    «2» and «н/а»."""
    marks = table.columns[2:-1]
    counts = [row for row in table.rows if row.level][:len(COUNTED)]
    return Chart("Отметки по предметам", [c.title for c in marks],
                 [(row.cells[1], row.cells[2:-1]) for row in counts], unit="учеников")


@report("progress", "Сводная ведомость успеваемости", ("class", "period"),
        "Отметки учеников класса за период (или годовые, экзаменационные и итоговые за "
        "год) по всем предметам учебного плана, средний балл ученика и число «5», «4», «3», "
        "«2» и «н/а» по каждому предмету.",
        period_marks=True)
def build(user: Staff, choice: Choice) -> Report:
    allowed = access.report_class_ids(user, choice.year)
    if choice.class_id is not None and choice.class_id not in allowed:
        raise AccessDenied("Недостаточно прав: этот класс не ваш.")
    wanted = [choice.class_id] if choice.class_id is not None else allowed
    classes = list(SchoolClass.select().where(SchoolClass.id.in_(wanted or [0]))
                   .order_by(SchoolClass.grade, SchoolClass.letter))
    chosen = Period.get_or_none((Period.id == choice.period_id)
                                & (Period.year == choice.year.id)) \
        if choice.period_id is not None else None
    when = f"{chosen} {choice.year.name}" if chosen else f"{choice.year.name} учебный год"
    tables = []
    for school_class in classes:
        school_class.year = choice.year  # the class's own year: not read again per class
        period = class_period(school_class, chosen)
        title = school_class.name if len(classes) > 1 else "Ведомость"
        tables.append(class_table(user, school_class, period, title))
    who = classes[0].name if len(classes) == 1 else f"все классы ({len(classes)})"
    charts = [marks_chart(tables[0])] if len(classes) == 1 else []
    notes = ["Средний балл — среднее арифметическое отметок «2»–«5» в строке ученика "
             f"(отметки {'за период' if chosen else 'годовые, экзаменационные и итоговые'}; "
             "«зачёт», «ОСВ» и «н/а» в нём не учитываются).",
             "Внизу по каждому предмету — число учеников с отметкой «5», «4», «3», «2» и "
             "не аттестованных («н/а»).",
             "Выбывшие и прибывшие за период ученики отмечены датой движения."]
    return Report("progress", "Сводная ведомость успеваемости", f"{who}, {when}", tables,
                  notes=notes, charts=charts, landscape=True,
                  signer="Классный руководитель" if len(classes) == 1
                  else Report.signer)
