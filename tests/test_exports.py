"""«Экспорт» (issue 19.2): the class journal, the class list with the guardians and a
journal's КТП as XLSX, read back with openpyxl.

The journal file is compared cell by cell with the grid page the same person opens; who
downloads what is models.access's (the small school's people, tests/panel.py: `teacher`
teaches maths in 5А, 1А, 6А and leads 5А and 1А; `class_teacher` leads 6А; `english`
teaches 5А's English group 1; `other` 6А's English group 2).
"""
from __future__ import annotations

import datetime as dt
import io
import re
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from models import (
    Attendance,
    Guardian,
    Lesson,
    LessonWork,
    Mark,
    Movement,
    PeriodMark,
    PlanTopic,
    StudentGuardian,
    Subgroup,
    TeachingAssignment,
)
from tests.panel import Browser, text

DAY = dt.timedelta(days=1)
HYPERLINK = '=HYPERLINK("http://example.org/","нажмите")'


class GridRows(HTMLParser):
    """The grid page's header labels and, per pupil's row, what each cell shows: a cell's
    text, or the value of its input (an editable cell, a period mark)."""

    def __init__(self, html: str):
        super().__init__()
        self.heads: list[str] = []
        self.rows: dict[str, list[str]] = {}
        self._row = self._cell = self._head = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("id") == "grid":
            self._inside = True
        if not getattr(self, "_inside", False):
            return
        if tag == "tr" and "data-student" in a:
            self._row = self.rows.setdefault(a["data-student"], [])
        elif tag == "td" and self._row is not None:
            self._cell = ""
        elif tag == "input" and self._cell is not None:
            self._cell += a.get("value") or ""
        elif tag == "th" and self._row is None:
            self._head = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self._inside = False
        elif tag == "td" and self._cell is not None:
            self._row.append(" ".join(self._cell.split()))
            self._cell = None
        elif tag == "th" and self._head is not None:
            self.heads.append(" ".join(self._head.split()))
            self._head = None
        elif tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        elif self._head is not None:
            self._head += data


def as_(browser: Browser, person) -> Browser:
    """A new browser of the same app, logged in as another person."""
    fresh = Browser(browser.client.application.test_client())
    assert fresh.login(person.login).status_code == 302
    return fresh


def workbook(response):
    assert response.status_code == 200, text(response)[:300]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(response.data))


def table(sheet) -> tuple[list, list[list]]:
    """A sheet's header (row 4, as the reports' writer puts it) and the rows under it."""
    rows = [list(r) for r in sheet.iter_rows(min_row=4, values_only=True)]
    header, body = rows[0], []
    for row in rows[1:]:
        if all(v is None for v in row):
            break  # the notes follow after an empty line
        body.append(row)
    return header, body


def shown(value) -> str:
    """An XLSX value as the grid writes it: «4,33» for an average, text as it is."""
    if isinstance(value, (int, float)):  # openpyxl reads 4.0 back as 4
        return f"{value:.2f}".replace(".", ",")
    return "" if value is None else str(value)


@pytest.fixture
def journal(school, people):
    """5А maths with what a grid can hold: single and double marks, a weighted test, a
    second graded work within a lesson, a mark owed («•»), absences, a late arrival, a
    period mark, a teacher's topic that looks like a formula."""
    ivanov, petrova, sidorov = school.pupils5
    days = [school.today - n * DAY for n in (9, 8, 7, 2)]
    first = school.lesson(day=days[0], topic="Дроби", homework="№ 12")
    test = school.lesson(day=days[1], topic="Контрольная работа", work_type=school.test)
    worked = school.lesson(day=days[2], topic=HYPERLINK, work_type=school.oral)
    last = school.lesson(day=days[3], topic="Проценты")
    LessonWork.create(lesson=worked, work_type=school.test)
    for lesson, pupil, value, work in (
            (first, ivanov, "5", None), (first, ivanov, "4", None), (first, petrova, "3", None),
            (test, ivanov, "4", None), (test, petrova, "2", None), (test, sidorov, "•", None),
            (worked, ivanov, "5", None), (worked, ivanov, "3", school.test),
            (worked, petrova, "5", school.test), (last, sidorov, "5", None)):
        Mark.create(lesson=lesson, student=pupil, value=value, work_type=work)
    for lesson, pupil, code in ((first, sidorov, "Н"), (last, ivanov, "Б"),
                                (last, petrova, "ОП")):
        Attendance.create(lesson=lesson, student=pupil, code=code)
    Mark.create(lesson=last, student=petrova, value="4")  # late, and answered
    PeriodMark.create(student=ivanov, school_class=school.c5, subject=school.math,
                      period=school.period, value="4", set_by=people.teacher)
    return [first, test, worked, last]


