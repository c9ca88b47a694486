"""The journal is read one way (models.record): the deputy's grid, a parent's decrypted
diary week and the weekly sheet show a pupil the same lessons, marks, absences and
homework, and the same period averages, for a sample of the demo school's pupils and weeks.
"""
from __future__ import annotations

import datetime as dt
import html
import os
import random
import re
from collections import defaultdict

import pytest
from click.testing import CliRunner

import models.diary as diary_model
from models import (
    Lesson,
    Mark,
    SchoolClass,
    Staff,
    Student,
    SubgroupMember,
    Subject,
    db,
)
from models.calendar import period_of
from site_builder import printing
from site_builder.build import build
from tests.conftest import empty_database_url
from tests.demo_school import TODAY, run_demo
from tests.outputs import CONTENT, FAST_ITERATIONS, issue_all, open_page
from tests.panel import _HASH, PASSWORD, Browser

_TAG = re.compile(r"<[^>]+>")


def words(markup: str) -> str:
    """Text as a reader sees it, for comparing Markdown sources with rendered HTML."""
    text = html.unescape(_TAG.sub(" ", markup))
    return re.sub(r"[^\wА-Яа-яЁё№§]+", "", text)


@pytest.fixture(scope="module")
def demo_outputs(tmp_path_factory):
    """The demo school (SQLite), its diaries built, and the deputy's panel."""
    from admin import create_app

    folder = tmp_path_factory.mktemp("one-reading")
    url = empty_database_url("sqlite", folder)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATABASE_URL", url)
        mp.setenv("JOURNAL_INSTANCE", str(folder / "instance"))
        mp.setattr(diary_model, "ITERATIONS", FAST_ITERATIONS)
        run_demo(CliRunner(), "--no-build")
        Staff.create(login="deputy.check", last_name="Проверова", first_name="Анна",
                     roles="deputy", password_hash=_HASH)
        passwords = issue_all(Student.select())
        build(folder / "output", CONTENT, dt.date.fromisoformat(TODAY), workers=1)
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test"})
        browser = Browser(app.test_client())
        browser.login("deputy.check", PASSWORD)
        yield folder / "output", passwords, browser
    db.close()
    os.environ.pop("DATABASE_URL", None)


def sample(today: dt.date) -> list[tuple[Student, SchoolClass, dt.date]]:
    """Pupils of graded classes with marks, each with this week and an earlier week."""
    rng = random.Random(13)
    monday = today - dt.timedelta(days=today.weekday())
    chosen = []
    for school_class in SchoolClass.select().where(SchoolClass.grade >= 2):
        ids = school_class.student_ids_on(today)
        marked = [sid for sid in ids if Mark.select().join(Lesson).where(
            (Mark.student == sid) & (Lesson.date >= monday - dt.timedelta(weeks=3))).exists()]
        if marked:
            chosen.append((school_class, Student.get_by_id(rng.choice(marked))))
    picked = rng.sample(chosen, min(4, len(chosen)))
    return [(student, c, week) for c, student in picked
            for week in (monday, monday - dt.timedelta(weeks=rng.randint(1, 3)))]


# --- the three outputs, each read back into (date, number, subject) -> what it shows ---

def grid_lessons(browser: Browser, student: Student, school_class: SchoolClass,
                 period_id: int) -> tuple[dict, dict]:
    """The deputy's grid pages of every journal of the pupil's class that has the pupil:
    {(date, number, subject): (marks, absence, homework)} and {subject: average}."""
    shown, averages = {}, {}
    journals = {(x.subject_id, x.subgroup_id) for x in Lesson.select(
        Lesson.subject, Lesson.subgroup).where(Lesson.school_class == school_class).distinct()}
    groups = {m.subgroup_id for m in SubgroupMember.select().where(
        SubgroupMember.student == student)}
    names = {s.id: s.name for s in Subject.select()}
    for subject_id, subgroup_id in sorted(journals, key=lambda j: (j[0], j[1] or 0)):
        if subgroup_id and subgroup_id not in groups:
            continue
        url = (f"/journal/grid?class_id={school_class.id}&subject_id={subject_id}"
               f"&period_id={period_id}" + (f"&subgroup_id={subgroup_id}" if subgroup_id else ""))
        page = browser.get(url).get_data(as_text=True)
        # The columns: each lesson's own, then the works within it (their marks are the
        # lesson's too, as the diary and the sheet show them).
        heads = re.findall(r'<th class="(lesson-head|work-head)[^"]*" data-lesson-id="(\d+)"', page)
        lessons = {lid: (day, number, homework) for lid, day, number, homework in re.findall(
            r'data-lesson-id="(\d+)"\s+data-date="([\d-]+)" data-number="(\d+)" '
            r'data-topic="[^"]*"\s+data-homework="([^"]*)"', page)}
        row = re.search(rf'<tr data-student="{student.id}">(.*?)</tr>', page, re.S)
        if row is None:
            continue
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
        for (kind, lesson_id), cell in zip(heads, cells):
            day, number, homework = lessons[lesson_id]
            key = (dt.date.fromisoformat(day), int(number), names[subject_id])
            if 'class="off"' in cell:
                continue
            # The deputy may correct (rule 16): the cells are inputs, the text their value.
            typed = re.search(r'<input class="cell"[^>]* value="([^"]*)"', cell)
            tokens = html.unescape(typed.group(1) if typed else _TAG.sub(" ", cell)).split()
            absence = next((t for t in tokens or [] if t in ("Н", "Б", "У", "ОП")), None)
            marks = [t for t in tokens or [] if t != absence]
            if kind == "work-head":
                before, absence, _ = shown[key]
                marks += before
            shown[key] = (sorted(marks), absence, words(html.unescape(homework)))
        average = html.unescape(_TAG.sub("", cells[len(heads)])).strip()
        averages.setdefault(names[subject_id], average)
    return shown, averages


