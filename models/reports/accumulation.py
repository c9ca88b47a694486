"""«Накопляемость отметок» (issue 17, report 5; 003 6.2: a period mark needs enough marks
behind it): each pupil's marks per subject in a period against the lessons held while
they were in the class (and group), those below the school's minimum flagged, and the
marks a class gathered week by week."""
from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

from .. import rules
from ..classes import Membership, SchoolClass
from ..people import Staff
from ..record import ClassRecord
from ..school import Period, SchoolSettings
from . import Chart, Choice, Column, Report, Row, Table, report
from .choosing import (
    allows_subject,
    chosen_classes,
    chosen_period,
    class_period,
    journal_link,
    year_span,
)

# What counts as a mark: a grade (five-point or pass/fail), not «ОСВ» or a dot.
GRADES = frozenset(rules.NUMERIC_MARKS + rules.PASS_MARKS)
# The flag's warning window: the period's last two weeks (the last 14 days).
LAST_DAYS = 14
# More classes than this: the chart draws a line per parallel, not per class.
CHART_LINES = 6


def notes(minimum: int) -> list[str]:
    return [
        "Отметок — число отметок ученика по предмету (каждая отметка в клетке считается; "
        "«ОСВ» и «•» — не отметки) на уроках, проведённых, пока он был в классе и, для "
        "урока группы, в группе; уроков проведено — столько же уроков (записанных в "
        "журнале по дату формирования отчёта включительно). Уроки другого класса, где "
        "ученик был до перевода, считаются тоже: это его отметки периода.",
        f"«Мало отметок» — меньше {minimum} (настройка школы «наименьшее число отметок за "
        "период»). Отметку ставим всегда, когда отметок меньше: до последних двух недель "
        "периода это предупреждение заместителю, пока есть время опросить ученика; с "
        f"начала последних двух недель (последние {LAST_DAYS} дней периода) и после его "
        "конца — «идут последние две недели периода»: отметка за период под угрозой.",
        "Выбывший или переведённый ученик показан с днём, по который он был в классе, "
        "и не отмечается; не отмечается и предмет, по которому уроков ещё не было "
        "(это недочёт ведения журнала, а не ученика: см. контроль заполнения).",
        "График — нарастающий итог отметок, выставленных на уроках класса, по неделям "
        f"(подпись — понедельник недели); если классов больше {CHART_LINES}, — по "
        "параллелям.",
    ]


def flag(marks: int, minimum: int, day: dt.date, end: dt.date) -> str:
    """«мало отметок» for fewer than the minimum; said louder once the period's last two
    weeks have begun, when the period mark is near."""
    if marks >= minimum:
        return ""
    if day > end - dt.timedelta(days=LAST_DAYS):
        return f"мало отметок (меньше {minimum}): идут последние две недели периода"
    return f"мало отметок (меньше {minimum})"


def span(school_class: SchoolClass, chosen: Period | None) -> tuple[dt.date, dt.date,
                                                                    Period | None]:
    """The class's period for the chosen one (else its teaching year): first and last day,
    and the period."""
    period = class_period(school_class, chosen)
    start, end = (period.start, period.end) if period else year_span(school_class)
    return start, end, period


def class_rows(user: Staff, choice: Choice, school_class: SchoolClass, chosen: Period | None,
               cache: dict, minimum: int) -> tuple[list[Row], list[tuple[dt.date, int]]]:
    """The class's rows (pupil × subject) and its marks by lesson date for the chart."""
    start, end, period = span(school_class, chosen)
    day = min(choice.today, end)
    if day < start:
        return [], []
    record = ClassRecord(school_class, start, day, subject_id=choice.subject_id)
    names = {s.id: s.name for s in record.curriculum.values()}
    journals = [(a.subject_id, a.subgroup_id) for a in school_class.assignments
                if allows_subject(user, school_class.id, a.subject_id, choice, cache)]
    shown = {subject for subject, _ in journals}
    counts = record.mark_counts(GRADES)
    rows, counted = [], []
    for sid, member in record.members.items():
        stay = member.stay(school_class.id, None, start, day)
        if stay is None:
            continue
        places = {}  # subject -> the pupil's journal of it (the whole class's or a group's)
        for subject, group in journals:
            if member.belongs_between(school_class.id, group, start, day):
                places.setdefault(subject, group)
        lessons, marks = Counter(), Counter()
        for lesson in record.seen(sid):
            given = counts.get((lesson.id, sid), 0)
            lessons[lesson.subject_id] += 1
            marks[lesson.subject_id] += given
            if lesson.class_id == school_class.id and lesson.subject_id in shown and given:
                counted.append((lesson.date, given))
        for subject in (s for s in names if s in places):
            rows.append(Row([school_class.name, member.student.full_name, names[subject],
                             lessons[subject], marks[subject],
                             _state(member, school_class, stay, day, lessons[subject],
                                    marks[subject], minimum, end)],
                            link=journal_link(school_class.id, subject, places[subject],
                                              period and period.id)))
    return rows, counted


