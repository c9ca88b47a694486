"""The regulations' rules through the panel, over HTTP, as staff meet them.

Rules 3 and 4 (who writes which journal) are in test_authorization.py.
"""
from __future__ import annotations

import datetime as dt
import re

from models import (
    Attendance,
    AuditEntry,
    Lesson,
    Mark,
    PeriodMark,
    SchoolSettings,
    WorkType,
)
from models.people import LOGIN_REFUSED
from tests.panel import PASSWORD, Browser


def grid_url(school, school_class=None, subject=None, **extra) -> str:
    url = (f"/journal/grid?class_id={(school_class or school.c5).id}"
           f"&subject_id={(subject or school.math).id}")
    return url + "".join(f"&{k}={v}" for k, v in extra.items())


def new_lesson(browser, school, **fields):
    payload = {"class_id": school.c5.id, "subject_id": school.math.id,
               "date": school.today.isoformat(), "number": 1, **fields}
    return browser.post_json("/journal/api/lesson", payload)


def cell(browser, lesson, student, value):
    return browser.post_json("/journal/api/cell", {"lesson": lesson.id, "student": student.id,
                                                   "value": value})


def test_rule_1_no_lesson_after_today(browser, people, school):
    browser.login(people.teacher.login)
    tomorrow = school.today + dt.timedelta(days=1)
    refused = new_lesson(browser, school, date=tomorrow.isoformat(), topic="Заранее")
    assert refused.status_code == 422
    assert "заранее запрещено" in refused.get_json()["error"]
    assert refused.get_json()["rule"] == 1
    assert new_lesson(browser, school, topic="Сегодня").status_code == 200
    assert [x.topic for x in Lesson.select()] == ["Сегодня"]


def test_rule_2_grade_one_has_no_marks_and_no_homework(browser, people, school):
    browser.login(people.teacher.login)
    payload = {"class_id": school.c1.id, "subject_id": school.math.id,
               "date": school.today.isoformat(), "topic": "Счёт до 10"}
    refused = browser.post_json("/journal/api/lesson", {**payload, "homework": "№ 5"})
    assert refused.status_code == 422 and "домашние задания не задаются" in refused.get_json()[
        "error"]
    lesson = Lesson.get_by_id(browser.post_json("/journal/api/lesson", payload).get_json()["id"])
    mark = cell(browser, lesson, school.pupil1, "5")
    assert mark.status_code == 422 and mark.get_json()["rule"] == 2
    assert cell(browser, lesson, school.pupil1, "Н").status_code == 200  # attendance is kept
    assert Mark.select().count() == 0 and Attendance.get().code == "Н"
    page = browser.get(grid_url(school, school.c1)).get_data(as_text=True)
    assert "В 1 классе домашние задания не задаются" in page


def test_rule_5_deputy_sets_up_director_reads_admin_manages_accounts(browser, people, school):
    app = browser.client.application
    as_role = {}
    for role in ("deputy", "director", "admin"):
        as_role[role] = Browser(app.test_client())
        as_role[role].login(getattr(people, role).login)
    assert as_role["deputy"].get("/setup/classes/new/").status_code == 200
    assert as_role["director"].get("/setup/classes/").status_code == 200
    assert as_role["director"].get("/setup/classes/new/").status_code == 302  # read only
    assert as_role["admin"].get("/setup/classes/").status_code == 403
    assert as_role["admin"].get("/setup/staff/new/").status_code == 200
    assert as_role["deputy"].get("/setup/staff/new/").status_code == 302
    assert as_role["director"].get(grid_url(school)).status_code == 200
    assert as_role["admin"].get(grid_url(school)).status_code == 403


def test_rule_6_pupils_and_parents_have_no_login(browser, people, school):
    response = browser.login("ivanov", "любой-пароль")
    assert "Неверный логин или пароль" in response.get_data(as_text=True)
    assert browser.get("/").status_code == 302


