"""An extract for any dates (issue 15.6, 001 2.11): a parent asks for a pupil's marks,
absences and period marks when the pupil changes school; the class teacher prints it from
«Мой класс» for the dates asked, and it holds those dates' entries and no others."""
from __future__ import annotations

import datetime as dt

from models import Attendance, Mark, Movement, PeriodMark
from tests.outputs import pages_of
from tests.panel import Browser


def two_weeks(school):
    """Ivanov's maths: a 4 and an illness in the first week asked for, a 3 and an excused
    absence the week before it, and his quarter mark."""
    ivanov = school.pupils5[0]
    days = school.school_days(school.today - dt.timedelta(days=20), school.today)
    early, inside, later = days[0], days[6], days[8]
    before = school.lesson(day=early, topic="Раньше")
    Mark.create(lesson=before, student=ivanov, value="3")
    Attendance.create(lesson=school.lesson(day=early, number=2), student=ivanov, code="У")
    Mark.create(lesson=school.lesson(day=inside, topic="Внутри"), student=ivanov, value="4")
    Attendance.create(lesson=school.lesson(day=later, number=2), student=ivanov, code="Б")
    PeriodMark.create(student=ivanov, school_class=school.c5, subject=school.math,
                      period=school.period, value="5")
    return ivanov, early, inside, later


def test_class_teacher_prints_an_extract_of_the_dates_asked(browser, people, school):
    ivanov, early, inside, later = two_weeks(school)
    browser.login(people.teacher.login)  # 5А's class teacher
    page = browser.get(f"/my-class/?class_id={school.c5.id}").get_data(as_text=True)
    assert 'id="extract-form"' in page and "Выписка (PDF)" in page

    answer = browser.get(f"/my-class/extract?class_id={school.c5.id}&student={ivanov.id}"
                         f"&start={inside.isoformat()}&end={later.isoformat()}")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    [sheet] = pages_of(answer.data)
    assert "Выписка из электронного журнала" in sheet and ivanov.full_name in sheet
    assert f"С {inside:%d.%m.%Y} по {later:%d.%m.%Y}" in sheet
    assert f"{inside:%d.%m}: 4" in sheet          # the mark of the range
    assert f"{later:%d.%m} Б" in sheet            # its absence
    assert "Отметок: 1. " in sheet and "Пропущено уроков: 1 (Б — 1)" in sheet
    assert f"{early:%d.%m}" not in sheet          # nothing of the week before
    assert "У —" not in sheet and "Уважит" not in sheet
    assert "Отметки за периоды" in sheet and "5" in sheet.split("Отметки за периоды")[1]

    whole = pages_of(browser.get(f"/my-class/extract?class_id={school.c5.id}"
                                 f"&student={ivanov.id}").data)[0]
    assert f"{early:%d.%m}: 3" in whole and f"{inside:%d.%m}: 4" in whole  # the year so far
    assert f"С {school.c5.year.start:%d.%m.%Y}" in whole


def test_the_extract_refuses_reversed_dates_and_another_class(app, browser, people, school):
    ivanov, _, inside, later = two_weeks(school)
    browser.login(people.teacher.login)
    reversed_ = browser.get(f"/my-class/extract?class_id={school.c5.id}&student={ivanov.id}"
                            f"&start={later.isoformat()}&end={inside.isoformat()}",
                            follow_redirects=True)
    assert reversed_.mimetype == "text/html" and "позже её конца" in reversed_.get_data(
        as_text=True)
    not_here = browser.get(f"/my-class/extract?class_id={school.c1.id}&student={ivanov.id}",
                           follow_redirects=True)
    assert "не учился в 1А" in not_here.get_data(as_text=True)

    stranger = Browser(app.test_client())
    stranger.login(people.class_teacher.login)  # 6А's class teacher: not 5А's pupils
    refused = stranger.get(f"/my-class/extract?class_id={school.c5.id}&student={ivanov.id}")
    assert refused.status_code == 403


def test_a_pupil_who_left_gets_the_extract_of_their_time_in_the_class(browser, people, school):
    """The extract is asked for most when a pupil changes school: after the leaving they are
    still offered, and the extract holds their marks up to it."""
    ivanov, early, inside, later = two_weeks(school)
    Movement.create(student=ivanov, kind="left", date=later, school_class=None)
    browser.login(people.teacher.login)
    page = browser.get(f"/my-class/?class_id={school.c5.id}").get_data(as_text=True)
    assert f'value="{ivanov.id}">{ivanov.full_name} (выбыл из класса)' in page
    sheet = pages_of(browser.get(f"/my-class/extract?class_id={school.c5.id}"
                                 f"&student={ivanov.id}").data)[0]
    assert f"{early:%d.%m}: 3" in sheet and f"{inside:%d.%m}: 4" in sheet
