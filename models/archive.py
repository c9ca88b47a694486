"""The period archive (rule 11; 001 3.1, 6): each class's journal of a locked period saved
as `год_период_класс.pdf` in a private folder and registered with its SHA-256, page count,
a fingerprint of the journal rows it was made from and the audit chain's head, so that the
files can be verified at any time and a journal changed after archiving is seen.

The PDF itself is drawn by site_builder.printing (WeasyPrint has no place in models/): the
callers pass its renderer, `render(school_class, period) -> (pdf bytes, pages)`, and the
printouts' private temporary file writer, `stage(path, data) -> temporary path`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from peewee import CharField, ForeignKeyField, IntegerField, TextField

from . import disk
from .auditing import AuditedModel
from .base import RuleError, write_transaction
from .calendar import Reopening, SchoolCalendar
from .classes import SchoolClass
from .destination import is_published, published_dirs
from .journal import Attendance, Lesson, LessonWork, Mark, PeriodMark, TeacherComment
from .people import Staff
from .school import PERIOD_SCHEMES, AcademicYear, Period

Render = Callable[[SchoolClass, Period | None], tuple[bytes, int]]
# Writes the bytes to a private temporary file beside the path, returns the temporary's.
Stage = Callable[[Path, bytes], Path]

# A registry row's state, as the panel and `journal archive verify` name it.
FINE, STALE, CHANGED, MISSING = "в порядке", "устарел", "файл изменён", "файла нет"


class ArchiveFile(AuditedModel):
    """One archived PDF: a class's journal of a period (None: the year), one version."""

    file_name = CharField(max_length=200, unique=True)  # in archive_folder()
    school_class = ForeignKeyField(SchoolClass, backref="archive_files")
    period = ForeignKeyField(Period, null=True)  # None: the year's journal
    version = IntegerField(default=1)  # 2, 3…: made after the journal changed
    created_by = ForeignKeyField(Staff, null=True)  # None: the nightly run or the console
    sha256 = CharField(max_length=64)  # of the file's bytes
    pages = IntegerField()
    size = IntegerField()  # bytes
    fingerprint = CharField(max_length=64)  # of the journal rows: fingerprint()
    audit_chain_head = TextField(default="")  # audit_chain.head() then; "" without it

    class Meta:
        table_name = "archive_file"
        indexes = ((("school_class", "period", "version"), False),)

    def __str__(self) -> str:
        return self.file_name


# --- where the files live ------------------------------------------------------------

def archive_folder() -> Path:
    """The private archive folder, $JOURNAL_INSTANCE/archive; refused (RuleError) when it
    lies inside the published site or holds it: the journals carry every pupil's marks."""
    from .database import instance_path  # database imports the models' package

    folder = (instance_path() / "archive").expanduser().resolve()
    for site in published_dirs():
        if folder == site or site in folder.parents or folder in site.parents:
            raise RuleError(f"Папка архива {folder} совпадает с папкой сайта {site} или "
                            "вложена в неё (или наоборот): журналы с отметками учеников "
                            "увидел бы кто угодно. Архив не записан. Укажите в "
                            "JOURNAL_INSTANCE и JOURNAL_OUTPUT разные, не вложенные папки.")
    if any(is_published(d) for d in (folder, *folder.parents)):
        raise RuleError(f"Папка архива {folder} внутри опубликованного сайта. Архив не записан.")
    return folder


