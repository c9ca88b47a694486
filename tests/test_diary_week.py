"""The parent's week (issue 15.1, 15.5): a diary that is useful on Monday morning.

The small school's 5А has a timetable (mathematics on Monday, Tuesday and Friday, the
English group's lesson on Monday) and bells. On Monday 23.11 nothing of the week is
recorded yet: the parent sees Monday's lessons «по расписанию» with their bell times and
rooms, and Friday's homework under Monday, the day it is due. Later in the week a recorded
Tuesday shows its lessons and no planned ones, a day off shows nothing planned; the
timetable page has the bells, the rooms and Tuesday's substitute teacher. The marks page
lists the current period first and fits a 360 px phone in a real Chromium.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

import models.diary as diary_model
from models import (
    Bell,
    Holiday,
    Lesson,
    Mark,
    Period,
    PeriodMark,
    TeachingAssignment,
    TimetableSlot,
)
from site_builder.build import build
from site_builder.shell import render_shell
from tests.outputs import CONTENT, FAST_ITERATIONS, issue_all, open_page, payload_of
from tests.school import staff

MONDAY = dt.date(2026, 11, 23)  # the week of the suite's pinned today (25.11.2026)
PHONE = {"width": 360, "height": 740}


def words(html: str) -> str:
    """A page's text as a parent reads it: tags gone, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def week(school, tmp_path, monkeypatch):
    """5А's timetable and bells; Friday 20.11's mathematics set homework, and the week of
    16.11 recorded mathematics on Monday (with homework) and Friday."""
    monkeypatch.setattr(diary_model, "ITERATIONS", FAST_ITERATIONS)
    start = school.start
    TeachingAssignment.create(school_class=school.c5, subject=school.english,
                              subgroup=school.group1, teacher=school.teacher)
    for number, starts, ends in ((1, dt.time(8, 30), dt.time(9, 15)),
                                 (2, dt.time(9, 25), dt.time(10, 10))):
        Bell.create(number=number, starts=starts, ends=ends, valid_from=start)
    slots = [(1, 1, school.math, None, "12"), (1, 2, school.english, school.group1, "7"),
             (2, 1, school.math, None, "12"), (3, 1, school.math, None, "12"),
             (4, 1, school.math, None, "12"), (5, 1, school.math, None, "12")]
    for weekday, number, subject, group, room in slots:
        TimetableSlot.create(school_class=school.c5, subgroup=group, subject=subject,
                             teacher=school.teacher, weekday=weekday, number=number,
                             room=room, valid_from=start)
    school.lesson(day=dt.date(2026, 11, 16), number=1, topic="Дроби",
                  homework="Стр. 40, № 7")
    friday = school.lesson(day=dt.date(2026, 11, 20), number=1, topic="Сложение дробей",
                           homework="№ 112 и № 115")
    Mark.create(lesson=friday, student=school.pupils5[0], value="5")
    passwords = issue_all(school.pupils5)
    return school, passwords, tmp_path


def pages(output: Path, passwords, student) -> tuple[Path, str]:
    access, password = passwords[student.id]
    return output / "site" / "d" / access.token, password


def test_monday_morning_shows_the_timetable_and_the_homework_due(week):
    school, passwords, tmp_path = week
    output = tmp_path / "output"
    build(output, CONTENT, MONDAY)
    ivanov, petrova = school.pupils5[0], school.pupils5[1]
    folder, password = pages(output, passwords, ivanov)
    html = open_page(folder / "index.html", password)
    monday = html.split("<h2>Понедельник, 23.11</h2>")[1].split("</article>")[0]
    assert "Уроков не записано" not in monday
    assert words(monday).startswith("Домашнее задание к этому дню Математика задано 20.11 "
                                    "№ 112 и № 115")
    assert 'class="d-planned"' in monday and "По расписанию" in monday
    assert "1 08:30–09:15 Математика каб. 12" in words(monday)
    assert "2 09:25–10:10 Иностранный язык (английский) каб. 7" in words(monday)
    # Tuesday's planned lessons too, but no homework: nothing is due then yet.
    tuesday = html.split("<h2>Вторник, 24.11</h2>")[1].split("</article>")[0]
    assert "1 08:30–09:15 Математика" in words(tuesday) and "d-due" not in tuesday
    # Петрова is not in the English group: her Monday has mathematics alone.
    folder, password = pages(output, passwords, petrova)
    monday = open_page(folder / "index.html", password).split("<h2>Понедельник, 23.11</h2>")[1]
    assert "Иностранный" not in monday.split("</article>")[0]
    # Homework due on a recorded lesson: Monday 16.11's, under Friday 20.11, and still under
    # the lesson that set it.
    last = open_page(folder / "week-2026-11-16.html", password)
    friday = last.split("<h2>Пятница, 20.11</h2>")[1].split("</article>")[0]
    assert "Математика задано 16.11 Стр. 40, № 7" in words(friday)
    set_on = last.split("<h2>Понедельник, 16.11</h2>")[1].split("</article>")[0]
    assert "Домашнее задание: Стр. 40, № 7 к уроку пт 20.11" in words(set_on)
    assert "d-planned" not in last  # a past week plans nothing


