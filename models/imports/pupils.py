"""«Ученики и родители»: pupils of this year's classes with up to two guardians each.

A pupil is matched by surname, name, patronymic and birth date (case and «ё» ignored): a
pupil already in the journal is updated (or left alone), never added twice. A new pupil is
enrolled by a line of the movement book («зачислен» into the row's class, as the panel's
«Книга движения» enrols one). A pupil already in another class is reported, not moved: a
transfer is an order, entered in the movement book. The enrolment date defaults to the
academic year's first day: a school loading its pupils at the start of the year (or
starting the journal mid-year) has them all from the first day; a pupil who arrived later
has the date typed in «Дата зачисления».

A guardian is matched among the pupil's own guardians by name, else among all guardians by
name and phone (or name and e-mail), and linked; found, their phone, e-mail and paper
sheet are updated from the row.

A 2,000-pupil file takes seconds (bench/imports.py): the lookups are read once per batch,
each row is checked on its own, and the new rows are inserted in bulk (audited as created).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .. import access
from ..auditing import create_many
from ..base import RuleError
from ..classes import Movement, SchoolClass
from ..people import Guardian, Person, Student, StudentGuardian, check_birth_date
from ..school import AcademicYear, check_year_open
from ..texts import check_text, quoted
from . import CREATE, SKIP, UPDATE, Batch, Field, Kind, Row
from .contacts import (
    EMAIL_EXPECTED,
    NAME_EXPECTED,
    PHONE_EXPECTED,
    email_problem,
    name_key,
    phone_key,
    phone_problem,
    split_name,
)

GENDERS = {"м": "М", "ж": "Ж", "мужской": "М", "женский": "Ж"}
YES_NO = {"да": True, "нет": False}
# Latin letters typed for Cyrillic ones in a class name («5A» with a Latin A).
LOOKALIKES = str.maketrans("abcehkmoptxy", "авсенкмортху")
GUARDIAN_SLOTS = (1, 2)
# The movement book's line that puts a new pupil in a class.
ENROLLED = "enrolled"


def _guardian_fields(n: int) -> tuple[Field, ...]:
    head = f"Родитель {n}"
    return (
        Field(f"g{n}_name", f"{head}: ФИО", example="Иванова Мария Петровна" if n == 1 else "",
              expected=NAME_EXPECTED, aliases=(f"{head} ФИО", f"ФИО родителя {n}")),
        Field(f"g{n}_relation", f"{head}: кем приходится", example="мать" if n == 1 else "",
              expected="мать, отец, опекун…", aliases=(f"{head} кем приходится",)),
        Field(f"g{n}_phone", f"{head}: телефон", example="+7 912 345-67-89" if n == 1 else "",
              expected=PHONE_EXPECTED, aliases=(f"{head} телефон",)),
        Field(f"g{n}_email", f"{head}: e-mail", example="ivanova@mail.ru" if n == 1 else "",
              expected=EMAIL_EXPECTED,
              aliases=(f"{head} e-mail", f"{head}: эл. почта", f"{head}: email")),
        Field(f"g{n}_paper", f"{head}: бумажная выписка", example="нет" if n == 1 else "",
              expected="«да» или «нет» (пусто — нет для нового родителя, без изменений "
                       "для найденного)", aliases=(f"{head} бумажная выписка",
                                                   f"{head}: бумажный лист")),
    )


FIELDS = (
    Field("last_name", "Фамилия", True, "Иванов", "фамилия ученика"),
    Field("first_name", "Имя", True, "Пётр", "имя ученика"),
    Field("middle_name", "Отчество", False, "Сергеевич", "отчество (если есть)"),
    Field("birth_date", "Дата рождения", True, "05.03.2015", "дата вида 05.03.2015",
          aliases=("Дата рожд.",)),
    Field("gender", "Пол", False, "м", "«м» или «ж»"),
    Field("school_class", "Класс", True, "5А",
          "класс текущего учебного года, например «5А»"),
    Field("enrolled", "Дата зачисления", False, "",
          "дата вида 01.09.2026 в пределах учебного года; пусто — первый день учебного года"),
    *_guardian_fields(1),
    *_guardian_fields(2),
)


@dataclass
class New:
    """A row to insert in bulk once the whole file is checked; `id` after the insert."""

    data: dict
    id: int | None = None


def _id(ref) -> int:
    return ref.id if isinstance(ref, New) else ref


@dataclass
class Lookups:
    """Read once per batch: this year's classes, pupils by key with their last class,
    guardians by name and phone or e-mail, and the links between them."""

    year: AcademicYear | None
    classes: dict[str, SchoolClass]
    class_names: dict[int, str]
    pupils: dict[tuple[str, dt.date], Student]
    last_class: dict[int, int | None]
    guardians: dict[tuple[str, str], Guardian]
    links: dict[int, dict[int, StudentGuardian]]
    guardian_by_id: dict[int, Guardian]
    undated: dict[str, list[Student]]
    seen: dict[tuple[str, dt.date], int] = field(default_factory=dict)
    new_guardians: dict[tuple[str, str], New] = field(default_factory=dict)
    students: list[New] = field(default_factory=list)
    guardian_rows: list[New] = field(default_factory=list)
    movements: list[tuple[object, int, dt.date]] = field(default_factory=list)
    new_links: list[tuple[object, object, str]] = field(default_factory=list)

    @classmethod
    def read(cls, today: dt.date) -> Lookups:
        year = AcademicYear.on(today)
        classes = list(SchoolClass.select().where(SchoolClass.year == year.id)) if year else []
        names = {c.id: f"{c.name} ({c.year.name})" for c in SchoolClass.select(
            SchoolClass, AcademicYear).join(AcademicYear)}
        names.update({c.id: c.name for c in classes})
        last = {sid: cid for sid, cid in Movement.select(Movement.student, Movement.school_class)
                .order_by(Movement.date, Movement.id).tuples()}
        guardians = list(Guardian.select())
        keys = {}
        for g in guardians:
            if g.phone:
                keys[(g.search_name, phone_key(g.phone))] = g
            if g.email:
                keys[(g.search_name, g.email.casefold())] = g
        links: dict[int, dict[int, StudentGuardian]] = {}
        for link in StudentGuardian.select():
            links.setdefault(link.student_id, {})[link.guardian_id] = link
        pupils, undated = {}, {}
        for s in Student.select():
            if s.birth_date is None:
                undated.setdefault(s.search_name, []).append(s)
            else:
                pupils[(s.search_name, s.birth_date)] = s
        return cls(year, {class_key(c.name): c for c in classes}, names, pupils, last, keys,
                   links, {g.id: g for g in guardians}, undated)


def class_key(name: str) -> str:
    """«5А», «5 а», «5-А» and «5A» (a Latin A) name one class."""
    return "".join(ch for ch in name.casefold().translate(LOOKALIKES) if ch.isalnum())


def may_import(staff) -> bool:
    return access.may_import(staff, KEY)


def _checked(row: Person) -> None:
    """A new row's own rules, as its save() would check them (names, no control
    characters), for the rows inserted in bulk."""
    check_text(*(v for v in row.__data__.values() if isinstance(v, str)))
    Person.validate(row)


@dataclass
class GuardianCells:
    """One guardian's cells of a row, read and checked."""

    name: tuple[str, str, str]
    relation: str
    phone: str
    email: str
    paper: bool | None


