"""Every endpoint of the panel, called as anonymous and as each role (rules 3–6).

The table below says who may open each view. An endpoint added later with no line here
fails the test; one added without an access check fails it for anonymous and the roles
that must be refused. Row-level checks with another teacher's ids follow, then subgroup
teachers against the other group and the whole class on every JSON endpoint of the
journal (read from the app: a new endpoint fails until the matrix says who may use it).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from models import (
    ALL_MODELS,
    Attendance,
    Lesson,
    Mark,
    PeriodMark,
    PlanTopic,
    Subgroup,
    SubgroupMember,
    TeachingAssignment,
)
from tests.panel import CYRILLIC, Browser, rows
from tests.school import staff

DAY = dt.timedelta(days=1)

TEACHERS = {"teacher", "english", "other", "class_teacher"}
EVERYONE = TEACHERS | {"deputy", "director", "admin"}
READ_ALL = {"deputy", "director"}
CLASS_TEACHERS = {"teacher", "class_teacher"}

# Who may open each view (its blueprint); everyone else gets 403, anonymous the login page.
OPENS = {
    "admin": EVERYONE,
    "account": EVERYONE,  # «Сменить пароль»: one's own account only
    "journal": TEACHERS | READ_ALL,
    "myclass": CLASS_TEACHERS,
    "paper": CLASS_TEACHERS | READ_ALL,  # «Возврат выписок»: own classes ticked, all read
    "diary_passwords": CLASS_TEACHERS | {"admin"},  # their own class's; the admin's any
    "printing": TEACHERS | READ_ALL,  # sheets of own classes, temporary journal of own subjects
    "timetable_week": TEACHERS | READ_ALL,  # a teacher's own week and their classes'
    "audit": READ_ALL | {"admin"},
    "archive": READ_ALL,  # «Архив»: the registry and its files (001 6); the deputy archives
    # «Отчёты»: a class teacher their classes, a teacher the classes they teach, the
    # director and deputies every class; the admin alone none (rule 5).
    "reports": TEACHERS | READ_ALL,
    # «Экспорт» (issue 19.2): the reports' scope; each file checks its class and journal.
    "exports": TEACHERS | READ_ALL,
    # The year transfer: the admin creates and closes years (001 3.1), the deputy does
    # every step (001 3.3, rule 5); carrying and promoting are the deputy's (ROW_OPENS).
    "year_transfer": {"deputy", "admin"},
    # «Загрузка данных» (issue 19.1): the deputy (pupils, load, timetable, any КТП), the
    # admin (staff accounts), teachers (their own КТП); each kind asks models.access.
    "imports": TEACHERS | {"deputy", "admin"},
    "breach": {"admin"},
    "plans": READ_ALL | TEACHERS,  # a teacher's own КТП (an empty list without assignments)
    "students": READ_ALL | CLASS_TEACHERS,
    "guardians": READ_ALL | CLASS_TEACHERS,
    "settings": READ_ALL | {"admin"},
    "staff": READ_ALL | {"admin"},
    **{name: READ_ALL for name in (
        "years", "periods", "holidays", "transfers", "bells", "classes", "subgroups",
        "subgroup_members",
        "student_guardians", "movements", "subjects", "work_types", "assignments",
        "timetable", "news")},
}
# Endpoints about one row, called here with 5А's maths journal (taught by `teacher`).
ROW_OPENS = {"journal.grid": {"teacher"} | READ_ALL,
             "year_transfer.carry": {"deputy"}, "year_transfer.promote": {"deputy"},
             "archive.run": {"deputy"},
             # 5А's maths journal and КТП: its teacher (5А's class teacher), who reads all;
             # 5А's list with the guardians: its class teacher, who reads all.
             "exports.journal": {"teacher"} | READ_ALL, "exports.plan": {"teacher"} | READ_ALL,
             "exports.pupils": {"teacher"} | READ_ALL}
# Open to everybody: the login form, logging out, and static files.
PUBLIC = {"static", "admin.static", "login.index", "login.logout"}


def endpoints(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in PUBLIC:
            yield rule


def url_for_rule(rule, people, school) -> str:
    values = {"staff_id": people.teacher.id, "export_type": "csv", "id": 1, "key": "progress",
              "fmt": "xlsx"}
    path = rule.build({k: v for k, v in values.items() if k in rule.arguments})[1]
    journal = f"?class_id={school.c5.id}&subject_id={school.math.id}"
    query = {"journal.grid": journal, "exports.journal": journal, "exports.plan": journal,
             "exports.pupils": f"?class_id={school.c5.id}"}
    return path + query.get(rule.endpoint, "")


def row_counts() -> dict[str, int]:
    return {m.__name__: m.select().count() for m in ALL_MODELS}


def test_every_endpoint_has_an_access_rule(app):
    missing = {r.endpoint for r in endpoints(app)
               if r.endpoint.split(".")[0] not in OPENS}
    assert not missing, f"endpoints with no line in OPENS: {sorted(missing)}"


def test_anonymous_reaches_nothing_but_the_login_page(app, people, school):
    client = Browser(app.test_client())
    client.get("/login/")
    for rule in endpoints(app):
        url = url_for_rule(rule, people, school)
        response = (client.client.get(url) if "GET" in rule.methods
                    else client.post(url))
        assert response.status_code in (302, 401), (rule.endpoint, response.status_code)
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/login/"), rule.endpoint


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_each_role_opens_only_its_views(app, people, school, role):
    lesson = school.lesson()
    Mark.create(lesson=lesson, student=school.pupils5[0], value="4")
    browser = Browser(app.test_client())
    assert browser.login(getattr(people, role).login).status_code == 302
    before = row_counts()
    for rule in endpoints(app):
        allowed = role in ROW_OPENS.get(rule.endpoint, OPENS[rule.endpoint.split(".")[0]])
        url = url_for_rule(rule, people, school)
        if "GET" in rule.methods:
            response = browser.get(url)
        else:
            response = browser.post_json(url, {}) if "/api/" in url else browser.post(url)
        refused = response.status_code == 403
        assert refused != allowed, (role, rule.endpoint, url, response.status_code)
        if not allowed:
            assert row_counts() == before, (role, rule.endpoint, "changed data while refused")


# --- row level: another teacher's ids ------------------------------------------------

def test_rule_3_another_teachers_journal_is_closed(browser, people, school):
    lesson = school.lesson()
    browser.login(people.other.login)
    grid = f"/journal/grid?class_id={school.c5.id}&subject_id={school.math.id}"
    assert browser.get(grid).status_code == 403
    journals = browser.get("/journal/").get_data(as_text=True)
    assert "5А" not in journals
    saved = browser.post_json("/journal/api/cell", {"lesson": lesson.id,
                                                    "student": school.pupils5[0].id,
                                                    "value": "5"})
    assert saved.status_code == 403 and "Недостаточно прав" in saved.get_json()["error"]
    edited = browser.post_json("/journal/api/lesson", {
        "class_id": school.c5.id, "subject_id": school.math.id, "lesson_id": lesson.id,
        "date": lesson.date.isoformat(), "topic": "чужая тема"})
    assert edited.status_code == 403
    deleted = browser.post_json("/journal/api/lesson/delete", {"lesson_id": lesson.id})
    assert deleted.status_code == 403
    created = browser.post_json("/journal/api/lesson", {
        "class_id": school.c5.id, "subject_id": school.math.id,
        "date": school.today.isoformat(), "topic": "урок в чужом классе"})
    assert created.status_code == 403
    assert Lesson.get_by_id(lesson.id).topic == "" and Lesson.select().count() == 1
    assert Mark.select().count() == 0


def test_rule_3_a_group_teacher_does_not_write_the_other_subject(browser, people, school):
    math = school.lesson()
    browser.login(people.english.login)
    response = browser.post_json("/journal/api/cell", {"lesson": math.id,
                                                       "student": school.pupils5[0].id,
                                                       "value": "5"})
    assert response.status_code == 403 and Mark.select().count() == 0
    own = f"/journal/grid?class_id={school.c5.id}&subject_id={school.english.id}" \
          f"&subgroup_id={school.group1.id}"
    assert browser.get(own).status_code == 200


def test_rule_3_a_substitute_edits_the_lesson_they_taught(browser, people, school):
    lesson = school.lesson(teacher=people.other)
    browser.login(people.other.login)
    grid = f"/journal/grid?class_id={school.c5.id}&subject_id={school.math.id}"
    assert browser.get(grid).status_code == 200
    saved = browser.post_json("/journal/api/cell", {"lesson": lesson.id,
                                                    "student": school.pupils5[0].id,
                                                    "value": "4"})
    assert saved.status_code == 200
    regular = school.lesson(day=school.today - dt.timedelta(days=2))
    refused = browser.post_json("/journal/api/cell", {"lesson": regular.id,
                                                      "student": school.pupils5[0].id,
                                                      "value": "4"})
    assert refused.status_code == 403


def test_rule_4_class_teacher_reads_but_does_not_change_marks(browser, people, school):
    lesson = school.lesson(school.c6)
    Mark.create(lesson=lesson, student=school.pupil6, value="3")
    browser.login(people.class_teacher.login)
    page = browser.get(f"/journal/grid?class_id={school.c6.id}&subject_id={school.math.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'class="cell-ro">3<' in html
    assert 'class="cell"' not in html
    refused = browser.post_json("/journal/api/cell", {"lesson": lesson.id,
                                                      "student": school.pupil6.id,
                                                      "value": "5"})
    assert refused.status_code == 403 and Mark.get().value == "3"
    period_mark = {"class_id": school.c6.id, "subject_id": school.math.id,
                   "period_id": school.period.id, "student": school.pupil6.id, "value": "3"}
    assert browser.post_json("/journal/api/period-mark", period_mark).status_code == 200
    other_class = {**period_mark, "class_id": school.c5.id, "student": school.pupils5[0].id}
    assert browser.post_json("/journal/api/period-mark", other_class).status_code == 403


def test_rule_4_absence_reasons_only_in_own_class(browser, people, school):
    lesson = school.lesson()
    absent = Attendance.create(lesson=lesson, student=school.pupils5[0], code="Н")
    browser.login(people.class_teacher.login)  # class teacher of 6А, not 5А
    assert browser.get(f"/my-class/?class_id={school.c5.id}").status_code == 403
    refused = browser.post_json("/my-class/api/absence", {"lesson": lesson.id, "seen": "Н",
                                                           "student": school.pupils5[0].id,
                                                           "code": "Б"})
    assert refused.status_code == 403 and Attendance.get_by_id(absent.id).code == "Н"


def test_plan_topics_of_another_teacher_stay_closed(browser, people, school):
    own = TeachingAssignment.get(TeachingAssignment.teacher == people.teacher)
    topic = PlanTopic.create(assignment=own, number=1, title="Дроби")
    browser.login(people.english.login)
    for url in (f"/setup/plans/edit/?id={topic.id}", f"/setup/plans/details/?id={topic.id}"):
        response = browser.get(url)
        assert response.status_code == 302 or "Дроби" not in response.get_data(as_text=True)
    browser.post("/setup/plans/delete/", {"id": topic.id})
    browser.post("/setup/plans/action/", {"action": "delete", "rowid": topic.id})
    assert PlanTopic.get_by_id(topic.id).title == "Дроби"


def test_rule_4_diary_passwords_only_for_own_class(browser, people, school, monkeypatch):
    """6А's class teacher issues and rotates 6А's diary passwords and never 5А's: no
    password issued, no slip given, no rebuild started for another class."""
    import models.diary as diary_model
    from models import DiaryAccess, SchoolSettings

    monkeypatch.setattr(diary_model, "ITERATIONS", 1000)
    SchoolSettings.update(diary_base_url="https://dnevnik.school.ru/").execute()
    browser.login(people.class_teacher.login)
    for form in ({"class_id": school.c5.id}, {"class_id": school.c5.id, "rotate": "1"},
                 {"class_id": school.c5.id, "student": school.pupils5[0].id}):
        assert browser.post("/diary-passwords/issue", form).status_code == 403
    assert browser.post("/diary-passwords/refresh", {"class_id": school.c5.id}
                        ).status_code == 403
    assert browser.get(f"/diary-passwords/?class_id={school.c5.id}").status_code == 403
    assert DiaryAccess.select().count() == 0
    own = browser.post("/diary-passwords/issue", {"class_id": school.c6.id})
    assert own.mimetype == "application/pdf"
    rotated = browser.post("/diary-passwords/issue", {"class_id": school.c6.id, "rotate": "1"})
    assert rotated.mimetype == "application/pdf"
    assert [a.student_id for a in DiaryAccess.select()] == [school.pupil6.id]


def test_printing_only_for_own_class_and_own_subjects(browser, people, school):
    week = school.today.isoformat()
    browser.login(people.class_teacher.login)  # class teacher of 6А
    assert browser.get(f"/print/week?class_id={school.c5.id}&week={week}").status_code == 403
    assert browser.get(f"/print/week?class_id=all&week={week}").status_code == 403
    own = browser.get(f"/print/week?class_id={school.c6.id}&week={week}")
    assert own.status_code == 200 and own.mimetype == "application/pdf"
    assert own.data.startswith(b"%PDF") and "attachment" in own.headers["Content-Disposition"]
    maths = TeachingAssignment.get((TeachingAssignment.teacher == people.teacher)
                                   & (TeachingAssignment.school_class == school.c5))
    english = Browser(browser.client.application.test_client())
    english.login(people.english.login)
    month = school.today.replace(day=1).isoformat()
    refused = english.get(f"/print/temporary?assignment_id={maths.id}&month={month}")
    assert refused.status_code == 404
    teacher = Browser(browser.client.application.test_client())
    teacher.login(people.teacher.login)
    form = teacher.get(f"/print/temporary?assignment_id={maths.id}&month={month}")
    assert form.status_code == 200 and form.data.startswith(b"%PDF")


# --- row level: subgroup teachers against the other group and the whole class -----
# Issue 10.1: in the demo's 2А English the group-1 teacher created a whole-class lesson and
# gave a group-2 pupil «2», overwrote the group-2 teacher's quarter mark, changed her mark
# in her whole-class lesson and deleted that lesson.

@dataclass
class Split:
    """5А English as in the demo's 2А: group 1 (the attacker's), group 2, whole-class."""

    school: object
    group: dict[str, Subgroup | None]       # own, other, whole
    pupil: dict[str, object]                # a pupil of each: group 1, group 2, no group
    lesson: dict[str, Lesson]               # a lesson of each journal

    @classmethod
    def build(cls, school, people) -> Split:
        group2 = Subgroup.create(school_class=school.c5, subject=school.english,
                                 name="2 группа")
        own, other, neither = school.pupils5
        SubgroupMember.create(subgroup=group2, student=other)
        teacher2 = staff("english2.hh")
        TeachingAssignment.create(school_class=school.c5, subject=school.english,
                                  subgroup=group2, teacher=teacher2)
        day = school.today - 2 * DAY
        lessons = {
            "own": Lesson.create(school_class=school.c5, subject=school.english,
                                 subgroup=school.group1, teacher=people.english, date=day),
            "other": Lesson.create(school_class=school.c5, subject=school.english,
                                   subgroup=group2, teacher=teacher2, date=day),
            "whole": Lesson.create(school_class=school.c5, subject=school.english,
                                   teacher=teacher2, date=day, number=2),
        }
        # The group-2 teacher's marks, and the quarter mark she gave.
        Mark.create(lesson=lessons["other"], student=other, value="5")
        Mark.create(lesson=lessons["whole"], student=other, value="5")
        PeriodMark.create(student=other, school_class=school.c5, subject=school.english,
                          period=school.period, value="5", set_by=teacher2)
        return cls(school, {"own": school.group1, "other": group2, "whole": None},
                   {"own": own, "other": other, "whole": neither}, lessons)

    def journal(self, target: str) -> dict:
        group = self.group[target]
        return {"class_id": self.school.c5.id, "subject_id": self.school.english.id,
                "subgroup_id": group.id if group else ""}


def write_a_mark(browser, split, target):
    # In the whole-class lesson the attack gave a group-2 pupil «2».
    pupil = split.pupil["other" if target == "whole" else target]
    return browser.post_json("/journal/api/cell", {
        "lesson": split.lesson[target].id, "student": pupil.id, "value": "2"})


def create_a_lesson(browser, split, target):
    return browser.post_json("/journal/api/lesson", {
        **split.journal(target), "date": split.school.today.isoformat(), "topic": "Чужой урок"})


def edit_a_lesson(browser, split, target):
    lesson = split.lesson[target]
    return browser.post_json("/journal/api/lesson", {
        **split.journal(target), "lesson_id": lesson.id, "date": lesson.date.isoformat(),
        "number": lesson.number, "topic": "Переписанная тема"})


def delete_a_lesson(browser, split, target):
    return browser.post_json("/journal/api/lesson/delete", {"lesson_id": split.lesson[target].id})


def set_a_period_mark(browser, split, target):
    return browser.post_json("/journal/api/period-mark", {
        "class_id": split.school.c5.id, "subject_id": split.school.english.id,
        "period_id": split.school.period.id, "student": split.pupil[target].id, "value": "2"})


def write_a_comment(browser, split, target):
    pupil = split.pupil["other" if target == "whole" else target]
    return browser.post_json("/journal/api/comment", {
        "lesson": split.lesson[target].id, "student": pupil.id, "text": "Чужой комментарий"})


def add_a_work(browser, split, target):
    return browser.post_json("/journal/api/work", {
        "lesson_id": split.lesson[target].id, "work_type_id": split.school.test.id})


# Every state-changing JSON endpoint of the journal and the ways it is used.
ACTIONS = {
    "journal.work": [add_a_work],
    "journal.comment": [write_a_comment],
    # A form of «Сегодня», not JSON: another teacher's slot opens nothing (test_teacher_day).
    "journal.from_timetable": [],
    "journal.cell": [write_a_mark],
    "journal.lesson": [create_a_lesson, edit_a_lesson],
    "journal.lesson_delete": [delete_a_lesson],
    "journal.period_mark": [set_a_period_mark],
    "journal.reopen": [],  # the deputy's alone, never a teacher's: test_calendar_panel.py
}
TARGETS = ("own", "other", "whole")


def test_the_matrix_covers_every_json_endpoint_of_the_journal(app):
    found = {rule.endpoint for rule in app.url_map.iter_rules()
             if rule.endpoint.startswith("journal.") and "POST" in rule.methods}
    assert found == set(ACTIONS), "a journal endpoint is missing from the subgroup matrix"


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("action", [a for actions in ACTIONS.values() for a in actions],
                         ids=lambda a: a.__name__)
def test_rule_3_a_group_teacher_writes_only_their_own_group(browser, people, school,
                                                            action, target):
    """The group-1 teacher against group 1, group 2 and the whole class."""
    split = Split.build(school, people)
    browser.login(people.english.login)
    before = rows()
    response = action(browser, split, target)
    if target == "own":
        assert response.status_code == 200, response.get_json()
        assert rows() != before
    else:
        assert response.status_code == 403, (response.status_code, response.get_json())
        assert CYRILLIC.search(response.get_json()["error"])
        assert rows() == before, "a refused request changed data"


def test_rule_3_a_group_teacher_reads_the_class_journal_but_not_the_other_group(
        browser, people, school):
    split = Split.build(school, people)
    browser.login(people.english.login)
    base = f"/journal/grid?class_id={school.c5.id}&subject_id={school.english.id}"
    whole = browser.get(base)
    html = whole.get_data(as_text=True)
    assert whole.status_code == 200
    assert 'class="cell"' not in html  # the whole-class lesson is not theirs to write
    # The period mark only for their own group's pupil.
    assert f'class="pmark" data-student="{split.pupil["own"].id}"' in html
    assert f'class="pmark" data-student="{split.pupil["other"].id}"' not in html
    # Teaching group 1's own lessons is no substitution in group 2.
    other = browser.get(f"{base}&subgroup_id={split.group['other'].id}")
    assert other.status_code == 403
    assert "2 группа" not in browser.get("/journal/").get_data(as_text=True)
    own = browser.get(f"{base}&subgroup_id={split.group['own'].id}").get_data(as_text=True)
    assert f'data-lesson="{split.lesson["own"].id}"' in own


def test_a_whole_class_teacher_and_the_class_teacher_still_write_every_pupil(
        browser, people, school):
    split = Split.build(school, people)
    TeachingAssignment.create(school_class=school.c5, subject=school.english,
                              teacher=people.other)
    browser.login(people.other.login)
    for target in TARGETS:
        assert write_a_mark(browser, split, target).status_code == 200, target
        assert set_a_period_mark(browser, split, target).status_code == 200, target
    assert create_a_lesson(browser, split, "whole").status_code == 200
    class_teacher = Browser(browser.client.application.test_client())
    class_teacher.login(people.teacher.login)  # 5А's class teacher
    for target in TARGETS:
        assert set_a_period_mark(class_teacher, split, target).status_code == 200, target


# --- rule 16: the deputy's corrections, each with a stated reason ---------------------

class Stating(Browser):
    """A browser whose journal page has «Причина исправления» filled in: every JSON write
    carries it, as the grid's script sends it."""

    reason = "исправление по заявлению учителя"

    def post_json(self, url: str, payload: dict):
        return super().post_json(url, {**payload, "reason": self.reason})


