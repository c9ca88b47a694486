"""Rule 15 over every write endpoint of the panel (issue 12, acceptance).

The write endpoints are read from the app's URL map: each is either in WRITES, with the
ways a person uses it, or in EXEMPT, with the reason it writes nothing that belongs to a
year. A new endpoint in neither fails the first test, so it has to be classified here.

Every write action is then tried, logged in as the person who may otherwise do it:
in an open year it changes rows (so a refusal below is the calendar's, not a form's);
in a closed year it is refused with a Russian message and no row of any table changes;
a journal write in a locked period is refused the same way; a reopened journal takes it
until the reopening ends, and the log keeps the reopening's reason. A breach reversal
(rule 10) passes a locked period, logged as such, and not a closed year.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

from admin.base import panel_views
from models import (
    ALL_MODELS,
    AcademicYear,
    Attendance,
    AuditEntry,
    DayTransfer,
    Guardian,
    Holiday,
    Lesson,
    Mark,
    Movement,
    Period,
    PeriodMark,
    PlanTopic,
    SchoolClass,
    SchoolSettings,
    StudentGuardian,
    Subgroup,
    SubgroupMember,
    TeacherComment,
    TeachingAssignment,
    TimetableSlot,
    database,
    db,
)
from models.audit import BREACH_REVERSAL
from tests.conftest import BACKENDS, PINNED_TODAY, empty_database_url
from tests.forms import AdminForm
from tests.panel import CYRILLIC, Browser, Staffing, rows
from tests.school import WORKING_SATURDAY, SmallSchool

DAY = dt.timedelta(days=1)
IN_FIRST_QUARTER = "2026-10-21"  # quarter 1 (01.09–24.10.2026) is open; it locks 31.10
CLOSED_YEAR = "Учебный год 2026/2027 закрыт"
LOCKED = "Журнал за 1-ю четверть закрыт с 31.10.2026"
REASON = "исправление ошибки по заявлению учителя"


# --- the world the actions write in -----------------------------------------------------

@dataclass
class Target:
    """One period's journal rows: 5А maths with a «4» and a period mark «4» for the first
    pupil, and a 6А maths lesson where 6А's pupil is absent («Н»)."""

    period: Period
    lesson: Lesson
    absence: Lesson
    new_day: dt.date   # a school day of the period with no lesson yet
    move_to: dt.date   # a school day to move the lesson to


@dataclass
class World:
    school: SmallSchool
    people: Staffing
    q1: Target         # recorded while quarter 1 was open; locked on the pinned today
    q2: Target         # quarter 2, open on the pinned today
    rows: dict         # setup view -> a row of the year nothing else refers to
    topic: PlanTopic   # the КТП topic quarter 1's lesson follows


def target(school: SmallSchool, period: Period, day: dt.date, new_day: dt.date,
           move_to: dt.date, **lesson) -> Target:
    lesson = school.lesson(day=day, topic="Дроби", **lesson)
    Mark.create(lesson=lesson, student=school.pupils5[0], value="4")
    PeriodMark.create(student=school.pupils5[0], school_class=school.c5, subject=school.math,
                      period=period, value="4", set_by=school.teacher)
    absence = school.lesson(school.c6, day=day)
    Attendance.create(lesson=absence, student=school.pupil6, code="Н")
    return Target(period, lesson, absence, new_day, move_to)


def quarter(school: SmallSchool, number: int) -> Period:
    return Period.get((Period.year == school.year) & (Period.number == number))


def spare_rows(school: SmallSchool) -> dict:
    """A row of each setup table in the year, deletable (nothing refers to it)."""
    c7 = SchoolClass.create(year=school.year, grade=7, letter="А")
    c7_group = Subgroup.create(school_class=c7, subject=school.english, name="1 группа")
    newcomer = SmallSchool.pupil("Запасной", c7, school.year.start)
    return {
        "years": AcademicYear.get_by_id(school.year.id),
        "periods": quarter(school, 4),
        "holidays": Holiday.get(Holiday.name == "Международный женский день"),
        "transfers": DayTransfer.get(DayTransfer.date == WORKING_SATURDAY),
        "classes": SchoolClass.create(year=school.year, grade=7, letter="Б"),
        "subgroups": c7_group,
        "subgroup_members": SubgroupMember.create(subgroup=c7_group, student=newcomer),
        "movements": Movement.get(Movement.student == newcomer),
        "assignments": TeachingAssignment.create(school_class=c7, subject=school.math,
                                                 teacher=school.teacher),
        "plans": PlanTopic.create(assignment=maths5(school), number=2, title="Проценты"),
        "timetable": TimetableSlot.create(school_class=school.c5, subject=school.math,
                                          teacher=school.teacher, weekday=1, number=1,
                                          valid_from=school.year.start),
    }


