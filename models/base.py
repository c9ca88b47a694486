"""The database proxy, the base model and the domain error every rule raises."""
from __future__ import annotations

import datetime as dt

from peewee import DatabaseProxy, DateTimeField, Model

db = DatabaseProxy()


def utcnow() -> dt.datetime:
    """Now in UTC, naive, as stored in every timestamp column."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class RuleError(ValueError):
    """A rule of the regulations or of the data was broken; the message is Russian."""

    def __init__(self, message: str, rule: int | None = None):
        super().__init__(message)
        self.message = message
        self.rule = rule


class BaseModel(Model):
    """Every table has its creation and change time and checks itself before saving."""

    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        database = db
        legacy_table_names = False

    def validate(self) -> None:
        """Raise RuleError when the row breaks a rule; models override it."""

    def save(self, *args, **kwargs):
        self.validate()
        self.updated_at = utcnow()
        return super().save(*args, **kwargs)
