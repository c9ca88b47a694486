"""The timetable: a teacher, a room, a class is in one lesson at a time (clashes refused in
Russian, through the model and the panel's form), and the week grid per class and per
teacher for a date, for those who may see it."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from models import Bell, RuleError, Subgroup, Subject, TeachingAssignment, TimetableSlot
from models.timetable import clashes_among
from tests.chromium import log_in
from tests.forms import AdminForm
from tests.panel import Browser, fill, text
from tests.school import staff

DAY = dt.timedelta(days=1)


def slot(school, **fields) -> TimetableSlot:
    """Monday's 2nd lesson: maths in 5А by the school's teacher, for the whole year."""
    values = {"school_class": school.c5, "subject": school.math, "teacher": school.teacher,
              "weekday": 1, "number": 2, "valid_from": school.year.start} | fields
    return TimetableSlot.create(**values)


def refused(school, **fields) -> str:
    """The Russian refusal of a slot that clashes; nothing is stored."""
    before = TimetableSlot.select().count()
    with pytest.raises(RuleError) as caught:
        slot(school, **fields)
    assert TimetableSlot.select().count() == before
    return caught.value.message


@pytest.fixture
def group2(school):
    return Subgroup.create(school_class=school.c5, subject=school.english, name="2 группа")


@pytest.fixture
def colleague(school):
    """A second teacher: English to 5А's group 1."""
    teacher = staff("colleague.zz")
    TeachingAssignment.create(school_class=school.c5, subject=school.english,
                              subgroup=school.group1, teacher=teacher)
    return teacher


# --- clashes in the model -------------------------------------------------------------

def test_a_teacher_booked_in_two_classes_at_one_hour_is_refused(school):
    slot(school)
    message = refused(school, school_class=school.c6)
    assert message.startswith("Учитель Учителева А.П. в это время уже ведёт урок: 5А, "
                              "Математика, Учителева А.П., понедельник, 2-й урок, с ")
    # Another hour, another day: the same teacher is free.
    slot(school, school_class=school.c6, number=3)
    slot(school, school_class=school.c6, weekday=2)


def test_a_room_holds_one_teacher_at_a_time(school, colleague):
    slot(school, room="12")
    message = refused(school, school_class=school.c6, teacher=colleague, room=" 12 ")
    assert "Кабинет 12 в это время занят: 5А, Математика" in message and "каб. 12" in message
    slot(school, school_class=school.c6, teacher=colleague, room="14")  # another room: fine
    slot(school, school_class=school.c1, teacher=staff("third.yy"), room="")  # none given


def test_a_class_has_one_lesson_at_a_time(school, colleague):
    slot(school)
    message = refused(school, subject=school.english, teacher=colleague)
    assert message.startswith("У класса 5А в это время уже есть урок: 5А, Математика")


def test_the_whole_class_and_one_of_its_groups_clash_either_way(school, colleague):
    whole = slot(school)
    message = refused(school, subject=school.english, subgroup=school.group1,
                      teacher=colleague)
    assert message.startswith("Урок всего класса 5А и урок его подгруппы не могут идти в "
                              "один час: 5А, Математика")
    whole.delete_instance()
    slot(school, subject=school.english, subgroup=school.group1, teacher=colleague)
    assert "5А (1 группа), Иностранный язык (английский)" in refused(school)


def test_the_same_group_twice_at_one_hour_is_refused(school, colleague):
    slot(school, subject=school.english, subgroup=school.group1, teacher=colleague, room="7")
    message = refused(school, subject=school.english, subgroup=school.group1, room="8")
    assert message.startswith("У подгруппы «1 группа» класса 5А в это время уже есть урок")


def test_two_groups_of_a_class_at_one_hour_with_two_teachers(school, colleague, group2):
    slot(school, subject=school.english, subgroup=school.group1, teacher=colleague, room="7")
    slot(school, subject=school.english, subgroup=group2, room="8")
    assert TimetableSlot.select().count() == 2


def test_one_teacher_cannot_take_both_groups_at_once(school, group2):
    """Not even in one room: a class split in two is taught apart, or it is not split."""
    slot(school, subject=school.english, subgroup=school.group1, room="7")
    message = refused(school, subject=school.english, subgroup=group2, room="7")
    assert message.startswith("Учитель Учителева А.П. в это время уже ведёт урок: "
                              "5А (1 группа)")
    assert "класс-комплект" not in message


def test_a_combined_lesson_of_two_classes_is_one_teacher_in_one_room(school):
    """A small school's класс-комплект: 1А and 5А taught together, entered as two slots
    with the same teacher and the same room; without the room it reads as a clash, and the
    refusal says how to enter a combined lesson."""
    slot(school, room="Каб. 3")
    message = refused(school, school_class=school.c1)
    assert "Если это совмещённый урок двух классов (класс-комплект), укажите у обоих уроков " \
           "один и тот же кабинет." in message
    slot(school, school_class=school.c1, room="каб. 3")
    assert TimetableSlot.select().count() == 2