def maths5(school: SmallSchool) -> TeachingAssignment:
    return TeachingAssignment.get((TeachingAssignment.school_class == school.c5)
                                  & (TeachingAssignment.subject == school.math))


def build_world(mp: pytest.MonkeyPatch) -> World:
    school = SmallSchool.build(dt.date.fromisoformat(PINNED_TODAY), real_calendar=True)
    people = Staffing.build(school)
    topic = PlanTopic.create(assignment=maths5(school), number=1, title="Дроби")
    mp.setenv("JOURNAL_TODAY", IN_FIRST_QUARTER)
    q1 = target(school, quarter(school, 1), dt.date(2026, 10, 20), dt.date(2026, 10, 22),
                dt.date(2026, 11, 23), plan_topic=topic)
    mp.setenv("JOURNAL_TODAY", PINNED_TODAY)
    q2 = target(school, quarter(school, 2), dt.date(2026, 11, 20), dt.date(2026, 11, 23),
                dt.date(2026, 11, 24))
    # 6А's pupil goes home with a paper sheet: the class teacher ticks it back (paper.tick).
    parent = Guardian.create(last_name="Шестакова", first_name="Мама", wants_paper_sheet=True)
    StudentGuardian.create(student=school.pupil6, guardian=parent, relation="мать")
    return World(school, people, q1, q2, spare_rows(school), topic)


ROLES = ("teacher", "english", "class_teacher", "deputy", "admin")


@dataclass
class Matrix:
    """One database per backend for the whole module, put back before each test: the
    school, the panel, each role's logged-in session (a login costs a scrypt hash), and
    every row as built."""

    app: object
    world: World
    sessions: dict[str, tuple[str, str]]   # role -> (session cookie, CSRF token)
    snapshot: dict[str, list[tuple]]

    def restore(self) -> None:
        """Every table back as built, children first out and last in (ALL_MODELS is in
        dependency order); sequences stay ahead, so new ids never collide."""
        if rows() == self.snapshot:
            return
        with db.atomic():
            for model in reversed(ALL_MODELS):
                model.delete().execute()
            for model in ALL_MODELS:
                stored = self.snapshot[model.__name__]
                if stored:
                    model.insert_many(stored, fields=model._meta.sorted_fields).execute()


@pytest.fixture(scope="module", params=BACKENDS)
def matrix(request, tmp_path_factory):
    from admin import create_app
    with pytest.MonkeyPatch.context() as mp:
        url = empty_database_url(request.param, tmp_path_factory.mktemp("matrix"))
        database.bind(url)
        database.create_schema()
        world = build_world(mp)
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret"})
        sessions = {}
        for role in ROLES:
            browser = Browser(app.test_client())
            assert browser.login(getattr(world.people, role).login).status_code == 302
            browser.get("/")
            cookie = browser.client.get_cookie(app.config["SESSION_COOKIE_NAME"])
            sessions[role] = (cookie.value, browser.token)
        yield Matrix(app, world, sessions, rows())
        db.close()


@pytest.fixture
def world(matrix) -> World:
    matrix.restore()
    return matrix.world


def login(matrix: Matrix, role: str) -> Browser:
    """A fresh browser in the role's session as it was just after logging in."""
    browser = Browser(matrix.app.test_client())
    cookie, browser.token = matrix.sessions[role]
    browser.client.set_cookie(matrix.app.config["SESSION_COOKIE_NAME"], cookie)
    return browser


def close_year(world: World) -> None:
    """The year as the database holds it after closing (its period marks are not the
    point here: AcademicYear.guard's own test is in test_calendar.py)."""
    AcademicYear.update(closed=True).where(AcademicYear.id == world.school.year.id).execute()


def message(browser: Browser, response) -> str:
    """What the person is told: the JSON error, or the page (after a redirect, the next
    page, where the flashed message shows)."""
    if response.is_json:
        return (response.get_json() or {}).get("error", "")
    if response.status_code in (302, 303):
        response = browser.get(response.headers["Location"])
    return response.get_data(as_text=True)


