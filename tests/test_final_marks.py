"""Issue 16.1: year, exam and final marks, entered by the same rights as period marks
(rule 4), suggested from the period marks by the school's thresholds (rule 7), and shown
in the diary and on the weekly sheet.

The small school in the real 2026/2027 calendar on 20.05.2027, the last quarter: each
pupil's quarter marks were given at each quarter's end.
"""
from __future__ import annotations

import datetime as dt
import io
import itertools
import re

import pytest
from pypdf import PdfReader

import models.diary as diary_model
from admin import create_app
from models import (
    AuditEntry,
    Movement,
    Period,
    PeriodMark,
    RuleError,
    SchoolClass,
    SchoolSettings,
    Staff,
    Subject,
    TeachingAssignment,
    gradebook,
    year_transfer,
)
from models.final_marks import suggest_final, suggest_year
from models.year_transfer import Order, class_review, promote_class
from site_builder import printing
from site_builder.build import build
from tests.chromium import log_in
from tests.demo_school import run_demo
from tests.outputs import CONTENT, FAST_ITERATIONS, issue_all, open_page
from tests.panel import _HASH, Browser, text
from tests.school import QUARTERS_2026, SmallSchool
from tests.test_year_transfer import dump, unchanged_since

YEAR_END = dt.date(2027, 5, 20)  # a Thursday of the 4th quarter


@pytest.fixture
def school(fresh_db, monkeypatch) -> SmallSchool:
    """The small school in its last quarter (overrides conftest's: `people`, `app` and
    `browser` use this one)."""
    monkeypatch.setenv("JOURNAL_TODAY", YEAR_END.isoformat())
    return SmallSchool.build(YEAR_END, real_calendar=True)


def quarters(school) -> list[Period]:
    return list(school.c5.periods())


def give_quarter_marks(school, monkeypatch, pupil, subject, values, school_class=None):
    """A pupil's quarter marks, each given on its quarter's last day (journals lock after)."""
    for period, value in zip(quarters(school), values):
        monkeypatch.setenv("JOURNAL_TODAY", min(period.end, YEAR_END).isoformat())
        PeriodMark.create(student=pupil, school_class=school_class or school.c5,
                          subject=subject, kind="period", period=period, value=value)
    monkeypatch.setenv("JOURNAL_TODAY", YEAR_END.isoformat())


def end_mark(browser, school, pupil, kind, value, subject=None, school_class=None):
    return browser.post_json("/journal/api/period-mark", {
        "class_id": (school_class or school.c5).id, "subject_id": (subject or school.math).id,
        "student": pupil.id, "kind": kind, "value": value})


def grid(browser, school, subject=None, school_class=None) -> str:
    return text(browser.get(f"/journal/grid?class_id={(school_class or school.c5).id}"
                            f"&subject_id={(subject or school.math).id}"))


def accept_button(html: str, pupil, kind: str) -> str | None:
    """The «→» value offered in a pupil's row of the grid for the kind, or None."""
    row = re.search(rf'<tr data-student="{pupil.id}">(.*?)</tr>', html, re.S).group(1)
    found = re.search(rf'class="[^"]*accept-mark" data-kind="{kind}" data-value="([^"]*)"'
                      r'([^>]*)>', row)
    return found.group(1) if found and "hidden" not in found.group(2) else None


def stored(pupil, kind: str, subject) -> list[str]:
    pm = PeriodMark
    return [m.value for m in pm.select().where((pm.student == pupil.id) & (pm.kind == kind)
                                               & (pm.subject == subject.id))]


# --- the suggestions ---------------------------------------------------------------------

