"""Purpose-made spreadsheets for the import tests (issue 19.1): the same rows written as
XLSX (xlsxwriter), ODS (a minimal OpenDocument zip written by hand, as LibreOffice would
save it) or CSV with `;` or `,` in UTF-8, UTF-8 with Excel's BOM or Windows-1251.

`write_table(path_or_none, rows, fmt)` returns the file's bytes (and writes them to the
path when one is given). A cell may be text, a number or a `datetime.date` (a real
spreadsheet date in XLSX/ODS, «ДД.ММ.ГГГГ» in CSV, as Excel in Russian saves it).
`fmt` is "xlsx", "ods", "csv;" or "csv," optionally with an encoding after a colon:
"csv;:cp1251", "csv,:utf-8-sig" (default UTF-8).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"
ODS_MANIFEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" \
manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.2" \
manifest:media-type="{ODS_MIME}"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""
ODS_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" \
xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" \
xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:spreadsheet><table:table table:name="Лист1">
"""
ODS_TAIL = "</table:table></office:spreadsheet></office:body></office:document-content>\n"


def _csv_text(value: object) -> str:
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    return "" if value is None else str(value)


def _csv(rows, delimiter: str, encoding: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_csv_text(c) for c in row])
    return out.getvalue().encode(encoding)


def _xlsx(rows) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("Лист1")
    dates = book.add_format({"num_format": "dd.mm.yyyy"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), dates)
            elif isinstance(value, (int, float)):
                sheet.write_number(r, c, value)
            elif value not in (None, ""):
                sheet.write_string(r, c, str(value))
    book.close()
    return out.getvalue()


def _ods_cell(value: object) -> str:
    if value is None or value == "":
        return "<table:table-cell/>"
    if isinstance(value, dt.date):
        return (f'<table:table-cell office:value-type="date" '
                f'office:date-value="{value.isoformat()}">'
                f'<text:p>{value.strftime("%d.%m.%Y")}</text:p></table:table-cell>')
    if isinstance(value, (int, float)):
        return (f'<table:table-cell office:value-type="float" office:value={quoteattr(str(value))}>'
                f'<text:p>{value}</text:p></table:table-cell>')
    return (f'<table:table-cell office:value-type="string">'
            f'<text:p>{escape(str(value))}</text:p></table:table-cell>')


def _ods(rows) -> bytes:
    body = "".join("<table:table-row>" + "".join(_ods_cell(c) for c in row)
                   + "</table:table-row>\n" for row in rows)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        # OpenDocument: «mimetype» first and stored uncompressed.
        z.writestr(zipfile.ZipInfo("mimetype"), ODS_MIME, compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", ODS_MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", ODS_HEAD + body + ODS_TAIL,
                   compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def write_table(path: str | Path | None, rows, fmt: str) -> bytes:
    """The rows as a spreadsheet file of `fmt` ("xlsx", "ods", "csv;", "csv,", with an
    optional ":encoding" for CSV); written to `path` too when one is given."""
    kind, _, encoding = fmt.partition(":")
    if kind == "xlsx":
        data = _xlsx(rows)
    elif kind == "ods":
        data = _ods(rows)
    elif kind in ("csv;", "csv,"):
        data = _csv(rows, kind[-1], encoding or "utf-8")
    else:
        raise ValueError(f"unknown format {fmt!r}")
    if path is not None:
        Path(path).write_bytes(data)
    return data


# The formats every import is tried in: both CSV delimiters and Excel's encodings.
FORMATS = ("xlsx", "ods", "csv;", "csv,:cp1251", "csv;:utf-8-sig", "csv,")


def filename(fmt: str, stem: str = "загрузка") -> str:
    """A file name with the format's extension."""
    return f"{stem}.{fmt.partition(':')[0].rstrip(';,')}"
