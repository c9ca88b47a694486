"""Who may read and change what: rules 3–6 of DESIGN section 3 as plain functions.

The panel calls these on every view and endpoint; nothing here imports Flask.
Rule 6 (pupils and parents have no access to the journal) holds because only staff
have accounts.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from peewee import JOIN

from .auditing import stated_reason
from .base import RuleError
from .classes import Membership, SchoolClass, Subgroup
from .curriculum import Subject
from .journal import Lesson
from .people import Guardian, Staff, Student, StudentGuardian
from .school import AcademicYear, Period, SchoolSettings
from .timetable import PlanTopic, TeachingAssignment

# Rule 5: the director and deputies see everything (001 3.1–3.3).
READ_ALL = ("director", "deputy")
# Rule 5: deputies set up the year, classes, subjects, assignments, timetable, grading.
SETUP = ("deputy",)
# Rule 5: the admin manages accounts and settings.
ACCOUNTS = ("admin",)
# Who reads the audit log and may act on a breach (rule 10).
AUDIT = ("admin", "director", "deputy")

DENIED = "Недостаточно прав: этот журнал ведёт другой учитель."

# Rule 16 (001 3.3: «Заместитель директора имеет доступ ко всем страницам электронного
# журнала с функциональными возможностями учителей-предметников и классных руководителей»):
# the deputy corrects any entry of an open year's journal, each change with a stated reason.
CORRECTS = ("deputy",)
# The shortest reason a correction is saved with (as for reopening a closed year).
MIN_CORRECTION_REASON = 5
# How the audit log marks a deputy's correction: its reason follows (corrections read it).
CORRECTION = "исправление заместителя директора: "
NO_REASON = ("Исправление записи другого учителя сохраняется только с причиной: напишите её "
             f"в поле «Причина исправления» над журналом (не короче {MIN_CORRECTION_REASON} "
             "знаков) и сохраните ещё раз.")


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


def corrects(staff: Staff) -> bool:
    """Rule 16: the staff member may correct other teachers' journal entries, each with a
    stated reason."""
    return staff.has_role(*CORRECTS)


def correction_reason(reason: object, correcting: bool) -> str:
    """Rule 16: the audit log's reason for a write, from the reason the page sent: for a
    deputy's correction (`correcting`: corrects_lesson, corrects_period_mark) `CORRECTION`
    and the words, refused with the Russian message when missing or too short to say
    anything; '' for any other write, whatever was sent."""
    if not correcting:
        return ""
    text = " ".join(reason.split()) if isinstance(reason, str) else ""
    if len(text) < MIN_CORRECTION_REASON:
        raise AccessDenied(NO_REASON, rule=16)
    return CORRECTION + text


def correction_stated() -> bool:
    """Rule 16: the changes being made now carry a deputy's correction reason (see
    correction_reason and auditing.stating)."""
    return stated_reason().startswith(CORRECTION)


def editable_lesson_ids(staff: Staff, class_id: int, subject_id: int,
                        subgroup_id: int | None, lessons: Iterable,
                        correcting: bool = False) -> set[int]:
    """Rule 3 for the lessons of one journal (the whole class's, or a subgroup's) at once:
    the ids of those the staff member may change, each lesson's own teacher (a substitute
    too) or the teacher of the journal; the database is asked once, not per lesson.

    Class teachers, the director and deputies read but do not change subject teachers'
    entries (rule 4); a group teacher does not change whole-class lessons. With
    `correcting`, every lesson for the deputy too (rule 16: the grid offers them, and each
    write then needs a stated reason). `lessons` are rows with `id` and `teacher_id`:
    models, or the journal's read-model rows.
    """
    rows = list(lessons)
    if correcting and corrects(staff):
        return {x.id for x in rows}
    if any(x.teacher_id != staff.id for x in rows) and teaches(
            staff, class_id, subject_id, subgroup_id):
        return {x.id for x in rows}
    return {x.id for x in rows if x.teacher_id == staff.id}


def can_edit_lesson(staff: Staff, lesson: Lesson) -> bool:
    """Rule 3: may change this lesson (see editable_lesson_ids); rule 16: the deputy any
    lesson, while a correction's reason is stated."""
    return bool(editable_lesson_ids(staff, lesson.school_class_id, lesson.subject_id,
                                    lesson.subgroup_id, [lesson])) or (
        corrects(staff) and correction_stated())