def test_the_year_mark_is_suggested_by_the_schools_thresholds():
    school_default = (2.5, 3.5, 4.5)
    assert suggest_year(["4", "4", "5", "5"], "five", school_default) == "5"  # 4.5
    assert suggest_year(["4", "4", "5", "5"], "five", (2.5, 3.5, 4.6)) == "4"
    assert suggest_year(["3", "4", "4", "4"], "five", school_default) == "4"  # 3.75
    assert suggest_year(["3", "3", "2", "3"], "five", school_default) == "3"  # 2.75
    assert suggest_year(["2", "3", "2", ""], "five", school_default) == "2"
    assert suggest_year(["ОСВ", "5", "", ""], "five", school_default) == "5"
    assert suggest_year(["ОСВ", "ОСВ"], "five", school_default) == "ОСВ"
    assert suggest_year(["", ""], "five", school_default) is None
    assert suggest_year(["ЗЧ", "ЗЧ", "ЗЧ"], "pass", school_default) == "ЗЧ"
    assert suggest_year(["ЗЧ", "НЗ", "ЗЧ"], "pass", school_default) == "НЗ"
    # The final mark: the year's without an exam; with one, both by the thresholds.
    assert suggest_final("4", "", False, "five", school_default) == "4"
    assert suggest_final("4", "", True, "five", school_default) is None
    assert suggest_final("4", "5", True, "five", school_default) == "5"  # 4.5
    assert suggest_final("4", "3", True, "five", school_default) == "4"  # 3.5
    assert suggest_final("4", "ОСВ", True, "five", school_default) == "4"
    assert suggest_final("ЗЧ", "НЗ", True, "pass", school_default) == "НЗ"
    assert suggest_final("", "5", True, "five", school_default) is None


# --- the grid's end columns ----------------------------------------------------------------

def test_a_subject_teacher_accepts_the_suggested_year_mark(browser, people, school, monkeypatch):
    ivanov, petrova, sidorov = school.pupils5
    give_quarter_marks(school, monkeypatch, ivanov, school.math, ["4", "4", "5", "5"])
    give_quarter_marks(school, monkeypatch, petrova, school.math, ["3", "4", "4", "4"])
    browser.login(people.teacher.login)
    html = grid(browser, school)
    assert ">Год</th>" in html and ">Итог</th>" in html and ">Экз.</th>" not in html
    assert accept_button(html, ivanov, "year") == "5"  # 4.5 → «5» (003, 6.3)
    assert accept_button(html, petrova, "year") == "4"
    assert accept_button(html, sidorov, "year") is None  # no quarter marks: nothing to suggest

    # One click on «→5» posts the suggestion; the final mark is then suggested from it.
    saved = end_mark(browser, school, ivanov, "year", "5")
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json() == {"value": "5", "suggested": {"year": "", "final": "5"}}
    year = PeriodMark.get((PeriodMark.student == ivanov.id) & (PeriodMark.kind == "year"))
    assert (year.value, year.period_id, year.set_by_id) == ("5", None, people.teacher.id)
    assert AuditEntry.select().where((AuditEntry.table_name == "period_mark")
                                     & (AuditEntry.action == "create")).count() == 9

    # The teacher types another value for Petrova; the threshold is a school setting.
    assert end_mark(browser, school, petrova, "year", "5").get_json()["value"] == "5"
    settings = SchoolSettings.current()
    settings.threshold_5 = 4.6
    settings.save()
    html = grid(browser, school)
    assert re.search(rf'data-kind="year" data-student="{ivanov.id}" value="5"', html)
    assert accept_button(html, ivanov, "year") is None  # given: nothing left to accept
    assert accept_button(html, ivanov, "final") == "5"
    assert end_mark(browser, school, ivanov, "final", "5").status_code == 200
    assert stored(ivanov, "final", school.math) == ["5"]
    # Removing the year mark (an empty value) offers the suggestion again, now by 4.6.
    assert end_mark(browser, school, ivanov, "year", "").get_json()["suggested"]["year"] == "4"
    assert accept_button(grid(browser, school), ivanov, "year") == "4"


