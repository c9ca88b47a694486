"""The period archive's registry (issue 18, rule 11): `archive_file`, one row per archived
class journal PDF with its SHA-256, pages, size, the journal's fingerprint and the audit
chain's head."""
import datetime

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField


def _table(db, name):
    """A bare table for a foreign key to point at."""
    return type(name, (Model,), {"Meta": type("Meta", (), {"database": db, "table_name": name})})


def frozen_model(db):
    """The registry table as this migration knows it."""

    class ArchiveFile(Model):
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        updated_at = DateTimeField(default=datetime.datetime.utcnow)
        file_name = CharField(max_length=200, unique=True)
        school_class = ForeignKeyField(_table(db, "school_class"))
        period = ForeignKeyField(_table(db, "period"), null=True)
        version = IntegerField(default=1)
        created_by = ForeignKeyField(_table(db, "staff"), null=True)
        sha256 = CharField(max_length=64)
        pages = IntegerField()
        size = IntegerField()
        fingerprint = CharField(max_length=64)
        audit_chain_head = TextField(default="")

        class Meta:
            database = db
            table_name = "archive_file"
            indexes = ((("school_class", "period", "version"), False),)

    return ArchiveFile


def up(migrator, db):
    db.create_tables([frozen_model(db)], safe=False)


def down(migrator, db):
    db.drop_tables([frozen_model(db)], safe=False)
