"""Printouts: weekly sheets for parents (rule 9) and the temporary paper journal (rule 12),
read back from the PDFs with pypdf."""
from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter

import pytest
import segno
from pypdf import PdfReader

from journal_cli import main
from models import (
    Attendance,
    DiaryAccess,
    Guardian,
    Lesson,
    Mark,
    Movement,
    News,
    SchoolClass,
    SchoolSettings,
    Student,
    StudentGuardian,
    TeacherComment,
    TeachingAssignment,
    database,
    diary,
)
from models.record import ClassRecord
from site_builder import printing
from tests.demo_school import run_demo
from tests.outputs import pages_of, sheet_of

SCHOOL = "МБОУ «Тестовая СОШ»"


def qr_modules(page) -> set[tuple[int, int]]:
    """The dark modules of the QR code a PDF page draws. WeasyPrint draws the inline SVG
    (segno's one path of horizontal runs, a module wide, 2 modules of border) as
    `x y.5 m` / `x2 y.5 l` pairs in the SVG's own units."""
    stream = page.get_contents().get_data().decode("latin-1")
    return {(x, int(y)) for x1, y, x2 in re.findall(r"^(\d+) (\d+)\.5 m\n(\d+) \2\.5 l$",
                                                     stream, re.M)
            for x in range(int(x1), int(x2))}


def qr_of(address: str) -> set[tuple[int, int]]:
    """The dark modules of the address's QR code as the sheets make it."""
    matrix = segno.make(address, error="m").matrix
    return {(x + 2, y + 2) for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark}


def names_on(page: str, students) -> set[str]:
    return {s.full_name for s in students if s.full_name in page}


def run(runner, *args):
    result = runner.invoke(main, ["print", *args])
    database.bind()  # the command rebinds the models; read its results afresh
    return result


@pytest.fixture
def week(school):
    """A school week three weeks back, inside the school's first period: its Monday."""
    SchoolSettings.update(name=SCHOOL).execute()
    return printing.monday_of(school.today - dt.timedelta(days=21))


@pytest.fixture
def journal(school, week):
    """Marks, absences, homework and a comment in 5А that week, and a mark the week before."""
    ivanov, petrova, sidorov = school.pupils5
    monday, wednesday = week, week + dt.timedelta(days=2)
    fractions = school.lesson(day=monday, number=1, topic="Обыкновенные дроби",
                              homework="№ 101, с. 25", work_type=school.test)
    Mark.create(lesson=fractions, student=ivanov, value="5")
    Mark.create(lesson=fractions, student=petrova, value="4", work_type=school.oral)
    Attendance.create(lesson=fractions, student=sidorov, code="Б")
    decimals = school.lesson(day=wednesday, number=2, topic="Десятичные дроби",
                             homework="№ 202, с. 31")
    Mark.create(lesson=decimals, student=petrova, value="3")
    Attendance.create(lesson=decimals, student=sidorov, code="Н")
    TeacherComment.create(lesson=decimals, student=petrova, author=school.teacher,
                          text="Забыла тетрадь с домашней работой.")
    english = school.lesson(day=wednesday, number=3, subject=school.english,
                            subgroup=school.group1, topic="Present Simple",
                            homework="Упр. 7, с. 12")
    Mark.create(lesson=english, student=ivanov, value="4", work_type=school.oral)
    before = school.lesson(day=week - dt.timedelta(days=5), topic="Натуральные числа",
                           homework="№ 5")
    Mark.create(lesson=before, student=ivanov, value="3", work_type=school.oral)
    return fractions, decimals, english, before


