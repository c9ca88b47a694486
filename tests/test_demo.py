"""`journal demo` builds a believable school that obeys every rule, the same for the same seed."""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
from click.testing import CliRunner

from models import (
    Attendance,
    Guardian,
    Lesson,
    Mark,
    News,
    Period,
    PeriodMark,
    SchoolClass,
    SchoolSettings,
    Staff,
    Student,
    Subgroup,
    database,
    db,
)
from models.record import ClassRecord
from models.rules import suggest_mark
from tests.conftest import BACKENDS, empty_database_url
from tests.demo_school import TODAY, run_demo


@pytest.fixture(scope="module", params=BACKENDS)
def built_demo(request, tmp_path_factory):
    """One demo school per backend, shared by this module's read-only tests."""
    url = empty_database_url(request.param, tmp_path_factory.mktemp("demo"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATABASE_URL", url)
        result = run_demo(CliRunner())
    db.close()
    return url, result


@pytest.fixture
def demo(built_demo):
    url, result = built_demo
    database.bind(url)
    yield result
    db.close()


def test_demo_prints_logins_passwords_and_counts(demo):
    out = demo.output
    assert "student" in out and "Готово за" in out
    assert re.search(rf"^\s+student\s+{Student.select().count()}$", out, re.M)
    assert re.search(rf"^\s+mark\s+{Mark.select().count()}$", out, re.M)
    admin = Staff.get(Staff.roles.contains("admin"))
    password = out.split(admin.login, 1)[1].split()[0]
    assert admin.check_password(password)


def test_demo_has_every_role_grade_and_guardian(demo):
    roles = Counter(r for s in Staff.select() for r in s.role_set)
    assert roles["admin"] == 1 and roles["director"] == 1 and roles["deputy"] >= 2
    assert roles["teacher"] >= 15
    assert sorted(c.grade for c in SchoolClass.select()) == list(range(1, 12))
    assert all(c.class_teacher_id for c in SchoolClass.select())
    assert Student.select().count() == 40
    assert all(s.guardian_links.count() >= 1 for s in Student.select())
    assert Guardian.select().where(Guardian.wants_paper_sheet).count() >= 1
    assert Subgroup.select().count() == 2 * 10  # English in two groups, grades 2–11
    assert News.select().where(News.school_class.is_null()).count() >= 3


def test_demo_journal_obeys_the_rules(demo):
    today = dt.date.fromisoformat(TODAY)
    assert Lesson.select().where(Lesson.date > today).count() == 0  # rule 1
    first = Lesson.select().join(SchoolClass).where(SchoolClass.grade == 1)
    assert first.count() > 0 and first.where(Lesson.homework != "").count() == 0  # rule 2
    assert Mark.select().join(Lesson).join(SchoolClass).where(SchoolClass.grade == 1).count() == 0
    for lesson in Lesson.select()[::40]:
        lesson.validate()
    for row in list(Mark.select()[::15]) + list(Attendance.select()[::15]):
        row.validate()  # rule 8 and the grading scale, as the panel would check them


def test_demo_timetable_has_no_clash(demo):
    """No teacher in two places, no class in two lessons at one hour, no gap in a day: the
    rules TimetableSlot.validate keeps, which the demo's bulk insert does not call."""
    from models import TimetableSlot
    from models.timetable import clashes_among
    slots = list(TimetableSlot.select())
    assert len(slots) > 300 and clashes_among(slots) == {}
    for slot in slots[::30]:
        slot.validate()
    days: dict[tuple[int, int], set[int]] = {}
    for slot in slots:
        days.setdefault((slot.school_class_id, slot.weekday), set()).add(slot.number)
    assert all(numbers == set(range(1, max(numbers) + 1)) for numbers in days.values())


def test_demo_marks_and_absences_look_real(demo):
    values = Counter(m.value for m in Mark.select(Mark.value))
    numeric = sum(values[v] for v in "2345")
    assert numeric > 1000
    assert 3.5 < sum(int(v) * values[v] for v in "2345") / numeric < 4.4
    assert values["4"] > values["2"] and values["5"] > values["2"] and values["2"] > 0
    codes = Counter(a.code for a in Attendance.select(Attendance.code))
    assert codes["Б"] > codes["Н"] > 0 and codes["У"] > 0 and codes["ОП"] > 0
    # Checked homework is a work within its lesson (its own column and weight): each mark
    # of a type of its own is in a work the lesson has, and each work has marks.
    from models import LessonWork
    own = Mark.select(Mark.lesson, Mark.work_type).where(Mark.work_type.is_null(False))
    works = {(w.lesson_id, w.work_type_id) for w in LessonWork.select()}
    assert len(works) > 100
    assert {(m.lesson_id, m.work_type_id) for m in own} == works


def test_demo_period_marks_follow_rule_7_for_finished_periods(demo):
    today = dt.date.fromisoformat(TODAY)
    periods = list(Period.select().join(PeriodMark).distinct())
    assert periods and all(p.end < today for p in periods)
    thresholds = SchoolSettings.current().thresholds
    for pm in PeriodMark.select().where(PeriodMark.value.in_(["2", "3", "4", "5"]))[::25]:
        period = pm.period
        avg = ClassRecord(pm.school_class, period.start, period.end).average(
            pm.student_id, pm.subject_id, period.start, period.end)
        assert pm.value == suggest_mark(avg, thresholds)


def test_demo_keeps_optional_columns_set_only_on_later_rows(demo):
    from models import News, TeachingAssignment
    assert TeachingAssignment.select().where(TeachingAssignment.subgroup.is_null(False)).count()
    assert News.select().where(News.school_class.is_null(False)).count()
