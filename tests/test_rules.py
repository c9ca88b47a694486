"""The rules of DESIGN section 3 that live in the data, each tested through the models."""
from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models import Attendance, Mark, Movement, PeriodMark, RuleError, SchoolSettings
from models.calendar import period_of
from models.record import ClassRecord
from models.rules import suggest_mark, weighted_average

DAY = dt.timedelta(days=1)


def test_rule_1_no_lesson_after_today(school):
    with pytest.raises(RuleError, match="ещё не наступила") as err:
        school.lesson(day=school.today + DAY)
    assert err.value.rule == 1
    assert school.lesson(day=school.today).date == school.today


def test_rule_1_moving_an_existing_lesson_into_the_future_is_refused(school):
    lesson = school.lesson()
    lesson.date = school.today + 3 * DAY
    with pytest.raises(RuleError, match="заранее"):
        lesson.save()


def test_rule_2_grade_one_no_marks_no_homework(school):
    with pytest.raises(RuleError, match="домашние задания") as err:
        school.lesson(school.c1, homework="Упр. 5")
    assert err.value.rule == 2
    lesson = school.lesson(school.c1, topic="Звуки и буквы")  # topics are allowed
    with pytest.raises(RuleError, match="безотметочное"):
        Mark.create(lesson=lesson, student=school.pupil1, value="5")
    with pytest.raises(RuleError, match="безотметочное"):
        PeriodMark.create(student=school.pupil1, school_class=school.c1, subject=school.math,
                          period=school.period, value="5")
    Attendance.create(lesson=lesson, student=school.pupil1, code="Б")  # attendance is kept
    assert Mark.select().count() == 0 and Attendance.select().count() == 1


def test_rule_2_homework_allowed_from_grade_two(school):
    lesson = school.lesson(homework="№ 12, 14")
    Mark.create(lesson=lesson, student=school.pupils5[0], value="4")
    assert Mark.select().count() == 1


def test_rule_7_weighted_average_and_suggested_mark(school):
    ivanov = school.pupils5[0]
    oral = school.lesson(work_type=school.oral)
    test = school.lesson(day=school.today - 2 * DAY, work_type=school.test)
    Mark.create(lesson=oral, student=ivanov, value="5")
    Mark.create(lesson=oral, student=ivanov, value="ОСВ")  # special marks count in nothing
    Mark.create(lesson=test, student=ivanov, value="3")
    Mark.create(lesson=test, student=ivanov, value="4", work_type=school.oral)
    # (5·1 + 3·2 + 4·1) / 4 = 3.75
    record = ClassRecord(school.c5, school.start, school.today, subject_id=school.math.id)
    avg = record.average(ivanov.id, school.math.id, school.start, school.today)
    assert avg == Fraction(15, 4)
    assert suggest_mark(avg, SchoolSettings.current().thresholds) == "4"
    settings = SchoolSettings.current()
    settings.threshold_4 = 3.8  # a school may set stricter thresholds
    settings.save()
    assert suggest_mark(avg, SchoolSettings.current().thresholds) == "3"


def test_rule_7_thresholds_are_exact_at_the_boundary():
    assert suggest_mark(weighted_average([("5", 1), ("4", 1)])) == "5"  # 4.5 → «5»
    assert suggest_mark(weighted_average([("4", 1), ("3", 1)])) == "4"  # 3.5 → «4»
    assert suggest_mark(weighted_average([("3", 1), ("2", 1)])) == "3"  # 2.5 → «3»
    assert suggest_mark(weighted_average([("5", 0.1), ("4", 0.1)])) == "5"  # no float drift
    assert suggest_mark(weighted_average([("5", 1), ("4", 1), ("4", 1)])) == "4"  # 4.33
    assert weighted_average([("ЗЧ", 1), ("•", 1), ("ОСВ", 1)]) is None
    assert suggest_mark(None) is None


def test_rule_7_invalid_thresholds_are_refused(fresh_db):
    settings = SchoolSettings.current()
    settings.threshold_3, settings.threshold_4 = 3.6, 3.5
    with pytest.raises(RuleError, match="Пороги"):
        settings.save()


marks = st.lists(st.tuples(st.sampled_from("2345"),
                           st.sampled_from([0.5, 1.0, 1.5, 2.0, 0.1, 3.0])), min_size=1)
thresholds = st.tuples(st.floats(2.0, 3.0), st.floats(3.01, 4.0), st.floats(4.01, 5.0))


@given(marks)
def test_rule_7_average_lies_between_lowest_and_highest_mark(ms):
    avg = weighted_average(ms)
    assert min(int(v) for v, _ in ms) <= avg <= max(int(v) for v, _ in ms)