def test_weekly_sheets_show_each_pupils_week_as_the_journal_holds_it(school, week, journal,
                                                                     runner, tmp_path):
    ivanov, petrova, sidorov = school.pupils5
    target = tmp_path / "5a.pdf"
    result = run(runner, "week", "--class", "5А", "--week",
                 (week + dt.timedelta(days=3)).isoformat(), "-o", str(target))
    assert result.exit_code == 0, result.output
    assert "выписок: 3, страниц: 3" in result.output
    pages = pages_of(target.read_bytes())
    assert len(pages) == 3
    for page in pages:
        assert len(names_on(page, school.pupils5)) == 1, page
        assert "Выписка из электронного журнала" in page and SCHOOL in page
        assert f"Неделя с {week:%d.%m.%Y} по {week + dt.timedelta(days=5):%d.%m.%Y}" in page
        assert "Обыкновенные дроби" in page and "№ 101, с. 25" in page
        assert "Десятичные дроби" in page and "№ 202, с. 31" in page
        assert "Натуральные числа" not in page  # the week before
        assert "Классный руководитель" in page and "Родитель (законный представитель)" in page
    first, second, third = (sheet_of(pages, p) for p in school.pupils5)
    assert re.search(r"5\s*Контрольная\s+работа", first)  # the lesson's work type
    assert re.search(r"4\s*Устный\s+ответ", first)
    assert "Present Simple" in first and "Упр. 7, с. 12" in first  # his English subgroup
    assert "Present Simple" not in second and "Present Simple" not in third
    assert re.search(r"4\s*Устный\s+ответ", second) and re.search(r"\b3\b", second)
    assert "Забыла тетрадь с домашней работой." in " ".join(second.split())  # may wrap
    assert "Забыла тетрадь" not in first and "Забыла тетрадь" not in third
    assert "Пропущено уроков: 2 (Н — 1, Б — 1)" in third
    assert "Пропусков нет." in first and "Пропусков нет." in second
    assert "За неделю отметок нет" in third and "За неделю отметок нет" not in first


def test_the_period_so_far_has_each_subjects_marks_and_weighted_average(school, week, journal):
    ivanov = school.pupils5[0]
    pages = pages_of(printing.week_sheets_pdf(school.c5, week))
    sunday = week + dt.timedelta(days=6)
    average = ClassRecord(school.c5, school.period.start, sunday).average(
        ivanov.id, school.math.id, school.period.start, sunday)
    assert average == pytest.approx(13 / 3)  # 3 (weight 1) and 5 at a test (weight 2)
    assert printing.average_text(average) == "4,33"
    first = sheet_of(pages, ivanov)
    assert re.search(r"Математика: 3 5\s+4,33", first)
    assert re.search(r"Иностранный\s+язык\s+\(английский\):\s+4\s+4,00", first)
    assert f"Отметки за 1-ю четверть (с {school.period.start:%d.%m}" in first
    assert re.search(r"Математика\s+—", sheet_of(pages, school.pupils5[2]))  # Сидоров: none


def test_paper_only_prints_only_pupils_whose_guardian_asked(school, week, journal, runner,
                                                            tmp_path):
    ivanov, petrova, _ = school.pupils5
    for pupil, paper in ((ivanov, False), (petrova, True)):
        guardian = Guardian.create(last_name=pupil.last_name, first_name="Мама",
                                   wants_paper_sheet=paper)
        StudentGuardian.create(student=pupil, guardian=guardian, relation="мать")
    target = tmp_path / "paper.pdf"
    result = run(runner, "week", "--class", "5А", "--week", week.isoformat(), "--paper-only",
                 "--output", str(target))
    assert result.exit_code == 0, result.output
    pages = pages_of(target.read_bytes())
    assert len(pages) == 1 and names_on(pages[0], school.pupils5) == {petrova.full_name}
    everyone = run(runner, "week", "--class", "all", "--week", week.isoformat(),
                   "--paper-only", "-o", str(tmp_path / "all.pdf"))
    assert everyone.exit_code == 0, everyone.output
    assert len(pages_of((tmp_path / "all.pdf").read_bytes())) == 1
    nobody = run(runner, "week", "--class", "6А", "--week", week.isoformat(), "--paper-only",
                 "-o", str(tmp_path / "6a.pdf"))
    assert nobody.exit_code == 1 and "бумажную выписку" in nobody.output
    assert not (tmp_path / "6a.pdf").exists()


def test_a_pupil_without_marks_gets_a_sheet_that_says_so(school, week):
    school.lesson(day=week, topic="Повторение", homework="№ 1")
    pages = pages_of(printing.week_sheets_pdf(school.c5, week))
    assert len(pages) == 3
    for page in pages:
        assert "За неделю отметок нет." in page and "Повторение" in page
    grade1 = pages_of(printing.week_sheets_pdf(school.c1, week))
    assert len(grade1) == 1 and "За неделю отметок нет" in grade1[0]
    assert "безотметочное" in grade1[0]


