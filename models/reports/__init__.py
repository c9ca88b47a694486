"""Reports (issue 17): each a plain function of who asks and what they chose, returning a
`Report` (tables with typed columns, the formulas stated, charts) that the panel shows and
the PDF and XLSX writers write. No report reads the journal its own way: figures come
through models.record.ClassRecord, the one reading of the journal, and scope through
models.access.

A report module registers itself with `@report(...)`; `REPORTS` lists them in menu order.
"""
from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field

from ..people import Staff
from ..school import AcademicYear

# What a report's form may offer; `Spec.filters` says which of these it uses.
FILTERS = ("class", "period", "range", "subject")
# Column kinds: how the panel aligns, the PDF formats and the XLSX stores a value.
#   text    – a string (names, marks as given «5», «ЗЧ», «н/а»)
#   int     – a count
#   number  – a decimal such as an average, shown with 2 decimals
#   percent – a share 0..1, shown as «85,7 %», stored in XLSX as 0.857 with a % format
KINDS = ("text", "int", "number", "percent")


@dataclass(frozen=True)
class Choice:
    """What the user chose on the report's form. `class_id` None: every class the user may
    see; `period_id` None and no range: the whole year; `start`/`end` a date range."""

    year: AcademicYear
    today: dt.date
    class_id: int | None = None
    period_id: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    subject_id: int | None = None


@dataclass
class Column:
    title: str
    kind: str = "text"

    def __post_init__(self) -> None:
        assert self.kind in KINDS, self.kind


@dataclass
class Row:
    """A table row: values in column order (None: empty), an optional link (a journal
    page, for the panel) and a level (0 a line, 1 a subtotal or total, shown bold)."""

    cells: list
    link: str | None = None
    level: int = 0


@dataclass
class Table:
    title: str  # also the XLSX sheet's name (cut to 31 characters)
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)


@dataclass
class Chart:
    """A picture that reads better than the table: bars or lines over `labels`, one
    series per name; values None where there is nothing. Rendered server-side as SVG."""

    title: str
    labels: list[str]
    series: list[tuple[str, list[float | None]]]
    kind: str = "bar"  # "bar" or "line"
    unit: str = ""  # «%», «уроков»


@dataclass
class Report:
    key: str
    title: str
    scope: str  # what the figures cover: «5А, 2-я четверть 2026/2027»
    tables: list[Table]
    notes: list[str] = field(default_factory=list)  # formulas and rules, stated in words
    charts: list[Chart] = field(default_factory=list)
    landscape: bool = False
    signer: str = "Заместитель директора по учебно-воспитательной работе"


@dataclass(frozen=True)
class Spec:
    key: str
    title: str
    build: Callable[[Staff, Choice], Report]
    filters: tuple[str, ...]
    description: str = ""
    # Reads the marks given for periods: the form opens on the last period already ended
    # (the current one has none yet) and the first class that gets marks (not grade 1).
    period_marks: bool = False


REPORTS: dict[str, Spec] = {}
# The menu's order (issue 17's numbering); a report not named here comes last.
ORDER = ("progress", "attendance", "results", "movement", "occupancy", "accumulation",
         "control", "programme", "activity")


def report(key: str, title: str, filters: tuple[str, ...] = ("class", "period"),
           description: str = "", period_marks: bool = False):
    """Register a report builder `build(user, choice) -> Report` under `key`."""
    assert all(f in FILTERS for f in filters), filters

    def register(build: Callable[[Staff, Choice], Report]):
        REPORTS[key] = Spec(key, title, build, filters, description, period_marks)
        return build

    return register


def load() -> dict[str, Spec]:
    """Every report module of this package imported (each registers itself), in the
    menu's order."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    rank = {key: i for i, key in enumerate(ORDER)}
    return dict(sorted(REPORTS.items(), key=lambda item: (rank.get(item[0], len(ORDER)),
                                                          item[0])))
