"""The class journal as a document (issue 18.1): 5А's journal of the 2nd quarter printed,
parsed back, and compared with what the database holds."""
from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from models import Attendance, Lesson, Mark, Movement, PeriodMark, SchoolSettings
from models.calendar import lock_lifted
from site_builder.printing.class_journal import (
    class_journal_pdf,
    read_class_journal,
    render_class_journal,
)
from tests.panel import Staffing

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                reason="pdftotext (poppler-utils) reads the PDF back")

LEFT = dt.date(2026, 11, 16)  # Сидоров leaves the school mid-quarter


@pytest.fixture
def quarter(real_school):
    """5А in the 2nd quarter of 2026/2027 (today 25.11): maths for the class, English for
    group 1 (Иванов), marks and absences of every kind, a pupil who left on 16.11, and one
    lesson of the 1st quarter that must not be printed."""
    school = real_school
    people = Staffing.build(school)
    ivanov, petrova, sidorov = school.pupils5
    days = school.school_days(dt.date(2026, 11, 5), school.today)
    maths = [school.lesson(day=d, number=2, topic=f"Тема урока {i}: дроби",
                           homework=f"№ {100 + i}") for i, d in enumerate(days[::2][:8], 1)]
    english = [school.lesson(day=d, number=4, subject=school.english, subgroup=school.group1,
                             teacher=people.english, topic=f"Present Simple {i}",
                             homework="Ex. 5") for i, d in enumerate(days[:3], 1)]
    given = [(maths[0], ivanov, "5"), (maths[0], petrova, "4"), (maths[1], sidorov, "3"),
             (maths[2], petrova, "2"), (maths[3], ivanov, "4"), (english[1], ivanov, "5")]
    for lesson, pupil, value in given:
        Mark.create(lesson=lesson, student=pupil, value=value)
    absences = [(maths[4], petrova, "Б"), (maths[5], ivanov, "Н"), (maths[6], petrova, "У"),
                (english[2], ivanov, "ОП")]
    for lesson, pupil, code in absences:
        Attendance.create(lesson=lesson, student=pupil, code=code)
    Movement.create(student=sidorov, kind="left", date=LEFT, school_class=None)
    with lock_lifted("подготовка теста"):
        old = school.lesson(day=dt.date(2026, 10, 20), number=1, topic="Тема прошлой четверти")
        Mark.create(lesson=old, student=ivanov, value="2")
        PeriodMark.create(student=petrova, school_class=school.c5, subject=school.math,
                          kind="period", period=school.period, value="3")
    return school, people, maths, english


def pdf_text(data: bytes, tmp_path) -> list[str]:
    """The pages' text as pdftotext -layout reads it."""
    path = tmp_path / "journal.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return [page for page in out.split("\f") if page.strip()]


