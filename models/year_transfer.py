"""The year transfer (issue 16.3–16.4): the next academic year made from the old one, the
classes with their groups, load, timetable and КТП carried into it, the movement book's
promotions class by class, and the old year closed.

001 3.1: «ежегодно до 1 июля создает новый учебный год … ежегодно до 30 августа закрывает
учебный год»; 001 3.3: the deputy «вводит в систему учебный год и периоды, перечень классов
… учебный план, расписание» and «ведет книгу движения учащихся: … перевод на следующий
год, второгодники, выпускники». The panel's page (admin/year_transfer.py) and `journal
year next|carry|promote|status` call these functions.

Nothing of the old year is written: the new year's rows are copies, and a pupil's
movement into the new year's class is dated the new year's first day, so the old year's
classes keep their pupils to the end of the old year. The carried rows are drafts only in
the sense that the new year has not begun: the deputy edits them in the setup tables.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field

from peewee import SqliteDatabase

from .auditing import create_many
from .base import RuleError, db, write_transaction
from .calendar import PUBLIC_HOLIDAYS, DayTransfer
from .classes import LEAVING_KINDS, Membership, Movement, SchoolClass, Subgroup, SubgroupMember
from .curriculum import Subject
from .journal import PeriodMark
from .people import Student
from .rules import LOW_MARKS
from .school import AcademicYear, Holiday, Period, check_year_open
from .timetable import PlanTopic, TeachingAssignment, TimetableSlot

# A school's last grade: primary (4), basic (9) or secondary (11) general education.
LAST_GRADES = (4, 9, 11)
# The movements that move a pupil into the next year (the transfer's own kinds).
PROMOTING = {"promoted": "переведён", "promoted_debt": "переведён условно",
             "repeating": "оставлен на повторное обучение", "graduated": "окончил обучение"}
DEBT_REASON = "академическая задолженность: "


def next_year_name(name: str) -> str:
    """«2026/2027» → «2027/2028»."""
    found = re.fullmatch(r"\s*(\d{4})\s*/\s*(\d{4})\s*", name)
    if not found:
        raise RuleError(f"Название следующего года по «{name}» не придумать: укажите его, "
                        "например «2027/2028».")
    first, second = (int(x) for x in found.groups())
    return f"{first + 1}/{second + 1}"


def next_date(day: dt.date) -> dt.date:
    """The same date a year later (28 February for a 29th)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


@dataclass(frozen=True)
class Shift:
    """How the old year's dates move into the new one.

    By whole weeks (52, the number nearest a year), not by date + 1 year:
    a quarter beginning on a Monday begins on a Monday again, a vacation keeps its Saturday
    to Sunday, a working Saturday by transfer stays a Saturday (a transfer to a weekday
    would be refused), and a КТП topic stays on its lesson's weekday. The year's first and
    last day map to the new year's (1 September and 31 August by law), and the public
    holidays of the Labour Code (art. 112) keep their dates; the deputy adjusts the rest.
    """

    old: AcademicYear
    new: AcademicYear

    @property
    def weeks(self) -> dt.timedelta:
        return dt.timedelta(weeks=round((self.new.start - self.old.start).days / 7))

    def day(self, day: dt.date, public_holiday: bool = False) -> dt.date:
        if day == self.old.start:
            return self.new.start
        if day == self.old.end:
            return self.new.end
        moved = next_date(day) if public_holiday else day + self.weeks
        return min(max(moved, self.new.start), self.new.end)


def create_next_year(old: AcademicYear, name: str | None = None) -> AcademicYear:
    """Step 1: the next year, with the old one's periods of every scheme, holidays and day
    transfers shifted (see Shift); every row audited. Refused if the name or the dates are
    taken."""
    name = (name or next_year_name(old.name)).strip()
    start, end = next_date(old.start), next_date(old.end)
    if AcademicYear.select().where(AcademicYear.name == name).exists():
        raise RuleError(f"Учебный год {name} уже есть.")
    clash = AcademicYear.get_or_none((AcademicYear.start <= end) & (AcademicYear.end >= start))
    if clash is not None:
        raise RuleError(f"Даты {start:%d.%m.%Y}–{end:%d.%m.%Y} заняты учебным годом "
                        f"{clash.name}.")
    with write_transaction():
        new = AcademicYear.create(name=name, start=start, end=end)
        shift = Shift(old, new)
        for p in Period.select().where(Period.year == old.id).order_by(Period.id):
            Period.create(year=new, scheme=p.scheme, number=p.number,
                          start=shift.day(p.start), end=shift.day(p.end))
        for h in Holiday.select().where(Holiday.year == old.id).order_by(Holiday.start):
            fixed = h.start == h.end and (h.start.month, h.start.day) in PUBLIC_HOLIDAYS
            Holiday.create(year=new, name=h.name, start=shift.day(h.start, fixed),
                           end=shift.day(h.end, fixed))
        for t in DayTransfer.select().where(DayTransfer.year == old.id).order_by(DayTransfer.date):
            day = t.date + shift.weeks
            if new.start <= day <= new.end and not DayTransfer.select().where(
                    DayTransfer.date == day).exists():
                DayTransfer.create(year=new, date=day, working=t.working, reason=t.reason)
    return new