def test_the_whole_school_and_the_week_news(school, week, journal):
    start = dt.datetime.combine(week + dt.timedelta(days=1), dt.time(10))
    News.create(title="Родительское собрание", body="В четверг в **18:00**.", published_at=start)
    News.create(title="Экскурсия 5А", body="В субботу.", school_class=school.c5,
                published_at=start)
    News.create(title="Экскурсия 6А", body="В субботу.", school_class=school.c6,
                published_at=start)
    News.create(title="Старая новость", body="-", published_at=start - dt.timedelta(days=7))
    pupils = school.pupils5 + [school.pupil1, school.pupil6]
    pages = pages_of(printing.week_sheets_pdf(None, week))
    assert len(pages) == 5
    assert sorted(n for p in pages for n in names_on(p, pupils)) == sorted(
        p.full_name for p in pupils)
    for page in pages:
        assert "Родительское собрание" in page and "18:00" in page
        assert "Старая новость" not in page
    for pupil in pupils:
        page = sheet_of(pages, pupil)
        assert ("Экскурсия 5А" in page) == (pupil in school.pupils5)
        assert ("Экскурсия 6А" in page) == (pupil == school.pupil6)


def test_a_long_week_flows_onto_a_second_page_without_cutting_a_row(school, week):
    topics = []
    for day in range(5):
        for number in range(1, 9):
            topic = f"Тема {day}-{number}: " + "длинное описание урока " * 4
            topics.append(topic.strip())
            school.lesson(day=week + dt.timedelta(days=day), number=number, topic=topic,
                          homework="Прочитать параграф и ответить на вопросы " * 3)
    pages = pages_of(printing.week_sheets_pdf(school.c5, week))
    ivanov = [p for p in pages if school.pupils5[0].full_name in p]
    assert len(pages) == 3 * len(ivanov) and len(ivanov) >= 2
    for page in pages:
        assert len(names_on(page, school.pupils5)) == 1
    for page in ivanov:
        assert "Тема урока" in page  # the table's header is repeated
    flat = [re.sub(r"\s+", " ", page) for page in ivanov]
    for topic in topics:  # every row is whole on exactly one page
        assert sum(topic in page for page in flat) == 1, topic


# Page layout is WeasyPrint's, the same on either database (the other tests read the week
# from both); one backend halves the suite's longest test.
@pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)
def test_the_busiest_week_of_the_demo_keeps_one_page_per_pupil(backend_url, runner, tmp_path):
    run_demo(runner)
    weeks = Counter((lesson.school_class_id, printing.monday_of(lesson.date))
                    for lesson in Lesson.select(Lesson.school_class, Lesson.date))
    (class_id, monday), count = max(weeks.items(), key=lambda kv: (kv[1], kv[0][1]))
    assert count >= 30
    target = tmp_path / "school.pdf"
    result = run(runner, "week", "--class", "all", "--week", monday.isoformat(),
                 "-o", str(target))
    assert result.exit_code == 0, result.output
    students = list(Student.select())
    pages = pages_of(target.read_bytes())
    sheets = int(re.search(r"выписок: (\d+)", result.output)[1])
    assert len(pages) == sheets >= 35
    for page in pages:
        assert len(names_on(page, students)) == 1, page
    busiest = SchoolClass.get_by_id(class_id)
    assert f"{busiest.name}: выписок" in result.output  # a line per class off a terminal
    ids = {s.id for s in busiest.students_on(monday + dt.timedelta(days=4))}
    assert sum(any(s.full_name in p for p in pages) for s in students if s.id in ids) == len(ids)


