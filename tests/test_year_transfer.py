"""The year transfer (issue 16.3–16.4): the small school's 2026/2027 taken into 2027/2028 —
the next year made with its calendar shifted, the classes, groups, load, timetable and
КТП carried, every pupil moved exactly once (promoted, kept back, graduated, promoted
with a debt), the old year left byte-identical and then closed, read-only; closing
refused while period or year marks are missing. By the models, the CLI and the panel."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from journal_cli import main
from models import (
    ALL_MODELS,
    AcademicYear,
    AuditEntry,
    DayTransfer,
    Movement,
    Period,
    PeriodMark,
    PlanTopic,
    RuleError,
    SchoolClass,
    Subgroup,
    SubgroupMember,
    TeachingAssignment,
    TimetableSlot,
    year_transfer,
)
from models.year_transfer import Order, class_review, promote_class
from tests.school import SmallSchool

OLD, NEW = "2026/2027", "2027/2028"
ORDER = Order("12-у", dt.date(2027, 6, 20))


def dump() -> dict[str, dict[int, tuple]]:
    """Every row of every table, by id."""
    return {m.__name__: {row[0]: row for row in m.select().order_by(m.id).tuples()}
            for m in ALL_MODELS}


def unchanged_since(before: dict, except_year: int | None = None) -> list[str]:
    """The rows of `before` changed or gone now (the old year's own row may differ in its
    `closed` flag and change time only)."""
    now, changed = dump(), []
    for table, rows in before.items():
        for row_id, row in rows.items():
            if now[table].get(row_id) != row and not (table == "AcademicYear"
                                                      and row_id == except_year):
                changed.append(f"{table} {row_id}")
    return changed


# A day after the last quarter (ends 26.05.2027), before its journal locks: year marks.
YEAR_END = "2027-05-28"


@pytest.fixture
def ending(real_school, monkeypatch) -> SmallSchool:
    """The 2026/2027 small school at its year's end (today: YEAR_END): a 9А with one pupil
    (the last grade of a basic school: 9), a КТП topic, a timetable slot, and year marks
    in maths for all but 6А's pupil (5А: Иванов «5», Петрова «2», Сидоров «3»)."""
    s = real_school
    monkeypatch.setenv("JOURNAL_TODAY", YEAR_END)
    s.c9 = SchoolClass.create(year=s.year, grade=9, letter="А", class_teacher=s.teacher)
    TeachingAssignment.create(school_class=s.c9, subject=s.math, teacher=s.teacher)
    s.pupil9 = SmallSchool.pupil("Выпускников", s.c9, s.year.start)
    maths5 = TeachingAssignment.get((TeachingAssignment.school_class == s.c5)
                                    & (TeachingAssignment.subject == s.math))
    PlanTopic.create(assignment=maths5, number=1, title="Дроби",
                     planned_date=dt.date(2026, 9, 7))
    TimetableSlot.create(school_class=s.c5, subject=s.math, teacher=s.teacher, weekday=1,
                         number=1, room="12", valid_from=s.year.start)
    for pupil, value in zip(s.pupils5, ("5", "2", "3"), strict=True):
        year_mark(s.c5, pupil, s.math, value)
    year_mark(s.c9, s.pupil9, s.math, "4")
    return s


def year_mark(school_class, pupil, subject, value) -> PeriodMark:
    return PeriodMark.create(student=pupil, school_class=school_class, subject=subject,
                             kind="year", value=value)


def fill_period_marks(s: SmallSchool) -> None:
    """Every quarter's mark in maths (quarters not begun yet on the pinned today: inserted
    as an import would)."""
    for period in Period.select().where(Period.year == s.year.id):
        for school_class, pupils in ((s.c5, s.pupils5), (s.c6, [s.pupil6]),
                                     (s.c9, [s.pupil9])):
            PeriodMark.insert_many([
                {"student": p, "school_class": school_class, "subject": s.math,
                 "kind": "period", "period": period, "value": "4"} for p in pupils]).execute()


def new_class(year: AcademicYear, grade: int) -> SchoolClass:
    return SchoolClass.get((SchoolClass.year == year.id) & (SchoolClass.grade == grade))