# --- the actions ------------------------------------------------------------------------

Run = Callable[[Browser, World, Target], object]


@dataclass(frozen=True)
class Action:
    name: str
    endpoint: str
    role: str                  # a Staffing attribute: who may otherwise do it
    run: Run
    works_when_open: bool = True  # False: refused in an open year as well, for another reason

    def __str__(self) -> str:
        return self.name


def cell(student: int, value: str, seen: str) -> Run:
    def run(b: Browser, w: World, t: Target):
        pupil = w.school.pupils5[student]
        return b.post_json("/journal/api/cell", {"lesson": t.lesson.id, "student": pupil.id,
                                                 "value": value, "seen": seen})
    return run


def lesson_payload(w: World, **fields) -> dict:
    return {"class_id": w.school.c5.id, "subject_id": w.school.math.id, **fields}


def create_lesson(b: Browser, w: World, t: Target):
    return b.post_json("/journal/api/lesson", lesson_payload(
        w, date=t.new_day.isoformat(), topic="Новый урок"))


def edit_lesson(b: Browser, w: World, t: Target):
    return b.post_json("/journal/api/lesson", lesson_payload(
        w, lesson_id=t.lesson.id, date=t.lesson.date.isoformat(), topic="Другая тема"))


def move_lesson(b: Browser, w: World, t: Target):
    return b.post_json("/journal/api/lesson", lesson_payload(
        w, lesson_id=t.lesson.id, date=t.move_to.isoformat(), topic=t.lesson.topic))


def delete_lesson(b: Browser, w: World, t: Target):
    return b.post_json("/journal/api/lesson/delete", {"lesson_id": t.lesson.id})


def period_mark(student: int, value: str) -> Run:
    def run(b: Browser, w: World, t: Target):
        return b.post_json("/journal/api/period-mark", {
            "class_id": w.school.c5.id, "subject_id": w.school.math.id,
            "period_id": t.period.id, "student": w.school.pupils5[student].id,
            "value": value})
    return run


def absence_reason(b: Browser, w: World, t: Target):
    return b.post_json("/my-class/api/absence", {"lesson": t.absence.id,
                                                 "student": w.school.pupil6.id,
                                                 "seen": "Н", "code": "Б"})


def whole_day(b: Browser, w: World, t: Target):
    return b.post_json("/my-class/api/day", {"class_id": w.school.c6.id,
                                             "student": w.school.pupil6.id,
                                             "day": t.absence.date.isoformat(), "code": "Б"})


def accept_suggested(b: Browser, w: World, t: Target):
    """The first pupil's period mark («4», his average) removed, then accepted back."""
    period_mark(0, "")(b, w, t)
    return b.post("/my-class/accept", {
        "class_id": w.school.c5.id, "period_id": t.period.id,
        "reviewed": f"{w.school.pupils5[0].id}:{w.school.math.id}:4"})


def comment(b: Browser, w: World, t: Target):
    return b.post_json("/journal/api/comment", {"lesson": t.lesson.id,
                                                "student": w.school.pupils5[0].id,
                                                "text": "Молодец"})


def add_work(b: Browser, w: World, t: Target):
    return b.post_json("/journal/api/work", {"lesson_id": t.lesson.id,
                                             "work_type_id": w.school.oral.id})


def from_timetable(b: Browser, w: World, t: Target):
    """«Сегодня»'s «Начать урок»: the spare Monday slot's lesson on the period's Monday."""
    return b.post("/journal/today", {"slot_id": w.rows["timetable"].id,
                                     "day": t.new_day.isoformat()})


def paper_tick(b: Browser, w: World, t: Target):
    """6А's paper sheet of the absence's week ticked as returned by the class teacher."""
    day = t.absence.date
    return b.post("/my-class/paper/tick", {
        "class_id": w.school.c6.id, "student": w.school.pupil6.id, "returned": "1",
        "week": (day - dt.timedelta(days=day.weekday())).isoformat()})


def reopen_payload(w: World, until: dt.date, subgroup=None, school_class=None) -> dict:
    return {"class_id": (school_class or w.school.c5).id, "subject_id": w.school.math.id,
            "subgroup_id": subgroup.id if subgroup else None, "period_id": w.q1.period.id,
            "reason": REASON, "until": until.isoformat()}