def test_rule_7_average_and_suggestion_follow_the_school_thresholds(browser, people, school):
    oral = WorkType.get(WorkType.name == "Устный ответ")
    test = WorkType.get(WorkType.name == "Контрольная работа")
    first = school.lesson(work_type=oral)
    second = school.lesson(day=school.school_day(back=3), work_type=test)
    browser.login(people.teacher.login)
    pupil = school.pupils5[0]
    cell(browser, first, pupil, "5")
    saved = cell(browser, second, pupil, "4").get_json()
    # (5·1 + 4·2) / 3 = 4.33… → «4» by the default threshold 4.5
    assert saved == {"text": "4", "look": "", "average": "4,33", "suggested": "4"}
    settings = SchoolSettings.current()
    settings.threshold_5 = 4.3
    settings.save()
    row = re.search(rf'data-student="{pupil.id}">(.*?)</tr>',
                    browser.get(grid_url(school)).get_data(as_text=True), re.S).group(1)
    assert "4,33" in row and re.search(r"data-suggested>5<", row)


def test_rule_8_marks_only_for_the_class_and_subgroup_on_that_day(browser, people, school):
    browser.login(people.teacher.login)
    lesson = school.lesson()
    refused = cell(browser, lesson, school.pupil6, "5")
    assert refused.status_code == 422 and refused.get_json()["rule"] == 8
    browser = Browser(browser.client.application.test_client())
    browser.login(people.english.login)
    english = Lesson.create(school_class=school.c5, subject=school.english,
                            subgroup=school.group1, teacher=people.english,
                            date=school.today - dt.timedelta(days=1))
    member, outsider = school.pupils5[0], school.pupils5[1]
    assert cell(browser, english, member, "5").status_code == 200
    refused = cell(browser, english, outsider, "5")
    assert refused.status_code == 422 and "подгруппу" in refused.get_json()["error"]
    assert [(m.student_id, m.value) for m in Mark.select()] == [(member.id, "5")]


def test_cells_take_several_marks_codes_and_keep_unchanged_marks(browser, people, school):
    browser.login(people.teacher.login)
    lesson, pupil = school.lesson(), school.pupils5[0]
    assert cell(browser, lesson, pupil, "5/4").get_json()["text"] == "5 4"
    first = Mark.select().order_by(Mark.id).first()
    assert cell(browser, lesson, pupil, "оп 5 3").get_json()["text"] == "ОП 5 3"
    assert Mark.get_by_id(first.id).value == "5"  # untouched, so not re-logged
    bad = cell(browser, lesson, pupil, "7")
    assert bad.status_code == 422 and "Не удалось прочитать «7»" in bad.get_json()["error"]
    assert cell(browser, lesson, pupil, "").get_json()["text"] == ""
    assert Mark.select().count() == 0 and Attendance.select().count() == 0
    actions = [e.action for e in AuditEntry.select().where(AuditEntry.table_name == "mark")
               .order_by(AuditEntry.id)]
    assert actions == ["create", "create", "update", "delete", "delete"]


def test_period_mark_in_the_grid(browser, people, school):
    browser.login(people.teacher.login)
    payload = {"class_id": school.c5.id, "subject_id": school.math.id,
               "period_id": school.period.id, "student": school.pupils5[0].id, "value": "4"}
    assert browser.post_json("/journal/api/period-mark", payload).get_json()["value"] == "4"
    bad = browser.post_json("/journal/api/period-mark", {**payload, "value": "9"})
    assert bad.status_code == 422 and "недопустима" in bad.get_json()["error"]
    assert PeriodMark.get().value == "4"
    html = browser.get(grid_url(school)).get_data(as_text=True)
    assert re.search(rf'class="pmark" data-student="{school.pupils5[0].id}" value="4"', html)