def test_the_next_year_keeps_weekdays_and_the_public_holidays_dates(real_school):
    old = real_school.year
    new = year_transfer.create_next_year(old)
    assert (new.name, new.start, new.end) == (NEW, dt.date(2027, 9, 1), dt.date(2028, 8, 31))
    q = {p.number: p for p in new.periods}
    # 01.09 is the law's; 24.10.2026, a Saturday, becomes Saturday 23.10.2027.
    assert (q[1].start, q[1].end) == (dt.date(2027, 9, 1), dt.date(2027, 10, 23))
    assert q[4].end.weekday() == dt.date(2027, 5, 26).weekday()
    days = {h.name: (h.start, h.end) for h in new.holidays}
    assert days["День народного единства"] == (dt.date(2027, 11, 4),) * 2
    assert days["летние каникулы"][1] == dt.date(2028, 8, 31)
    assert days["осенние каникулы"][0].weekday() == 0  # a Monday, as 26.10.2026
    saturday = DayTransfer.get(DayTransfer.year == new.id)
    assert saturday.date == dt.date(2027, 11, 6) and saturday.working
    with pytest.raises(RuleError, match="уже есть"):
        year_transfer.create_next_year(old)
    logged = AuditEntry.select().where((AuditEntry.table_name == "period")
                                       & (AuditEntry.action == "create"))
    assert logged.count() == 8  # the old year's four (built by save()) and the new four


