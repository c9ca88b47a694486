"""A date the teacher sets for a lesson's homework (issue 15.1): `lesson.homework_due`,
empty for every lesson already written (their homework stays due at the next lesson)."""
from peewee import DateField


def up(migrator, db):
    migrator.migrate(migrator.add_column("lesson", "homework_due", DateField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("lesson", "homework_due"))
