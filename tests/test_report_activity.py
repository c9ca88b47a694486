"""«Активность» (issue 17.8): logins and journal changes per staff member and month.

The school's clock is Moscow's (UTC+3), so a login at 23:30 on 31 October is October's and
one at 00:30 on 1 November (21:30 UTC on 31 October) is November's. By hand, for
01.10.2026–25.11.2026:

- Арбузова (the maths teacher): logins 1 in October, 2 in November; journal changes:
  a lesson created and a mark given in November (2), a lesson changed in October (1);
- Борисова (the deputy): 1 login in November; a change of the school's settings is no
  journal change (0);
- everyone else: nothing; the total: 4 logins and 3 changes.
"""
from __future__ import annotations

import datetime as dt

from models import AuditEntry, LoginRecord, Mark, SchoolSettings, Staff, acting_as
from models.reports import Choice
from models.reports.activity import build
from tests.panel import Browser

OCT = dt.date(2026, 10, 1)


def local(*moment: int) -> dt.datetime:
    """A moment on the school's clock, as the database keeps it (UTC)."""
    return SchoolSettings.current().stored_time(dt.datetime(*moment))


def logins_at(staff: Staff, *moments: dt.datetime) -> None:
    """The staff member's logins (made through the login page) dated `moments`."""
    ids = [r.id for r in LoginRecord.select().where(LoginRecord.staff == staff.id)
           .order_by(LoginRecord.id)]
    assert len(ids) == len(moments)
    for row_id, moment in zip(ids, moments, strict=True):
        LoginRecord.update(at=moment).where(LoginRecord.id == row_id).execute()


def dated(row, moment: dt.datetime) -> None:
    e = AuditEntry
    last = (e.select().where((e.table_name == type(row)._meta.table_name)
                             & (e.row_id == row.id)).order_by(e.id.desc()).first())
    e.update(at=moment).where(e.id == last.id).execute()


def test_logins_and_changes_are_counted_per_person_and_month(school, people, app):
    Staff.update(last_name="Арбузова").where(Staff.id == people.teacher.id).execute()
    Staff.update(last_name="Борисова").where(Staff.id == people.deputy.id).execute()
    for login in ("teacher.aa", "teacher.aa", "teacher.aa", "deputy.ee"):
        assert Browser(app.test_client()).login(login).status_code == 302
    logins_at(people.teacher, local(2026, 10, 31, 23, 30), local(2026, 11, 1, 0, 30),
              local(2026, 11, 20, 9))
    logins_at(people.deputy, local(2026, 11, 20, 10))
    with acting_as(people.teacher.id):
        lesson = school.lesson(day=dt.date(2026, 11, 16), topic="Дроби")
        dated(lesson, local(2026, 11, 16, 12))
        mark = Mark.create(lesson=lesson, student=school.pupils5[0], value="5")
        dated(mark, local(2026, 11, 16, 12, 5))
        lesson.topic = "Доли"
        lesson.save()
        dated(lesson, local(2026, 10, 20, 12))
    with acting_as(people.deputy.id):
        settings = SchoolSettings.current()
        settings.name = "Школа № 1"
        settings.save()

    report = build(people.deputy, Choice(school.year, school.today, start=OCT,
                                         end=school.today))
    rows = [r.cells for r in report.tables[0].rows]
    assert rows[:6] == [
        ["Арбузова Анна Петровна", "учитель", "октябрь 2026", 1, 1],
        ["Арбузова Анна Петровна", "учитель", "ноябрь 2026", 2, 2],
        ["Арбузова Анна Петровна", "учитель", "всего", 3, 3],
        ["Борисова Анна Петровна", "заместитель директора", "октябрь 2026", 0, 0],
        ["Борисова Анна Петровна", "заместитель директора", "ноябрь 2026", 1, 0],
        ["Борисова Анна Петровна", "заместитель директора", "всего", 1, 0],
    ]
    assert len(rows) == 7 * 3 + 1 and rows[-1] == ["Итого", "", "", 4, 3]
    assert [r.level for r in report.tables[0].rows][:3] == [0, 0, 1]
    assert report.scope == "01.10.2026–25.11.2026"
    assert any("0011" in note for note in report.notes)

    # A teacher reads only their own lines; the default range is the current month.
    own = build(people.teacher, Choice(school.year, school.today))
    assert [r.cells for r in own.tables[0].rows] == [
        ["Арбузова Анна Петровна", "учитель", "ноябрь 2026", 2, 2],
        ["Итого", "", "", 2, 2]]
    assert own.scope == "01.11.2026–25.11.2026"

    # The same figures in the panel, for the deputy.
    deputy = Browser(app.test_client())
    deputy.login("deputy.ee")
    page = deputy.get("/reports/activity?start=2026-10-01&end=2026-11-25")
    assert page.status_code == 200
    assert "Арбузова Анна Петровна" in page.get_data(as_text=True)