def file_name(school_class: SchoolClass, period: Period | None, version: int = 1) -> str:
    """`2026-2027_1-четверть_5А.pdf` (rule 11's год_период_класс), `…_5А_v2.pdf` later."""
    year = AcademicYear.get_by_id(school_class.year_id).name.replace("/", "-")
    when = f"{period.number}-{PERIOD_SCHEMES[period.scheme][0]}" if period else "год"
    suffix = f"_v{version}" if version > 1 else ""
    return f"{year}_{when}_{school_class.name}{suffix}.pdf".replace(" ", "-")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as src:
        for chunk in iter(lambda: src.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- what a file was made from -------------------------------------------------------

def _span(school_class: SchoolClass, period: Period | None) -> tuple[dt.date, dt.date]:
    if period is not None:
        return period.start, period.end
    year = AcademicYear.get_by_id(school_class.year_id)
    return year.start, year.end


def fingerprint(school_class: SchoolClass, period: Period | None) -> str:
    """SHA-256 of the journal rows of the class in the period: one ordered SQL read per
    table (lessons, their works, marks, attendance, comments, period marks; by id, every
    column but the timestamps), so any added, changed or deleted row changes it."""
    start, end = _span(school_class, period)
    lessons = (Lesson.select(Lesson.id).where((Lesson.school_class == school_class.id)
                                             & Lesson.date.between(start, end)))
    marks = PeriodMark.school_class == school_class.id
    if period is not None:
        marks &= PeriodMark.period == period.id
    reads = [Lesson.select().where(Lesson.id.in_(lessons)),
             *(model.select().where(model.lesson.in_(lessons))
               for model in (LessonWork, Mark, Attendance, TeacherComment)),
             PeriodMark.select().where(marks)]
    digest = hashlib.sha256()
    for query in reads:
        model = query.model
        fields = [f for f in model._meta.sorted_fields if f.name not in ("created_at",
                                                                          "updated_at")]
        digest.update(model._meta.table_name.encode())
        for row in query.select(*fields).order_by(model.id).tuples():
            digest.update(repr(row).encode())
    return digest.hexdigest()


def audit_chain_head() -> str:
    """The audit log's hash chain head, or "" while models.audit_chain is not there."""
    try:
        from . import audit_chain
    except ImportError:
        return ""
    return audit_chain.head()


def audit_chain_breaks(heads: set[str]) -> list[str]:
    """What the audit chain's verification finds wrong, and the recorded `heads` (chain
    values at archiving time) no longer in the log: entries deleted from its end leave a
    whole but shorter chain (nothing without models.audit_chain)."""
    try:
        from . import audit_chain
    except ImportError:
        return []
    from .audit import AuditEntry

    problems = list(audit_chain.verify())
    heads = {h for h in heads if h}
    kept = {c for (c,) in AuditEntry.select(AuditEntry.chain)
            .where(AuditEntry.chain.in_(list(heads))).tuples()} if heads else set()
    problems += [f"запись с хешем {h[:16]}…, последняя при архивации, удалена из журнала"
                 for h in sorted(heads - kept)]
    return problems


# --- when a period may be archived ---------------------------------------------------

def period_locked(school_class: SchoolClass, period: Period, today: dt.date) -> bool:
    """Rule 15: the class's journal of the period is locked today (calendar.locks_on has
    passed) and no journal of it is reopened."""
    if today <= period.end or today < SchoolCalendar.of(school_class.year_id).locks_on(period):
        return False
    return not Reopening.select().where(
        (Reopening.school_class == school_class.id) & (Reopening.period == period.id)
        & (Reopening.until >= today)).exists()


def classes_of(period: Period, only: SchoolClass | None = None) -> list[SchoolClass]:
    """The classes whose journal runs by the period's scheme, in the school's order."""
    query = SchoolClass.select().where((SchoolClass.year == period.year_id)
                                       & (SchoolClass.period_scheme == period.scheme))
    if only is not None:
        query = query.where(SchoolClass.id == only.id)
    return list(query.order_by(SchoolClass.grade, SchoolClass.letter))


def find_year(name: str) -> AcademicYear:
    year = AcademicYear.get_or_none(AcademicYear.name == name.strip())
    if year is None:
        raise RuleError(f"Учебный год {name} не найден.")
    return year


def find_period(year: AcademicYear, name: str) -> Period:
    """The year's period named as the panel shows it («1-я четверть»)."""
    wanted = " ".join(name.split()).lower()
    for period in Period.select().where(Period.year == year.id).order_by(Period.scheme,
                                                                          Period.number):
        if str(period).lower() == wanted:
            return period
    names = ", ".join(sorted({str(p) for p in Period.select().where(Period.year == year.id)}))
    raise RuleError(f"Периода «{name}» нет в учебном году {year.name}. Есть: {names or 'нет'}.")


# --- archiving -----------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """What archiving did for one class: "written" (entry: the new row), "unchanged"
    (entry: the current one) or "open" (the journal is not locked: nothing written)."""

    school_class: SchoolClass
    status: str
    entry: ArchiveFile | None = None

    def line(self) -> str:
        if self.status == "written":
            return (f"{self.school_class.name}: записан {self.entry.file_name} "
                    f"({self.entry.pages} стр.)")
        if self.status == "unchanged":
            return f"{self.school_class.name}: без изменений ({self.entry.file_name})"
        return f"{self.school_class.name}: журнал за период ещё не закрыт — не архивирован"


def latest(school_class: SchoolClass, period: Period | None) -> ArchiveFile | None:
    return (ArchiveFile.select().where((ArchiveFile.school_class == school_class.id)
                                       & (ArchiveFile.period == (period and period.id)))
            .order_by(ArchiveFile.version.desc()).first())


def archive_class(school_class: SchoolClass, period: Period, render: Render, stage: Stage,
                  by: Staff | None, today: dt.date) -> Outcome:
    """Archive one class's locked journal of the period: nothing when the last version was
    made from the same rows; else the next version, registered and renamed into place."""
    if not period_locked(school_class, period, today):
        return Outcome(school_class, "open")
    folder = archive_folder()
    print_ = fingerprint(school_class, period)
    last = latest(school_class, period)
    if last is not None and last.fingerprint == print_:
        return Outcome(school_class, "unchanged", last)
    version = last.version + 1 if last else 1
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    data, pages = render(school_class, period)
    target = folder / file_name(school_class, period, version)
    with disk.refused_when_full("Архив не записан", "Прежние файлы архива не изменены",
                                target):
        pending = stage(target, data)
    try:
        # Registered first, then renamed into place, in one transaction: a second run at
        # the same time fails on the file name's unique key before touching the file.
        with write_transaction():
            entry = ArchiveFile.create(
                file_name=target.name, school_class=school_class, period=period,
                version=version, created_by=by and by.id,
                sha256=hashlib.sha256(data).hexdigest(), pages=pages, size=len(data),
                fingerprint=print_, audit_chain_head=audit_chain_head())
            os.replace(pending, target)
    finally:
        pending.unlink(missing_ok=True)
    return Outcome(school_class, "written", entry)


def archivable(period: Period, today: dt.date, only: SchoolClass | None = None
               ) -> list[SchoolClass]:
    """The classes of the period (or the one) to archive; refused when there is none or no
    class's journal of the period is locked yet."""
    classes = classes_of(period, only)
    if not classes:
        raise RuleError(f"Нет классов, которые учатся по периодам «{period}».")
    if not any(period_locked(c, period, today) for c in classes):
        raise RuleError(f"Журнал за {period.accusative} ещё не закрыт (закрывается "
                        f"{SchoolCalendar.of(period.year_id).locks_on(period):%d.%m.%Y}): "
                        "архивируются только закрытые периоды.")
    return classes


def archive_period(period: Period, render: Render, stage: Stage, by: Staff | None,
                   today: dt.date, only: SchoolClass | None = None):
    """Archive every class of the period (or one); yields each class's Outcome. Refused
    (at the first step) when no class's journal of the period is locked yet."""
    for school_class in archivable(period, today, only):
        yield archive_class(school_class, period, render, stage, by, today)


def summary(period: Period, outcomes: list[Outcome]) -> str:
    """One line of what archiving the period did."""
    counted = {s: sum(o.status == s for o in outcomes) for s in ("written", "unchanged", "open")}
    return (f"Архив за {period.accusative}: записано файлов {counted['written']}, без "
            f"изменений {counted['unchanged']}, не закрыто {counted['open']}.")


def due(today: dt.date) -> list[tuple[SchoolClass, Period]]:
    """Every locked class journal of an open or closed year whose period has no archive
    made from its current rows (the nightly run's work)."""
    found = []
    for period in Period.select().order_by(Period.year, Period.scheme, Period.number):
        if today <= period.end:
            continue
        for school_class in classes_of(period):
            last = latest(school_class, period)
            if period_locked(school_class, period, today) and (
                    last is None or last.fingerprint != fingerprint(school_class, period)):
                found.append((school_class, period))
    return found


# --- verification --------------------------------------------------------------------

def status(entry: ArchiveFile, folder: Path, prints: dict | None = None) -> str:
    """The entry's state: the file missing or changed, the journal changed since, or fine;
    `prints` caches the current fingerprints by (class, period)."""
    path = folder / entry.file_name
    if not path.is_file():
        return MISSING
    if sha256_of(path) != entry.sha256:
        return CHANGED
    prints = {} if prints is None else prints
    key = (entry.school_class_id, entry.period_id)
    if key not in prints:
        prints[key] = fingerprint(entry.school_class, entry.period)
    return FINE if prints[key] == entry.fingerprint else STALE


def registry() -> list[ArchiveFile]:
    """Every registered file, by year, period, class and version."""
    return list(ArchiveFile.select(ArchiveFile, SchoolClass).join(SchoolClass)
                .order_by(SchoolClass.year, ArchiveFile.period, SchoolClass.grade,
                          SchoolClass.letter, ArchiveFile.version))


def verify() -> list[str]:
    """What is wrong with the archive, one Russian line each (nothing: all is well)."""
    folder = archive_folder()
    prints: dict = {}
    problems = []
    entries = registry()
    # An older version of a journal changed since is expected: its newer one is checked.
    newest = {(e.school_class_id, e.period_id): e.version for e in entries}
    for entry in entries:
        state = status(entry, folder, prints)
        if state == STALE and entry.version < newest[entry.school_class_id, entry.period_id]:
            continue
        if state == MISSING:
            problems.append(f"{entry.file_name}: файла нет в {folder}")
        elif state == CHANGED:
            problems.append(f"{entry.file_name}: файл изменён (SHA-256 не совпадает)")
        elif state == STALE:
            problems.append(f"{entry.file_name}: журнал изменён после архивации")
    heads = {e.audit_chain_head for e in entries}
    problems += [f"журнал изменений: {line}" for line in audit_chain_breaks(heads)]
    return problems