def _guardian_cells(batch: Batch, row: Row, n: int) -> GuardianCells | None:
    keys = [f"g{n}_{k}" for k in ("name", "relation", "phone", "email", "paper")]
    if not any(row[k] for k in keys):
        return None
    name = split_name(row[keys[0]])
    if name is None:
        batch.bad(row, keys[0], f"{quoted(row[keys[0]])} — нет имени" if row[keys[0]]
                  else "не заполнено, а другие столбцы родителя заполнены")
    phone, email = row[keys[2]], row[keys[3]]
    if phone and phone_problem(phone):
        batch.bad(row, keys[2], phone_problem(phone))
    if email and email_problem(email):
        batch.bad(row, keys[3], email_problem(email))
    paper = batch.choice(row, keys[4], YES_NO)
    return GuardianCells(name or ("", "", ""), row[keys[1]], phone, email, paper)


def _class(batch: Batch, row: Row, found: Lookups) -> SchoolClass | None:
    value = batch.text(row, "school_class")
    if not value:
        return None
    if found.year is None:
        batch.bad(row, "school_class", "в журнале нет текущего учебного года",
                  "сначала создайте учебный год и его классы")
        return None
    school_class = found.classes.get(class_key(value))
    if school_class is None:
        known = ", ".join(c.name for c in sorted(found.classes.values(),
                                                 key=lambda c: (c.grade, c.letter)))
        batch.bad(row, "school_class", f"{quoted(value)} — нет такого класса в "
                  f"{found.year.name} учебном году",
                  f"один из классов: {known}" if known else "сначала создайте классы")
    return school_class


