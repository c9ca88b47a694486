"""Issue 11.1, one step at a time: a page drawn before someone else changed a cell must not
write over that change, nor anybody else's row.

As it was found: «Мой класс» named an absence by its row id. The subject teacher marked
Иванов «Н» (row 3019); the class teacher's page showed the reason select for it; the
subject teacher changed Иванов's cell to «4» (row 3019 deleted) and marked Петрова «Н»
(SQLite handed out 3019 again); the class teacher picked «Б» on the open page → 200, and
Петрова's absence became «Б». The grid had the same hole: a tab drawn before another
tab's or a substitute's save wrote over it without a word.
"""
from __future__ import annotations

import json

import pytest
from peewee import SqliteDatabase

from models import Attendance, AuditEntry, SchoolClass, Staff, db
from tests.pages import (
    cell_save,
    grid_cells,
    grid_url,
    my_class_url,
    name_of,
    reason_pick,
    reason_selects,
    stored,
)
from tests.panel import Browser

STALE = "обновите страницу"


@pytest.fixture
def lesson(school, people):
    """Maths in 5А last week, taught by people.teacher; 5А's class teacher is
    people.class_teacher, who teaches nothing."""
    SchoolClass.update(class_teacher=people.class_teacher).where(
        SchoolClass.id == school.c5.id).execute()
    return school.lesson()


def as_browser(app, account: Staff) -> Browser:
    person = Browser(app.test_client())
    assert person.login(account.login).status_code == 302
    return person


def type_into_cell(browser: Browser, lesson, pupil, typed: str):
    """The teacher opens the grid and types into the pupil's cell."""
    page = browser.get(grid_url(lesson)).get_data(as_text=True)
    return type_on_page(browser, page, lesson, pupil, typed)


def type_on_page(browser: Browser, page: str, lesson, pupil, typed: str):
    """The teacher types into the pupil's cell on a grid page opened earlier."""
    shown = grid_cells(page)[(lesson.id, pupil.id)]
    return browser.post_json("/journal/api/cell", cell_save(lesson, pupil, typed, shown))


def pick_reason(browser: Browser, page: str, pupil, code: str):
    """The class teacher picks a reason in the pupil's select on a page opened earlier."""
    return browser.post_json("/my-class/api/absence",
                             reason_pick(reason_selects(page)[name_of(pupil)], code))


def changes_by(person: Staff) -> list[AuditEntry]:
    return list(AuditEntry.select().where(AuditEntry.staff == person.id))


def test_a_reason_picked_on_a_stale_page_leaves_another_pupils_absence_alone(
        app, people, school, lesson):
    ivanov, petrova, _ = school.pupils5
    teacher, class_teacher = as_browser(app, people.teacher), as_browser(app, people.class_teacher)
    assert type_into_cell(teacher, lesson, ivanov, "Н").status_code == 200
    ivanovs_row = Attendance.get(lesson=lesson, student=ivanov).id
    page = class_teacher.get(my_class_url(lesson)).get_data(as_text=True)
    assert name_of(ivanov) in reason_selects(page)  # the select for Иванов's «Н»

    assert type_into_cell(teacher, lesson, ivanov, "4").status_code == 200
    assert type_into_cell(teacher, lesson, petrova, "Н").status_code == 200
    if isinstance(db.obj, SqliteDatabase):  # the row id Иванов's select was drawn with
        assert Attendance.get(lesson=lesson, student=petrova).id == ivanovs_row

    refused = pick_reason(class_teacher, page, ivanov, "Б")
    assert refused.status_code == 409
    assert STALE in refused.get_json()["error"]
    assert "«4»" in refused.get_json()["error"]  # what the cell holds now
    assert (stored(lesson.id, ivanov.id), stored(lesson.id, petrova.id)) == ("4", "Н")
    assert changes_by(people.class_teacher) == []


