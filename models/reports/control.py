"""«Контроль заполнения журнала» (issue 17.6, rule 13): the journal's deadlines are never
enforced when writing; this report lists, for each teacher and journal, every entry made
late or still missing, each line linking to the journal page.

The checks and the clauses they come from (reference/):
- a lesson of the timetable with no journal record (001 3.5: the subject pages are filled
  on the lesson day; 003 4.4: «согласно расписанию»);
- a lesson without a topic (000 app. 2, 2.7; 003 4.4); homework is not required: «в случае,
  если домашнее задание задается» (000 app. 2, 2.8; 003 4.4), and never in grade 1 (001 2.10);
- a topic or homework entered after the school's deadline of the lesson day (003 4.4:
  «в день проведения урока, отсрочено – до 20.00»; 001 3.5; 000 app. 2, 2.8);
- a written work without marks after N working days (001 3.5: «не позднее, чем через
  пять рабочих дней»; 000 app. 2, 2.6);
- period marks missing once the period's last week has begun (000 app. 2, 2.6: «в течение
  последней недели каждого учебного периода»; 001 5.3);
- an absence «Н» still without a reason N working days after the lesson (000 app. 2, 2.9;
  002: «не позднее 2 рабочих дней»);
- a lesson re-entered from the temporary paper journal later than N working days after
  it was given (000 app. 2, 3.2; 002; rule 12).
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass

from .. import access
from ..audit import AuditEntry
from ..calendar import DAY, MAX_WALK, SchoolCalendar, period_of
from ..classes import SchoolClass, Subgroup
from ..curriculum import Subject, WorkType
from ..journal import Attendance, Lesson, Mark
from ..people import Staff
from ..record import ClassRecord, LessonRow
from ..school import Period, SchoolSettings, check_deadline_time
from ..timetable import TeachingAssignment, TimetableSlot
from . import Choice, Column, Report, Row, Table, report
from .attendance import span
from .choosing import chosen_classes

NOTHING_FOUND = "Нарушений не найдено."
OWED = "•"  # the «точка»: a mark owed, not given

COLUMNS = [Column("Учитель"), Column("Класс"), Column("Журнал"), Column("Дата"),
           Column("Нарушение"), Column("Подробности")]


@dataclass
class Finding:
    teacher_id: int | None
    teacher: str
    school_class: SchoolClass
    subject_id: int
    subgroup_id: int | None
    day: dt.date
    what: str
    detail: str = ""


def working_day_after(calendar: SchoolCalendar, day: dt.date, count: int) -> dt.date:
    """The `count`-th staff working day after `day` (the day itself for 0): the last day a
    deadline of N working days allows."""
    for _ in range(MAX_WALK):
        if count <= 0:
            break
        day += DAY
        count -= calendar.is_working_day(day)
    return day


class Control:
    """The findings for what one staff member may see in the chosen classes and dates."""

    def __init__(self, user: Staff, choice: Choice):
        self.user, self.choice, self.today = user, choice, choice.today
        self.settings = SchoolSettings.current()
        self.calendar = SchoolCalendar.of(choice.year)
        self.start, self.end, self.span = span(choice)
        # What is overdue is judged up to yesterday: today's lessons are still in progress.
        self.last = min(self.end, self.today - DAY)
        self.classes = chosen_classes(user, choice)
        # A class teacher and the administration see every journal of a class; a subject
        # teacher only their own journals (rule 3).
        self.whole = {c.id for c in self.classes
                      if access.reads_all(user) or c.class_teacher_id == user.id}
        self.written_types = dict(WorkType.select(WorkType.id, WorkType.name)
                                  .where(WorkType.is_written == True).tuples())  # noqa: E712
        a = TeachingAssignment
        self.own = set(a.select(a.school_class, a.subject, a.subgroup)
                       .where(a.teacher == user.id).tuples())
        self.periods: dict[int, list[Period]] = {}
        self._names: dict[int, str] | None = None

    def by_class(self, query, column) -> dict[int, list]:
        """The rows of a query over the chosen classes, by class id: one query for all."""
        found = defaultdict(list)
        for row in query.where(column.in_([c.id for c in self.classes])):
            found[getattr(row, column.name + "_id")].append(row)
        return found

    def visible(self, class_id: int, subject_id: int, subgroup_id: int | None) -> bool:
        return class_id in self.whole or bool(
            {(class_id, subject_id, subgroup_id), (class_id, subject_id, None)} & self.own)

    def findings(self) -> list[Finding]:
        found: list[Finding] = []
        if self.start > self.end or not self.classes:
            return found
        s, a = TimetableSlot, TeachingAssignment
        slots = self.by_class(s.select().where(s.valid_between(self.start, self.last)),
                              s.school_class) if self.last >= self.start else {}
        assignments = self.by_class(a.select(), a.school_class)
        self.paper, self.first, self.absent = self.paper_lessons(), self.first_entered(), \
            self.absent_pupils()
        for school_class in self.classes:
            record = ClassRecord(school_class, self.start, max(self.start, self.last))
            self.periods[school_class.id] = record.periods
            lessons = [x for x in record.class_lessons() if x.date <= self.last
                       and self.visible(school_class.id, x.subject_id, x.subgroup_id)]
            found += self.unrecorded(school_class, lessons, slots.get(school_class.id, []))
            found += self.topics(school_class, lessons)
            found += self.written(school_class, lessons, record)
            found += self.period_marks(school_class, record,
                                       assignments.get(school_class.id, []))
            if school_class.id in self.whole:
                found += self.absences(school_class, lessons, record)
        return [f for f in found if self.visible(f.school_class.id, f.subject_id, f.subgroup_id)]

    # --- the checks -------------------------------------------------------------------

    def unrecorded(self, school_class: SchoolClass, lessons: list[LessonRow],
                   slots: list[TimetableSlot]) -> list[Finding]:
        """Timetable lessons of the class's school days up to yesterday with no lesson of
        their journal recorded that day under their number (or under another number not
        in the timetable: a lesson entered as the 2nd instead of the 3rd counts)."""
        recorded = defaultdict(set)
        for x in lessons:
            recorded[(x.subject_id, x.subgroup_id, x.date)].add(x.number)
        by_weekday = defaultdict(list)
        for slot in slots:
            by_weekday[slot.weekday].append(slot)
        expected = defaultdict(list)
        for day in self.calendar.school_days(self.start, self.last, school_class.grade):
            for slot in by_weekday[day.isoweekday()]:
                if slot.valid_from <= day and (slot.valid_to is None or slot.valid_to >= day):
                    expected[(slot.subject_id, slot.subgroup_id, day)].append(slot)
        found = []
        for key, wanted in expected.items():
            numbers = recorded.get(key, set())
            spare = len(numbers - {x.number for x in wanted})
            for slot in sorted((x for x in wanted if x.number not in numbers),
                               key=lambda x: x.number)[spare:]:
                found.append(Finding(slot.teacher_id, self.name(slot.teacher_id), school_class,
                                     key[0], key[1], key[2],
                                     "Урок по расписанию не записан в журнал",
                                     f"{slot.number}-й урок"))
        return found

    def topics(self, school_class: SchoolClass, lessons: list[LessonRow]) -> list[Finding]:
        """Lessons still without a topic, and topics or homework first entered after the
        deadline of the lesson day (from the audit log's times); a lesson re-entered from
        the paper journal is judged by its own deadline (see `paper`), not this one."""
        found = []
        paper, first = self.paper, self.first
        deadline = check_deadline_time(self.settings.topic_deadline)
        for x in lessons:
            if not x.topic.strip():
                found.append(self.lesson_finding(x, school_class, "Нет темы урока"))
            if x.id in paper:
                found.append(self.paper_finding(x, school_class, paper[x.id]))
                continue
            due = dt.datetime.combine(x.date, deadline)
            for name, what in (("topic", "Тема"), ("homework", "Домашнее задание")):
                moment = first.get((x.id, name))
                if moment is not None and moment > due:
                    found.append(self.lesson_finding(
                        x, school_class, f"{what} записан{'а' if name == 'topic' else 'о'} "
                        "после срока", f"{moment:%d.%m.%Y %H:%M} (срок — {due:%d.%m.%Y %H:%M})"))
        return [f for f in found if f is not None]

    def in_range(self):
        """The chosen classes' lessons up to yesterday, as a condition."""
        return (Lesson.school_class.in_([c.id for c in self.classes])
                & Lesson.date.between(self.start, self.last))

    def paper_lessons(self) -> dict[int, dt.datetime]:
        """Lesson id -> when it was entered (the school's clock), for those re-entered from
        the temporary paper journal."""
        return {i: self.settings.local_time(at) for i, at in Lesson.select(
            Lesson.id, Lesson.created_at).where(self.in_range()
                                                & (Lesson.from_paper == True)).tuples()}  # noqa: E712

    def absent_pupils(self) -> dict[int, list[int]]:
        """Lesson id -> the pupils marked «Н» there, in the classes whose every journal the
        user sees (the class teacher's line)."""
        absent = defaultdict(list)
        for lesson_id, student_id in (Attendance.select(Attendance.lesson, Attendance.student)
                                      .join(Lesson).where(self.in_range()
                                                          & (Attendance.code == "Н")).tuples()):
            absent[lesson_id].append(student_id)
        return absent

    def paper_finding(self, x: LessonRow, school_class: SchoolClass,
                      entered: dt.datetime) -> Finding | None:
        due = working_day_after(self.calendar, x.date, self.settings.paper_reentry_days)
        if entered.date() <= due:
            return None
        return self.lesson_finding(x, school_class, "Перенесён из временного журнала после срока",
                                   f"внесён {entered:%d.%m.%Y}, срок — {due:%d.%m.%Y}")

    def first_entered(self) -> dict[tuple[int, str], dt.datetime]:
        """(lesson id, "topic"/"homework") -> when the audit log first shows it non-empty
        (the school's clock). A lesson no entry shows (written outside the panel) has none.
        No lesson is recorded before its day (rule 1): its entries are dated from the
        range's first day on."""
        first: dict[tuple[int, str], dt.datetime] = {}
        e = AuditEntry
        since = self.settings.stored_time(dt.datetime.combine(self.start, dt.time()))
        for row_id, at, after in (e.select(e.row_id, e.at, e.after)
                                  .where((e.table_name == Lesson._meta.table_name)
                                         & (e.at >= since) & e.after.is_null(False)
                                         & e.row_id.in_(Lesson.select(Lesson.id)
                                                        .where(self.in_range())))
                                  .order_by(e.at, e.id).tuples()):
            data = json.loads(after)
            for name in ("topic", "homework"):
                if str(data.get(name) or "").strip():
                    first.setdefault((row_id, name), self.settings.local_time(at))
        return first

    def written(self, school_class: SchoolClass, lessons: list[LessonRow],
                record: ClassRecord) -> list[Finding]:
        """Written works (the lesson's own work type or a work within it) whose column has
        no mark but the «точка» once their N working days have passed."""
        written = self.written_types
        if not written or school_class.grade < 2 or not lessons:
            return []
        columns = [(x, None) for x in lessons if x.work_type_id in written]
        columns += [(x, w.work_type_id) for x in lessons for w in record.works.get(x.id, ())
                    if w.work_type_id in written]
        marked = {(lesson_id, work_type) for lesson_id, work_type in Mark.select(
            Mark.lesson, Mark.work_type).where(Mark.lesson.in_([x.id for x, _ in columns])
                                               & (Mark.value != OWED)).tuples()} \
            if columns else set()
        found = []
        for x, work_type in columns:
            due = working_day_after(self.calendar, x.date, self.settings.written_marks_days)
            own = {(x.id, None), (x.id, x.work_type_id)} if work_type is None else set()
            if due < self.today and not ({(x.id, work_type)} | own) & marked:
                found.append(self.lesson_finding(
                    x, school_class, "Нет отметок за письменную работу",
                    f"{self.written_types[work_type or x.work_type_id]}; срок — {due:%d.%m.%Y}"))
        return found

    def period_marks(self, school_class: SchoolClass, record: ClassRecord,
                     assignments: list[TeachingAssignment]) -> list[Finding]:
        """Pupils of a journal (on the period's last day) with no mark for a period that
        overlaps the dates and whose last week has begun; grades 2–11."""
        if school_class.grade < 2:
            return []
        found = []
        for period in record.periods:
            last_week = period.end - period.end.weekday() * DAY
            if period.end < self.start or period.start > self.end or self.today < last_week:
                continue
            for assignment in assignments:
                lacking = [m.student.short_name for m in record.members.values()
                           if m.belongs(school_class.id, assignment.subgroup_id, period.end)
                           and not record.period_mark(m.student_id, assignment.subject_id,
                                                      period.id, class_id=school_class.id)]
                if lacking:
                    found.append(Finding(assignment.teacher_id, self.name(assignment.teacher_id),
                                         school_class,
                                         assignment.subject_id, assignment.subgroup_id,
                                         period.end, f"Нет отметок за период: {period}",
                                         ", ".join(lacking)))
        return found

    def absences(self, school_class: SchoolClass, lessons: list[LessonRow],
                 record: ClassRecord) -> list[Finding]:
        """Absences «Н» still «Н» after N working days: the class teacher has given no
        reason (Б, У) in time. One line per lesson, the class teacher's."""
        late = {x.id: x for x in lessons if x.id in self.absent and working_day_after(
            self.calendar, x.date, self.settings.absence_reason_days) < self.today}
        pupils = {i: [record.members[sid].student.short_name if sid in record.members
                      else str(sid) for sid in self.absent[i]] for i in late}
        teacher = self.name(school_class.class_teacher_id) if school_class.class_teacher_id \
            else "классный руководитель не назначен"
        return [Finding(school_class.class_teacher_id, teacher, school_class,
                        late[i].subject_id, late[i].subgroup_id, late[i].date,
                        "Не указана причина пропуска «Н»",
                        f"{late[i].number}-й урок: " + ", ".join(sorted(names)))
                for i, names in pupils.items()]

    # --- helpers ------------------------------------------------------------------------

    def lesson_finding(self, x: LessonRow, school_class: SchoolClass, what: str,
                       detail: str = "") -> Finding:
        detail = f"{x.number}-й урок" + (f"; {detail}" if detail else "")
        return Finding(x.teacher_id, x.teacher_name, school_class, x.subject_id, x.subgroup_id,
                       x.date, what, detail)

    def name(self, staff_id: int) -> str:
        if self._names is None:
            self._names = {s.id: s.short_name for s in Staff.select()}
        return self._names.get(staff_id, "")


def journal_link(finding: Finding, periods: list[Period]) -> str:
    """The journal page of the finding, in the period holding its day."""
    link = (f"/journal/grid?class_id={finding.school_class.id}"
            f"&subject_id={finding.subject_id}")
    if finding.subgroup_id:
        link += f"&subgroup_id={finding.subgroup_id}"
    period = period_of(periods, finding.day)
    return link + (f"&period_id={period.id}" if period else "")


def rows(findings: list[Finding], periods: dict[int, list[Period]]) -> list[Row]:
    """The table's lines by teacher, class, journal and date; `periods`: each class's."""
    subjects = dict(Subject.select(Subject.id, Subject.name).tuples())
    groups = dict(Subgroup.select(Subgroup.id, Subgroup.name).tuples())
    findings = sorted(findings, key=lambda f: (f.teacher, f.teacher_id or 0, f.school_class.grade,
                                               f.school_class.letter, subjects[f.subject_id],
                                               f.subgroup_id or 0, f.day, f.what, f.detail))
    out = []
    for f in findings:
        journal = subjects[f.subject_id] + (f" ({groups[f.subgroup_id]})" if f.subgroup_id else "")
        out.append(Row([f.teacher, f.school_class.name, journal, f"{f.day:%d.%m.%Y}", f.what,
                        f.detail], link=journal_link(f, periods[f.school_class.id])))
    return out


def notes(settings: SchoolSettings, found: bool) -> list[str]:
    return [
        *([] if found else [NOTHING_FOUND]),
        "Сроки — настройки школы (правило 13); рабочие дни — с понедельника по пятницу без "
        "праздничных дней, с переносами. Просроченным считается то, что не сделано до "
        "вчерашнего дня включительно: уроки сегодняшнего дня ещё идут.",
        "Урок по расписанию не записан: в учебный день класса в журнале нет урока с номером "
        "из расписания (001 п. 3.5; 003 п. 4.4).",
        "Нет темы урока — тема пуста (000 прил. 2 п. 2.7). Домашнее задание не обязательно: "
        "«в случае, если домашнее задание задается» (000 прил. 2 п. 2.8; 003 п. 4.4); "
        "в 1 классе его нет (001 п. 2.10).",
        f"Тема или домашнее задание записаны после срока: по журналу изменений, впервые "
        f"непустыми позже {settings.topic_deadline} дня урока (003 п. 4.4; 001 п. 3.5).",
        "Нет отметок за письменную работу (вид работы с флажком «Письменная работа» — у "
        "урока или у работы на уроке): в её столбце нет ни одной отметки, кроме «точки», "
        f"когда срок прошёл (рабочих дней после урока: {settings.written_marks_days}; "
        "001 п. 3.5; 000 прил. 2 п. 2.6).",
        "Нет отметок за период: с начала последней недели периода (000 прил. 2 п. 2.6) — "
        "для каждого ученика, числящегося в журнале в последний день периода, и каждого "
        "предмета учебного плана, 2–11 классы (001 п. 5.3).",
        "Не указана причина пропуска: отметка «Н» всё ещё «Н», когда срок прошёл (рабочих "
        f"дней после урока: {settings.absence_reason_days}; 000 прил. 2 п. 2.9; 002). "
        "Срок по положению считается от справки, которой журнал не знает, поэтому причина, "
        "указанная позже, не считается нарушением; строка — классного руководителя.",
        "Перенесён из временного журнала после срока: урок с флажком «Перенесён из "
        "временного журнала» внесён в журнал, когда срок прошёл (рабочих дней после даты "
        f"урока: {settings.paper_reentry_days}; 000 прил. 2 п. 3.2; 002; правило 12); срок "
        "темы для таких уроков не проверяется.",
        "Учитель-предметник видит строки своих журналов; классный руководитель — все "
        "журналы своего класса; заместитель директора и директор — все классы.",
    ]


@report("control", "Контроль заполнения журнала", ("class", "period", "range"),
        "Просроченные и пропущенные записи: уроки, темы, домашние задания, отметки за "
        "письменные работы и за период, причины пропусков, перенос из временного журнала")
def build(user: Staff, choice: Choice) -> Report:
    """The journal-filling control report (rule 13) for what `user` may see."""
    control = Control(user, choice)
    found = control.findings()
    lines = rows(found, control.periods)
    per_teacher: dict[tuple[str, int], int] = defaultdict(int)
    for f in found:  # by id too: two teachers may share a name
        per_teacher[(f.teacher, f.teacher_id or 0)] += 1
    where = control.classes[0].name if choice.class_id and control.classes else "все классы"
    return Report("control", "Контроль заполнения журнала", f"{where}, {control.span}",
                  [Table("Нарушения", COLUMNS, lines),
                   Table("По учителям", [Column("Учитель"), Column("Нарушений", "int")],
                         [Row([name, count]) for (name, _), count in sorted(per_teacher.items())])],
                  notes=notes(control.settings, bool(found)), landscape=True)
