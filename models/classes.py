"""Classes, subgroups and the movement book that says who studies where and when."""
from __future__ import annotations

import bisect
import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

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
    # «Условный перевод» (issue 16.4): promoted with an academic debt, the subjects in
    # the movement's reason (Федеральный закон № 273-ФЗ, ст. 58, ч. 8).
    "promoted_debt": "переведён условно (с академической задолженностью)",
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

    def student_ids_on(self, day: dt.date) -> list[int]:
        """Ids of the pupils the movement book puts in this class on the day."""
        members = Membership.read(Membership.entered(self.id, day), groups=False)
        return sorted(sid for sid, m in members.items() if m.class_on(day) == self.id)

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
        return Membership.of(student_id, groups=False).class_on(day)

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


@dataclass
class Membership:
    """Rule 8's one home: in which class (and subgroups) a pupil is on a day, from the
    movement book and the subgroup lists, read once and asked many times.

    Every reader and every write check asks here: the grid, «Мой класс», the diary, the
    weekly sheet (through models.record) and a mark's or absence's validation.
    """

    student_id: int
    moves: list[tuple[dt.date, int | None]] = field(default_factory=list)  # in order
    groups: dict[int, list[tuple[dt.date | None, dt.date | None]]] = field(default_factory=dict)
    student: Student | None = None  # filled by readers that show the pupil

    def class_on(self, day: dt.date) -> int | None:
        """The class after the last movement on or before the day (None: not in school)."""
        index = bisect.bisect_right(self._days, day)
        return self.moves[index - 1][1] if index else None

    @functools.cached_property
    def _days(self) -> list[dt.date]:  # asked after the moves are read
        return [d for d, _ in self.moves]

    def in_group_on(self, subgroup_id: int, day: dt.date) -> bool:
        return any((s is None or s <= day) and (e is None or e >= day)
                   for s, e in self.groups.get(subgroup_id, ()))

    def belongs(self, class_id: int, subgroup_id: int | None, day: dt.date) -> bool:
        """Rule 8: the pupil is in the class (and the subgroup, if any) on the day."""
        return self.class_on(day) == class_id and (
            subgroup_id is None or self.in_group_on(subgroup_id, day))

    def stay(self, class_id: int, subgroup_id: int | None, start: dt.date,
             end: dt.date) -> tuple[dt.date, dt.date] | None:
        """The first and last day between the two dates the pupil belongs to the journal;
        None if never. Membership changes only on a movement's day or at a subgroup
        window's ends, so the days around those and the two ends are enough to ask about."""
        changes = [d for d, _ in self.moves]
        for s, e in self.groups.get(subgroup_id, ()) if subgroup_id else ():
            changes += [d for d in (s, e and e + dt.timedelta(days=1)) if d]
        days = {start, end}
        for d in changes:
            days |= {d, d - dt.timedelta(days=1)}
        inside = [d for d in sorted(days)
                  if start <= d <= end and self.belongs(class_id, subgroup_id, d)]
        return (inside[0], inside[-1]) if inside else None

    def belongs_between(self, class_id: int, subgroup_id: int | None, start: dt.date,
                        end: dt.date) -> bool:
        """Whether the pupil belongs to the journal on some day between the two dates."""
        return self.stay(class_id, subgroup_id, start, end) is not None

    @staticmethod
    def entered(class_id: int, day: dt.date):
        """A subquery of the pupils the movement book put in the class by the day."""
        return Movement.select(Movement.student).where(
            (Movement.school_class == class_id) & (Movement.date <= day))

    @classmethod
    def read(cls, student_ids: Iterable[int], groups: bool = True) -> dict[int, Membership]:
        """These pupils' memberships (ids or a subquery), in one or two queries."""
        found: dict[int, Membership] = {}
        for sid, day, cid in (Movement.select(Movement.student, Movement.date,
                                              Movement.school_class)
                              .where(Movement.student.in_(student_ids))
                              .order_by(Movement.date, Movement.id).tuples()):
            found.setdefault(sid, cls(sid)).moves.append((day, cid))
        if groups and found:
            m = SubgroupMember
            windows: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
            for subgroup_id, sid, start, end in (m.select(m.subgroup, m.student, m.start, m.end)
                                                 .where(m.student.in_(list(found))).tuples()):
                windows[sid][subgroup_id].append((start, end))
            for sid, member in found.items():
                member.groups = dict(windows.get(sid, {}))
        return found

    @classmethod
    def of(cls, student_id: int, groups: bool = True) -> Membership:
        return cls.read([student_id], groups).get(student_id) or cls(student_id)
