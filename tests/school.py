"""A small school for tests, built through the models' own save() so every rule applies."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models import (
    AcademicYear,
    DayTransfer,
    Holiday,
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
    database,
)


def staff(login: str, roles: str = "teacher") -> Staff:
    return Staff.create(login=login, last_name="Учителева", first_name="Анна",
                        middle_name="Петровна", roles=roles)


DAY = dt.timedelta(days=1)

# A real year's calendar (2026/2027) for the tests that pin awkward days: quarters,
# vacations and public holidays, and a Saturday made a working day by order.
YEAR_2026 = ("2026/2027", dt.date(2026, 9, 1), dt.date(2027, 8, 31))
QUARTERS_2026 = [(dt.date(2026, 9, 1), dt.date(2026, 10, 24)),
                 (dt.date(2026, 11, 5), dt.date(2026, 12, 28)),
                 (dt.date(2027, 1, 12), dt.date(2027, 3, 20)),
                 (dt.date(2027, 3, 30), dt.date(2027, 5, 26))]
HOLIDAYS_2026 = [("осенние каникулы", dt.date(2026, 10, 26), dt.date(2026, 11, 3)),
                 ("День народного единства", dt.date(2026, 11, 4), dt.date(2026, 11, 4)),
                 ("зимние каникулы", dt.date(2026, 12, 29), dt.date(2027, 1, 11)),
                 ("День защитника Отечества", dt.date(2027, 2, 23), dt.date(2027, 2, 23)),
                 ("Международный женский день", dt.date(2027, 3, 8), dt.date(2027, 3, 8)),
                 ("весенние каникулы", dt.date(2027, 3, 21), dt.date(2027, 3, 29)),
                 ("летние каникулы", dt.date(2027, 5, 27), dt.date(2027, 8, 31))]
# Saturday 07.11.2026 is a school day: the week of 02.11 has vacation, a holiday and it.
WORKING_SATURDAY = dt.date(2026, 11, 7)


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
    def build(cls, today: dt.date, real_calendar: bool = False) -> SmallSchool:
        """The school around `today`: a year from 60 days before it with one quarter
        holding it; or (`real_calendar`) the 2026/2027 year with its four quarters,
        vacations, holidays and a working Saturday, whatever `today` is."""
        SchoolSettings.current()
        if real_calendar:
            year, period = cls.real_year(today)
            start = year.start
        else:
            # A Monday about two months back: lessons may be given on the year's first day.
            start = today - dt.timedelta(days=60 + (today - dt.timedelta(days=60)).weekday())
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
    def real_year(today: dt.date) -> tuple[AcademicYear, Period]:
        """2026/2027 as a school has it, and its quarter holding today (or the last begun,
        or the first)."""
        name, start, end = YEAR_2026
        year = AcademicYear.create(name=name, start=start, end=end)
        quarters = [Period.create(year=year, scheme="quarter", number=n, start=a, end=b)
                    for n, (a, b) in enumerate(QUARTERS_2026, 1)]
        for title, first, last in HOLIDAYS_2026:
            Holiday.create(year=year, name=title, start=first, end=last)
        DayTransfer.create(year=year, date=WORKING_SATURDAY, working=True,
                           reason="приказ № 45 от 20.10.2026")
        begun = [q for q in quarters if q.start <= today]
        return year, begun[-1] if begun else quarters[0]

    def school_days(self, first: dt.date, last: dt.date,
                    school_class: SchoolClass | None = None) -> list[dt.date]:
        """The class's school days from first to last (5А's by default)."""
        from models.calendar import SchoolCalendar
        c = school_class or self.c5
        return SchoolCalendar.of(self.year).school_days(first, last, c.grade)

    def school_day(self, back: int = 0, school_class: SchoolClass | None = None) -> dt.date:
        """The school day `back` school days before today (0: today or the last before)."""
        days = self.school_days(self.year.start, self.today, school_class)
        return days[-1 - back]

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


# The schema version a fresh database gets: the number of migrations shipped, so a test
# naming "N → latest" need not change each time a migration is added.
LATEST_SCHEMA = len(list(database.MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.py")))
