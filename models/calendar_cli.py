"""CLI commands of the school calendar: `journal check` (lessons stored on days off),
`journal year close|reopen` (rule 15's closed years) and the year transfer, `journal year
next|carry|promote|status` (issue 16.3, models/year_transfer.py)."""
from __future__ import annotations

from itertools import groupby

import click

from . import database, year_transfer
from .auditing import stating
from .base import RuleError, utcnow, write_transaction
from .calendar import SchoolCalendar
from .classes import SchoolClass
from .cli_types import DATE
from .curriculum import Subject
from .journal import Lesson
from .people import Staff
from .school import AcademicYear, missing_marks

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
    Не закрывается, пока не выставлены все отметки за периоды и годовые (их список)."""
    database.bind()
    year = _year(name)
    if year.closed:
        click.echo(f"Учебный год {name} уже закрыт.")
        return
    year.closed = True
    try:
        year.save()
    except RuleError:
        missing = missing_marks(year)
        if not missing:
            raise
        for line in missing:
            click.echo(line)
        raise click.ClickException(f"Учебный год {name} не закрыт: не выставлены отметки за "
                                   f"период и годовые ({len(missing)}, список выше).") from None
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


# --- the year transfer (issue 16.3–16.4) ---------------------------------------------

def _pair(name: str | None) -> tuple[AcademicYear, AcademicYear]:
    old, new = year_transfer.transfer_years(name)
    if new is None:
        raise RuleError(f"Следующий за {old.name} учебный год не создан: journal year next "
                        f"{old.name}")
    return old, new


@year_group.command("next")
@click.argument("name", required=False)
@click.option("--name", "new_name", help="Название нового года (по умолчанию следующий: "
              "2027/2028 после 2026/2027).")
def year_next(name: str | None, new_name: str | None) -> None:
    """Создать учебный год после NAME (по умолчанию последнего) с его периодами, каникулами
    и переносами дней, сдвинутыми на год (на целые недели: дни недели сохраняются)."""
    database.bind()
    old, _ = year_transfer.transfer_years(name)
    new = year_transfer.create_next_year(old, new_name)
    click.echo(f"Создан учебный год {new.name} ({new.start:%d.%m.%Y}–{new.end:%d.%m.%Y}): "
               f"периодов {new.periods.count()}, каникул и праздников {new.holidays.count()}, "
               f"переносов дней {new.transfers.count()}. Проверьте даты в «Учебный год».")


@year_group.command("carry")
@click.argument("name", required=False)
@click.option("--last-grade", type=click.IntRange(1, 11), help="Последний класс школы "
              "(по умолчанию 11, 9 или 4 — по классам года).")
def year_carry(name: str | None, last_grade: int | None) -> None:
    """Перенести классы года NAME в следующий год (класс + 1, выпускные — нет) с классными
    руководителями, подгруппами, нагрузкой, расписанием и КТП."""
    database.bind()
    old, new = _pair(name)
    carried = year_transfer.carry(old, new, last_grade)
    for line in carried.skipped:
        click.echo(f"  не перенесён: {line}")
    click.echo(f"Перенесено в {new.name}: " + ", ".join(
        f"{what} {count}" for what, count in carried.counts.items()) + ".")


def _debts(values: tuple[str, ...]) -> dict[int, list[str]]:
    debts: dict[int, list[str]] = {}
    for value in values:
        pupil, _, subject = value.partition(":")
        if not pupil.strip().isdigit() or not subject.strip():
            raise click.BadParameter(f"«{value}»: укажите номер ученика и предмет, например "
                                     "12:Математика.", param_hint="--debt")
        debts.setdefault(int(pupil), []).append(subject.strip())
    return debts


@year_group.command("promote")
@click.argument("class_name")
@click.option("--year", "name", help="Учебный год, из которого переводят (по умолчанию "
              "предпоследний).")
@click.option("--order", required=True, help="Номер приказа, например 12-у.")
@click.option("--date", "order_date", type=DATE, required=True, help="Дата приказа.")
@click.option("--keep", multiple=True, type=int, help="Номер ученика, оставленного на "
              "повторное обучение (можно несколько раз).")
@click.option("--debt", multiple=True, help="НОМЕР:ПРЕДМЕТ — условный перевод с "
              "академической задолженностью (можно несколько раз).")
def year_promote(class_name: str, name: str | None, order: str, order_date, keep, debt) -> None:
    """Перевести класс CLASS_NAME (например 5А, или all — все классы) в следующий год по
    приказу: всех, кроме оставленных (--keep) и переведённых условно (--debt); выпускной
    класс оканчивает обучение. Уже переведённые ученики не трогаются."""
    database.bind()
    old, new = _pair(name)
    classes = SchoolClass.select().where(SchoolClass.year == old.id).order_by(
        SchoolClass.grade, SchoolClass.letter)
    if class_name.strip().lower() != "all":
        classes = [c for c in classes if c.name == class_name.strip().upper()]
        if not classes:
            raise RuleError(f"Класса {class_name} в учебном году {old.name} нет.")
    elif keep or debt:
        raise RuleError("--keep и --debt — для одного класса, не для всех.")
    debts = _debts(debt)
    order_ = year_transfer.Order(order, order_date)
    for number, school_class in enumerate(classes, 1):
        flagged = [r for r in year_transfer.class_review(school_class, new)
                   if r.flagged and r.moved is None]
        for review in flagged:
            click.echo(f"  {school_class.name}: {review.student.full_name} "
                       f"(№ {review.student.id}) — {review.problems}")
        counts = year_transfer.promote_class(school_class, new, order_, set(keep), debts)
        done = ", ".join(f"{year_transfer.PROMOTING[k]} {n}" for k, n in counts.items())
        click.echo(f"[{number}/{len(classes)}] {school_class.name}: {done or 'все уже переведены'}")


@year_group.command("status")
@click.argument("name", required=False)
def year_status(name: str | None) -> None:
    """Кто из учеников года NAME ещё не переведён в следующий год."""
    database.bind()
    old, new = _pair(name)
    left = year_transfer.not_moved(old, new)
    for school_class, pupils in left:
        click.echo(f"{school_class.name} ({len(pupils)}): "
                   + ", ".join(f"{p.full_name} (№ {p.id})" for p in pupils))
    total = sum(len(pupils) for _, pupils in left)
    click.echo(f"Не переведены: {total}." if total else
               f"Все ученики {old.name} переведены. Закройте год: journal year close {old.name}")


COMMANDS = (check_command, year_group)
