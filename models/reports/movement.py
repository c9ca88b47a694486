"""«Движение учащихся» and «Наполняемость классов» (issue 17, report 4): the movement book
read per class over a period, and the pupils per class and subgroup on a date.

Both are among the reports the deputy forms at a period's end in
/work/shared/reference/003_e807e680aaba4a88.txt, 4.3 («Динамика движения обучающихся по
Школе», «Наполняемость классов»; 4.5 names «Сводная ведомость учета движения
обучающихся» for the class teacher) and 001_f176b7760b530690.txt («Движение учащихся;
Наполняемость классов»). Who is where on a day is classes.Membership's answer (rule 8).
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from .. import access
from ..classes import MOVEMENT_KINDS, Membership, Movement, SchoolClass, Subgroup
from ..curriculum import Subject
from ..people import Staff, Student
from ..school import AcademicYear
from . import Choice, Column, Report, Row, Table, report
from .attendance import span
from .choosing import chosen_classes

# The columns of the count table after «Класс», in order.
FLOWS = ("start", "from_outside", "from_class", "arrived", "left", "graduated", "to_class",
         "departed", "end")
FLOW_TITLES = ("На начало", "Прибыли из других школ", "Переведены из других классов",
               "Прибыло всего", "Выбыли", "Окончили обучение", "Переведены в другие классы",
               "Выбыло всего", "На конец")


@dataclass
class Move:
    """A movement as the report lists it: the pupil's class before and after it."""

    date: dt.date
    student_id: int
    kind: str
    before: int | None
    after: int | None
    order_number: str
    reason: str


def moves_of(members: dict[int, Membership], start: dt.date, end: dt.date) -> list[Move]:
    """The movements from the range's first day to its last, each with the class the
    pupil was in just before it (the movement book's order: date, then entry)."""
    m = Movement
    found, last_class = [], {}
    query = (m.select(m.student, m.date, m.kind, m.school_class, m.order_number, m.reason)
             .where(m.student.in_(list(members)) & (m.date <= end))
             .order_by(m.date, m.id).tuples()) if members else []
    for sid, day, kind, class_id, order, reason in query:
        before = last_class.get(sid)
        last_class[sid] = class_id
        if day >= start:
            found.append(Move(day, sid, kind, before, class_id, order, reason))
    return found


def flows(class_id: int, members: dict[int, Membership], moves: list[Move],
          start: dt.date, end: dt.date) -> Counter:
    """One class's counts: on the first day (its movements in effect), arrivals and
    departures by kind after it, on the last day."""
    count = Counter(start=sum(m.class_on(start) == class_id for m in members.values()),
                    end=sum(m.class_on(end) == class_id for m in members.values()))
    for move in (m for m in moves if m.date > start):  # the first day's are in «start»
        if move.after == class_id and move.before != class_id:
            count["from_outside" if move.before is None else "from_class"] += 1
            count["arrived"] += 1
        elif move.before == class_id and move.after != class_id:
            count[move.kind if move.after is None else "to_class"] += 1
            count["departed"] += 1
    return count


@report("movement", "Движение учащихся", ("class", "period", "range"),
        "Учащиеся на начало и конец периода, прибывшие и выбывшие по классам, список "
        "движений с приказами, итоги по школе.")
def movement(user: Staff, choice: Choice) -> Report:
    """Report 4 of issue 17: per class the pupils at the start, those who arrived and
    left, at the end; the movements themselves; the school's totals."""
    start, end, when = span(choice)
    classes = chosen_classes(user, choice)
    ids = {c.id for c in classes}
    names = class_names(choice.year)
    pupils = (Movement.select(Movement.student)
              .where(Movement.school_class.in_(list(ids)) & (Movement.date <= end)))
    members = Membership.read(pupils, groups=False) if ids else {}
    moves = moves_of(members, start, end)
    counts, total = Table("Движение по классам", [Column("Класс"), *(
        Column(t, "int") for t in FLOW_TITLES)]), Counter()
    for c in classes:
        count = flows(c.id, members, moves, start, end)
        total.update(count)
        counts.rows.append(Row([c.name, *(count[k] for k in FLOWS)]))
    counts.rows.append(Row([_total(user, choice),
                            *(total[k] for k in FLOWS)], level=1))
    return Report("movement", "Движение учащихся", f"{_label(choice, classes)}, {when}",
                  [counts, _move_list(moves, ids, names)], notes=MOVEMENT_NOTES,
                  landscape=True)


def class_names(year: AcademicYear) -> dict[int, str]:
    """Every class's name; another year's with that year («6А (2025/2026)»)."""
    return {c.id: c.name if c.year_id == year.id else f"{c.name} ({c.year.name})"
            for c in SchoolClass.select(SchoolClass, AcademicYear).join(AcademicYear)}