def corrects_journal(staff: Staff, class_id: int, subject_id: int,
                     subgroup_id: int | None) -> bool:
    """Rule 16: the journal's page asks the staff member for a correction's reason: they
    are a deputy who does not teach this journal."""
    return corrects(staff) and not teaches(staff, class_id, subject_id, subgroup_id)


def corrects_lesson(staff: Staff, lesson: Lesson) -> bool:
    """Rule 16: changing this lesson (its fields, cells, works, comments) would be the
    deputy's correction of another's entry, which needs a stated reason."""
    return corrects(staff) and not editable_lesson_ids(
        staff, lesson.school_class_id, lesson.subject_id, lesson.subgroup_id, [lesson])


def period_mark_pupils(staff: Staff, class_id: int, subject_id: int,
                       student_ids: list[int], day: dt.date,
                       correcting: bool = False) -> set[int]:
    """Rule 4, pupil by pupil: whose period mark in the subject the staff member may set.

    The class teacher and the whole-class teacher set everyone's; a subgroup's teacher only
    that of the pupils in their subgroup on the day. With `correcting`, everyone's for the
    deputy too (rule 16, each with a stated reason).
    """
    if (correcting and corrects(staff)) or is_class_teacher(staff, class_id) \
            or teaches(staff, class_id, subject_id):
        return set(student_ids)
    a = TeachingAssignment
    groups = [g for (g,) in a.select(a.subgroup).where(
        (a.teacher == staff.id) & (a.school_class == class_id) & (a.subject == subject_id)
        & a.subgroup.is_null(False)).tuples()]
    if not groups:
        return set()
    return {sid for sid, member in Membership.read(student_ids).items()
            if any(member.in_group_on(group, day) for group in groups)}


def can_set_period_mark(staff: Staff, class_id: int, subject_id: int, student_id: int,
                        day: dt.date) -> bool:
    """Rule 4: may set this pupil's period mark in the subject (see period_mark_pupils);
    rule 16: the deputy any pupil's, while a correction's reason is stated."""
    return student_id in period_mark_pupils(staff, class_id, subject_id, [student_id], day) \
        or (corrects(staff) and correction_stated())


def corrects_period_mark(staff: Staff, class_id: int, subject_id: int, student_id: int,
                         period: Period | None) -> bool:
    """Rule 16: setting this pupil's mark for the period (None: a year, exam or final mark)
    would be the deputy's correction, which needs a stated reason."""
    if not corrects(staff):
        return False
    today = SchoolSettings.current().today()
    day = min(period.end, today) if period is not None else today
    return student_id not in period_mark_pupils(staff, class_id, subject_id, [student_id], day)


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


# --- «Печать»: weekly sheets and the temporary journal ----------------------------

def may_print(staff: Staff) -> bool:
    """Who prints at all: teachers (their own classes' sheets and assignments' temporary
    journals), the director and deputies (any)."""
    return staff.has_role("teacher", *READ_ALL)


def printable_classes(staff: Staff, year: AcademicYear | None):
    """Rules 4, 5 and 9: the classes of the year whose weekly sheets the staff member prints:
    every class for the director and deputies, a class teacher's own classes; in class order."""
    query = SchoolClass.select().where(SchoolClass.year == year)
    if not reads_all(staff):
        query = query.where(SchoolClass.id.in_(own_class_ids(staff)))
    return query.order_by(SchoolClass.grade, SchoolClass.letter)


# --- «Возврат выписок»: the signed return strips of the weekly sheets (rule 9) ------------

def may_see_paper_returns(staff: Staff) -> bool:
    """Class teachers (their classes' lists) and the director and deputies (every class's)."""
    return may_use_my_class(staff) or reads_all(staff)


def may_tick_paper_returns(staff: Staff, class_id: int) -> bool:
    """Only the class teacher ticks the returned sheets of the class; the others read."""
    return is_class_teacher(staff, class_id)


def printable_assignments(staff: Staff):
    """Whose temporary paper journal (rule 12) the staff member prints: every assignment for
    the director and deputies, a teacher their own (not the journals they only read)."""
    query = journals_for(staff)
    if not reads_all(staff):
        query = query.where(TeachingAssignment.teacher == staff.id)
    return query


