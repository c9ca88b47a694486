"""Issue 10.9: the audit log covers every table staff can change, and the breach reversal
voids what is safe to void and reports, by name and time, what someone changed since.

As it was found: a compromised teacher's account marked an absence «У»; the class
teacher corrected it to «Б»; the breach reversal then put back «Н» and the class
teacher's «Б» was lost without a word. And cards, movements, КТП, accounts and settings
were neither logged nor revertible.
"""
from __future__ import annotations

import datetime as dt
import json
import re

from admin.audit import TABLES
from admin.base import SecureModelView, panel_views
from journal_cli import main
from models import (
    ALL_MODELS,
    Attendance,
    AuditEntry,
    Bell,
    DayTransfer,
    DiaryAccess,
    Guardian,
    Holiday,
    Mark,
    Movement,
    News,
    PlanTopic,
    Staff,
    Student,
    StudentGuardian,
    Subject,
    TeachingAssignment,
    TimetableSlot,
    diary,
)
from models.audit import AuditedModel, revert
from tests.forms import AdminForm
from tests.panel import Browser

# The breach is declared as of this moment (school time); everything before it is moved
# earlier still, so the test needs no clock: only what is done after it gets listed.
BREACH = "2001-01-01T00:00"
BEFORE_BREACH = dt.datetime(2000, 1, 1)


def text(response) -> str:
    return response.get_data(as_text=True)


def cell(browser: Browser, lesson, student, value: str):
    return browser.post_json("/journal/api/cell", {"lesson": lesson.id, "student": student.id,
                                                   "value": value})


def as_browser(app, account: Staff) -> Browser:
    person = Browser(app.test_client())
    assert person.login(account.login).status_code == 302
    return person


def all_before_the_breach() -> None:
    AuditEntry.update(at=BEFORE_BREACH).execute()


def declare_and_revert(app, admin: Staff, account: Staff) -> tuple[str, str]:
    """The admin's breach procedure over HTTP: the listing, then the page after reverting."""
    desk = as_browser(app, admin)
    declared = desk.post("/breach/declare", {"staff_id": account.id, "since": BREACH})
    listing = text(desk.get(declared.headers["Location"]))
    after = text(desk.post(f"/breach/{account.id}/revert", follow_redirects=True))
    return listing, after


# --- the story of the item -------------------------------------------------------------

def test_breach_reversal_keeps_the_class_teachers_later_correction(app, people, school):
    lesson = school.lesson(school.c6)  # maths in 6А: people.teacher's; 6А's class teacher
    teacher = as_browser(app, people.teacher)  # is people.class_teacher
    assert cell(teacher, lesson, school.pupil6, "Н").status_code == 200
    all_before_the_breach()

    assert cell(teacher, lesson, school.pupil6, "У").status_code == 200  # the intruder
    absence = Attendance.get(lesson=lesson, student=school.pupil6)
    class_teacher = as_browser(app, people.class_teacher)
    fixed = class_teacher.post_json("/my-class/api/absence", {
        "lesson": lesson.id, "student": school.pupil6.id, "seen": "У", "code": "Б"})
    assert fixed.status_code == 200

    listing, after = declare_and_revert(app, people.admin, people.teacher)
    assert "Отменить все операции (1)" in listing
    assert Attendance.get_by_id(absence.id).code == "Б"  # the correction stands
    assert "запись изменена после этой операции" in after
    assert people.class_teacher.login in after
    assert "Отменить все операции (1)" in after  # still listed: not voided, not lost


# --- a mixed set: journal rows, a card, a movement, КТП topics --------------------------

