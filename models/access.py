"""Who may read and change what: rules 3–6 of DESIGN section 3 as plain functions.

The panel calls these on every view and endpoint; nothing here imports Flask.
Rule 6 (pupils and parents have no access to the journal) holds because only staff
have accounts.
"""
from __future__ import annotations

import datetime as dt

from peewee import JOIN

from .base import RuleError
from .classes import SchoolClass, Subgroup, SubgroupMember
from .curriculum import Subject
from .journal import Lesson
from .people import Staff
from .timetable import TeachingAssignment

# Rule 5: the director and deputies see everything (001 3.1–3.3).
READ_ALL = ("director", "deputy")
# Rule 5: deputies set up the year, classes, subjects, assignments, timetable, grading.
SETUP = ("deputy",)
# Rule 5: the admin manages accounts and settings.
ACCOUNTS = ("admin",)
# Who reads the audit log and may act on a breach (rule 10).
AUDIT = ("admin", "director", "deputy")

DENIED = "Недостаточно прав: этот журнал ведёт другой учитель."


def reads_all(staff: Staff) -> bool:
    return staff.has_role(*READ_ALL)


def teaches(staff: Staff, class_id: int, subject_id: int, subgroup_id: int | None = None) -> bool:
    """Rule 3: the staff member writes this journal (of the whole class, or of a subgroup).

    An assignment for the whole class covers its subgroups; one for a subgroup covers only
    that subgroup's journal: a group teacher does not write the whole-class journal, where
    the other group's pupils are too.
    """
    a = TeachingAssignment
    journal = a.subgroup.is_null()
    if subgroup_id is not None:
        journal |= a.subgroup == subgroup_id
    return (a.select().where((a.teacher == staff.id) & (a.school_class == class_id)
                             & (a.subject == subject_id) & journal).exists())


def teaches_subject(staff: Staff, class_id: int, subject_id: int) -> bool:
    """Any assignment in this class and subject, a subgroup's too: enough to read the
    whole-class journal, which shows every mark the subject's average counts."""
    a = TeachingAssignment
    return (a.select().where((a.teacher == staff.id) & (a.school_class == class_id)
                             & (a.subject == subject_id)).exists())


def substituted(staff: Staff, class_id: int, subject_id: int,
                subgroup_id: int | None = None) -> bool:
    """Rule 3: the staff member taught at least one lesson of this very journal (the whole
    class's, or that subgroup's), as a substitute or as the group's own teacher."""
    journal = Lesson.subgroup == subgroup_id if subgroup_id else Lesson.subgroup.is_null()
    return (Lesson.select().where((Lesson.teacher == staff.id) & (Lesson.school_class == class_id)
                                  & (Lesson.subject == subject_id) & journal).exists())


def is_class_teacher(staff: Staff, class_id: int) -> bool:
    return (SchoolClass.select().where((SchoolClass.id == class_id)
                                       & (SchoolClass.class_teacher == staff.id)).exists())


def own_class_ids(staff: Staff) -> list[int]:
    """Rule 4: the classes whose class teacher this staff member is."""
    return [c.id for c in SchoolClass.select(SchoolClass.id)
            .where(SchoolClass.class_teacher == staff.id)]


def can_read_journal(staff: Staff, class_id: int, subject_id: int,
                     subgroup_id: int | None = None) -> bool:
    """Rules 3–5: who may open the journal of a class and subject (and subgroup)."""
    return (reads_all(staff) or is_class_teacher(staff, class_id)
            or teaches(staff, class_id, subject_id, subgroup_id)
            or (subgroup_id is None and teaches_subject(staff, class_id, subject_id))
            or substituted(staff, class_id, subject_id, subgroup_id))


def can_edit_lesson(staff: Staff, lesson: Lesson) -> bool:
    """Rule 3: the lesson's own teacher (a substitute too) or the teacher of its journal.

    Class teachers, the director and deputies read but do not change subject teachers'
    entries (rule 4); a group teacher does not change whole-class lessons.
    """
    return lesson.teacher_id == staff.id or teaches(
        staff, lesson.school_class_id, lesson.subject_id, lesson.subgroup_id)


def period_mark_pupils(staff: Staff, class_id: int, subject_id: int,
                       student_ids: list[int], day: dt.date) -> set[int]:
    """Rule 4, pupil by pupil: whose period mark in the subject the staff member may set.

    The class teacher and the whole-class teacher set everyone's; a subgroup's teacher only
    that of the pupils in their subgroup on the day.
    """
    if is_class_teacher(staff, class_id) or teaches(staff, class_id, subject_id):
        return set(student_ids)
    a, m = TeachingAssignment, SubgroupMember
    groups = a.select(a.subgroup).where((a.teacher == staff.id) & (a.school_class == class_id)
                                        & (a.subject == subject_id) & a.subgroup.is_null(False))
    members = m.select(m.student).where(
        m.subgroup.in_(groups) & m.student.in_(student_ids)
        & (m.start.is_null() | (m.start <= day)) & (m.end.is_null() | (m.end >= day)))
    return {sid for (sid,) in members.tuples()}


def can_set_period_mark(staff: Staff, class_id: int, subject_id: int, student_id: int,
                        day: dt.date) -> bool:
    """Rule 4: may set this pupil's period mark in the subject (see period_mark_pupils)."""
    return student_id in period_mark_pupils(staff, class_id, subject_id, [student_id], day)


class AccessDenied(RuleError):
    """The person may not do this (rules 3–6); the panel answers 403."""


def require(allowed: bool, message: str = DENIED) -> None:
    """Raise the Russian refusal unless allowed."""
    if not allowed:
        raise AccessDenied(message)


def journals_for(staff: Staff):
    """The (class, subject, subgroup) journals the staff member may open, as assignments.

    For the director and deputies every assignment; for a class teacher every assignment
    of their class; for a subject teacher their own, plus journals they substituted in.
    """
    a = TeachingAssignment
    query = (a.select(a, SchoolClass, Subject, Subgroup, Staff)
             .join(SchoolClass).switch(a).join(Subject).switch(a)
             .join(Subgroup, JOIN.LEFT_OUTER).switch(a).join(Staff))
    if not reads_all(staff):
        taught = (Lesson.select(Lesson.school_class, Lesson.subject, Lesson.subgroup)
                  .distinct().where(Lesson.teacher == staff.id).tuples())
        visible = (a.teacher == staff.id) | (SchoolClass.class_teacher == staff.id)
        for class_id, subject_id, subgroup_id in taught:
            # The journal of the lesson taught: that subgroup's, or the whole class's.
            journal = a.subgroup == subgroup_id if subgroup_id else a.subgroup.is_null()
            visible |= (a.school_class == class_id) & (a.subject == subject_id) & journal
        query = query.where(visible)
    return query.order_by(SchoolClass.grade, SchoolClass.letter, Subject.sort_order,
                          Subject.name, Subgroup.name)
