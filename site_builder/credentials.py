"""Diary credential slips: which pupils, and their passwords as CSV, PDF or a terminal table.

Passwords are shown once, when issued: the database keeps only their keys. So every file
is checked before a password is generated, rendered before the database is written, and
moved into place only after the transaction commits (a failure issues nothing).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from models import AcademicYear, Movement, SchoolClass, Student, destination
from models.base import RuleError
from models.diary import Grant
from models.school import check_diary_address

# The slips' printout and the safe writing of private files live with the printouts; the
# CLI reaches them here as before (cred.Slip, cred.pdf_bytes, cred.write_pending).
from .printing.files import write_pending as write_pending
from .printing.slips import Slip as Slip
from .printing.slips import pdf_bytes as pdf_bytes

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CSV_HEADER = ["Класс", "Ученик", "Адрес дневника", "Пароль"]
# A cell starting with one of these is a formula in Excel and LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Latin letters typed for their Cyrillic twins in a class name such as 5A.
_LATIN_TWINS = str.maketrans("ABCEHKMOPTXY", "АВСЕНКМОРТХУ")
_CLASS_RE = re.compile(r"^(\d{1,2})\s*-?\s*(\w{1,2})$")
ALL_CLASSES = ("all", "все")


def check_base_url(base_url: str) -> str:
    """The diary site's address from the settings, or a Russian refusal."""
    base_url = (base_url or "").strip()
    if not base_url:
        raise RuleError("Не задан адрес сайта дневников: без него на листках не будет "
                        "адреса. Укажите его в панели: «Настройки» → «Адрес сайта "
                        "дневников», например https://dnevnik.school.ru/")
    check_diary_address(base_url)  # one made before the rule existed is refused here too
    return base_url


SLIPS = ("пароли", "instance/пароли.pdf",
         " (пароли из старого файла станут недоступны, если он не распечатан)")


def check_destination(path: Path, force: bool,
                      what: tuple[str, str, str] = SLIPS) -> Path:
    """The resolved path of a private printout (models.destination: never in the site)."""
    return destination.check_destination(path, force, what)


def current_year(today: dt.date) -> AcademicYear:
    """The academic year containing today, or else the next one (in the summer)."""
    year = AcademicYear.on(today)
    if year is None:
        raise RuleError(f"Нет учебного года, включающего {today:%d.%m.%Y}, и нет следующего. "
                        "Создайте учебный год в панели.")
    return year


def parse_class_name(text: str) -> tuple[int, str]:
    """(grade, letter) of a class name such as «5А», «5а», «5-А» or «5A» typed in Latin."""
    match = _CLASS_RE.match(text.strip().upper().translate(_LATIN_TWINS))
    if not match:
        raise RuleError(f"Не понял название класса «{text}»: укажите, например, 5А, "
                        "или all для всей школы.")
    return int(match[1]), match[2]


def find_class(year: AcademicYear, text: str) -> SchoolClass:
    grade, letter = parse_class_name(text)
    found = SchoolClass.get_or_none((SchoolClass.year == year) & (SchoolClass.grade == grade)
                                    & (SchoolClass.letter == letter))
    if found is None:
        raise RuleError(f"Класса {grade}{letter} нет в учебном году {year.name}.")
    return found


def select_pupils(class_name: str | None, student_id: int | None,
                  today: dt.date) -> list[tuple[SchoolClass, Student]]:
    """(class, pupil) pairs: a class, every class (all), or one pupil, in print order."""
    year = current_year(today)
    day = max(today, year.start)
    if student_id is not None:
        return [_one_pupil(year, class_name, student_id, day)]
    if class_name is None:
        raise RuleError("Укажите класс (--class 5А или --class all) или ученика (--student).")
    if class_name.strip().lower() in ALL_CLASSES:
        classes = list(SchoolClass.select().where(SchoolClass.year == year)
                       .order_by(SchoolClass.grade, SchoolClass.letter))
    else:
        classes = [find_class(year, class_name)]
    return [(c, s) for c in classes for s in c.students_on(day)]


def _one_pupil(year: AcademicYear, class_name: str | None, student_id: int,
               day: dt.date) -> tuple[SchoolClass, Student]:
    student = Student.get_or_none(Student.id == student_id)
    if student is None:
        raise RuleError(f"Ученика с номером {student_id} нет.")
    class_id = Movement.class_id_on(student_id, day)
    school_class = SchoolClass.get_or_none(SchoolClass.id == class_id) if class_id else None
    if school_class is None or school_class.year_id != year.id:
        raise RuleError(f"{student.full_name} не числится ни в одном классе "
                        f"на {day:%d.%m.%Y}.")
    if class_name and class_name.strip().lower() not in ALL_CLASSES \
            and find_class(year, class_name).id != school_class.id:
        raise RuleError(f"{student.full_name} учится в {school_class.name}, "
                        f"а не в {class_name}.")
    return school_class, student


def make_slips(pairs: Sequence[tuple[SchoolClass, Student]], grants: Sequence[Grant],
               base_url: str) -> list[Slip]:
    """A slip for each pupil whose password was issued or rotated now."""
    classes = {student.id: school_class.name for school_class, student in pairs}
    return [Slip(classes[g.student.id], g.student.full_name, g.access.url(base_url),
                 g.password) for g in grants if g.password]


def _cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_bytes(slips: Iterable[Slip]) -> bytes:
    """The slips as CSV for Excel: UTF-8 with a BOM, «;» between cells (Russian Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for s in slips:
        writer.writerow([_cell(v) for v in (s.class_name, s.pupil, s.address, s.password)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