JOURNAL_WRITES = [a for actions in ACTIONS.values() for a in actions]


@pytest.mark.parametrize("action", JOURNAL_WRITES, ids=lambda a: a.__name__)
@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_rule_16_a_stated_reason_opens_another_teachers_journal_to_the_deputy_alone(
        app, people, school, role, action):
    """Every journal write into group 2's journal (taught by neither of the roles), sent
    with a reason: the deputy's goes through, logged with the reason; for every other role
    the reason changes nothing (5А's class teacher sets period marks by rule 4 anyway)."""
    from models import AuditEntry, access

    split = Split.build(school, people)
    browser = Stating(app.test_client())
    assert browser.login(getattr(people, role).login).status_code == 302
    before, last = rows(), AuditEntry.select().order_by(AuditEntry.id.desc()).first().id
    response = action(browser, split, "other")
    allowed = role == "deputy" or (role == "teacher" and action is set_a_period_mark)
    if not allowed:
        assert response.status_code == 403, (response.status_code, response.get_json())
        assert rows() == before, "a refused request changed data"
        return
    assert response.status_code == 200, response.get_json()
    logged = list(AuditEntry.select().where(AuditEntry.id > last))
    assert logged and rows() != before
    corrected = role == "deputy" and action is not create_a_lesson  # a new lesson: rule 5
    assert all(e.reason == (access.CORRECTION + Stating.reason if corrected else "")
               for e in logged), [e.reason for e in logged]


@pytest.mark.parametrize("action", [a for a in JOURNAL_WRITES if a is not create_a_lesson],
                         ids=lambda a: a.__name__)
def test_rule_16_without_a_reason_the_deputy_changes_nothing(browser, people, school, action):
    split = Split.build(school, people)
    browser.login(people.deputy.login)
    before = rows()
    response = action(browser, split, "other")
    assert response.status_code == 403 and response.get_json()["rule"] == 16
    assert "«Причина исправления»" in response.get_json()["error"]
    assert rows() == before
