"""A report opened in the panel through the test client and downloaded as XLSX, read back
with openpyxl: what each report's panel test asks (numbers stay numbers)."""
from __future__ import annotations

import io

from openpyxl import load_workbook


def report_page(browser, login: str, url: str) -> str:
    """The report's page as `login` sees it (200 expected)."""
    browser.login(login)
    page = browser.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    return page.get_data(as_text=True)


def xlsx_sheets(browser, url: str):
    """The report's XLSX download (the page's address with format=xlsx), as a workbook."""
    download = browser.get(url + "&format=xlsx")
    assert download.status_code == 200
    return load_workbook(io.BytesIO(download.data))


def sheet_rows(sheet) -> list[list]:
    """A sheet's cells, row by row, as values."""
    return [list(row) for row in sheet.iter_rows(values_only=True)]