def reopen(b: Browser, w: World, t: Target):
    # Always quarter 1: only a locked journal is reopened (quarter 2 would be refused as
    # "not locked yet" whatever the year).
    return b.post_json("/journal/api/reopen", reopen_payload(w, w.school.today + 2 * DAY))


JOURNAL_ACTIONS = [
    Action("cell-new-mark", "journal.cell", "teacher", cell(2, "5", "")),
    Action("cell-change-mark", "journal.cell", "teacher", cell(0, "5", "4")),
    Action("cell-clear-mark", "journal.cell", "teacher", cell(0, "", "4")),
    Action("cell-absent", "journal.cell", "teacher", cell(1, "Н", "")),
    Action("lesson-create", "journal.lesson", "teacher", create_lesson),
    Action("lesson-edit", "journal.lesson", "teacher", edit_lesson),
    Action("lesson-move", "journal.lesson", "teacher", move_lesson),
    Action("lesson-delete", "journal.lesson_delete", "teacher", delete_lesson),
    Action("period-mark-new", "journal.period_mark", "teacher", period_mark(1, "5")),
    Action("period-mark-change", "journal.period_mark", "teacher", period_mark(0, "5")),
    Action("period-mark-remove", "journal.period_mark", "teacher", period_mark(0, "")),
    Action("absence-reason", "myclass.absence", "class_teacher", absence_reason),
    Action("absence-whole-day", "myclass.whole_day", "class_teacher", whole_day),
    Action("comment", "journal.comment", "teacher", comment),
    Action("work-add", "journal.work", "teacher", add_work),
]


# Setup views whose rows belong to a year: (view, changes for a new row, changes for an edit).
# A new row copies the spare row's form with these fields changed.
def setup_changes(w: World) -> dict[str, tuple[dict, dict]]:
    s = w.school
    return {
        "years": ({}, {"name": "2026/2027 (исправлено)"}),
        "periods": ({"scheme": "half", "number": "1"}, {"end": "2027-05-25"}),
        "holidays": ({"name": "День учителя", "start": "2026-10-05", "end": "2026-10-05"},
                     {"name": "8 Марта"}),
        "transfers": ({"date": "2026-11-28", "reason": "приказ № 51"},
                      {"reason": "приказ № 46"}),
        "classes": ({"grade": "8", "letter": "Б"}, {"room": "12"}),
        "subgroups": ({"name": "2 группа"}, {"name": "Первая группа"}),
        "subgroup_members": ({"student": str(s.pupils5[1].id),
                              "subgroup": str(s.group1.id)}, {"end": "2026-12-28"}),
        "movements": ({"date": "2026-11-23", "kind": "moved", "school_class": str(s.c6.id)},
                      {"order_number": "№ 12-у"}),
        "assignments": ({"subject": str(s.english.id)}, {"hours_per_week": "2"}),
        "plans": ({"number": "3", "title": "Уравнения"}, {"title": "Проценты и доли"}),
        "timetable": ({"number": "2"}, {"room": "12"}),
    }


SETUP_VIEWS = ("years", "periods", "holidays", "transfers", "classes", "subgroups",
               "subgroup_members", "movements", "assignments", "plans", "timetable")


def url(view: str) -> str:
    return "/setup/" + view.replace("_", "-")


def form_of(b: Browser, view: str, row) -> dict:
    form = AdminForm(b.get(f"{url(view)}/edit/?id={row.id}").get_data(as_text=True))
    assert form.fields, f"no edit form for {view} №{row.id}"
    return form.fields


def setup_create(view: str) -> Run:
    def run(b: Browser, w: World, t: Target):
        fields = form_of(b, view, w.rows[view])
        return b.post(f"{url(view)}/new/", {**fields, **setup_changes(w)[view][0]})
    return run


def setup_edit(view: str) -> Run:
    def run(b: Browser, w: World, t: Target):
        row = w.rows[view]
        fields = form_of(b, view, row)
        return b.post(f"{url(view)}/edit/?id={row.id}", {**fields, **setup_changes(w)[view][1]})
    return run


def setup_delete(view: str) -> Run:
    def run(b: Browser, w: World, t: Target):
        return b.post(f"{url(view)}/delete/", {"id": w.rows[view].id})
    return run


