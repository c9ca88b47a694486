"""models.access asked directly: who may change which lesson, reach which card and КТП topic,
print which class and assignment, and open «Мой класс» (DESIGN rules 3–6).

The small school's people (tests/panel.py): `teacher` teaches maths in 5А, 1А and 6А and
is class teacher of 5А and 1А; `class_teacher` is class teacher of 6А and teaches nothing;
`english` teaches 5А's English group 1, `other` 6А's English group 2; then the deputy, the
director and the admin. Each function is shown both allowing and refusing.
"""
from __future__ import annotations

import datetime as dt

import pytest

from models import (
    AcademicYear,
    Guardian,
    Movement,
    PlanTopic,
    SchoolClass,
    Staff,
    StudentGuardian,
    TeachingAssignment,
    access,
)
from tests.school import staff

ROLES = ("teacher", "class_teacher", "deputy", "director", "admin")


def ids(query) -> set[int]:
    return {row.id for row in query}


# --- rule 3: which lessons a person may change ---------------------------------------

@pytest.fixture
def lessons(school, people):
    """5А maths: one by its teacher, one by `other` as a substitute; and a group 1 lesson."""
    day = school.today - dt.timedelta(days=7)
    own = school.lesson(day=day, number=1)
    substituted = school.lesson(day=day, number=2, teacher=people.other)
    group = school.lesson(day=day, number=3, subject=school.english, subgroup=school.group1,
                          teacher=people.english)
    return own, substituted, group


@pytest.mark.parametrize("who, editable", [
    ("teacher", {"own", "substituted"}),  # the journal's teacher: every lesson of it
    ("other", {"substituted"}),           # a substitute: the lesson they taught
    ("english", set()),                   # a group's teacher: no whole-class lesson
    ("class_teacher", set()),             # rule 4: reads, does not change
    ("deputy", set()), ("director", set()), ("admin", set()),
])
def test_editable_lessons_of_the_whole_class_journal(school, people, lessons, who, editable):
    own, substituted, _ = lessons
    user, names = getattr(people, who), {own.id: "own", substituted.id: "substituted"}
    found = access.editable_lesson_ids(user, school.c5.id, school.math.id, None,
                                       [own, substituted])
    assert {names[i] for i in found} == editable
    # can_edit_lesson is the same rule, one lesson at a time.
    assert {names[x.id] for x in (own, substituted) if access.can_edit_lesson(user, x)} \
        == editable


@pytest.mark.parametrize("who, allowed", [("english", True), ("teacher", False),
                                          ("class_teacher", False), ("deputy", False),
                                          ("director", False), ("admin", False)])
def test_a_group_lesson_is_its_group_teachers(school, people, lessons, who, allowed):
    group = lessons[2]
    user = getattr(people, who)
    found = access.editable_lesson_ids(user, school.c5.id, school.english.id,
                                       school.group1.id, [group])
    assert (found == {group.id}) is allowed
    assert access.can_edit_lesson(user, group) is allowed


def test_no_lessons_none_editable(school, people):
    assert access.editable_lesson_ids(people.teacher, school.c5.id, school.math.id, None,
                                      []) == set()


# --- rule 4: the cards of pupils and guardians ---------------------------------------

@pytest.fixture
def guardians(school):
    """A guardian of a 5А pupil and one of the 6А pupil."""
    made = {}
    for name, pupil in (("5А", school.pupils5[0]), ("6А", school.pupil6)):
        made[name] = Guardian.create(last_name="Родителева", first_name=name)
        StudentGuardian.create(student=pupil, guardian=made[name], relation="мать")
    return made


def test_a_class_teacher_reaches_the_pupils_of_their_classes(school, people):
    teachers = access.pupil_scope(people.teacher)
    assert ids(teachers) == {p.id for p in school.pupils5} | {school.pupil1.id}
    assert ids(access.pupil_scope(people.class_teacher)) == {school.pupil6.id}


@pytest.mark.parametrize("who", ["english", "deputy", "director", "admin"])
def test_whoever_is_class_teacher_of_no_class_reaches_no_card(people, who):
    # The deputy and the director read every card through their roles, not this scope.
    assert access.pupil_scope(getattr(people, who)) is None
    assert access.guardian_scope(getattr(people, who)) is None


def test_a_pupil_who_left_is_out_of_reach(school, people):
    gone = school.pupils5[2]
    Movement.create(student=gone, kind="left", date=school.today - dt.timedelta(days=1))
    assert gone.id not in ids(access.pupil_scope(people.teacher))


def test_the_pupil_scope_narrows_a_given_query_and_keeps_its_answer(school, people):
    from models import Student
    query = Student.select().where(Student.last_name == "Петрова")
    assert ids(access.pupil_scope(people.teacher, query)) == {school.pupils5[1].id}
    assert ids(access.pupil_scope(people.class_teacher, query)) == set()
    # A request's cache: the movement book is read once, whatever the page asks next.
    cache: dict = {}
    first = access.class_pupil_ids(people.teacher, cache)
    Movement.create(student=school.pupils5[0], kind="left", date=school.today)
    assert access.class_pupil_ids(people.teacher, cache) == first
    assert school.pupils5[0].id not in access.class_pupil_ids(people.teacher)


