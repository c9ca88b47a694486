"""«КТП»: the topics of a journal's calendar-thematic plan (PlanTopic) — by a teacher for
their own journals, by the deputy for any (rule 3, as the panel's «КТП»)."""
from __future__ import annotations

from peewee import JOIN

from ..access import may_import_plan, plans_assignment
from ..auditing import create_many
from ..classes import SchoolClass, Subgroup
from ..curriculum import Subject
from ..people import Staff
from ..timetable import PlanTopic, TeachingAssignment
from . import CREATE, SKIP, UPDATE, Batch, Field, Kind, Row
from .lookups import CLASS, GROUP, SUBJECT, Lookup, repeated, typed_text

TITLE_LENGTH = PlanTopic.title.max_length
MAX_HOURS = 100

FIELDS = (
    CLASS,
    SUBJECT,
    GROUP,
    Field("number", "№", True, "1", "номер темы по порядку: целое число от 1",
          ("Номер", "№ темы", "Номер темы", "№ урока")),
    Field("title", "Тема", True, "Натуральные числа",
          f"тема урока, не длиннее {TITLE_LENGTH} знаков", ("Тема урока",)),
    Field("hours", "Часов", False, "1",
          f"целое число от 1 до {MAX_HOURS}; пусто — 1 (у новой темы)", ("Часы",)),
    Field("planned_date", "Дата", False, "02.09.2026",
          "плановая дата ДД.ММ.ГГГГ в учебном году (можно пусто)",
          ("Плановая дата", "Дата проведения")),
    Field("teacher", "Учитель", False, "",
          "нужен, только когда журнал ведут несколько учителей: логин или ФИО того, чей это "
          "КТП"),
)


class Journals:
    """The year's assignments by class, subject and group, and who may plan them."""

    def __init__(self, batch: Batch, lookup: Lookup):
        a = TeachingAssignment
        self.batch = batch
        self.allowed: dict[int, bool] = {}
        self.by_key: dict[tuple, list[TeachingAssignment]] = {}
        # With their class, subject, group and teacher: every row names its journal.
        for found in (a.select(a, SchoolClass, Subject, Subgroup, Staff).join(SchoolClass)
                      .switch(a).join(Subject).switch(a).join(Subgroup, JOIN.LEFT_OUTER)
                      .switch(a).join(Staff).where(a.school_class.in_(
                          [c.id for c in lookup.classes.values()])).order_by(a.id)):
            self.by_key.setdefault((found.school_class_id, found.subject_id,
                                    found.subgroup_id), []).append(found)
        self.topics = {(t.assignment_id, t.number): t for t in PlanTopic.select().where(
            PlanTopic.assignment.in_([x.id for xs in self.by_key.values() for x in xs]))}

    def plans(self, assignment_id: int) -> bool:
        if assignment_id not in self.allowed:
            self.allowed[assignment_id] = plans_assignment(self.batch.user, assignment_id)
        return self.allowed[assignment_id]

    def assignment(self, row: Row, school_class, subject, subgroup, teacher
                   ) -> TeachingAssignment | None:
        """The journal the row plans (of `teacher`, when named), if the importing user may
        plan it (reported if not)."""
        found = [a for a in self.by_key.get((school_class.id, subject.id, subgroup.id
                                             if subgroup else None), [])
                 if teacher is None or a.teacher_id == teacher.id]
        user = self.batch.user
        mine = [a for a in found if user is None or self.plans(a.id)]
        group = f" ({subgroup.name})" if subgroup else ""
        journal = f"{school_class.name}{group}, {subject.name}"
        if len(mine) == 1:
            return mine[0]
        if mine:
            self.batch.bad(row, "", f"журнал {journal} ведут несколько учителей ("
                           + ", ".join(f"{a.teacher.short_name}, {a.teacher.login}"
                                       for a in mine) + "): укажите, чей это КТП",
                           self.batch.kind.field("teacher").expected)
        elif found:
            self.batch.bad(row, "", f"журнал {journal} — это не ваш журнал (его ведёт "
                           + ", ".join(a.teacher.short_name for a in found) + ")",
                           "только свои журналы (свою нагрузку)")
        else:
            whose = f" учителя {teacher.short_name}" if teacher else ""
            self.batch.bad(row, "subject", f"в нагрузке нет журнала {journal}{whose}",
                           "класс, предмет и группа из раздела «Нагрузка»")
        return None