def test_slots_on_dates_that_do_not_overlap_do_not_clash(school):
    september = school.year.start
    first = slot(school, valid_to=september + 30 * DAY)
    slot(school, school_class=school.c6, valid_from=september + 31 * DAY)  # from the next day
    assert "Учитель Учителева" in refused(school, school_class=school.c1,
                                          valid_from=september + 30 * DAY)  # the last day
    # Open-ended against one that ends: they meet from its start on.
    assert "Учитель Учителева" in refused(school, school_class=school.c1,
                                          valid_from=september - 90 * DAY,
                                          valid_to=september)
    # A slot saved again does not clash with itself.
    first.room = "5"
    first.save()


def test_a_group_of_another_class_is_refused(school):
    other = Subgroup.create(school_class=school.c6, subject=school.english, name="1 группа")
    assert refused(school, subgroup=other) == "Подгруппа «1 группа» — из другого класса, не из 5А."


def test_clashes_stored_before_validation_are_found(school, colleague, group2):
    ok = slot(school, subject=school.english, subgroup=school.group1, teacher=colleague)
    fine = slot(school, subject=school.english, subgroup=group2)
    old = stored_clash(school, school_class=school.c6, teacher=colleague)
    found = clashes_among(TimetableSlot.select())
    assert set(found) == {ok.id, old.id}
    assert [other.id for other, _ in found[old.id]] == [ok.id]
    assert found[old.id][0][1].startswith("Учитель Учителева А.П. в это время уже ведёт урок")
    assert fine.id not in found


def stored_clash(school, **fields) -> TimetableSlot:
    """A slot written straight into the table, as the timetable was before clashes were
    refused (an old database, an import)."""
    values = {"school_class": school.c5, "subject": school.math, "teacher": school.teacher,
              "weekday": 1, "number": 2, "valid_from": school.year.start} | fields
    return TimetableSlot.get_by_id(TimetableSlot.insert(**values).execute())


# --- clashes in the panel's form ---------------------------------------------------------

def form_data(school, **fields) -> dict:
    values = {"school_class": school.c6.id, "weekday": 1, "number": 2,
              "subject": school.math.id, "subgroup": "", "teacher": school.teacher.id,
              "room": "Спортзал", "valid_from": school.year.start.isoformat(), "valid_to": ""}
    return {k: str(v) for k, v in (values | fields).items()}


def test_the_deputy_is_told_of_a_clash_and_keeps_what_was_typed(browser, school, people):
    slot(school, room="12")
    browser.login(people.deputy.login)
    page = text(fill(browser, "/setup/timetable/new/", form_data(school)))
    assert ("Учитель Учителева А.П. в это время уже ведёт урок: 5А, Математика, "
            "Учителева А.П., каб. 12, понедельник, 2-й урок") in page
    form = AdminForm(page)
    assert form.fields["room"] == "Спортзал" and form.fields["school_class"] == str(school.c6.id)
    assert form.fields["number"] == "2" and form.fields["teacher"] == str(school.teacher.id)
    assert TimetableSlot.select().count() == 1
    # Another hour is saved, and the clash on editing it is refused as well.
    fill(browser, "/setup/timetable/new/", form_data(school, number=3))
    saved = TimetableSlot.get(TimetableSlot.number == 3)
    edit = f"/setup/timetable/edit/?id={saved.id}"
    page = text(fill(browser, edit, form_data(school, number=2, room="Актовый зал")))
    assert "в это время уже ведёт урок: 5А, Математика" in page
    assert AdminForm(page).fields["room"] == "Актовый зал"
    assert TimetableSlot.get_by_id(saved.id).number == 3


# --- the week grid ------------------------------------------------------------------------

