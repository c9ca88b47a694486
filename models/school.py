"""The school itself: its settings, academic years, periods, holidays and bells."""
from __future__ import annotations

import datetime as dt
import os
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from peewee import (
    BooleanField,
    CharField,
    DateField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    TimeField,
)

from .auditing import AuditedModel
from .base import RuleError, ValidBetween
from .texts import quoted

PERIOD_SCHEMES = {
    "quarter": ("четверть", 4),
    "trimester": ("триместр", 3),
    "half": ("полугодие", 2),
}


LOCAL_HOSTS = ("localhost", "127.0.0.1")
# The longest wait, in working days, before a finished period's journal locks.
MAX_LOCK_AFTER = 30
# How many missing period marks a refusal to close a year lists by name.
MISSING_SHOWN = 20
DIARY_ADDRESS_REFUSED = (
    "Адрес сайта дневников должен начинаться с https:// и имени сайта, например "
    "https://dnevnik.school.ru/ (http:// — только для проверки на этом компьютере: "
    "http://localhost/ или http://127.0.0.1/), без «?» и «#»: браузер расшифровывает "
    "дневник только на защищённом (https) сайте или на этом же компьютере, и на других "
    "адресах с http:// листки с паролями не откроются.")


def check_diary_address(address: str) -> None:
    """The diary site's address, printed on slips and in QR codes: https://, or http:// on
    this computer for trying the site out; never javascript: or another page's scheme."""
    address = address.strip()
    if not address:
        return  # not set yet: slips and QR codes ask for it
    try:
        parts = urlsplit(address)
        parts.port  # noqa: B018 -- raises ValueError for a port that is no number
    except ValueError:
        raise RuleError(DIARY_ADDRESS_REFUSED) from None
    secure = parts.scheme == "https" and bool(parts.hostname)
    local = parts.scheme == "http" and parts.hostname in LOCAL_HOSTS
    if not (secure or local) or parts.query or parts.fragment or "@" in parts.netloc \
            or any(c.isspace() for c in address):
        raise RuleError(DIARY_ADDRESS_REFUSED)


def check_deadline_time(text: str) -> dt.time:
    """A time of day «ЧЧ:ММ» (a deadline on the lesson day, rule 13)."""
    text = (text or "").strip()
    if len(text) == 5 and text[2] == ":":
        try:
            return dt.time.fromisoformat(text)
        except ValueError:
            pass
    raise RuleError(f"Срок {quoted(text)} — не время дня: укажите «ЧЧ:ММ», например 20:00.")


def pinned_now(zone: ZoneInfo) -> dt.date | None:
    """JOURNAL_TODAY: the test suite pins "today" so no test reads the real clock. A date
    (2026-11-25) is the school's date; a moment with its offset (2026-11-29T20:30+00:00)
    is turned into the school's date by its time zone, as the real clock would be."""
    value = os.environ.get("JOURNAL_TODAY")
    if not value:
        return None
    try:
        if "T" not in value:
            return dt.date.fromisoformat(value)
        moment = dt.datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError(value)
        return moment.astimezone(zone).date()
    except ValueError:
        raise RuleError(f"JOURNAL_TODAY «{value}»: укажите дату как ГГГГ-ММ-ДД "
                        "(или момент со смещением: ГГГГ-ММ-ДДTЧЧ:ММ+00:00).") from None


def check_year_open(year_id: int | None) -> None:
    """Rule 15: a closed academic year is read-only for everyone, in every write path."""
    if year_id is None:
        return
    year = AcademicYear.select(AcademicYear.name, AcademicYear.closed).where(
        AcademicYear.id == year_id).first()
    if year is not None and year.closed:
        raise RuleError(f"Учебный год {year.name} закрыт: его записи только для чтения.",
                        rule=15)


class InYear:
    """A row belonging to an academic year: read-only once the year is closed (rule 15),
    both as it is stored and as it would be saved."""

    def owning_year(self) -> int | None:
        return self.year_id

    def guard(self, stored) -> None:
        check_year_open(self.owning_year())
        if stored is not None:
            check_year_open(stored.owning_year())


