"""The school calendar in the models (rules 14 and 15): school days per grade, holidays and
transfers, the lock of a finished period's journal, its reopening, and closed years."""
from __future__ import annotations

import datetime as dt

import pytest

from models import (
    AcademicYear,
    AuditEntry,
    DayTransfer,
    Lesson,
    Mark,
    Period,
    PeriodMark,
    RuleError,
    SchoolSettings,
    TeachingAssignment,
    acting_as,
)
from models.calendar import SchoolCalendar, parse_grades, reopen
from tests.school import WORKING_SATURDAY, staff

DAY = dt.timedelta(days=1)


def refusal(callable_, *args, **kwargs) -> str:
    with pytest.raises(RuleError) as caught:
        callable_(*args, **kwargs)
    return caught.value.message


@pytest.mark.parametrize("day, reason", [
    (dt.date(2026, 11, 29), "29.11.2026 — воскресенье, выходной день"),
    (dt.date(2026, 11, 28), "28.11.2026 — суббота, выходной день (в 5 классе пятидневная"),
    (dt.date(2026, 11, 2), "02.11.2026 — осенние каникулы"),
    (dt.date(2026, 11, 4), "04.11.2026 — День народного единства"),
    (dt.date(2027, 6, 15), "15.06.2027 — летние каникулы"),
])
def test_rule_14_a_lesson_on_a_day_off_is_refused_with_the_reason(real_school, day, reason,
                                                                   monkeypatch):
    monkeypatch.setenv("JOURNAL_TODAY", "2027-08-31")  # every day above is past
    message = refusal(Lesson.create, school_class=real_school.c5, subject=real_school.math,
                      teacher=real_school.teacher, date=day)
    assert reason in message
    assert not Lesson.select().exists()


@pytest.mark.parametrize("day", [dt.date(2026, 8, 31), dt.date(2025, 11, 25),
                                 dt.date(1, 1, 1)])
def test_rule_14_a_lesson_outside_the_year_is_refused(real_school, day, monkeypatch):
    monkeypatch.setenv("JOURNAL_TODAY", "2027-08-31")
    message = refusal(Lesson.create, school_class=real_school.c5, subject=real_school.math,
                      teacher=real_school.teacher, date=day)
    assert "вне учебного года 2026/2027" in message


def test_rule_14_a_working_saturday_and_a_six_day_week(real_school):
    school = real_school
    Lesson.create(school_class=school.c5, subject=school.math, teacher=school.teacher,
                  date=WORKING_SATURDAY)
    saturday = dt.date(2026, 11, 21)
    assert "суббота" in refusal(Lesson.create, school_class=school.c5, subject=school.math,
                                teacher=school.teacher, date=saturday)
    settings = SchoolSettings.current()
    settings.six_day_grades = "2-11"
    settings.save()
    Lesson.create(school_class=school.c5, subject=school.math, teacher=school.teacher,
                  date=saturday)
    # Grade 1 keeps its five-day week.
    assert "в 1 классе пятидневная" in refusal(
        Lesson.create, school_class=school.c1, subject=school.math, teacher=school.teacher,
        date=saturday)


def test_a_weekday_made_a_day_off_by_order(real_school):
    friday = dt.date(2026, 11, 20)
    DayTransfer.create(year=real_school.year, date=friday, working=False,
                       reason="приказ № 50")
    message = refusal(Lesson.create, school_class=real_school.c5, subject=real_school.math,
                      teacher=real_school.teacher, date=friday)
    assert "пятница, выходной день по переносу (приказ № 50)" in message


def test_transfers_refuse_what_is_no_transfer(real_school):
    assert "и так рабочий день" in refusal(DayTransfer.create, year=real_school.year,
                                           date=dt.date(2026, 11, 23), working=True)
    assert "и так выходной" in refusal(DayTransfer.create, year=real_school.year,
                                       date=dt.date(2026, 11, 22), working=False)


