"""Loading the start of the year from spreadsheets (issue 19.1; 000 §6 expects the initial
data loaded, not typed): pupils with guardians, staff, assignments, the timetable, a
teacher's КТП.

One way for every kind, shared by the panel's «Загрузка данных» and `journal import`:

- `read_table(data, filename)` reads XLSX, ODS or CSV (`;` or `,`, UTF-8 or Windows-1251
  as Excel in Russian saves it) into rows of text, the header first;
- a kind (a module here declaring `KIND = Kind(...)`) names its columns (`Field`: the
  Russian header of its template, an example, what is expected) and a function
  `apply(batch)` that walks `batch.rows`, writes each good row through the models (so
  every change is audited) and reports each bad one with `batch.bad(...)`;
- `run(kind, user, data, filename, commit=...)` runs it in one write transaction: the
  preview runs exactly the import and rolls it back, so what the preview says is what
  the import does; an import with any bad row writes nothing (all or nothing) and its
  `Result` lists every bad row — row number as the spreadsheet shows it, column, what is
  wrong, what was expected.
"""
from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ..auditing import acting_as, stating
from ..base import RuleError, db, write_transaction
from ..cli_types import DATE_HINT, read_date
from ..texts import quoted

CREATE, UPDATE, SKIP = "create", "update", "skip"
ACTIONS = {CREATE: "будет создано", UPDATE: "будет обновлено", SKIP: "без изменений"}
DONE = {CREATE: "создано", UPDATE: "обновлено", SKIP: "без изменений"}
FORMATS = {"xlsx": "XLSX", "ods": "ODS", "csv": "CSV"}
# The header row is looked for among the file's first rows (a title may stand above it).
HEADER_SEARCH = 10
MAX_ROWS = 20_000


class Rollback(Exception):
    """Raised inside the transaction to undo a preview or a batch with bad rows."""


@dataclass(frozen=True)
class Field:
    """A column of a kind's template: the header (matched ignoring case, spaces and «ё»),
    whether it must be filled, an example value for the template and what is expected."""

    key: str
    header: str
    required: bool = False
    example: str = ""
    expected: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Problem:
    """A bad row: its number as the spreadsheet shows it (titles and the header counted), the
    column's header ('' for the row as a whole), what is wrong and what was expected."""

    row: int
    column: str
    message: str
    expected: str = ""

    def __str__(self) -> str:
        where = f"строка {self.row}" + (f", столбец «{self.column}»" if self.column else "")
        # A model's refusal ends with its own full stop: one is enough.
        tail = f" Ожидалось: {self.expected.rstrip('.')}." if self.expected else ""
        return f"{where}: {self.message.rstrip('.')}.{tail}"


@dataclass(frozen=True)
class Outcome:
    """What a good row does: create, update or skip (nothing to change), in words."""

    row: int
    action: str
    summary: str


@dataclass
class Row:
    """A data row: its number in the file and its cells by field key (text, stripped)."""

    number: int
    values: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.values.get(key, "")


