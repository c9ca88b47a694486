"""«Выполнение программы» (issue 17, report 7; 003 7.1): per journal (class, subject,
group), the hours of the calendar-thematic plan (КТП) and of the curriculum due by the day
of forming against the lessons held, the difference and the share done."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from fractions import Fraction

from ..calendar import SchoolCalendar, parse_grades
from ..classes import SchoolClass, Subgroup
from ..journal import Lesson
from ..people import Staff
from ..record import ClassRecord
from ..school import SchoolSettings
from ..timetable import PlanTopic, TeachingAssignment
from . import Choice, Column, Report, Row, Table, report
from .choosing import (
    allows_subject,
    chosen_classes,
    chosen_period,
    class_period,
    journal_link,
    share,
    year_span,
)


def span(school_class: SchoolClass, choice: Choice) -> tuple[dt.date, dt.date, int | None]:
    """The class's dates for the choice (a range, else the chosen period in the class's
    scheme, else its teaching year) cut at the day of forming, and the period's id."""
    period = class_period(school_class, chosen_period(choice))
    start, end = (period.start, period.end) if period else year_span(school_class)
    if choice.start or choice.end:
        start, end, period = choice.start or start, choice.end or end, None
    return start, min(end, choice.today), period and period.id


def curriculum_hours(per_week: float, school_days: int, week: int) -> Fraction:
    """Hours a week × weeks, a week being the grade's 5 or 6 school days (so a week cut by
    a holiday counts as the part of it that was school)."""
    return Fraction(str(per_week)) * school_days / week


def journals(user: Staff, choice: Choice, school_class: SchoolClass, cache: dict):
    """(subject, group) -> the journal's assignments the user may see, in subject order."""
    a = TeachingAssignment
    found = defaultdict(list)
    for assignment in (a.select(a, Staff).join(Staff).switch(a)
                       .where(a.school_class == school_class.id).order_by(a.id)):
        if allows_subject(user, school_class.id, assignment.subject_id, choice, cache):
            found[assignment.subject_id, assignment.subgroup_id].append(assignment)
    return found


def class_rows(user: Staff, choice: Choice, school_class: SchoolClass, cache: dict,
               calendar: SchoolCalendar, six_day: frozenset[int]) -> list[Row]:
    start, day, period_id = span(school_class, choice)
    if day < start:
        return []
    found = journals(user, choice, school_class, cache)
    if not found:
        return []
    record = ClassRecord(school_class, start, day, subject_id=choice.subject_id)
    ids = [a.id for group in found.values() for a in group]
    t = PlanTopic
    planned = defaultdict(list)  # assignment -> hours of its topics due in the days
    for assignment, hours in (t.select(t.assignment, t.hours).where(
            t.assignment.in_(ids) & t.planned_date.between(start, day)).tuples()):
        planned[assignment].append(hours)
    linked = dict(Lesson.select(Lesson.id, t.assignment).join(t).where(
        (Lesson.school_class == school_class.id) & Lesson.date.between(start, day)
        & t.assignment.in_(ids)).tuples())  # lesson -> the assignment of its КТП topic
    days = len(calendar.school_days(start, day, school_class.grade))
    week = 6 if school_class.grade in six_day else 5
    groups = {g.id: g.name for g in Subgroup.select().where(
        Subgroup.school_class == school_class.id)}
    names = {s.id: s.name for s in record.curriculum.values()}
    rows = []
    for (subject, group), assignments in sorted(
            found.items(), key=lambda item: (list(names).index(item[0][0]),
                                             groups.get(item[0][1], ""))):
        own = {a.id for a in assignments}
        topics = [hours for a in own for hours in planned[a]]
        held = [x for x in record.journal_lessons(group) if x.subject_id == subject]
        by_plan = sum(linked.get(x.id) in own for x in held)
        hours = sum(topics)
        due = curriculum_hours(max(a.hours_per_week for a in assignments), days, week)
        name = names[subject] + (f" ({groups[group]})" if group else "")
        teachers = ", ".join(dict.fromkeys(a.teacher.short_name for a in assignments))
        rows.append(Row([school_class.name, name, teachers, len(topics), hours, len(held),
                         by_plan, len(held) - hours, share(len(held), hours),
                         float(round(due, 1)), float(round(len(held) - due, 1)),
                         share(len(held), due)],
                        link=journal_link(school_class.id, subject, group, period_id)))
    return rows


NOTES = [
    "Считается по день формирования отчёта включительно (или по конец выбранного "
    "периода или диапазона, если он раньше): и план, и проведённые уроки.",
    "По КТП — темы календарно-тематического плана журнала с плановой датой в этих днях "
    "и их часы (тема без плановой даты не считается); проведено — уроки журнала "
    "(класса или группы), записанные в эти дни; "
    "из них по темам КТП — уроки, к которым привязана тема КТП этого журнала. "
    "Разница = проведено − часов по КТП (минус — отставание); % выполнения КТП = "
    "проведено ÷ часов по КТП.",
    "По учебному плану = часов в неделю (нагрузка учителя по предмету) × число учебных "
    "недель, где неделя — 5 учебных дней (6 для классов шестидневки по настройке "
    "школы), а учебные дни считаются по календарю школы (без каникул, праздников, с "
    "переносами): неделя с праздником считается долей. Разница = проведено − часов по "
    "плану; % выполнения = проведено ÷ часов по плану. Проценты округлены до десятых.",
]


@report("programme", "Выполнение программы", ("class", "period", "range", "subject"),
        "Часы по КТП и по учебному плану против проведённых уроков по каждому журналу.")
def build(user: Staff, choice: Choice) -> Report:
    calendar = SchoolCalendar.of(choice.year)
    six_day = parse_grades(SchoolSettings.current().six_day_grades)
    cache: dict = {}
    rows = []
    for school_class in chosen_classes(user, choice):
        rows += class_rows(user, choice, school_class, cache, calendar, six_day)
    columns = [Column("Класс"), Column("Предмет"), Column("Учитель"),
               Column("Тем по КТП", "int"), Column("Часов по КТП", "int"),
               Column("Проведено уроков", "int"), Column("Из них по темам КТП", "int"),
               Column("Разница с КТП", "int"), Column("% выполнения КТП", "percent"),
               Column("Часов по учебному плану", "number"),
               Column("Разница с учебным планом", "number"),
               Column("% выполнения учебного плана", "percent")]
    which = SchoolClass.get_by_id(choice.class_id).name if choice.class_id else "все классы"
    if choice.start or choice.end:
        when = (f"с {choice.start:%d.%m.%Y}" if choice.start else "") + (
            f" по {choice.end:%d.%m.%Y}" if choice.end else "")
    else:
        when = str(chosen_period(choice) or "год")
    return Report("programme", "Выполнение программы",
                  f"{which}, {when.strip()} {choice.year.name}, на {choice.today:%d.%m.%Y}",
                  [Table("Выполнение программы", columns, rows)], list(NOTES),
                  landscape=True)
