"""Click parameter types every `journal` command shares: one way to type a date.

A date is typed as people write it (30.11.2026) or as ISO (2026-11-30); anything else,
an impossible day included, is refused with one Russian line naming the option.
"""
from __future__ import annotations

import datetime as dt

import click

FORMATS = ("%d.%m.%Y", "%Y-%m-%d")


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
        text = str(value).strip()
        for fmt in FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise DateNotRead(f"Дата «{value}» не читается: нужна дата вида 30.11.2026 или "
                          "2026-11-30.", ctx=ctx, param=param)


DATE = SchoolDate()