@dataclass
class Batch:
    """What a kind's `apply` works through: the rows, who imports (a Staff; None at the
    command line), the school's today; it records each row's outcome or problems."""

    kind: Kind
    user: object
    today: dt.date
    rows: list[Row]
    outcomes: list[Outcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # New staff accounts' generated passwords (login, name, password): shown once in the
    # import's result, never logged, never kept.
    issued: list[tuple[str, str, str]] = field(default_factory=list)
    # Called with (rows handled, rows in all) as rows are handled (the CLI's progress).
    progress: Callable[[int, int], None] | None = None
    handled: int = 0

    def header(self, key: str) -> str:
        return self.kind.field(key).header

    def bad(self, row: Row | int, key: str, message: str, expected: str = "") -> None:
        """Report a problem in the row's column `key` ('' for the whole row)."""
        number = row if isinstance(row, int) else row.number
        column = self.header(key) if key else ""
        if not expected and key:
            expected = self.kind.field(key).expected
        self.problems.append(Problem(number, column, message, expected))

    def done(self, row: Row, action: str, summary: str) -> None:
        self.outcomes.append(Outcome(row.number, action, summary))

    @contextlib.contextmanager
    def row(self, row: Row) -> Iterator[None]:
        """Write one row in a savepoint: a model's RuleError becomes the row's problem and
        undoes only that row's writes, so the rest of the file is still checked."""
        try:
            with db.atomic():
                yield
        except RuleError as exc:
            self.problems.append(Problem(row.number, "", exc.message))
        self.handled += 1
        if self.progress is not None:
            self.progress(self.handled, len(self.rows))

    def text(self, row: Row, key: str) -> str:
        """The cell's text; a required empty one is reported (and '' returned)."""
        value = row[key]
        if not value and self.kind.field(key).required:
            self.bad(row, key, "не заполнено")
        return value

    def date(self, row: Row, key: str) -> dt.date | None:
        """The cell as a date (ДД.ММ.ГГГГ, ГГГГ-ММ-ДД, or a spreadsheet date); None when
        empty or unreadable (reported)."""
        value = self.text(row, key)
        if not value:
            return None
        try:
            return read_date(value)
        except ValueError:
            self.bad(row, key, f"{quoted(value)} — не дата", self.kind.field(key).expected
                     or DATE_HINT)
            return None

    def number(self, row: Row, key: str, kind: type = int) -> int | float | None:
        """The cell as a number («1,5» too); None when empty or unreadable (reported)."""
        value = self.text(row, key)
        if not value:
            return None
        try:
            return kind(value.replace(",", ".").replace(" ", ""))
        except ValueError:
            self.bad(row, key, f"{quoted(value)} — не число")
            return None

    def choice(self, row: Row, key: str, choices: dict[str, object]) -> object | None:
        """The cell as one of `choices` (matched by `fold`); None when empty or unknown
        (reported, with the choices listed)."""
        value = self.text(row, key)
        if not value:
            return None
        folded = {fold(k): v for k, v in choices.items()}
        if fold(value) in folded:
            return folded[fold(value)]
        self.bad(row, key, f"{quoted(value)} — нет такого значения",
                 "одно из: " + ", ".join(f"«{k}»" for k in choices))
        return None


@dataclass
class Result:
    """What an import did (or, previewed, would do)."""

    kind: Kind
    committed: bool
    outcomes: list[Outcome]
    problems: list[Problem]
    ignored: list[str] = field(default_factory=list)  # columns not in the template
    issued: list[tuple[str, str, str]] = field(default_factory=list)  # committed only

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(o.action for o in self.outcomes)
        return {action: counted.get(action, 0) for action in (CREATE, UPDATE, SKIP)}

    def summary(self) -> str:
        """One Russian line: what was (or would be) created, updated, left as it was."""
        if self.problems:
            return (f"Ошибок в файле: {len(self.problems)} (строк: "
                    f"{len({p.row for p in self.problems})}). Ничего не записано.")
        words = DONE if self.committed else ACTIONS
        return "; ".join(f"{words[a]}: {n}" for a, n in self.counts.items()) + "."


@dataclass(frozen=True)
class Kind:
    """An import kind: its key (`journal import KEY`), title, columns, who may run it
    (`allowed(user)`) and the function that writes a batch."""

    key: str
    title: str
    fields: tuple[Field, ...]
    apply: Callable[[Batch], None]
    allowed: Callable[[object], bool]
    note: str = ""

    def field(self, key: str) -> Field:
        return next(f for f in self.fields if f.key == key)


def fold(text: object) -> str:
    """A header or a choice as matched: lower case, «ё» as «е», spaces collapsed."""
    return " ".join(str(text).lower().replace("ё", "е").split())


# --- reading files ------------------------------------------------------------------------

def _cell(value: object) -> str:
    """A spreadsheet cell as text: dates as ДД.ММ.ГГГГ, whole numbers without «.0»."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _decode(data: bytes) -> str:
    """CSV text: UTF-8 (with or without Excel's BOM), else Windows-1251."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1251")


def _read_csv(data: bytes) -> list[list[str]]:
    text = _decode(data)
    # Counted over the first lines, not the first alone: a title may stand above the table.
    head = "\n".join(text.splitlines()[:HEADER_SEARCH])
    delimiter = ";" if head.count(";") >= head.count(",") else ","
    return [[_cell(c) for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _read_workbook(data: bytes) -> list[list[str]]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        # Empty rows above the data kept, so a row's number is the one the sheet shows.
        sheet = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
        return [[_cell(c) for c in row] for row in sheet]
    except (CalamineError, ValueError, OSError) as exc:
        raise RuleError(f"Файл не читается как таблица: {exc}") from exc


def file_format(filename: str) -> str:
    """'xlsx', 'ods' or 'csv' by the file's name; anything else refused."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in FORMATS:
        raise RuleError(f"Файл «{filename}»: нужен файл XLSX, ODS или CSV.")
    return extension


def read_table(data: bytes, filename: str) -> list[list[str]]:
    """The first sheet (or the CSV) as rows of text, row i being the sheet's row i + 1
    (empty rows above kept), with trailing empty rows dropped."""
    rows = _read_csv(data) if file_format(filename) == "csv" else _read_workbook(data)
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        raise RuleError("Файл пуст: в нём должна быть строка заголовков столбцов, как в "
                        "шаблоне, и строки с данными под ней.")
    if len(rows) > MAX_ROWS:
        raise RuleError(f"В файле {len(rows)} строк; за один раз загружается не больше "
                        f"{MAX_ROWS}.")
    return rows


def header_index(kind: Kind, table: list[list[str]]) -> int:
    """Which row holds the column headers: the first of the first HEADER_SEARCH rows that
    names every required column (a regional system's list has a title above its table),
    else the first row that is not empty."""
    names = {fold(h): f for f in kind.fields for h in (f.header, *f.aliases)}
    required = {f for f in kind.fields if f.required}
    for i, cells in enumerate(table[:HEADER_SEARCH]):
        if required <= {names.get(fold(c)) for c in cells if c}:
            return i
    return next(i for i, cells in enumerate(table) if any(cells))


def data_rows(kind: Kind, table: list[list[str]]
              ) -> tuple[list[Row], list[Problem], list[str]]:
    """The rows under the header row by field key; the header's problems (a missing
    required column, a repeated one) reported against its row; the headers not in the
    template, ignored (a regional system's export has more columns). Empty rows are
    skipped; no data row at all is a problem."""
    names = {fold(h): f for f in kind.fields for h in (f.header, *f.aliases)}
    head = header_index(kind, table)
    header_row = head + 1
    columns: dict[int, Field] = {}
    problems = []
    ignored = []
    for i, header in enumerate(table[head]):
        if not header:
            continue
        found = names.get(fold(header))
        if found is None:
            ignored.append(header)
        elif found in columns.values():
            problems.append(Problem(header_row, header, "столбец повторяется"))
        else:
            columns[i] = found
    for missing in (f for f in kind.fields if f.required and f not in columns.values()):
        problems.append(Problem(header_row, missing.header, "нет обязательного столбца"))
    rows = []
    for number, cells in enumerate(table[head + 1:], start=header_row + 1):
        if any(cells):
            rows.append(Row(number, {f.key: cells[i] if i < len(cells) else ""
                                     for i, f in columns.items()}))
    examples = {f.key: fold(f.example) for f in columns.values()}
    problems += [Problem(row.number, "", "это строка-пример из шаблона, а не данные",
                         "удалите её из файла или впишите вместо неё свои данные")
                 for row in rows if {k: fold(v) for k, v in row.values.items()} == examples]
    if not rows and not problems:
        problems.append(Problem(header_row + 1, "", "в файле нет ни одной строки с данными"))
    return rows, problems, ignored


def template_rows(kind: Kind) -> list[list[str]]:
    """The kind's template: the headers and an example row."""
    return [[f.header for f in kind.fields], [f.example for f in kind.fields]]


# --- running ------------------------------------------------------------------------------

def run(kind: Kind, user, data: bytes, filename: str, today: dt.date, commit: bool,
        address: str = "", progress: Callable[[int, int], None] | None = None) -> Result:
    """Preview (`commit=False`) or import a file: all of it, or nothing when any row is
    bad. The changes are attributed to `user` (None: the operator at the command line, who
    holds the database itself) and logged with the file's name."""
    if user is not None and not kind.allowed(user):
        raise RuleError("Загрузка этих данных вам недоступна.")
    rows, problems, ignored = data_rows(kind, read_table(data, filename))
    batch = Batch(kind, user, today, rows, problems=problems, progress=progress)
    if not problems:
        try:
            actor = user.id if user is not None else None
            with acting_as(actor, address), stating(f"загрузка «{filename}»"), \
                    write_transaction():
                kind.apply(batch)
                if batch.problems or not commit:
                    raise Rollback
        except Rollback:
            pass
    batch.problems.sort(key=lambda p: (p.row, p.column))
    committed = commit and not batch.problems
    return Result(kind, committed, batch.outcomes, batch.problems, ignored,
                  batch.issued if committed else [])
