"""«Отчёты» (issue 17): who reads which class's reports (models.access), the panel's list and
report pages, and the files it hands out (XLSX read back with openpyxl, PDF with pypdf).

The small school's people (tests/panel.py): `teacher` teaches maths in 5А, 1А and 6А and
leads 5А and 1А; `class_teacher` leads 6А and teaches nothing; `english` teaches 5А's
English group 1, `other` 6А's English group 2; the deputy, the director and the admin.
"""
from __future__ import annotations

import io
import re

import pytest

from admin.charts import chart_svg
from admin.report_files import cell_text, report_xlsx, rows_html
from models import Staff, access
from models.reports import Chart, Column, Report, Row, Table
from tests.school import staff

# --- access: who reads reports, of which classes and subjects ---------------------------


@pytest.mark.parametrize("who, allowed", [
    ("teacher", True), ("class_teacher", True), ("english", True), ("other", True),
    ("deputy", True), ("director", True), ("admin", False)])
def test_who_reads_reports(people, who, allowed):
    assert access.may_read_reports(getattr(people, who)) is allowed


def test_the_admin_reads_reports_only_with_another_role(school):
    assert not access.may_read_reports(staff("admin.only", "admin"))
    assert access.may_read_reports(staff("admin.deputy", "admin,deputy"))


def test_report_classes_by_role(school, people):
    everyone = [school.c1.id, school.c5.id, school.c6.id]  # in the school's order
    assert access.report_class_ids(people.deputy, school.year) == everyone
    assert access.report_class_ids(people.director, school.year) == everyone
    assert access.report_class_ids(people.teacher, school.year) == everyone
    assert access.report_class_ids(people.class_teacher, school.year) == [school.c6.id]
    assert access.report_class_ids(people.english, school.year) == [school.c5.id]
    assert access.report_class_ids(people.other, school.year) == [school.c6.id]
    assert access.report_class_ids(people.admin, school.year) == []
    assert access.report_class_ids(people.deputy, None) == []


def test_report_subjects_by_role(school, people):
    assert access.report_subject_ids(people.deputy, school.c5.id) is None
    assert access.report_subject_ids(people.teacher, school.c5.id) is None  # leads 5А
    assert access.report_subject_ids(people.class_teacher, school.c6.id) is None
    # A subject teacher who does not lead the class: the subjects taught there.
    assert access.report_subject_ids(people.english, school.c5.id) == {school.english.id}
    assert access.report_subject_ids(people.other, school.c6.id) == {school.english.id}
    assert access.report_subject_ids(people.other, school.c5.id) == set()
    someone: Staff = staff("math.six")
    assert access.report_subject_ids(someone, school.c6.id) == set()


# --- the panel: the list, a report's page, its files ------------------------------------

def test_the_reports_list_names_every_report(browser, people):
    browser.login(people.deputy.login)
    page = browser.get("/reports/").get_data(as_text=True)
    assert "Сводная ведомость успеваемости" in page
    assert 'href="/reports/progress"' in page


def test_the_admin_alone_has_no_reports(browser, people):
    browser.login(people.admin.login)
    assert browser.get("/reports/").status_code == 403
    assert browser.get("/reports/progress").status_code == 403


def test_a_class_teacher_of_6a_never_gets_5a(browser, school, people):
    browser.login(people.class_teacher.login)
    page = browser.get("/reports/progress").get_data(as_text=True)
    assert "6А" in page and "Шестаков" in page  # the default: their first class
    for ask in (f"class_id={school.c5.id}", f"class_id={school.c5.id}&format=xlsx",
                f"class_id={school.c5.id}&format=pdf"):
        response = browser.get(f"/reports/progress?{ask}")
        assert response.status_code == 403, ask
        assert "Иванов" not in response.get_data(as_text=True)
    assert browser.get("/reports/progress?class_id=999999").status_code == 404
    assert browser.get("/reports/nothing").status_code == 404