@given(st.lists(st.sampled_from("2345"), min_size=1))
def test_rule_7_equal_weights_give_the_plain_mean(values):
    assert weighted_average([(v, 1.5) for v in values]) == Fraction(
        sum(map(int, values)), len(values))


@given(marks, st.sampled_from(["ЗЧ", "НЗ", "ОСВ", "•"]))
def test_rule_7_special_marks_change_nothing(ms, special):
    assert weighted_average(ms + [(special, 2.0)]) == weighted_average(ms)


@given(marks, st.randoms())
def test_rule_7_order_of_marks_does_not_matter(ms, rnd):
    shuffled = list(ms)
    rnd.shuffle(shuffled)
    assert weighted_average(shuffled) == weighted_average(ms)


@given(st.fractions(2, 5), st.fractions(2, 5), thresholds)
def test_rule_7_suggestion_never_falls_as_the_average_rises(a, b, th):
    low, high = sorted((a, b))
    assert int(suggest_mark(low, th)) <= int(suggest_mark(high, th))


@given(thresholds)
def test_rule_7_each_threshold_rounds_up(th):
    for mark, t in zip("345", th):
        assert suggest_mark(t, th) == mark


def test_rule_8_marks_only_for_enrolled_pupils(school):
    lesson = school.lesson()
    with pytest.raises(RuleError, match="не числится") as err:
        Mark.create(lesson=lesson, student=school.pupil6, value="5")  # another class
    assert err.value.rule == 8
    with pytest.raises(RuleError, match="не числится"):
        Attendance.create(lesson=lesson, student=school.pupil6, code="Н")
    Mark.create(lesson=lesson, student=school.pupils5[0], value="5")


def test_rule_8_dates_of_the_movement_book_count(school):
    petrova = school.pupils5[1]
    # Lessons on the school day before a movement and on its day.
    before_leaving, left = school.school_day(back=7), school.school_day(back=6)
    Movement.create(student=petrova, kind="left", date=left, school_class=None)
    Mark.create(lesson=school.lesson(day=before_leaving), student=petrova, value="4")
    with pytest.raises(RuleError, match="не числится"):
        Mark.create(lesson=school.lesson(day=left), student=petrova, value="4")
    # Шестаков moves from 6А to 5А.
    before_moving, moved = school.school_day(back=3), school.school_day(back=2)
    Movement.create(student=school.pupil6, kind="moved", date=moved, school_class=school.c5)
    with pytest.raises(RuleError, match="не числится"):
        Mark.create(lesson=school.lesson(day=before_moving), student=school.pupil6, value="3")
    Mark.create(lesson=school.lesson(day=moved), student=school.pupil6, value="3")


def test_rule_8_subgroup_lessons_only_for_its_members(school):
    lesson = school.lesson(subject=school.english, subgroup=school.group1)
    Mark.create(lesson=lesson, student=school.pupils5[0], value="5")
    with pytest.raises(RuleError, match="подгрупп"):
        Mark.create(lesson=lesson, student=school.pupils5[1], value="5")
    with pytest.raises(RuleError, match="подгрупп"):
        Attendance.create(lesson=lesson, student=school.pupils5[1], code="ОП")


def test_marks_follow_the_grading_scale(school):
    lesson = school.lesson()
    for bad in ("6", "1", "ЗЧ", "5+"):
        with pytest.raises(RuleError, match="недопустима"):
            Mark.create(lesson=lesson, student=school.pupils5[0], value=bad)
    settings = SchoolSettings.current()
    settings.uses_mark_one = True
    settings.save()
    Mark.create(lesson=lesson, student=school.pupils5[0], value="1")
    Mark.create(lesson=lesson, student=school.pupils5[0], value="•")


def test_class_roster_follows_the_movement_book(school):
    """The roster the journal grid shows is the one rule 8 checks against."""
    day = school.today - 3 * DAY
    names = [s.last_name for s in school.c5.students_on(day)]
    assert names == ["Иванов", "Петрова", "Сидоров"]
    Movement.create(student=school.pupils5[1], kind="left", date=day, school_class=None)
    Movement.create(student=school.pupil6, kind="moved", date=day, school_class=school.c5)
    assert [s.last_name for s in school.c5.students_on(day)] == ["Иванов", "Сидоров",
                                                                 "Шестаков"]
    assert [s.last_name for s in school.c5.students_on(day - DAY)] == names
    assert school.c6.student_ids_on(day) == []
    assert period_of(school.c5.periods(), day) == school.period
    assert period_of(school.c5.periods(), school.start - DAY) is None