def _values(batch: Batch, lookup: Lookup, journals: Journals, row: Row) -> dict | None:
    """The row's topic as model values; None when a cell is bad (reported)."""
    before = len(batch.problems)
    school_class, subject = lookup.school_class(row), lookup.subject(row)
    known, subgroup = lookup.subgroup(row, school_class, subject)
    number = batch.number(row, "number")
    if number is not None and number < 1:
        batch.bad(row, "number", f"{number} — номер темы начинается с 1")
    title = typed_text(batch, row, "title", TITLE_LENGTH)
    hours = batch.number(row, "hours")
    if hours is not None and not 1 <= hours <= MAX_HOURS:
        batch.bad(row, "hours", f"{hours} — столько часов на тему не бывает")
    day = batch.date(row, "planned_date")
    year = lookup.year
    if day is not None and year is not None and not year.start <= day <= year.end:
        batch.bad(row, "planned_date", f"{day:%d.%m.%Y} — не в учебном году {year.name} "
                                       f"({year.start:%d.%m.%Y}–{year.end:%d.%m.%Y})")
    teacher = lookup.teacher(row) if row["teacher"] else None
    if school_class is None or subject is None or not known or (row["teacher"]
                                                                and teacher is None):
        return None
    assignment = journals.assignment(row, school_class, subject, subgroup, teacher)
    if len(batch.problems) > before:
        return None
    values = {"assignment": assignment, "number": number, "title": title}
    return values | {name: value for name, value in
                     (("hours", hours), ("planned_date", day)) if value is not None}


def _changes(found: PlanTopic, values: dict) -> list[str]:
    words = []
    if found.title != values["title"]:
        words.append("тема")
    if found.hours != values.get("hours", found.hours):
        words.append(f"часов {found.hours} → {values['hours']}")
    if found.planned_date != values.get("planned_date", found.planned_date):
        old = f"{found.planned_date:%d.%m.%Y}" if found.planned_date else "—"
        words.append(f"дата {old} → {values['planned_date']:%d.%m.%Y}")
    return words


def apply(batch: Batch) -> None:
    lookup = Lookup(batch)
    journals = Journals(batch, lookup)
    seen: dict[tuple, int] = {}
    # New topics, inserted at once (audited) when every row is good: each is checked as its
    # save() would check it (its text by typed_text, its year open by Lookup; PlanTopic has
    # no rule of its own) and the file's numbers against the stored ones and each other.
    new: list[dict] = []
    for row in batch.rows:
        with batch.row(row):
            _row(batch, lookup, journals, seen, row, new)
    if not batch.problems:
        create_many(PlanTopic, new)


def _row(batch: Batch, lookup: Lookup, journals: Journals, seen: dict, row: Row,
         new: list[dict]) -> None:
    values = _values(batch, lookup, journals, row)
    if values is None or repeated(batch, row, seen, (values["assignment"].id,
                                                     values["number"]),
                                  f"Тема № {values['number']} этого журнала"):
        return
    _write(batch, row, journals.topics.get((values["assignment"].id, values["number"])),
           values, new)


def _write(batch: Batch, row: Row, found: PlanTopic | None, values: dict,
           new: list[dict]) -> None:
    journal = values["assignment"]
    if found is None:
        new.append(values | {"assignment": journal.id})
        batch.done(row, CREATE, f"{journal}: {values['number']}. {values['title']}")
        return
    changes = _changes(found, values)
    if not changes:
        batch.done(row, SKIP, f"{journal}: {found}")
        return
    for name, value in values.items():
        setattr(found, name, value)
    found.save()
    batch.done(row, UPDATE, f"{journal}: {found} ({'; '.join(changes)})")


KIND = Kind(
    "plan", "КТП", FIELDS, apply, may_import_plan,
    note=("Одна строка — одна тема календарно-тематического планирования журнала (класс, "
          "предмет, группа). Учитель загружает КТП только своих журналов, заместитель "
          "директора — любых. Тема с тем же номером в том же журнале обновляется; пустые "
          "«Часов» и «Дата» оставляют записанное."))