def test_week_days_are_school_days_and_any_day_with_a_lesson(real_school):
    calendar = SchoolCalendar.of(real_school.year)
    monday = dt.date(2026, 11, 2)
    assert calendar.week_days(monday, 5) == [dt.date(2026, 11, 5), dt.date(2026, 11, 6),
                                             WORKING_SATURDAY]
    # A lesson stored on a day off before the rule is shown, not hidden.
    assert dt.date(2026, 11, 2) in calendar.week_days(monday, 5, [dt.date(2026, 11, 2)])


@pytest.mark.parametrize("text, grades", [("", set()), ("2-11", set(range(2, 12))),
                                          ("1, 5–7", {1, 5, 6, 7})])
def test_six_day_grades_are_read_as_people_write_them(text, grades):
    assert parse_grades(text) == grades


@pytest.mark.parametrize("text", ["5-3", "0", "12", "пятые"])
def test_six_day_grades_refuse_nonsense(text):
    assert "Классы" in refusal(parse_grades, text)


# --- rule 15: locks ------------------------------------------------------------------

@pytest.fixture
def in_first_quarter(real_school, monkeypatch):
    """A maths lesson of 20.10 with a «4», recorded while quarter 1 was open."""
    monkeypatch.setenv("JOURNAL_TODAY", "2026-10-21")
    lesson = real_school.lesson(day=dt.date(2026, 10, 20))
    mark = Mark.create(lesson=lesson, student=real_school.pupils5[0], value="4")
    monkeypatch.setenv("JOURNAL_TODAY", real_school.today.isoformat())
    return lesson, mark


def quarter(school, number: int) -> Period:
    return Period.get((Period.year == school.year) & (Period.number == number))


def test_a_period_locks_five_working_days_after_it_ends(real_school):
    calendar = SchoolCalendar.of(real_school.year)
    # Quarter 1 ends on Saturday 24.10; the pupils' vacation is the teachers' working
    # time: 26–30.10 → locked on Saturday 31.10.
    assert calendar.locks_on(quarter(real_school, 1)) == dt.date(2026, 10, 31)
    # Quarter 2 ends on Monday 28.12; 1–8 January are public holidays: 29, 30, 31.12,
    # 11, 12.01 → locked on 13.01.
    assert calendar.locks_on(quarter(real_school, 2)) == dt.date(2027, 1, 13)
    # A Saturday worked by order counts (WORKING_SATURDAY is a transfer).
    period = Period(end=dt.date(2026, 11, 3))
    assert calendar.locks_on(period) == dt.date(2026, 11, 11)
    settings = SchoolSettings.current()
    settings.lock_after_days = 0
    settings.save()
    assert calendar.locks_on(quarter(real_school, 1)) == dt.date(2026, 10, 25)


def test_a_locked_period_refuses_every_journal_write(real_school, in_first_quarter):
    school, (lesson, mark) = real_school, in_first_quarter
    before = AuditEntry.select().count()
    for write in (lambda: Mark.create(lesson=lesson, student=school.pupils5[1], value="5"),
                  lambda: setattr(mark, "value", "5") or mark.save(),
                  mark.delete_instance, lesson.delete_instance,
                  lambda: setattr(lesson, "date", dt.date(2026, 11, 20)) or lesson.save(),
                  lambda: school.lesson(day=dt.date(2026, 10, 21)),
                  lambda: PeriodMark.create(student=school.pupils5[0], school_class=school.c5,
                                            subject=school.math, period=quarter(school, 1),
                                            value="4")):
        assert "Журнал за 1-ю четверть закрыт с 31.10.2026" in refusal(write)
    assert AuditEntry.select().count() == before
    assert Mark.get_by_id(mark.id).value == "4"