def journal_url(school, **extra) -> str:
    query = {"class_id": school.c5.id, "subject_id": school.math.id, **extra}
    return "/exports/journal?" + "&".join(f"{k}={v}" for k, v in query.items())


# --- the class journal ------------------------------------------------------------------

def test_the_journal_file_says_what_the_grid_shows(browser, people, school, journal):
    browser.login(people.director.login)
    grid = browser.get(f"/journal/grid?class_id={school.c5.id}&subject_id={school.math.id}")
    page = GridRows(text(grid))
    book = workbook(browser.get(journal_url(school, period_id=school.period.id)))
    assert book.sheetnames == ["Математика", "Темы уроков"]
    header, rows = table(book["Математика"])
    # The grid's columns: 4 lessons and the second work of the third, then the averages.
    assert header[:2] == ["№", "Ученик"] and len(header) == len(page.heads) + 1
    assert [h.replace(" ", "") for h in header[2:7]] == [
        h.replace(" ", "") for h in page.heads[1:6]]
    assert header[2:7] == [f"{journal[0].date:%d.%m}", f"{journal[1].date:%d.%m} Ко",
                           f"{journal[2].date:%d.%m} Ус", f"{journal[2].date:%d.%m} Ко",
                           f"{journal[3].date:%d.%m}"]
    assert header[7:10] == ["Ср. балл", "Реком.", "За период"]
    assert [r[1] for r in rows] == ["Иванов Тест", "Петрова Тест", "Сидоров Тест"]
    for pupil, row in zip(school.pupils5, rows, strict=True):
        assert [shown(v) for v in row[2:]] == page.rows[str(pupil.id)], pupil.last_name
    ivanov, petrova, sidorov = rows
    assert ivanov[2:7] == ["5 4", "4", "5", "3", "Б"] and ivanov[9] == "4"
    assert petrova[2:7] == ["3", "2", None, "5", "ОП 4"]
    assert sidorov[2:7] == ["Н", "•", None, None, "5"]
    # Averages are numbers (weighted: the test and the second work count twice).
    assert ivanov[7] == 4 and petrova[7] == 3.5 and petrova[8] == "4"
    assert shown(ivanov[7]) == "4,00" and shown(petrova[7]) == "3,50"
    assert book["Математика"].cell(row=5, column=8).number_format == "0.00"
    assert sidorov[7] == 5.0 and sidorov[8] == "5"
    assert book["Математика"].freeze_panes == "A5"


def test_a_topic_typed_as_a_formula_comes_back_as_text(browser, people, school, journal):
    browser.login(people.teacher.login)
    book = workbook(browser.get(journal_url(school)))
    header, rows = table(book["Темы уроков"])
    assert header[:4] == ["Дата", "№ урока", "Тема", "Вид работы"]
    assert [r[2] for r in rows] == ["Дроби", "Контрольная работа", HYPERLINK, "Проценты"]
    cell = next(c for c in book["Темы уроков"]["C"] if c.value == HYPERLINK)
    # A string, never a formula Excel would run, with Excel's own text mark (the quote
    # prefix) so it stays text even when the cell is edited and entered again.
    assert cell.data_type == "s" and cell.quotePrefix
    assert not next(c for c in book["Темы уроков"]["C"] if c.value == "Дроби").quotePrefix
    assert rows[0][4] == "№ 12" and rows[1][3] == "Контрольная работа"