def test_the_temporary_journal_has_teacher_subject_pupils_and_month(school, runner, tmp_path):
    month = school.today.replace(day=1)
    target = tmp_path / "temp.pdf"
    result = run(runner, "temporary", "--class", "5а", "--subject", "математика",
                 "--month", f"{month:%Y-%m}", "-o", str(target))
    assert result.exit_code == 0, result.output
    text = "\n".join(pages_of(target.read_bytes()))
    months = ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август",
              "сентябрь", "октябрь", "ноябрь", "декабрь"]
    assert f"{months[month.month - 1]} {month.year}" in text
    assert "Учителева Анна Петровна" in text and "Математика" in text
    assert "Временный классный журнал" in text and "Тестовый год" in text
    for pupil in school.pupils5:
        assert pupil.full_name in text
    assert school.pupil6.full_name not in text
    for heading in ("п/п", "список обучающихся", "Что пройдено на уроке", "Домашнее задание",
                    "Число и месяц"):
        assert heading in text


def test_the_temporary_journal_of_a_subgroup_lists_its_pupils_that_month(school, runner,
                                                                          tmp_path):
    month = school.today.replace(day=1)
    TeachingAssignment.create(school_class=school.c5, subject=school.english,
                              subgroup=school.group1, teacher=school.teacher)
    leaver = school.pupils5[1]
    Movement.create(student=leaver, kind="left", date=month + dt.timedelta(days=9))
    journal = printing.read_temporary(printing.find_assignment(school.c5, "Математика"), month)
    assert dict((s.full_name, note) for s, note in journal.pupils)[leaver.full_name] == \
        f"по {month + dt.timedelta(days=8):%d.%m}"
    target = tmp_path / "group.pdf"
    result = run(runner, "temporary", "--class", "5А", "--subject",
                 "Иностранный язык (английский)", "--group", "1 группа",
                 "--month", f"{month:%m.%Y}", "-o", str(target))
    assert result.exit_code == 0, result.output
    text = "\n".join(pages_of(target.read_bytes()))
    assert "(1 группа)" in text and school.pupils5[0].full_name in text
    assert school.pupils5[2].full_name not in text
    wrong = run(runner, "temporary", "--class", "5А", "--subject", "Иностранный язык "
                "(английский)", "--group", "2 группа", "-o", str(tmp_path / "x.pdf"))
    assert wrong.exit_code == 1 and "1 группа" in wrong.output