def test_a_bad_parameter_is_a_russian_message_over_the_kept_form(browser, school, people):
    browser.login(people.deputy.login)
    response = browser.get(f"/reports/progress?class_id={school.c5.id}&period_id=999999")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Такого периода у выбранного класса и года нет" in html
    assert f'<option value="{school.c5.id}" selected>5А</option>' in html  # the form kept
    response = browser.get("/reports/progress?year=abc")
    assert "Такого учебного года нет" in response.get_data(as_text=True)
    response = browser.get("/reports/progress?format=doc")
    assert response.status_code == 400
    assert "PDF или XLSX" in response.get_data(as_text=True)


def test_the_pdf_reads_back(browser, school, people):
    from pypdf import PdfReader

    from models import SchoolSettings
    settings = SchoolSettings.current()
    settings.name = "МБОУ «СОШ № 1»"
    settings.save()
    browser.login(people.deputy.login)
    response = browser.get(f"/reports/progress?class_id={school.c5.id}"
                           f"&period_id={school.period.id}&format=pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "filename*=UTF-8''progress_5" in response.headers["Content-Disposition"]
    pdf = PdfReader(io.BytesIO(response.data))
    page = pdf.pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape
    text = " ".join(" ".join(p.extract_text().split()) for p in pdf.pages)
    assert "МБОУ «СОШ № 1»" in text
    assert "Сводная ведомость успеваемости" in text
    assert "Иванов Тест" in text and "Сидоров Тест" in text
    assert f"Дата формирования: {school.today:%d.%m.%Y}" in text
    assert "Классный руководитель ____________ / ____________ /" in text


# --- the writers on a report of every kind of column ----------------------------------

def sample_report():
    return Report("sample", "Проба", "5А, 1-я четверть", [
        Table("Итоги успеваемости по классам и параллелям школы", [
            Column("Класс"), Column("Учеников", "int"), Column("Средний", "number"),
            Column("Качество", "percent")],
            [Row(["5А", 25, 4.25, 0.857], link="/journal/"), Row(["Всего", 1234, 3.5, 1.0],
                                                                  level=1)]),
        Table("Итоги успеваемости по классам и параллелям школы", [Column("x", "int")],
              [Row([1])]),
        Table("a/b:c", [Column("y")], [Row(["=1+1"])])],
        notes=["% качества = («4» и «5») / все × 100 %"],
        charts=[Chart("Качество <b>", ["5А", "6А"], [("2026", [85.7, None]),
                                                     ("2027", [40, 60])], unit="%")])


def test_figures_in_russian():
    assert cell_text(4.25, "number") == "4,25"
    assert cell_text(0.857, "percent") == "85,7\u00a0%"
    assert cell_text(1234, "int") == "1\u00a0234"
    assert cell_text(None, "int") == "" and cell_text("н/а", "number") == "н/а"


def test_the_xlsx_keeps_numbers_as_numbers():
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(report_xlsx(sample_report())))
    names = book.sheetnames
    assert names == ["Итоги успеваемости по классам и", "Итоги успеваемости по класс (2)",
                     "a b c"]
    assert all(len(name) <= 31 for name in names)
    sheet = book[names[0]]
    assert sheet["A1"].value == "Проба" and sheet["A2"].value == "5А, 1-я четверть"
    assert [c.value for c in sheet[4]] == ["Класс", "Учеников", "Средний", "Качество"]
    assert sheet["A4"].font.b and sheet.freeze_panes == "A5"
    count, average, share = sheet["B5"], sheet["C5"], sheet["D5"]
    assert (count.value, average.value, share.value) == (25, 4.25, 0.857)
    assert average.number_format == "0.00" and share.number_format == "0.0%"
    assert sheet["A6"].font.b  # the total's row
    assert sheet["A8"].value.startswith("% качества")  # the notes under the table
    assert book[names[2]]["A5"].value == "=1+1" and book[names[2]]["A5"].data_type == "s"


def test_the_chart_is_escaped_svg_without_script():
    svg = str(chart_svg(sample_report().charts[0]))
    assert svg.startswith("<svg") and "<script" not in svg and "style=" not in svg
    assert "Качество &lt;b&gt;, %" in svg and "<b>" not in svg
    assert svg.count("<rect") == 3 + 2  # three values (one None) and two legend keys
    assert "85,7" in svg and ">100<" in svg  # the value and the axis's top for shares


