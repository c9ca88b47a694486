"""The weekly sheet's type (issue 15.1): its body is at least 9 pt, each sheet set in the
largest size that keeps it on one page; a typical demo week stays one page a pupil; the
sheets of the paper list carry a tear-off return strip (issue 15.7). Read back from the PDF.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter

import pytest
from pypdf import PdfReader

from journal_cli import main
from models import Guardian, Lesson, SchoolSettings, Student, StudentGuardian, database, diary
from models.classes import SchoolClass
from models.journal import TeacherComment
from models.news import News
from site_builder import printing
from site_builder.printing import fitting
from tests.demo_school import TODAY as DEMO_TODAY
from tests.demo_school import run_demo
from tests.outputs import pages_of

FLOOR = 9.0


def type_of(page) -> tuple[Counter, str]:
    """(characters of the page by type size in points, the text set below the floor)."""
    sizes: Counter = Counter()
    small = []

    def visit(text, cm, tm, _font, size):
        if not text.strip():
            return
        scale = (tm[2] ** 2 + tm[3] ** 2) ** 0.5 * (cm[2] ** 2 + cm[3] ** 2) ** 0.5
        points = round(size * scale, 2)
        sizes[points] += len(text.strip())
        if points < FLOOR:
            small.append(text)

    page.extract_text(visitor_text=visit)
    return sizes, " ".join("".join(small).split())


def pdf_pages(data: bytes) -> list:
    return PdfReader(io.BytesIO(data)).pages


def body_size(page) -> float:
    """The size most of the page's text is set in."""
    return type_of(page)[0].most_common(1)[0][0]


def assert_readable(page) -> None:
    """Nothing on the sheet below 9 pt but the page's footer (the pupil's name and week)."""
    sizes, small = type_of(page)
    assert min(s for s in sizes if sizes[s] > 0 and s >= FLOOR) >= FLOOR
    assert small == "" or ("выписка за неделю" in small and "сформирована" in small), small


def assert_within_margins(page, margin_mm: float = 10.0) -> None:
    """Every line of the sheet starts at least 10 mm from the paper's left edge and its body
    (all but the footer, set below 9 pt in the bottom margin) 10 mm above its lower edge:
    the printer-safe margins. (Where lines end is not known from the PDF's text.)"""
    mm = 72 / 25.4
    top = float(page.mediabox.height) - margin_mm * mm + 0.01

    def visit(text, cm, tm, _font, size):
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = (tm[2] ** 2 + tm[3] ** 2) ** 0.5 * (cm[2] ** 2 + cm[3] ** 2) ** 0.5
        assert x >= margin_mm * mm - 0.01 and y < top, text
        assert y >= margin_mm * mm or size * scale < FLOOR, text

    page.extract_text(visitor_text=visit)


def paper_guardian(pupil: Student, paper: bool = True) -> None:
    guardian = Guardian.create(last_name=pupil.last_name, first_name="Мама",
                               wants_paper_sheet=paper)
    StudentGuardian.create(student=pupil, guardian=guardian, relation="мать")


@pytest.fixture
def week(school):
    SchoolSettings.update(name="МБОУ «Тестовая СОШ»").execute()
    return printing.monday_of(school.today - dt.timedelta(days=21))


def test_a_short_week_is_set_in_the_largest_size_that_keeps_it_on_one_page(school, week):
    for day in range(5):
        school.lesson(day=week + dt.timedelta(days=day), number=1, topic=f"Тема {day}",
                      homework="№ 5")
    data = printing.week_sheets_pdf(school.c5, week)
    pages = pdf_pages(data)
    assert len(pages) == len(school.pupils5)
    for page in pages:
        assert_readable(page)
        assert body_size(page) == max(fitting.SIZES) > FLOOR  # five lessons: room to spare

    # Larger type than the largest would not fit every week: every step is tried, from the
    # fullest week down. A week of 30 lessons with long topics gets a size between.
    for day in range(5):
        for number in range(2, 7):
            school.lesson(day=week + dt.timedelta(days=day), number=number,
                          topic="Основные понятия: обобщение и систематизация",
                          homework="Прочитать параграф, ответить на вопросы")
    sheets = printing.WeekReader(school.c5, week).sheets()
    part = fitting.FitPart.cut(printing.sheets_html(sheets[:1], week, for_pdf=True))
    _document, laid = fitting.fitted(part)
    assert len(laid) == 1
    chosen = body_size(pdf_pages(_document.copy(laid).write_pdf())[0])
    assert FLOOR <= chosen < max(fitting.SIZES)
    bigger = fitting.SIZES[fitting.SIZES.index(chosen) - 1]
    at_bigger = fitting.sheet_pages(fitting._document(part.document([0], bigger)).pages)
    assert len(at_bigger[0]) == 2  # a step larger would run onto a second page


def test_a_week_too_long_for_one_page_flows_at_9_pt_rather_than_shrinking(school, week):
    for day in range(5):
        for number in range(1, 9):
            school.lesson(day=week + dt.timedelta(days=day), number=number,
                          topic="Тема: " + "длинное описание урока " * 4,
                          homework="Прочитать параграф и ответить на вопросы " * 3)
    pages = pdf_pages(printing.week_sheets_pdf(school.c5, week))
    assert len(pages) > len(school.pupils5)
    for page in pages:
        assert_readable(page)
        assert body_size(page) == FLOOR