def test_the_whole_transfer_moves_every_pupil_once_and_leaves_the_old_year_alone(ending):
    s = ending
    before = dump()
    new = year_transfer.create_next_year(s.year)
    carried = year_transfer.carry(s.year, new)
    assert carried.skipped == ["9А: выпускной класс"]
    assert carried.counts["классы"] == 3 and carried.counts["темы КТП"] == 1
    c2, c6, c7 = (new_class(new, g) for g in (2, 6, 7))
    assert c6.class_teacher_id == s.c5.class_teacher_id and c6.letter == "А"
    # The group, its member, the load, the КТП (the Monday 07.09.2026 → Monday 06.09.2027)
    # and the timetable, in the new 6А.
    group = Subgroup.get(Subgroup.school_class == c6)
    assert [m.student_id for m in SubgroupMember.select().where(
        SubgroupMember.subgroup == group)] == [s.pupils5[0].id]
    load = TeachingAssignment.get(TeachingAssignment.school_class == c6)
    assert (load.subject_id, load.teacher_id) == (s.math.id, s.teacher.id)
    topic = PlanTopic.get(PlanTopic.assignment == load)
    assert (topic.title, topic.planned_date) == ("Дроби", dt.date(2027, 9, 6))
    slot = TimetableSlot.get(TimetableSlot.school_class == c6)
    assert (slot.weekday, slot.number, slot.room, slot.valid_from) == (1, 1, "12", new.start)
    # Each year's week shows its own slot only (the old one is open-ended).
    for day, class_id in ((dt.date(2026, 11, 23), s.c5.id), (dt.date(2027, 9, 6), c6.id)):
        valid = TimetableSlot.select().where(TimetableSlot.valid_between(day))
        assert [x.school_class_id for x in valid] == [class_id]

    # Step 3: failing and missing year marks listed first.
    review = class_review(s.c5, new)
    assert review[0].student == s.pupils5[1] and review[0].failing == ["Математика: 2"]
    assert [r.problems for r in class_review(s.c6, new)] == ["нет годовой: Математика"]
    petrova, sidorov = s.pupils5[1].id, s.pupils5[2].id
    with pytest.raises(RuleError, match="нет 5-го класса"):
        promote_class(s.c5, new, ORDER, keep={petrova}, debts={sidorov: ["Математика"]})
    c5_new = SchoolClass.create(year=new, grade=5, letter="А")  # the deputy adds it
    assert promote_class(s.c5, new, ORDER, keep={petrova}, debts={sidorov: ["Математика"]}) \
        == {"repeating": 1, "promoted_debt": 1, "promoted": 1}
    assert year_transfer.not_moved(s.year, new)[0][0] == s.c1
    assert promote_class(s.c5, new, ORDER) == {}  # nobody twice
    for school_class in (s.c1, s.c6):
        promote_class(school_class, new, ORDER)
    with pytest.raises(RuleError, match="после последнего учебного дня"):
        promote_class(s.c9, new, Order("13", dt.date(2027, 5, 20)))
    assert promote_class(s.c9, new, ORDER) == {"graduated": 1}
    assert year_transfer.not_moved(s.year, new) == []

    moves = {}
    for m in Movement.select().where(Movement.id > max(before["Movement"])):
        assert m.student_id not in moves, "a pupil moved twice"
        moves[m.student_id] = m
    assert {sid: (m.kind, m.school_class_id) for sid, m in moves.items()} == {
        s.pupils5[0].id: ("promoted", c6.id), petrova: ("repeating", c5_new.id),
        sidorov: ("promoted_debt", c6.id), s.pupil1.id: ("promoted", c2.id),
        s.pupil6.id: ("promoted", c7.id), s.pupil9.id: ("graduated", None)}
    assert moves[sidorov].reason == "академическая задолженность: Математика"
    assert moves[sidorov].order_number == "№ 12-у от 20.06.2027"
    assert moves[sidorov].date == new.start and moves[s.pupil9.id].date == ORDER.date
    assert year_transfer.debts_of(c6) == {sidorov: "Математика"}
    assert [p.id for p in c6.students_on(new.start)] == [s.pupils5[0].id, sidorov]
    assert s.c5.student_ids_on(s.year.end) == sorted(p.id for p in s.pupils5)
    audited = AuditEntry.select().where((AuditEntry.table_name == "movement")
                                        & (AuditEntry.row_id.in_(list(moves))))
    assert audited.count() == len(moves)
    for model in (SchoolClass, Subgroup, SubgroupMember, TeachingAssignment, PlanTopic,
                  TimetableSlot):  # every carried row is in the audit log
        ids = [x.id for x in model.select(model.id)]
        logged = {e.row_id for e in AuditEntry.select().where(
            (AuditEntry.table_name == model._meta.table_name) & (AuditEntry.action == "create"))}
        assert set(ids) <= logged, model.__name__

    # Step 5: refused while marks are missing, with the list; then closed, read-only.
    with pytest.raises(RuleError) as refused:
        year_transfer.close_year(s.year)
    assert "6А, Математика, годовая: Шестаков Т." in refused.value.message
    assert "5А, Математика, 1-я четверть" in refused.value.message
    fill_period_marks(s)
    sixth = year_mark(s.c6, s.pupil6, s.math, "4")
    before_close = dump()
    year_transfer.close_year(s.year)
    assert AcademicYear.get_by_id(s.year.id).closed
    assert unchanged_since(before, except_year=s.year.id) == []
    assert unchanged_since(before_close, except_year=s.year.id) == []
    sixth.value = "5"
    with pytest.raises(RuleError, match="закрыт"):
        sixth.save()
    old5 = SchoolClass.get_by_id(s.c5.id)
    old5.room = "13"
    with pytest.raises(RuleError, match="закрыт"):
        old5.save()


def test_promotion_refuses_strangers_and_a_graduate_with_a_debt(ending):
    s = ending
    new = year_transfer.create_next_year(s.year)
    year_transfer.carry(s.year, new)
    with pytest.raises(RuleError, match="нет в 5А"):
        promote_class(s.c5, new, ORDER, keep={s.pupil6.id})
    with pytest.raises(RuleError, match="академической задолженностью обучение не оканчивает"):
        promote_class(s.c9, new, ORDER, debts={s.pupil9.id: ["Математика"]})
    with pytest.raises(RuleError, match="предметы академической задолженности"):
        promote_class(s.c5, new, ORDER, debts={s.pupils5[2].id: [" "]})
    with pytest.raises(RuleError, match="номер приказа"):
        promote_class(s.c5, new, Order(" № ", ORDER.date))
    assert not Movement.select().where(Movement.date >= new.start).exists()