def setup_bulk_delete(view: str) -> Run:
    def run(b: Browser, w: World, t: Target):
        return b.post(f"{url(view)}/action/", {"action": "delete", "rowid": w.rows[view].id})
    return run


SETUP_ACTIONS = [
    Action(f"{view}-{kind}", f"{view}.{endpoint}", "deputy", make(view),
           # The year itself is no spare row: its classes refer to it.
           works_when_open=not (view == "years" and kind.endswith("delete")))
    for view in SETUP_VIEWS
    for kind, endpoint, make in (("create", "create_view", setup_create),
                                 ("edit", "edit_view", setup_edit),
                                 ("delete", "delete_view", setup_delete),
                                 ("bulk-delete", "action_view", setup_bulk_delete))
    if (view, kind) != ("years", "create")
]


def untick_closed(b: Browser, w: World, t: Target):
    """Reopening a closed year is the administrator's command (`journal year reopen`),
    never the panel's form."""
    year = w.rows["years"]
    fields = form_of(b, "years", year)
    fields.pop("closed", None)
    return b.post(f"{url('years')}/edit/?id={year.id}", fields)


SETUP_ACTIONS.append(Action("years-untick-closed", "years.edit_view", "deputy",
                            untick_closed, works_when_open=False))
REOPEN = Action("reopen", "journal.reopen", "deputy", reopen)
# Its refusal in a locked period: tests/test_my_class_week.py.
ACCEPT = Action("accept-suggested", "myclass.accept", "teacher", accept_suggested)
# A form, answered by a redirect: in a locked period the spare slot's weekday has no
# lesson to make (its refusal in a locked period: save_lesson, as lesson-create above).
TODAY = Action("lesson-from-timetable", "journal.from_timetable", "teacher", from_timetable)
PAPER = Action("paper-tick", "paper.tick", "class_teacher", paper_tick)
ACTIONS = JOURNAL_ACTIONS + [REOPEN, ACCEPT, TODAY, PAPER] + SETUP_ACTIONS
WRITES = {a.endpoint for a in ACTIONS}


def admin_endpoints(view: str, reason: str) -> dict[str, str]:
    return {f"{view}.{name}": reason for name in ("create_view", "edit_view", "delete_view",
                                                  "action_view")}


# POST endpoints that write nothing belonging to a year, and why.
EXEMPT = {
    "login.index": "logging in writes the staff member's session, no year's row",
    "login.logout": "logging out ends a session",
    "account.index": "a person's own password change (Staff has no year)",
    "diary_passwords.issue": "a pupil's diary password (DiaryAccess has no year: a closed "
                             "year's pupils still read their diaries)",
    "diary_passwords.refresh": "starts a build of the public site, no row of the database",
    "years.create_view": "a new year is no row of a closed one (its rows are refused there)",
    "breach.declare": "marks a staff account compromised (Staff has no year)",
    "year_transfer.next_year": "a new year is no row of a closed one (as years.create_view)",
    "year_transfer.carry": "writes only the next year's rows, refused when that year is "
                           "closed (tests/test_year_transfer.py); the old one is only read",
    "year_transfer.promote": "movement rows into the next year's classes only (its closed "
                             "flag checked); the old year is only read",
    "year_transfer.close": "rule 15's own step: closing the old year (AcademicYear.guard, "
                           "tests/test_year_transfer.py)",
    "archive.run": "writes only the archive registry (ArchiveFile, no journal row), and only "
                   "for locked periods: a closed year's journals are archived too",
    "breach.revert_all": "rule 10: passes a locked period by design; "
                         "test_rule_10_* below (a closed year refuses it)",
    "imports.preview": "a preview's writes are rolled back, always (models.imports.run)",
    "imports.confirm": "every row through the models (save() and its guard, or a closed "
                       "year checked before a bulk insert): a closed year's rows are "
                       "refused, tests/test_imports.py and tests/test_imports_curriculum.py",
    **admin_endpoints("audit", "the audit log is read-only (no write roles)"),
    **admin_endpoints("settings", "the school's settings row belongs to no year"),
    **admin_endpoints("staff", "staff accounts outlive years"),
    **admin_endpoints("students", "a pupil's card outlives years (the movement book is "
                                  "the year's)"),
    **admin_endpoints("guardians", "guardians belong to no year"),
    **admin_endpoints("student_guardians", "pupil–guardian links belong to no year"),
    **admin_endpoints("subjects", "subjects are the school's list, for every year"),
    **admin_endpoints("work_types", "work types are the school's list, for every year"),
    **admin_endpoints("bells", "bells have their own validity dates, no year"),
    **admin_endpoints("news", "news for the diary site belong to no year"),
    # Flask-Admin's inline list editing: no view has column_editable_list, so every
    # ajax_update answers 404 (checked below).
    **{f"{view}.ajax_update": "inline editing is off (404)"
       for view in (*SETUP_VIEWS, "audit", "settings", "staff", "students",
                    "guardians", "student_guardians", "subjects", "work_types", "bells",
                    "news")},
}


