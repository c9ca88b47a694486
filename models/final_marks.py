"""Year, exam and final marks (issue 16.1): what a pupil's period marks suggest for the year
(rule 7's thresholds), what the year and exam marks suggest as the final mark, and when
such marks may be given.

Plain functions: the grid, «Мой класс», the diary, the weekly sheet and the tests share
them, reading the marks through models.record (`ClassRecord.end_marks`).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import rules
from .base import RuleError

# The marks of the year's end, in the order the grid and the diary show them.
END_KINDS = ("year", "exam", "final")
END_TITLES = {"year": "Год", "exam": "Экз.", "final": "Итог"}
END_PLURAL = {"year": "Годовые", "exam": "Экзаменационные", "final": "Итоговые"}
EXEMPT = "ОСВ"
# Rule 7's thresholds where no suggestion is shown (the diary shows given marks only).
DEFAULT_THRESHOLDS = (2.5, 3.5, 4.5)
# Each kind of PeriodMark as the object of a sentence: «Годовую отметку ставит …».
ACCUSATIVE = {"period": "Отметку за период", "year": "Годовую отметку",
              "exam": "Экзаменационную отметку", "final": "Итоговую отметку"}


def suggest_year(period_marks: Iterable[str], scale: str,
                 thresholds: tuple[float, float, float]) -> str | None:
    """Rule 7 for the year: the average of the pupil's period marks, each period weighing the
    same (its mark sums the period up), rounded by the school's thresholds. On the pass/fail
    scale «ЗЧ» when every period marked was passed, «НЗ» when one was not. «ОСВ» and «Н/А»
    count in nothing; a pupil exempt in every period marked is suggested «ОСВ»."""
    given = [v for v in period_marks if v]
    if scale == "pass":
        if "НЗ" in given:
            return "НЗ"
        return "ЗЧ" if "ЗЧ" in given else _exempt(given)
    average = rules.weighted_average((value, 1) for value in given)
    if average is None:
        return _exempt(given)
    return rules.suggest_mark(average, thresholds)


def suggest_final(year: str, exam: str, has_exam: bool, scale: str,
                  thresholds: tuple[float, float, float]) -> str | None:
    """The final mark: the year mark where the curriculum has no exam (or the pupil was
    exempt from it); with an exam, the average of the year and exam marks rounded by the
    thresholds (4 and 5 give «5» at 4.5), on the pass/fail scale «ЗЧ» only when both
    were passed. None while a mark it needs is missing."""
    if not year:
        return None
    if not has_exam or exam == EXEMPT or year == EXEMPT:
        return year
    if not exam:
        return None
    if scale == "pass":
        return "ЗЧ" if (year, exam) == ("ЗЧ", "ЗЧ") else "НЗ"
    average = rules.weighted_average([(year, 1), (exam, 1)])
    return rules.suggest_mark(average, thresholds) if average is not None else None


def _exempt(given: list[str]) -> str | None:
    return EXEMPT if given and all(v == EXEMPT for v in given) else None


@dataclass
class EndMarks:
    """A pupil's marks in one subject for the year: the period marks by the class's periods,
    the year, exam and final marks ("" where none) and what is suggested for the year and
    the final mark."""

    subject_id: int
    scale: str
    has_exam: bool
    periods: list[str] = field(default_factory=list)
    year: str = ""
    exam: str = ""
    final: str = ""
    thresholds: tuple[float, float, float] = DEFAULT_THRESHOLDS

    @property
    def suggested_year(self) -> str | None:
        return suggest_year(self.periods, self.scale, self.thresholds)

    @property
    def suggested_final(self) -> str | None:
        return suggest_final(self.year, self.exam, self.has_exam, self.scale, self.thresholds)

    def given(self, kind: str) -> str:
        return getattr(self, kind)

    def suggested(self, kind: str) -> str | None:
        """What is suggested for a year or final mark not given yet (none for the exam)."""
        if kind == "exam" or self.given(kind):
            return None
        return self.suggested_year if kind == "year" else self.suggested_final

    @property
    def any_given(self) -> bool:
        return bool(self.year or self.exam or self.final)


def check_year_end_begun(last_period: str, start: dt.date | None, today: dt.date) -> None:
    """Year, exam and final marks are given at the year's end: once the class's last period
    has begun (000 app. 2, 2.6: attestation marks go in during the last week of a period,
    and the year's attestation closes its last one)."""
    if start is None:
        raise RuleError("Для класса не заданы учебные периоды: годовые и итоговые отметки "
                        "ставить не к чему.")
    if start > today:
        raise RuleError(f"Годовые, экзаменационные и итоговые отметки ставятся с начала "
                        f"последнего периода года («{last_period}», с {start:%d.%m.%Y}).")


def check_exam_planned(has_exam: bool, subject: str, class_name: str) -> None:
    """An exam mark only where the curriculum (the teaching assignment) has the exam."""
    if not has_exam:
        raise RuleError(f"По предмету «{subject}» в {class_name} классе экзамен учебным "
                        "планом не предусмотрен: экзаменационная отметка не ставится. "
                        "Экзамен отмечает заместитель директора в нагрузке (поле "
                        "«Экзамен»).")
