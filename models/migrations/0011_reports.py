"""Reports (issue 17): rule 13's deadlines and the marks minimum as school settings, the
written works flagged (`work_type.is_written`), lessons re-entered from the temporary
paper journal (`lesson.from_paper`), and staff logins recorded (`login_record`)."""
import datetime

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
)


def _table(db, name):
    """A bare table for a foreign key to point at."""
    return type(name, (Model,), {"Meta": type("Meta", (), {"database": db, "table_name": name})})


def frozen_model(db):
    """The login table as this migration knows it."""

    class LoginRecord(Model):
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        updated_at = DateTimeField(default=datetime.datetime.utcnow)
        staff = ForeignKeyField(_table(db, "staff"), on_delete="CASCADE")
        at = DateTimeField()
        address = CharField(max_length=64, default="")

        class Meta:
            database = db
            table_name = "login_record"
            indexes = ((("staff", "at"), False), (("at",), False))

    return LoginRecord


SETTINGS = (("topic_deadline", CharField(default="20:00")),
            ("written_marks_days", IntegerField(default=5)),
            ("absence_reason_days", IntegerField(default=2)),
            ("paper_reentry_days", IntegerField(default=2)),
            ("min_marks", IntegerField(default=3)))


def up(migrator, db):
    migrator.migrate(*(migrator.add_column("school_settings", name, field)
                       for name, field in SETTINGS),
                     migrator.add_column("work_type", "is_written", BooleanField(default=False)),
                     migrator.add_column("lesson", "from_paper", BooleanField(default=False)))
    db.create_tables([frozen_model(db)], safe=False)


def down(migrator, db):
    db.drop_tables([frozen_model(db)], safe=False)
    migrator.migrate(migrator.drop_column("lesson", "from_paper"),
                     migrator.drop_column("work_type", "is_written"),
                     *(migrator.drop_column("school_settings", name) for name, _ in SETTINGS))