# --- «Мой класс» and the cards of pupils and guardians (rule 4) ----------------------

def may_use_my_class(staff: Staff) -> bool:
    """Rule 4: «Мой класс» is the class teacher's: whoever is class teacher of some class."""
    return SchoolClass.select().where(SchoolClass.class_teacher == staff.id).exists()


def my_class_id(staff: Staff, wanted: int | None) -> int | None:
    """The class «Мой класс» shows: the wanted one if it is the staff member's own, their
    first without a wish; None when the wish is another's class (or they have none)."""
    own = own_class_ids(staff)
    if not wanted:
        return own[0] if own else None
    return wanted if wanted in own else None


def may_issue_diary_passwords(staff: Staff, class_id: int) -> bool:
    """Rules 4 and 5: the class teacher issues and rotates the diary passwords of their own
    class (the public help page says so); the admin, who manages accounts, of any class."""
    return staff.has_role(*ACCOUNTS) or is_class_teacher(staff, class_id)


def diary_password_classes(staff: Staff, year: AcademicYear | None):
    """The classes of the year whose diary passwords the staff member issues (see
    may_issue_diary_passwords), in the school's order."""
    query = SchoolClass.select().order_by(SchoolClass.grade, SchoolClass.letter)
    query = query.where(SchoolClass.year == (year.id if year else 0))
    return query if staff.has_role(*ACCOUNTS) else query.where(
        SchoolClass.class_teacher == staff.id)


def class_pupil_ids(staff: Staff, cache: dict | None = None) -> list[int]:
    """Rule 4: the pupils the movement book puts in the staff member's classes today, on
    the school's clock.

    Reading the movement book is the costly part: `cache`, a dict the caller keeps for one
    request, holds the answer for the permission checks of a page that ask again.
    """
    cache = {} if cache is None else cache
    key = ("class_pupil_ids", staff.id)
    if key not in cache:
        today = SchoolSettings.current().today()
        classes = SchoolClass.select().where(SchoolClass.class_teacher == staff.id)
        cache[key] = [pupil for school_class in classes
                      for pupil in school_class.student_ids_on(today)]
    return cache[key]


def pupil_scope(staff: Staff, query=None, cache: dict | None = None):
    """Rule 4: the pupils whose cards the staff member edits, those now in the classes they
    are class teacher of, as `query` (every pupil by default) narrowed to them; None for
    whoever is class teacher of no class."""
    if not may_use_my_class(staff):
        return None
    query = Student.select() if query is None else query
    return query.where(Student.id.in_(class_pupil_ids(staff, cache)))


def guardian_scope(staff: Staff, query=None, cache: dict | None = None):
    """Rule 4: the guardians whose cards the staff member edits, those of the pupils now in
    their classes, as `query` (every guardian by default) narrowed to them; None for whoever
    is class teacher of no class."""
    if not may_use_my_class(staff):
        return None
    links = (StudentGuardian.select(StudentGuardian.guardian)
             .where(StudentGuardian.student.in_(class_pupil_ids(staff, cache))))
    query = Guardian.select() if query is None else query
    return query.where(Guardian.id.in_(links))


# --- КТП: a teacher plans their own assignments (rule 3) -----------------------------

def plannable_assignments(staff: Staff):
    """Rule 3: the assignments whose КТП the staff member writes: their own."""
    return TeachingAssignment.select().where(TeachingAssignment.teacher == staff.id)


def plan_scope(staff: Staff, query=None):
    """Rule 3: the КТП topics a teacher plans, those of their own assignments, as `query`
    (every topic by default) narrowed to them; None for staff without the teacher role."""
    if not staff.has_role("teacher"):
        return None
    mine = plannable_assignments(staff).select(TeachingAssignment.id)
    query = PlanTopic.select() if query is None else query
    return query.where(PlanTopic.assignment.in_(mine))


def owns_plan_topic(staff: Staff, topic: PlanTopic) -> bool:
    """Rule 3: whether the topic (as a form leaves it) is in one of the staff member's own
    assignments."""
    return (plannable_assignments(staff)
            .where(TeachingAssignment.id == topic.assignment_id).exists())


# --- loading the curriculum from files (issue 19.1) -------------------------------------

