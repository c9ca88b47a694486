"""The `journal` command: one entry point; each part adds the commands it drives."""
from __future__ import annotations

import click
from peewee import OperationalError

from admin.cli import register as register_admin
from demo.cli import register as register_demo
from models.auditing import acting_as, console_address
from models.base import RuleError
from models.cli import register as register_models
from site_builder.archive_cli import archive_group
from site_builder.cli import register as register_site


class JournalGroup(click.Group):
    """Turns rule errors and unreachable databases into clear messages and exit code 1."""

    def invoke(self, ctx):
        try:
            # The audit log names the console's user for changes made here (no staff login).
            with acting_as(None, console_address()):
                return super().invoke(ctx)
        except RuleError as exc:
            raise click.ClickException(exc.message) from None
        except OperationalError as exc:
            raise click.ClickException(f"Не удалось открыть базу данных: {exc}") from None


@click.group(cls=JournalGroup)
def main() -> None:
    """Электронный журнал и дневник школы."""


register_models(main)
register_admin(main)
register_site(main)
register_demo(main)
main.add_command(archive_group)
