"""A built Report (models.reports) as the panel shows it and as files: figures in Russian
(«4,25», «85,7 %»), the XLSX (XlsxWriter: numbers as numbers, a sheet per table, the
header frozen) and the PDF (the printouts' WeasyPrint engine: A4, landscape when wide,
the school's name, the date of forming and the signature line)."""
from __future__ import annotations

import datetime as dt
import io
import re

from markupsafe import Markup, escape

from models.reports import Report, Table
from site_builder.printing.engine import render_html, render_pdf

from .base import FORMULA_STARTS
from .charts import chart_svg

NBSP = "\u00a0"
NUMBERS = ("int", "number", "percent")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What a sheet's name may not hold (Excel), and its longest.
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_LENGTH = 31
# What a file name keeps of the scope: letters (Cyrillic too), digits, dots and dashes.
FILE_UNSAFE = re.compile(r"[^\w.-]+")


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def cell_text(value, kind: str) -> str:
    """A cell as the page and the PDF write it: «12», «4,25», «85,7 %», text as given."""
    if value is None:
        return ""
    if not is_number(value) or kind == "text":
        return str(value)
    if kind == "percent":
        return f"{value * 100:.1f}".replace(".", ",") + NBSP + "%"
    if kind == "number":
        return f"{value:.2f}".replace(".", ",")
    whole = f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"
    return whole.replace(",", NBSP).replace(".", ",")


def rows_html(table: Table, number_class: str, total_class: str, links: bool = True) -> Markup:
    """The table's body rows as HTML, escaped: numbers (by the column's kind, or a count in
    a text column) with `number_class`, totals' rows with `total_class`, a row's link on its
    first cell when `links`. Written here, not in a template loop: a school's report holds
    a hundred thousand cells."""
    kinds = [c.kind for c in table.columns]
    width = len(kinds)
    numbered = f' class="{number_class}"'
    out = []
    for row in table.rows:
        cells = list(row.cells[:width]) + [None] * (width - len(row.cells))
        out.append(f'<tr class="{total_class}">' if row.level else "<tr>")
        for i, (value, kind) in enumerate(zip(cells, kinds, strict=True)):
            text = escape(cell_text(value, kind))
            if i == 0 and links and row.link:
                text = Markup(f'<a href="{escape(row.link)}">{text}</a>')
            attribute = numbered if kind in NUMBERS or is_number(value) else ""
            out.append(f"<td{attribute}>{text}</td>")
        out.append("</tr>\n")
    if not table.rows:
        out.append(f'<tr><td colspan="{width}">Нет данных.</td></tr>')
    return Markup("".join(out))


def file_name(report: Report, extension: str) -> str:
    """«progress_5А_1-я_четверть_2026_2027.xlsx»: the key and the scope (Flask sends a
    Cyrillic name as RFC 5987 filename* with an ASCII fallback)."""
    scope = FILE_UNSAFE.sub("_", report.scope).strip("_")[:80]
    return f"{report.key}_{scope}.{extension}" if scope else f"{report.key}.{extension}"


def sheet_names(tables: list[Table]) -> list[str]:
    """The tables' titles as sheet names: no forbidden characters, at most 31, unique."""
    names: list[str] = []
    for table in tables:
        base = SHEET_FORBIDDEN.sub(" ", table.title).strip() or "Лист"
        name, n = base[:SHEET_LENGTH], 1
        while name.casefold() in {x.casefold() for x in names}:
            n += 1
            suffix = f" ({n})"
            name = base[:SHEET_LENGTH - len(suffix)] + suffix
        names.append(name)
    return names


def report_xlsx(report: Report) -> bytes:
    """The report as an XLSX workbook: per table a sheet with the title and scope, the
    header bold and frozen, numbers as numbers (counts whole, averages with two decimals,
    shares as per cent), columns fitted, the notes under the table."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False,
                                     "strings_to_urls": False})
    title = book.add_format({"bold": True, "font_size": 13})
    head_spec = {"bold": True, "border": 1, "text_wrap": True, "valign": "top",
                 "bg_color": "#EEEEEE"}
    header = book.add_format(head_spec)
    quoted_header = book.add_format({**head_spec, "quote_prefix": True})
    formats = {}
    for bold in (False, True):
        for kind, number in (("text", None), ("int", "0"), ("number", "0.00"),
                             ("percent", "0.0%")):
            spec = {"border": 1, "bold": bold}
            if number:
                spec["num_format"] = number
            formats[kind, bold] = book.add_format(spec)
        # Text a spreadsheet would take for a formula (a teacher's topic «=HYPERLINK(…)»,
        # a phone «+7 …») carries Excel's own text mark, the quote prefix: shown as typed,
        # never evaluated, not even when the cell is edited and entered again.
        formats["quoted", bold] = book.add_format({"border": 1, "bold": bold,
                                                   "quote_prefix": True})
    notes = book.add_format({"italic": True})
    for table, name in zip(report.tables, sheet_names(report.tables), strict=True):
        sheet = book.add_worksheet(name)
        sheet.write_string(0, 0, report.title, title)
        sheet.write_string(1, 0, report.scope)
        if table.title != report.title:
            sheet.write_string(2, 0, table.title)
        head = 3
        widths = [len(c.title) for c in table.columns]
        for col, column in enumerate(table.columns):
            sheet.write_string(head, col, column.title, quoted_header
                               if column.title.startswith(FORMULA_STARTS) else header)
        for r, row in enumerate(table.rows, head + 1):
            for col, (value, column) in enumerate(zip(row.cells, table.columns, strict=False)):
                kind = column.kind
                if is_number(value) and kind not in NUMBERS:  # a count under text columns
                    kind = "int" if isinstance(value, int) else "number"
                style = formats[kind, row.level > 0]
                if value is None:
                    sheet.write_blank(r, col, None, style)
                elif is_number(value):
                    sheet.write_number(r, col, value, style)
                    widths[col] = max(widths[col], len(cell_text(value, kind)))
                else:
                    text = str(value)
                    quoted = "quoted" if text.startswith(FORMULA_STARTS) else "text"
                    sheet.write_string(r, col, text, formats[quoted, row.level > 0])
                    widths[col] = max(widths[col], len(str(value)))
        for col, width in enumerate(widths):
            sheet.set_column(col, col, min(max(width, 4), 60) + 2)
        sheet.freeze_panes(head + 1, 0)
        line = head + len(table.rows) + 2
        for note in report.notes:
            sheet.write_string(line, 0, note, notes)
            line += 1
    if not report.tables:
        book.add_worksheet("Отчёт").write_string(0, 0, report.title, title)
    book.close()
    return out.getvalue()


def report_html(report: Report, school: str, made: dt.date, for_pdf: bool = True) -> str:
    """The report's printout as HTML (the print templates' report.html)."""
    return render_html("report.html", for_pdf, r=report, school=school, made=made,
                       rows_html=rows_html, numbers=NUMBERS, chart_svg=chart_svg)


def report_pdf(report: Report, school: str, made: dt.date) -> bytes:
    """The report as a PDF by the printouts' engine (fonts, stylesheet, no fetching)."""
    return render_pdf([report_html(report, school, made)])[0]