def test_a_recorded_day_and_a_day_off_plan_nothing(week):
    school, passwords, tmp_path = week
    wednesday = MONDAY + dt.timedelta(days=2)
    Holiday.create(year=school.year, name="День школы", start=wednesday + dt.timedelta(days=1),
                   end=wednesday + dt.timedelta(days=1))
    substitute = staff("teacher.bb")
    school.lesson(day=MONDAY + dt.timedelta(days=1), number=1, topic="Вычитание дробей",
                  teacher=substitute)
    output = tmp_path / "output"
    build(output, CONTENT, wednesday)
    folder, password = pages(output, passwords, school.pupils5[0])
    html = open_page(folder / "index.html", password)
    days = {m.group(1): m.group(2) for m in re.finditer(
        r"<h2>(\w+), \d\d\.11</h2>(.*?)</article>", html, re.S)}
    assert "Вычитание дробей" in days["Вторник"] and "d-planned" not in days["Вторник"]
    assert "d-planned" in days["Понедельник"] and "d-planned" in days["Среда"]
    assert "Четверг" not in days  # the day off is no school day: nothing planned on it
    assert "d-planned" in days["Пятница"]
    # Friday's homework is due at the next mathematics recorded: Tuesday's, not Monday's.
    assert "задано 20.11" in days["Вторник"] and "d-due" not in days["Понедельник"]

    timetable = words(open_page(folder / "timetable.html", password))
    assert "Понедельник 08:30–09:15 Математика каб. 12 09:25–10:10 Иностранный язык " \
           "(английский) каб. 7 Вторник" in timetable
    assert (f"Замены на этой неделе Вторник, 24.11, 1-й урок, Математика: ведёт "
            f"{substitute.short_name} вместо {school.teacher.short_name}") in timetable
    petrova, password = pages(output, passwords, school.pupils5[1])
    assert "Иностранный" not in open_page(petrova / "timetable.html", password)


def test_marks_page_fits_a_phone_current_period_first(week, chromium):
    school, passwords, tmp_path = week
    # An earlier quarter: the page lists the current one (holding today) first.
    first = Period.create(year=school.year, scheme="quarter", number=0,
                          start=school.start - dt.timedelta(days=1),
                          end=school.start - dt.timedelta(days=1))
    school.year.start = first.start
    school.year.save()
    lesson = Lesson.get(Lesson.date == dt.date(2026, 11, 20))
    school.english.name = "Естествознание (Природоведение)"  # long words do not wrap
    school.english.save()
    english = school.lesson(day=dt.date(2026, 11, 19), number=2, subject=school.english,
                            subgroup=school.group1, work_type=school.test)
    for value in ("4", "3", "5", "2", "5", "4", "5", "5", "4", "5", "3", "5"):
        Mark.create(lesson=lesson, student=school.pupils5[0], value=value)
        Mark.create(lesson=english, student=school.pupils5[0], value=value)
    for subject in (school.math, school.english):
        PeriodMark.create(student=school.pupils5[0], school_class=school.c5, subject=subject,
                          period=school.period, kind="period", value="4")
    output = tmp_path / "output"
    build(output, CONTENT, MONDAY)
    folder, password = pages(output, passwords, school.pupils5[0])
    html = open_page(folder / "marks.html", password)
    periods = re.findall(r"<h2>(.*?) \(", html)
    assert periods[0] == str(school.period) and periods[-1] == str(first)

    page = chromium.new_page(viewport=PHONE)
    try:
        page.goto((folder / "marks.html").as_uri())
        page.fill("#password", password)
        page.click("#open")
        page.wait_for_selector(".d-table")
        page.screenshot(path="/tmp/diary-marks.png", full_page=True)
        overflow = page.evaluate("""() => {
            const wide = [...document.querySelectorAll('#diary *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
                .map(e => e.tagName + '.' + e.className);
            return {scroll: document.documentElement.scrollWidth, width: window.innerWidth,
                    wide};
        }""")
        assert overflow["scroll"] <= overflow["width"] and not overflow["wide"], overflow
        heads = page.locator(".d-period h2").all_inner_texts()
        assert heads[0].startswith(str(school.period))
        total = page.locator(".d-table th", has_text="Итог").first.bounding_box()
        assert total["x"] + total["width"] <= PHONE["width"]

        page.goto((folder / "index.html").as_uri())
        page.wait_for_selector(".d-planned, #password:visible")
        if not page.locator(".d-planned").count():  # the key not kept for this page
            page.fill("#password", password)
            page.click("#open")
        page.wait_for_selector(".d-planned")
        page.screenshot(path="/tmp/diary-monday.png", full_page=False)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        page.close()


def test_the_shell_is_unchanged_around_the_pages(week):
    """The week's pages stay in the fixed shell: nothing of them is in clear."""
    school, passwords, tmp_path = week
    output = tmp_path / "output"
    build(output, CONTENT, MONDAY)
    folder, _ = pages(output, passwords, school.pupils5[0])
    page = folder / "timetable.html"
    token = folder.name
    assert page.read_text() == render_shell(payload_of(page), token)
    for secret in ("Математика", "08:30", "каб. 12", "задано"):
        assert secret not in page.read_text()


def test_the_timetable_page_follows_a_slot_that_ends_mid_week(week):
    """A slot valid until Monday is gone from Tuesday's timetable page, though no row
    changed in between (the incremental build rebuilds for it)."""
    school, passwords, tmp_path = week
    TimetableSlot.create(school_class=school.c5, subject=school.english, subgroup=None,
                         teacher=school.teacher, weekday=3, number=2, room="Актовый зал",
                         valid_from=school.start, valid_to=MONDAY)
    output = tmp_path / "output"
    build(output, CONTENT, MONDAY)
    folder, password = pages(output, passwords, school.pupils5[1])
    assert "Актовый зал" in open_page(folder / "timetable.html", password)
    report = build(output, CONTENT, MONDAY + dt.timedelta(days=1))
    assert report.rendered == len(school.pupils5)
    folder, password = pages(output, passwords, school.pupils5[1])
    assert "Актовый зал" not in open_page(folder / "timetable.html", password)