def test_the_cli_takes_a_class_through(ending, runner):
    s = ending
    made = runner.invoke(main, ["year", "next", OLD])
    assert made.exit_code == 0, made.output
    assert f"Создан учебный год {NEW} (01.09.2027–31.08.2028): периодов 4" in made.output
    carried = runner.invoke(main, ["year", "carry", OLD])
    assert carried.exit_code == 0, carried.output
    assert "не перенесён: 9А: выпускной класс" in carried.output
    assert "классы 3" in carried.output and "темы КТП 1" in carried.output
    new = AcademicYear.get(AcademicYear.name == NEW)
    SchoolClass.create(year=new, grade=5, letter="А")
    petrova, sidorov = s.pupils5[1].id, s.pupils5[2].id
    promoted = runner.invoke(main, [
        "year", "promote", "5А", "--order", "12-у", "--date", "20.06.2027",
        "--keep", str(petrova), "--debt", f"{sidorov}:Математика"])
    assert promoted.exit_code == 0, promoted.output
    assert f"Петрова Тест (№ {petrova}) — Математика: 2" in promoted.output
    assert "[1/1] 5А: " in promoted.output and "переведён условно 1" in promoted.output
    status = runner.invoke(main, ["year", "status"])
    assert "1А (1): Малышкин Тест" in status.output and "Не переведены: 3." in status.output
    everyone = runner.invoke(main, ["year", "promote", "all", "--order", "12-у",
                                    "--date", "2027-06-20"])
    assert everyone.exit_code == 0, everyone.output
    assert "[4/4] 9А: окончил обучение 1" in everyone.output
    assert "[2/4] 5А: все уже переведены" in everyone.output
    done = runner.invoke(main, ["year", "status", OLD])
    assert "Все ученики 2026/2027 переведены" in done.output
    refused = runner.invoke(main, ["year", "close", OLD])
    assert refused.exit_code == 1 and "6А, Математика, годовая: Шестаков Т." in refused.output
    assert "не выставлены отметки за период и годовые" in refused.output
    bad = runner.invoke(main, ["year", "promote", "5А", "--order", "1", "--date",
                               "2027-06-20", "--debt", "Сидоров"])
    assert bad.exit_code == 2 and "12:Математика" in bad.output


def test_a_closed_next_year_takes_no_transfer(ending):
    s = ending
    new = year_transfer.create_next_year(s.year)
    AcademicYear.update(closed=True).where(AcademicYear.id == new.id).execute()
    with pytest.raises(RuleError, match=f"Учебный год {NEW} закрыт"):
        year_transfer.carry(s.year, new)
    assert not SchoolClass.select().where(SchoolClass.year == new.id).exists()


# --- the deputy's page ----------------------------------------------------------------

@pytest.fixture
def panel(ending, backend_url):
    """The panel over the ending school, CSRF on; the staff of tests/panel.py."""
    from admin import create_app
    from tests.panel import Staffing
    people = Staffing.build(ending)
    app = create_app({"TESTING": True, "DATABASE_URL": backend_url, "SECRET_KEY": "test-secret"})
    return app, people, ending


def signed_in(app, who):
    from tests.panel import Browser
    browser = Browser(app.test_client())
    assert browser.login(who.login).status_code == 302
    return browser


def text(response) -> str:
    """What the page says, without its tags, spaces collapsed; the typed values kept."""
    html = response.get_data(as_text=True)
    values = " ".join(f'value="{v}"' for v in re.findall(r'value="([^"]*)"', html))
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()) + " " + values


