"""The demo school as the tests make it: `journal demo` with 40 pupils on a fixed day."""
from __future__ import annotations

from journal_cli import main
from models import database

TODAY = "2026-11-20"


def run_demo(runner, *extra):
    result = runner.invoke(main, ["demo", "--no-serve", "--students", "40", "--today", TODAY,
                                  *extra])
    assert result.exit_code == 0, result.output
    database.bind()
    return result
