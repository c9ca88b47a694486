"""The school calendar (issue 12, rules 14–15): grades with a six-day week and the days
after which a period's journal locks (`school_settings`), working-day transfers
(`day_transfer`), the deputy's reopenings of a locked journal (`journal_reopening`), and
the reason a change was made (`audit_entry.reason`)."""
import datetime

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)


def utcnow():
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def frozen_models(db):
    """The tables as this migration knows them, independent of today's models."""

    def table(name):
        class Meta:
            database = db
            table_name = name
        return type(name, (Model,), {"Meta": Meta})

    year_t, period_t, class_t, subject_t, subgroup_t, staff_t = map(table, (
        "academic_year", "period", "school_class", "subject", "subgroup", "staff"))

    class DayTransfer(Model):
        created_at = DateTimeField(default=utcnow)
        updated_at = DateTimeField(default=utcnow)
        year = ForeignKeyField(year_t, on_delete="CASCADE")
        date = DateField(unique=True)
        working = BooleanField(default=True)
        reason = CharField(default="")

        class Meta:
            database = db
            table_name = "day_transfer"

    class Reopening(Model):
        created_at = DateTimeField(default=utcnow)
        updated_at = DateTimeField(default=utcnow)
        period = ForeignKeyField(period_t, on_delete="CASCADE")
        school_class = ForeignKeyField(class_t, on_delete="CASCADE")
        subject = ForeignKeyField(subject_t, on_delete="CASCADE")
        subgroup = ForeignKeyField(subgroup_t, null=True, on_delete="CASCADE")
        reason = TextField()
        until = DateField()
        opened_by = ForeignKeyField(staff_t, null=True)

        class Meta:
            database = db
            table_name = "journal_reopening"
            indexes = ((("school_class", "subject", "period"), False),)

    return [DayTransfer, Reopening]


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("school_settings", "six_day_grades", CharField(default="")),
        migrator.add_column("school_settings", "lock_after_days", IntegerField(default=5)),
        migrator.add_column("audit_entry", "reason", TextField(default="")),
    )
    db.create_tables(frozen_models(db), safe=False)


def down(migrator, db):
    db.drop_tables(frozen_models(db), safe=False)
    migrator.migrate(
        migrator.drop_column("school_settings", "six_day_grades"),
        migrator.drop_column("school_settings", "lock_after_days"),
        migrator.drop_column("audit_entry", "reason"),
    )