def test_html_variants_and_the_diary_qr_code(school, week, journal, runner, tmp_path,
                                             monkeypatch):
    monkeypatch.setattr(diary, "ITERATIONS", 1000)
    SchoolSettings.update(diary_base_url="https://dnevnik.school.test/").execute()
    access, _ = diary.issue(school.pupils5[0])
    html = printing.week_sheets_html(school.c5, week, qr=True)
    sheets = html.split('<section class="sheet"')[1:]
    assert len(sheets) == 3 and "<svg" in sheets[0] and "<svg" not in sheets[1]
    assert "<svg" not in printing.week_sheets_html(school.c5, week)
    target = tmp_path / "5a.html"
    result = run(runner, "week", "--class", "5А", "--week", week.isoformat(), "--qr",
                 "-o", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_text().count("<svg") == 1
    assert DiaryAccess.select().count() == 1 and access.token not in target.read_text()
    assignment = printing.find_assignment(school.c5, "Математика")
    form = printing.temporary_journal_html(assignment, week.replace(day=1))
    assert "Учителева Анна Петровна" in form and "<style>" in form and "http" not in form


def test_bad_requests_are_refused_in_russian_and_write_nothing(school, week, runner, tmp_path,
                                                               monkeypatch):
    target = tmp_path / "x.pdf"
    cases = [
        (["week", "--class", "5Б", "-o", str(target)], "Класса 5Б нет"),
        (["temporary", "--class", "5А", "--subject", "Химия", "-o", str(target)],
         "не преподаётся предмет «Химия»"),
        (["temporary", "--class", "5А", "--subject", "Математика", "--month", "2026-13",
          "-o", str(target)], "Не понял месяц"),
        (["temporary", "--class", "all", "--subject", "Математика", "-o", str(target)],
         "для одного класса"),
        (["week", "--class", "5А", "--qr", "-o", str(target)], "адрес сайта"),
    ]
    for args, message in cases:
        result = run(runner, *args)
        assert result.exit_code == 1 and message in result.output, (args, result.output)
        assert not target.exists()
    published = tmp_path / "output"
    monkeypatch.setenv("JOURNAL_OUTPUT", str(published))
    (published / "site").mkdir(parents=True)
    inside = run(runner, "week", "--class", "5А", "-o", str(published / "site" / "x.pdf"))
    assert inside.exit_code == 1 and "публикуется на сайте" in inside.output
    target.write_bytes(b"old")
    again = run(runner, "week", "--class", "5А", "-o", str(target))
    assert again.exit_code == 1 and "--force" in again.output and target.read_bytes() == b"old"
    forced = run(runner, "week", "--class", "5А", "-o", str(target), "--force")
    assert forced.exit_code == 0, forced.output
    assert target.read_bytes().startswith(b"%PDF") and list(tmp_path.glob(".x.pdf.*")) == []


def test_the_diary_qr_code_is_a_school_setting_the_cli_and_the_panel_follow(
        school, week, journal, runner, tmp_path, monkeypatch, browser, people):
    monkeypatch.setattr(diary, "ITERATIONS", 1000)
    base_url = "https://dnevnik.school.test/"
    SchoolSettings.update(diary_base_url=base_url).execute()
    ivanov = school.pupils5[0]
    access, _ = diary.issue(ivanov)  # the others have no diary yet: no code for them
    address_qr = qr_of(access.url(base_url))

    def sheets(*args) -> dict[str, object]:
        target = tmp_path / "sheets.pdf"
        result = run(runner, "week", "--class", "5А", "--week", week.isoformat(),
                     "-o", str(target), "--force", *args)
        assert result.exit_code == 0, result.output
        return pdf_pages(target.read_bytes())

    def pdf_pages(data: bytes) -> dict[str, object]:
        pages = PdfReader(io.BytesIO(data)).pages
        assert len(pages) == 3
        return {next(iter(names_on(p.extract_text(), school.pupils5))): p for p in pages}

    def has_qr(pages) -> dict[str, bool]:
        found = {}
        for name, page in pages.items():
            modules = qr_modules(page)
            assert modules in (set(), address_qr), name  # the pupil's address, or nothing
            found[name] = bool(modules)
            caption = "Электронный дневник" in re.sub(r"\s+", " ", page.extract_text())
            assert caption == found[name]
        return found

    def settings_form(**changes):
        url = f"/setup/settings/edit/?id={SchoolSettings.current().id}"
        browser.get(url)
        form = {"name": SCHOOL, "timezone": "Europe/Moscow", "diary_base_url": base_url,
                "threshold_3": "2.5", "threshold_4": "3.5", "threshold_5": "4.5"} | changes
        return browser.post(url, {k: v for k, v in form.items() if v is not None},
                            follow_redirects=True)

    nobody = {p.full_name: False for p in school.pupils5}
    only_ivanov = nobody | {ivanov.full_name: True}
    assert SchoolSettings.current().sheet_qr is False  # off unless the school turns it on
    assert has_qr(sheets()) == nobody
    assert has_qr(sheets("--qr")) == only_ivanov  # the flag overrides the setting

    browser.login(people.admin.login)
    settings_form(sheet_qr="y")
    assert SchoolSettings.current().sheet_qr is True
    assert has_qr(sheets()) == only_ivanov
    assert has_qr(sheets("--no-qr")) == nobody
    refused = settings_form(diary_base_url="", sheet_qr="y")  # a code needs the address
    assert "нужен адрес сайта дневников" in refused.get_data(as_text=True)
    assert SchoolSettings.current().diary_base_url == base_url

    deputy = type(browser)(browser.client.application.test_client())
    deputy.login(people.deputy.login)
    assert "на листах: есть" in deputy.get("/print/").get_data(as_text=True)
    download = deputy.get(f"/print/week?class_id={school.c5.id}&week={week}")
    assert download.status_code == 200 and has_qr(pdf_pages(download.data)) == only_ivanov
    settings_form(sheet_qr=None)  # the admin unticks it
    assert SchoolSettings.current().sheet_qr is False
    assert "на листах: нет" in deputy.get("/print/").get_data(as_text=True)
    download = deputy.get(f"/print/week?class_id={school.c5.id}&week={week}")
    assert has_qr(pdf_pages(download.data)) == nobody