def test_breach_reversal_over_a_mixed_set_reverts_what_is_safe(app, people, school):
    # The deputy also teaches history in 5А: journal, cards, movements and КТП are theirs.
    deputy = people.deputy
    deputy.roles = "deputy,teacher"
    deputy.save()
    history = Subject.create(name="История")
    TeachingAssignment.create(school_class=school.c5, subject=history, teacher=deputy)
    lesson = school.lesson(subject=history, teacher=deputy)
    first, second, third = school.pupils5
    plan = TeachingAssignment.get(teacher=people.teacher, school_class=school.c5)
    kept_topic = PlanTopic.create(assignment=plan, number=1, title="Натуральные числа")
    gone_topic = PlanTopic.create(assignment=plan, number=2, title="Дроби")
    intruder = as_browser(app, deputy)
    assert cell(intruder, lesson, first, "3").status_code == 200
    all_before_the_breach()

    assert cell(intruder, lesson, first, "5").status_code == 200       # mark: update
    assert cell(intruder, lesson, second, "4").status_code == 200      # mark: create
    card = {"last_name": third.last_name, "first_name": third.first_name, "middle_name": "",
            "birth_date": "", "gender": "", "notes": "взлом"}
    intruder.post(f"/setup/students/edit/?id={third.id}", card)        # card: update
    intruder.post("/setup/movements/new/", {                           # movement: create
        "student": second.id, "kind": "left", "date": school.today.isoformat(),
        "school_class": "__None", "order_number": "", "reason": "взлом"})
    intruder.post(f"/setup/plans/edit/?id={kept_topic.id}", {          # КТП: update
        "assignment": plan.id, "number": "1", "title": "Взлом", "hours": "1",
        "planned_date": ""})
    intruder.post("/setup/plans/delete/", {"id": gone_topic.id})       # КТП: delete
    assert Student.get_by_id(third.id).notes == "взлом"
    assert Movement.select().where(Movement.kind == "left").count() == 1
    assert PlanTopic.get_by_id(kept_topic.id).title == "Взлом"
    # Later the class teacher of 5А puts the card right, as they see it.
    class_teacher = as_browser(app, people.teacher)
    class_teacher.post(f"/setup/students/edit/?id={third.id}",
                       {**card, "notes": "Группа здоровья II"})

    listing, after = declare_and_revert(app, people.admin, deputy)
    assert "Отменить все операции (6)" in listing
    assert sorted((m.student_id, m.value) for m in Mark.select()) == [(first.id, "3")]
    assert not Movement.select().where(Movement.kind == "left").exists()
    assert PlanTopic.get_by_id(kept_topic.id).title == "Натуральные числа"
    assert PlanTopic.get_by_id(gone_topic.id).title == "Дроби"  # back, with its own id
    assert Student.get_by_id(third.id).notes == "Группа здоровья II"  # not overwritten
    reported = re.findall(r"Не отменена операция №\d+ \(([^)]*) №(\d+)\): ([^<]*)", after)
    assert [(table, int(row)) for table, row, _ in reported] == [("ученик", third.id)]
    assert people.teacher.login in reported[0][2]
    assert "Отменено операций: 5" in after


# --- every table staff can change is logged ----------------------------------------------

def writable_views(app) -> list[SecureModelView]:
    return [view for view in panel_views(app).values()
            if isinstance(view, SecureModelView) and view.write_roles]


def some_rows(school, people) -> None:
    """One row in each setup table the small school leaves empty."""
    Holiday.create(year=school.year, name="Осенние каникулы", start=school.today,
                   end=school.today)
    Bell.create(number=1, starts=dt.time(8, 30), ends=dt.time(9, 15), valid_from=school.start)
    guardian = Guardian.create(last_name="Иванова", first_name="Мама")
    StudentGuardian.create(student=school.pupils5[0], guardian=guardian, relation="мать")
    plan = TeachingAssignment.get(teacher=people.teacher, school_class=school.c5)
    PlanTopic.create(assignment=plan, number=1, title="Натуральные числа")
    TimetableSlot.create(school_class=school.c5, subject=school.math, teacher=people.teacher,
                         weekday=1, number=1, room="12", valid_from=school.start)
    News.create(title="Собрание", body="В пятницу.")
    saturday = school.start + dt.timedelta(days=5)  # the year starts on a Monday
    DayTransfer.create(year=school.year, date=saturday, working=True, reason="приказ № 1")


