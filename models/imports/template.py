"""A kind's template as a file: its Russian headers and an example row, as XLSX (with a
second sheet «Пояснения»: each column, whether it must be filled, what it takes) or as
CSV (`;`, UTF-8 with a BOM: what Excel in Russian opens as columns)."""
from __future__ import annotations

import csv
import io

from . import Kind, template_rows

TEMPLATE_FORMATS = ("xlsx", "csv")


def template_name(kind: Kind, fmt: str) -> str:
    return f"шаблон-{kind.key}.{fmt}"


def template_file(kind: Kind, fmt: str) -> bytes:
    """The template of `kind` as an XLSX or CSV file."""
    if fmt == "csv":
        out = io.StringIO()
        csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(template_rows(kind))
        return out.getvalue().encode("utf-8-sig")
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False,
                                     "strings_to_numbers": False, "strings_to_urls": False})
    sheet = book.add_worksheet("Данные")
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    text = book.add_format({"num_format": "@"})  # typed dates and phones stay as typed
    headers, example = template_rows(kind)
    for column, (header, value) in enumerate(zip(headers, example, strict=True)):
        sheet.set_column(column, column, max(14, len(header) + 2), text)
        sheet.write_string(0, column, header, bold)
        if value:
            sheet.write_string(1, column, value, text)
    sheet.freeze_panes(1, 0)
    notes = book.add_worksheet("Пояснения")
    notes.set_column(0, 0, 32)
    notes.set_column(1, 1, 14)
    notes.set_column(2, 2, 90)
    notes.write_string(0, 0, kind.title, bold)
    notes.write_string(1, 0, kind.note)
    for row, (header, must, what) in enumerate(
            [("Столбец", "Обязательный", "Что указывать")]
            + [(f.header, "да" if f.required else "", f.expected) for f in kind.fields], 3):
        for column, value in enumerate((header, must, what)):
            notes.write_string(row, column, value, bold if row == 3 else None)
    book.close()
    return out.getvalue()
