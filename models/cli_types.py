"""One way to type a date, shared by every `journal` command (Click) and the panel's forms
and filters (admin.dates).

A date is typed as people write it (30.11.2026) or as ISO (2026-11-30); anything else,
an impossible day included, is refused with one Russian line.
"""
from __future__ import annotations

import datetime as dt

import click

FORMATS = ("%d.%m.%Y", "%Y-%m-%d")
# The same, with a time of day after the date (the audit log's «Когда»).
MOMENT_FORMATS = tuple(f"{day} {time}" for day in FORMATS
                       for time in ("%H:%M:%S", "%H:%M"))
DATE_HINT = "нужна дата вида 30.11.2026 или 2026-11-30"


def read_date(text: str) -> dt.date:
    """The day typed as ДД.ММ.ГГГГ or ГГГГ-ММ-ДД; ValueError for anything else."""
    return _read(text, FORMATS).date()


def read_moment(text: str) -> dt.datetime:
    """A date with a time of day (ДД.ММ.ГГГГ ЧЧ:ММ[:СС], or ISO), or a bare date (its
    midnight); ValueError for anything else."""
    return _read(text, MOMENT_FORMATS + FORMATS)


def _read(text: str, formats: tuple[str, ...]) -> dt.datetime:
    cleaned = " ".join(str(text).split())
    for fmt in formats:
        try:
            return dt.datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
    raise ValueError(f"Дата «{text}» не читается: {DATE_HINT}.")


class DateNotRead(click.BadParameter):
    """A refused date: «'--today': Дата … не читается: …», not Click's English frame."""

    def format_message(self) -> str:
        hint = self.param.get_error_hint(self.ctx) if self.param is not None else ""
        return f"{hint}: {self.message}" if hint else self.message


class SchoolDate(click.ParamType):
    """A day, as ДД.ММ.ГГГГ or ГГГГ-ММ-ДД; the value is a `datetime.date`."""

    name = "дата"  # the options' metavar: ДАТА

    def convert(self, value, param: click.Parameter | None,
                ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return read_date(str(value).strip())
        except ValueError as exc:
            raise DateNotRead(str(exc), ctx=ctx, param=param) from None


DATE = SchoolDate()