class SchoolSettings(AuditedModel):
    """One row: the school's name, clock, diary address, rounding thresholds (rule 7) and
    whether weekly sheets carry the diary's QR code."""

    name = CharField(default="Школа")
    timezone = CharField(default="Europe/Moscow")
    diary_base_url = CharField(default="")
    threshold_3 = FloatField(default=2.5)
    threshold_4 = FloatField(default=3.5)
    threshold_5 = FloatField(default=4.5)
    uses_mark_one = BooleanField(default=False)
    # Whether weekly sheets carry a QR code of the pupil's online diary (migration 0004).
    sheet_qr = BooleanField(default=False)
    # Rules 14–15 (migration 0006): grades studying six days a week («2-11»; the rest
    # five), and how many working days after a period ends its journal locks.
    six_day_grades = CharField(default="")
    lock_after_days = IntegerField(default=5)
    # Rule 13's deadlines, reported (never enforced) by the journal-filling control report
    # (issue 17.6; migration 0011): topic and homework by this time of the lesson day; a
    # written work's marks within N working days; absence reasons and re-entry from the
    # temporary paper journal within N working days; and the fewest marks a pupil should
    # have in a subject before a period's last two weeks (issue 17.5).
    topic_deadline = CharField(default="20:00")
    written_marks_days = IntegerField(default=5)
    absence_reason_days = IntegerField(default=2)
    paper_reentry_days = IntegerField(default=2)
    min_marks = IntegerField(default=3)

    @classmethod
    def current(cls) -> SchoolSettings:
        """The settings row, created with defaults on first use."""
        row = cls.select().order_by(cls.id).first()
        return row if row is not None else cls.create()

    @property
    def thresholds(self) -> tuple[float, float, float]:
        return (self.threshold_3, self.threshold_4, self.threshold_5)

    def today(self) -> dt.date:
        """Today's date on the school's clock, or the date JOURNAL_TODAY pins (tests, training)."""
        zone = ZoneInfo(self.timezone)
        return pinned_now(zone) or dt.datetime.now(zone).date()

    def local_time(self, moment: dt.datetime) -> dt.datetime:
        """A stored moment (UTC, naive, as every timestamp column keeps it) on the school's
        clock, naive."""
        zone = ZoneInfo(self.timezone)
        return moment.replace(tzinfo=dt.UTC).astimezone(zone).replace(tzinfo=None)

    def stored_time(self, local: dt.datetime) -> dt.datetime:
        """A moment on the school's clock as timestamp columns keep it: UTC, naive."""
        zone = ZoneInfo(self.timezone)
        return local.replace(tzinfo=zone).astimezone(dt.UTC).replace(tzinfo=None)

    def validate(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise RuleError(f"Неизвестный часовой пояс {quoted(self.timezone)}.") from None
        if not 2 <= self.threshold_3 < self.threshold_4 < self.threshold_5 <= 5:
            raise RuleError("Пороги округления должны возрастать: «3» < «4» < «5», "
                            "в пределах от 2 до 5.")
        check_diary_address(self.diary_base_url)
        from .calendar import parse_grades  # the calendar reads these settings
        parse_grades(self.six_day_grades)
        check_deadline_time(self.topic_deadline)
        for days, what in ((self.written_marks_days, "Отметки за письменные работы"),
                           (self.absence_reason_days, "Причины пропусков"),
                           (self.paper_reentry_days, "Перенос из временного журнала")):
            if days is None or not 0 <= days <= MAX_LOCK_AFTER:
                raise RuleError(f"{what}: срок — от 0 до {MAX_LOCK_AFTER} рабочих дней.")
        if self.min_marks is None or not 0 <= self.min_marks <= 20:
            raise RuleError("Наименьшее число отметок за период — от 0 до 20.")
        if self.lock_after_days is None or not 0 <= self.lock_after_days <= MAX_LOCK_AFTER:
            raise RuleError("Журнал периода закрывается через 0–"
                            f"{MAX_LOCK_AFTER} рабочих дней после его окончания.")
        if self.sheet_qr and not self.diary_base_url.strip():
            raise RuleError("Для QR-кода дневника на выписках нужен адрес сайта дневников: "
                            "укажите его или снимите отметку «QR-код дневника на выписках».")


class AcademicYear(AuditedModel):
    """An academic year such as 2026/2027."""

    name = CharField(unique=True)
    start = DateField()
    end = DateField()
    closed = BooleanField(default=False)

    def __str__(self) -> str:
        return self.name

    @classmethod
    def on(cls, day: dt.date, after_end: bool = False) -> AcademicYear | None:
        """The year containing the day; between two years the next one, or with
        `after_end` the one just ended (the diaries stay readable over the summer)."""
        year = cls.select().where((cls.start <= day) & (cls.end >= day)).first()
        if year is None and after_end:
            year = cls.select().where(cls.start <= day).order_by(cls.start.desc()).first()
        if year is None and not after_end:
            year = cls.select().where(cls.start > day).order_by(cls.start).first()
        return year

    def validate(self) -> None:
        if self.start >= self.end:
            raise RuleError("Начало учебного года должно быть раньше его конца.")

    def guard(self, stored) -> None:
        """A closed year is read-only (its reopening is the administrator's command,
        `journal year reopen`); closing it needs every period and year mark (rule 15)."""
        if stored is not None and stored.closed:
            check_year_open(stored.id)
        if self.closed and (stored is None or not stored.closed):
            missing = missing_marks(self)
            if missing:
                shown = "; ".join(missing[:MISSING_SHOWN])
                more = (f" и ещё {len(missing) - MISSING_SHOWN}"
                        if len(missing) > MISSING_SHOWN else "")
                raise RuleError(f"Учебный год {self.name} не закрыть: не выставлены "
                                f"отметки за период и годовые ({len(missing)}): "
                                f"{shown}{more}.", rule=15)


def missing_marks(year: AcademicYear) -> list[str]:
    """Rule 15 (DESIGN: «closing needs every period and year mark»): the period marks and
    the year marks the year still lacks, one line per class, subject and period."""
    from .calendar import missing_period_marks  # both read the journal
    from .year_transfer import missing_year_marks
    return missing_period_marks(year) + missing_year_marks(year)


class Period(InYear, AuditedModel):
    """A quarter, trimester or half-year of one scheme in one year."""

    year = ForeignKeyField(AcademicYear, backref="periods", on_delete="CASCADE")
    scheme = CharField(choices=[(k, v[0]) for k, v in PERIOD_SCHEMES.items()])
    number = IntegerField()
    start = DateField()
    end = DateField()

    class Meta:
        indexes = ((("year", "scheme", "number"), True),)

    def __str__(self) -> str:
        # The ordinal agrees with the noun: 1-я четверть, 1-й триместр, 1-е полугодие.
        ending = {"quarter": "я", "trimester": "й", "half": "е"}[self.scheme]
        return f"{self.number}-{ending} {PERIOD_SCHEMES[self.scheme][0]}"

    @property
    def accusative(self) -> str:
        """The name after «за»: 1-ю четверть, 1-й триместр, 1-е полугодие."""
        ending = {"quarter": "ю", "trimester": "й", "half": "е"}[self.scheme]
        return f"{self.number}-{ending} {PERIOD_SCHEMES[self.scheme][0]}"

    def validate(self) -> None:
        if self.scheme not in PERIOD_SCHEMES:
            raise RuleError(f"Неизвестная схема периодов {quoted(self.scheme)}.")
        if self.start > self.end:
            raise RuleError("Начало периода должно быть не позже его конца.")


class Holiday(InYear, AuditedModel):
    """Days without lessons: vacations and public holidays."""

    year = ForeignKeyField(AcademicYear, backref="holidays", on_delete="CASCADE")
    name = CharField()
    start = DateField()
    end = DateField()

    def __str__(self) -> str:
        return self.name


class Bell(ValidBetween, AuditedModel):
    """When lesson N starts and ends, valid between two dates."""

    number = IntegerField()
    starts = TimeField()
    ends = TimeField()
    valid_from = DateField()
    valid_to = DateField(null=True)

    class Meta:
        indexes = ((("number", "valid_from"), True),)

    def __str__(self) -> str:
        return f"{self.number} урок {self.starts:%H:%M}–{self.ends:%H:%M}"