def test_a_reopened_journal_takes_writes_until_the_reopening_ends(real_school, monkeypatch,
                                                                  in_first_quarter):
    school, (lesson, _) = real_school, in_first_quarter
    deputy = staff("deputy.ee", "deputy")
    with acting_as(deputy.id):
        reopen(deputy, school.c5, school.math, None, quarter(school, 1),
               "исправление ошибки по заявлению учителя", school.today + 2 * DAY)
    with acting_as(school.teacher.id):
        Mark.create(lesson=lesson, student=school.pupils5[1], value="5")
    logged = (AuditEntry.select().where(AuditEntry.table_name == "mark")
              .order_by(AuditEntry.id.desc()).get())
    assert "исправление ошибки по заявлению учителя" in logged.reason
    opened = AuditEntry.select().where(AuditEntry.table_name == "journal_reopening").get()
    assert opened.staff_id == deputy.id and "исправление ошибки" in opened.reason
    # Another subject's journal of the same period stays locked.
    TeachingAssignment.create(school_class=school.c5, subject=school.english,
                              teacher=school.teacher)
    with pytest.raises(RuleError):
        school.lesson(day=dt.date(2026, 10, 21), subject=school.english)
    monkeypatch.setenv("JOURNAL_TODAY", (school.today + 3 * DAY).isoformat())
    assert "закрыт" in refusal(Mark.create, lesson=lesson, student=school.pupils5[2],
                               value="5")


def test_only_the_deputy_reopens_and_only_a_locked_journal(real_school):
    school = real_school
    deputy = staff("deputy.ee", "deputy")
    message = refusal(reopen, school.teacher, school.c5, school.math, None,
                      quarter(school, 1), "хочу исправить", school.today + DAY)
    assert "заместитель директора" in message
    assert "ещё не закрыт" in refusal(reopen, deputy, school.c5, school.math, None,
                                      quarter(school, 2), "исправление", school.today + DAY)
    assert "причину" in refusal(reopen, deputy, school.c5, school.math, None,
                                quarter(school, 1), " ", school.today + DAY)
    assert "до 14 дней" in refusal(reopen, deputy, school.c5, school.math, None,
                                   quarter(school, 1), "исправление", school.today + 15 * DAY)


# --- rule 15: closed years ------------------------------------------------------------

def test_closing_a_year_lists_the_missing_period_marks(real_school):
    school = real_school
    year = AcademicYear.get_by_id(school.year.id)
    year.closed = True
    message = refusal(year.save)
    assert "не выставлены отметки за период" in message
    assert "5А, Математика, 1-я четверть: Иванов Т." in message
    assert not AcademicYear.get_by_id(year.id).closed


def close_year(school) -> AcademicYear:
    """Close the school's year as the database would hold it after a proper closing."""
    AcademicYear.update(closed=True).where(AcademicYear.id == school.year.id).execute()
    return AcademicYear.get_by_id(school.year.id)


def test_a_closed_year_is_read_only(real_school):
    school = real_school
    lesson = school.lesson(day=dt.date(2026, 11, 20))
    year = close_year(school)
    for write in (lambda: school.lesson(day=dt.date(2026, 11, 23)),
                  lesson.delete_instance,
                  lambda: Mark.create(lesson=lesson, student=school.pupils5[0], value="5"),
                  lambda: setattr(school.c5, "room", "12") or school.c5.save(),
                  lambda: DayTransfer.create(year=year, date=dt.date(2026, 11, 21)),
                  lambda: setattr(year, "closed", False) or year.save()):
        assert "Учебный год 2026/2027 закрыт" in refusal(write)


def test_a_deleted_plan_topic_unlinks_its_lessons_as_logged_changes(real_school):
    """The database's SET NULL is done by the models: checked and logged like any change."""
    from models import PlanTopic

    school = real_school
    assignment = TeachingAssignment.get(school_class=school.c5, subject=school.math)
    topic = PlanTopic.create(assignment=assignment, number=1, title="Дроби")
    lesson = school.lesson(day=dt.date(2026, 11, 23), topic="Дроби", plan_topic=topic)
    topic.delete_instance()
    assert Lesson.get_by_id(lesson.id).plan_topic_id is None
    logged = AuditEntry.get((AuditEntry.table_name == "lesson") & (AuditEntry.action == "update"))
    assert logged.row_id == lesson.id and '"plan_topic": null' in logged.after