def test_teacher_text_is_escaped_everywhere_it_is_shown(browser, people, school):
    script = "<script>alert('тема')</script>"
    image = '<img src=x onerror="alert(1)">'
    browser.login(people.teacher.login)
    assert new_lesson(browser, school, topic=script, homework=image).status_code == 200
    pages = {"grid": browser.get(grid_url(school)),
             "my class": browser.get(f"/my-class/?class_id={school.c5.id}")}
    admin = Browser(browser.client.application.test_client())
    admin.login(people.admin.login)
    pages["audit"] = admin.get("/audit/")
    for name, response in pages.items():
        html = response.get_data(as_text=True)
        assert response.status_code == 200, name
        assert script not in html and image not in html, name
        assert "onerror=" not in html.replace("onerror=&#34;", "").replace(
            "onerror=&quot;", ""), name
    assert "&lt;script&gt;" in pages["grid"].get_data(as_text=True)


def test_posts_without_csrf_token_are_refused(browser, people, school):
    lesson = school.lesson()
    browser.login(people.teacher.login)
    client = browser.client
    raw = client.post("/journal/api/cell", json={"lesson": lesson.id,
                                                 "student": school.pupils5[0].id, "value": "5"})
    assert raw.status_code == 400 and "Форма устарела" in raw.get_json()["error"]
    forged = client.post("/journal/api/cell", json={"lesson": lesson.id,
                                                    "student": school.pupils5[0].id,
                                                    "value": "5"},
                         headers={"X-CSRFToken": "forged"})
    assert forged.status_code == 400
    plan = client.post("/setup/plans/new/", data={"number": "1", "title": "Без токена"})
    assert plan.status_code == 400
    assert client.post("/login/logout").status_code == 400
    assert Mark.select().count() == 0
    login = Browser(client.application.test_client()).client.post(
        "/login/", data={"login": people.teacher.login, "password": PASSWORD})
    assert login.status_code == 400


def test_five_wrong_passwords_block_that_address_for_15_quiet_minutes(app, browser, people,
                                                                     school, monkeypatch):
    clock = [dt.datetime(2026, 11, 25, 8, 0)]
    monkeypatch.setattr("models.people.utcnow", lambda: clock[0])
    for _attempt in range(5):
        page = browser.login(people.teacher.login, "wrong-password").get_data(as_text=True)
        assert LOGIN_REFUSED in page
    right = browser.login(people.teacher.login)
    assert right.status_code == 200 and LOGIN_REFUSED in right.get_data(as_text=True)
    elsewhere = Browser(app.test_client())
    elsewhere.client.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    assert elsewhere.login(people.teacher.login).status_code == 302  # the owner is not locked out
    clock[0] += dt.timedelta(minutes=15)
    assert browser.login(people.teacher.login).status_code == 302


def test_session_cookie_flags_and_logout_ends_copies(app, people, school):
    browser = Browser(app.test_client())
    response = browser.login(people.teacher.login)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    stolen = browser.client.get_cookie("journal_session").value
    assert browser.get("/").status_code == 200
    browser.post("/login/logout")
    thief = app.test_client()
    thief.set_cookie("journal_session", stolen)
    assert thief.get("/").status_code == 302  # the copy taken before logout is dead

    secure = Browser(app.test_client())
    secure.client.get("/login/", base_url="https://localhost")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      secure.client.get("/login/", base_url="https://localhost")
                      .get_data(as_text=True)).group(1)
    over_https = secure.client.post("/login/", base_url="https://localhost",
                                    headers={"Referer": "https://localhost/login/"},
                                    data={"login": people.deputy.login, "password": PASSWORD,
                                          "csrf_token": token})
    assert over_https.status_code == 302 and "Secure" in over_https.headers["Set-Cookie"]


