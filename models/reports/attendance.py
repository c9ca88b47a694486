"""«Сводная ведомость посещаемости» and «Отчёт о посещаемости класса (по месяцам)»
(issue 17, report 2): lessons missed by reason, per pupil and subject (or month), per
class and month, and attendance by week.

Both are named, without a form, in the deputy's and the class teacher's duties of
/work/shared/reference/003_e807e680aaba4a88.txt, 4.3 («Отчет о посещаемости класса (по
месяцам)», «Сводная ведомость учета посещаемости») and 4.5 (the same two, formed by the
class teacher); 001_f176b7760b530690.txt names the summary among the reports printed at a
period's end. The columns follow the journal's codes (models.rules.ATTENDANCE_CODES).
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .. import access
from ..classes import SchoolClass
from ..people import Staff
from ..record import ClassRecord, LessonRow
from . import Chart, Choice, Column, Report, Row, Table, report
from .choosing import chosen_classes, chosen_period, share

MISSED = ("Н", "Б", "У")  # a lesson missed, by reason
LATE = "ОП"  # late: present, so counted apart and not as a missed lesson
VOWELS = set("аеёиоуыэюя")
LONG_WORD = re.compile(r"[А-ЯЁа-яё]{7,}")
MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август",
          "сентябрь", "октябрь", "ноябрь", "декабрь")


def span(choice: Choice) -> tuple[dt.date, dt.date, str]:
    """The dates the choice covers and their name: a range (the form may send its default
    period beside it: the dates typed win), a period, or the whole year."""
    year = choice.year
    if choice.start or choice.end:
        start, end = choice.start or year.start, choice.end or year.end
        return start, end, f"с {start:%d.%m.%Y} по {end:%d.%m.%Y}"
    if choice.period_id is not None:
        period = chosen_period(choice)
        access.require(period is not None, "Такого учебного периода в этом году нет.")
        return period.start, period.end, f"{period}, {year.name}"
    return year.start, year.end, f"{year.name} учебный год"


def abbreviated(name: str) -> str:
    """A subject's name short enough for a column of the wide table, as a journal writes it
    when the school gave no short name: each long word cut before a vowel after its third
    letter («Иностранный язык (английский)» → «Иностр. язык (англ.)», «Геометрия» →
    «Геом.», «Алгебра» → «Алг.»)."""
    def cut(match: re.Match) -> str:
        word = match.group(0)
        end = 3
        while end < len(word) and word[end].lower() not in VOWELS:
            end += 1
        return word[:end] + "." if end < len(word) - 1 else word
    return LONG_WORD.sub(cut, name)


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def month_name(key: tuple[int, int]) -> str:
    year, month = key
    return f"{MONTHS[month - 1].capitalize()} {year}"


@dataclass
class Tally:
    """Lessons a pupil (or a class) was due to attend, and the codes given at them."""

    due: int = 0
    codes: Counter = field(default_factory=Counter)

    def add(self, other: Tally) -> None:
        self.due += other.due
        self.codes.update(other.codes)

    @property
    def missed(self) -> int:
        return sum(self.codes[c] for c in MISSED)

    def share(self) -> float | None:
        return share(self.missed, self.due)

    def attended(self) -> float | None:
        return share(self.due - self.missed, self.due)

    def cells(self) -> list:
        """Due, Н, Б, У, missed, share missed, ОП."""
        return [self.due, *(self.codes[c] for c in MISSED), self.missed, self.share(),
                self.codes[LATE]]


TALLY_COLUMNS = [Column("Уроков", "int"), *(Column(c, "int") for c in MISSED),
                 Column("Пропущено", "int"), Column("Доля пропусков", "percent"),
                 Column("ОП", "int")]


class ClassAttendance:
    """One class's figures: per pupil a tally per column key (subject or month), per
    month and per week; only the lessons of the subjects the user may see.

    The lessons due are counted once per membership (pupils with the same movements and
    subgroup windows are due the same lessons); each pupil then adds only their codes."""

    def __init__(self, school_class: SchoolClass, start: dt.date, end: dt.date,
                 subject_id: int | None, subjects: set[int] | None, by_month: bool):
        self.school_class, self.by_month = school_class, by_month
        record = ClassRecord(school_class, start, end, subject_id=subject_id)
        own = {x.id: x for x in record.class_lessons()
               if subjects is None or x.subject_id in subjects}
        self.columns = self._columns(list(own.values()))
        self.pupils: dict[int, dict] = {}  # student id -> {key: Tally}
        self.names: dict[int, str] = {}
        self.months: dict[tuple[int, int], Tally] = defaultdict(Tally)
        self.month_pupils: dict[tuple[int, int], set[int]] = defaultdict(set)
        self.weeks: dict[dt.date, Tally] = defaultdict(Tally)
        self.slots: dict[tuple[dt.date, int | None], list[LessonRow]] = defaultdict(list)
        for lesson in own.values():
            self.slots[lesson.date, lesson.subgroup_id].append(lesson)
        codes: dict[int, list[tuple[LessonRow, str]]] = defaultdict(list)
        for (lesson_id, sid), code in record.attendance().items():
            if lesson_id in own:
                codes[sid].append((own[lesson_id], code))
        dues: dict[tuple, dict[str, Counter]] = {}
        for sid, member in record.members.items():
            if member.belongs_between(school_class.id, None, start, end):
                self.names[sid] = member.student.full_name
                same = (tuple(member.moves),
                        tuple(sorted((g, tuple(w)) for g, w in member.groups.items())))
                if same not in dues:
                    dues[same] = self._due(member)
                self.pupils[sid] = self._pupil(sid, member, dues[same], codes[sid])

    def _columns(self, lessons: list[LessonRow]) -> list[tuple[object, str, str]]:
        """(key, the column's title, the full name): months, or the subjects taught."""
        if self.by_month:
            keys = sorted({(x.date.year, x.date.month) for x in lessons})
            return [(k, month_name(k), month_name(k)) for k in keys]
        subjects = sorted({(x.subject_order, x.subject_name, x.subject_id,
                            x.subject_short or abbreviated(x.subject_name)) for x in lessons})
        return [(s[2], s[3], s[1]) for s in subjects]

    def _key(self, lesson: LessonRow):
        return (lesson.date.year, lesson.date.month) if self.by_month else lesson.subject_id

    def _due(self, member) -> dict[str, Counter]:
        """The lessons due to a pupil of this membership (rule 8: in the class, and the
        group, that day), counted by column key, month and week."""
        due = {"key": Counter(), "month": Counter(), "week": Counter()}
        for (day, group), lessons in self.slots.items():
            if member.belongs(self.school_class.id, group, day):
                due["month"][day.year, day.month] += len(lessons)
                due["week"][monday(day)] += len(lessons)
                due["key"].update(self._key(x) for x in lessons)
        return due

    def _pupil(self, sid, member, due, codes) -> dict:
        tallies = {key: Tally(n) for key, n in due["key"].items()}
        for month, n in due["month"].items():
            self.months[month].due += n
            self.month_pupils[month].add(sid)
        for week, n in due["week"].items():
            self.weeks[week].due += n
        for lesson, code in codes:
            day = lesson.date
            if member.belongs(self.school_class.id, lesson.subgroup_id, day):
                for tally in (tallies.setdefault(self._key(lesson), Tally()),
                              self.months[day.year, day.month], self.weeks[monday(day)]):
                    tally.codes[code] += 1
        return tallies

    def total(self, sid: int) -> Tally:
        whole = Tally()
        for tally in self.pupils[sid].values():
            whole.add(tally)
        return whole


def summary_table(figures: ClassAttendance) -> Table:
    """Pupils × subjects (or months): lessons missed in each, then the pupil's totals by
    reason; the class's total row last."""
    c = figures.school_class
    columns = [Column("Ученик"), *(Column(short, "int") for _, short, _ in figures.columns),
               *TALLY_COLUMNS]
    rows, per_key, whole = [], defaultdict(Tally), Tally()
    for sid, tallies in figures.pupils.items():
        total = figures.total(sid)
        whole.add(total)
        for key, tally in tallies.items():
            per_key[key].add(tally)
        rows.append(Row([figures.names[sid],
                         *(tallies[k].missed if k in tallies else 0 for k, *_ in figures.columns),
                         *total.cells()]))
    rows.append(Row([f"Итого по {c.name} классу",
                     *(per_key[k].missed for k, *_ in figures.columns), *whole.cells()],
                    level=1))
    return Table(f"Посещаемость {c.name}", columns, rows)


def detail_table(figures: ClassAttendance) -> Table:
    """One class's pupils × subjects, each with every reason: the summary's cells opened."""
    rows = []
    for sid, tallies in figures.pupils.items():
        for key, _, title in figures.columns:
            rows.append(Row([figures.names[sid], title, *tallies.get(key, Tally()).cells()]))
    return Table(f"По предметам {figures.school_class.name}",
                 [Column("Ученик"), Column("Месяц" if figures.by_month else "Предмет"),
                  *TALLY_COLUMNS], rows)


def monthly_table(all_figures: list[ClassAttendance]) -> Table:
    """003 4.3's «Отчёт о посещаемости класса (по месяцам)»: per class and month the
    pupil-lessons due, missed by reason, lateness and the % of attendance."""
    columns = [Column("Класс"), Column("Месяц"), Column("Учеников", "int"),
               Column("Уроков", "int"), *(Column(c, "int") for c in MISSED),
               Column("Пропущено", "int"), Column("ОП", "int"),
               Column("Посещаемость", "percent")]

    def line(name, month, pupils, t: Tally, level=0):
        return Row([name, month, pupils, t.due, *(t.codes[c] for c in MISSED), t.missed,
                    t.codes[LATE], t.attended()], level=level)

    rows, school = [], Tally()
    for figures in all_figures:
        whole = Tally()
        name = figures.school_class.name
        for month in sorted(figures.months):
            tally = figures.months[month]
            whole.add(tally)
            rows.append(line(name, month_name(month), len(figures.month_pupils[month]), tally))
        school.add(whole)
        rows.append(line(name, "за весь срок", len(figures.pupils), whole, 1))
    if len(all_figures) > 1:
        rows.append(line("Школа", "за весь срок", sum(len(f.pupils) for f in all_figures),
                         school, 1))
    return Table("Посещаемость по месяцам", columns, rows)


def week_chart(all_figures: list[ClassAttendance], label: str) -> Chart:
    """Attendance % by week: the chosen class's, or every class in the scope together."""
    weeks: dict[dt.date, Tally] = defaultdict(Tally)
    for figures in all_figures:
        for monday, tally in figures.weeks.items():
            weeks[monday].add(tally)
    mondays = sorted(weeks)
    values = [weeks[m].attended() for m in mondays]
    values = [None if v is None else round(v * 100, 1) for v in values]
    return Chart("Посещаемость по неделям", [f"{m:%d.%m}" for m in mondays],
                 [(label, values)], kind="line", unit="%")


@report("attendance", "Сводная ведомость посещаемости", ("class", "period", "range", "subject"),
        "Пропуски уроков по причинам (Н, Б, У) и опоздания (ОП) по ученикам и предметам или "
        "месяцам, отчёт о посещаемости класса по месяцам, посещаемость по неделям.")
def attendance(user: Staff, choice: Choice) -> Report:
    """Report 2 of issue 17 for the classes (and, for a subject teacher, subjects) the user
    reads; the whole year is shown by month, a period or range by subject."""
    start, end, when = span(choice)
    by_month = not (choice.period_id or choice.start or choice.end)
    classes = chosen_classes(user, choice)
    all_figures = [ClassAttendance(c, start, end, choice.subject_id,
                                   access.report_subject_ids(user, c.id), by_month)
                   for c in classes]
    tables = [summary_table(f) for f in all_figures]
    if len(all_figures) == 1:
        tables.append(detail_table(all_figures[0]))
    tables.append(monthly_table(all_figures))
    label = classes[0].name if choice.class_id is not None and classes else "Все классы"
    return Report("attendance", "Сводная ведомость посещаемости",
                  f"{label}, {when}", tables, notes=NOTES,
                  charts=[week_chart(all_figures, label)], landscape=True)


NOTES = [
    "Уроков — уроки класса (или подгруппы ученика), проведённые, пока ученик был в классе "
    "и подгруппе (книга движения учащихся, списки подгрупп).",
    "Пропущено = Н + Б + У; доля пропусков = пропущено / уроков.",
    "Н — отсутствовал, Б — болел, У — по уважительной причине; ОП — опоздал: ученик был на "
    "уроке, опоздания считаются отдельно и в пропуски не входят.",
    "Посещаемость = (уроков − пропущено) / уроков (ученико-уроков класса за месяц).",
    "Доли округлены до десятой доли процента, половина — вверх.",
    "Учебный год целиком показан по месяцам, учебный период или даты — по предметам "
    "(в столбцах — краткие названия предметов; полные — на листе «По предметам» класса).",
]
