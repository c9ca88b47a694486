"""What a report's choice covers, shared by the results, accumulation and programme
reports: the classes and subjects the user may see (models.access decides), a class's
period for the chosen one, and a share rounded the way the reports state it."""
from __future__ import annotations

import datetime as dt

from .. import access
from ..calendar import period_of
from ..classes import SchoolClass
from ..people import Staff
from ..school import Period
from . import Choice


def chosen_classes(user: Staff, choice: Choice, *, min_grade: int = 1) -> list[SchoolClass]:
    """The classes of the choice the user may see (one, or all of the year), in class
    order; grades below `min_grade` left out."""
    allowed = set(access.report_class_ids(user, choice.year))
    if choice.class_id is not None:
        access.require(choice.class_id in allowed, "Этот класс вне ваших отчётов.")
        allowed = {choice.class_id}
    if not allowed:
        return []
    return list(SchoolClass.select().where(SchoolClass.id.in_(sorted(allowed))
                                           & (SchoolClass.grade >= min_grade))
                .order_by(SchoolClass.grade, SchoolClass.letter))


def allows_subject(user: Staff, class_id: int, subject_id: int, choice: Choice,
                   cache: dict) -> bool:
    """The subject is the chosen one (if any) and one the user may see in the class (a
    subject teacher: the subjects they teach there)."""
    if choice.subject_id is not None and subject_id != choice.subject_id:
        return False
    if class_id not in cache:
        cache[class_id] = access.report_subject_ids(user, class_id)
    allowed = cache[class_id]
    return allowed is None or subject_id in allowed


def class_period(school_class: SchoolClass, chosen: Period | None) -> Period | None:
    """The class's period for the chosen one: itself in the class's scheme, else the class's
    period holding the chosen period's last day (a half-year class beside a quarter)."""
    if chosen is None:
        return None
    periods = list(school_class.periods())
    if any(p.id == chosen.id for p in periods):
        return chosen
    return period_of(periods, chosen.end)


def chosen_period(choice: Choice) -> Period | None:
    """The Period the choice names (of the chosen year), or None for the whole year; a
    period of no such year is refused."""
    if choice.period_id is None:
        return None
    period = Period.get_or_none((Period.id == choice.period_id)
                                & (Period.year == choice.year.id))
    access.require(period is not None, "Такого учебного периода в этом году нет.")
    return period


def year_span(school_class: SchoolClass) -> tuple[dt.date, dt.date]:
    """The class's teaching year: its first period's first day to its last period's last
    (the academic year's own dates where it has no periods)."""
    periods = list(school_class.periods())
    if not periods:
        return school_class.year.start, school_class.year.end
    return periods[0].start, periods[-1].end


def share(part: int, whole: int) -> float | None:
    """part / whole rounded to a tenth of a percent, a half up (2/3 → 0.667, 1/8 → 0.125);
    None for an empty whole. Exact: integers, no float rounding on the way."""
    if not whole:
        return None
    return (2000 * part + whole) // (2 * whole) / 1000


def journal_link(class_id: int, subject_id: int, subgroup_id: int | None = None,
                 period_id: int | None = None) -> str:
    """The journal page (the grid) of a class's subject, a group's, a period's."""
    link = f"/journal/grid?class_id={class_id}&subject_id={subject_id}"
    if subgroup_id:
        link += f"&subgroup_id={subgroup_id}"
    return link + (f"&period_id={period_id}" if period_id else "")
