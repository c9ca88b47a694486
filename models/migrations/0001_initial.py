"""The schema as first released.

New databases are created from the models by `journal init`, which records every
migration as applied; this baseline therefore never runs against real tables.
"""


def up(migrator, db):
    pass
