"""CLI commands of the school calendar: `journal check` (lessons stored on days off) and
`journal year close|reopen` (rule 15's closed years)."""
from __future__ import annotations

from itertools import groupby

import click

from . import database
from .auditing import stating
from .base import RuleError, utcnow, write_transaction
from .calendar import SchoolCalendar, missing_period_marks
from .classes import SchoolClass
from .curriculum import Subject
from .journal import Lesson
from .people import Staff
from .school import AcademicYear

# The shortest reason the audit log accepts for reopening a closed year.
MIN_REASON = 5


def lessons_on_days_off() -> list[tuple[Lesson, str]]:
    """Lessons stored on days that are no school days of their class (rule 14: written
    before the rule, or by an import), each with the reason, by class and date."""
    calendars = {year.id: SchoolCalendar.of(year) for year in AcademicYear.select()}
    # Each class's distinct dates first: the calendar is asked once per class and day.
    off = {(class_id, day): reason for class_id, year_id, grade, day in (
        Lesson.select(Lesson.school_class, SchoolClass.year, SchoolClass.grade, Lesson.date)
        .join(SchoolClass).distinct().tuples())
        if (reason := calendars[year_id].day_off(day, grade)) is not None}
    if not off:
        return []
    found = (Lesson.select(Lesson, SchoolClass, Subject, Staff)
             .join(SchoolClass).switch(Lesson).join(Subject).switch(Lesson).join(Staff)
             .where(Lesson.school_class.in_(list({c for c, _ in off}))
                    & Lesson.date.in_(list({d for _, d in off})))
             .order_by(SchoolClass.grade, SchoolClass.letter, Lesson.date, Lesson.number))
    return [(x, off[x.school_class_id, x.date]) for x in found
            if (x.school_class_id, x.date) in off]


@click.command("check")
def check_command() -> None:
    """Найти уроки, записанные в неучебные дни (выходные, праздники, каникулы, вне учебного
    года); код выхода 1, если такие есть."""
    database.bind()
    found = lessons_on_days_off()
    for school_class, rows in groupby(found, key=lambda row: row[0].school_class):
        click.echo(f"{school_class.name} класс:")
        for lesson, reason in rows:
            group = f" ({lesson.subgroup.name})" if lesson.subgroup_id else ""
            click.echo(f"  {lesson.date:%d.%m.%Y}, {lesson.number} урок: "
                       f"{lesson.subject.name}{group}, {lesson.teacher.short_name} — {reason}")
    if not found:
        click.echo("Уроков в неучебные дни нет.")
        return
    click.echo(f"Уроков в неучебные дни: {len(found)}. Перенесите их на учебные дни "
               "(«Журнал», форма урока) или удалите.")
    raise click.exceptions.Exit(1)


@click.group("year")
def year_group() -> None:
    """Учебные годы: закрыть год и (администратору) открыть закрытый снова."""


def _year(name: str) -> AcademicYear:
    year = AcademicYear.get_or_none(AcademicYear.name == name)
    if year is None:
        raise RuleError(f"Учебный год {name} не найден.")
    return year


@year_group.command("close")
@click.argument("name")
def year_close(name: str) -> None:
    """Закрыть учебный год NAME (например 2026/2027): его записи станут только для чтения.
    Не закрывается, пока не выставлены все отметки за периоды (их список)."""
    database.bind()
    year = _year(name)
    if year.closed:
        click.echo(f"Учебный год {name} уже закрыт.")
        return
    year.closed = True
    try:
        year.save()
    except RuleError:
        missing = missing_period_marks(year)
        if not missing:
            raise
        for line in missing:
            click.echo(line)
        raise click.ClickException(f"Учебный год {name} не закрыт: не выставлены отметки за "
                                   f"период ({len(missing)}, список выше).") from None
    click.echo(f"Учебный год {name} закрыт: его записи только для чтения.")


@year_group.command("reopen")
@click.argument("name")
@click.option("--reason", required=True, help="Почему закрытый год открывается (в журнал "
              "изменений).")
def year_reopen(name: str, reason: str) -> None:
    """Открыть закрытый учебный год NAME снова для исправлений (с причиной в журнале
    изменений); закрыть его потом: journal year close NAME."""
    database.bind()
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise RuleError("Укажите причину, по которой учебный год открывается снова "
                        "(например, «исправление отметки по приказу № 12»).")
    year = _year(name)
    if not year.closed:
        click.echo(f"Учебный год {name} не закрыт.")
        return
    # The closed-year guard refuses every save of the year: this one UPDATE passes it,
    # logged with its reason as the save would be.
    with write_transaction(), stating(reason):
        old = AcademicYear.get_by_id(year.id)
        (AcademicYear.update(closed=False, updated_at=utcnow())
         .where(AcademicYear.id == year.id).execute())
        AcademicYear.get_by_id(year.id).audit_update(old, only=[AcademicYear.closed])
    click.echo(f"Учебный год {name} открыт для исправлений ({reason}). Закройте его снова: "
               f"journal year close {name}")


COMMANDS = (check_command, year_group)
