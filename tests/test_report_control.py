"""«Контроль заполнения журнала» (issue 17.6, rule 13) on purpose-made journals.

The small school's today is Wednesday 25.11.2026; 5А has maths on Mondays (1st lesson)
and Wednesdays (2nd) by the timetable. The report looks at 16.11–25.11: the timetable asks
for lessons on Mon 16, Wed 18 and Mon 23 (today, Wed 25, is still in progress). Staff
working days are Monday to Friday. The deadlines are the defaults: topic and homework by
20:00 of the lesson day, written-work marks within 5 working days, absence reasons and
re-entry from paper within 2.
"""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from models import (
    Attendance,
    AuditEntry,
    Lesson,
    LessonWork,
    Mark,
    Period,
    PeriodMark,
    SchoolSettings,
    TimetableSlot,
    WorkType,
)
from models.calendar import SchoolCalendar
from models.reports import Choice
from models.reports.control import NOTHING_FOUND, build, working_day_after

MON16, WED18, MON23 = dt.date(2026, 11, 16), dt.date(2026, 11, 18), dt.date(2026, 11, 23)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute))


def entered(row, when: dt.datetime) -> None:
    """The row's last audit entry dated `when` on the school's clock (the test's clock)."""
    e = AuditEntry
    last = (e.select().where((e.table_name == type(row)._meta.table_name) & (e.row_id == row.id))
            .order_by(e.id.desc()).first())
    e.update(at=SchoolSettings.current().stored_time(when)).where(e.id == last.id).execute()


def lesson(school, day: dt.date, number: int, when: dt.datetime | None = None, **fields) -> Lesson:
    """A 5А maths lesson, its topic and homework entered at `when` (by default 14:00 that day)."""
    fields.setdefault("topic", "Дроби")
    fields.setdefault("homework", "№ 12")
    row = school.lesson(day=day, number=number, **fields)
    entered(row, when or at(day, 14))
    return row


@pytest.fixture
def timetable(school, people):
    school.test.is_written = True
    school.test.save()
    for weekday, number in ((1, 1), (3, 2)):
        TimetableSlot.create(school_class=school.c5, subject=school.math, teacher=school.teacher,
                             weekday=weekday, number=number, valid_from=school.start)
    return school


def control(school, user, **chosen):
    chosen.setdefault("class_id", school.c5.id)
    choice = Choice(school.year, school.today, start=MON16, end=school.today, **chosen)
    return build(user, choice)


def lines(report) -> list[tuple[str, str, str]]:
    """(date, what, detail) of each line."""
    return [(r.cells[3], r.cells[4], r.cells[5]) for r in report.tables[0].rows]


def test_a_journal_kept_on_time_yields_no_line(timetable, people, browser):
    """Every timetable lesson recorded the same day with a topic before 20:00, the written
    work of 18.11 marked, an absence «Н» of 16.11 changed to «Б» by the class teacher."""
    school = timetable
    first = lesson(school, MON16, 1, when=at(MON16, 19, 59))
    work = lesson(school, WED18, 2, work_type=school.test)
    lesson(school, MON23, 1)
    Mark.create(lesson=work, student=school.pupils5[0], value="4")
    Attendance.create(lesson=first, student=school.pupils5[1], code="Б")
    report = control(school, people.deputy)
    assert report.tables[0].rows == [] and report.tables[1].rows == []
    assert report.notes[0] == NOTHING_FOUND
    assert report.key == "control" and report.scope == "5А, с 16.11.2026 по 25.11.2026"
    browser.login("deputy.ee")
    page = browser.get(f"/reports/control?class_id={school.c5.id}&start=2026-11-16"
                       "&end=2026-11-25")
    assert page.status_code == 200 and NOTHING_FOUND in page.get_data(as_text=True)