def test_an_exam_mark_where_the_curriculum_has_an_exam_and_the_final_mark(
        browser, people, school, monkeypatch):
    ivanov = school.pupils5[0]
    give_quarter_marks(school, monkeypatch, ivanov, school.math, ["4", "4", "4", "4"])
    browser.login(people.teacher.login)
    assert end_mark(browser, school, ivanov, "year", "4").status_code == 200
    refused = end_mark(browser, school, ivanov, "exam", "5")
    assert refused.status_code == 422
    assert "экзамен учебным планом не предусмотрен" in refused.get_json()["error"]
    assert stored(ivanov, "exam", school.math) == []

    # The deputy marks the exam in 5А's mathematics assignment (the curriculum).
    assignment = TeachingAssignment.get((TeachingAssignment.school_class == school.c5.id)
                                        & (TeachingAssignment.subject == school.math.id))
    deputy = Browser(browser.client.application.test_client())
    deputy.login(people.deputy.login)
    form = text(deputy.get(f"/setup/assignments/edit/?id={assignment.id}"))
    assert 'name="has_exam"' in form and "Экзамен" in form
    deputy.post(f"/setup/assignments/edit/?id={assignment.id}", {
        "school_class": school.c5.id, "subject": school.math.id, "subgroup": "",
        "teacher": people.teacher.id, "hours_per_week": "5", "grading_scale": "five",
        "has_exam": "y"}, follow_redirects=True)
    assert TeachingAssignment.get_by_id(assignment.id).has_exam

    html = grid(browser, school)
    assert ">Экз.</th>" in html
    assert accept_button(html, ivanov, "final") is None  # the exam is still missing
    saved = end_mark(browser, school, ivanov, "exam", "5")
    assert saved.get_json() == {"value": "5", "suggested": {"year": "", "final": "5"}}
    assert accept_button(grid(browser, school), ivanov, "final") == "5"  # (4 + 5) / 2 = 4.5
    assert end_mark(browser, school, ivanov, "final", "5").status_code == 200
    assert [(stored(ivanov, k, school.math)) for k in ("year", "exam", "final")] == [
        ["4"], ["5"], ["5"]]


# --- rule 4: who sets them ---------------------------------------------------------------

def test_a_class_teacher_sets_a_year_mark_in_another_teachers_subject(browser, people, school,
                                                                      monkeypatch):
    """6А's English is another teacher's (a group); 6А's class teacher sets its year mark
    in «Мой класс», where the suggestion is offered too."""
    pupil = school.pupil6
    give_quarter_marks(school, monkeypatch, pupil, school.english, ["5", "5", "4", "5"],
                       school_class=school.c6)
    browser.login(people.class_teacher.login)
    page = text(browser.get(f"/my-class/?class_id={school.c6.id}&period_id=year"))
    assert "Годовые отметки за 2026/2027 учебный год" in page and 'id="year-marks-table"' in page
    cell = re.search(rf'data-kind="year" data-student="{pupil.id}" '
                     rf'data-subject="{school.english.id}"[^>]*>\s*<button[^>]*'
                     r'data-value="([^"]*)"', page)
    assert cell and cell.group(1) == "5"  # 4.75
    saved = end_mark(browser, school, pupil, "year", "5", subject=school.english,
                     school_class=school.c6)
    assert saved.status_code == 200, saved.get_json()
    assert stored(pupil, "year", school.english) == ["5"]


def test_the_class_teacher_accepts_every_suggested_year_mark_at_once(browser, people, school,
                                                                    monkeypatch):
    """«Мой класс», «Годовые»: one action sets the missing year marks to their suggestions
    (a given one is kept), logged with that reason; the final ones follow the same way."""
    ivanov, petrova, sidorov = school.pupils5
    give_quarter_marks(school, monkeypatch, ivanov, school.math, ["4", "4", "5", "5"])
    give_quarter_marks(school, monkeypatch, petrova, school.math, ["3", "3", "4", "3"])
    give_quarter_marks(school, monkeypatch, sidorov, school.math, ["5", "5", "5", "5"])
    gradebook.set_period_mark(people.teacher, sidorov.id, school.c5, school.math.id, None,
                              "4", kind="year")
    browser.login(people.teacher.login)  # 5А's class teacher
    page = text(browser.get(f"/my-class/?class_id={school.c5.id}&period_id=year"))
    start = page.index('id="accept-form"')
    form = page[start:page.index("</form>", start)]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    assert "Принять рекомендованные (2)" in page and fields["period_id"] == "year"
    before = AuditEntry.select().count()
    done = text(browser.post("/my-class/accept", fields, follow_redirects=True))
    assert "Выставлено рекомендованных отметок: 2." in done
    assert [stored(p, "year", school.math) for p in (ivanov, petrova, sidorov)] == [
        ["5"], ["3"], ["4"]]  # 4.5 → 5, 3.25 → 3; Сидоров's «4» kept
    logged = list(AuditEntry.select().where(AuditEntry.id > before))
    assert len(logged) == 2 and all("рекомендованные" in e.reason for e in logged)
    page = text(browser.get(f"/my-class/?class_id={school.c5.id}&period_id=final"))
    assert "Принять рекомендованные (3)" in page  # the year's marks, no exam