def post_endpoints(app) -> set[str]:
    return {r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods}


def test_every_write_endpoint_is_classified(matrix):
    found = post_endpoints(matrix.app)
    unclassified = found - WRITES - set(EXEMPT)
    assert not unclassified, (
        f"POST endpoints in neither WRITES nor EXEMPT: {sorted(unclassified)}; add the "
        "ways people use them to the actions, or the reason they write no year's rows to "
        "EXEMPT")
    assert not WRITES & set(EXEMPT)
    assert not (WRITES - found), f"actions for endpoints the panel lacks: {WRITES - found}"
    stale = {e for e in EXEMPT if e not in found and not e.endswith(".ajax_update")}
    assert not stale, f"EXEMPT names endpoints the panel lacks: {stale}"


def test_inline_editing_is_off_everywhere(world, matrix):
    """Why every ajax_update is exempt: no view has an editable list, so Flask-Admin
    answers 404 and writes nothing."""
    views = [v for v in panel_views(matrix.app).values()
             if f"{v.endpoint}.ajax_update" in post_endpoints(matrix.app)]
    assert views and not [v.endpoint for v in views if v.column_editable_list]
    deputy, admin = login(matrix, "deputy"), login(matrix, "admin")
    before = rows()
    for view in views:
        row = world.rows.get(view.endpoint) or world.school.c5
        for browser in (deputy, admin):
            response = browser.post(f"{view.url}/ajax/update/", {
                "list_form_pk": row.id, "name": "Подделка"})
            assert response.status_code in (403, 404), (view.endpoint, response.status_code)
    assert rows() == before


# --- an open year: every action changes rows ---------------------------------------------

def locked_journal() -> dict[str, list[tuple]]:
    """Quarter 1's journal rows (locked on the pinned today): lessons, what is in them,
    and the quarter's period marks."""
    lessons = Lesson.select(Lesson.id).where(Lesson.date <= dt.date(2026, 10, 24))
    found = {"Lesson": list(Lesson.select().where(Lesson.id.in_(lessons))
                            .order_by(Lesson.id).tuples())}
    for model in (Mark, Attendance, TeacherComment):
        found[model.__name__] = list(model.select().where(model.lesson.in_(lessons))
                                     .order_by(model.id).tuples())
    found["PeriodMark"] = list(PeriodMark.select().join(Period).where(
        Period.number == 1).order_by(PeriodMark.id).tuples())
    return found


@pytest.mark.parametrize("action", [a for a in ACTIONS if a.works_when_open], ids=str)
def test_in_an_open_year_each_action_writes(world, matrix, action):
    """The control: the refusals below are the calendar's, not a form's or a right's. The
    writes are the open quarter 2's and the setup tables'; none reaches into the locked
    quarter 1 (a cascade, a SET NULL)."""
    browser = login(matrix, action.role)
    before, locked = rows(), locked_journal()
    response = action.run(browser, world, world.q2)
    # A refused form is shown again (200) with the reason; a saved one redirects.
    text = message(browser, response) if response.status_code != 302 else ""
    assert response.status_code in (200, 302), (response.status_code, text[:500])
    assert rows() != before, f"{action}: nothing written in an open year: {text[:3000]}"
    assert CLOSED_YEAR not in text and "закрыт с" not in text
    assert locked_journal() == locked, f"{action} changed the locked quarter's journal"


# --- a closed year: every action refused, no row changed ----------------------------------

@pytest.mark.parametrize("action", ACTIONS, ids=str)
def test_a_closed_year_refuses_every_write(world, matrix, action):
    close_year(world)
    browser = login(matrix, action.role)
    before = rows()
    response = action.run(browser, world, world.q2)
    assert response.status_code != 500
    assert CLOSED_YEAR in message(browser, response), action
    assert rows() == before, f"{action} changed rows in a closed year"


