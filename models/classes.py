"""Classes, subgroups and the movement book that says who studies where and when."""
from __future__ import annotations

import datetime as dt

from peewee import CharField, DateField, ForeignKeyField, IntegerField

from .auditing import AuditedModel
from .base import RuleError
from .curriculum import Subject
from .people import Staff, Student
from .school import PERIOD_SCHEMES, AcademicYear, InYear, Period

MOVEMENT_KINDS = {
    "enrolled": "зачислен",
    "moved": "переведён в другой класс",
    "promoted": "переведён в следующий класс",
    "repeating": "оставлен на повторное обучение",
    "left": "выбыл",
    "graduated": "окончил обучение",
}
# After these movements the pupil is in no class of the school.
LEAVING_KINDS = {"left", "graduated"}


class SchoolClass(InYear, AuditedModel):
    """A class such as 5А in one academic year, with its class teacher and period scheme."""

    year = ForeignKeyField(AcademicYear, backref="classes")
    grade = IntegerField()
    letter = CharField(max_length=2)
    period_scheme = CharField(default="quarter")
    class_teacher = ForeignKeyField(Staff, null=True, backref="own_classes",
                                    on_delete="SET NULL")
    room = CharField(default="")

    class Meta:
        indexes = ((("year", "grade", "letter"), True),)

    @property
    def name(self) -> str:
        return f"{self.grade}{self.letter}"

    def __str__(self) -> str:
        return self.name

    def periods(self):
        """The periods of this class's scheme in its year, in order."""
        return (Period.select()
                .where((Period.year == self.year_id) & (Period.scheme == self.period_scheme))
                .order_by(Period.number))

    def period_on(self, day: dt.date) -> Period | None:
        return self.periods().where((Period.start <= day) & (Period.end >= day)).first()

    def student_ids_on(self, day: dt.date) -> list[int]:
        """Ids of the pupils the movement book puts in this class on the day."""
        ever = Movement.select(Movement.student).where(Movement.school_class == self)
        moves = (Movement.select(Movement.student, Movement.school_class)
                 .where(Movement.student.in_(ever) & (Movement.date <= day))
                 .order_by(Movement.date, Movement.id))
        last = {m.student_id: m.school_class_id for m in moves}
        return sorted(sid for sid, cid in last.items() if cid == self.id)

    def students_on(self, day: dt.date):
        """The pupils of this class on the day, in alphabetical order."""
        return (Student.select().where(Student.id.in_(self.student_ids_on(day)))
                .order_by(Student.last_name, Student.first_name, Student.middle_name))

    def validate(self) -> None:
        if not 1 <= self.grade <= 11:
            raise RuleError("Класс должен быть от 1 до 11.")
        if self.period_scheme not in PERIOD_SCHEMES:
            raise RuleError(f"Неизвестная схема периодов «{self.period_scheme}».")


class Movement(InYear, AuditedModel):
    """A line of the movement book: after it the pupil is in `school_class` (or none)."""

    student = ForeignKeyField(Student, backref="movements")
    kind = CharField(choices=list(MOVEMENT_KINDS.items()))
    date = DateField()
    school_class = ForeignKeyField(SchoolClass, null=True, backref="movements")
    reason = CharField(default="")
    order_number = CharField(default="")

    class Meta:
        indexes = ((("student", "date"), False),)

    @classmethod
    def class_id_on(cls, student_id: int, day: dt.date) -> int | None:
        """The id of the class the pupil studies in on the day, or None."""
        last = (cls.select(cls.school_class)
                .where((cls.student == student_id) & (cls.date <= day))
                .order_by(cls.date.desc(), cls.id.desc()).first())
        return last.school_class_id if last else None

    def owning_year(self) -> int | None:
        return class_year(self.school_class_id)

    def validate(self) -> None:
        if self.kind not in MOVEMENT_KINDS:
            raise RuleError(f"Неизвестный вид движения «{self.kind}».")
        if (self.kind in LEAVING_KINDS) != (self.school_class_id is None):
            raise RuleError("Класс указывается для всех движений, кроме выбытия и "
                            "окончания обучения.")


class Subgroup(InYear, AuditedModel):
    """Part of a class for one subject (a language group, a lab group)."""

    school_class = ForeignKeyField(SchoolClass, backref="subgroups", on_delete="CASCADE")
    subject = ForeignKeyField(Subject, backref="subgroups")
    name = CharField()

    class Meta:
        indexes = ((("school_class", "subject", "name"), True),)

    def __str__(self) -> str:
        return f"{self.school_class_id and self.school_class.name} {self.name}"

    def owning_year(self) -> int | None:
        return class_year(self.school_class_id)

    def has_student_on(self, student_id: int, day: dt.date) -> bool:
        """Whether the pupil belongs to this subgroup on the day."""
        m = SubgroupMember
        return (m.select().where((m.subgroup == self) & (m.student == student_id)
                                 & ((m.start.is_null()) | (m.start <= day))
                                 & ((m.end.is_null()) | (m.end >= day))).exists())


class SubgroupMember(InYear, AuditedModel):
    """A pupil in a subgroup, optionally between two dates."""

    subgroup = ForeignKeyField(Subgroup, backref="members", on_delete="CASCADE")
    student = ForeignKeyField(Student, backref="subgroup_links", on_delete="CASCADE")
    start = DateField(null=True)
    end = DateField(null=True)

    class Meta:
        indexes = ((("subgroup", "student"), False),)

    def owning_year(self) -> int | None:
        return (SchoolClass.select(SchoolClass.year).join(Subgroup)
                .where(Subgroup.id == self.subgroup_id).scalar())


def class_year(class_id: int | None) -> int | None:
    """The academic year of a class (None for no class)."""
    if class_id is None:
        return None
    return SchoolClass.select(SchoolClass.year).where(SchoolClass.id == class_id).scalar()