def following_year(old: AcademicYear) -> AcademicYear | None:
    """The year after `old` (the first to start after it ends), if created."""
    return (AcademicYear.select().where(AcademicYear.start > old.end)
            .order_by(AcademicYear.start).first())


def transfer_years(name: str | None = None) -> tuple[AcademicYear, AcademicYear | None]:
    """The year being left and the year after it (None before step 1). Unnamed, the year
    being left is the one before the newest while it is open, else the newest."""
    if name:
        old = AcademicYear.get_or_none(AcademicYear.name == name.strip())
        if old is None:
            raise RuleError(f"Учебный год {name} не найден.")
    else:
        years = list(AcademicYear.select().order_by(AcademicYear.start.desc()).limit(2))
        if not years:
            raise RuleError("Учебных годов ещё нет.")
        old = years[1] if len(years) > 1 and not years[1].closed else years[0]
    return old, following_year(old)


def last_grade(year: AcademicYear) -> int:
    """The school's last grade, from its classes: 11, 9 or 4."""
    top = SchoolClass.select(SchoolClass.grade).where(SchoolClass.year == year.id).order_by(
        SchoolClass.grade.desc()).scalar() or 11
    return next(g for g in LAST_GRADES if g >= min(top, 11))


def last_day(school_class: SchoolClass) -> dt.date:
    """The class's last day of study: the end of its last period (else of the year)."""
    period = school_class.periods().order_by(Period.number.desc()).first()
    return period.end if period else school_class.year.end


@dataclass
class Carried:
    """What step 2 copied, table by table, and the classes it left alone."""

    counts: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # «11А: выпускной класс», «6А уже есть»


def carry(old: AcademicYear, new: AcademicYear, top: int | None = None) -> Carried:
    """Step 2: the old year's classes (grade + 1, the last grade's leave), their class
    teachers, subgroups and members, teaching assignments, timetable (the slots valid on
    the class's last day, from the new year's first day) and КТП into the new year, in
    bulk, every row audited. A class the new year already has is left as it is."""
    top = top or last_grade(old)
    result, moving = Carried(), []
    with write_transaction():
        lock_year(new)
        have = {(c.grade, c.letter)
                for c in SchoolClass.select().where(SchoolClass.year == new.id)}
        for c in SchoolClass.select().where(SchoolClass.year == old.id).order_by(
                SchoolClass.grade, SchoolClass.letter):
            if c.grade >= top:
                result.skipped.append(f"{c.name}: выпускной класс")
            elif (c.grade + 1, c.letter) in have:
                result.skipped.append(f"{c.grade + 1}{c.letter} уже есть в {new.name}")
            else:
                moving.append(c)
        classes = _copy(SchoolClass, moving, lambda c: {
            "year": new.id, "grade": c.grade + 1, "letter": c.letter, "room": c.room,
            "period_scheme": c.period_scheme, "class_teacher": c.class_teacher_id})
        _carry_contents(old, new, classes, result)
    result.counts = {"классы": len(classes), **result.counts}
    return result


def lock_year(new: AcademicYear) -> None:
    """Transfers into one year take turns, so a class is carried and a pupil moved once:
    SQLite's BEGIN IMMEDIATE (write_transaction) already serialises every writer; on
    PostgreSQL (READ COMMITTED) the year's row is locked first. Refused if the year is
    closed (rule 15)."""
    query = AcademicYear.select(AcademicYear.id).where(AcademicYear.id == new.id)
    if not isinstance(db.obj, SqliteDatabase):
        query = query.for_update()
    query.first()
    check_year_open(new.id)


