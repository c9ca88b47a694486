"""Who teaches what where: teaching assignments, the thematic plan and the timetable."""
from __future__ import annotations

from peewee import CharField, DateField, FloatField, ForeignKeyField, IntegerField

from . import calendar
from .auditing import AuditedModel
from .base import RuleError, ValidBetween
from .classes import SchoolClass, Subgroup, class_year
from .curriculum import GRADING_SCALES, Subject
from .people import Staff
from .school import InYear

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


class TimetableSlot(ValidBetween, InYear, AuditedModel):
    """Lesson N on a weekday for a class (or subgroup), valid between two dates."""

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

    def validate(self) -> None:
        if not 1 <= self.weekday <= 6:
            raise RuleError("День недели должен быть от понедельника до субботы.")
        if not 1 <= self.number <= 10:
            raise RuleError("Номер урока должен быть от 1 до 10.")
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise RuleError("Расписание не может заканчиваться раньше, чем начинается.")
