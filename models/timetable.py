"""Who teaches what where: teaching assignments, the thematic plan and the timetable."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from peewee import BooleanField, CharField, DateField, FloatField, ForeignKeyField, IntegerField

from . import calendar
from .auditing import AuditedModel
from .base import RuleError, ValidBetween
from .classes import SchoolClass, Subgroup, class_year
from .curriculum import GRADING_SCALES, Subject
from .people import Staff
from .school import AcademicYear, InYear

# A timetable's days: Monday to Saturday (no Sunday lessons).
WEEKDAYS = list(calendar.WEEKDAYS[:6])


class TeachingAssignment(InYear, AuditedModel):
    """A teacher teaches a subject to a class (or subgroup) so many hours a week."""

    school_class = ForeignKeyField(SchoolClass, backref="assignments", on_delete="CASCADE")
    subject = ForeignKeyField(Subject, backref="assignments")
    subgroup = ForeignKeyField(Subgroup, null=True, backref="assignments",
                               on_delete="CASCADE")
    teacher = ForeignKeyField(Staff, backref="assignments")
    hours_per_week = FloatField(default=1)
    grading_scale = CharField(default="five")
    # The curriculum has an exam in the subject: the exam mark column (issue 16.1,
    # migration 0010).
    has_exam = BooleanField(default=False)

    class Meta:
        indexes = ((("school_class", "subject", "subgroup", "teacher"), True),
                   (("teacher",), False))

    def owning_year(self) -> int | None:
        return class_year(self.school_class_id)

    def __str__(self) -> str:
        group = f" ({self.subgroup.name})" if self.subgroup_id else ""
        return f"{self.school_class.name} {self.subject.name}{group}"

    def validate(self) -> None:
        if self.grading_scale not in GRADING_SCALES:
            raise RuleError(f"Неизвестная шкала оценивания «{self.grading_scale}».")
        if not 0 < self.hours_per_week <= 12:
            raise RuleError("Часов в неделю должно быть больше 0 и не больше 12.")


class PlanTopic(InYear, AuditedModel):
    """A topic of the calendar-thematic plan (КТП) of one assignment."""

    assignment = ForeignKeyField(TeachingAssignment, backref="plan", on_delete="CASCADE")
    number = IntegerField()
    title = CharField(max_length=500)
    hours = IntegerField(default=1)
    planned_date = DateField(null=True)

    class Meta:
        indexes = ((("assignment", "number"), True),)

    def owning_year(self) -> int | None:
        return (SchoolClass.select(SchoolClass.year).join(TeachingAssignment)
                .where(TeachingAssignment.id == self.assignment_id).scalar())

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


def room_key(room: str) -> str:
    """A room as compared for clashes: «12» and « 12 », «Каб. 12» and «каб.  12» are one."""
    return " ".join(room.split()).casefold()


class TimetableSlot(ValidBetween, InYear, AuditedModel):
    """Lesson N on a weekday for a class (or subgroup), valid between two dates.

    At one hour (weekday and lesson number, on overlapping dates) a teacher, a room and a
    class are in one slot only (see `clash_with`): the timetable is the teacher's day
    («Сегодня») and the pupils' week, so a clash there is a lesson nobody can give.
    """

    school_class = ForeignKeyField(SchoolClass, backref="timetable", on_delete="CASCADE")
    subgroup = ForeignKeyField(Subgroup, null=True, on_delete="CASCADE")
    subject = ForeignKeyField(Subject)
    teacher = ForeignKeyField(Staff, backref="timetable_slots")
    weekday = IntegerField()  # 1 = Monday
    number = IntegerField()
    room = CharField(default="")
    valid_from = DateField()
    valid_to = DateField(null=True)

    class Meta:
        indexes = ((("school_class", "weekday", "number"), False),)

    def owning_year(self) -> int | None:
        return class_year(self.school_class_id)

    @classmethod
    def valid_between(cls, first: dt.date, last: dt.date | None = None):
        """Valid on some day from `first` to `last`, inside its class's academic year: an
        open-ended slot (no «по») ends with its year, so a year's week carried into the
        next (models/year_transfer.py) neither shows twice nor clashes with itself."""
        last = first if last is None else last
        in_year = (SchoolClass.select(SchoolClass.id).join(AcademicYear)
                   .where((AcademicYear.start <= last) & (AcademicYear.end >= first)))
        return super().valid_between(first, last) & cls.school_class.in_(in_year)

    def __str__(self) -> str:
        """«5А (1 группа), Английский язык, Иванова А.П., каб. 12, понедельник, 2-й урок,
        с 01.09.2026»: enough for a deputy to find the slot in the list."""
        group = f" ({self.subgroup.name})" if self.subgroup_id else ""
        room = f", каб. {self.room}" if self.room.strip() else ""
        until = f" по {self.valid_to:%d.%m.%Y}" if self.valid_to else ""
        return (f"{self.school_class.name}{group}, {self.subject.name}, "
                f"{self.teacher.short_name}{room}, {WEEKDAYS[self.weekday - 1]}, "
                f"{self.number}-й урок, с {self.valid_from:%d.%m.%Y}{until}")

    def overlaps(self, other: TimetableSlot) -> bool:
        """Whether the two slots are valid on some common day."""
        return ((self.valid_to is None or other.valid_from <= self.valid_to)
                and (other.valid_to is None or self.valid_from <= other.valid_to))

    def clash_with(self, other: TimetableSlot) -> str | None:
        """Why this slot cannot stand beside `other` at the same hour (Russian), or None.

        The class: one lesson at a time, except different subgroups of it (English group 1
        and group 2 in two rooms); the whole class and one of its groups never. The teacher:
        one lesson at a time, two groups of one class included; except a combined lesson of
        two classes (класс-комплект of a small school: one teacher, one room, grades 1 and
        3 together), entered as two slots with the same teacher and the same room. The room
        (when given): one teacher at a time.
        """
        if (self.weekday, self.number) != (other.weekday, other.number) or (
                self.id is not None and self.id == other.id) or not self.overlaps(other):
            return None
        same_room = bool(room_key(self.room)) and room_key(self.room) == room_key(other.room)
        same_class = self.school_class_id == other.school_class_id
        if same_class and (self.subgroup_id is None or other.subgroup_id is None
                           or self.subgroup_id == other.subgroup_id):
            return self._class_clash(other)
        if self.teacher_id == other.teacher_id and (same_class or not same_room):
            hint = "" if same_class else (
                " Если это совмещённый урок двух классов (класс-комплект), укажите у обоих "
                "уроков один и тот же кабинет.")
            return (f"Учитель {self.teacher.short_name} в это время уже ведёт урок: "
                    f"{other}.{hint}")
        if same_room and self.teacher_id != other.teacher_id:
            return f"Кабинет {self.room.strip()} в это время занят: {other}."
        return None

    def _class_clash(self, other: TimetableSlot) -> str:
        name = self.school_class.name
        if self.subgroup_id is None and other.subgroup_id is None:
            return f"У класса {name} в это время уже есть урок: {other}."
        if self.subgroup_id == other.subgroup_id:
            return (f"У подгруппы «{self.subgroup.name}» класса {name} в это время уже есть "
                    f"урок: {other}.")
        return (f"Урок всего класса {name} и урок его подгруппы не могут идти в один час: "
                f"{other}.")

    def clashes(self) -> list[tuple[TimetableSlot, str]]:
        """The stored slots this one clashes with, each with the reason."""
        s = TimetableSlot
        same_hour = s.select().where(
            (s.weekday == self.weekday) & (s.number == self.number)
            & s.valid_between(self.valid_from, self.valid_to or dt.date.max))
        if self.id is not None:
            same_hour = same_hour.where(s.id != self.id)
        found = ((other, self.clash_with(other)) for other in same_hour.order_by(s.id))
        return [(other, reason) for other, reason in found if reason]

    def validate(self) -> None:
        if not 1 <= self.weekday <= 6:
            raise RuleError("День недели должен быть от понедельника до субботы.")
        if not 1 <= self.number <= 10:
            raise RuleError("Номер урока должен быть от 1 до 10.")
        if self.valid_from is None:
            raise RuleError("Укажите, с какого дня действует урок расписания.")
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise RuleError("Расписание не может заканчиваться раньше, чем начинается.")
        if self.subgroup_id and self.subgroup.school_class_id != self.school_class_id:
            raise RuleError(f"Подгруппа «{self.subgroup.name}» — из другого класса, "
                            f"не из {self.school_class.name}.")
        clashes = self.clashes()
        if clashes:
            raise RuleError(clashes[0][1])


def clashes_among(slots: Iterable[TimetableSlot]) -> dict[int, list[tuple[TimetableSlot, str]]]:
    """The clashes within `slots` (stored ones, e.g. entered before clashes were refused):
    per slot id, the others it clashes with and why; slots without a clash are left out.

    Only slots sharing an hour and a teacher, a room or a class are compared, so a
    district's week costs about as much as one school's.
    """
    buckets: dict[tuple, list[TimetableSlot]] = defaultdict(list)
    for slot in slots:
        hour = (slot.weekday, slot.number)
        buckets[hour, "teacher", slot.teacher_id].append(slot)
        buckets[hour, "class", slot.school_class_id].append(slot)
        if room_key(slot.room):
            buckets[hour, "room", room_key(slot.room)].append(slot)
    found: dict[int, dict[int, tuple[TimetableSlot, str]]] = defaultdict(dict)
    for group in buckets.values():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                for this, other in ((a, b), (b, a)):
                    reason = this.clash_with(other)
                    if reason:
                        found[this.id][other.id] = (other, reason)
    return {slot_id: list(others.values()) for slot_id, others in found.items()}