def _copy(model, rows: list, make) -> dict[int, int]:
    """Copies of rows made by `make` (a row → the new row's values), bulk-created: old id →
    new id."""
    rows = list(rows)
    ids = create_many(model, [make(row) for row in rows])
    return {row["id"] if isinstance(row, dict) else row.id: new_id
            for row, new_id in zip(rows, ids, strict=True)}


def _carry_contents(old: AcademicYear, new: AcademicYear, classes: dict[int, int],
                    result: Carried) -> None:
    shift = Shift(old, new)
    ends = {c.id: last_day(c)
            for c in SchoolClass.select().where(SchoolClass.id.in_(list(classes)))}
    groups = _copy(Subgroup, Subgroup.select().where(Subgroup.school_class.in_(list(classes))),
                   lambda g: {"school_class": classes[g.school_class_id],
                              "subject": g.subject_id, "name": g.name})
    pupils = {cid: set(SchoolClass(id=cid).student_ids_on(day)) for cid, day in ends.items()}
    members = [m for m in SubgroupMember.select(SubgroupMember, Subgroup).join(Subgroup)
               .where(SubgroupMember.subgroup.in_(list(groups)))
               if (m.end is None or m.end >= ends[m.subgroup.school_class_id])
               and m.student_id in pupils[m.subgroup.school_class_id]]
    _copy(SubgroupMember, members, lambda m: {"subgroup": groups[m.subgroup_id],
                                              "student": m.student_id})
    a = TeachingAssignment
    assignments = _copy(a, a.select().where(a.school_class.in_(list(classes))).order_by(a.id),
                        lambda x: {"school_class": classes[x.school_class_id],
                                   "subject": x.subject_id, "teacher": x.teacher_id,
                                   "subgroup": groups.get(x.subgroup_id),
                                   "hours_per_week": x.hours_per_week,
                                   "grading_scale": x.grading_scale})
    # The КТП is most of the rows (a topic per lesson): read as plain dicts, not models.
    topics = _copy(PlanTopic, PlanTopic.select().where(PlanTopic.assignment.in_(list(assignments)))
                   .order_by(PlanTopic.id).dicts(),
                   lambda t: {"assignment": assignments[t["assignment"]], "number": t["number"],
                              "title": t["title"], "hours": t["hours"],
                              "planned_date": t["planned_date"] and shift.day(t["planned_date"])})
    s = TimetableSlot
    slots = [x for x in s.select().where(s.school_class.in_(list(classes))).order_by(s.id)
             if x.valid_from <= ends[x.school_class_id]
             and (x.valid_to is None or x.valid_to >= ends[x.school_class_id])]
    _copy(s, slots, lambda x: {"school_class": classes[x.school_class_id],
                               "subgroup": groups.get(x.subgroup_id), "subject": x.subject_id,
                               "teacher": x.teacher_id, "weekday": x.weekday,
                               "number": x.number, "room": x.room, "valid_from": new.start,
                               "valid_to": None})
    result.counts.update({"подгруппы": len(groups), "составы подгрупп": len(members),
                          "нагрузка": len(assignments), "темы КТП": len(topics),
                          "уроки расписания": len(slots)})


# --- step 3: the movement book ------------------------------------------------------

@dataclass
class Review:
    """A pupil of a class at the year's end: year marks failing or missing, and the
    transfer movement already made (None: not moved yet)."""

    student: Student
    failing: list[str] = field(default_factory=list)   # «Математика: 2»
    missing: list[str] = field(default_factory=list)   # subjects without a year mark
    moved: Movement | None = None

    @property
    def flagged(self) -> bool:
        return bool(self.failing or self.missing)

    @property
    def problems(self) -> str:
        """«Математика: 2; нет годовой: Русский язык»."""
        return "; ".join(self.failing + [f"нет годовой: {s}" for s in self.missing])


def year_marks(school_class: SchoolClass) -> tuple[list[tuple[Subject, int | None]], dict]:
    """The class's curriculum (subject, subgroup) and its year marks {(pupil, subject):
    value}."""
    a = TeachingAssignment
    curriculum = [(x.subject, x.subgroup_id) for x in a.select(a, Subject).join(Subject)
                  .where(a.school_class == school_class.id)
                  .order_by(Subject.sort_order, Subject.name, a.id)]
    marks = {(sid, subject): value for sid, subject, value in
             PeriodMark.select(PeriodMark.student, PeriodMark.subject, PeriodMark.value)
             .where((PeriodMark.school_class == school_class.id) & (PeriodMark.kind == "year"))
             .tuples()}
    return curriculum, marks


