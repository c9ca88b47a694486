"""What is taught and how it is marked: subjects, work types and grading scales."""
from __future__ import annotations

from peewee import BooleanField, CharField, FloatField, IntegerField

from .auditing import AuditedModel
from .base import RuleError

GRADING_SCALES = {
    "five": "пятибалльная",
    "pass": "зачёт/незачёт",
}


class Subject(AuditedModel):
    """A school subject, e.g. «Русский язык»."""

    name = CharField(unique=True)
    short_name = CharField(default="")
    sort_order = IntegerField(default=0)

    def __str__(self) -> str:
        return self.name


class WorkType(AuditedModel):
    """A kind of work (устный ответ, контрольная работа) and its weight in the average."""

    name = CharField(unique=True)
    short_name = CharField(default="")
    weight = FloatField(default=1.0)
    # A written work (диктант, контрольная): its marks are due within the school's
    # written_marks_days working days (rule 13; issue 17.6; migration 0011).
    is_written = BooleanField(default=False)

    def __str__(self) -> str:
        return self.name

    def validate(self) -> None:
        if not 0 < self.weight <= 10:
            raise RuleError("Вес вида работы должен быть больше 0 и не больше 10.")
