"""The rules of the regulations that belong to the data (DESIGN section 3).

Plain functions with no Flask or Pelican import: the panel, the CLI and the builder
call them, and the models call them before saving.
"""
from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

from .base import RuleError
from .texts import quoted

NUMERIC_MARKS = ("1", "2", "3", "4", "5")
PASS_MARKS = ("ЗЧ", "НЗ")
# Освобождён, and the «точка»: a mark is owed. Both count in no average.
SPECIAL_MARKS = ("ОСВ", "•")
PERIOD_ONLY_MARKS = ("Н/А",)  # не аттестован
# Marks shown as low (CSS class `mark-low`) in the grid, «Мой класс» and the diary:
# unsatisfactory, «незачёт», and «не аттестован» for a period.
LOW_MARKS = frozenset({"1", "2", "НЗ", "Н/А"})
ATTENDANCE_CODES = {
    "Н": "отсутствовал",
    "Б": "болел",
    "У": "отсутствовал по уважительной причине",
    "ОП": "опоздал",
}
# Sizes a teacher never needs more of: a cell of two double marks and a code, a topic,
# a homework. Larger input is refused, not cut, and before anything is written (issue 10.4).
MAX_CELL_TEXT = 40
MAX_CELL_MARKS = 4
MAX_TOPIC = 500
MAX_HOMEWORK = 2000
MAX_COMMENT = 500
# Lessons a school day can have: the numbers of the bell schedule.
MAX_LESSON_NUMBER = 10
# How each period scheme's periods are counted, for messages: «учится по четвертям».
SCHEME_PLURAL_DATIVE = {"quarter": "четвертям", "trimester": "триместрам", "half": "полугодиям"}


def check_lesson_date(day: dt.date, today: dt.date) -> None:
    """Rule 1: no lesson may be recorded for a date after today (001)."""
    if day > today:
        raise RuleError(f"Нельзя записать урок на {day:%d.%m.%Y}: эта дата ещё не наступила. "
                        "Делать записи об уроках заранее запрещено.", rule=1)


def check_lesson_in_year(day: dt.date, start: dt.date, end: dt.date, year_name: str) -> None:
    """Rule 14, its plainest part: a lesson lies within its class's academic year."""
    if not start <= day <= end:
        raise RuleError(f"Дата урока {day:%d.%m.%Y} вне учебного года {year_name} "
                        f"({start:%d.%m.%Y}–{end:%d.%m.%Y}).", rule=14)


def check_lesson_texts(topic: str, homework: str) -> None:
    """A lesson's topic and homework fit their sizes; longer text is refused, not cut."""
    if len(topic) > MAX_TOPIC:
        raise RuleError(f"Тема урока длиннее {MAX_TOPIC} знаков ({len(topic)}): сократите её.")
    if len(homework) > MAX_HOMEWORK:
        raise RuleError(f"Домашнее задание длиннее {MAX_HOMEWORK} знаков ({len(homework)}): "
                        "сократите его.")


def check_lesson_number(number: int | None) -> None:
    """A lesson's number in the day is a whole number from 1 to 10, as typed: 0 is not 1."""
    if not isinstance(number, int) or not 1 <= number <= MAX_LESSON_NUMBER:
        raise RuleError(f"Номер урока должен быть целым числом от 1 до {MAX_LESSON_NUMBER}.")


def check_comment(text: str) -> None:
    """A teacher's comment to a pupil: some text, not longer than a short note."""
    if not text.strip():
        raise RuleError("Комментарий пуст.")
    if len(text) > MAX_COMMENT:
        raise RuleError(f"Комментарий длиннее {MAX_COMMENT} знаков ({len(text)}): сократите его.")


def check_cell_text(text: str) -> None:
    """A typed cell is short enough to read at all (checked before parsing it)."""
    if len(text.strip()) > MAX_CELL_TEXT:
        raise RuleError(f"Слишком длинная запись в клетке: не больше {MAX_CELL_TEXT} знаков.")


def check_cell_marks(count: int) -> None:
    """At most four marks in one cell: two double marks (a double mark counts as two)."""
    if count > MAX_CELL_MARKS:
        raise RuleError(f"В одной клетке не больше {MAX_CELL_MARKS} отметок "
                        "(двойная отметка «5/4» — это две).")


def check_marks_allowed(grade: int) -> None:
    """Rule 2: pupils of grade 1 get no marks (001, 2.10)."""
    if grade == 1:
        raise RuleError("В 1 классе отметки не ставятся: обучение безотметочное.", rule=2)


def check_homework_due(day: dt.date, due: dt.date | None, homework: str,
                       year_end: dt.date) -> None:
    """A date the teacher sets for the homework (issue 15.1; otherwise it is due at the next
    lesson of the subject): only with a homework, after the lesson, within the year."""
    if due is None:
        return
    if not homework.strip():
        raise RuleError("Срок сдачи указан, а домашнего задания нет: впишите задание "
                        "или уберите срок.")
    if due <= day:
        raise RuleError(f"Срок сдачи домашнего задания ({due:%d.%m.%Y}) должен быть позже "
                        f"дня урока ({day:%d.%m.%Y}).")
    if due > year_end:
        raise RuleError(f"Срок сдачи {due:%d.%m.%Y} — после конца учебного года "
                        f"({year_end:%d.%m.%Y}).")