def test_the_deputy_is_guided_through_the_transfer(panel):
    app, people, school = panel
    s = school.year
    deputy = signed_in(app, people.deputy)
    page = text(deputy.get("/year-transfer/"))
    assert "Переход с 2026/2027 на 2027/2028" in page and "Создать учебный год" in page
    early = deputy.post("/year-transfer/carry", {"year": OLD})
    assert "Сначала создайте следующий учебный год" in text(deputy.get(early.headers["Location"]))
    deputy.post("/year-transfer/next", {"year": OLD, "name": NEW})
    page = text(deputy.get("/year-transfer/"))
    assert "Учебный год 2027/2028 создан: 01.09.2027–31.08.2028, периодов 4" in page
    deputy.post("/year-transfer/carry", {"year": OLD, "last_grade": "9"})
    new = AcademicYear.get(AcademicYear.name == NEW)
    assert [c.name for c in SchoolClass.select().where(SchoolClass.year == new.id)
            .order_by(SchoolClass.grade)] == ["2А", "6А", "7А"]
    c5 = SchoolClass.get((SchoolClass.year == s.id) & (SchoolClass.grade == 5))
    page = text(deputy.get(f"/year-transfer/?class_id={c5.id}"))
    # A failing or missing year mark first (Иванов's group has English with no year mark
    # yet), then the rest.
    assert page.index("Петрова Тест") < page.index("Сидоров Тест")
    assert page.index("Иванов Тест") < page.index("Сидоров Тест")
    assert "Петрова Тест Математика: 2" in page
    assert "Иванов Тест нет годовой: Иностранный язык (английский)" in page
    pupils = {p.last_name: p.id for p in c5.students_on(s.end)}
    typed = {"year": OLD, "class_id": c5.id, "order_number": "12-у",
             "order_date": "2027-06-20", "keep": str(pupils["Петрова"]),
             f"debt_{pupils['Сидоров']}": "Математика"}
    refused = deputy.post("/year-transfer/promote", typed)
    assert refused.status_code == 422
    page = text(refused)
    assert "нет 5-го класса" in page and 'value="12-у"' in page  # nothing typed is lost
    assert 'value="Математика"' in page
    SchoolClass.create(year=new, grade=5, letter="А")
    done = deputy.post("/year-transfer/promote", typed)
    assert done.status_code == 302
    page = text(deputy.get(done.headers["Location"]))
    assert "5А: переведён: 1, переведён условно: 1, оставлен на повторное обучение: 1" in page
    assert "переведён условно (с академической задолженностью) в 6А" in page
    assert "6А: Сидоров Тест — Математика" in page
    assert "1А (1): Малышкин Тест" in page
    refused = deputy.post("/year-transfer/close", {"year": OLD, "confirm": "1"})
    assert refused.status_code == 422
    page = text(refused)
    assert "не закрыт: не выставлены отметки за период и годовые" in page
    assert "6А, Математика, годовая: Шестаков Т." in page
    assert not AcademicYear.get_by_id(s.id).closed
    # Every mark in: unconfirmed, nothing happens; confirmed, the year is closed.
    fill_period_marks(school)
    for period in Period.select().where(Period.year == s.id):  # Иванов's English group
        PeriodMark.insert(student=school.pupils5[0], school_class=school.c5, value="5",
                          subject=school.english, kind="period", period=period).execute()
    year_mark(school.c5, school.pupils5[0], school.english, "5")
    year_mark(school.c6, school.pupil6, school.math, "4")
    deputy.post("/year-transfer/close", {"year": OLD})
    assert not AcademicYear.get_by_id(s.id).closed
    closed = deputy.post("/year-transfer/close", {"year": OLD, "confirm": "1"})
    page = text(deputy.get(closed.headers["Location"]))
    assert AcademicYear.get_by_id(s.id).closed
    assert "Учебный год 2026/2027 закрыт: его записи только для чтения." in page


def test_my_class_in_the_new_year_names_the_debt(panel, monkeypatch):
    """Issue 16.4: on the new year's class list («Мой класс») a conditionally promoted
    pupil carries the debt."""
    app, people, _ = panel
    old = AcademicYear.get(AcademicYear.name == OLD)
    new = year_transfer.create_next_year(old)
    year_transfer.carry(old, new)
    c5 = SchoolClass.get((SchoolClass.year == old.id) & (SchoolClass.grade == 5))
    pupils = {p.last_name: p.id for p in c5.students_on(old.end)}
    promote_class(c5, new, ORDER, debts={pupils["Сидоров"]: ["Математика", "Русский язык"]})
    monkeypatch.setenv("JOURNAL_TODAY", "2027-09-06")
    c6 = new_class(new, 6)
    page = text(signed_in(app, people.teacher).get(f"/my-class/?class_id={c6.id}"))
    assert ("Сидоров Тест переведён условно, академическая задолженность: Математика, "
            "Русский язык") in page
    assert "Иванов Тест переведён условно" not in page


