"""«Расписание»: a class's (or group's) lesson N on a weekday, its subject, teacher and room,
from a date on (TimetableSlot).

A slot already in force on that date at that hour with the same subject, teacher and room
is left alone; a different one is changed from that date: the old slot ends the day before
(or, starting that very day, is changed in place) and the new one takes its place until
the old one's end. Every slot is saved through TimetableSlot.validate, the panel's clash
checks: a clash is the row's problem, naming the other row of the file or the stored slot.
"""
from __future__ import annotations

import datetime as dt

from ..access import may_import_curriculum
from ..base import RuleError
from ..calendar import WEEKDAY_SHORT
from ..timetable import WEEKDAYS, TimetableSlot, room_key
from . import CREATE, SKIP, UPDATE, Batch, Field, Kind, Row, fold
from .lookups import Lookup, repeated, typed_text

DAY = dt.timedelta(days=1)
# «пн», «понедельник», «1»: Monday to Saturday.
WEEKDAY_NAMES = {name: n for n, names in enumerate(
    zip(WEEKDAYS, WEEKDAY_SHORT, strict=False), start=1) for name in (*names, str(n))}

FIELDS = (
    Field("school_class", "Класс", True, "5А", "класс этого учебного года, например «5А»"),
    Field("weekday", "День недели", True, "пн",
          "день с понедельника по субботу: «пн», «понедельник» или 1–6", ("День",)),
    Field("number", "Урок", True, "1", "номер урока от 1 до 10", ("№ урока", "Номер урока")),
    Field("subject", "Предмет", True, "Математика",
          "название предмета (или краткое) из раздела «Предметы»"),
    Field("subgroup", "Группа", False, "",
          "подгруппа класса по этому предмету; пусто — весь класс", ("Подгруппа",)),
    Field("teacher", "Учитель", True, "Иванова М. П.",
          "логин, ФИО («Иванова Мария Петровна») или фамилия с инициалами («Иванова М. П.»)"),
    Field("room", "Кабинет", False, "12", "номер или название кабинета"),
    Field("valid_from", "Действует с", False, "01.09.2026",
          "дата ДД.ММ.ГГГГ в учебном году; пусто — с сегодняшнего дня (до начала года — с "
          "его первого дня)"),
)


def _weekday(batch: Batch, row: Row) -> int | None:
    value = batch.text(row, "weekday")
    found = WEEKDAY_NAMES.get(fold(value).rstrip("."))
    if value and found is None:
        batch.bad(row, "weekday", f"«{value}» — не день недели с понедельника по субботу")
    return found


def _number(batch: Batch, row: Row) -> int | None:
    number = batch.number(row, "number")
    if number is not None and not 1 <= number <= 10:
        batch.bad(row, "number", f"{number} — нет такого урока")
        return None
    return number


def _start(batch: Batch, lookup: Lookup, row: Row) -> dt.date | None:
    """The row's «Действует с», or today (the year's start when it is still ahead)."""
    if lookup.year is None:
        return None
    day = batch.date(row, "valid_from") if row["valid_from"] else max(
        batch.today, lookup.year.start)
    if day is not None and not lookup.year.start <= day <= lookup.year.end:
        batch.bad(row, "valid_from", f"{day:%d.%m.%Y} — не в учебном году {lookup.year.name} "
                                     f"({lookup.year.start:%d.%m.%Y}–{lookup.year.end:%d.%m.%Y})")
        return None
    return day


def _slot(batch: Batch, lookup: Lookup, row: Row) -> TimetableSlot | None:
    """The row as an unsaved slot; None when a cell is bad (reported)."""
    before = len(batch.problems)
    school_class = lookup.school_class(row)
    weekday, number = _weekday(batch, row), _number(batch, row)
    subject = lookup.subject(row)
    _, subgroup = lookup.subgroup(row, school_class, subject)
    teacher = lookup.teacher(row)
    room = typed_text(batch, row, "room")
    start = _start(batch, lookup, row)
    if len(batch.problems) > before:
        return None
    return TimetableSlot(school_class=school_class, subgroup=subgroup, subject=subject,
                         teacher=teacher, weekday=weekday, number=number, room=room,
                         valid_from=start)


def _in_force(slot: TimetableSlot) -> TimetableSlot | None:
    """The stored slot of the same class (group) and hour in force on the new one's date."""
    s = TimetableSlot
    group = s.subgroup.is_null() if slot.subgroup_id is None else s.subgroup == slot.subgroup_id
    return (s.select().where((s.school_class == slot.school_class_id) & group
                             & (s.weekday == slot.weekday) & (s.number == slot.number)
                             & s.valid_between(slot.valid_from)).order_by(s.id).first())


def _same(a: TimetableSlot, b: TimetableSlot) -> bool:
    return (a.subject_id, a.teacher_id, room_key(a.room)) == (
        b.subject_id, b.teacher_id, room_key(b.room))


def apply(batch: Batch) -> None:
    lookup = Lookup(batch)
    seen: dict[tuple, int] = {}
    written: dict[int, int] = {}  # slot id → the file's row that wrote it
    for row in batch.rows:
        with batch.row(row):
            _row(batch, lookup, seen, written, row)


def _row(batch: Batch, lookup: Lookup, seen: dict, written: dict[int, int], row: Row) -> None:
    slot = _slot(batch, lookup, row)
    if slot is None or repeated(batch, row, seen, (
            slot.school_class_id, slot.subgroup_id, slot.weekday, slot.number),
            "Урок этого класса (группы) в этот день и час"):
        return
    old = _in_force(slot)
    if old is not None and _same(old, slot):
        batch.done(row, SKIP, str(old))
    else:
        _write(batch, row, old, slot, written)


def _write(batch: Batch, row: Row, old: TimetableSlot | None, slot: TimetableSlot,
           written: dict[int, int]) -> None:
    """Change the slot in force (or add one) from the row's date, as the deputy would in
    the panel; a clash is reported with the row (or stored slot) it clashes with."""
    action = CREATE
    if old is not None and old.valid_from == slot.valid_from:
        for name in ("subject", "teacher", "room"):
            setattr(old, name, getattr(slot, name))
        slot, old, action = old, TimetableSlot.get_by_id(old.id), UPDATE
    elif old is not None:
        slot.valid_to, action = old.valid_to, UPDATE
        old.valid_to = slot.valid_from - DAY
        old.save()
    clashes = slot.clashes()
    if clashes:
        other, reason = clashes[0]
        where = (f" (строка {written[other.id]} файла)" if other.id in written
                 else " (уже в расписании)")
        raise RuleError(reason.replace(str(other), str(other) + where, 1).rstrip("."))
    slot.save()
    written[slot.id] = row.number
    summary = str(slot) + (f"; прежде: {old.subject.name}, {old.teacher.short_name}"
                           + (f", каб. {old.room}" if old.room.strip() else "")
                           if old is not None else "")
    batch.done(row, action, summary)


KIND = Kind(
    "timetable", "Расписание", FIELDS, apply, may_import_curriculum,
    note=("Одна строка — один урок класса (или подгруппы) в неделе. Урок, который в этот день "
          "и час уже стоит в расписании, меняется с даты «Действует с»: прежний урок "
          "заканчивается накануне. Накладки (учитель, класс или кабинет заняты в этот час) "
          "не загружаются, как и в разделе «Расписание»."))
