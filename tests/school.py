"""A small school for tests, built through the models' own save() so every rule applies."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models import (
    AcademicYear,
    Lesson,
    Movement,
    Period,
    SchoolClass,
    SchoolSettings,
    Staff,
    Student,
    Subgroup,
    SubgroupMember,
    Subject,
    TeachingAssignment,
    WorkType,
)


def staff(login: str, roles: str = "teacher") -> Staff:
    return Staff.create(login=login, last_name="Учителева", first_name="Анна",
                        middle_name="Петровна", roles=roles)


@dataclass
class SmallSchool:
    today: dt.date
    start: dt.date
    year: AcademicYear
    period: Period
    teacher: Staff
    c5: SchoolClass
    c1: SchoolClass
    c6: SchoolClass
    math: Subject
    english: Subject
    group1: Subgroup
    oral: WorkType
    test: WorkType
    pupils5: list[Student]
    pupil1: Student
    pupil6: Student

    @classmethod
    def build(cls, today: dt.date) -> SmallSchool:
        SchoolSettings.current()
        start = today - dt.timedelta(days=60)
        year = AcademicYear.create(name="Тестовый год", start=start,
                                   end=today + dt.timedelta(days=200))
        period = Period.create(year=year, scheme="quarter", number=1, start=start,
                               end=today + dt.timedelta(days=30))
        teacher = staff("teacher.aa")
        classes = [SchoolClass.create(year=year, grade=g, letter="А", class_teacher=teacher)
                   for g in (5, 1, 6)]
        math = Subject.create(name="Математика")
        english = Subject.create(name="Иностранный язык (английский)")
        for c in classes:
            TeachingAssignment.create(school_class=c, subject=math, teacher=teacher)
        group1 = Subgroup.create(school_class=classes[0], subject=english, name="1 группа")
        pupils = [cls.pupil(name, classes[0], start)
                  for name in ("Иванов", "Петрова", "Сидоров")]
        SubgroupMember.create(subgroup=group1, student=pupils[0])
        return cls(today, start, year, period, teacher, *classes, math, english, group1,
                   WorkType.create(name="Устный ответ", weight=1),
                   WorkType.create(name="Контрольная работа", weight=2), pupils,
                   cls.pupil("Малышкин", classes[1], start),
                   cls.pupil("Шестаков", classes[2], start))

    @staticmethod
    def pupil(last_name: str, school_class: SchoolClass, day: dt.date) -> Student:
        student = Student.create(last_name=last_name, first_name="Тест", middle_name="")
        Movement.create(student=student, kind="enrolled", date=day, school_class=school_class)
        return student

    def lesson(self, school_class: SchoolClass | None = None, day: dt.date | None = None,
               **fields) -> Lesson:
        fields.setdefault("subject", self.math)
        fields.setdefault("teacher", self.teacher)
        return Lesson.create(school_class=school_class or self.c5,
                             date=day or self.today - dt.timedelta(days=7), **fields)
