"""A class's marks in every subject for one period (the all-subjects sheet of «Мой класс»),
and accepting the suggested period marks (rule 7) in one action (rule 4).

Read through the journal's one reader (models.record); period marks are written through
gradebook.set_period_mark, as the grid and «Мой класс» write one.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from . import rules
from .auditing import stating
from .base import RuleError, write_transaction
from .classes import SchoolClass
from .curriculum import Subject
from .final_marks import END_PLURAL, EndMarks, check_year_end_begun
from .gradebook import set_period_mark
from .people import Staff, Student
from .record import ClassRecord, CurriculumRow
from .school import Period, check_year_open
from .timetable import TeachingAssignment


@dataclass
class SheetCell:
    """A pupil's period in one subject: marks in lesson order, rule 7's average and the
    mark it suggests, and the period mark given ("" if none)."""

    marks: list[str] = field(default_factory=list)
    average: Fraction | None = None
    suggested: str | None = None
    given: str = ""


@dataclass
class PeriodSheet:
    """Pupils of the class on the period's last day (so far) by the subjects of its
    curriculum."""

    school_class: SchoolClass
    period: Period
    pupils: list[Student]
    subjects: list[Subject]
    cells: dict[tuple[int, int], SheetCell]

    @classmethod
    def read(cls, school_class: SchoolClass, period: Period, today: dt.date,
             thresholds: tuple[float, float, float]) -> PeriodSheet:
        """Read in a fixed number of queries, whatever the class's size."""
        pupils = list(school_class.students_on(min(period.end, today)))
        subjects = list(Subject.select().join(TeachingAssignment)
                        .where(TeachingAssignment.school_class == school_class)
                        .distinct().order_by(Subject.sort_order, Subject.name))
        record = ClassRecord(school_class, period.start, period.end,
                             pupils=[p.id for p in pupils])
        rows = record.all_rows
        sheet = cls(school_class, period, pupils, subjects, {})
        for pupil in pupils:
            seen = list(record.seen(pupil.id))
            marks: dict[int, list[str]] = defaultdict(list)
            for lesson in seen:
                marks[lesson.subject_id] += [m.value for m in rows.marks.get((lesson.id,
                                                                             pupil.id), ())]
            averages = record.averages(pupil.id, [(period.start, period.end)], seen=seen)
            for subject in subjects:
                average = averages.get((0, subject.id))
                sheet.cells[pupil.id, subject.id] = SheetCell(
                    marks[subject.id], average, rules.suggest_mark(average, thresholds),
                    record.period_mark(pupil.id, subject.id, period.id,
                                       class_id=school_class.id))
        return sheet

    def missing(self) -> dict[tuple[int, int], str]:
        """(pupil, subject) -> the suggested mark, where no period mark is given yet."""
        return {key: cell.suggested for key, cell in self.cells.items()
                if cell.suggested and not cell.given}


@dataclass
class YearSheet:
    """The year's end in «Мой класс» (issue 16.1): pupils of the class by the subjects of its
    curriculum, each cell a pupil's period marks of the year with the year, exam and final
    marks and their suggestions (models.final_marks)."""

    school_class: SchoolClass
    pupils: list[Student]
    subjects: list[CurriculumRow]
    cells: dict[tuple[int, int], EndMarks]
    closed: str = ""  # why the year's marks cannot be given yet, "" once they can

    @classmethod
    def read(cls, school_class: SchoolClass, today: dt.date,
             thresholds: tuple[float, float, float]) -> YearSheet:
        """Read in a fixed number of queries, whatever the class's size."""
        year = school_class.year
        periods = list(school_class.periods())
        last = periods[-1] if periods else None
        pupils = list(school_class.students_on(min(last.end if last else year.end, today)))
        record = ClassRecord(school_class, year.start, year.end, pupils=[p.id for p in pupils])
        subjects = list(record.curriculum.values())
        cells = {(p.id, s.id): record.end_marks(p.id, s.id, thresholds)
                 for p in pupils for s in subjects}
        try:
            check_year_end_begun(str(last) if last else "", last and last.start, today)
            closed = ""
        except RuleError as exc:
            closed = exc.message
        return cls(school_class, pupils, subjects, cells, closed)

    def subjects_of(self, kind: str) -> list[CurriculumRow]:
        """The subjects with a column of the kind: for exam marks those with an exam."""
        return [s for s in self.subjects if kind != "exam" or s.has_exam]

    def missing(self, kind: str) -> dict[tuple[int, int], str]:
        """(pupil, subject) -> the suggested year or final mark, where none is given yet."""
        return {key: marks.suggested(kind) for key, marks in self.cells.items()
                if marks.suggested(kind)}


@dataclass
class Accepted:
    """What accepting the suggestions did."""

    set: int = 0
    kept: int = 0  # given by someone since the page was drawn: never overwritten

    @property
    def summary(self) -> str:
        said = (f"Выставлено рекомендованных отметок: {self.set}." if self.set
                else "Новых отметок не выставлено.")
        if self.kept:
            said += f" Уже выставлены (не изменены): {self.kept}."
        return said


def accept_suggestions(user: Staff, school_class: SchoolClass, period: Period | None,
                       reviewed: dict[tuple[int, int], str], today: dt.date,
                       thresholds: tuple[float, float, float],
                       kind: str = "period") -> Accepted:
    """Rule 4: set the period marks (or, `kind` «year» or «final» and no period, the year's
    or final marks) the class teacher reviewed, each equal to its suggestion (rule 7), in
    one transaction. A mark given meanwhile is kept; a suggestion that changed since the
    review (a new mark) refuses the whole action, as does any refused write (rights, a
    locked period): nothing is then written."""
    check_year_open(school_class.year_id)
    done = Accepted()
    what = f"за {period.accusative}" if period else f"({END_PLURAL[kind].lower()})"
    with write_transaction(), stating(f"«Мой класс»: приняты рекомендованные отметки {what}"):
        now = suggestions(school_class, period, kind, today, thresholds)
        for (student_id, subject_id), value in reviewed.items():
            given, suggested = now.get((student_id, subject_id), ("", None))
            if given:
                done.kept += 1
                continue
            if suggested != value:
                raise RuleError("Рекомендуемые отметки изменились, пока страница была "
                                "открыта: ничего не выставлено — обновите страницу и "
                                "проверьте их снова.")
            set_period_mark(user, student_id, school_class, subject_id, period, value,
                            kind=kind)
            done.set += 1
    return done


def suggestions(school_class: SchoolClass, period: Period | None, kind: str, today: dt.date,
                thresholds: tuple[float, float, float],
                ) -> dict[tuple[int, int], tuple[str, str | None]]:
    """(pupil, subject) -> (the mark given, the mark suggested) of the kind, as the page
    shows them now."""
    if kind == "period":
        cells = PeriodSheet.read(school_class, period, today, thresholds).cells
        return {key: (cell.given, cell.suggested) for key, cell in cells.items()}
    sheet = YearSheet.read(school_class, today, thresholds)
    return {key: (marks.given(kind), marks.suggested(kind)) for key, marks in sheet.cells.items()}