def class_review(school_class: SchoolClass, new: AcademicYear | None = None) -> list[Review]:
    """Step 3's list: the pupils in the class on its last day of study, those with a
    failing or missing year mark first (grade 1 has no marks), then by name; each with the
    transfer movement already made into `new`."""
    day = last_day(school_class)
    members = Membership.read(Membership.entered(school_class.id, day))
    ids = [sid for sid, m in members.items() if m.class_on(day) == school_class.id]
    students = {s.id: s for s in Student.select().where(Student.id.in_(ids))}
    reviews = {sid: Review(students[sid]) for sid in ids}
    if school_class.grade >= 2:
        curriculum, marks = year_marks(school_class)
        for subject, group in curriculum:
            for sid, review in reviews.items():
                if group is not None and not members[sid].in_group_on(group, day):
                    continue
                value = marks.get((sid, subject.id))
                if value is None:
                    review.missing.append(subject.name)
                elif value in LOW_MARKS:
                    review.failing.append(f"{subject.name}: {value}")
    for review in reviews.values():  # a subject taught whole-class and in groups
        review.missing = list(dict.fromkeys(review.missing))
    if new is not None:
        for sid, move in transfer_moves(new, ids, day).items():
            reviews[sid].moved = move
    return sorted(reviews.values(), key=lambda r: (not r.flagged, r.student.last_name,
                                                   r.student.first_name, r.student.id))


def transfer_moves(new: AcademicYear, student_ids: list[int], after: dt.date) -> dict:
    """Each pupil's movement out of the old year: into a class of the new year, or leaving
    the school after the old class's last day."""
    into_new = Movement.school_class.in_(SchoolClass.select(SchoolClass.id)
                                         .where(SchoolClass.year == new.id))
    leaving = Movement.kind.in_(list(LEAVING_KINDS)) & (Movement.date > after) & (
        Movement.date <= new.end)
    return {m.student_id: m for m in Movement.select().where(
        Movement.student.in_(student_ids) & (into_new | leaving)).order_by(Movement.id)}


@dataclass(frozen=True)
class Order:
    """The order (приказ) a transfer is made by: its number and date."""

    number: str
    date: dt.date

    @property
    def text(self) -> str:
        return f"№ {self.number.strip().lstrip('№').strip()} от {self.date:%d.%m.%Y}"


def target_class(new: AcademicYear, grade: int, letter: str) -> SchoolClass | None:
    """The new year's class of the grade: the same letter, else the first of the grade."""
    found = (SchoolClass.select().where((SchoolClass.year == new.id) & (SchoolClass.grade == grade))
             .order_by(SchoolClass.letter))
    return next((c for c in found if c.letter == letter), None) or found.first()


def promote_class(school_class: SchoolClass, new: AcademicYear, order: Order,
                  keep: set[int] = frozenset(), debts: dict[int, list[str]] | None = None,
                  top: int | None = None) -> dict[str, int]:
    """Step 3: every pupil of the class not yet moved gets one movement by the order:
    promoted into the new year's next class (its first day), or conditionally promoted
    with the debt subjects in the reason (`debts`), kept back into the new year's class of
    the same grade (`keep`), or, in the last grade, graduated on the order's date. Returns
    the count per kind."""
    debts = {sid: [s.strip() for s in subjects if s.strip()]
             for sid, subjects in (debts or {}).items()}
    if not order.number.strip().lstrip("№").strip():
        raise RuleError("Укажите номер приказа.")
    with write_transaction():
        lock_year(new)
        return _promote(school_class, new, order, set(keep), debts, top)