def test_a_teacher_of_another_class_cannot_set_a_year_mark(browser, people, school):
    browser.login(people.other.login)  # teaches English in 6А only
    for kind in ("year", "exam", "final"):
        refused = end_mark(browser, school, school.pupils5[0], kind, "5")
        assert refused.status_code == 403, kind
    assert "учитель предмета" in refused.get_json()["error"]
    assert PeriodMark.select().where(PeriodMark.kind != "period").count() == 0


# --- pass/fail subjects --------------------------------------------------------------------

def test_a_pass_fail_subject_gets_passed_or_not_passed(browser, people, school, monkeypatch):
    sport = Subject.create(name="Физическая культура")
    TeachingAssignment.create(school_class=school.c5, subject=sport, teacher=people.teacher,
                              grading_scale="pass")
    ivanov, petrova = school.pupils5[:2]
    give_quarter_marks(school, monkeypatch, ivanov, sport, ["ЗЧ", "ЗЧ", "ЗЧ", "ЗЧ"])
    give_quarter_marks(school, monkeypatch, petrova, sport, ["ЗЧ", "НЗ", "ЗЧ", "ЗЧ"])
    browser.login(people.teacher.login)
    html = grid(browser, school, subject=sport)
    assert accept_button(html, ivanov, "year") == "ЗЧ"
    assert accept_button(html, petrova, "year") == "НЗ"
    refused = end_mark(browser, school, ivanov, "year", "5", subject=sport)
    assert refused.status_code == 422 and "допустимы: ЗЧ, НЗ" in refused.get_json()["error"]
    assert end_mark(browser, school, ivanov, "year", "зч", subject=sport).get_json()[
        "suggested"] == {"year": "", "final": "ЗЧ"}
    assert end_mark(browser, school, ivanov, "final", "ЗЧ", subject=sport).status_code == 200
    assert stored(ivanov, "year", sport) == ["ЗЧ"] and stored(ivanov, "final", sport) == ["ЗЧ"]


# --- refusals: what the data does not support ----------------------------------------------

def test_marks_the_data_does_not_support_are_refused(browser, people, school, monkeypatch):
    chemistry = Subject.create(name="Химия")
    half = Period.create(year=school.year, scheme="half", number=1,
                         start=QUARTERS_2026[0][0], end=QUARTERS_2026[1][1])
    browser.login(people.teacher.login)  # 5А's class teacher and maths teacher
    pupil = school.pupils5[0]
    period = {"class_id": school.c5.id, "subject_id": school.math.id, "student": pupil.id,
              "period_id": quarters(school)[-1].id, "value": "4"}
    refusals = {
        "не входит в учебный план": [{**period, "subject_id": chemistry.id},
                                     {**period, "subject_id": chemistry.id, "kind": "year",
                                      "period_id": None}],
        "учится по четвертям": [{**period, "period_id": half.id}],
        "недопустима": [{**period, "value": "ЗЧ"},
                        {**period, "kind": "year", "value": "ЗЧ"},
                        {**period, "kind": "final", "value": "6"}],
        "не предусмотрен": [{**period, "kind": "exam"}],
    }
    for message, payloads in refusals.items():
        for payload in payloads:
            response = browser.post_json("/journal/api/period-mark", payload)
            assert response.status_code == 422, (message, payload)
            assert message in response.get_json()["error"], response.get_json()
    assert browser.post_json("/journal/api/period-mark", {**period, "kind": "term"}
                             ).status_code == 422
    assert PeriodMark.select().count() == 0

    # In the 3rd quarter the 4th has not begun: neither its mark nor the year's is taken.
    monkeypatch.setenv("JOURNAL_TODAY", "2027-03-10")
    not_yet = browser.post_json("/journal/api/period-mark", period)
    assert not_yet.status_code == 422 and "ещё не начался" in not_yet.get_json()["error"]
    for kind in ("year", "final"):
        refused = end_mark(browser, school, pupil, kind, "4")
        assert refused.status_code == 422
        assert "с начала последнего периода года" in refused.get_json()["error"]
        assert "30.03.2027" in refused.get_json()["error"]
    html = grid(browser, school)
    assert 'data-kind="year" data-student' not in html  # shown, not offered for typing
    assert PeriodMark.select().count() == 0

    # In summer the 4th quarter's journal is locked (rule 15), and its year marks with it.
    monkeypatch.setenv("JOURNAL_TODAY", "2027-06-21")
    locked = end_mark(browser, school, pupil, "year", "4")
    assert locked.status_code == 422 and "Журнал за 4-ю четверть закрыт" in locked.get_json()[
        "error"]
    assert PeriodMark.select().count() == 0


