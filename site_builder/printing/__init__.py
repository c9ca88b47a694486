"""Printouts: weekly sheets for parents (выписки), the temporary paper journal and the
diary's credential slips.

Each is HTML with print CSS (templates/), turned into PDF by the one WeasyPrint engine
(engine.py) with the system's DejaVu fonts and nothing fetched; the same HTML opened in a
browser prints the same layout. Data are read a class at a time, in the same few queries
whatever its size. The printouts hold personal data in clear: callers keep them out of the
published site. The names below are what the panel, the CLI, the tests and the benchmarks
use: `from site_builder import printing` keeps working as when this was one module.
"""
from .engine import (
    merge_pdfs,
    notice_html,
    render_html,
    render_part,
    render_parts,
    render_pdf,
    worker_count,
)
from .temporary import (
    TemporaryJournal,
    find_assignment,
    month_bounds,
    month_pupils,
    read_temporary,
    temporary_html,
    temporary_journal_html,
    temporary_journal_pdf,
)
from .weekly import (
    Day,
    Printout,
    Progress,
    Row,
    Sheet,
    SubjectLine,
    WeekReader,
    average_text,
    class_sheets,
    diary_qr_codes,
    monday_of,
    no_sheets_text,
    paper_sheet_ids,
    sheets_html,
    week_classes,
    week_news,
    week_printout,
    week_sheets_html,
    week_sheets_pdf,
)

__all__ = [
    "Day", "Printout", "Progress", "Row", "Sheet", "SubjectLine", "TemporaryJournal",
    "WeekReader", "average_text", "class_sheets", "diary_qr_codes", "find_assignment",
    "merge_pdfs", "monday_of", "month_bounds", "month_pupils", "no_sheets_text",
    "notice_html", "paper_sheet_ids", "read_temporary", "render_html",
    "render_part", "render_parts", "render_pdf", "sheets_html", "temporary_html",
    "temporary_journal_html", "temporary_journal_pdf", "week_classes", "week_news",
    "week_printout", "week_sheets_html", "week_sheets_pdf", "worker_count",
]
