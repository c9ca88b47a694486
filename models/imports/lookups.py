"""What a file's cells name, found in the school: a class of the year, a subject, a group, a
staff member; read once per import and reported with the row and column when not found.

Shared by the curriculum's kinds (assignments, timetable, КТП); a class is one of the year
holding the school's today (between two years, the next one: a school loads the coming
year in August).
"""
from __future__ import annotations

import re
from collections import defaultdict

from ..base import RuleError
from ..classes import SchoolClass, Subgroup
from ..curriculum import Subject
from ..people import Staff, fold_name, short_name
from ..school import AcademicYear, check_year_open
from ..texts import check_text, quoted
from . import Batch, Field, Row, fold
from .pupils import class_key

# The columns every curriculum kind has: what the file names, the school has.
CLASS = Field("school_class", "Класс", True, "5А", "класс этого учебного года, например «5А»")
SUBJECT = Field("subject", "Предмет", True, "Математика",
                "название предмета (или краткое) из раздела «Предметы»")
GROUP = Field("subgroup", "Группа", False, "",
              "подгруппа класса по этому предмету; пусто — весь класс", ("Подгруппа",))
TEACHER = Field("teacher", "Учитель", True, "Иванова М. П.",
                "логин, ФИО («Иванова Мария Петровна») или фамилия с инициалами "
                "(«Иванова М. П.»)")
# «Иванова М. П.» as «иванова м.п.»: the spaces after initials' dots dropped.
_INITIALS = re.compile(r"(?<=\b\w)\.\s+(?=\w\b)")


def staff_key(name: str) -> str:
    """A staff member's name as matched: folded (case, «ё»), initials' spaces dropped."""
    return _INITIALS.sub(".", fold_name(" ".join(name.split())))


class Lookup:
    """The year's classes, the subjects, the groups and the staff, by what a file calls them."""

    def __init__(self, batch: Batch):
        self.batch = batch
        self.year = AcademicYear.on(batch.today)
        if self.year is not None:
            check_year_open(self.year.id)  # a closed year's rows are read-only (rule 15)
        classes = (SchoolClass.select().where(SchoolClass.year == self.year.id)
                   if self.year else [])
        self.classes = {class_key(c.name): c for c in classes}
        subjects = list(Subject.select().order_by(Subject.id))
        self.subjects = {fold(s.name): [s] for s in subjects}  # names are unique
        self.short_names: dict[str, list[Subject]] = defaultdict(list)
        for subject in subjects:
            if subject.short_name:
                self.short_names[fold(subject.short_name)].append(subject)
        self.groups = {(g.school_class_id, g.subject_id, fold(g.name)): g
                       for g in Subgroup.select().where(
                           Subgroup.school_class.in_([c.id for c in self.classes.values()]))}
        self.staff: dict[str, list[Staff]] = defaultdict(list)
        for person in Staff.select().order_by(Staff.login):
            names = {fold(person.login), staff_key(person.full_name),
                     staff_key(short_name(person.last_name, person.first_name,
                                          person.middle_name))}
            for name in names:
                self.staff[name].append(person)

    def school_class(self, row: Row, key: str = "school_class") -> SchoolClass | None:
        """The class the cell names, in the year of the school's today."""
        value = self.batch.text(row, key)
        if not value:
            return None
        if self.year is None:
            self.batch.bad(row, key, "в системе нет учебного года, к которому относится "
                                     f"{self.batch.today:%d.%m.%Y}",
                           "сначала создайте учебный год и его классы")
            return None
        found = self.classes.get(class_key(value))
        if found is None:
            self.batch.bad(row, key, f"класса {quoted(value)} нет в учебном году "
                                     f"{self.year.name}")
        return found

    def subject(self, row: Row, key: str = "subject") -> Subject | None:
        """The subject the cell names by its name or its short name."""
        value = self.batch.text(row, key)
        if not value:
            return None
        found = self.subjects.get(fold(value)) or self.short_names.get(fold(value), [])
        return self._one(row, key, found, f"{quoted(value)} — так названо несколько предметов: "
                         + ", ".join(f"«{s.name}»" for s in found), "полное название предмета",
                         f"предмета {quoted(value)} нет в разделе «Предметы»")

    def subgroup(self, row: Row, school_class: SchoolClass | None, subject: Subject | None,
                 key: str = "subgroup") -> tuple[bool, Subgroup | None]:
        """(found, the group): an empty cell is the whole class, (True, None); a group the
        class has not in that subject is reported, (False, None)."""
        value = self.batch.text(row, key)
        if not value:
            return True, None
        if school_class is None or subject is None:
            return False, None
        found = self.groups.get((school_class.id, subject.id, fold(value)))
        if found is None:
            self.batch.bad(row, key, f"у класса {school_class.name} нет подгруппы "
                                     f"{quoted(value)} по предмету «{subject.name}»; создайте "
                                     "её в разделе «Классы и ученики → Подгруппы»")
        return found is not None, found

    def teacher(self, row: Row, key: str = "teacher") -> Staff | None:
        """The staff member by login, full name or surname with initials; a name two staff
        members share is reported (their logins tell them apart)."""
        value = self.batch.text(row, key)
        if not value:
            return None
        found = self.staff.get(fold(value)) or self.staff.get(staff_key(value), [])
        return self._one(row, key, found, f"{quoted(value)} — так зовут нескольких сотрудников "
                         "(логины: " + ", ".join(p.login for p in found) + ")", "логин сотрудника",
                         f"сотрудника {quoted(value)} нет в разделе «Сотрудники»")

    def _one(self, row: Row, key: str, found: list, several: str, expected: str, missing: str):
        """The one row found; several or none reported (with what tells them apart)."""
        if len(found) == 1:
            return found[0]
        if found:
            self.batch.bad(row, key, several, expected)
        else:
            self.batch.bad(row, key, missing)
        return None


def typed_text(batch: Batch, row: Row, key: str, limit: int | None = None) -> str:
    """The cell's text as typed, refused (with its column) when it holds control characters
    or is longer than `limit`."""
    value = batch.text(row, key)
    try:
        check_text(value)
    except RuleError as exc:
        batch.bad(row, key, exc.message.rstrip("."))
        return ""
    if limit is not None and len(value) > limit:
        batch.bad(row, key, f"{quoted(value)} — длиннее {limit} знаков ({len(value)})")
        return ""
    return value


def repeated(batch: Batch, row: Row, seen: dict, key: tuple, what: str) -> bool:
    """Whether another row of the file already said this (`key`): reported on this one."""
    if key in seen:
        batch.bad(row, "", f"{what} уже есть в строке {seen[key]}", "одна строка на каждую "
                                                                     "запись")
        return True
    seen[key] = row.number
    return False