def _state(member: Membership, school_class: SchoolClass, stay: tuple[dt.date, dt.date],
           day: dt.date, lessons: int, marks: int, minimum: int, end: dt.date) -> str:
    if member.class_on(day) != school_class.id:
        return f"в классе по {stay[1]:%d.%m.%Y}"
    if not lessons:
        return "уроков ещё не было"
    return flag(marks, minimum, day, end)


def weekly(counted: list[tuple[dt.date, int]], start: dt.date,
           day: dt.date) -> tuple[list[dt.date], list[int]]:
    """Mondays from the start's week to the day's and the marks gathered by each week's
    end (a running total)."""
    first = start - dt.timedelta(days=start.weekday())
    weeks = (day - first).days // 7 + 1
    by_week = [0] * weeks
    for d, n in counted:
        if first <= d <= day:
            by_week[(d - first).days // 7] += n
    return ([first + dt.timedelta(weeks=i) for i in range(weeks)],
            list(itertools.accumulate(by_week)))


def chart(found: list[tuple[SchoolClass, list[tuple[dt.date, int]]]],
          chosen: Period | None, today: dt.date) -> list[Chart]:
    """A line per class; per parallel when more than CHART_LINES classes are shown."""
    lines: dict[str, list] = {}
    spans = []
    by_grade = len(found) > CHART_LINES
    for school_class, counted in found:
        start, end, _ = span(school_class, chosen)
        if start > min(today, end):
            continue
        spans.append((start, min(today, end)))
        name = f"{school_class.grade}-е классы" if by_grade else school_class.name
        lines.setdefault(name, []).extend(counted)
    if not spans:
        return []
    start, day = min(a for a, _ in spans), max(b for _, b in spans)
    mondays, _ = weekly([], start, day)
    last = min(today, day)
    series = [(name, weekly(counted, start, last)[1]) for name, counted in lines.items()]
    return [Chart("Накопление отметок по неделям (с начала периода)",
                  [f"{m:%d.%m}" for m in mondays], series, "line", "отметок")]


@report("accumulation", "Накопляемость отметок", ("class", "period", "subject"),
        "Отметки каждого ученика по предметам против проведённых уроков; ученики с "
        "малым числом отметок отмечены.")
def build(user: Staff, choice: Choice) -> Report:
    minimum = SchoolSettings.current().min_marks
    cache: dict = {}
    period = chosen_period(choice)
    rows, found = [], []
    for school_class in chosen_classes(user, choice, min_grade=2):
        got, counted = class_rows(user, choice, school_class, period, cache, minimum)
        rows += got
        found.append((school_class, counted))
    columns = [Column("Класс"), Column("Ученик"), Column("Предмет"),
               Column("Уроков проведено", "int"), Column("Отметок", "int"),
               Column("Накопляемость")]
    which = SchoolClass.get_by_id(choice.class_id).name if choice.class_id else "все классы"
    return Report("accumulation", "Накопляемость отметок",
                  f"{which}, {period or 'год'} {choice.year.name}, на "
                  f"{choice.today:%d.%m.%Y}",
                  [Table("Накопляемость отметок", columns, rows)],
                  notes(minimum) + ["1-е классы обучаются без отметок и в отчёт не входят."],
                  chart(found, period, choice.today))
