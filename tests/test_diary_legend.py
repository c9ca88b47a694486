"""The parents' diary colours absences and low marks with a second cue and explains them in
a legend (issue 14.4): read from the decrypted pages, as a parent's browser shows them."""
from __future__ import annotations

import datetime as dt
import html
import re

import pytest

import models.diary as diary_model
from models import Attendance, Mark, PeriodMark
from site_builder.build import build
from tests.outputs import CONTENT, FAST_ITERATIONS, issue_all, open_page

_TAG = re.compile(r"<[^>]+>")
FIRST_PAGE_LIMIT = 100 * 1024  # the diary's first page, CSS and script inlined


@pytest.fixture
def diary(school, tmp_path, monkeypatch):
    """This week: Ivanov got a «2» and a «5» on Monday and was ill on Tuesday, Petrova was
    late on Monday; Ivanov's period mark is «2». The site built, the pages' folder and
    passwords of both."""
    monkeypatch.setattr(diary_model, "ITERATIONS", FAST_ITERATIONS)
    ivanov, petrova = school.pupils5[:2]
    monday = school.today - dt.timedelta(days=school.today.weekday())
    first = school.lesson(day=monday, number=1)
    second = school.lesson(day=monday + dt.timedelta(days=1), number=1)
    Mark.create(lesson=first, student=ivanov, value="2")
    Mark.create(lesson=first, student=ivanov, value="5")
    Attendance.create(lesson=first, student=petrova, code="ОП")
    Attendance.create(lesson=second, student=ivanov, code="Б")
    PeriodMark.create(student=ivanov, school_class=school.c5, subject=school.math,
                      period=school.period, value="2", set_by=school.teacher)
    passwords = issue_all([ivanov, petrova])
    output = tmp_path / "output"
    build(output, CONTENT, school.today)

    def page(pupil, name: str) -> tuple[str, str]:
        access, password = passwords[pupil.id]
        path = output / "site" / "d" / access.token / name
        return path.read_text(), open_page(path, password)
    return page


def legend_text(body: str) -> str:
    found = re.search(r'<aside class="d-legend".*?</aside>', body, re.S)
    assert found, "no legend on the page"
    return " ".join(html.unescape(_TAG.sub(" ", found.group(0))).split())


def test_the_week_colours_a_low_mark_and_an_absence_and_explains_them(diary, school):
    ivanov, petrova = school.pupils5[:2]
    shell, week = diary(ivanov, "index.html")
    assert re.search(r'<span class="mark-low"><span class="d-mark" title="[^"]*">2</span>'
                     r"</span>", week)
    assert re.search(r'(?<!"mark-low">)<span class="d-mark" title="[^"]*">5</span>', week)
    assert '<span class="absence"><span class="d-att" title="болел">Б</span></span>' in week
    # Still one .d-mark and .d-att per mark and absence: the legend's samples are none.
    assert sorted(re.findall(r'class="d-mark"[^>]*>([^<]+)<', week)) == ["2", "5"]
    assert re.findall(r'class="d-att"[^>]*>([^<]+)<', week) == ["Б"]
    legend = legend_text(week)
    for said in ("Н — отсутствовал", "Б — болел", "У — отсутствовал по уважительной причине",
                 "ОП — опоздал", "• — «точка»", "в средний балл не входит",
                 "2 — неудовлетворительная отметка; также выделены «1», «Н/А», «НЗ»",
                 "белые буквы на красном фоне", "в красной рамке",
                 "красные и подчёркнуты"):
        assert said in legend, said
    # The colours are the page's own CSS (inlined, allowed by its hash), with a second cue.
    style = re.search(r"<style>(.*?)</style>", shell, re.S).group(1)
    assert re.search(r"\.absence ?> ?\.d-att[^{]*\{[^}]*background:var\(--bad\)", style)
    assert re.search(r"\.mark-low ?> ?\.d-mark[^{]*\{[^}]*text-decoration:underline 2px", style)
    assert len(shell.encode()) < FIRST_PAGE_LIMIT

    _, late = diary(petrova, "index.html")
    assert re.search(r'(?<!"absence">)<span class="d-att" title="опоздал">ОП</span>', late)
    assert "mark-low" not in late.split('<aside class="d-legend"')[0]


def test_the_marks_page_colours_low_marks_and_has_the_legend(diary, school):
    _, marks = diary(school.pupils5[0], "marks.html")
    row = re.search(r"<tr><td>Математика</td>(.*?)</tr>", marks).group(1)
    cells = re.findall(r"<td>(.*?)</td>", row)
    assert cells[0] == '<span class="mark-low">2</span> 5'
    assert cells[2] == '<span class="mark-low">2</span>'
    assert "Б — болел" in legend_text(marks)