def may_import_curriculum(staff: Staff) -> bool:
    """Rule 5: the load (assignments) and the timetable are loaded by whoever enters them in
    the panel, the deputy."""
    return staff.has_role(*SETUP)


def may_import_plan(staff: Staff) -> bool:
    """КТП from a file: a teacher (their own journals, see plans_assignment) or the deputy
    (any journal), as in the panel's «КТП»."""
    return staff.has_role(*SETUP, "teacher")


def plans_assignment(staff: Staff, assignment_id: int) -> bool:
    """Rule 3: whether the staff member may write this assignment's КТП: the deputy any, a
    teacher their own."""
    return staff.has_role(*SETUP) or (
        staff.has_role("teacher")
        and plannable_assignments(staff).where(TeachingAssignment.id == assignment_id).exists())


# --- the timetable's week grid ----------------------------------------------------------

def may_see_timetable(staff: Staff) -> bool:
    """Who opens the timetable's week grid: the director and deputies, who read the setup
    tables (rule 5), and teachers, for their own week and their classes' weeks."""
    return reads_all(staff) or staff.has_role("teacher") or may_use_my_class(staff)


def timetable_classes(staff: Staff, query):
    """The classes of `query` whose week the staff member sees: every one for the director
    and deputies; for a teacher those they lead (rule 4) or teach."""
    if reads_all(staff):
        return query
    taught = (TeachingAssignment.select(TeachingAssignment.school_class)
              .where(TeachingAssignment.teacher == staff.id))
    return query.where((SchoolClass.class_teacher == staff.id) | SchoolClass.id.in_(taught))


def timetable_teachers(staff: Staff, query):
    """The staff of `query` whose week the staff member sees: everyone's for the director
    and deputies, a teacher only their own."""
    return query if reads_all(staff) else query.where(Staff.id == staff.id)


# --- «Загрузка данных» (issue 19.1): imports from spreadsheets ---------------------------

# Who loads each kind: whoever adds those rows in the panel. Pupils and guardians are the
# deputy's setup tables (rule 5; the admin does not add pupils there either); staff
# accounts are the admin's alone, so a deputy cannot make an administrator by a file.
IMPORTS = {"pupils": SETUP, "staff": ACCOUNTS}


def may_import(staff: Staff, kind_key: str) -> bool:
    """Whether the staff member loads this kind of data from a file (an unknown kind: no)."""
    return staff.has_role(*IMPORTS.get(kind_key, ()))


def may_import_any(staff: Staff, kinds) -> bool:
    """Whether «Загрузка данных» has anything for the staff member (`kinds`: the Kinds)."""
    return any(kind.allowed(staff) for kind in kinds)


# --- the year transfer (issue 16.3) ----------------------------------------------------

def may_open_or_close_year(staff: Staff) -> bool:
    """001 3.1: the journal's administrator creates the new year by 1 July and closes the
    old one by 30 August; 001 3.3 and rule 5: the deputy sets up the year."""
    return staff.has_role(*SETUP, *ACCOUNTS)


def may_transfer_year(staff: Staff) -> bool:
    """001 3.3 and rule 5: the deputy enters the classes, the load and the timetable and
    keeps the movement book (promotions, repeaters, graduates): steps 2–3 of the transfer
    are the deputy's alone; the admin manages accounts and settings, not pupils."""
    return staff.has_role(*SETUP)


# --- «Отчёты» (issue 17) ------------------------------------------------------------------

def may_read_reports(staff: Staff) -> bool:
    """Rules 3–5: the director and deputies (every class), class teachers (their classes)
    and subject teachers (the classes they teach) read the reports; the admin, who manages
    accounts and settings, only when holding one of those roles too."""
    return reads_all(staff) or staff.has_role("teacher") or may_use_my_class(staff)


def report_class_ids(staff: Staff, year: AcademicYear | None) -> list[int]:
    """The classes of the year whose figures the staff member reads in a report, in the
    school's order: every class for the director and deputies, else the classes they lead
    (rule 4) and those they teach (rule 3)."""
    query = (SchoolClass.select(SchoolClass.id)
             .where(SchoolClass.year == (year.id if year else 0))
             .order_by(SchoolClass.grade, SchoolClass.letter))
    if not reads_all(staff):
        taught = (TeachingAssignment.select(TeachingAssignment.school_class)
                  .where(TeachingAssignment.teacher == staff.id))
        query = query.where((SchoolClass.class_teacher == staff.id)
                            | SchoolClass.id.in_(taught))
    return [c.id for c in query]