def test_the_admin_opens_and_closes_years_but_moves_no_pupil(panel):
    app, people, _ = panel
    admin = signed_in(app, people.admin)
    assert admin.get("/year-transfer/").status_code == 200
    assert admin.post("/year-transfer/next", {"year": OLD}).status_code == 302
    assert admin.post("/year-transfer/carry", {"year": OLD}).status_code == 403
    assert admin.post("/year-transfer/promote", {"year": OLD}).status_code == 403
    for role in ("teacher", "class_teacher", "director"):
        assert signed_in(app, getattr(people, role)).get("/year-transfer/").status_code == 403


def test_a_demo_school_goes_through_the_transfer(backend_url, runner):
    """Issue 16's acceptance on the demo school (40 pupils, every grade): every pupil moved
    exactly once, the load, timetable and КТП carried, the old year's rows unchanged."""
    from tests.demo_school import run_demo
    run_demo(runner, "--no-build")
    old, _ = year_transfer.transfer_years(None)
    before = dump()
    new = year_transfer.create_next_year(old)
    year_transfer.carry(old, new)
    pupils = set()
    for school_class in SchoolClass.select().where(SchoolClass.year == old.id):
        pupils |= {r.student.id for r in class_review(school_class)}
        promote_class(school_class, new, ORDER)
    assert year_transfer.not_moved(old, new) == []
    moves = [m.student_id for m in Movement.select().where(Movement.id > max(before["Movement"]))]
    assert sorted(moves) == sorted(pupils) and len(pupils) > 30
    assert unchanged_since(before) == []
    for model in (TeachingAssignment, TimetableSlot, PlanTopic):
        query = model.select()
        if model is PlanTopic:
            query = query.join(TeachingAssignment)
        carried = query.switch(model).join(SchoolClass, on=(
            (TeachingAssignment if model is PlanTopic else model).school_class == SchoolClass.id))
        old_rows = carried.where((SchoolClass.year == old.id) & (SchoolClass.grade < 11)).count()
        new_rows = carried.where(SchoolClass.year == new.id).count()
        assert new_rows == old_rows > 0, model.__name__


# --- in a browser ---------------------------------------------------------------------

@pytest.fixture
def app(panel):
    """The served panel (tests/conftest.py's panel_server) is the ending school's."""
    return panel[0]


@pytest.fixture
def site(panel_server):
    return panel_server


@pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)
def test_in_a_browser_the_deputy_creates_carries_and_promotes(chromium, site, panel):
    """Real Chromium under the panel's Content-Security-Policy: the forms post with their
    CSRF tokens, the refusals and summaries show, and nothing breaks the policy."""
    from tests.chromium import TIMEOUT_MS, VIEWPORT, log_in
    _, people, school = panel
    context = chromium.new_context(viewport=VIEWPORT, locale="ru-RU", base_url=site)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        # Console errors (a CSP violation is one) and the page's own failed requests; the
        # browser's favicon.ico request shows only as an anonymous «Failed to load».
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error"
                and not m.text.startswith("Failed to load resource") else None)
        page.on("response", lambda r: errors.append(r.url) if r.status >= 400 else None)
        log_in(page, people.deputy.login)
        page.goto("/year-transfer/")
        assert page.input_value("#name") == NEW
        with page.expect_navigation():
            page.click("#next-form button")
        assert "Создан учебный год 2027/2028" in page.inner_text("body")
        page.fill("#last_grade", "9")
        with page.expect_navigation():
            page.click("#carry-form button")
        assert "Перенесено в 2027/2028: классы 3" in page.inner_text("body")
        with page.expect_navigation():
            page.click("#classes tr:has-text('6А') a")
        assert "нет годовой: Математика" in page.inner_text("#review")
        page.fill(f'input[name="debt_{school.pupil6.id}"]', "Математика")
        page.fill("#order_number", "12-у")
        page.fill("#order_date", "2027-06-20")
        with page.expect_navigation():
            page.click("#promote-form button")
        assert "6А: переведён условно: 1." in page.inner_text("body")
        review = page.inner_text("#review")
        assert ("переведён условно (с академической задолженностью) в 7А, приказ № 12-у от "
                "20.06.2027 (академическая задолженность: Математика)") in review
        assert "Шестаков Тест — Математика" in page.inner_text("#debts")
        assert not errors, errors
    finally:
        context.close()