def test_the_quarter_journal_shows_what_the_database_holds(quarter, tmp_path):
    school, people, maths, english = quarter
    data, count = class_journal_pdf(school.c5, school.period)

    assert data.startswith(b"%PDF")
    assert count == len(PdfReader(io.BytesIO(data)).pages)
    pages = pdf_text(data, tmp_path)
    assert len(pages) == count
    text = "\n".join(pages)

    # The title page.
    title = pages[0]
    for words in (SchoolSettings.current().name, "Классный журнал", "5А", "2026/2027",
                  "2-я четверть", school.c5.class_teacher.full_name):
        assert words in title

    # Every pupil who belonged to the class in the quarter; the one who left, with a note.
    for pupil in school.pupils5:
        assert pupil.full_name in text
    assert f"по {LEFT - dt.timedelta(days=1):%d.%m}" in text

    # Every lesson of the quarter with its date, topic and homework, as stored; none other.
    lessons = list(Lesson.select().where((Lesson.school_class == school.c5)
                                         & Lesson.date.between(school.period.start,
                                                               school.period.end)))
    assert len(lessons) == len(maths) + len(english)
    for lesson in lessons:
        row = re.search(rf"{lesson.date:%d\.%m\.%Y}\s+{lesson.number}\s+"
                        rf"{re.escape(lesson.topic)}\s+{re.escape(lesson.homework)}", text)
        assert row, lesson.topic
    assert "Тема прошлой четверти" not in text
    assert "20.10.2026" not in text

    # Every mark and absence in its pupil's row of its subject's grid.
    grids = {"maths": [p for p in pages if "Математика" in p and "месяц" in p],
             "english": [p for p in pages if "1 группа" in p and "месяц" in p]}
    assert len(grids["maths"]) == 1 and len(grids["english"]) == 1
    assert "Математика" not in grids["english"][0]
    assert "Петрова" not in grids["english"][0]  # the subgroup has only Иванов

    def row_of(page: str, pupil) -> list[str]:
        line = next(ln for ln in page.splitlines() if pupil.last_name in ln)
        return re.sub(r"\([^)]*\)", "", line.split(pupil.full_name, 1)[1]).split()

    for pupil in school.pupils5:
        stored = (list(Mark.select().join(Lesson).where(
                       (Mark.student == pupil) & (Lesson.subject == school.math)
                       & Lesson.date.between(school.period.start, school.period.end))
                       .order_by(Lesson.date)))
        codes = list(Attendance.select().join(Lesson).where(
            (Attendance.student == pupil) & (Lesson.subject == school.math)
            & Lesson.date.between(school.period.start, school.period.end))
            .order_by(Lesson.date))
        cells = row_of(grids["maths"][0], pupil)
        expected = sorted([(m.lesson.date, m.value) for m in stored]
                          + [(a.lesson.date, a.code) for a in codes])
        period_mark = ["3"] if pupil.last_name == "Петрова" else []
        assert cells == [v for _, v in expected] + period_mark, pupil.last_name
    assert row_of(grids["english"][0], school.pupils5[0]) == ["5", "ОП"]

    # Сидоров's cells after he left are shaded (outside the journal), the others' never.
    grid = next(s for s in read_class_journal(school.c5, school.period).subjects
                if s.title == "Математика")
    for row in grid.pages[0].rows:
        gone = row.name == school.pupils5[2].full_name
        assert [c.outside for c in row.cells] == [
            gone and x.date >= LEFT for x in grid.pages[0].lessons], row.name
    assert any(c.outside for row in grid.pages[0].rows for c in row.cells)

    # The attendance summary: Иванов Н 1 (and an ОП apart), Петрова Б 1 and У 1.
    summary = next(p for p in pages if "Сводная ведомость пропусков" in p)
    assert row_of(summary, school.pupils5[0]) == ["1", "1", "1"]   # Н, всего, ОП
    assert row_of(summary, school.pupils5[1]) == ["1", "1", "2"]   # Б, У, всего
    assert "Директор" in summary and people.director.short_name in summary
    assert people.deputy.short_name in summary

    # A signature line for each subject's teacher; page numbers on every page.
    assert text.count("Учитель ____") == 2
    assert people.english.short_name in grids["english"][0]
    for n, page in enumerate(pages, 1):
        assert f"стр. {n} из {count}" in page


def test_a_long_subject_continues_on_the_next_page_with_the_names(quarter, tmp_path):
    """Fifty maths lessons do not fit one page's width: the grid goes on on another page,
    the pupils' names repeated; the year's journal ends with the year and final marks."""
    school, *_ = quarter
    days = school.school_days(dt.date(2026, 9, 1), dt.date(2026, 10, 24))
    with lock_lifted("подготовка теста"):
        for day in days[:50]:
            school.lesson(day=day, number=3, topic="Повторение")
    data, count = class_journal_pdf(school.c5, None)
    pages = pdf_text(data, tmp_path)
    grids = [p for p in pages if "Математика" in p and "месяц" in p]
    assert len(grids) >= 2
    for page in grids:
        assert "Петрова Тест" in page
    assert "Год" in grids[-1] and "Итог" in grids[-1] and "Год" not in grids[0]
    assert "Тема прошлой четверти" in "\n".join(pages)  # the year holds every quarter
    assert count == len(PdfReader(io.BytesIO(data)).pages)


def test_a_journal_rendered_in_parts_reads_as_the_whole(quarter, tmp_path):
    """A long journal is rendered in parts in worker processes and joined: page for page
    the same text as made in one piece, «стр. N из M» stamped on every page."""
    school, *_ = quarter
    journal = read_class_journal(school.c5, school.period)
    whole, count = render_class_journal(journal, workers=1)
    parts, parts_count = render_class_journal(journal, workers=2)
    assert parts_count == count == len(PdfReader(io.BytesIO(parts)).pages)
    assert pdf_text(parts, tmp_path) == pdf_text(whole, tmp_path)
