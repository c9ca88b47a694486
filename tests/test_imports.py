"""Imports (issue 19.1): a deputy loads the pupils and their guardians, the admin loads
the staff, from purpose-made XLSX, ODS and CSV files (both delimiters, both encodings);
the preview says what the import does, an import is all or nothing, a re-import updates
and never duplicates, every bad row is reported in Russian with its row and column."""
from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest

from models import (
    AuditEntry,
    Guardian,
    Movement,
    Staff,
    Student,
)
from models.imports import CREATE, SKIP, UPDATE, Problem, read_table, run
from models.imports.registry import KINDS
from tests.panel import rows, text
from tests.spreadsheets import FORMATS, filename, write_table

PUPILS, STAFF = KINDS["pupils"], KINDS["staff"]
HEADER = ["Фамилия", "Имя", "Отчество", "Дата рождения", "Пол", "Класс", "Дата зачисления",
          "Родитель 1: ФИО", "Родитель 1: кем приходится", "Родитель 1: телефон",
          "Родитель 1: e-mail", "Родитель 1: бумажная выписка",
          "Родитель 2: ФИО", "Родитель 2: кем приходится", "Родитель 2: телефон",
          "Родитель 2: e-mail", "Родитель 2: бумажная выписка", "СНИЛС"]
SEPTEMBER = dt.date(2014, 9, 3)


def pupils_file(*extra: list) -> list[list]:
    """Two siblings sharing their mother, and a third pupil with no guardian; a column the
    template has not (ignored, as a regional system's export has more)."""
    return [HEADER,
            ["Ёлкина", "Анна", "Сергеевна", SEPTEMBER, "ж", "5А", "",
             "Ёлкина Мария Петровна", "мать", "+7 912 345-67-89", "elkina@mail.ru", "да",
             "Ёлкин Сергей Иванович", "отец", "8 (912) 000-11-22", "", "нет", "123"],
            ["Ёлкин", "Пётр", "Сергеевич", dt.date(2016, 1, 20), "м", "1 а", "",
             "елкина мария петровна", "мать", "89123456789", "", "", "", "", "", "", "", ""],
            ["Новиков", "Игорь", "", dt.date(2013, 5, 1), "м", "6A", "",
             "", "", "", "", "", "", "", "", "", "", ""],
            *extra]


