"""«Итоги успеваемости» (issue 17, report 3; 003 4.3, 8.2): how many pupils of each class,
parallel and the school finished a period (or the year) with all «5», with «4» and «5»,
with one «3», failing, not assessed; % успеваемости and % качества, beside the previous
period's."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import groupby

from .. import rules
from ..classes import SchoolClass
from ..final_marks import EXEMPT
from ..people import Staff
from ..record import ClassRecord
from ..school import Period
from . import Chart, Choice, Column, Report, Row, Table, report
from .choosing import allows_subject, chosen_classes, chosen_period, class_period, share, year_span

# A pupil's standing, in the table's order; every pupil has exactly one.
STANDINGS = ("excellent", "good", "one_three", "threes", "failing", "unassessed")
TITLES = ("Отличники (все «5»)", "Хорошисты («4» и «5»)", "С одной «3»",
          "С «3» (две и более)", "Неуспевающие («2», «НЗ»)", "Не аттестованы")
FAILING = frozenset({"1", "2", "НЗ"})
UNASSESSED = "Н/А"


def standing(marks: list[str]) -> str:
    """A pupil's standing from their marks in their subjects ("" where none is given): a
    «2», «1» or «НЗ» fails (whatever else); else «Н/А» or a missing mark leaves them not
    assessed (so is a pupil with no mark at all: exempt everywhere); else the five-point
    marks decide («ЗЧ» counts in nothing; «ОСВ» is left out before)."""
    if any(m in FAILING for m in marks):
        return "failing"
    if not marks or any(m == UNASSESSED or not m for m in marks):
        return "unassessed"
    graded = Counter(m for m in marks if m in rules.NUMERIC_MARKS)
    threes = graded["3"]
    if threes > 1:
        return "threes"
    if threes == 1:
        return "one_three"
    return "good" if graded["4"] else "excellent"


@dataclass
class Tally:
    """The standings of a group of pupils."""

    name: str
    counts: Counter = field(default_factory=Counter)
    pupils: int = 0

    def add(self, other: Tally) -> None:
        self.counts.update(other.counts)
        self.pupils += other.pupils

    @property
    def passing(self) -> float | None:
        """% успеваемости: (pupils − failing − not assessed) / pupils."""
        return share(self.pupils - self.counts["failing"] - self.counts["unassessed"],
                     self.pupils)

    @property
    def quality(self) -> float | None:
        """% качества: (отличники + хорошисты) / pupils."""
        return share(self.counts["excellent"] + self.counts["good"], self.pupils)


def tally(user: Staff, choice: Choice, school_class: SchoolClass,
          period: Period | None, cache: dict) -> Tally:
    """The class's pupils on the period's (the year's) last day, each by their period
    (year) marks in the subjects of the class's curriculum they belong to that day."""
    start, end = (period.start, period.end) if period else year_span(school_class)
    record = ClassRecord(school_class, start, end)
    found = Tally(school_class.name)
    journals = [(a.subject_id, a.subgroup_id) for a in school_class.assignments
                if allows_subject(user, school_class.id, a.subject_id, choice, cache)]
    kind, period_id = ("period", period.id) if period else ("year", None)
    for sid, member in record.members.items():
        if member.class_on(end) != school_class.id:
            continue
        subjects = {subject for subject, group in journals
                    if member.belongs(school_class.id, group, end)}
        if not subjects:  # a subject teacher's subjects only, and none of them
            continue
        given = record.pupil_period_marks(sid)
        marks = [given.get((subject, period_id, kind), "") for subject in subjects]
        marks = [m for m in marks if m != EXEMPT]
        found.counts[standing(marks)] += 1
        found.pupils += 1
    return found


def previous(school_class: SchoolClass, period: Period | None) -> Period | None:
    if period is None:
        return None
    return next((p for p in school_class.periods() if p.number == period.number - 1), None)


def total(name: str, tallies: list[Tally | None]) -> Tally | None:
    """The sum of the tallies given (None where none is)."""
    given = [t for t in tallies if t is not None]
    if not given:
        return None
    found = Tally(name)
    for t in given:
        found.add(t)
    return found


def figures(t: Tally) -> list:
    return [t.name, t.pupils, *(t.counts[s] for s in STANDINGS), t.passing, t.quality]


def row(now: Tally, before: Tally | None, level: int = 0) -> Row:
    was = [before.passing, before.quality] if before else [None, None]
    change = [None if a is None or b is None else round(a - b, 3)
              for a, b in zip((now.passing, now.quality), was)]
    return Row([*figures(now), *was, *change], level=level)


NOTES = [
    "% успеваемости = (число учащихся − неуспевающие − не аттестованные) ÷ число учащихся "
    "× 100 %; % качества = (отличники + хорошисты) ÷ число учащихся × 100 %. Положение "
    "о ведении электронного журнала (003, п. 8.2) требует формировать отчёты по "
    "успеваемости и качеству обучения по окончании каждой четверти, полугодия и года, "
    "но формул не приводит: здесь приняты общепринятые. Проценты округлены до десятых "
    "(половина — вверх).",
    "Учащиеся — те, кто состоит в классе в последний день периода (года); выбывший до него "
    "не считается. Считаются отметки за период (за год — годовые) по предметам учебного "
    "плана класса, а по предметам, изучаемым в группах, — если ученик в этот день в "
    "группе.",
    "Отличник — все отметки «5»; хорошист — только «4» и «5», хотя бы одна «4»; «с одной "
    "«3»» — ровно одна «3», остальные «4» и «5». Неуспевающий — хотя бы одна «2» или «НЗ» "
    "(даже если по другому предмету он не аттестован). Не аттестован — «Н/А» или нет "
    "отметки по какому-либо предмету. Каждый ученик — ровно в одной графе.",
    "Зачётные предметы («ЗЧ»/«НЗ») на качество не влияют: «ЗЧ» не мешает быть отличником "
    "или хорошистом, «НЗ» делает неуспевающим. «ОСВ» (освобождён) не считается ни "
    "отметкой, ни её отсутствием.",
    "Параллель и школа — суммы по показанным классам. Сравнение — с предыдущим периодом "
    "того же года: его показатели — во второй таблице, здесь — его проценты и изменение "
    "в процентных пунктах; для года и первого периода сравнения нет.",
    "1-е классы не оцениваются отметками (безотметочное обучение) и в отчёт не входят. "
    "Учителю-предметнику отчёт считается только по его предметам в классе.",
]


@report("results", "Итоги успеваемости", ("class", "period"),
        "Отличники, хорошисты, неуспевающие, % успеваемости и % качества по классам, "
        "параллелям и школе, в сравнении с предыдущим периодом.",
        period_marks=True)
def build(user: Staff, choice: Choice) -> Report:
    chosen = chosen_period(choice)
    cache: dict = {}
    found, running = [], []  # (class, now, before); classes whose own period runs on
    for school_class in chosen_classes(user, choice, min_grade=2):
        period = class_period(school_class, chosen)
        if chosen is not None and period is None:
            continue
        if chosen is not None and period.end > chosen.end:
            running.append(school_class.name)  # a half-year still running after a quarter
            continue
        earlier = previous(school_class, period)
        found.append((school_class, tally(user, choice, school_class, period, cache),
                      earlier and tally(user, choice, school_class, earlier, cache)))
    lines = []  # (now, before, level)
    for grade, group in groupby(found, key=lambda item: item[0].grade):
        group = list(group)
        lines += [(now, before, 0) for _, now, before in group]
        name = f"{grade}-е классы"
        lines.append((total(name, [n for _, n, _ in group]),
                      total(name, [b for _, _, b in group]), 1))
    if found:
        lines.append((total("Школа", [n for _, n, _ in found]),
                      total("Школа", [b for _, _, b in found]), 1))
    figure_columns = [Column("Класс"), Column("Учащихся", "int"),
                      *(Column(t, "int") for t in TITLES),
                      Column("% успеваемости", "percent"), Column("% качества", "percent")]
    columns = [*figure_columns,
               Column("% успеваемости (пред. период)", "percent"),
               Column("% качества (пред. период)", "percent"),
               Column("Изменение успеваемости", "percent"),
               Column("Изменение качества", "percent")]
    tables = [Table("Итоги успеваемости", columns,
                    [row(now, before, level) for now, before, level in lines])]
    earlier = [Row(figures(before), level=level) for _, before, level in lines if before]
    if earlier:
        tables.append(Table("Предыдущий период", figure_columns, earlier))
    bars = [(c.name, None if now.quality is None else round(now.quality * 100, 1))
            for c, now, _ in found]
    span = str(chosen) if chosen else "год"
    notes = list(NOTES) + ([
        f"Не показаны классы, чей учебный период ещё не закончился к концу периода «{chosen}» "
        f"(учатся по другой схеме, например по полугодиям): {', '.join(running)}."]
        if running else [])
    return Report(
        "results", "Итоги успеваемости",
        f"{_classes_label(choice)}, {span} {choice.year.name}",
        tables, notes,
        [Chart("% качества по классам", [n for n, _ in bars],
               [("% качества", [q for _, q in bars])], "bar", "%")] if bars else [],
        landscape=True)


def _classes_label(choice: Choice) -> str:
    if choice.class_id is None:
        return "все классы"
    found = SchoolClass.get_or_none(SchoolClass.id == choice.class_id)
    return found.name if found else "класс"