def grid_cell(page: str, weekday: int, number: int) -> str:
    """The text of one cell of the grid, tags and spaces squeezed out."""
    found = re.search(rf'<td data-weekday="{weekday}" data-number="{number}">(.*?)</td>',
                      page, re.S)
    assert found, (weekday, number)
    lessons = re.sub(r'<a class="tt-add".*?</a>', "", found.group(1), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", lessons).split())


@pytest.fixture
def week(school, people, group2):
    """5А's week as in force on the pinned today, a slot that ended and one not yet begun;
    English in two groups at once; 6А's maths by the same teacher; the bells."""
    today = school.today
    Bell.create(number=1, starts=dt.time(8, 30), ends=dt.time(9, 15), valid_from=school.start)
    Bell.create(number=2, starts=dt.time(9, 25), ends=dt.time(10, 10), valid_from=school.start)
    return {
        "maths": slot(school, room="12"),
        "ended": slot(school, weekday=2, valid_to=today - DAY),
        "coming": slot(school, weekday=3, valid_from=today + DAY),
        "english1": slot(school, weekday=4, number=1, subject=school.english,
                         subgroup=school.group1, teacher=people.english, room="7"),
        "english2": slot(school, weekday=4, number=1, subject=school.english, subgroup=group2,
                         teacher=people.other, room="8"),
        "maths6": slot(school, weekday=5, number=3, school_class=school.c6, room="12"),
    }


def test_the_class_week_shows_the_slots_in_force_on_the_date(browser, school, people, week):
    browser.login(people.deputy.login)
    page = text(browser.get(f"/timetable/?week=class-{school.c5.id}"
                            f"&date={school.today:%d.%m.%Y}"))
    assert "Расписание: 5А" in page
    assert grid_cell(page, 1, 2) == "Математика Учителева А.П., каб. 12"
    assert grid_cell(page, 2, 2) == grid_cell(page, 3, 2) == ""  # ended; not begun yet
    assert grid_cell(page, 4, 1) == ("Иностранный язык (английский) (1 группа) Учителева "
                                     "А.П., каб. 7 Иностранный язык (английский) (2 группа) "
                                     "Учителева А.П., каб. 8")
    assert grid_cell(page, 5, 3) == ""  # 6А's
    assert re.search(r"2\s*<span class=\"tt-bell\">09:25–10:10</span>", page)
    # Each lesson opens its edit form, which brings the deputy back to this week.
    edit = re.search(rf'href="(/setup/timetable/edit/\?id={week["maths"].id}&amp;url=[^"]+)"',
                     page)
    assert edit and "week%3Dclass-" in edit.group(1)
    # The day before the slot ended, it is there; another date's own week.
    page = text(browser.get(f"/timetable/?week=class-{school.c5.id}"
                            f"&date={school.today - DAY:%Y-%m-%d}"))
    assert grid_cell(page, 2, 2) == "Математика Учителева А.П."


def test_a_teacher_sees_their_own_week_first(browser, school, people, week):
    browser.login(people.teacher.login)
    page = text(browser.get("/timetable/"))
    assert "Расписание: Учителева А.П." in page
    assert grid_cell(page, 1, 2) == "5А — Математика каб. 12"
    assert grid_cell(page, 5, 3) == "6А — Математика каб. 12"
    assert grid_cell(page, 4, 1) == ""  # English is not theirs
    assert "/setup/timetable/" not in page  # reads; the table is the deputy's
    # Their classes' weeks too (they lead 5А): but not another teacher's week.
    assert "Иностранный язык" in text(browser.get(f"/timetable/?week=class-{school.c5.id}"))
    assert browser.get(f"/timetable/?week=teacher-{people.english.id}").status_code == 403


def test_who_may_not_see_a_week_is_refused(app, browser, school, people, week):
    browser.login(people.admin.login)  # accounts, not the timetable
    assert browser.get("/timetable/").status_code == 403
    browser = Browser(app.test_client())
    browser.login(people.english.login)  # English in 5А's group 1: 5А yes, 6А no
    assert browser.get(f"/timetable/?week=class-{school.c5.id}").status_code == 200
    assert browser.get(f"/timetable/?week=class-{school.c6.id}").status_code == 403
    assert browser.get(f"/timetable/?week=teacher-{people.teacher.id}").status_code == 403
    for wanted in ("class-999999", "class-2x", "pupil-1", f"class-{2**70}"):
        assert browser.get(f"/timetable/?week={wanted}").status_code == 404, wanted
    anonymous = Browser(app.test_client())
    assert anonymous.get("/timetable/").status_code == 302


def test_the_grid_escapes_what_was_typed(browser, school, people):
    odd = Subject.create(name="<b>Химия</b>")
    slot(school, subject=odd, room='<script>alert("каб")</script>')
    browser.login(people.deputy.login)
    page = text(browser.get(f"/timetable/?week=class-{school.c5.id}"))
    assert "<script>alert" not in page and "<b>Химия" not in page
    assert "&lt;script&gt;alert(&#34;каб&#34;)&lt;/script&gt;" in page
    assert "&lt;b&gt;Химия&lt;/b&gt;" in page


def test_an_unreadable_date_is_said_in_russian_and_kept(browser, school, people, week):
    browser.login(people.deputy.login)
    page = text(browser.get(f"/timetable/?date=31.02.2026&week=class-{school.c5.id}"))
    assert "Дата «31.02.2026» не читается: нужна дата вида" in page
    assert 'value="31.02.2026"' in page
    assert grid_cell(page, 1, 2) == "Математика Учителева А.П., каб. 12"  # today's week


def test_stored_clashes_are_shown_for_the_deputy_to_fix(app, browser, school, people, week):
    old = stored_clash(school, school_class=school.c6, room="5")
    browser.login(people.deputy.login)
    page = text(browser.get(f"/timetable/?week=class-{school.c6.id}"))
    assert "Накладки в расписании на " in page and ": 1</h6>" in page
    cell = grid_cell(page, 1, 2)
    assert cell.startswith("Математика Учителева А.П., каб. 5 накладка: Учитель Учителева "
                           "А.П. в это время уже ведёт урок: 5А, Математика")
    assert re.search(rf'class="tt-slot tt-clash" data-slot="{old.id}"', page)
    assert f"/setup/timetable/edit/?id={week['maths'].id}" in page  # the other one, to fix
    # The teacher sees the clash in their own week too, without the school-wide list.
    browser = Browser(app.test_client())
    browser.login(people.teacher.login)
    page = text(browser.get("/timetable/"))
    assert "накладка:" in grid_cell(page, 1, 2) and "Накладки в расписании" not in page


def test_the_grid_is_the_timetables_page_in_the_menu(browser, people):
    browser.login(people.deputy.login)
    home = text(browser.get("/"))
    menu = re.findall(r'<a class="dropdown-item[^"]*" href="([^"]+)"[^>]*>\s*Расписание\s*</a>',
                      home)
    assert menu == ["/timetable/"]
    page = text(browser.get("/timetable/"))
    assert 'href="/setup/timetable/"' in page and "Добавить урок" in page


def test_an_empty_cell_opens_the_form_filled_in(browser, school, people, week):
    browser.login(people.deputy.login)
    page = text(browser.get(f"/timetable/?week=class-{school.c6.id}&date=01.12.2026"))
    add = re.search(r'<td data-weekday="2" data-number="4">\s*<a class="tt-add" href="([^"]+)"',
                    page)
    assert add, "no «+» in 6А's empty Tuesday, 4th lesson"
    form = AdminForm(text(browser.get(add.group(1).replace("&amp;", "&"))))
    assert form.fields["school_class"] == str(school.c6.id)
    assert (form.fields["weekday"], form.fields["number"]) == ("2", "4")
    assert form.fields["valid_from"] == "01.12.2026"
    saved = browser.post(add.group(1).replace("&amp;", "&"),
                         form.fields | {"subject": str(school.math.id), "room": "9",
                                        "teacher": str(people.teacher.id)})
    assert saved.status_code == 302 and "/timetable/?date=01.12.2026" in saved.location
    assert TimetableSlot.get(TimetableSlot.room == "9").weekday == 2
    # A teacher's empty cell names the teacher; what names nothing is left blank.
    page = text(browser.get(f"/timetable/?week=teacher-{people.english.id}"))
    assert f"teacher={people.english.id}" in page
    blank = AdminForm(text(browser.get(f"/setup/timetable/new/?school_class={2**70}"
                                       "&weekday=9&number=x&valid_from=31.02.2026")))
    assert blank.fields["valid_from"] == "" and blank.fields["number"] == ""


# --- in a real browser ------------------------------------------------------------------

@pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)
def test_the_deputy_opens_the_grid_and_moves_a_lesson(new_page, school, people, week):
    page = new_page()
    log_in(page, people.deputy.login)
    page.locator(".navbar").get_by_role("link", name="Учебный план").click()
    page.locator(".navbar").get_by_role("link", name="Расписание", exact=True).click()
    page.wait_for_selector("#timetable-grid")
    page.select_option("#tt-week", value=f"teacher-{people.teacher.id}")
    page.fill("#tt-date", f"{school.today:%d.%m.%Y}")
    page.get_by_role("button", name="Показать").click()
    page.wait_for_selector(f'#timetable-grid[data-week="teacher-{people.teacher.id}"]')
    monday = page.locator('#timetable-grid td[data-weekday="1"][data-number="2"]')
    assert "5А — Математика" in monday.inner_text()
    assert page.locator("#timetable-grid .tt-bell").first.inner_text() == "08:30–09:15"
    monday.get_by_role("link").click()
    page.wait_for_selector("form.admin-form")
    page.fill("input[name=room]", "21")
    page.locator("form.admin-form [type=submit]").first.click()
    page.wait_for_selector("#timetable-grid")
    assert "каб. 21" in page.locator(
        '#timetable-grid td[data-weekday="1"][data-number="2"]').inner_text()
    assert TimetableSlot.get_by_id(week["maths"].id).room == "21"