def test_the_paper_lists_sheets_carry_a_return_strip_with_name_and_week(school, week):
    ivanov, petrova, _sidorov = school.pupils5
    paper_guardian(petrova)
    paper_guardian(ivanov, paper=False)
    school.lesson(day=week, number=1, topic="Дроби", homework="№ 1")
    pages = pages_of(printing.week_sheets_pdf(school.c5, week))
    flat = {p.full_name: re.sub(r"\s+", " ", next(t for t in pages if p.full_name in t))
            for p in school.pupils5}
    strip = flat[petrova.full_name]
    assert "✂ отрезать и вернуть классному руководителю" in strip
    assert re.search(rf"лист за неделю с {week:%d\.%m} по "
                     rf"{week + dt.timedelta(days=5):%d\.%m\.%Y} получил\(а\)\. "
                     rf"Учени(к|ца): {petrova.full_name}, класс 5А", strip)
    assert "Родитель (законный представитель)" in strip
    for other in (ivanov, _sidorov):  # no strip to bring back; the sheet is signed as before
        assert "отрезать" not in flat[other.full_name]
        assert "Родитель (законный представитель)" in flat[other.full_name]


# Page layout is WeasyPrint's, the same on either database.
@pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)
def test_a_typical_demo_week_is_one_readable_page_a_pupil(backend_url, runner, tmp_path):
    run_demo(runner)
    weeks = Counter((lesson.school_class_id, printing.monday_of(lesson.date))
                    for lesson in Lesson.select(Lesson.school_class, Lesson.date))
    monday = max(weeks.items(), key=lambda kv: (kv[1], kv[0][1]))[0][1]
    for pupil in Student.select().limit(8):  # a few sheets carry the return strip
        paper_guardian(pupil)
    target = tmp_path / "week.pdf"
    result = runner.invoke(main, ["print", "week", "--class", "all", "--week",
                                  monday.isoformat(), "-o", str(target)])
    database.bind()
    assert result.exit_code == 0, result.output
    sheets = int(re.search(r"выписок: (\d+)", result.output)[1])
    pages = pdf_pages(target.read_bytes())
    assert len(pages) == sheets >= 35
    sizes = Counter()
    for page in pages:
        assert_readable(page)
        sizes[body_size(page)] += 1
    assert set(sizes) <= set(fitting.SIZES) and len(sizes) > 1, sizes  # sized sheet by sheet
    assert sum("отрезать" in text for text in pages_of(target.read_bytes())) >= 8


DEMO_COMMENTS = ("Молодец, отличная работа!", "Был невнимателен на уроке.")


# Page layout is WeasyPrint's, the same on either database.
@pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)
def test_the_demos_busiest_sheets_are_one_readable_page_each(backend_url, runner,
                                                             monkeypatch):
    """The sheets that ran onto a second page in the demo school's batch (bench/print.py,
    the week of 16.11.2026): an 8th–9th grade week of 31–32 lessons, long subject names
    and topics, a news item, two teachers' comments and the return strip. Each is one page
    with all of it on it, nothing but the footer below 9 pt; with the diary's QR code too."""
    monkeypatch.setattr(diary, "ITERATIONS", 1000)
    run_demo(runner)
    monday = printing.monday_of(dt.date.fromisoformat(DEMO_TODAY))
    busy = Counter(c for (c,) in Lesson.select(Lesson.school_class).join(SchoolClass)
                   .where(Lesson.date.between(monday, monday + dt.timedelta(days=6)),
                          SchoolClass.grade.in_((8, 9))).tuples())
    school_class = SchoolClass.get_by_id(busy.most_common(1)[0][0])
    sheets = printing.WeekReader(school_class, monday).sheets()
    assert min(len(s.rows) for s in sheets) >= 30
    teacher = school_class.class_teacher
    for sheet in sheets:
        paper_guardian(sheet.student)
        for row, text in zip(sheet.rows[::10], DEMO_COMMENTS):
            TeacherComment.create(lesson=row.lesson.id, student=sheet.student, author=teacher,
                                  text=text)
    if not printing.week_news(school_class, monday):
        News.create(title="Объявление для класса", school_class=school_class,
                    body="Просим сдать деньги на рабочие тетради до пятницы.",
                    published_at=dt.datetime.combine(monday + dt.timedelta(days=2),
                                                      dt.time(9)))
    for sheet in sheets:
        diary.issue(sheet.student)
    for qr in (False, True):
        data = printing.week_sheets_pdf(school_class, monday, qr=qr)
        pages, texts = pdf_pages(data), pages_of(data)
        assert len(pages) == len(sheets), qr
        for page, text, sheet in zip(pages, texts, sheets, strict=True):
            assert_readable(page)
            assert_within_margins(page)
            flat = " ".join(text.split())
            assert sheet.student.full_name in flat and "отрезать" in flat
            assert all(c in flat for c in DEMO_COMMENTS) and "Новости недели" in flat
            assert ("Электронный дневник" in flat) == qr
