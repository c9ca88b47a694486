"""The journal's one reader (models.record) costs the same number of queries for a class of
5 pupils and 10 lessons as for 30 pupils and 120 lessons, on SQLite and PostgreSQL; and it
answers rule 7 and rule 8 the way the rules say."""
from __future__ import annotations

import contextlib
import datetime as dt
from fractions import Fraction

import pytest

from models import (
    Attendance,
    Lesson,
    Mark,
    Movement,
    PeriodMark,
    Student,
    SubgroupMember,
    TeacherComment,
    db,
)
from models.calendar import period_of
from models.gradebook import JournalPage
from models.record import ClassRecord, period_average
from tests.school import DAY


@contextlib.contextmanager
def counted():
    """Count the statements the database runs inside the block."""
    database = db.obj
    seen: list[str] = []
    original = database.execute_sql

    def execute_sql(sql, params=None, *args, **kwargs):
        seen.append(sql)
        return original(sql, params, *args, **kwargs)

    database.execute_sql = execute_sql
    try:
        yield seen
    finally:
        del database.execute_sql


def fill(school, pupils: int, lessons: int) -> None:
    """5А with this many pupils (some in the English group) and maths and English lessons
    on its school days, with marks, absences, comments and period marks for everyone."""
    extra = [school.pupil(f"Ученик{i:02d}", school.c5, school.start)
             for i in range(pupils - len(school.pupils5))]
    everyone = school.pupils5 + extra
    for student in extra[::2]:
        SubgroupMember.create(subgroup=school.group1, student=student)
    days = school.school_days(school.start, school.today)
    rows = []
    for i in range(lessons):
        english = i % 3 == 2
        rows.append(Lesson(school_class=school.c5, date=days[i % len(days)],
                           number=1 + i // len(days) * 2 + english,
                           subject=school.english if english else school.math,
                           subgroup=school.group1 if english else None,
                           teacher=school.teacher, work_type=school.test if i % 4 else None,
                           topic=f"Тема {i}", homework=f"№ {i}"))
    Lesson.bulk_create(rows)
    stored = list(Lesson.select().where(Lesson.school_class == school.c5))
    Mark.insert_many([{"lesson": x.id, "student": s.id, "value": "4"}
                      for x in stored for s in everyone]).execute()
    Attendance.insert_many([{"lesson": x.id, "student": everyone[0].id, "code": "Н"}
                            for x in stored]).execute()
    TeacherComment.insert_many([{"lesson": x.id, "student": everyone[-1].id, "text": "Молодец",
                                 "author": school.teacher.id} for x in stored]).execute()
    PeriodMark.insert_many([{"student": s.id, "school_class": school.c5.id, "subject":
                             school.math.id, "period": school.period.id, "value": "4"}
                            for s in everyone]).execute()


def read_everything(school) -> ClassRecord:
    record = ClassRecord(school.c5, school.period.start, school.today)
    for member in record.members.values():
        list(record.seen(member.student_id))
        record.averages(member.student_id, [(school.period.start, school.today)])
        record.pupil_period_marks(member.student_id)
    record.belonging(school.group1.id, school.period.start, school.today)
    return record


# The grid also reads its class, subject, periods and the settings.
@pytest.mark.parametrize("reader, most", [("record", 12), ("grid", 16)])
def test_the_reader_costs_the_same_queries_for_5_and_30_pupils_10_and_120_lessons(
        school, reader, most):
    sizes = [(5, 10), (30, 120)]
    costs = {}
    for pupils, lessons in sizes:
        fill(school, pupils, lessons)
        with counted() as queries:
            if reader == "record":
                record = read_everything(school)
            else:
                page = JournalPage.open(school.c5.id, school.math.id, None, None, school.today)
        costs[pupils, lessons] = len(queries)
        if reader == "record":
            assert len(record.members) == pupils and len(record.lessons) == lessons
            assert len(record.all_rows.marks) == pupils * lessons
        else:
            assert len(page.pupils) == pupils and page.lessons
        # The next size starts from an empty 5А journal.
        for model in (Mark, Attendance, TeacherComment, PeriodMark):
            model.delete().execute()
        Lesson.delete().execute()
        SubgroupMember.delete().where(SubgroupMember.student.not_in(school.pupils5)).execute()
        extra = Student.select(Student.id).where(Student.last_name.startswith("Ученик"))
        Movement.delete().where(Movement.student.in_(extra)).execute()
    assert costs[5, 10] == costs[30, 120] <= most, costs


def test_a_marks_weight_is_its_own_work_type_else_its_lessons_else_one(school):
    ivanov = school.pupils5[0]
    oral = school.lesson(day=school.school_day(3), work_type=school.oral)
    test = school.lesson(day=school.school_day(2), work_type=school.test)
    plain = school.lesson(day=school.school_day(1))
    Mark.create(lesson=oral, student=ivanov, value="5")            # weight 1 (the lesson's)
    Mark.create(lesson=test, student=ivanov, value="3")            # weight 2 (the lesson's)
    Mark.create(lesson=test, student=ivanov, value="4", work_type=school.oral)  # its own: 1
    Mark.create(lesson=plain, student=ivanov, value="2")           # none: 1
    Mark.create(lesson=plain, student=ivanov, value="5", work_type=school.test)  # its own: 2
    record = ClassRecord(school.c5, school.period.start, school.today)
    weights = {(m.value, m.work_type): m.weight for given in record.all_rows.marks.values()
               for m in given}
    assert weights == {("5", "Устный ответ"): 1.0, ("3", "Контрольная работа"): 2.0,
                       ("4", "Устный ответ"): 1.0, ("2", ""): 1.0,
                       ("5", "Контрольная работа"): 2.0}
    expected = Fraction(5 + 3 * 2 + 4 + 2 + 5 * 2, 7)
    assert record.average(ivanov.id, school.math.id, school.period.start,
                          school.today) == expected
    assert period_average(school.c5, school.math.id, ivanov.id, school.today) == expected


def test_a_moved_pupils_marks_count_in_each_class_only_while_there(school):
    """Rule 8: a pupil moved from 5А to 6А mid-period keeps the 5А marks of the period in
    their average and sees 5А's lessons only up to the move, 6А's only after it."""
    ivanov = school.pupils5[0]
    before, moved = school.school_day(6), school.school_day(3)
    in_5a = school.lesson(day=before, topic="До перевода")
    Mark.create(lesson=in_5a, student=ivanov, value="5")
    Movement.create(student=ivanov, kind="moved", date=moved, school_class=school.c6)
    in_6a = school.lesson(school.c6, day=school.school_day(1), topic="После перевода")
    Mark.create(lesson=in_6a, student=ivanov, value="3")
    school.lesson(day=school.school_day(1), topic="Без него")  # 5А after he left
    record = ClassRecord(school.c6, school.period.start, school.today, pupils=[ivanov.id])
    assert [x.topic for x in record.seen(ivanov.id)] == ["До перевода", "После перевода"]
    assert record.average(ivanov.id, school.math.id, school.period.start,
                          school.today) == 4
    member = record.members[ivanov.id]
    assert member.stay(school.c5.id, None, school.period.start, school.today) == (
        school.period.start, moved - DAY)
    assert not member.belongs_between(school.c5.id, None, moved, school.today)


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_the_current_period_is_the_one_holding_the_day_or_the_last_ended(school, offset):
    periods = list(school.c5.periods())
    end = school.period.end
    day = end + dt.timedelta(days=offset)
    assert period_of(periods, day) == school.period  # in the period and after it ended
    assert period_of(periods, school.period.start - DAY) is None