def test_every_subject_of_the_class_a_sheet_each(browser, people, school, journal):
    english = Lesson.create(school_class=school.c5, subject=school.english,
                            subgroup=school.group1, teacher=people.english,
                            date=school.today - DAY, topic="Present Simple")
    Mark.create(lesson=english, student=school.pupils5[0], value="5")
    browser.login(people.teacher.login)  # 5А's class teacher: every journal
    book = workbook(browser.get(f"/exports/journal?class_id={school.c5.id}"))
    # In the school's subject order (here by name); a sheet's name is at most 31
    # characters, the group's name kept whole.
    assert book.sheetnames == ["Иностранный язык (ан…, 1 группа", "Математика",
                               "Темы уроков"]
    header, rows = table(book.worksheets[0])
    assert [r[1] for r in rows] == ["Иванов Тест"]  # the group's only pupil
    assert rows[0][2] == "5" and rows[0][3] == 5.0
    _, topics = table(book["Темы уроков"])
    assert topics[0][:4] == ["Иностранный язык (английский), 1 группа",
                             f"{english.date:%d.%m.%Y}", 1, "Present Simple"]
    assert [t[0] for t in topics[1:]] == ["Математика"] * 4
    # The group's teacher: only their own journal, the class's maths is not theirs.
    browser = as_(browser, people.english)
    own = workbook(browser.get(f"/exports/journal?class_id={school.c5.id}"))
    assert own.sheetnames == ["Иностранный язык (ан…, 1 группа", "Темы уроков"]
    assert "Дроби" not in str(list(own["Темы уроков"].values))


def test_the_grid_links_its_file(browser, people, school, journal):
    browser.login(people.teacher.login)
    grid = text(browser.get(f"/journal/grid?class_id={school.c5.id}&subject_id={school.math.id}"))
    link = re.search(r'id="export-xlsx" href="([^"]+)"', grid)
    assert link and "Скачать XLSX" in grid
    assert workbook(browser.get(link.group(1).replace("&amp;", "&"))).sheetnames[0] == "Математика"
    # A substitute reads the grid of the lesson they gave, but the journal is not theirs.
    school.lesson(teacher=people.other, day=school.today - DAY)
    browser = as_(browser, people.other)
    grid = browser.get(f"/journal/grid?class_id={school.c5.id}&subject_id={school.math.id}")
    assert grid.status_code == 200 and 'id="export-xlsx"' not in text(grid)
    assert browser.get(journal_url(school)).status_code == 403


# --- the class list with the guardians ------------------------------------------------------

@pytest.fixture
def guardians(school):
    ivanov, petrova, _ = school.pupils5
    mother = Guardian.create(last_name="Иванова", first_name="Мария", middle_name="Ивановна",
                             phone="+7 900 000-00-01", email="=cmd|' /C calc'!A0",
                             wants_paper_sheet=True)
    father = Guardian.create(last_name="Иванов", first_name="Пётр", phone="8 900 000 00 02")
    StudentGuardian.create(student=ivanov, guardian=mother, relation="мать")
    StudentGuardian.create(student=ivanov, guardian=father, relation="отец")
    StudentGuardian.create(student=petrova, guardian=Guardian.create(
        last_name="Петров", first_name="Олег"), relation="опекун")
    ivanov.birth_date, ivanov.gender = dt.date(2015, 3, 12), "М"
    ivanov.save()
    return mother, father


def test_the_class_list_with_guardians(browser, people, school, guardians):
    browser.login(people.teacher.login)  # 5А's class teacher
    book = workbook(browser.get(f"/exports/pupils?class_id={school.c5.id}"))
    header, rows = table(book["Ученики и родители"])
    assert header == ["№", "ФИО ученика", "Дата рождения", "Пол",
                      "Родитель (законный представитель)", "Кем приходится", "Телефон",
                      "E-mail", "Бумажный лист"]
    assert rows == [
        [1, "Иванов Тест", "12.03.2015", "М", "Иванов Пётр", "отец", "8 900 000 00 02",
         None, "нет"],
        # Text a spreadsheet would read as a formula is kept as typed, marked as text.
        [None, None, None, None, "Иванова Мария Ивановна", "мать", "+7 900 000-00-01",
         "=cmd|' /C calc'!A0", "да"],
        [2, "Петрова Тест", None, None, "Петров Олег", "опекун", None, None, "нет"],
        [3, "Сидоров Тест", None, None, None, None, None, None, None]]
    assert book.active["A2"].value == f"5А, на {school.today:%d.%m.%Y}"
    email = next(c for c in book.active["H"] if c.value == "=cmd|' /C calc'!A0")
    assert email.data_type == "s" and email.quotePrefix


