"""The audit log as a hash chain (issue 18.4): `audit_entry.chain`, the SHA-256 of an entry
and the previous entry's chain (models.audit_chain); the entries already there are chained
in id order."""
import datetime

from peewee import CharField, DateTimeField, IntegerField, Model, TextField

from models.audit_chain import FIELDS, entry_hash

# Entries hashed and updated at a time: a school's log holds hundreds of thousands.
BATCH = 1000


def frozen_model(db):
    """The audit log's hashed columns as this migration knows them."""

    class AuditEntry(Model):
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        at = DateTimeField()
        staff = IntegerField(null=True, column_name="staff_id")
        address = CharField(default="")
        action = CharField()
        table_name = CharField()
        row_id = IntegerField()
        before = TextField(null=True)
        after = TextField(null=True)
        reason = TextField(default="")
        chain = TextField(default="")

        class Meta:
            database = db
            table_name = "audit_entry"

    return AuditEntry


def up(migrator, db):
    migrator.migrate(migrator.add_column("audit_entry", "chain", TextField(default="")))
    model = frozen_model(db)
    columns = [model._meta.fields[name] for name in FIELDS]
    previous, batch = "", []
    for values in model.select(*columns).order_by(model.id).tuples().iterator():
        row = dict(zip(FIELDS, values, strict=True))
        previous = entry_hash(row, previous)
        batch.append((previous, row["id"]))
        if len(batch) == BATCH:
            _store(db, batch)
            batch = []
    _store(db, batch)


def _store(db, batch):
    if batch:
        db.cursor().executemany(
            f'UPDATE "audit_entry" SET "chain" = {db.param} WHERE "id" = {db.param}', batch)


def down(migrator, db):
    migrator.migrate(migrator.drop_column("audit_entry", "chain"))