def test_rule_10_breach_reverts_operations_since_the_report(browser, people, school):
    browser.login(people.teacher.login)
    lesson, pupil = school.lesson(), school.pupils5[0]
    cell(browser, lesson, pupil, "4")                    # before the breach: stays
    mark = Mark.get()
    report = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    earlier = AuditEntry.update(at=report - dt.timedelta(minutes=5))
    earlier.execute()
    cell(browser, lesson, pupil, "2 2")                  # after: an update and a create
    cell(browser, lesson, school.pupils5[1], "Н")        # after: a create
    admin = Browser(browser.client.application.test_client())
    admin.login(people.admin.login)
    zone = SchoolSettings.current().timezone
    from zoneinfo import ZoneInfo
    local = report.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(zone))
    declared = admin.post("/breach/declare", {"staff_id": people.teacher.id,
                                              "since": local.strftime("%Y-%m-%dT%H:%M:%S")})
    listing = admin.get(declared.headers["Location"]).get_data(as_text=True)
    assert listing.count("<tr><td>") == 3 and "Отменить все операции (3)" in listing
    assert browser.get("/").status_code == 302  # the account's session is over
    assert browser.login(people.teacher.login).status_code == 200  # and it is locked
    admin.post(f"/breach/{people.teacher.id}/revert")
    assert [(m.id, m.value) for m in Mark.select()] == [(mark.id, "4")]
    assert Attendance.select().count() == 0
    undo = AuditEntry.select().where((AuditEntry.staff == people.admin.id)
                                     & (AuditEntry.table_name != "staff"))  # not the lock
    assert sorted(e.action for e in undo) == ["delete", "delete", "update"]
    assert all(e.reverted_by_id for e in AuditEntry.select().where(
        (AuditEntry.staff == people.teacher.id) & (AuditEntry.at >= report)))
    assert "Неотменённых операций с этого момента нет" in admin.get(
        f"/breach/{people.teacher.id}").get_data(as_text=True)


def test_my_class_page_shows_the_day_and_corrects_absence_reasons(browser, people, school):
    school.c6.class_teacher = people.class_teacher
    school.c6.save()
    lesson = school.lesson(school.c6, day=school.today, topic="Уравнения")
    absent = Attendance.create(lesson=lesson, student=school.pupil6, code="Н")
    Mark.create(lesson=school.lesson(school.c6), student=school.pupil6, value="5")
    browser.login(people.class_teacher.login)
    page = browser.get("/my-class/").get_data(as_text=True)
    assert "Мой класс: 6А" in page and "Шестаков" in page
    assert f'data-lesson="{lesson.id}" data-student="{school.pupil6.id}" data-seen="Н"' in page
    assert re.search(r"5,00\s*→\s*5", page)  # the average and the suggested period mark
    reason = {"lesson": lesson.id, "student": school.pupil6.id, "seen": "Н"}
    fixed = browser.post_json("/my-class/api/absence", {**reason, "code": "Б"})
    assert fixed.get_json() == {"code": "Б"} and Attendance.get_by_id(absent.id).code == "Б"
    late = browser.post_json("/my-class/api/absence", {**reason, "seen": "Б", "code": "ОП"})
    assert late.status_code == 422
    entry = AuditEntry.select().where(AuditEntry.table_name == "attendance").order_by(
        AuditEntry.id.desc()).first()
    assert entry.staff_id == people.class_teacher.id and entry.action == "update"
    assert '"code": "Н"' in entry.before and '"code": "Б"' in entry.after


def test_rule_3_a_deputy_records_a_substitution_the_substitute_then_keeps(browser, people,
                                                                          school):
    browser.login(people.deputy.login)
    missing = new_lesson(browser, school, topic="Замена", teacher_id=999_999)
    assert missing.status_code == 422 and "Такого учителя нет" in missing.get_json()["error"]
    recorded = new_lesson(browser, school, topic="Замена", teacher_id=people.other.id)
    lesson = Lesson.get_by_id(recorded.get_json()["id"])
    assert lesson.teacher_id == people.other.id
    substitute = Browser(browser.client.application.test_client())
    substitute.login(people.other.login)
    assert cell(substitute, lesson, school.pupils5[0], "4").status_code == 200
    assert cell(browser, lesson, school.pupils5[0], "5").status_code == 403  # deputy reads
