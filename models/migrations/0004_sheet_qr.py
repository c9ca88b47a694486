"""The school setting «QR-код дневника на выписках»: whether weekly sheets for parents carry
a QR code of the pupil's online diary. Adds `sheet_qr` (off) to `school_settings`."""
from peewee import BooleanField


def up(migrator, db):
    migrator.migrate(migrator.add_column("school_settings", "sheet_qr",
                                         BooleanField(default=False)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("school_settings", "sheet_qr"))