def _enrolment(batch: Batch, row: Row, year: AcademicYear | None) -> dt.date | None:
    day = batch.date(row, "enrolled")
    if year is None:
        return None
    if day is None:
        return None if row["enrolled"] else year.start
    if not year.start <= day <= year.end:
        batch.bad(row, "enrolled", f"{quoted(row['enrolled'])} — вне учебного года {year.name}",
                  f"дата с {year.start:%d.%m.%Y} по {year.end:%d.%m.%Y}")
        return None
    return day


def _birth_date(batch: Batch, row: Row) -> dt.date | None:
    day = batch.date(row, "birth_date")
    if day is not None:
        try:
            check_birth_date(day, batch.today)
        except RuleError as exc:
            batch.bad(row, "birth_date", f"{quoted(row['birth_date'])} — невозможная дата "
                      f"рождения", exc.message.split(": ", 1)[-1].rstrip("."))
            return None
    return day


def _find_guardian(found: Lookups, student: Student | None, cells: GuardianCells):
    """The guardian the cells name: among the pupil's own by name, else by name and phone
    or e-mail, else one this file already adds; None for a new one."""
    key = name_key(*cells.name)
    if student is not None:
        for gid in found.links.get(student.id, {}):
            guardian = found.guardian_by_id[gid]
            if guardian.search_name == key:
                return guardian
    keys = [k for k in ((key, phone_key(cells.phone)) if cells.phone else None,
                        (key, cells.email.casefold()) if cells.email else None) if k]
    for k in keys:
        if k in found.guardians:
            return found.guardians[k]
        if k in found.new_guardians:
            return found.new_guardians[k]
    return None


def _guardian_changes(guardian: Guardian, cells: GuardianCells) -> list[str]:
    """Set the cells' contacts on a found guardian; the changes in words."""
    changes = []
    same = {"phone": phone_key, "email": str.casefold, "wants_paper_sheet": bool}
    for attr, value, label in (("phone", cells.phone, "телефон"),
                               ("email", cells.email, "e-mail"),
                               ("wants_paper_sheet", cells.paper, "бумажная выписка")):
        # The same number or address written otherwise (8 912… for +7 912…) is no change.
        if value not in ("", None) and same[attr](getattr(guardian, attr)) != same[attr](value):
            setattr(guardian, attr, value)
            changes.append(label)
    return changes


def _guardians(batch: Batch, found: Lookups, student: Student | None, student_ref,
               all_cells: list[GuardianCells]) -> list[str]:
    """Link (and add or update) the row's guardians; what changed, in words. Writes the
    updates now (inside the row's savepoint); new rows wait for the bulk insert."""
    said = []
    for cells in all_cells:
        guardian = _find_guardian(found, student, cells)
        who = " ".join(p for p in cells.name if p)
        if guardian is None:
            guardian = _new_guardian(found, cells)
            said.append(f"новый родитель {who}")
        elif isinstance(guardian, Guardian) and (changes := _guardian_changes(guardian, cells)):
            guardian.save()
            said.append(f"родитель {who}: " + ", ".join(changes))
        link = (found.links.get(student.id, {}).get(guardian.id)
                if student is not None and isinstance(guardian, Guardian) else None)
        if link is None:
            found.new_links.append((student_ref, guardian, cells.relation))
            if not said or who not in said[-1]:
                said.append(f"связан с родителем {who}")
        elif cells.relation and link.relation != cells.relation:
            link.relation = cells.relation
            link.save()
            said.append(f"{who} — {cells.relation}")
    return said


def _new_guardian(found: Lookups, cells: GuardianCells) -> New:
    """A guardian to insert, checked now; later rows of the file find them by the keys."""
    last, first, middle = cells.name
    data = {"last_name": last, "first_name": first, "middle_name": middle,
            "search_name": name_key(*cells.name), "phone": cells.phone,
            "email": cells.email, "wants_paper_sheet": bool(cells.paper)}
    _checked(Guardian(**data))
    guardian = New(data)
    found.guardian_rows.append(guardian)
    if cells.phone:
        found.new_guardians[(data["search_name"], phone_key(cells.phone))] = guardian
    if cells.email:
        found.new_guardians[(data["search_name"], cells.email.casefold())] = guardian
    return guardian