# --- in a real Chromium, under the panel's Content-Security-Policy ----------------------

@pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)
def test_the_deputy_opens_report_1_with_its_chart(new_page, school, people):
    from models import PeriodMark
    from tests.chromium import log_in

    for pupil, value in zip(school.pupils5, ("5", "4", "4"), strict=True):
        PeriodMark.create(student=pupil, school_class=school.c5, subject=school.math,
                          period=school.period, value=value)
    page = new_page()
    errors: list[str] = []
    # Console errors (a CSP violation is one) and the page's own failed requests; the
    # browser's favicon.ico request shows only as an anonymous «Failed to load».
    page.on("console", lambda m: errors.append(m.text) if m.type == "error"
            and not m.text.startswith("Failed to load resource") else None)
    page.on("response", lambda r: errors.append(r.url) if r.status >= 400
            and not r.url.endswith("/favicon.ico") else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, people.deputy.login)
    page.locator(".navbar").get_by_role("link", name="Отчёты", exact=True).click()
    page.get_by_role("link", name="Сводная ведомость успеваемости").click()
    page.select_option("#class_id", label="5А")
    page.click("#report-form button")
    page.wait_for_selector("#report")
    assert page.locator("#report-scope").inner_text().startswith("5А, 1-я четверть")
    first = page.locator(".report-table tbody tr").first
    assert first.locator("td").nth(1).inner_text() == "Иванов Тест"
    assert first.locator("td").last.inner_text() == "5,00"
    assert first.locator("td").last.evaluate("e => getComputedStyle(e).textAlign") == "right"
    chart = page.locator("svg.report-chart")
    assert chart.count() == 1 and chart.bounding_box()["width"] > 300
    assert chart.locator("rect").count() >= 2
    with page.expect_download() as download:
        page.click("#download-xlsx")
    assert download.value.suggested_filename.startswith("progress_5")
    assert not errors, errors


# --- every registered report, every role -----------------------------------------------

@pytest.mark.parametrize("role", ["teacher", "english", "other", "class_teacher", "deputy",
                                  "director", "admin"])
def test_every_report_opens_for_its_readers_only(browser, school, people, role):
    from models.reports import load

    browser.login(getattr(people, role).login)
    reader = role != "admin"
    for key, spec in load().items():
        for ask in ("", "?format=xlsx"):
            response = browser.get(f"/reports/{key}{ask}")
            assert response.status_code == (200 if reader else 403), (role, key, ask)
        if reader and role != "teacher" and role not in ("deputy", "director") \
                and "class" in spec.filters:
            # 5А is not theirs unless they teach it (`english` does): refused, not shown.
            response = browser.get(f"/reports/{key}?class_id={school.c5.id}")
            assert response.status_code == (200 if role == "english" else 403), (role, key)


def test_the_rows_are_escaped_html_with_links_and_totals():
    table = sample_report().tables[0]
    table.rows.append(Row(["<script>alert(1)</script>", None, None, None]))
    html = str(rows_html(table, "num", "total"))
    assert '<tr><td><a href="/journal/">5А</a></td><td class="num">25</td>' in html
    assert '<td class="num">4,25</td><td class="num">85,7\u00a0%</td>' in html
    assert '<tr class="total"><td>Всего</td><td class="num">1\u00a0234</td>' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html
    assert "<a " not in str(rows_html(table, "num", "total", links=False))


def test_long_labels_are_cut_to_their_slot_not_overlapping():
    """Seen in report 1's chart: nine subject names ran into each other under the bars."""
    names = ["Изобразительное искусство", "Литературное чтение", "Окружающий мир",
             "Русский язык", "Математика", "Музыка", "Труд (технология)",
             "Физическая культура", "Иностранный язык (английский)"]
    svg = str(chart_svg(Chart("Отметки", names, [("«5»", [1] * 9)])))
    shown = re.findall(r'font-size="10" text-anchor="middle"[^>]*>([^<]+)</text>', svg)
    assert len(shown) == 9 and "Изобразительное искусство" not in shown
    assert shown[0].endswith("…") and shown[5] == "Музыка"
    slot = (720 - 48 - 12) / 9
    assert all(len(label) * 7.0 <= slot for label in shown)