def _total(user: Staff, choice: Choice) -> str:
    """The total row's name: the school's only when it covers every class."""
    return "Итого по школе" if choice.class_id is None and access.reads_all(user) else "Итого"


def _label(choice: Choice, classes: list[SchoolClass]) -> str:
    return classes[0].name if choice.class_id is not None and classes else "Все классы"


def _move_list(moves: list[Move], ids: set[int], names: dict[int, str]) -> Table:
    """The movements into or out of the classes in scope, by date and pupil."""
    mine = [m for m in moves if m.before in ids or m.after in ids]
    students = {s.id: s.full_name for s in Student.select().where(
        Student.id.in_({m.student_id for m in mine}))} if mine else {}
    rows = [Row([f"{m.date:%d.%m.%Y}", students[m.student_id],
                 MOVEMENT_KINDS.get(m.kind, m.kind), names.get(m.before, "—"),
                 names.get(m.after, "—"), m.order_number, m.reason])
            for m in sorted(mine, key=lambda m: (m.date, students[m.student_id]))]
    return Table("Список движений", [Column("Дата"), Column("Ученик"), Column("Вид"),
                                     Column("Из класса"), Column("В класс"),
                                     Column("Приказ"), Column("Основание")], rows)


MOVEMENT_NOTES = [
    "На начало — учащиеся класса в первый день (с движением этого дня); прибывшие и "
    "выбывшие — движения со второго дня по последний; на конец — учащиеся в последний день.",
    "На конец = на начало + прибыло всего − выбыло всего.",
    "Список движений — все записи книги движения за даты, с первым днём (его движения, "
    "например перевод в следующий класс 1 сентября, уже учтены в «на начало»).",
    "Прибыли из других школ — зачислены в школу; переведены из других классов — из класса "
    "этой школы (в том числе перевод в следующий класс, условный перевод, повторное "
    "обучение). Выбыли — выбыли из школы; окончили обучение — выпускники.",
    "В итогах по школе переводы между классами учтены у обоих классов.",
]


@report("occupancy", "Наполняемость классов", ("class", "range"),
        "Учащиеся по классам и подгруппам на дату, по полу, с итогами по школе.")
def occupancy(user: Staff, choice: Choice) -> Report:
    """Report 4's second part: pupils per class and per subgroup on a date (the range's
    first day, by default today), by gender where the pupil's card gives it."""
    day = choice.start or choice.today
    classes = chosen_classes(user, choice)
    pupils = (Movement.select(Movement.student)
              .where(Movement.school_class.in_([c.id for c in classes]) & (Movement.date <= day)))
    members = Membership.read(pupils) if classes else {}
    genders = {s.id: s.gender for s in Student.select(Student.id, Student.gender).where(
        Student.id.in_(list(members)))} if members else {}
    groups: dict[int, list[Subgroup]] = {}
    for group in (Subgroup.select(Subgroup, Subject).join(Subject)
                  .where(Subgroup.school_class.in_([c.id for c in classes]))
                  .order_by(Subject.sort_order, Subject.name, Subgroup.name)) if classes else []:
        groups.setdefault(group.school_class_id, []).append(group)
    table = Table("Наполняемость", [Column("Класс"), Column("Подгруппа"),
                                    Column("Учащихся", "int"), Column("Мальчиков", "int"),
                                    Column("Девочек", "int"), Column("Пол не указан", "int")])
    total = Counter()
    for c in classes:
        inside = [sid for sid, m in members.items() if m.class_on(day) == c.id]
        count = _by_gender(inside, genders)
        total.update(count)
        table.rows.append(Row([c.name, "весь класс", *count.values()]))
        for group in groups.get(c.id, []):
            ids = [sid for sid in inside if members[sid].in_group_on(group.id, day)]
            table.rows.append(Row([c.name, f"{group.subject.name}: {group.name}",
                                   *_by_gender(ids, genders).values()]))
    table.rows.append(Row([_total(user, choice), "",
                           *(total[k] for k in ("all", "М", "Ж", ""))], level=1))
    return Report("occupancy", "Наполняемость классов",
                  f"{_label(choice, classes)}, на {day:%d.%m.%Y}", [table],
                  notes=["Учащиеся класса и подгруппы на дату — по книге движения учащихся и "
                         "спискам подгрупп; пол — по карточке ученика."])


def _by_gender(ids: list[int], genders: dict[int, str]) -> dict[str, int]:
    """All, boys, girls, not given: in the table's column order."""
    found = Counter(genders.get(sid) if genders.get(sid) in ("М", "Ж") else "" for sid in ids)
    return {"all": len(ids), "М": found["М"], "Ж": found["Ж"], "": found[""]}