def _pupil_row(batch: Batch, found: Lookups, row: Row) -> None:
    """Check a row, then write it (or plan its bulk insert); nothing for a bad row."""
    before = len(batch.problems)
    last, first = batch.text(row, "last_name"), batch.text(row, "first_name")
    middle = row["middle_name"]
    birth = _birth_date(batch, row)
    gender = batch.choice(row, "gender", GENDERS)
    school_class = _class(batch, row, found)
    enrolled = _enrolment(batch, row, found.year)
    cells = [c for c in (_guardian_cells(batch, row, n) for n in GUARDIAN_SLOTS) if c]
    if len(batch.problems) > before:
        return
    key = (name_key(last, first, middle), birth)
    who = " ".join(p for p in (last, first, middle) if p)
    if key in found.seen:
        batch.bad(row, "", f"ученик {who}, {birth:%d.%m.%Y}, уже есть в строке "
                  f"{found.seen[key]} этого файла", "одна строка на ученика")
        return
    found.seen[key] = row.number
    check_year_open(found.year.id)  # a closed year's classes take no one
    student, said = found.pupils.get(key), []
    if student is None:
        student = _undated(batch, found, row, key[0], birth)
        if student is False:
            return
        said = ["дата рождения"] if student else []
    if student is None:
        _new_pupil(batch, found, row, (last, first, middle, birth, gender or ""),
                   school_class, enrolled, cells, who)
        return
    current = found.last_class.get(student.id)
    if current is None:
        found.movements.append((student.id, school_class.id, enrolled))
        said.append(f"зачислен в {school_class.name}")
    elif current != school_class.id:
        batch.bad(row, "school_class", f"{who} уже учится в классе "
                  f"{found.class_names[current]}, а не в {school_class.name}",
                  "класс по книге движения; перевод в другой класс оформляется приказом в "
                  "«Книге движения» (или на странице «Переход на новый год»)")
        return
    if gender and student.gender != gender:
        student.gender = gender
        said.append("пол")
    if said:
        student.save()
    said += _guardians(batch, found, student, student.id, cells)
    batch.done(row, UPDATE if said else SKIP,
               f"{who}, {school_class.name}" + (": " + "; ".join(said) if said else ""))


def _undated(batch: Batch, found: Lookups, row: Row, name: str, birth: dt.date):
    """A pupil entered in the panel without a birth date, found by name alone and given
    the row's date (None: no such pupil; False: several, reported)."""
    namesakes = found.undated.get(name, [])
    if len(namesakes) > 1:
        batch.bad(row, "birth_date", f"учеников с таким ФИО без даты рождения несколько "
                  f"({len(namesakes)})", "сначала укажите даты рождения в их карточках "
                  "(«Ученики»)")
        return False
    if not namesakes:
        return None
    student = namesakes.pop()
    student.birth_date = birth
    return student


def _new_pupil(batch: Batch, found: Lookups, row: Row, values, school_class: SchoolClass,
               enrolled: dt.date, cells: list[GuardianCells], who: str) -> None:
    last, first, middle, birth, gender = values
    data = {"last_name": last, "first_name": first, "middle_name": middle,
            "search_name": name_key(last, first, middle), "birth_date": birth,
            "gender": gender}
    _checked(Student(**data))
    pupil = New(data)
    said = _guardians(batch, found, None, pupil, cells)
    found.students.append(pupil)
    found.movements.append((pupil, school_class.id, enrolled))
    batch.done(row, CREATE, f"{who}, {school_class.name}, зачислен с {enrolled:%d.%m.%Y}"
               + (": " + "; ".join(said) if said else ""))


def _insert(found: Lookups) -> None:
    """The file's new pupils, guardians, movement lines and links, in bulk (each audited
    as created), once every row is checked."""
    for model, rows in ((Student, found.students), (Guardian, found.guardian_rows)):
        ids = create_many(model, [r.data for r in rows])
        for r, new_id in zip(rows, ids, strict=True):
            r.id = new_id
    create_many(Movement, [{"student": _id(s), "kind": ENROLLED, "date": day,
                            "school_class": cid} for s, cid, day in found.movements])
    create_many(StudentGuardian, [{"student": _id(s), "guardian": _id(g), "relation": rel}
                                  for s, g, rel in found.new_links])


def apply(batch: Batch) -> None:
    found = Lookups.read(batch.today)
    for row in batch.rows:
        with batch.row(row):
            _pupil_row(batch, found, row)
    if not batch.problems:
        _insert(found)


KEY = "pupils"
KIND = Kind(KEY, "Ученики и родители", FIELDS, apply, may_import, note=(
    "Одна строка — один ученик и до двух родителей (законных представителей). Ученик "
    "находится по фамилии, имени, отчеству и дате рождения: уже загруженный обновляется, "
    "а не добавляется второй раз. Новый ученик зачисляется в класс записью книги движения "
    "(по умолчанию — с первого дня учебного года). Ученик, который уже учится в другом "
    "классе, не переводится: перевод оформляется в «Книге движения». Родитель находится по "
    "ФИО и телефону (или e-mail) и связывается с учеником."))