# --- shown to parents: the diary and the weekly sheet of the year's last week ---------------

@pytest.fixture
def year_marked(school, people, monkeypatch):
    """Иванов's mathematics year with an exam: quarters 4 4 5 5, year 5, exam 4, final 5;
    Петрова has quarter marks only."""
    TeachingAssignment.update(has_exam=True).where(
        (TeachingAssignment.school_class == school.c5.id)
        & (TeachingAssignment.subject == school.math.id)).execute()
    ivanov, petrova = school.pupils5[:2]
    give_quarter_marks(school, monkeypatch, ivanov, school.math, ["4", "4", "5", "5"])
    give_quarter_marks(school, monkeypatch, petrova, school.math, ["3", "3", "4", "3"])
    for kind, value in (("year", "5"), ("exam", "4"), ("final", "5")):
        gradebook.set_period_mark(people.teacher, ivanov.id, school.c5, school.math.id, None,
                                  value, kind=kind)
    return school


def test_the_diary_shows_the_year_exam_and_final_marks(year_marked, tmp_path, monkeypatch):
    school = year_marked
    monkeypatch.setattr(diary_model, "ITERATIONS", FAST_ITERATIONS)
    ivanov, petrova = school.pupils5[:2]
    passwords = issue_all([ivanov, petrova])
    output = tmp_path / "output"
    build(output, CONTENT, YEAR_END)

    def marks_page(pupil) -> str:
        access, password = passwords[pupil.id]
        return open_page(output / "site" / "d" / access.token / "marks.html", password)

    page = marks_page(ivanov)
    section = re.search(r'<section class="d-period d-year" id="year-marks">(.*?)</section>',
                        page, re.S).group(1)
    heads = re.findall(r"<th[^>]*>([^<]*)</th>", section)
    assert heads == ["Предмет", "1", "2", "3", "4", "Год", "Экз.", "Итог"]
    rows = [re.findall(r"<td[^>]*>([^<]*)</td>", row)
            for row in re.findall(r"<tr><td>.*?</tr>", section, re.S)]
    assert rows == [["Математика", "4", "4", "5", "5", "5", "4", "5"]]
    assert page.index("Итоги года") < page.index("4-я четверть")  # above the periods
    assert "Итоги года" not in marks_page(petrova)  # nothing given yet, nothing suggested shown


def test_the_weekly_sheet_of_the_last_week_shows_them(year_marked):
    school = year_marked
    ivanov, petrova = school.pupils5[:2]
    last_week = dt.date(2027, 5, 24)  # the 4th quarter ends on Wednesday 26.05
    document = printing.week_sheets_html(school.c5, last_week)
    sheets = {name: part for part in document.split('<section class="sheet"')[1:]
              for name in (ivanov.full_name, petrova.full_name) if name in part}
    year = re.search(r'<p class="year-marks">(.*?)</p>', sheets[ivanov.full_name], re.S)
    assert re.sub(r"<[^>]+>", "", year.group(1)).split() == [
        "Математика:", "годовая", "5,", "экзамен", "4,", "итоговая", "5."]
    assert "Итоги учебного года" not in sheets[petrova.full_name]
    # A week of the 3rd quarter: no year's end yet on its sheet.
    assert "Итоги учебного года" not in printing.week_sheets_html(school.c5,
                                                                   dt.date(2027, 3, 15))

    pdf = PdfReader(io.BytesIO(printing.week_sheets_pdf(school.c5, last_week)))
    text_of = [" ".join(page.extract_text().split()) for page in pdf.pages]
    [first] = [t for t in text_of if ivanov.last_name in t]
    assert "Итоги учебного года" in first
    assert "Математика: годовая 5, экзамен 4, итоговая 5." in first


# --- in a real Chromium: one click accepts, typing another value replaces -------------------

