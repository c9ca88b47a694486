"""The small school of tests/school.py made ready for the reports' hand-worked figures:
two quarters (the first ended and locked, the second holding today), a pass/fail subject,
and readable helpers for pupils, moves and period marks."""
from __future__ import annotations

import datetime as dt

from models import Movement, PeriodMark, Subject, TeachingAssignment
from models.calendar import lock_lifted
from models.reports import Choice
from tests.school import SmallSchool

D = dt.date


def two_quarters(school: SmallSchool):
    """Quarter 1 from the year's first day (Monday 21.09.2026) to 31.10.2026, quarter 2
    from 02.11.2026 to 25.12.2026 (today, 25.11.2026, is in it)."""
    first = school.period
    first.end = D(2026, 10, 31)
    first.save()
    second = type(first).create(year=school.year, scheme="quarter", number=2,
                                start=D(2026, 11, 2), end=D(2026, 12, 25))
    return first, second


def pass_fail_subject(school: SmallSchool, name: str = "Физическая культура") -> Subject:
    """A subject of 5А marked «ЗЧ»/«НЗ»."""
    subject = Subject.create(name=name)
    TeachingAssignment.create(school_class=school.c5, subject=subject, teacher=school.teacher,
                              grading_scale="pass")
    return subject


def leaves(pupil, day: dt.date) -> None:
    Movement.create(student=pupil, kind="left", date=day, school_class=None)


def marks(school_class, period, subject, given: dict) -> None:
    """Period marks {pupil: value} (a locked quarter's too: written as a breach reversal
    would be, the test's setup)."""
    with lock_lifted("подготовка теста"):
        for pupil, value in given.items():
            PeriodMark.create(student=pupil, school_class=school_class, subject=subject,
                              kind="period" if period else "year", period=period,
                              value=value)


def choice(school: SmallSchool, **fields) -> Choice:
    return Choice(year=school.year, today=school.today, **fields)
