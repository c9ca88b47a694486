"""Staff logins, recorded for the activity report (issue 17.8): from migration 0011 on."""
from __future__ import annotations

import datetime as dt

from peewee import CharField, DateTimeField, ForeignKeyField

from .base import BaseModel
from .logins import ADDRESS_CHARS
from .people import Staff


class LoginRecord(BaseModel):
    """A staff member's successful login: who, when (UTC, naive), from which address."""

    staff = ForeignKeyField(Staff, backref="logins", on_delete="CASCADE")
    at = DateTimeField()
    address = CharField(max_length=ADDRESS_CHARS, default="")

    class Meta:
        table_name = "login_record"
        indexes = ((("staff", "at"), False), (("at",), False))


def record_login(staff_id: int, address: str, now: dt.datetime) -> None:
    """Note a successful login for the activity report."""
    LoginRecord.create(staff=staff_id, at=now, address=(address or "")[:ADDRESS_CHARS])
