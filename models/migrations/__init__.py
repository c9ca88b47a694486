"""Numbered schema migrations, applied in order by `journal migrate` (playhouse.migrations)."""
