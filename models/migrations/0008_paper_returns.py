"""The paper loop (issue 15.7): the `sheet_return` table, a weekly sheet's signed return
strip ticked by the class teacher."""
import datetime

from peewee import DateField, DateTimeField, ForeignKeyField, Model


def utcnow():
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def _table(db, name):
    """A bare table for a foreign key to point at."""
    return type(name, (Model,), {"Meta": type("Meta", (), {"database": db, "table_name": name})})


def frozen_model(db):
    """The table as this migration knows it, independent of today's models."""

    class SheetReturn(Model):
        created_at = DateTimeField(default=utcnow)
        updated_at = DateTimeField(default=utcnow)
        school_class = ForeignKeyField(_table(db, "school_class"), on_delete="CASCADE")
        student = ForeignKeyField(_table(db, "student"), on_delete="CASCADE")
        monday = DateField()
        received_by = ForeignKeyField(_table(db, "staff"), null=True)

        class Meta:
            database = db
            table_name = "sheet_return"
            indexes = ((("student", "monday"), True),)

    return SheetReturn


def up(migrator, db):
    db.create_tables([frozen_model(db)], safe=False)


def down(migrator, db):
    db.drop_tables([frozen_model(db)], safe=False)