def test_the_class_list_on_a_date_and_who_left(browser, people, school, guardians):
    sidorov = school.pupils5[2]
    Movement.create(student=sidorov, kind="left", date=school.today - 3 * DAY,
                    school_class=None, order_number="12")
    before = (school.today - 5 * DAY).strftime("%d.%m.%Y")
    browser.login(people.deputy.login)
    _, rows = table(workbook(browser.get(
        f"/exports/pupils?class_id={school.c5.id}&date={before}")).active)
    assert [r[1] for r in rows if r[1]] == ["Иванов Тест", "Петрова Тест", "Сидоров Тест"]
    _, rows = table(workbook(browser.get(f"/exports/pupils?class_id={school.c5.id}")).active)
    assert [r[1] for r in rows if r[1]] == ["Иванов Тест", "Петрова Тест"]
    # The class teacher reads the cards of the pupils now in the class only.
    browser = as_(browser, people.teacher)
    sheet = workbook(browser.get(f"/exports/pupils?class_id={school.c5.id}&date={before}")).active
    _, rows = table(sheet)
    assert [r[1] for r in rows if r[1]] == ["Иванов Тест", "Петрова Тест"]
    assert "Не показаны ученики, выбывшие из ваших классов: 1." in [
        c.value for c in sheet["A"]]


def test_a_date_not_understood_is_said_and_kept(browser, people, school):
    browser.login(people.teacher.login)
    page = browser.get(f"/exports/pupils?class_id={school.c5.id}&date=31.02.2026")
    assert page.status_code == 400
    assert "«На дату»: Дата «31.02.2026» не читается" in text(page)
    assert 'value="31.02.2026"' in text(page)


def test_my_class_links_the_list(browser, people, school):
    browser.login(people.teacher.login)
    page = text(browser.get(f"/my-class/?class_id={school.c5.id}"))
    link = re.search(r'id="export-pupils" href="([^"]+)"', page)
    assert link and workbook(browser.get(link.group(1).replace("&amp;", "&")))


# --- the КТП ---------------------------------------------------------------------------

def test_the_plan_of_a_journal(browser, people, school):
    maths = TeachingAssignment.get((TeachingAssignment.school_class == school.c5)
                                   & (TeachingAssignment.subject == school.math))
    taken = PlanTopic.create(assignment=maths, number=1, title="Дроби", hours=2,
                             planned_date=school.today - 7 * DAY)
    PlanTopic.create(assignment=maths, number=2, title="+ и − дробей", hours=1,
                     planned_date=school.today + 7 * DAY)
    PlanTopic.create(assignment=maths, number=3, title="Проценты")
    school.lesson(day=school.today - 7 * DAY, topic="Дроби", plan_topic=taken)
    school.lesson(day=school.today - 6 * DAY, topic="Дроби", plan_topic=taken)
    browser.login(people.teacher.login)
    book = workbook(browser.get(f"/exports/plan?class_id={school.c5.id}"
                                f"&subject_id={school.math.id}"))
    assert book.sheetnames == ["КТП"]
    header, rows = table(book["КТП"])
    assert header == ["№", "Тема", "Часы", "Планируемая дата", "Дата урока"]
    week_ago, six = school.today - 7 * DAY, school.today - 6 * DAY
    assert rows == [
        [1, "Дроби", 2, f"{week_ago:%d.%m.%Y}", f"{week_ago:%d.%m.%Y}, {six:%d.%m.%Y}"],
        [2, "+ и − дробей", 1, f"{school.today + 7 * DAY:%d.%m.%Y}", None],
        [3, "Проценты", 1, None, None],
        [None, "Всего часов", 4, None, None]]
    assert book["КТП"]["A1"].value == "Календарно-тематическое планирование"


# --- who downloads what ----------------------------------------------------------------