def report_subject_ids(staff: Staff, class_id: int) -> set[int] | None:
    """The subjects of the class a report shows the staff member: None (all) for the
    director, deputies and the class teacher; a subject teacher those they teach there
    (rule 3; a subgroup's teacher the subject's whole-class figures, as the journal)."""
    if reads_all(staff) or is_class_teacher(staff, class_id):
        return None
    a = TeachingAssignment
    return {s for (s,) in a.select(a.subject).where((a.teacher == staff.id)
                                                     & (a.school_class == class_id)).tuples()}


def may_see_archive(staff: Staff) -> bool:
    """Rule 11 (001 3.1, 6): the director and deputies read the period archive's registry
    and download its files (whole classes' journals)."""
    return reads_all(staff)


def may_archive_now(staff: Staff) -> bool:
    """The deputy, who keeps the journal (001 3.3), archives a locked period from the panel."""
    return staff.has_role(*SETUP)


# --- «Экспорт» (issue 19.2): files of the journal, the class list and the КТП -------------

def may_export(staff: Staff) -> bool:
    """Who downloads exports at all: whoever reads the reports (rules 3–5); the admin, who
    manages accounts and settings, only with one of those roles too."""
    return may_read_reports(staff)


def may_export_class(staff: Staff, class_id: int) -> bool:
    """Whether the staff member exports anything of the class (its reports' scope): the
    director and deputies any class, a class teacher theirs, a teacher the classes they
    teach."""
    return may_export(staff) and (
        reads_all(staff) or is_class_teacher(staff, class_id)
        or TeachingAssignment.select().where((TeachingAssignment.teacher == staff.id)
                                             & (TeachingAssignment.school_class == class_id))
        .exists())


def may_export_journal(staff: Staff, class_id: int, subject_id: int,
                       subgroup_id: int | None = None) -> bool:
    """Rules 3–5, scoped as the reports: the director and deputies any journal, the class
    teacher every journal of their class, a subject teacher only the journals they teach (a
    whole-class assignment covers the groups; a group's teacher reads the subject's
    whole-class journal, as in the grid, but not the other group's)."""
    return may_export(staff) and (
        reads_all(staff) or is_class_teacher(staff, class_id)
        or teaches(staff, class_id, subject_id, subgroup_id)
        or (subgroup_id is None and teaches_subject(staff, class_id, subject_id)))


def export_journals(staff: Staff, class_id: int) -> list[TeachingAssignment]:
    """The journals of the class (one assignment per class, subject and subgroup) the staff
    member exports (see may_export_journal), in subject order, whole-class journal first."""
    a = TeachingAssignment
    found: dict[tuple[int, int | None], TeachingAssignment] = {}
    for row in (a.select(a, Subject, Subgroup).join(Subject).switch(a)
                .join(Subgroup, JOIN.LEFT_OUTER).where(a.school_class == class_id)
                .order_by(Subject.sort_order, Subject.name, Subgroup.name.is_null(False),
                          Subgroup.name, a.id)):
        found.setdefault((row.subject_id, row.subgroup_id), row)
    everything = may_export(staff) and (reads_all(staff) or is_class_teacher(staff, class_id))
    return [row for row in found.values() if everything or may_export_journal(
        staff, class_id, row.subject_id, row.subgroup_id)]


def may_export_pupils(staff: Staff, class_id: int) -> bool:
    """Rule 4: the list of a class's pupils with their guardians' contacts is for those who
    read these cards: the director and deputies any class's, a class teacher their own."""
    return reads_all(staff) or is_class_teacher(staff, class_id)


def export_pupil_ids(staff: Staff, class_id: int, student_ids: Iterable[int]) -> list[int]:
    """Of these pupils of the class, those whose cards (and guardians' cards) the staff
    member reads: all for the director and deputies; for the class teacher those
    pupil_scope gives them, now in their classes (a pupil who left is no longer theirs)."""
    ids = list(student_ids)
    if reads_all(staff):
        return ids
    if not may_export_pupils(staff, class_id):
        return []
    mine = set(class_pupil_ids(staff))
    return [sid for sid in ids if sid in mine]