def pupils_of(school_class) -> list[str]:
    return [s.full_name for s in school_class.students_on(school_class.year.end)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_clean_file_of_pupils_in_every_format(school, people, fmt):
    data = write_table(None, pupils_file(), fmt)
    name = filename(fmt, "ученики")

    preview = run(PUPILS, people.deputy, data, name, school.today, commit=False)
    assert preview.ok and not preview.committed, [str(p) for p in preview.problems]
    assert preview.counts == {CREATE: 3, UPDATE: 0, SKIP: 0}
    assert preview.ignored == ["СНИЛС"]
    assert Student.select().where(Student.last_name == "Ёлкина").count() == 0

    done = run(PUPILS, people.deputy, data, name, school.today, commit=True)
    assert done.ok and done.committed and done.counts[CREATE] == 3
    assert "Ёлкина Анна Сергеевна" in pupils_of(school.c5)
    assert "Ёлкин Пётр Сергеевич" in pupils_of(school.c1)
    assert "Новиков Игорь" in pupils_of(school.c6)
    anna = Student.get(Student.last_name == "Ёлкина")
    assert (anna.birth_date, anna.gender) == (SEPTEMBER, "Ж")
    enrolled = Movement.get(Movement.student == anna.id)
    assert (enrolled.kind, enrolled.date, enrolled.school_class_id) == (
        "enrolled", school.year.start, school.c5.id)
    # The mother is one guardian of both children (found by name and phone).
    mother = Guardian.get(Guardian.first_name == "Мария")
    assert (mother.phone, mother.email, mother.wants_paper_sheet) == (
        "+7 912 345-67-89", "elkina@mail.ru", True)
    children = {link.student.first_name: link.relation for link in mother.student_links}
    assert children == {"Анна": "мать", "Пётр": "мать"}
    assert Guardian.select().count() == 2
    # Audited as the deputy's, with the file's name.
    entry = AuditEntry.get((AuditEntry.table_name == "student") & (AuditEntry.row_id == anna.id))
    assert entry.action == "create" and entry.staff_id == people.deputy.id
    assert "ученики." in entry.reason and json.loads(entry.after)["last_name"] == "Ёлкина"


def test_a_reimport_updates_the_changed_field_and_duplicates_nothing(school, people):
    first = write_table(None, pupils_file(), "xlsx")
    assert run(PUPILS, people.deputy, first, "a.xlsx", school.today, commit=True).ok
    before = {m: len(r) for m, r in rows().items() if m != "AuditEntry"}

    again = run(PUPILS, people.deputy, first, "a.xlsx", school.today, commit=True)
    assert again.counts == {CREATE: 0, UPDATE: 0, SKIP: 3}

    changed = pupils_file()
    changed[1][11] = "нет"  # the mother no longer wants a paper sheet
    changed[3][4] = "М"  # the same gender, typed otherwise: no change
    result = run(PUPILS, people.deputy, write_table(None, changed, "ods"), "b.ods",
                 school.today, commit=True)
    assert result.ok, [str(p) for p in result.problems]
    assert result.counts == {CREATE: 0, UPDATE: 1, SKIP: 2}
    assert "бумажная выписка" in next(o.summary for o in result.outcomes if o.action == UPDATE)
    assert Guardian.get(Guardian.first_name == "Мария").wants_paper_sheet is False
    assert {m: len(r) for m, r in rows().items() if m != "AuditEntry"} == before


@pytest.mark.parametrize("fmt", ["xlsx", "csv;:cp1251"])
def test_bad_rows_change_nothing_and_each_is_reported_in_russian(school, people, fmt):
    bad = pupils_file(
        ["Петров", "Олег", "", "31.02.2014", "м", "5А", "", *[""] * 11],
        ["Сидорова", "Ольга", "", "01.02.2014", "ж", "9Я", "", *[""] * 11],
        ["", "Павел", "", "01.02.2014", "м", "5А", "", *[""] * 11],
        ["Ёлкина", "Анна", "Сергеевна", SEPTEMBER, "ж", "5А", "", *[""] * 11],
        ["Зайцев", "Иван", "", "01.02.2014", "м", "5А", "", "Зайцева", "мать", "12",
         "нет-почты", "может быть", *[""] * 6],
    )
    before = rows()
    result = run(PUPILS, people.deputy, write_table(None, bad, fmt), filename(fmt),
                 school.today, commit=True)
    assert not result.ok and not result.committed
    assert rows() == before
    lines = [str(p) for p in result.problems]
    assert lines[0] == ("строка 5, столбец «Дата рождения»: «31.02.2014» — не дата. "
                        "Ожидалось: дата вида 05.03.2015.")
    assert lines[1].startswith("строка 6, столбец «Класс»: «9Я» — нет такого класса в "
                               "Тестовый год учебном году. Ожидалось: один из классов: ")
    assert lines[2] == "строка 7, столбец «Фамилия»: не заполнено. Ожидалось: фамилия ученика."
    assert lines[3].startswith("строка 8: ученик Ёлкина Анна Сергеевна, 03.09.2014, уже есть "
                               "в строке 2 этого файла")
    assert {p.column for p in result.problems if p.row == 9} == {
        "Родитель 1: ФИО", "Родитель 1: телефон", "Родитель 1: e-mail",
        "Родитель 1: бумажная выписка"}
    assert result.summary() == f"Ошибок в файле: {len(lines)} (строк: 5). Ничего не записано."


def test_a_pupil_of_another_class_is_not_moved_by_an_import(school, people):
    moved = [HEADER[:7], ["Иванов", "Тест", "", "01.02.2014", "м", "6А", ""]]
    school.pupils5[0].birth_date = dt.date(2014, 2, 1)
    school.pupils5[0].save()
    result = run(PUPILS, people.deputy, write_table(None, moved, "csv,"), "x.csv",
                 school.today, commit=True)
    assert [str(p) for p in result.problems] == [
        "строка 2, столбец «Класс»: Иванов Тест уже учится в классе 5А, а не в 6А. "
        "Ожидалось: класс по книге движения; перевод в другой класс оформляется приказом в "
        "«Книге движения» (или на странице «Переход на новый год»)."]
    assert "Иванов Тест" in pupils_of(school.c5)


def test_a_missing_column_and_an_empty_file_are_reported_at_the_header(school, people):
    result = run(PUPILS, people.deputy, write_table(None, [["Фамилия", "Имя"], ["А", "Б"]],
                                                    "xlsx"), "x.xlsx", school.today, True)
    assert [str(p) for p in result.problems] == [
        "строка 1, столбец «Дата рождения»: нет обязательного столбца.",
        "строка 1, столбец «Класс»: нет обязательного столбца."]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_regional_list_with_a_title_above_its_table(school, people, fmt):
    """A regional system's list has its title and an empty line above the header: the
    header is found under them, and a bad row is reported by the number the sheet shows."""
    titled = [["Список обучающихся, 5А, 1А и 6А классы, на 01.09.2026"], [],
              *pupils_file(["Зайцев", "Олег", "", "31.02.2014", "м", "5А"])]
    result = run(PUPILS, people.deputy, write_table(None, titled, fmt), filename(fmt),
                 school.today, commit=True)
    assert [str(p) for p in result.problems] == [
        "строка 7, столбец «Дата рождения»: «31.02.2014» — не дата. Ожидалось: дата вида "
        "05.03.2015."]
    titled.pop()
    result = run(PUPILS, people.deputy, write_table(None, titled, fmt), filename(fmt),
                 school.today, commit=True)
    assert result.ok and result.counts[CREATE] == 3, [str(p) for p in result.problems]
    assert "Ёлкина Анна Сергеевна" in pupils_of(school.c5)


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_a_row_is_numbered_as_the_sheet_shows_it_below_empty_rows(school, people, fmt):
    """A sheet whose table starts on row 3: its rows keep the sheet's numbers (the reader
    used to drop the empty rows above and report row 2 for row 4)."""
    sheet = [[], [], HEADER[:6], ["Зайцев", "Олег", "", "31.02.2014", "м", "5А"]]
    result = run(PUPILS, people.deputy, write_table(None, sheet, fmt), filename(fmt),
                 school.today, commit=False)
    assert [p.row for p in result.problems] == [4]


STAFF_HEADER = ["Фамилия", "Имя", "Отчество", "Логин", "Роли", "Телефон", "E-mail"]


def test_the_admin_loads_staff_and_sees_each_new_password_once(school, people):
    file = [STAFF_HEADER,
            ["Ёжикова", "Мария", "Петровна", "", "учитель, заместитель директора", "", ""],
            ["Учителева", "Анна", "Петровна", "teacher.aa", "Учитель", "+7 900 000-00-00", ""],
            ["Щукин", "Юрий", "", "shchukin", "учитель", "", "shchukin@school.ru"]]
    data = write_table(None, file, "csv;:utf-8-sig")
    preview = run(STAFF, people.admin, data, "staff.csv", school.today, commit=False)
    assert preview.ok and preview.issued == []
    assert preview.counts == {CREATE: 2, UPDATE: 1, SKIP: 0}
    done = run(STAFF, people.admin, data, "staff.csv", school.today, commit=True)
    assert [(login, name) for login, name, _ in done.issued] == [
        ("ezhikova.mp", "Ёжикова Мария Петровна"), ("shchukin", "Щукин Юрий")]
    login, _, password = done.issued[0]
    account = Staff.get(Staff.login == login)
    assert account.role_set == {"teacher", "deputy"} and account.check_password(password)
    assert Staff.get(Staff.login == "teacher.aa").phone == "+7 900 000-00-00"
    logged = "".join(e.after or "" for e in AuditEntry.select())
    assert password not in logged and all(password not in o.summary for o in done.outcomes)
    again = run(STAFF, people.admin, data, "staff.csv", school.today, commit=True)
    assert again.counts == {CREATE: 0, UPDATE: 0, SKIP: 3} and again.issued == []


def test_a_bad_role_and_a_deputy_are_refused(school, people):
    file = [STAFF_HEADER, ["Петров", "Пётр", "", "", "директор школы", "", ""]]
    result = run(STAFF, people.admin, write_table(None, file, "xlsx"), "s.xlsx",
                 school.today, commit=True)
    assert [str(p) for p in result.problems] == [
        "строка 2, столбец «Роли»: «директор школы» — нет такой роли. Ожидалось: роли "
        "через запятую: «администратор», «директор», «заместитель директора», «учитель»."]
    from models import RuleError
    with pytest.raises(RuleError, match="недоступна"):
        run(STAFF, people.deputy, write_table(None, file, "xlsx"), "s.xlsx", school.today,
            commit=True)
    with pytest.raises(RuleError, match="недоступна"):
        run(PUPILS, people.admin, write_table(None, pupils_file(), "xlsx"), "s.xlsx",
            school.today, commit=True)


def test_the_command_line_previews_commits_and_writes_templates(school, people, runner,
                                                                   tmp_path):
    from journal_cli import main

    file = tmp_path / "ученики.ods"
    write_table(file, pupils_file(), "ods")
    preview = runner.invoke(main, ["import", "pupils", str(file)])
    assert preview.exit_code == 0, preview.output
    assert "Будет создано: 3" in preview.output and "повторите с --commit" in preview.output
    assert "«СНИЛС»" in preview.output
    assert Student.select().where(Student.last_name == "Ёлкина").count() == 0

    done = runner.invoke(main, ["import", "pupils", str(file), "--commit"])
    assert done.exit_code == 0 and "Создано: 3" in done.output
    anna = Student.get(Student.last_name == "Ёлкина")
    entry = AuditEntry.get((AuditEntry.table_name == "student") & (AuditEntry.row_id == anna.id))
    assert entry.staff_id is None and entry.address.startswith("командная строка")

    bad = tmp_path / "bad.csv"
    write_table(bad, pupils_file(["Петров", "Олег", "", "31.02.2014", "м", "5А", "",
                                  *[""] * 11]), "csv,:cp1251")
    refused = runner.invoke(main, ["import", "pupils", str(bad), "--commit"])
    assert refused.exit_code == 1
    assert "строка 5, столбец «Дата рождения»: «31.02.2014» — не дата" in refused.output
    assert "Ничего не записано." in refused.output

    staff_file = tmp_path / "staff.xlsx"
    write_table(staff_file, [STAFF_HEADER, ["Щукин", "Юрий", "", "", "учитель", "", ""]],
                "xlsx")
    as_deputy = runner.invoke(main, ["import", "staff", str(staff_file), "--commit",
                                     "--as", people.deputy.login])
    assert as_deputy.exit_code == 1 and "недоступна" in as_deputy.output
    issued = runner.invoke(main, ["import", "staff", str(staff_file), "--commit"])
    assert issued.exit_code == 0 and "shchukin.i" in issued.output
    password = issued.output.split("пароль: ")[1].split()[0]
    assert Staff.get(Staff.login == "shchukin.i").check_password(password)

    for fmt in ("xlsx", "csv"):
        template = tmp_path / f"шаблон.{fmt}"
        made = runner.invoke(main, ["import", "--template", "pupils", str(template)])
        assert made.exit_code == 0, made.output
        header, example = read_table(template.read_bytes(), template.name)[:2]
        assert header[:4] == ["Фамилия", "Имя", "Отчество", "Дата рождения"]
        assert example[5] == "5А"
    unknown = runner.invoke(main, ["import", "marks", str(file)])
    assert unknown.exit_code == 1 and "Нет вида загрузки «marks»" in unknown.output


def test_a_closed_year_takes_no_pupils(school, people):
    from models import AcademicYear
    AcademicYear.update(closed=True).where(AcademicYear.id == school.year.id).execute()
    before = rows()
    result = run(PUPILS, people.deputy, write_table(None, pupils_file(), "xlsx"), "a.xlsx",
                 school.today, commit=True)
    assert not result.ok and rows() == before
    assert "закрыт" in str(result.problems[0])


# --- the panel's «Загрузка данных» ------------------------------------------------------

def upload(browser, kind: str, data: bytes, name: str):
    browser.get(f"/imports/?kind={kind}")
    return browser.post("/imports/preview", {"kind": kind, "file": (io.BytesIO(data), name)})


def test_the_deputy_previews_then_loads_a_file_in_the_panel(browser, people, school, app):
    browser.login(people.deputy.login)
    page = browser.get("/imports/")
    assert page.status_code == 200 and "Ученики и родители" in text(page)
    assert 'id="kind-staff"' not in text(page)  # the admin's alone
    template = browser.get("/imports/template/pupils.xlsx")
    assert template.status_code == 200
    assert read_table(template.data, "t.xlsx")[0][:2] == ["Фамилия", "Имя"]
    assert browser.get("/imports/template/staff.csv").status_code == 404

    evil = pupils_file(["<b>Зло</b>", "Ян", "", "01.02.2014", "м", "5А", "", *[""] * 11])
    preview = upload(browser, "pupils", write_table(None, evil, "xlsx"), "ученики.xlsx")
    body = text(preview)
    assert preview.status_code == 200 and "будет создано: 4" in body
    assert "&lt;b&gt;Зло&lt;/b&gt;" in body and "<b>Зло</b>" not in body
    assert Student.select().where(Student.last_name == "Ёлкина").count() == 0
    kept = list((Path(app.instance_path) / "imports").iterdir())
    assert {oct(p.stat().st_mode & 0o777) for p in kept} == {"0o600"}

    token = re.search(r'name="token" value="([^"]+)"', body).group(1)
    done = browser.post("/imports/confirm", {"token": token})
    assert done.status_code == 200 and "создано: 4" in text(done)
    assert "Ёлкина Анна Сергеевна" in pupils_of(school.c5)
    assert not list((Path(app.instance_path) / "imports").iterdir())
    again = browser.post("/imports/confirm", {"token": token})
    assert again.status_code == 410 and "выберите его ещё раз" in text(again)


def test_the_panel_reports_bad_rows_and_refuses_what_is_no_table(browser, people, school,
                                                                 app):
    browser.login(people.deputy.login)
    before = rows()
    bad = pupils_file(["Петров", "Олег", "", "31.02.2014", "м", "5А", "", *[""] * 11])
    preview = upload(browser, "pupils", write_table(None, bad, "csv;:cp1251"), "b.csv")
    assert preview.status_code == 422
    assert ("<td>5</td><td>Дата рождения</td><td>«31.02.2014» — не дата</td>"
            in text(preview).replace("\n", ""))
    assert 'name="token"' not in text(preview)
    not_a_table = upload(browser, "pupils", b"PK\x03\x04 broken", "b.xlsx")
    assert not_a_table.status_code == 422 and "не читается как таблица" in text(not_a_table)
    word = upload(browser, "pupils", b"text", "b.docx")
    assert word.status_code == 422 and "нужен файл XLSX, ODS или CSV" in text(word)
    huge = upload(browser, "pupils", b"0" * (6 * 1024 * 1024), "big.csv")
    assert huge.status_code == 413 and "больше 5 МБ" in text(huge)
    huge.request.environ["wsgi.input"].close()  # the test client's spooled body, unread
    stranger = browser.post("/imports/confirm", {"token": "x" * 32})
    assert stranger.status_code == 410
    assert rows() == before


def test_a_token_is_its_uploaders_alone(app, people, school):
    from tests.panel import Browser
    deputy, admin = Browser(app.test_client()), Browser(app.test_client())
    deputy.login(people.deputy.login)
    admin.login(people.admin.login)
    preview = upload(deputy, "pupils", write_table(None, pupils_file(), "xlsx"), "a.xlsx")
    token = re.search(r'name="token" value="([^"]+)"', text(preview)).group(1)
    assert admin.post("/imports/confirm", {"token": token}).status_code == 410
    assert Student.select().where(Student.last_name == "Ёлкина").count() == 0


def test_the_admin_sees_new_staff_passwords_once_in_the_panel(browser, people, school):
    browser.login(people.admin.login)
    file = [STAFF_HEADER, ["Щукин", "Юрий", "", "", "учитель", "", ""]]
    preview = upload(browser, "staff", write_table(None, file, "ods"), "s.ods")
    assert preview.status_code == 200 and "Пароли новых" not in text(preview)
    token = re.search(r'name="token" value="([^"]+)"', text(preview)).group(1)
    done = text(browser.post("/imports/confirm", {"token": token}))
    password = re.search(r"<code>([0-9A-Z-]{14})</code>", done).group(1)
    assert Staff.get(Staff.login == "shchukin.i").check_password(password)
    assert password not in text(browser.get("/imports/"))


def test_the_panel_page_in_chromium_under_its_csp(new_page, people, school):
    """Real Chromium: the template downloads, the file uploads with its CSRF token, the
    preview and the report show, and nothing breaks the Content-Security-Policy."""
    from tests.chromium import log_in, page_errors
    page = new_page()
    errors = page_errors(page)
    log_in(page, people.deputy.login)
    page.goto("/imports/")
    with page.expect_download() as download:
        page.click("#kind-pupils a:has-text('XLSX')")
    assert read_table(Path(download.value.path()).read_bytes(), "t.xlsx")[0][0] == "Фамилия"
    page.select_option("#kind", "pupils")
    page.set_input_files("#file", files=[{
        "name": "ученики.ods", "mimeType": "application/vnd.oasis.opendocument.spreadsheet",
        "buffer": write_table(None, pupils_file(), "ods")}])
    with page.expect_navigation():
        page.click("#preview")
    assert "будет создано: 3" in page.inner_text("#import-summary")
    assert "Ёлкина Анна Сергеевна" in page.inner_text("#import-rows")
    with page.expect_navigation():
        page.click("#confirm")
    assert "создано: 3" in page.inner_text("#import-summary")
    assert "Ёлкина Анна Сергеевна" in pupils_of(school.c5)
    assert not errors, errors


def test_a_pupil_typed_without_a_birth_date_is_found_by_name_and_given_it(school, people):
    file = [HEADER[:7], ["Петрова", "Тест", "", "02.03.2014", "ж", "5А", ""]]
    count = Student.select().count()
    result = run(PUPILS, people.deputy, write_table(None, file, "xlsx"), "a.xlsx",
                 school.today, commit=True)
    assert result.counts[UPDATE] == 1, [str(p) for p in result.problems]
    assert "дата рождения" in result.outcomes[0].summary
    assert Student.select().count() == count
    assert Student.get_by_id(school.pupils5[1].id).birth_date == dt.date(2014, 3, 2)


def test_a_kept_upload_is_gone_after_an_hour(browser, people, school, app):
    import os
    browser.login(people.deputy.login)
    preview = upload(browser, "pupils", write_table(None, pupils_file(), "xlsx"), "a.xlsx")
    token = re.search(r'name="token" value="([^"]+)"', text(preview)).group(1)
    for path in (Path(app.instance_path) / "imports").iterdir():
        os.utime(path, (0, 0))  # written long ago (in 1970): far more than an hour
    late = browser.post("/imports/confirm", {"token": token})
    assert late.status_code == 410 and "прошло больше часа" in text(late)
    assert not list((Path(app.instance_path) / "imports").iterdir())
    assert Student.select().where(Student.last_name == "Ёлкина").count() == 0


def test_a_long_bad_value_is_quoted_cut(school, people):
    file = [HEADER[:7], ["Петров", "Олег", "", "1" * 500, "м", "5А", ""]]
    result = run(PUPILS, people.deputy, write_table(None, file, "csv;"), "a.csv",
                 school.today, commit=True)
    assert str(result.problems[0]).startswith(
        f"строка 2, столбец «Дата рождения»: «{'1' * 40}…» — не дата.")


def test_a_problem_reads_as_one_russian_sentence():
    """A model's refusal ends with its own full stop; the report adds none after it."""
    assert str(Problem(7, "", "Учебный год 2025/2026 закрыт.")) == \
        "строка 7: Учебный год 2025/2026 закрыт."
    problem = Problem(3, "Класс", "«5Я» — нет такого класса", "класс этого года, «5А».")
    assert str(problem) == ("строка 3, столбец «Класс»: «5Я» — нет такого класса. "
                            "Ожидалось: класс этого года, «5А».")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("key", list(KINDS))
def test_a_template_sent_back_with_its_example_row_loads_nothing(school, key, fmt):
    """Every kind's template reads back as its own (every column known), and its example
    row, left in by mistake, is refused, not loaded as «Иванов Пётр» or a lesson of his."""
    from models.imports.template import template_file
    data = template_file(KINDS[key], fmt)
    result = run(KINDS[key], None, data, f"шаблон.{fmt}", school.today, commit=True)
    assert not result.ignored
    assert [str(p) for p in result.problems] == [
        "строка 2: это строка-пример из шаблона, а не данные. Ожидалось: удалите её из файла "
        "или впишите вместо неё свои данные."]
