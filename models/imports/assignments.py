"""«Нагрузка»: who teaches which subject to which class (or group), how many hours a week,
on which scale, with or without an exam (TeachingAssignment)."""
from __future__ import annotations

from ..access import may_import_curriculum
from ..curriculum import GRADING_SCALES
from ..timetable import TeachingAssignment
from . import CREATE, SKIP, UPDATE, Batch, Field, Kind, Row
from .lookups import CLASS, GROUP, SUBJECT, TEACHER, Lookup, repeated

# The scale as a file may name it («ё» or «е» alike); «зачёт» alone is the pass/fail scale.
SCALES = {label: key for key, label in GRADING_SCALES.items()} | {"зачёт": "pass"}
YES_NO = {"да": True, "нет": False, "+": True, "-": False, "1": True, "0": False}
MAX_HOURS = 12

FIELDS = (
    CLASS,
    SUBJECT,
    GROUP,
    TEACHER,
    Field("hours", "Часов в неделю", True, "5", f"число больше 0 и не больше {MAX_HOURS}",
          ("Часов", "Часы")),
    Field("scale", "Шкала", False, "пятибалльная",
          "«пятибалльная» или «зачёт/незачёт»; пусто — пятибалльная (у новой нагрузки)",
          ("Шкала оценивания",)),
    Field("exam", "Экзамен", False, "нет", "«да» или «нет»; пусто — нет (у новой нагрузки)"),
)


def _values(batch: Batch, lookup: Lookup, row: Row) -> dict | None:
    """The row's assignment as model values; None when a cell is bad (reported)."""
    before = len(batch.problems)
    school_class, subject = lookup.school_class(row), lookup.subject(row)
    _, subgroup = lookup.subgroup(row, school_class, subject)
    teacher = lookup.teacher(row)
    hours = batch.number(row, "hours", float)
    if hours is not None and not 0 < hours <= MAX_HOURS:
        batch.bad(row, "hours", f"{row['hours']} — столько часов в неделю не бывает")
    scale = batch.choice(row, "scale", SCALES)
    exam = batch.choice(row, "exam", YES_NO)
    if len(batch.problems) > before:
        return None
    values = {"school_class": school_class, "subject": subject, "subgroup": subgroup,
              "teacher": teacher, "hours_per_week": hours}
    return values | {name: value for name, value in
                     (("grading_scale", scale), ("has_exam", exam)) if value is not None}


def _described(values: dict) -> str:
    group = f" ({values['subgroup'].name})" if values["subgroup"] else ""
    scale = GRADING_SCALES[values.get("grading_scale", "five")]
    exam = ", экзамен" if values.get("has_exam") else ""
    return (f"{values['school_class'].name}{group}, {values['subject'].name} — "
            f"{values['teacher'].short_name}, {values['hours_per_week']:g} ч в неделю, "
            f"{scale}{exam}")


def _changes(found: TeachingAssignment, values: dict) -> list[str]:
    """What the row changes in the stored assignment, in words."""
    words = []
    if found.teacher_id != values["teacher"].id:
        words.append(f"учитель {found.teacher.short_name} → {values['teacher'].short_name}")
    if found.hours_per_week != values["hours_per_week"]:
        words.append(f"часов {found.hours_per_week:g} → {values['hours_per_week']:g}")
    scale = values.get("grading_scale", found.grading_scale)
    if found.grading_scale != scale:
        words.append(f"шкала {GRADING_SCALES[found.grading_scale]} → {GRADING_SCALES[scale]}")
    if found.has_exam != values.get("has_exam", found.has_exam):
        words.append("экзамен: " + ("да" if values["has_exam"] else "нет"))
    return words


class Matcher:
    """The stored assignments by class, subject and group, and how many rows of the file
    name each of these: one row for a journal taught by one teacher changes its teacher;
    several rows (teachers sharing a journal) each match their own teacher."""

    def __init__(self, lookup: Lookup, rows: list[dict]):
        a = TeachingAssignment
        self.stored: dict[tuple, list[TeachingAssignment]] = {}
        for found in a.select().where(a.school_class.in_(
                [c.id for c in lookup.classes.values()])).order_by(a.id):
            self.stored.setdefault(self.key(found), []).append(found)
        self.rows_per_key: dict[tuple, int] = {}
        for values in rows:
            key = self.key(values)
            self.rows_per_key[key] = self.rows_per_key.get(key, 0) + 1

    @staticmethod
    def key(values) -> tuple:
        if isinstance(values, TeachingAssignment):
            return values.school_class_id, values.subject_id, values.subgroup_id
        group = values["subgroup"]
        return values["school_class"].id, values["subject"].id, group.id if group else None

    def match(self, values: dict) -> tuple[TeachingAssignment | None, str]:
        """The stored assignment this row changes (or None: a new one), or a reason why the
        row cannot tell which."""
        candidates = self.stored.get(self.key(values), [])
        own = [c for c in candidates if c.teacher_id == values["teacher"].id]
        if own:
            return own[0], ""
        if len(candidates) == 1 and self.rows_per_key[self.key(values)] == 1:
            return candidates[0], ""
        if len(candidates) > 1 and self.rows_per_key[self.key(values)] == 1:
            return None, ("этот предмет в этом классе уже ведут несколько учителей: "
                          + ", ".join(c.teacher.short_name for c in candidates)
                          + "; укажите одного из них или измените нагрузку в разделе "
                            "«Нагрузка»")
        return None, ""


def apply(batch: Batch) -> None:
    lookup = Lookup(batch)
    parsed = [(row, _values(batch, lookup, row)) for row in batch.rows]
    matcher = Matcher(lookup, [values for _, values in parsed if values])
    seen: dict[tuple, int] = {}
    for row, values in parsed:
        with batch.row(row):
            _row(batch, matcher, seen, row, values)


def _row(batch: Batch, matcher: Matcher, seen: dict, row: Row, values: dict | None) -> None:
    if values is None or repeated(batch, row, seen, (*matcher.key(values),
                                                     values["teacher"].id), "Эта нагрузка"):
        return
    found, ambiguous = matcher.match(values)
    if ambiguous:
        batch.bad(row, "teacher", ambiguous, "учитель, который уже ведёт этот предмет")
    else:
        _write(batch, row, found, values)


def _write(batch: Batch, row: Row, found: TeachingAssignment | None, values: dict) -> None:
    if found is None:
        TeachingAssignment.create(**values)
        batch.done(row, CREATE, _described(values))
        return
    changes = _changes(found, values)
    if not changes:
        batch.done(row, SKIP, _described(values | {"grading_scale": found.grading_scale,
                                                   "has_exam": found.has_exam}))
        return
    for name, value in values.items():
        setattr(found, name, value)
    found.save()
    batch.done(row, UPDATE, f"{found}: " + "; ".join(changes))


KIND = Kind(
    "assignments", "Нагрузка", FIELDS, apply, may_import_curriculum,
    note=("Одна строка — один предмет класса (или подгруппы) и его учитель. Нагрузка, которая "
          "уже есть (тот же класс, предмет и группа), обновляется: учитель, часы, шкала, "
          "экзамен; пустая «Шкала» или «Экзамен» оставляет записанное. Подгруппы создаются "
          "в разделе «Подгруппы» до загрузки."))
