"""«Расписание»: a class's (or group's) lesson N on a weekday, its subject, teacher and room,
from a date on (TimetableSlot).

A slot already in force on that date at that hour with the same subject, teacher and room
is left alone; a different one is changed from that date: the old slot ends the day before
(or, starting that very day, is changed in place) and the new one takes its place until
the old one's end; a new one lasts until a change entered for a later date, if any. Every
slot is saved through TimetableSlot.validate, the panel's clash checks: a clash is the
row's problem, naming the other row of the file or the stored slot.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from peewee import JOIN

from ..access import may_import_curriculum
from ..base import RuleError
from ..calendar import WEEKDAY_SHORT
from ..classes import SchoolClass, Subgroup
from ..curriculum import Subject
from ..people import Staff
from ..timetable import WEEKDAYS, TimetableSlot, room_key
from . import CREATE, SKIP, UPDATE, Batch, Field, Kind, Row, fold
from .lookups import CLASS, GROUP, SUBJECT, TEACHER, Lookup, repeated, typed_text

DAY = dt.timedelta(days=1)
# «пн», «понедельник», «1»: Monday to Saturday.
WEEKDAY_NAMES = {name: n for n, names in enumerate(
    zip(WEEKDAYS, WEEKDAY_SHORT, strict=False), start=1) for name in (*names, str(n))}

FIELDS = (
    CLASS,
    Field("weekday", "День недели", True, "пн",
          "день с понедельника по субботу: «пн», «понедельник» или 1–6", ("День",)),
    Field("number", "Урок", True, "1", "номер урока от 1 до 10", ("№ урока", "Номер урока")),
    SUBJECT,
    GROUP,
    TEACHER,
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


class Stored:
    """The year's slots by class, group and hour, read once and kept as the rows write."""

    def __init__(self, lookup: Lookup):
        s = TimetableSlot
        self.slots: dict[tuple, list[TimetableSlot]] = defaultdict(list)
        for slot in (s.select(s, SchoolClass, Subgroup, Subject, Staff).join(SchoolClass)
                     .switch(s).join(Subgroup, JOIN.LEFT_OUTER).switch(s).join(Subject)
                     .switch(s).join(Staff).where(s.school_class.in_(
                         [c.id for c in lookup.classes.values()])).order_by(s.id)):
            self.slots[self.hour(slot)].append(slot)
        self.written: dict[int, int] = {}  # slot id → the file's row that wrote it

    @staticmethod
    def hour(slot: TimetableSlot) -> tuple:
        return slot.school_class_id, slot.subgroup_id, slot.weekday, slot.number

    def in_force(self, slot: TimetableSlot) -> TimetableSlot | None:
        """The slot of the same class (group) and hour in force on the new one's date."""
        day = slot.valid_from
        return next((s for s in self.slots[self.hour(slot)] if s.valid_from <= day
                     and (s.valid_to is None or s.valid_to >= day)), None)

    def write(self, row: Row, old: TimetableSlot | None, slot: TimetableSlot) -> str:
        """Change the slot in force (or add one) from the row's date, as the deputy would in
        the panel: the action; a refusal (a clash located) raised, nothing kept."""
        ended = old.valid_to if old is not None else None
        try:
            action = self._save(old, slot)
        except RuleError as exc:
            if old is not None:
                old.valid_to = ended
            raise self._located(exc, slot) from None
        slots = self.slots[self.hour(slot)]
        if action == UPDATE and old.id == slot.id:
            slots.remove(old)
        slots.append(slot)
        self.written[slot.id] = row.number
        return action

    def _save(self, old: TimetableSlot | None, slot: TimetableSlot) -> str:
        if old is None:  # until the next change already entered at that hour, if any
            later = [s.valid_from for s in self.slots[self.hour(slot)]
                     if s.valid_from > slot.valid_from]
            slot.valid_to = min(later) - DAY if later else None
            slot.save()
            return CREATE
        if old.valid_from == slot.valid_from:  # changed on its first day: in place
            slot.id, slot.valid_to, slot.created_at = old.id, old.valid_to, old.created_at
        else:
            slot.valid_to = old.valid_to
            old.valid_to = slot.valid_from - DAY
            old.save()
        slot.save()
        return UPDATE

    def _located(self, refusal: RuleError, slot: TimetableSlot) -> RuleError:
        """The slot's refusal; a clash (TimetableSlot.validate's) with the other slot
        located: the file's row that wrote it, or the stored timetable."""
        clashes = slot.clashes()
        if not clashes or clashes[0][1] != refusal.message:
            return refusal
        other, reason = clashes[0]
        where = (f" (строка {self.written[other.id]} файла)" if other.id in self.written
                 else " (уже в расписании)")
        return RuleError(reason.replace(str(other), str(other) + where, 1).rstrip("."))


def _same(a: TimetableSlot, b: TimetableSlot) -> bool:
    return (a.subject_id, a.teacher_id, room_key(a.room)) == (
        b.subject_id, b.teacher_id, room_key(b.room))


def apply(batch: Batch) -> None:
    lookup = Lookup(batch)
    stored = Stored(lookup)
    seen: dict[tuple, int] = {}
    for row in batch.rows:
        with batch.row(row):
            _row(batch, lookup, stored, seen, row)


def _row(batch: Batch, lookup: Lookup, stored: Stored, seen: dict, row: Row) -> None:
    slot = _slot(batch, lookup, row)
    if slot is None or repeated(batch, row, seen, stored.hour(slot),
                                "Урок этого класса (группы) в этот день и час"):
        return
    old = stored.in_force(slot)
    if old is not None and _same(old, slot):
        batch.done(row, SKIP, str(old))
        return
    action = stored.write(row, old, slot)
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