def test_a_reason_is_refused_once_the_absence_became_a_lateness(app, people, school, lesson):
    ivanov = school.pupils5[0]
    teacher, class_teacher = as_browser(app, people.teacher), as_browser(app, people.class_teacher)
    assert type_into_cell(teacher, lesson, ivanov, "Н").status_code == 200
    page = class_teacher.get(my_class_url(lesson)).get_data(as_text=True)
    assert type_into_cell(teacher, lesson, ivanov, "ОП").status_code == 200  # came late

    refused = pick_reason(class_teacher, page, ivanov, "У")
    assert refused.status_code == 409 and STALE in refused.get_json()["error"]
    assert stored(lesson.id, ivanov.id) == "ОП"  # a lateness never gets a reason
    fresh = class_teacher.get(my_class_url(lesson)).get_data(as_text=True)
    assert name_of(ivanov) not in reason_selects(fresh)
    assert changes_by(people.class_teacher) == []


def test_a_reason_on_a_current_page_changes_only_the_code_and_is_logged(
        app, people, school, lesson):
    ivanov = school.pupils5[0]
    teacher, class_teacher = as_browser(app, people.teacher), as_browser(app, people.class_teacher)
    assert type_into_cell(teacher, lesson, ivanov, "Н").status_code == 200
    row = Attendance.get(lesson=lesson, student=ivanov)
    page = class_teacher.get(my_class_url(lesson)).get_data(as_text=True)

    fixed = pick_reason(class_teacher, page, ivanov, "Б")
    assert fixed.status_code == 200 and fixed.get_json() == {"code": "Б"}
    after = Attendance.get_by_id(row.id)
    assert (after.lesson_id, after.student_id, after.code) == (lesson.id, ivanov.id, "Б")
    [entry] = changes_by(people.class_teacher)
    assert (entry.action, entry.table_name, entry.row_id) == ("update", "attendance", row.id)
    assert json.loads(entry.before)["code"] == "Н" and json.loads(entry.after)["code"] == "Б"
    # The page now shows «Б»: the next pick starts from there.
    again = pick_reason(class_teacher, class_teacher.get(my_class_url(lesson))
                        .get_data(as_text=True), ivanov, "У")
    assert again.status_code == 200 and stored(lesson.id, ivanov.id) == "У"


def test_a_grid_tab_drawn_before_the_class_teachers_correction_is_refused(
        app, people, school, lesson):
    ivanov = school.pupils5[0]
    teacher, class_teacher = as_browser(app, people.teacher), as_browser(app, people.class_teacher)
    assert type_into_cell(teacher, lesson, ivanov, "Н").status_code == 200
    old_tab = teacher.get(grid_url(lesson)).get_data(as_text=True)
    page = class_teacher.get(my_class_url(lesson)).get_data(as_text=True)
    assert pick_reason(class_teacher, page, ivanov, "Б").status_code == 200

    refused = type_on_page(teacher, old_tab, lesson, ivanov, "У")
    assert refused.status_code == 409
    message = refused.get_json()["error"]
    assert message.startswith(f"Клетку изменил(а) {people.class_teacher.short_name}")
    assert "«Б»" in message and STALE in message
    assert stored(lesson.id, ivanov.id) == "Б"
    # After reloading the page the teacher's change goes through.
    assert type_into_cell(teacher, lesson, ivanov, "У").status_code == 200
    assert stored(lesson.id, ivanov.id) == "У"


def test_a_grid_tab_drawn_before_another_tabs_save_is_refused(app, people, school, lesson):
    petrova = school.pupils5[1]
    first_tab, second_tab = as_browser(app, people.teacher), as_browser(app, people.teacher)
    first_page = first_tab.get(grid_url(lesson)).get_data(as_text=True)
    assert type_into_cell(second_tab, lesson, petrova, "5").status_code == 200

    refused = type_on_page(first_tab, first_page, lesson, petrova, "4")
    assert refused.status_code == 409 and STALE in refused.get_json()["error"]
    assert stored(lesson.id, petrova.id) == "5"
    # Emptied in the other tab meanwhile: the message says so rather than quoting nothing.
    first_page = first_tab.get(grid_url(lesson)).get_data(as_text=True)
    assert type_into_cell(second_tab, lesson, petrova, "").status_code == 200
    emptied = type_on_page(first_tab, first_page, lesson, petrova, "4")
    assert emptied.status_code == 409 and "пуста" in emptied.get_json()["error"]
    assert stored(lesson.id, petrova.id) == ""