# --- a locked period: every journal write refused, no row changed --------------------------

@pytest.mark.parametrize("action", JOURNAL_ACTIONS, ids=str)
def test_a_locked_period_refuses_every_journal_write(world, matrix, action):
    browser = login(matrix, action.role)
    before = rows()
    response = action.run(browser, world, world.q1)
    assert response.status_code == 422, (response.status_code, response.get_json())
    text = message(browser, response)
    assert LOCKED in text and CYRILLIC.search(text)
    assert rows() == before, f"{action} changed rows in a locked period"


def test_deleting_a_plan_topic_leaves_a_locked_lesson_alone(world, matrix):
    """Lesson.plan_topic is ON DELETE SET NULL: deleting the КТП topic a locked lesson
    follows would change that lesson below the models' guard."""
    deputy = login(matrix, "deputy")
    before = locked_journal()
    deputy.post("/setup/plans/delete/", {"id": world.topic.id})
    assert locked_journal() == before


def test_deleting_a_class_teacher_leaves_a_closed_years_class_alone(world, matrix):
    """SchoolClass.class_teacher is ON DELETE SET NULL: deleting the account of a closed
    year's class teacher would change that class below the models' guard."""
    close_year(world)
    admin = login(matrix, "admin")
    before = rows()["SchoolClass"]
    admin.post("/setup/staff/delete/", {"id": world.people.class_teacher.id})
    assert rows()["SchoolClass"] == before


# --- a reopened journal ------------------------------------------------------------------

def reopen_journals(world: World, matrix) -> Browser:
    """The deputy reopens quarter 1 of 5А's and 6А's maths until two days from today."""
    deputy = login(matrix, "deputy")
    until = world.school.today + 2 * DAY
    for school_class in (world.school.c5, world.school.c6):
        response = deputy.post_json("/journal/api/reopen",
                                    reopen_payload(world, until, school_class=school_class))
        assert response.status_code == 200, response.get_json()
    return deputy


@pytest.mark.parametrize("action", JOURNAL_ACTIONS, ids=str)
def test_a_reopened_journal_takes_writes_until_the_reopening_ends(world, matrix, action,
                                                                  monkeypatch):
    reopen_journals(world, matrix)
    opened = AuditEntry.select().where(AuditEntry.table_name == "journal_reopening")
    assert opened.count() == 2 and all(REASON in e.reason for e in opened)
    browser = login(matrix, action.role)
    # The day after the reopening's last day the journal is locked again ...
    monkeypatch.setenv("JOURNAL_TODAY", (world.school.today + 3 * DAY).isoformat())
    before = rows()
    refused = action.run(browser, world, world.q1)
    assert refused.status_code == 422 and LOCKED in message(browser, refused)
    assert rows() == before
    # ... and on its last day the write goes through, logged with the reopening's reason.
    monkeypatch.setenv("JOURNAL_TODAY", (world.school.today + 2 * DAY).isoformat())
    last = AuditEntry.select().order_by(AuditEntry.id.desc()).first().id
    response = action.run(browser, world, world.q1)
    assert response.status_code == 200, response.get_json()
    logged = list(AuditEntry.select().where(AuditEntry.id > last))
    assert logged, f"{action}: nothing logged"
    for entry in logged:
        assert REASON in entry.reason and "1-ю четверть" in entry.reason, (
            entry.table_name, entry.action, entry.reason)


def test_writes_go_through_until_the_reopening_expires_and_not_after(world, matrix,
                                                                     monkeypatch):
    reopen_journals(world, matrix)
    teacher = login(matrix, "teacher")
    write = {"lesson": world.q1.lesson.id, "seen": ""}
    for offset, pupil in ((0, 1), (2, 2)):
        monkeypatch.setenv("JOURNAL_TODAY", (world.school.today + offset * DAY).isoformat())
        saved = teacher.post_json("/journal/api/cell", {
            **write, "student": world.school.pupils5[pupil].id, "value": "5"})
        assert saved.status_code == 200, saved.get_json()
    monkeypatch.setenv("JOURNAL_TODAY", (world.school.today + 3 * DAY).isoformat())
    before = rows()
    refused = teacher.post_json("/journal/api/cell", {
        "lesson": world.q1.lesson.id, "student": world.school.pupils5[0].id, "value": "5",
        "seen": "4"})
    assert refused.status_code == 422 and LOCKED in refused.get_json()["error"]
    assert rows() == before


