"""Every view of the panel, added in menu order."""
from __future__ import annotations

from flask_admin import Admin


def register(panel: Admin) -> None:
    from . import audit, journal, myclass, paper, printing, reports, setup, timetable, year_transfer

    journal.register(panel)
    myclass.register(panel)
    paper.register(panel)
    printing.register(panel)
    reports.register(panel)
    from . import exports
    exports.register(panel)
    from . import archive
    archive.register(panel)
    setup.register(panel)
    from . import imports
    imports.register(panel)
    year_transfer.register(panel)
    timetable.register(panel)
    audit.register(panel)
    from . import account
    account.register(panel)
