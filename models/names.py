"""How rows are named to people: a pupil with their class («Иванов Иван Иванович (5А)»), and
any row by its id, many at once in a bounded number of queries (the panel's pupil pickers
and the audit log's foreign keys)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from peewee import JOIN, ForeignKeyField, Model

from .classes import Membership, SchoolClass
from .people import Student

NO_CLASS = (99, "")  # sorts after every grade


def _class_of(member: Membership | None, day: dt.date) -> tuple[int | None, str]:
    """The class the pupil is in on the day, else the one they left (or will enter), with
    the word that says so."""
    if member is None:
        return None, "без класса"
    now = member.class_on(day)
    if now is not None:
        return now, ""
    before = [cid for d, cid in member.moves if d <= day and cid is not None]
    if before:
        return before[-1], "выбыл"
    first, cid = next(((d, cid) for d, cid in member.moves if cid is not None), (None, None))
    return (cid, f"с {first:%d.%m.%Y}") if cid is not None else (None, "без класса")


def pupil_names(pupils: Iterable[Student], day: dt.date) -> dict[int, str]:
    """«Фамилия Имя Отчество (5А)» for each pupil, by class on the day (grade, letter), then
    surname, first name and patronymic; pupils in no class that day come last. Two queries
    (the movement book, the classes) besides the pupils."""
    pupils = list(pupils)
    members = Membership.read([p.id for p in pupils], groups=False) if pupils else {}
    found = {p.id: _class_of(members.get(p.id), day) for p in pupils}
    class_ids = {cid for cid, _ in found.values() if cid is not None}
    classes = {c.id: c for c in SchoolClass.select().where(SchoolClass.id.in_(class_ids))}

    def order(pupil):
        cid, note = found[pupil.id]
        school_class = classes.get(cid)
        place = (school_class.grade, school_class.letter) if school_class else NO_CLASS
        return (bool(note), place, pupil.last_name, pupil.first_name, pupil.middle_name,
                pupil.id)

    names = {}
    for pupil in sorted(pupils, key=order):
        cid, note = found[pupil.id]
        school_class = classes.get(cid)
        label = ", ".join(x for x in (school_class.name if school_class else "", note) if x)
        names[pupil.id] = f"{pupil.full_name} ({label})"
    return names


def _with_parents(model: type[Model]):
    """The model's rows with every row they point at joined in, so that a __str__ reading
    a parent (a subgroup's class, an assignment's subject) asks no further query."""
    query = model.select(model)
    for field in model._meta.sorted_fields:
        if isinstance(field, ForeignKeyField) and field.rel_model is not model:
            parent = field.rel_model.alias()
            query = (query.select_extend(parent)
                     .join_from(model, parent, JOIN.LEFT_OUTER, on=(field == parent.id),
                                attr=field.name))
    return query


def row_names(model: type[Model], ids: Iterable[int], day: dt.date) -> dict[int, str]:
    """The rows' names by id (pupils with their class on the day), in one query per model
    (three for pupils); an id with no row left is not in the answer."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    if model is Student:
        return pupil_names(Student.select().where(Student.id.in_(wanted)), day)
    rows = _with_parents(model).where(model.id.in_(wanted))
    return {row.id: str(row) for row in rows}