def diary_lessons(output, passwords, student: Student, monday: dt.date) -> dict:
    access, password = passwords[student.id]
    token = access.token
    page = open_page(output / "site" / "d" / token / f"week-{monday.isoformat()}.html",
                     password)
    shown = {}
    for title, body in re.findall(r'<article class="d-day">\s*<h2>[^,]+, (\d\d\.\d\d)</h2>'
                                  r"(.*?)</article>", page, re.S):
        day = dt.datetime.strptime(f"{title}.{monday.year}", "%d.%m.%Y").date()
        if day < monday:
            day = day.replace(year=monday.year + 1)
        for lesson in body.split('<div class="d-lesson">')[1:]:
            number, subject = re.search(r'<span class="d-num">(\d+)</span> ([^<]+?)\s*(?:<|$)',
                                        lesson).groups()
            absence = re.search(r'<span class="d-att"[^>]*>([^<]+)</span>', lesson)
            marks = sorted(re.findall(r'<span class="d-mark"[^>]*>([^<]+)</span>', lesson))
            homework = re.search(r'<div class="d-hw"><b>Домашнее задание:</b>(.*?)</div>',
                                 lesson, re.S)
            shown[day, int(number), html.unescape(subject)] = (
                marks, absence and absence.group(1), words(homework.group(1) if homework else ""))
    return shown


def diary_averages(output, passwords, student: Student, period) -> dict:
    access, password = passwords[student.id]
    token = access.token
    page = open_page(output / "site" / "d" / token / "marks.html", password)
    section = re.search(rf"<h2>{re.escape(str(period))} .*?</section>", page, re.S).group(0)
    return {html.unescape(subject): average for subject, average in re.findall(
        r"<tr><td>([^<]+)</td><td>.*?</td><td>([^<]*)</td>", section)}  # marks: low ones in a span


def sheet_lessons(school_class: SchoolClass, student: Student, monday: dt.date
                  ) -> tuple[dict, dict]:
    document = printing.week_sheets_html(school_class, monday)
    mark = f'data-bookmark="{school_class.name} — {student.full_name}"'
    [text] = [part for part in document.split('<section class="sheet"') if mark in part]
    shown = {}
    for body in re.findall(r'<tbody class="day">(.*?)</tbody>', text, re.S):
        date = re.search(r"<br>(\d\d\.\d\d)</th>", body)
        if date is None:
            continue
        day = dt.datetime.strptime(f"{date.group(1)}.{monday.year}", "%d.%m.%Y").date()
        if day < monday:
            day = day.replace(year=monday.year + 1)
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            if len(cells) < 4:
                continue
            number, subject = re.match(r"(\d+)\. (.+)", html.unescape(cells[0]).strip()).groups()
            absence = re.search(r'<b class="att">([^<]+)</b>', cells[2])
            marks = sorted(re.findall(r'<b class="mark">([^<]+)</b>', cells[2]))
            shown[day, int(number), subject] = (marks, absence and absence.group(1),
                                                 words(cells[3]))
    averages = {}
    for line, average in re.findall(r'<td>([^<]+?)(?::[^<]*)?(?:<b class="final">[^<]*</b>)?'
                                    r'</td>\s*<td class="avg">([^<]*)</td>', text):
        averages[html.unescape(line).strip()] = average.strip()
    return shown, averages


def test_grid_diary_and_sheet_show_a_pupil_the_same_journal(demo_outputs):
    output, passwords, browser = demo_outputs
    today = dt.date.fromisoformat(TODAY)
    compared = defaultdict(int)
    for student, school_class, monday in sample(today):
        sunday = monday + dt.timedelta(days=6)
        periods = list(school_class.periods())
        period = period_of(periods, min(sunday, today))
        grid, grid_avg = grid_lessons(browser, student, school_class, period.id)
        week_grid = {k: v for k, v in grid.items() if monday <= k[0] <= sunday}
        if monday < period.start:  # the week began in the period before
            earlier = period_of(periods, monday)
            more, _ = grid_lessons(browser, student, school_class, earlier.id)
            week_grid |= {k: v for k, v in more.items() if monday <= k[0] <= sunday}
        diary = diary_lessons(output, passwords, student, monday)
        sheet, sheet_avg = sheet_lessons(school_class, student, monday)
        assert week_grid, (student.full_name, monday)
        assert diary == week_grid, (student.full_name, monday)
        assert sheet == week_grid, (student.full_name, monday)
        compared["lessons"] += len(week_grid)
        compared["marks"] += sum(len(m) for m, _a, _h in week_grid.values())
        if sunday >= today:  # the current period's averages, as each output shows them now
            from_diary = diary_averages(output, passwords, student, period)
            shared = set(grid_avg) & set(from_diary) & set(sheet_avg)
            assert shared, (grid_avg, from_diary, sheet_avg)
            for subject in shared:
                assert grid_avg[subject] == from_diary[subject] == (
                    sheet_avg[subject].replace("—", "")), (student.full_name, subject)
                compared["averages"] += bool(grid_avg[subject])
    # The sample is not trivially empty: real lessons, marks and averages were compared.
    assert compared["lessons"] >= 20 and compared["marks"] >= 5 and compared["averages"] >= 4, \
        dict(compared)
