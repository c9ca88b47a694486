"""Folded names for search: SQLite's LOWER and LIKE fold only ASCII, so «иванов» never
found «Иванов». Adds `search_name` to staff, pupils and guardians and fills it."""
from peewee import CharField

from models.people import fold_name

TABLES = ("staff", "student", "guardian")


def up(migrator, db):
    for table in TABLES:
        migrator.migrate(
            migrator.add_column(table, "search_name", CharField(default="")),
            migrator.add_index(table, ("search_name",), False))
        rows = db.execute_sql(f"SELECT id, last_name, first_name, middle_name FROM {table}")
        for row_id, last, first, middle in rows.fetchall():
            db.execute_sql(f"UPDATE {table} SET search_name = %s WHERE id = %s"
                           .replace("%s", db.param), (fold_name(last, first, middle), row_id))


def down(migrator, db):
    for table in TABLES:
        migrator.migrate(migrator.drop_index(table, f"{table}_search_name"),
                         migrator.drop_column(table, "search_name"))