def test_one_click_in_the_grid_accepts_the_suggested_year_mark(new_page, school, people,
                                                               monkeypatch):
    ivanov = school.pupils5[0]
    give_quarter_marks(school, monkeypatch, ivanov, school.math, ["4", "4", "5", "5"])
    page = new_page()
    log_in(page, people.teacher.login)
    page.goto(f"/journal/grid?class_id={school.c5.id}&subject_id={school.math.id}")
    row = page.locator(f'#grid tr[data-student="{ivanov.id}"]')
    year, final = (row.locator(f'button.accept-mark[data-kind="{k}"]') for k in ("year", "final"))
    assert year.inner_text() == "→5" and final.is_hidden()

    year.click()
    page.wait_for_function("() => document.getElementById('grid-status').textContent"
                           " === 'Годовая отметка сохранена.'")
    assert row.locator('input.pmark[data-kind="year"]').input_value() == "5"
    assert year.is_hidden() and final.inner_text() == "→5"  # the final follows the year
    assert stored(ivanov, "year", school.math) == ["5"]

    # Another value typed instead of the suggestion: saved on leaving the field.
    typed = row.locator('input.pmark[data-kind="final"]')
    typed.fill("4")
    typed.press("Tab")
    page.wait_for_function("() => document.getElementById('grid-status').textContent"
                           " === 'Итоговая отметка сохранена.'")
    assert final.is_hidden() and stored(ivanov, "final", school.math) == ["4"]


# --- issue 16's acceptance: the demo school taken through its whole year --------------------

DEMO_YEAR_END = "2027-05-27"  # the day after the 4th quarter (26.05), its journal still open