def check_homework_allowed(grade: int, homework: str) -> None:
    """Rule 2: grade 1 gets no homework (001, 2.10)."""
    if grade == 1 and homework.strip():
        raise RuleError("В 1 классе домашние задания не задаются.", rule=2)


def allowed_marks(scale: str, uses_mark_one: bool = False) -> tuple[str, ...]:
    """The mark values a lesson on this grading scale accepts."""
    if scale == "pass":
        return PASS_MARKS + SPECIAL_MARKS
    numeric = NUMERIC_MARKS if uses_mark_one else NUMERIC_MARKS[1:]
    return numeric + SPECIAL_MARKS


def is_low_mark(value: str) -> bool:
    """Whether a mark is shown as low (class `mark-low`): «1», «2», «НЗ», «Н/А»."""
    return value in LOW_MARKS


def check_mark_value(value: str, scale: str, uses_mark_one: bool = False) -> None:
    """A mark must belong to the subject's grading scale."""
    allowed = allowed_marks(scale, uses_mark_one)
    if value not in allowed:
        raise RuleError(f"Отметка {quoted(value)} недопустима; "
                        f"допустимы: {', '.join(allowed)}.")


def allowed_period_marks(scale: str) -> tuple[str, ...]:
    """The period marks a subject on this grading scale accepts."""
    marks = PASS_MARKS if scale == "pass" else NUMERIC_MARKS[1:]
    return marks + ("ОСВ",) + PERIOD_ONLY_MARKS


def check_period_mark_value(value: str, scale: str) -> None:
    """A period mark belongs to the subject's grading scale: no «ЗЧ» on a five-point one."""
    allowed = allowed_period_marks(scale)
    if value not in allowed:
        raise RuleError(f"Отметка {quoted(value)} недопустима; "
                        f"допустимы: {', '.join(allowed)}.")


def check_period_started(period_name: str, start: dt.date, today: dt.date) -> None:
    """No mark for a period that has not begun yet."""
    if start > today:
        raise RuleError(f"Период «{period_name}» ещё не начался: он начинается "
                        f"{start:%d.%m.%Y}.")


def check_enrolled(enrolled_class_id: int | None, class_id: int, class_name: str,
                   day: dt.date, in_subgroup: bool = True) -> None:
    """Rule 8: marks and attendance only for pupils of that class (and subgroup) that day."""
    if enrolled_class_id != class_id:
        raise RuleError(f"Ученик не числится в {class_name} классе на {day:%d.%m.%Y}: "
                        "отметки и пропуски ставятся только ученикам класса.", rule=8)
    if not in_subgroup:
        raise RuleError(f"Ученик не входит в эту подгруппу на {day:%d.%m.%Y}.", rule=8)


def weighted_average(marks: Iterable[tuple[str, float]]) -> Fraction | None:
    """Rule 7: the weighted average of the numeric marks, exact; None if there are none.

    Pass/fail, «ОСВ» and the «точка» count in nothing.
    """
    sums: dict[float, list[int]] = {}  # weight -> [sum of the marks, how many]; a few weights
    for value, weight in marks:
        if value in NUMERIC_MARKS:
            counted = sums.get(weight)
            if counted is None:
                counted = sums[weight] = [0, 0]
            counted[0] += int(value)
            counted[1] += 1
    exact = {weight: _exact(weight) for weight in sums}
    common = math.lcm(*(w.denominator for w in exact.values())) if exact else 1
    total = weight_sum = 0  # in units of 1/common: integers, one Fraction at the end
    for weight, (value_sum, count) in sums.items():
        units = exact[weight].numerator * (common // exact[weight].denominator)
        total += value_sum * units
        weight_sum += count * units
    return Fraction(total, weight_sum) if weight_sum else None


@functools.lru_cache(maxsize=64)
def _exact(weight: float) -> Fraction:
    """A work type's weight as typed (1.5, 0.1), not as the float's binary value."""
    return Fraction(Decimal(str(weight)))


def suggest_mark(average: Fraction | float | None,
                 thresholds: tuple[float, float, float] = (2.5, 3.5, 4.5)) -> str | None:
    """Rule 7: the period mark the average suggests, by the school's thresholds (003, 6.3)."""
    if average is None:
        return None
    avg = Fraction(Decimal(str(average))) if isinstance(average, float) else Fraction(average)
    for mark, threshold in zip(("5", "4", "3"), reversed(thresholds)):
        if avg >= Fraction(Decimal(str(threshold))):
            return mark
    return "2"


def format_average(average: Fraction | float | None, empty: str = "") -> str:
    """An average as staff and parents read it: two decimals with a comma, «4,33»."""
    return empty if average is None else f"{float(average):.2f}".replace(".", ",")