@pytest.mark.parametrize("who, journals, pupils", [
    ("teacher", ["math", "group1"], True),  # 5А's class teacher: every journal, the list
    ("english", ["group1"], False),         # their group's journal only
    ("class_teacher", [], False), ("other", [], False),  # 6А's people
    ("deputy", ["math", "group1"], True), ("director", ["math", "group1"], True),
    ("admin", [], False)])
def test_who_exports_what_of_5a(school, people, who, journals, pupils):
    from models import access

    person, c5 = getattr(people, who), school.c5.id
    named = {"math": (school.math.id, None), "group1": (school.english.id, school.group1.id)}
    found = [(j.subject_id, j.subgroup_id) for j in access.export_journals(person, c5)]
    assert sorted(found) == sorted(named[n] for n in journals)
    for name, (subject, group) in named.items():
        assert access.may_export_journal(person, c5, subject, group) is (name in journals)
    assert access.may_export_class(person, c5) is bool(journals)
    assert access.may_export_pupils(person, c5) is pupils
    ids = [p.id for p in school.pupils5]
    assert access.export_pupil_ids(person, c5, ids) == (ids if pupils else [])


def test_another_class_and_another_journal_are_refused(browser, people, school, guardians):
    c5, math, english = school.c5.id, school.math.id, school.english.id
    browser.login(people.class_teacher.login)  # 6А's class teacher
    for url in (f"/exports/journal?class_id={c5}&subject_id={math}",
                f"/exports/journal?class_id={c5}", f"/exports/pupils?class_id={c5}",
                f"/exports/plan?class_id={c5}&subject_id={math}", f"/exports/?class_id={c5}"):
        assert browser.get(url).status_code == 403, url
    assert workbook(browser.get(f"/exports/pupils?class_id={school.c6.id}"))
    browser = as_(browser, people.english)  # teaches 5А's English group 1 only
    for url in (f"/exports/journal?class_id={c5}&subject_id={math}",
                f"/exports/plan?class_id={c5}&subject_id={math}",
                f"/exports/pupils?class_id={c5}"):
        assert browser.get(url).status_code == 403, url
    group = f"class_id={c5}&subject_id={english}&subgroup_id={school.group1.id}"
    assert workbook(browser.get(f"/exports/journal?{group}"))
    assert workbook(browser.get(f"/exports/plan?{group}"))
    browser = as_(browser, people.admin)  # accounts and settings, no journals
    for url in ("/exports/", f"/exports/journal?class_id={c5}&subject_id={math}",
                f"/exports/pupils?class_id={c5}"):
        assert browser.get(url).status_code == 403, url


def test_ids_that_name_nothing_are_not_found(browser, people, school):
    browser.login(people.deputy.login)
    c5, math = school.c5.id, school.math.id
    for url in ("/exports/journal", "/exports/journal?class_id=999999",
                f"/exports/journal?class_id={c5}&subject_id=999999",
                f"/exports/journal?class_id={c5}&subject_id=abc",
                f"/exports/journal?class_id={c5}&subject_id={math}&period_id=999999",
                # 6А's group is no subgroup of 5А.
                f"/exports/plan?class_id={c5}&subject_id={school.english.id}&subgroup_id="
                f"{Subgroup.get(Subgroup.school_class == school.c6).id}",
                # 5А's English group has no maths journal.
                f"/exports/journal?class_id={c5}&subject_id={math}&subgroup_id="
                f"{school.group1.id}",
                f"/exports/plan?class_id={c5}", "/exports/pupils?class_id=999999",
                "/exports/?class_id=999999"):
        assert browser.get(url).status_code == 404, url


def test_the_page_offers_what_the_person_may_download(browser, people, school):
    browser.login(people.english.login)
    page = text(browser.get("/exports/"))
    assert "Иностранный язык (английский), 1 группа" in page
    assert "Математика" not in page and "export-pupils-form" not in page
    browser = as_(browser, people.teacher)
    page = text(browser.get(f"/exports/?class_id={school.c5.id}"))
    assert "Математика" in page and "1 группа" in page and 'id="export-all"' in page
    assert "export-pupils-form" in page
