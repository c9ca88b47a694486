"""Dates in the panel as people here write them: typed and shown as ДД.ММ.ГГГГ (ГГГГ-ММ-ДД
is still read), moments on the school's clock (every timestamp is stored as naive UTC).

Forms, list filters and list cells read and write dates through this module and
models.cli_types, the one parser the CLI uses too; the picker itself is made Russian and
Monday-first in static/russian-forms.js.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import g
from flask_admin.contrib.peewee import filters
from flask_admin.form import DatePickerWidget
from markupsafe import Markup
from wtforms import fields
from wtforms.validators import StopValidation

from models import SchoolSettings
from models.cli_types import DATE_HINT, read_date, read_moment

SHOWN = "%d.%m.%Y"
SHOWN_MOMENT = "%d.%m.%Y %H:%M"
# What the picker writes between the two ends of a range; Flask-Admin's own " to " is read too.
RANGE_SEPARATORS = (" — ", " to ")


def school_zone() -> ZoneInfo:
    """The school's time zone, read once per request."""
    if "school_zone" not in g:
        g.school_zone = ZoneInfo(SchoolSettings.current().timezone)
    return g.school_zone


def local(moment: dt.datetime) -> dt.datetime:
    """A stored (naive UTC) moment on the school's clock, naive."""
    return moment.replace(tzinfo=dt.UTC).astimezone(school_zone()).replace(tzinfo=None)


def stored(moment: dt.datetime) -> dt.datetime:
    """A moment typed on the school's clock as the database keeps it (naive UTC)."""
    return moment.replace(tzinfo=school_zone()).astimezone(dt.UTC).replace(tzinfo=None)


class SchoolDateField(fields.DateField):
    """A form's date: shown as ДД.ММ.ГГГГ, read as that or as ГГГГ-ММ-ДД, with the picker."""

    widget = DatePickerWidget()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", SHOWN)
        kwargs.setdefault("render_kw", {"data-date-format": "DD.MM.YYYY",
                                        "placeholder": "ДД.ММ.ГГГГ", "autocomplete": "off"})
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not " ".join(valuelist).strip():
            self.data = None
            return
        try:
            self.data = read_date(" ".join(valuelist))
        except ValueError:
            self.data = None
            raise ValueError(f"Дата «{' '.join(valuelist).strip()}» не читается: "
                             f"{DATE_HINT}.") from None

    def pre_validate(self, form):
        if self.process_errors:  # not also «Обязательное поле» for a date that was typed
            raise StopValidation()


# --- list cells ---------------------------------------------------------------------

def _moment_cell(view, value: dt.datetime, name: str) -> str:
    return local(value).strftime(SHOWN_MOMENT)


def _date_cell(view, value: dt.date, name: str) -> str:
    return value.strftime(SHOWN)


def _yes_no_cell(view, value: bool, name: str) -> Markup:
    # Flask-Admin's own check icon is titled in English ("closed: true").
    icon, title = ("fa-check-circle", "да") if value else ("fa-minus-circle", "нет")
    return Markup('<span class="fa {}" title="{}"></span>').format(icon, title)


def cell_formatters(base: dict) -> dict:
    """Flask-Admin's type formatters with dates as ДД.ММ.ГГГГ, moments on the school's
    clock and yes/no in Russian (datetime before date: a datetime is a date too)."""
    return {dt.datetime: _moment_cell, dt.date: _date_cell, **base, bool: _yes_no_cell}


# --- list filters -------------------------------------------------------------------

def _ends(value: str, read) -> list:
    for separator in RANGE_SEPARATORS:
        if separator in value:
            return [read(part) for part in value.split(separator, 1)]
    raise ValueError(value)


class _Day:
    """A filter value that is a day."""

    def clean(self, value):
        return read_date(value)


class _Days:
    """A filter value that is two days, the first not after the second."""

    def clean(self, value):
        return _ends(value, read_date)

    def validate(self, value) -> bool:
        try:
            start, end = self.clean(value)
        except ValueError:
            return False
        return start <= end


class _Moment:
    """A filter value that is a moment on the school's clock."""

    def clean(self, value):
        return stored(read_moment(value))


class _Moments(_Days):
    def clean(self, value):
        return [stored(read_moment(part)) for part in _ends(value, str)]


class DateEqual(_Day, filters.DateEqualFilter):
    pass


class DateNotEqual(_Day, filters.DateNotEqualFilter):
    pass


class DateGreater(_Day, filters.DateGreaterFilter):
    pass


class DateSmaller(_Day, filters.DateSmallerFilter):
    pass


class DateBetween(_Days, filters.DateBetweenFilter):
    pass


class DateNotBetween(_Days, filters.DateNotBetweenFilter):
    pass


class MomentGreater(_Moment, filters.DateTimeGreaterFilter):
    pass


class MomentSmaller(_Moment, filters.DateTimeSmallerFilter):
    pass


class MomentBetween(_Moments, filters.DateTimeBetweenFilter):
    pass


class MomentNotBetween(_Moments, filters.DateTimeNotBetweenFilter):
    pass


class FilterConverter(filters.FilterConverter):
    """Flask-Admin's filters for date and timestamp columns, reading days as ДД.ММ.ГГГГ and
    moments on the school's clock. A stored moment is never typed to the second, so a
    timestamp column is filtered before, after or between moments, not «equal to» one."""

    date_filters = (DateEqual, DateNotEqual, DateGreater, DateSmaller, DateBetween,
                    DateNotBetween, filters.FilterEmpty)
    datetime_filters = (MomentGreater, MomentSmaller, MomentBetween, MomentNotBetween,
                        filters.FilterEmpty)
