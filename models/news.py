"""News and announcements for the whole school or one class."""
from __future__ import annotations

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, TextField

from .auditing import AuditedModel
from .base import utcnow
from .classes import SchoolClass
from .people import Staff


class News(AuditedModel):
    """An announcement; without a class it is for the whole school. Body is Markdown."""

    title = CharField(max_length=300)
    body = TextField(default="")
    published_at = DateTimeField(default=utcnow, index=True)
    school_class = ForeignKeyField(SchoolClass, null=True, backref="news",
                                   on_delete="CASCADE")
    author = ForeignKeyField(Staff, null=True, on_delete="SET NULL")
    is_published = BooleanField(default=True)

    def __str__(self) -> str:
        return self.title