def test_a_group_reopening_opens_only_that_group(world, matrix, monkeypatch):
    """5А English: reopening group 1's journal leaves the whole-class journal locked."""
    school, people = world.school, world.people
    TeachingAssignment.create(school_class=school.c5, subject=school.english,
                              teacher=people.other)
    monkeypatch.setenv("JOURNAL_TODAY", IN_FIRST_QUARTER)
    group_lesson = Lesson.create(school_class=school.c5, subject=school.english,
                                 subgroup=school.group1, teacher=people.english,
                                 date=dt.date(2026, 10, 20))
    monkeypatch.setenv("JOURNAL_TODAY", PINNED_TODAY)
    deputy = login(matrix, "deputy")
    payload = {**reopen_payload(world, school.today + DAY, subgroup=school.group1),
               "subject_id": school.english.id}
    assert deputy.post_json("/journal/api/reopen", payload).status_code == 200
    own = login(matrix, "english").post_json("/journal/api/cell", {
        "lesson": group_lesson.id, "student": school.pupils5[0].id, "value": "5", "seen": ""})
    assert own.status_code == 200, own.get_json()
    other = Browser(matrix.app.test_client())
    assert other.login(people.other.login).status_code == 302
    whole = other.post_json("/journal/api/lesson", {
        "class_id": school.c5.id, "subject_id": school.english.id, "date": "2026-10-22",
        "topic": "Весь класс"})
    assert whole.status_code == 422 and "1-ю четверть закрыт" in whole.get_json()["error"]


# --- rule 10: a breach reversal passes a locked period, not a closed year --------------

def breach_moment(entry: AuditEntry) -> str:
    """The breach form's «since»: the school's local minute of the account's first
    operation (the log's own clock, never the test's)."""
    zone = ZoneInfo(SchoolSettings.current().timezone)
    local = entry.at.replace(tzinfo=dt.UTC).astimezone(zone)
    return local.strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize("year_closed", [False, True], ids=["locked-period", "closed-year"])
def test_rule_10_a_breach_reversal_on_a_locked_period(world, matrix, monkeypatch, year_closed):
    school = world.school
    monkeypatch.setenv("JOURNAL_TODAY", IN_FIRST_QUARTER)
    teacher = login(matrix, "teacher")
    written = teacher.post_json("/journal/api/cell", {
        "lesson": world.q1.lesson.id, "student": school.pupils5[2].id, "value": "2",
        "seen": ""})
    assert written.status_code == 200, written.get_json()
    mark = Mark.get((Mark.lesson == world.q1.lesson) & (Mark.student == school.pupils5[2]))
    entry = AuditEntry.get((AuditEntry.staff == world.people.teacher.id)
                           & (AuditEntry.table_name == "mark"))
    monkeypatch.setenv("JOURNAL_TODAY", school.today.isoformat())  # quarter 1 is locked
    if year_closed:
        close_year(world)
    admin = login(matrix, "admin")
    declared = admin.post("/breach/declare", {"staff_id": world.people.teacher.id,
                                              "since": breach_moment(entry)})
    assert declared.status_code == 302 and "Операций с" in message(admin, declared)
    before = rows()
    reverted = admin.post(f"/breach/{world.people.teacher.id}/revert")
    assert reverted.status_code == 302
    text = message(admin, reverted)
    if year_closed:
        assert "Не отменена операция" in text and CLOSED_YEAR in text
        assert Mark.get_or_none(Mark.id == mark.id) is not None
        assert rows() == before
        return
    assert "Отменено операций: 1" in text
    assert Mark.get_or_none(Mark.id == mark.id) is None
    undo = AuditEntry.get((AuditEntry.table_name == "mark") & (AuditEntry.row_id == mark.id)
                          & (AuditEntry.action == "delete"))
    assert undo.staff_id == world.people.admin.id
    assert BREACH_REVERSAL in undo.reason and "1-ю четверть" in undo.reason
    assert "закрыт" in undo.reason
    assert AuditEntry.get_by_id(entry.id).reverted_by_id == undo.id
    assert json.loads(undo.before)["value"] == "2"