def test_every_change_to_a_table_staff_can_edit_is_logged(app, people, school):
    some_rows(school, people)
    unlogged = []
    for view in writable_views(app):
        writer = next(p for p in vars(people).values() if p.has_role(*view.write_roles))
        desk = as_browser(app, writer)
        row = view.model.select().order_by(view.model.id).first()
        form = AdminForm(text(desk.get(f"{view.url}/edit/?id={row.id}")))
        snapshot = view.model.get_by_id(row.id).__data__
        for changed in form.one_change_each(school.start.isoformat()):
            desk.post(f"{view.url}/edit/?id={row.id}", changed)
            if view.model.get_by_id(row.id).__data__ != snapshot:
                break
        else:
            raise AssertionError(f"{view.endpoint}: no change of the edit form was saved")
        logged = AuditEntry.select().where(
            (AuditEntry.table_name == view.model._meta.table_name)
            & (AuditEntry.row_id == row.id) & (AuditEntry.staff == writer.id)
            & (AuditEntry.action == "update"))
        if not logged.exists():
            unlogged.append(view.endpoint)
    assert unlogged == []
    audited = [m for m in ALL_MODELS if issubclass(m, AuditedModel)]
    journal_and_diary = {"lesson", "mark", "attendance", "teacher_comment", "period_mark",
                         "diary_access"}
    assert journal_and_diary <= {m._meta.table_name for m in audited}
    assert [m._meta.table_name for m in audited if m._meta.table_name not in TABLES] == []


# --- secrets never enter the log; logins are not a change --------------------------------

def log_text() -> str:
    return "".join((e.before or "") + (e.after or "") for e in AuditEntry.select())


def test_passwords_keys_and_sessions_never_enter_the_log(app, people, school, runner,
                                                         monkeypatch):
    monkeypatch.setattr(diary, "ITERATIONS", 1000)
    admin = as_browser(app, people.admin)
    account = {"login": people.teacher.login, "last_name": "Учителева", "first_name": "Анна",
               "middle_name": "Петровна", "roles": ["teacher"], "is_active": "y",
               "email": "", "phone": "", "new_password": "brand-new-pass"}
    admin.post(f"/setup/staff/edit/?id={people.teacher.id}", account)
    entry = AuditEntry.select().where(AuditEntry.table_name == "staff").order_by(
        AuditEntry.id.desc()).first()
    assert entry.staff_id == people.admin.id
    assert (json.loads(entry.before)["password_hash"], json.loads(entry.after)["password_hash"]
            ) == ("прежний", "новый")

    count = AuditEntry.select().count()
    stranger = Browser(app.test_client())
    stranger.login(people.other.login, "wrong-password")
    stranger.login(people.other.login, "wrong-password")
    as_browser(app, people.other).post("/login/logout")
    assert AuditEntry.select().count() == count  # logins and logouts are not staff changes

    added = runner.invoke(main, ["user", "add", "cli.user", "--name", "Петрова Ирина",
                                 "--password", "long-enough-1"])
    assert added.exit_code == 0, added.output
    runner.invoke(main, ["user", "passwd", "cli.user", "--password", "long-enough-2"])
    cli = list(AuditEntry.select().where(AuditEntry.address.startswith("командная строка")))
    assert [e.action for e in cli] == ["create", "update"]

    access, _ = diary.issue(school.pupils5[0])
    rotated, _ = diary.issue(school.pupils5[0], rotate=True)
    rotation = AuditEntry.select().where(AuditEntry.table_name == "diary_access").order_by(
        AuditEntry.id.desc()).first()
    assert rotation.action == "update" and json.loads(rotation.after)["key"] == "новый"

    log = log_text()
    secrets = [s.password_hash for s in Staff.select()] + [s.session_token for s in
                                                           Staff.select()]
    secrets += [a.salt for a in DiaryAccess.select()] + [a.key for a in DiaryAccess.select()]
    secrets += [access.salt, access.key]
    assert [s for s in secrets if s and s in log] == []
    done, failed = revert([rotation])  # an old key cannot come back: said so, not faked
    assert done == 0 and "выдайте новый" in failed[0][1]