def test_each_kind_of_lateness_is_flagged(timetable, people, browser):
    """By hand, the lines the deputy reads for 5А (sorted by teacher, journal, date):

    - Mon 16: the topic entered at 21:30 (after 20:00), the homework the next morning;
      a dictation (written) added to that lesson has no marks, due 5 working days later
      (23.11) — overdue today; Сидоров's «Н» there is still «Н», due 18.11; a 2nd lesson
      on 16.11 re-entered from paper on 23.11, due 18.11;
    - Tue 24 (an extra 3rd lesson): its written test, unmarked, is due 01.12 and
      Петрова's «Н» is due 26.11 — neither late yet;
    - Wed 18: recorded without a topic;
    - Mon 23: no lesson (the timetable's 1st lesson is missing);
    - the quarter ends Friday 27.11, so its last week began on Monday 23.11: Иванов and
      Сидоров have no quarter mark in maths (Петрова has one); in English (group 1, the
      English teacher's journal) Иванов has none.
    """
    school = timetable
    Period.update(end=dt.date(2026, 11, 27)).where(Period.id == school.period.id).execute()
    first = lesson(school, MON16, 1, when=at(MON16, 21, 30), homework="")
    first.homework = "№ 15"
    first.save()
    entered(first, at(dt.date(2026, 11, 17), 8))
    dictation = WorkType.create(name="Диктант", weight=2, is_written=True)
    LessonWork.create(lesson=first, work_type=dictation)
    Mark.create(lesson=first, student=school.pupils5[0], value="5")  # oral, the lesson's own
    Attendance.create(lesson=first, student=school.pupils5[2], code="Н")
    paper = lesson(school, MON16, 2, from_paper=True)
    Lesson.update(created_at=SchoolSettings.current().stored_time(at(MON23, 10))).where(
        Lesson.id == paper.id).execute()
    lesson(school, WED18, 2, topic="")
    later = lesson(school, dt.date(2026, 11, 24), 3, work_type=school.test)
    Attendance.create(lesson=later, student=school.pupils5[1], code="Н")
    PeriodMark.create(student=school.pupils5[1], school_class=school.c5, subject=school.math,
                      period=school.period, value="4")

    report = control(school, people.deputy)
    assert lines(report) == [
        ("16.11.2026", "Домашнее задание записано после срока",
         "1-й урок; 17.11.2026 08:00 (срок — 16.11.2026 20:00)"),
        ("16.11.2026", "Не указана причина пропуска «Н»", "1-й урок: Сидоров Т."),
        ("16.11.2026", "Нет отметок за письменную работу", "1-й урок; Диктант; срок — 23.11.2026"),
        ("16.11.2026", "Перенесён из временного журнала после срока",
         "2-й урок; внесён 23.11.2026, срок — 18.11.2026"),
        ("16.11.2026", "Тема записана после срока",
         "1-й урок; 16.11.2026 21:30 (срок — 16.11.2026 20:00)"),
        ("18.11.2026", "Нет темы урока", "2-й урок"),
        ("23.11.2026", "Урок по расписанию не записан в журнал", "1-й урок"),
        ("27.11.2026", "Нет отметок за период: 1-я четверть", "Иванов Т., Сидоров Т."),
        ("27.11.2026", "Нет отметок за период: 1-я четверть", "Иванов Т."),
    ]
    rows = report.tables[0].rows
    teacher, english = school.teacher.short_name, people.english.short_name
    assert [r.cells[0] for r in rows] == [teacher] * 8 + [english]
    assert rows[-1].cells[2] == "Иностранный язык (английский) (1 группа)"
    assert rows[0].link == (f"/journal/grid?class_id={school.c5.id}&subject_id={school.math.id}"
                            f"&period_id={school.period.id}")
    assert rows[-1].link == (f"/journal/grid?class_id={school.c5.id}&subject_id="
                             f"{school.english.id}&subgroup_id={school.group1.id}"
                             f"&period_id={school.period.id}")
    assert NOTHING_FOUND not in report.notes
    # Both teachers are «Учителева А.П.»: counted apart all the same.
    assert [r.cells for r in report.tables[1].rows] == [[teacher, 8], [english, 1]]

    # A subject teacher reads only their own journal's lines; 6А's class teacher, asking for
    # every class, gets 6А's only: Шестаков's missing maths mark (6А's group 2 is empty).
    assert lines(control(school, people.english)) == [lines(report)[-1]]
    sixth = control(school, people.class_teacher, class_id=None).tables[0].rows
    assert [(r.cells[1], r.cells[5]) for r in sixth] == [("6А", "Шестаков Т.")]

    # In the panel each line links to its journal; the XLSX holds the same lines.
    browser.login("deputy.ee")
    query = f"/reports/control?class_id={school.c5.id}&start=2026-11-16&end=2026-11-25"
    page = browser.get(query).get_data(as_text=True)
    assert page.count(f'href="/journal/grid?class_id={school.c5.id}&amp;') == 9
    workbook = openpyxl.load_workbook(io.BytesIO(browser.get(query + "&format=xlsx").data))
    sheet = list(workbook["Нарушения"].values)
    head = sheet.index(tuple(c.title for c in report.tables[0].columns))
    assert [row[4] for row in sheet[head + 1:head + 10]] == [w for _, w, _ in lines(report)]
    counts = list(workbook["По учителям"].values)
    head = counts.index(("Учитель", "Нарушений"))
    assert counts[head + 1:head + 3] == [(teacher, 8), (english, 1)]  # numbers as numbers


def test_working_days_skip_weekends_and_public_holidays(school):
    """Friday 30.10.2026 + 2 working days: Monday 2.11, Tuesday 3.11 (4.11 is a holiday);
    Tuesday 3.11 + 1: Thursday 5.11."""
    calendar = SchoolCalendar.of(school.year)
    assert working_day_after(calendar, dt.date(2026, 10, 30), 2) == dt.date(2026, 11, 3)
    assert working_day_after(calendar, dt.date(2026, 11, 3), 1) == dt.date(2026, 11, 5)
    assert working_day_after(calendar, dt.date(2026, 11, 3), 0) == dt.date(2026, 11, 3)


def test_lesson_form_flags_a_lesson_re_entered_from_paper(school, browser):
    """«Перенесён из временного журнала» ticked in the lesson form is kept; a page script
    that does not send the box leaves it as it was."""
    browser.login("teacher.aa")
    payload = {"class_id": school.c5.id, "subject_id": school.math.id,
               "date": MON16.isoformat(), "number": 1, "topic": "Дроби", "from_paper": True}
    answer = browser.post_json("/journal/api/lesson", payload)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    saved = Lesson.get_by_id(answer.get_json()["id"])
    assert saved.from_paper is True
    del payload["from_paper"]
    browser.post_json("/journal/api/lesson", {**payload, "lesson_id": saved.id, "topic": "Доли"})
    assert Lesson.get_by_id(saved.id).from_paper is True
    browser.post_json("/journal/api/lesson", {**payload, "lesson_id": saved.id,
                                              "from_paper": False})
    assert Lesson.get_by_id(saved.id).from_paper is False
    page = browser.get(f"/journal/grid?class_id={school.c5.id}&subject_id={school.math.id}")
    assert "Перенесён из временного журнала" in page.get_data(as_text=True)
