"""Works within a lesson (issue 14.2): the `lesson_work` table, a graded work of a lesson
besides its own, with its own column in the grid. A mark's own work type now names its
work: an existing mark whose own type is its lesson's loses it (same weight, the lesson's
column), and one with another type gets that work, so every mark stays where it counted."""
import datetime

from peewee import DateTimeField, ForeignKeyField, Model


def utcnow():
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def frozen_model(db):
    """The table as this migration knows it, independent of today's models."""

    lesson_table = type("lesson", (Model,), {"Meta": type("Meta", (), {"database": db,
                                                                  "table_name": "lesson"})})
    work_type_table = type("work_type", (Model,), {"Meta": type("Meta", (), {
        "database": db, "table_name": "work_type"})})

    class LessonWork(Model):
        created_at = DateTimeField(default=utcnow)
        updated_at = DateTimeField(default=utcnow)
        lesson = ForeignKeyField(lesson_table, on_delete="CASCADE")
        work_type = ForeignKeyField(work_type_table)

        class Meta:
            database = db
            table_name = "lesson_work"
            indexes = ((("lesson", "work_type"), True),)

    return LessonWork


def up(migrator, db):
    db.create_tables([frozen_model(db)], safe=False)
    now = utcnow()
    db.execute_sql(
        'UPDATE "mark" SET "work_type_id" = NULL WHERE "work_type_id" IS NOT NULL AND '
        '"work_type_id" = (SELECT "work_type_id" FROM "lesson" '
        'WHERE "lesson"."id" = "mark"."lesson_id")')
    param = db.param
    db.execute_sql(
        'INSERT INTO "lesson_work" ("created_at", "updated_at", "lesson_id", "work_type_id") '
        f'SELECT {param}, {param}, "lesson_id", "work_type_id" FROM (SELECT DISTINCT '
        '"lesson_id", "work_type_id" FROM "mark" WHERE "work_type_id" IS NOT NULL) AS own',
        (now, now))


def down(migrator, db):
    db.drop_tables([frozen_model(db)], safe=False)
