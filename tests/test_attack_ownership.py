"""Issue 10.2: a director who also teaches takes over or deletes another teacher's rows.

The attack, as it was found: the director (roles director + teacher) opens another
teacher's КТП topic — reading is theirs — and posts the edit form with the topic moved
into their own assignment, deletes it, or ticks it in the list's bulk delete. Every panel
table with row ownership (`owner_actions`) is enumerated from the running app and tried
the same way, by the director who teaches and by a plain teacher; the stored row must not
change, while the owners keep doing the same to their own rows.
"""
from __future__ import annotations

import pytest
from playhouse.shortcuts import model_to_dict

from admin.base import SecureModelView, panel_views
from models import (
    Guardian,
    PlanTopic,
    SchoolClass,
    Staff,
    StudentGuardian,
    TeachingAssignment,
)
from tests.forms import AdminForm
from tests.panel import PASSWORD, Browser
from tests.school import SmallSchool, staff


def stored(row) -> dict:
    """The row as the database holds it now (None once deleted), without its change time."""
    fresh = type(row).get_or_none(type(row).id == row.id)
    return fresh and {k: v for k, v in model_to_dict(fresh, recurse=False).items()
                      if k != "updated_at"}


def owned_views(app) -> list[SecureModelView]:
    """Every registered panel table where someone outside its write roles owns rows."""
    return [view for view in panel_views(app).values()
            if isinstance(view, SecureModelView) and view.owner_actions]


def first_owned(app, view: SecureModelView, owner: Staff, not_by: Staff):
    """A row of the view that `owner` reaches as theirs and `not_by` does not."""
    with app.test_request_context():
        mine = view.scope(view.model.select(), owner)
        theirs = view.scope(view.model.select(), not_by)
        rows = [r for r in mine if theirs is None or r.id not in {t.id for t in theirs}]
    return rows[0] if rows else None


@pytest.fixture
def intruder_for(school: SmallSchool, people):
    """An account that owns rows of its own in every owned table: it teaches maths in 7А,
    is 7А's class teacher and plans a topic there; the victim (people.teacher) has the same
    in 5А. Its roles are the test's parameter."""

    def make(roles: str) -> Staff:
        intruder = staff("intruder.zz", roles)
        intruder.set_password(PASSWORD)
        intruder.save()
        c7 = SchoolClass.create(year=school.year, grade=7, letter="А", class_teacher=intruder)
        own_pupil = SmallSchool.pupil("Семёнов", c7, school.start)
        own = TeachingAssignment.create(school_class=c7, subject=school.math, teacher=intruder)
        PlanTopic.create(assignment=own, number=1, title="Своя тема")
        victims = TeachingAssignment.get(teacher=people.teacher, school_class=school.c5)
        PlanTopic.create(assignment=victims, number=1, title="Чужая тема")
        for pupil, surname in ((school.pupils5[0], "Иванова"), (own_pupil, "Семёнова")):
            guardian = Guardian.create(last_name=surname, first_name="Мама")
            StudentGuardian.create(student=pupil, guardian=guardian, relation="мать")
        return intruder

    return make


def attack(intruder: Browser, own_form: AdminForm, view: SecureModelView, victim) -> None:
    """Edit with the intruder's own choices, delete, bulk delete, inline edit: all of them."""
    base = view.url
    intruder.get(f"{base}/")
    intruder.post(f"{base}/edit/?id={victim.id}", own_form.changed())
    intruder.post(f"{base}/delete/", {"id": victim.id})
    intruder.post(f"{base}/action/", {"action": "delete", "rowid": [victim.id]})
    if view.column_editable_list:
        for column in view.column_editable_list:
            intruder.post(f"{base}/ajax/update/", {"list_form_pk": victim.id,
                                                   column: own_form.changed().get(column, "")})


@pytest.mark.parametrize("roles", ["director,teacher", "teacher"])
def test_nobody_takes_over_or_deletes_another_owners_rows(app, people, intruder_for, roles):
    intruder_account = intruder_for(roles)
    views = owned_views(app)
    assert {v.endpoint for v in views} >= {"plans", "students", "guardians"}
    intruder, owner = Browser(app.test_client()), Browser(app.test_client())
    intruder.login(intruder_account.login)
    owner.login(people.teacher.login)
    held, lost = [], []
    for view in views:
        victim = first_owned(app, view, people.teacher, intruder_account)
        own = first_owned(app, view, intruder_account, people.teacher)
        assert victim is not None and own is not None, view.endpoint
        before = stored(victim)
        own_form = AdminForm(intruder.get(f"{view.url}/edit/?id={own.id}").get_data(as_text=True))
        assert own_form.fields, f"{view.endpoint}: the intruder cannot edit their own row"
        attack(intruder, own_form, view, victim)
        if stored(victim) != before:
            lost.append(view.endpoint)
            continue
        held.append(view.endpoint)

        # The owners keep their rights: the victim edits their row, the intruder theirs.
        form = AdminForm(owner.get(f"{view.url}/edit/?id={victim.id}").get_data(as_text=True))
        owner.post(f"{view.url}/edit/?id={victim.id}", form.changed())
        assert stored(victim) not in (None, before), f"{view.endpoint}: the owner cannot edit"
        if "delete" in view.owner_actions:
            intruder.post(f"{view.url}/action/", {"action": "delete", "rowid": [own.id]})
            assert stored(own) is None, f"{view.endpoint}: the owner cannot delete"
    assert lost == [], f"rows taken over or deleted by {roles} in {lost}"
    assert held