def test_a_class_teacher_reaches_the_guardians_of_their_pupils(people, guardians):
    assert ids(access.guardian_scope(people.teacher)) == {guardians["5А"].id}
    assert ids(access.guardian_scope(people.class_teacher)) == {guardians["6А"].id}


# --- rule 3: КТП ---------------------------------------------------------------------

@pytest.fixture
def topics(school, people):
    """A topic of the teacher's 5А maths and one of `other`'s 6А English group."""
    mine = TeachingAssignment.get(teacher=people.teacher, school_class=school.c5)
    theirs = TeachingAssignment.get(teacher=people.other)
    return (PlanTopic.create(assignment=mine, number=1, title="Натуральные числа"),
            PlanTopic.create(assignment=theirs, number=1, title="Present Simple"))


def test_a_teacher_plans_their_own_assignments_only(people, topics):
    mine, theirs = topics
    assert ids(access.plan_scope(people.teacher)) == {mine.id}
    assert ids(access.plan_scope(people.other)) == {theirs.id}
    assert access.owns_plan_topic(people.teacher, mine)
    assert not access.owns_plan_topic(people.teacher, theirs)
    assert ids(access.plannable_assignments(people.other)) == {theirs.assignment_id}
    # A class teacher who teaches nothing plans nothing, though the scope exists.
    assert ids(access.plan_scope(people.class_teacher)) == set()
    assert not access.owns_plan_topic(people.class_teacher, mine)


@pytest.mark.parametrize("who", ["deputy", "director", "admin"])
def test_staff_without_the_teacher_role_plan_nothing(people, topics, who):
    user = getattr(people, who)
    assert access.plan_scope(user) is None
    assert not any(access.owns_plan_topic(user, t) for t in topics)


def test_a_director_who_teaches_plans_only_their_own(school, people, topics):
    director = staff("director.teaching", "director,teacher")
    own = TeachingAssignment.create(school_class=school.c1, subject=school.english,
                                    teacher=director)
    topic = PlanTopic.create(assignment=own, number=1, title="Alphabet")
    assert ids(access.plan_scope(director)) == {topic.id}
    assert access.owns_plan_topic(director, topic)
    assert not access.owns_plan_topic(director, topics[0])


# --- «Печать» ------------------------------------------------------------------------

@pytest.mark.parametrize("who, allowed", [("teacher", True), ("class_teacher", True),
                                          ("deputy", True), ("director", True),
                                          ("admin", False)])
def test_who_prints(people, who, allowed):
    assert access.may_print(getattr(people, who)) is allowed


@pytest.mark.parametrize("who, classes", [
    ("teacher", ["1А", "5А"]), ("class_teacher", ["6А"]), ("english", []),
    ("deputy", ["1А", "5А", "6А"]), ("director", ["1А", "5А", "6А"]), ("admin", []),
])
def test_printable_classes(school, people, who, classes):
    found = access.printable_classes(getattr(people, who), school.year)
    assert [f"{c.grade}{c.letter}" for c in found] == classes


def test_no_class_of_another_year_is_printable(school, people):
    later = AcademicYear.create(name="Следующий год", start=school.year.end + dt.timedelta(1),
                                end=school.year.end + dt.timedelta(365))
    SchoolClass.create(year=later, grade=5, letter="Б", class_teacher=people.teacher)
    for who in ROLES:
        found = access.printable_classes(getattr(people, who), school.year)
        assert all(c.year_id == school.year.id for c in found)
    assert [c.letter for c in access.printable_classes(people.teacher, later)] == ["Б"]
    assert list(access.printable_classes(people.teacher, None)) == []


@pytest.mark.parametrize("who, count", [("teacher", 3), ("english", 1), ("class_teacher", 0),
                                        ("deputy", 5), ("director", 5), ("admin", 0)])
def test_printable_assignments(people, who, count):
    user = getattr(people, who)
    found = list(access.printable_assignments(user))
    assert len(found) == count
    if not access.reads_all(user):
        # Their own only: a class teacher reads 5А's English journal but does not print it.
        assert {a.teacher_id for a in found} <= {user.id}


# --- «Мой класс» ---------------------------------------------------------------------

@pytest.mark.parametrize("who, allowed", [("teacher", True), ("class_teacher", True),
                                          ("english", False), ("deputy", False),
                                          ("director", False), ("admin", False)])
def test_who_opens_my_class(people, who, allowed):
    assert access.may_use_my_class(getattr(people, who)) is allowed


def test_my_class_is_one_of_ones_own(school, people):
    teacher, class_teacher = people.teacher, people.class_teacher
    assert access.my_class_id(teacher, None) in {school.c5.id, school.c1.id}  # one of theirs
    assert access.my_class_id(teacher, school.c1.id) == school.c1.id
    assert access.my_class_id(teacher, school.c6.id) is None  # another's class
    assert access.my_class_id(class_teacher, None) == school.c6.id
    assert access.my_class_id(class_teacher, school.c5.id) is None
    assert access.my_class_id(class_teacher, 10**6) is None  # no such class


@pytest.mark.parametrize("who", ["english", "deputy", "director", "admin"])
def test_no_class_for_whoever_leads_none(school, people, who):
    user: Staff = getattr(people, who)
    assert access.my_class_id(user, None) is None
    assert access.my_class_id(user, school.c5.id) is None
