"""Diary access: each pupil's diary address token and the salt and key of the diary
password (the password itself is never stored). Creates the `diary_access` table."""
import datetime

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, Model


def utcnow():
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def frozen_model(db):
    """The table as this migration knows it, independent of today's models."""

    class Student(Model):
        class Meta:
            database = db
            table_name = "student"

    class DiaryAccess(Model):
        created_at = DateTimeField(default=utcnow)
        updated_at = DateTimeField(default=utcnow)
        student = ForeignKeyField(Student, unique=True, backref="diary", on_delete="CASCADE")
        token = CharField(unique=True)
        salt = CharField()
        iterations = IntegerField(default=600_000)
        key = CharField()
        issued_at = DateTimeField(default=utcnow)

        class Meta:
            database = db
            table_name = "diary_access"

    return DiaryAccess


def up(migrator, db):
    db.create_tables([frozen_model(db)], safe=False)


def down(migrator, db):
    db.drop_tables([frozen_model(db)], safe=False)
