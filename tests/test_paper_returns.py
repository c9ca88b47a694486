"""The paper loop closed (issue 15.7): the class teacher ticks the signed return strips of
the weekly sheets in «Возврат выписок» (linked from «Мой класс»), and the class's list
shows who has not returned theirs for two weeks or more; a vacation week sent no sheet."""
from __future__ import annotations

import datetime as dt

from models import AuditEntry, Guardian, Holiday, SheetReturn, StudentGuardian
from models.paper import PaperChecklist
from tests.panel import Browser, rows, text

PAGE = "/my-class/paper/"
TICK = "/my-class/paper/tick"
# The pinned today is Wednesday 25.11.2026: the sheets of the weeks before it went home.
LAST, BEFORE, EARLIER = dt.date(2026, 11, 16), dt.date(2026, 11, 9), dt.date(2026, 11, 2)


def on_paper(*pupils) -> None:
    for pupil in pupils:
        guardian = Guardian.create(last_name=pupil.last_name, first_name="Мама",
                                   wants_paper_sheet=True)
        StudentGuardian.create(student=pupil, guardian=guardian, relation="мать")


def logged() -> int:
    return AuditEntry.select().where(AuditEntry.table_name == "sheet_return").count()


def signed_in(app, person) -> Browser:
    browser = Browser(app.test_client())
    browser.login(person.login)
    return browser


def tick(browser, school_class, pupil, monday, returned=True):
    return browser.post(TICK, {"class_id": school_class.id, "student": pupil.id,
                               "week": monday.isoformat(), "returned": "1" if returned else "0"})


def test_the_class_teacher_ticks_and_unticks_a_returned_sheet(school, people, browser):
    ivanov, petrova, _ = school.pupils5
    on_paper(petrova)
    browser.login(people.teacher.login)
    myclass = text(browser.get(f"/my-class/?class_id={school.c5.id}"))
    assert f'href="{PAGE}?class_id={school.c5.id}"' in myclass  # linked from «Мой класс»
    page = text(browser.get(f"{PAGE}?class_id={school.c5.id}"))
    assert petrova.full_name in page and ivanov.full_name not in page  # the paper list only

    before = rows()
    forged = browser.client.post(TICK, data={"class_id": school.c5.id, "student": petrova.id,
                                             "week": LAST.isoformat(), "returned": "1"})
    assert forged.status_code == 400 and rows() == before  # no CSRF token: nothing written

    assert tick(browser, school.c5, petrova, LAST).status_code == 302
    [row] = SheetReturn.select()
    assert (row.student_id, row.monday, row.received_by_id) == (
        petrova.id, LAST, people.teacher.id)
    page = text(browser.get(f"{PAGE}?class_id={school.c5.id}"))
    assert "Выписка отмечена как возвращённая." in page and "✓ вернули" in page

    assert tick(browser, school.c5, petrova, LAST, returned=False).status_code == 302
    assert not SheetReturn.select().exists()
    log = [(e.action, e.staff_id) for e in AuditEntry.select()
           .where(AuditEntry.table_name == "sheet_return").order_by(AuditEntry.id)]
    assert log == [("create", people.teacher.id), ("delete", people.teacher.id)]


def test_not_returned_for_two_weeks_counts_only_weeks_that_sent_a_sheet(school, people,
                                                                        browser):
    ivanov, petrova, sidorov = school.pupils5
    on_paper(ivanov, petrova, sidorov)
    # The week of 09.11 is a vacation for every grade: no sheet went home, none comes back.
    Holiday.create(year=school.year, name="дополнительные каникулы",
                   start=BEFORE, end=BEFORE + dt.timedelta(days=6))
    browser.login(people.teacher.login)
    page = text(browser.get(f"{PAGE}?class_id={school.c5.id}"))
    assert "09.11–14.11" not in page and "16.11–21.11" in page and "02.11–07.11" in page
    refused = tick(browser, school.c5, petrova, BEFORE)  # a week without a sheet
    assert refused.status_code == 302 and not SheetReturn.select().exists()
    assert "на этой неделе её не было" in text(browser.get(f"{PAGE}?class_id={school.c5.id}"))

    tick(browser, school.c5, petrova, LAST)      # back on time
    tick(browser, school.c5, sidorov, EARLIER)   # the last one missing: one week, not two
    checklist = PaperChecklist.read(school.c5, school.today)
    assert checklist.weeks[-2:] == [EARLIER, LAST]
    assert [(p.id, n) for p, n in checklist.overdue] == [(ivanov.id, len(checklist.weeks))]
    page = text(browser.get(f"{PAGE}?class_id={school.c5.id}"))
    overdue = page[page.index('id="overdue-list"'):page.index("Выписки по неделям")]
    assert ivanov.full_name in overdue
    assert petrova.full_name not in overdue and sidorov.full_name not in overdue

    tick(browser, school.c5, ivanov, LAST)  # the latest back: no longer two weeks behind
    assert PaperChecklist.read(school.c5, school.today).overdue == []


def test_another_classes_teacher_is_refused_and_the_deputy_only_reads(school, people, app):
    _, petrova, _ = school.pupils5
    on_paper(petrova)
    browser = signed_in(app, people.class_teacher)  # class teacher of 6А only
    assert browser.get(f"{PAGE}?class_id={school.c5.id}").status_code == 403
    assert tick(browser, school.c5, petrova, LAST).status_code == 403
    assert not SheetReturn.select().exists() and not logged()

    browser = signed_in(app, people.english)  # teaches 5А, class teacher of none
    assert browser.get(f"{PAGE}?class_id={school.c5.id}").status_code == 403

    browser = signed_in(app, people.deputy)
    page = browser.get(f"{PAGE}?class_id={school.c5.id}")
    assert page.status_code == 200 and petrova.full_name in text(page)
    assert TICK not in text(page)  # no forms to tick
    assert tick(browser, school.c5, petrova, LAST).status_code == 403
    assert not SheetReturn.select().exists() and not logged()