def _promote(school_class: SchoolClass, new: AcademicYear, order: Order, keep: set[int],
             debts: dict[int, list[str]], top: int | None) -> dict[str, int]:
    reviews = class_review(school_class, new)
    inside = {r.student.id for r in reviews}
    strangers = (set(keep) | set(debts)) - inside
    if strangers:
        raise RuleError(f"Учеников № {', '.join(map(str, sorted(strangers)))} нет в "
                        f"{school_class.name} классе на конец года.")
    both = set(keep) & set(debts)
    if both:
        raise RuleError("Ученик не может быть одновременно оставлен на повторное обучение и "
                        "переведён условно: выберите одно.")
    if any(not subjects for subjects in debts.values()):
        raise RuleError("Для условного перевода укажите предметы академической задолженности.")
    graduating = school_class.grade >= (top or last_grade(school_class.year))
    day = last_day(school_class)
    if graduating and debts:
        raise RuleError("Выпускник с академической задолженностью обучение не оканчивает: "
                        "оставьте его на повторное обучение.")
    if graduating and order.date <= day:
        raise RuleError(f"Приказ об окончании обучения — после последнего учебного дня "
                        f"класса ({day:%d.%m.%Y}).")
    onward = None if graduating else _required(new, school_class.grade + 1, school_class.letter)
    rows, counts = [], defaultdict(int)
    for review in reviews:
        if review.moved is not None:
            continue
        sid = review.student.id
        if sid in keep:
            kind, target = "repeating", _required(new, school_class.grade, school_class.letter)
        elif graduating:
            kind, target = "graduated", None
        else:
            kind, target = ("promoted_debt" if sid in debts else "promoted"), onward
        rows.append({"student": sid, "kind": kind, "school_class": target and target.id,
                     "date": order.date if target is None else new.start,
                     "order_number": order.text,
                     "reason": DEBT_REASON + ", ".join(debts[sid]) if sid in debts else ""})
        counts[kind] += 1
    create_many(Movement, rows)
    return {kind: counts[kind] for kind in PROMOTING if kind in counts}


def _required(new: AcademicYear, grade: int, letter: str) -> SchoolClass:
    found = target_class(new, grade, letter)
    if found is None:
        raise RuleError(f"В учебном году {new.name} нет {grade}-го класса: сначала перенесите "
                        "классы (шаг 2) или создайте класс в «Классах».")
    return found


# --- step 4: who is not moved yet; step 5: closing ------------------------------------

def not_moved(old: AcademicYear, new: AcademicYear) -> list[tuple[SchoolClass, list[Student]]]:
    """Step 4: per class of the old year, the pupils without a transfer movement yet."""
    found = []
    for c in SchoolClass.select().where(SchoolClass.year == old.id).order_by(
            SchoolClass.grade, SchoolClass.letter):
        left = [r.student for r in class_review(c, new) if r.moved is None]
        if left:
            found.append((c, sorted(left, key=lambda s: (s.last_name, s.first_name))))
    return found


def missing_year_marks(year: AcademicYear) -> list[str]:
    """Rule 15: the year marks a year still lacks, as «5А, Математика, годовая: Иванов Т.»:
    every pupil in the class (and group) on its last day of study, every subject of its
    curriculum, grades 2 and up."""
    missing = []
    for c in SchoolClass.select().where((SchoolClass.year == year.id) & (SchoolClass.grade >= 2)
                                        ).order_by(SchoolClass.grade, SchoolClass.letter):
        lacking = defaultdict(list)
        for review in sorted(class_review(c), key=lambda r: (r.student.last_name,
                                                             r.student.first_name)):
            for subject in review.missing:
                lacking[subject].append(review.student.short_name)
        missing += [f"{c.name}, {subject}, годовая: {', '.join(names)}"
                    for subject, names in lacking.items()]
    return missing


def debts_of(school_class: SchoolClass) -> dict[int, str]:
    """Issue 16.4 on the class lists: the pupils of the class promoted into it with an
    academic debt, and the subjects."""
    return {sid: reason.removeprefix(DEBT_REASON) for sid, reason in
            Movement.select(Movement.student, Movement.reason)
            .where((Movement.school_class == school_class.id)
                   & (Movement.kind == "promoted_debt")).tuples()}


def debtors(new: AcademicYear) -> list[tuple[SchoolClass, Student, str]]:
    """The pupils promoted into the year with an academic debt: class, pupil, subjects."""
    found = []
    for c in SchoolClass.select().where(SchoolClass.year == new.id).order_by(
            SchoolClass.grade, SchoolClass.letter):
        debts = debts_of(c)
        found += [(c, s, debts[s.id]) for s in Student.select().where(
            Student.id.in_(list(debts))).order_by(Student.last_name, Student.first_name)]
    return found


def close_year(old: AcademicYear) -> None:
    """Step 5: the old year read-only (rule 15); AcademicYear.guard refuses it while
    period or year marks are missing, with the list."""
    year = AcademicYear.get_by_id(old.id)
    if year.closed:
        raise RuleError(f"Учебный год {year.name} уже закрыт.")
    year.closed = True
    year.save()