def test_the_demo_school_gets_its_year_exam_and_final_marks(backend_url, runner, monkeypatch,
                                                            tmp_path):
    """The demo's period marks of every period; each class teacher accepts the suggested
    year marks in «Мой класс», 9А's algebra has an exam (marked by its teacher in the
    grid), the final marks are accepted from the year and exam marks; a 9А pupil's diary
    and last weekly sheet show them."""
    monkeypatch.setenv("JOURNAL_TODAY", DEMO_YEAR_END)
    monkeypatch.setattr(diary_model, "ITERATIONS", FAST_ITERATIONS)
    run_demo(runner, "--no-build", "--today", DEMO_YEAR_END)
    Staff.update(password_hash=_HASH).execute()
    app = create_app({"TESTING": True, "DATABASE_URL": backend_url, "SECRET_KEY": "test"})
    ninth = SchoolClass.get((SchoolClass.grade == 9) & (SchoolClass.letter == "А"))
    maths = Subject.get(Subject.name == "Алгебра")
    a = TeachingAssignment
    TeachingAssignment.update(has_exam=True).where(
        (a.school_class == ninth.id) & (a.subject == maths.id)).execute()

    graded = list(SchoolClass.select().where(SchoolClass.grade >= 2))
    for school_class in graded:
        teacher = Browser(app.test_client())
        teacher.login(school_class.class_teacher.login)
        for kind in ("year", "final"):
            if kind == "final" and school_class.id == ninth.id:
                maths_teacher = Browser(app.test_client())
                maths_teacher.login(a.get((a.school_class == ninth.id)
                                          & (a.subject == maths.id)).teacher.login)
                for pupil in list(ninth.students_on(dt.date.fromisoformat(DEMO_YEAR_END))):
                    assert end_mark(maths_teacher, None, pupil, "exam", "4", subject=maths,
                                    school_class=ninth).status_code == 200
            page = text(teacher.get(f"/my-class/?class_id={school_class.id}&period_id={kind}"))
            start = page.index('id="accept-form"')
            fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"',
                                     page[start:page.index("</form>", start)]))
            done = text(teacher.post("/my-class/accept", fields, follow_redirects=True))
            assert "Выставлено рекомендованных отметок" in done, school_class.name

    # Every graded pupil with a subject's period marks has its year and final mark, each as
    # suggested from what was given; 9А's algebra through its exam.
    pm = PeriodMark
    periods = {}
    for row in pm.select().where(pm.kind == "period"):
        periods.setdefault((row.student_id, row.subject_id, row.school_class_id), []).append(
            row.value)
    ends = {(r.student_id, r.subject_id, r.school_class_id, r.kind): r.value
            for r in pm.select().where(pm.kind != "period")}
    scales = {(r.school_class_id, r.subject_id): r.grading_scale for r in a.select()}
    thresholds = SchoolSettings.current().thresholds
    checked = 0
    for (sid, subject_id, class_id), values in periods.items():
        scale = scales[class_id, subject_id]
        year = suggest_year(values, scale, thresholds)
        if year is None:
            continue
        exam = ends.get((sid, subject_id, class_id, "exam"), "")
        assert ends[sid, subject_id, class_id, "year"] == year
        assert ends[sid, subject_id, class_id, "final"] == suggest_final(
            year, exam, bool(exam), scale, thresholds)
        checked += 1
    exams = [k for k in ends if k[3] == "exam"]
    assert checked > 100 and len(exams) == len(ninth.student_ids_on(
        dt.date.fromisoformat(DEMO_YEAR_END))) > 0

    # Shown to parents: a 9А pupil's diary and the sheet of the year's last week.
    pupil = ninth.students_on(dt.date.fromisoformat(DEMO_YEAR_END))[0]
    passwords = issue_all([pupil])
    build(tmp_path / "site-output", CONTENT, dt.date.fromisoformat(DEMO_YEAR_END), workers=1)
    access, password = passwords[pupil.id]
    page = open_page(tmp_path / "site-output" / "site" / "d" / access.token / "marks.html",
                     password)
    row = re.search(r"<tr><td>Алгебра</td>(.*?)</tr>",
                    page.split('id="year-marks"')[1].split("</section>")[0]).group(1)
    cells = re.findall(r"<td[^>]*>(?:<span[^>]*>)?([^<]*)", row)
    key = (pupil.id, maths.id, ninth.id)
    assert cells[-3:] == [ends[(*key, "year")], "4", ends[(*key, "final")]]
    sheet = printing.week_sheets_html(ninth, dt.date(2027, 5, 24))
    mine = next(part for part in sheet.split('<section class="sheet"')[1:]
                if pupil.full_name in part)
    year_line = re.sub(r"<[^>]+>", "", re.search(r'<p class="year-marks">(.*?)</p>', mine,
                                                 re.S).group(1))
    assert (f"Алгебра: годовая {ends[(*key, 'year')]}, экзамен 4, итоговая "
            f"{ends[(*key, 'final')]}") in year_line

    # The year's end (issue 16.3–16.4): the deputy opens the next year, carries the classes
    # and moves each class by one order — a pupil with a failing year mark kept back in
    # one class, conditionally promoted in another, everyone else promoted or graduated.
    # Every pupil is moved exactly once and not one row of the year's data changes.
    old = ninth.year
    seventh = SchoolClass.get((SchoolClass.grade == 7) & (SchoolClass.year == old.id))
    weak = seventh.students_on(dt.date.fromisoformat(DEMO_YEAR_END))[0]
    gradebook.set_period_mark(seventh.class_teacher, weak.id, seventh, maths.id, None, "2",
                              kind="year")  # 7th grade has algebra: a failing year
    before = dump()
    new = year_transfer.create_next_year(old)
    year_transfer.carry(old, new)
    moved, decisions = [], itertools.cycle(("keep", "debt"))
    for school_class in SchoolClass.select().where(SchoolClass.year == old.id).order_by(
            SchoolClass.grade, SchoolClass.letter):
        reviews = class_review(school_class)
        failing = [r.student.id for r in reviews if r.failing]
        keep, debts = set(), {}
        for sid in failing:  # a graduate with a debt does not graduate: kept back
            if school_class.grade == 11 or next(decisions) == "keep":
                keep.add(sid)
            else:
                debts[sid] = ["Математика"]
        promote_class(school_class, new, Order("41-у", dt.date(2027, 6, 20)), keep, debts)
        moved += [r.student.id for r in reviews]
    movements = list(Movement.select().where(Movement.id > max(before["Movement"])))
    assert sorted(m.student_id for m in movements) == sorted(moved) == sorted(set(moved))
    kinds = {m.kind for m in movements}
    assert kinds == {"promoted", "graduated", "repeating", "promoted_debt"} and len(moved) > 30
    assert year_transfer.not_moved(old, new) == []
    assert unchanged_since(before) == []
    # Every period and year mark is there: the deputy closes the year, which is then
    # read-only; the year's data is still as it was.
    year_transfer.close_year(old)
    with pytest.raises(RuleError, match="закрыт"):
        gradebook.set_period_mark(seventh.class_teacher, weak.id, seventh, maths.id, None, "3",
                                  kind="year")
    assert unchanged_since(before, except_year=old.id) == []
