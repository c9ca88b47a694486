"""Whether the curriculum has an exam in a class's subject (issue 16.1): adds `has_exam`
(no) to `teaching_assignment`; the exam mark column shows where it is set."""
from peewee import BooleanField


def up(migrator, db):
    migrator.migrate(migrator.add_column("teaching_assignment", "has_exam",
                                         BooleanField(default=False)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("teaching_assignment", "has_exam"))
