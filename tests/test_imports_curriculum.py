"""Loading the curriculum from spreadsheets (issue 19.1): the load (assignments), the
timetable and a teacher's КТП from XLSX, ODS and CSV files, previewed, imported, imported
again without duplicates, and a file with bad rows changing nothing while every bad row is
reported in Russian with its row and column."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest

from models import (
    AcademicYear,
    AuditEntry,
    PlanTopic,
    RuleError,
    Staff,
    Subject,
    TeachingAssignment,
    TimetableSlot,
)
from models.imports import CREATE, SKIP, UPDATE, read_table, run
from models.imports import assignments as assignments_kind
from models.imports import plan as plan_kind
from models.imports import timetable as timetable_kind
from models.timetable_week import school_week
from tests.panel import text
from tests.spreadsheets import filename, write_table

DAY = dt.timedelta(days=1)
ASSIGNMENTS = ["Класс", "Предмет", "Группа", "Учитель", "Часов в неделю", "Шкала", "Экзамен"]
TIMETABLE = ["Класс", "День недели", "Урок", "Предмет", "Группа", "Учитель", "Кабинет",
             "Действует с"]
PLAN = ["Класс", "Предмет", "Группа", "№", "Тема", "Часов", "Дата"]


@pytest.fixture
def staffed(people):
    """The small school's people, two teachers with names of their own and «Русский язык»."""
    people.ivanova = Staff.create(login="ivanova.mp", last_name="Иванова", first_name="Мария",
                                  middle_name="Петровна")
    people.petrov = Staff.create(login="petrov.oi", last_name="Петров", first_name="Олег",
                                 middle_name="Ильич")
    people.russian = Subject.create(name="Русский язык", short_name="Рус. яз.")
    return people


def load(kind, rows, fmt, user=None, commit=True, today=None):
    """The rows written as a file of `fmt` and imported (or only previewed)."""
    data = write_table(None, rows, fmt)
    return run(kind.KIND, user, data, filename(fmt), today or dt.date(2026, 11, 25), commit)


def dump() -> dict:
    """Everything the imports may write, and the audit log, as stored."""
    tables = (TeachingAssignment, TimetableSlot, PlanTopic, AuditEntry)
    return {m.__name__: sorted(tuple(map(str, r.values())) for r in m.select().dicts())
            for m in tables}


def lines(result) -> list[str]:
    return [str(p) for p in result.problems]


# --- «Нагрузка» ----------------------------------------------------------------------------

def assignments_file(school, hours_ru="5"):
    return [ASSIGNMENTS,
            ["5А", "Рус. яз.", "", "Иванова М. П.", hours_ru, "пятибалльная", "да"],
            ["1а", "Русский язык", "", "ivanova.mp", "4,5", "зачёт/незачёт", "нет"],
            ["5 A", "Иностранный язык (английский)", "1 группа", "ПЕТРОВ Олег Ильич", 3, "",
             ""],
            ["5А", "Математика", "", "teacher.aa", 5, "", ""]]


def assignment_rows() -> list[tuple]:
    a = TeachingAssignment
    return sorted((x.school_class.name, x.subject.name, x.subgroup.name if x.subgroup else "",
                   x.teacher.login, x.hours_per_week, x.grading_scale, x.has_exam)
                  for x in a.select())


@pytest.mark.parametrize("fmt", ["xlsx", "ods", "csv;:cp1251"])
def test_assignments_preview_import_and_again(school, staffed, fmt):
    """The deputy previews the load (nothing written), imports it (two new journals, the
    English group's teacher and the maths hours changed), and a second import of the same
    file changes nothing; a later file updates in place, never duplicates."""
    rows = assignments_file(school)
    before = dump()
    preview = load(assignments_kind, rows, fmt, staffed.deputy, commit=False)
    assert preview.ok and not preview.committed, lines(preview)
    assert preview.counts == {CREATE: 2, UPDATE: 2, SKIP: 0}
    assert dump() == before

    done = load(assignments_kind, rows, fmt, staffed.deputy)
    assert done.committed and done.counts == {CREATE: 2, UPDATE: 2, SKIP: 0}
    assert done.summary() == "создано: 2; обновлено: 2; без изменений: 0."
    assert ("1А", "Русский язык", "", "ivanova.mp", 4.5, "pass", False) in assignment_rows()
    assert ("5А", "Русский язык", "", "ivanova.mp", 5.0, "five", True) in assignment_rows()
    assert ("5А", "Иностранный язык (английский)", "1 группа", "petrov.oi", 3.0, "five",
            False) in assignment_rows()
    assert ("5А", "Математика", "", "teacher.aa", 5.0, "five", False) in assignment_rows()
    changed = [o.summary for o in done.outcomes if o.action == UPDATE]
    assert ("5А Иностранный язык (английский) (1 группа): учитель Учителева А.П. → Петров О.И.; "
            "часов 1 → 3") in changed
    audited = AuditEntry.select().where(AuditEntry.table_name == "teaching_assignment",
                                        AuditEntry.staff == staffed.deputy.id)
    assert audited.count() == 4
    assert all(e.reason == f"загрузка «{filename(fmt)}»" for e in audited)

    stored = assignment_rows()
    again = load(assignments_kind, rows, fmt, staffed.deputy)
    assert again.counts == {CREATE: 0, UPDATE: 0, SKIP: 4}
    assert assignment_rows() == stored

    rows[1][3], rows[1][4] = "Петров О.И.", "4"
    later = load(assignments_kind, rows, fmt, staffed.deputy)
    assert later.counts == {CREATE: 0, UPDATE: 1, SKIP: 3}
    assert ("5А", "Русский язык", "", "petrov.oi", 4.0, "five", True) in assignment_rows()
    assert len(assignment_rows()) == len(stored)


def test_assignments_bad_rows_change_nothing(school, staffed):
    """Every bad row is reported with its row, column and what was expected; the good rows
    of that file are not written either."""
    rows = [ASSIGNMENTS,
            ["5Я", "Математика", "", "ivanova.mp", 2, "", ""],
            ["5А", "Астрономия", "", "ivanova.mp", 2, "", ""],
            ["5А", "Русский язык", "", "Неизвестная И. И.", 2, "", ""],
            ["5А", "Русский язык", "", "Учителева А. П.", 2, "", ""],
            ["5А", "Русский язык", "3 группа", "ivanova.mp", "много", "стобалльная", "может"],
            ["6А", "Русский язык", "", "ivanova.mp", 20, "", ""],
            ["1А", "Русский язык", "", "ivanova.mp", 2, "", ""],
            ["1А", "Рус. яз.", "", "Иванова Мария Петровна", 3, "", ""]]
    before = dump()
    result = load(assignments_kind, rows, "csv,:cp1251", staffed.deputy)
    assert not result.ok and not result.committed
    assert dump() == before
    assert result.summary() == "Ошибок в файле: 10 (строк: 7). Ничего не записано."
    found = lines(result)
    assert found[0] == ("строка 2, столбец «Класс»: класса «5Я» нет в учебном году Тестовый "
                        "год. Ожидалось: класс этого учебного года, например «5А».")
    assert found[1].startswith("строка 3, столбец «Предмет»: предмета «Астрономия» нет в "
                               "разделе «Предметы».")
    assert found[2].startswith("строка 4, столбец «Учитель»: сотрудника «Неизвестная И. И.» "
                               "нет в разделе «Сотрудники».")
    assert found[3].startswith("строка 5, столбец «Учитель»: «Учителева А. П.» — так зовут "
                               "нескольких сотрудников (логины: ")
    assert found[3].endswith("Ожидалось: логин сотрудника.")
    row6 = [line for line in found if line.startswith("строка 6")]
    assert [line.split(":")[0] for line in row6] == [
        "строка 6, столбец «Группа»", "строка 6, столбец «Часов в неделю»",
        "строка 6, столбец «Шкала»", "строка 6, столбец «Экзамен»"]
    assert "«много» — не число" in row6[1]
    assert "у класса 5А нет подгруппы «3 группа» по предмету «Русский язык»" in row6[0]
    assert "Ожидалось: одно из: «пятибалльная», «зачёт/незачёт»" in row6[2]
    assert found[8] == ("строка 7, столбец «Часов в неделю»: 20 — столько часов в неделю не "
                        "бывает. Ожидалось: число больше 0 и не больше 12.")
    assert found[9] == ("строка 9: Эта нагрузка уже есть в строке 8. Ожидалось: одна строка "
                        "на каждую запись.")


def test_who_loads_what(school, staffed):
    """The deputy loads the load and the timetable; a teacher, the director and the admin do
    not; a teacher and the deputy load КТП, the director does not."""
    rows = [ASSIGNMENTS, ["5А", "Математика", "", "teacher.aa", 5, "", ""]]
    for user in (staffed.teacher, staffed.director, staffed.admin):
        for kind in (assignments_kind, timetable_kind):
            with pytest.raises(RuleError, match="Загрузка этих данных вам недоступна"):
                load(kind, rows, "csv;", user)
    with pytest.raises(RuleError):
        load(plan_kind, [PLAN, ["5А", "Математика", "", 1, "Дроби", 1, ""]], "csv;",
             staffed.director)
    assert load(assignments_kind, rows, "csv;", None).counts[UPDATE] == 1  # the operator


def test_a_closed_year_is_not_loaded(school, staffed):
    """A closed year is read-only (rule 15): its load is refused as a whole, in Russian."""
    AcademicYear.update(closed=True).where(AcademicYear.id == school.year.id).execute()
    before = dump()
    rows = [ASSIGNMENTS, ["5А", "Математика", "", "teacher.aa", 5, "", ""]]
    with pytest.raises(RuleError, match="закрыт"):
        load(assignments_kind, rows, "xlsx", staffed.deputy)
    assert dump() == before


# --- «Расписание» --------------------------------------------------------------------------

def timetable_file():
    return [TIMETABLE,
            ["5А", "пн", 1, "Математика", "", "teacher.aa", "12", ""],
            ["5А", "Понедельник", 2, "Рус. яз.", "", "Иванова М.П.", "14", ""],
            ["5А", "2", "1", "Иностранный язык (английский)", "1 группа", "english.bb",
             "21", ""],
            ["1А", "пн.", 2, "Математика", "", "teacher.aa", "3", ""]]


def week(day) -> list[tuple]:
    """The school's week as the panel's grid shows it on `day`."""
    return [(s.school_class.name, s.weekday, s.number, s.subject.name,
             s.subgroup.name if s.subgroup else "", s.teacher.login, s.room)
            for s in school_week(day).slots]


@pytest.mark.parametrize("fmt", ["xlsx", "ods", "csv,"])
def test_timetable_import_again_and_change_from_a_date(school, staffed, fmt):
    """The week loads from today (the empty «Действует с»), the same file again changes
    nothing, and a lesson given to another teacher from a later date ends the old slot the
    day before: the grid shows the old teacher until then, the new one after."""
    rows = timetable_file()
    done = load(timetable_kind, rows, fmt, staffed.deputy)
    assert done.ok, lines(done)
    assert done.counts == {CREATE: 4, UPDATE: 0, SKIP: 0}
    today = school.today
    assert week(today) == [
        ("5А", 1, 1, "Математика", "", "teacher.aa", "12"),
        ("1А", 1, 2, "Математика", "", "teacher.aa", "3"),
        ("5А", 1, 2, "Русский язык", "", "ivanova.mp", "14"),
        ("5А", 2, 1, "Иностранный язык (английский)", "1 группа", "english.bb", "21")]
    assert week(today - DAY) == []
    assert {s.valid_from for s in TimetableSlot.select()} == {today}

    again = load(timetable_kind, rows, fmt, staffed.deputy)
    assert again.counts == {CREATE: 0, UPDATE: 0, SKIP: 4}
    assert TimetableSlot.select().count() == 4

    later = today + 7 * DAY
    rows[2][5], rows[2][7] = "petrov.oi", later
    changed = load(timetable_kind, rows, fmt, staffed.deputy)
    assert changed.counts == {CREATE: 0, UPDATE: 1, SKIP: 3}
    assert TimetableSlot.select().count() == 5
    assert ("5А", 1, 2, "Русский язык", "", "ivanova.mp", "14") in week(later - DAY)
    assert ("5А", 1, 2, "Русский язык", "", "petrov.oi", "14") in week(later)
    assert ("5А", 1, 2, "Русский язык", "", "ivanova.mp", "14") not in week(later)
    assert TimetableSlot.get(teacher=staffed.ivanova).valid_to == later - DAY


def test_timetable_changed_on_its_first_day_is_changed_in_place(school, staffed):
    """A slot changed from the day it starts is edited, not ended before it began."""
    rows = timetable_file()
    assert load(timetable_kind, rows, "csv;", staffed.deputy).ok
    rows[2][6] = "Каб. 15"
    changed = load(timetable_kind, rows, "csv;", staffed.deputy)
    assert changed.counts == {CREATE: 0, UPDATE: 1, SKIP: 3}
    assert TimetableSlot.select().count() == 4
    assert TimetableSlot.get(teacher=staffed.ivanova).room == "Каб. 15"


def test_timetable_bad_rows_change_nothing(school, staffed):
    """Clashes within the file and with the stored week, a bad weekday, lesson number and
    date: each reported in Russian with its row, nothing written."""
    TimetableSlot.create(school_class=school.c6, subject=school.math, teacher=staffed.petrov,
                         weekday=3, number=4, room="7", valid_from=school.year.start)
    rows = [TIMETABLE,
            ["5А", "пн", 1, "Математика", "", "teacher.aa", "12", ""],
            ["1А", "пн", 1, "Математика", "", "teacher.aa", "3", ""],
            ["5А", "ср", 4, "Рус. яз.", "", "ivanova.mp", "7", ""],
            ["5А", "вс", 2, "Математика", "", "teacher.aa", "", ""],
            ["5А", "пнд", 11, "Математика", "", "teacher.aa", "", "31.02.2027"],
            ["5А", "вт", 3, "Математика", "", "teacher.aa", "", "01.09.2030"],
            ["5А", "пн", 1, "Иностранный язык (английский)", "1 группа", "english.bb", "21",
             ""]]
    before = dump()
    result = load(timetable_kind, rows, "csv;:utf-8-sig", staffed.deputy)
    assert dump() == before
    found = lines(result)
    assert found[0].startswith("строка 3: Учитель Учителева А.П. в это время уже ведёт урок: "
                               "5А, Математика, Учителева А.П., каб. 12, понедельник, 1-й "
                               "урок, с 25.11.2026 (строка 2 файла).")
    assert found[1] == ("строка 4: Кабинет 7 в это время занят: 6А, Математика, Петров О.И., "
                        f"каб. 7, среда, 4-й урок, с {school.year.start:%d.%m.%Y} (уже в "
                        "расписании).")
    assert found[2] == ("строка 5, столбец «День недели»: «вс» — не день недели с "
                        "понедельника по субботу. Ожидалось: день с понедельника по субботу: "
                        "«пн», «понедельник» или 1–6.")
    assert [line.split(":")[0] for line in found[3:6]] == [
        "строка 6, столбец «Действует с»", "строка 6, столбец «День недели»",
        "строка 6, столбец «Урок»"]
    assert "«31.02.2027» — не дата" in found[3]
    assert found[6].startswith("строка 7, столбец «Действует с»: 01.09.2030 — не в учебном "
                               "году Тестовый год")
    assert found[7] == ("строка 8: Урок всего класса 5А и урок его подгруппы не могут идти в "
                        "один час: 5А, Математика, Учителева А.П., каб. 12, понедельник, 1-й "
                        "урок, с 25.11.2026 (строка 2 файла).")
    assert len(found) == 8


# --- «КТП» ---------------------------------------------------------------------------------

def plan_rows() -> list[tuple]:
    return sorted((t.assignment.school_class.name, t.assignment.subject.name, t.number,
                   t.title, t.hours, t.planned_date) for t in PlanTopic.select())


@pytest.mark.parametrize("fmt", ["xlsx", "ods", "csv;:utf-8-sig"])
def test_teacher_loads_own_plan_and_again(school, staffed, fmt):
    """A teacher loads the КТП of their maths journals; again, with a topic retitled and a
    date moved, the topics are updated, not duplicated."""
    rows = [PLAN,
            ["5А", "Математика", "", 1, "Натуральные числа", 2, dt.date(2026, 12, 1)],
            ["5А", "Математика", "", 2, "Дроби <b>и</b> «проценты»", "", ""],
            ["6а", "Математика", "", 1, "Повторение", 1, dt.date(2026, 12, 2)]]
    preview = load(plan_kind, rows, fmt, staffed.teacher, commit=False)
    assert preview.ok, lines(preview)
    assert preview.counts == {CREATE: 3, UPDATE: 0, SKIP: 0} and not plan_rows()
    assert load(plan_kind, rows, fmt, staffed.teacher).committed
    audited = AuditEntry.select().where(AuditEntry.table_name == "plan_topic",
                                        AuditEntry.action == "create")
    assert [(e.staff_id, e.reason) for e in audited] == [
        (staffed.teacher.id, f"загрузка «{filename(fmt)}»")] * 3
    assert plan_rows() == [
        ("5А", "Математика", 1, "Натуральные числа", 2, dt.date(2026, 12, 1)),
        ("5А", "Математика", 2, "Дроби <b>и</b> «проценты»", 1, None),
        ("6А", "Математика", 1, "Повторение", 1, dt.date(2026, 12, 2))]

    assert load(plan_kind, rows, fmt, staffed.teacher).counts == {CREATE: 0, UPDATE: 0,
                                                                    SKIP: 3}
    rows[2][4], rows[2][6] = "Дроби", dt.date(2026, 12, 3)
    again = load(plan_kind, rows, fmt, staffed.teacher)
    assert again.counts == {CREATE: 0, UPDATE: 1, SKIP: 2}
    assert ("5А", "Математика", 2, "Дроби", 1, dt.date(2026, 12, 3)) in plan_rows()
    assert len(plan_rows()) == 3


def test_deputy_loads_any_plan(school, staffed):
    rows = [PLAN, ["5А", "Иностранный язык (английский)", "1 группа", 1, "Greetings", 1, ""]]
    assert load(plan_kind, rows, "xlsx", staffed.deputy).counts[CREATE] == 1
    assert plan_rows() == [("5А", "Иностранный язык (английский)", 1, "Greetings", 1, None)]


def test_plan_bad_rows_change_nothing(school, staffed):
    """Another teacher's journal, no such journal, a control character, a topic too long,
    a number twice: each reported, nothing written."""
    rows = [PLAN,
            ["5А", "Математика", "", 1, "Натуральные числа", 1, ""],
            ["5А", "Иностранный язык (английский)", "1 группа", 1, "Greetings", 1, ""],
            ["1А", "Русский язык", "", 1, "Звуки", 1, ""],
            ["5А", "Математика", "", 2, "Дроби\x01", 1, ""],
            ["5А", "Математика", "", 3, "Д" * 501, 1, ""],
            ["5А", "Математика", "", 1, "Ещё раз", 0, "01.01.2031"]]
    before = dump()
    result = load(plan_kind, rows, "csv,", staffed.teacher)
    assert dump() == before
    found = lines(result)
    assert found[0] == ("строка 3: журнал 5А (1 группа), Иностранный язык (английский) — это не "
                        "ваш журнал (его ведёт Учителева А.П.). Ожидалось: только свои "
                        "журналы (свою нагрузку).")
    assert found[1].startswith("строка 4, столбец «Предмет»: в нагрузке нет журнала 1А, "
                               "Русский язык.")
    assert found[2].startswith("строка 5, столбец «Тема»: В тексте есть управляющие символы")
    assert found[3].startswith("строка 6, столбец «Тема»: «ДДДД")
    assert "— длиннее 500 знаков (501)" in found[3]
    assert [line.split(":")[0] for line in found[4:]] == [
        "строка 7, столбец «Дата»", "строка 7, столбец «Часов»"]
    assert len(found) == 6


def test_the_command_line_loads_a_teachers_plan(school, staffed, runner, tmp_path):
    """`journal import plan FILE --as LOGIN`: a teacher's file with another teacher's
    journal is refused whole (exit 1, the row named); their own is previewed, then written;
    the kind's template names its columns."""
    from journal_cli import main

    file = tmp_path / "ктп.csv"
    write_table(file, [PLAN, ["5А", "Математика", "", 1, "Дроби", 1, "01.12.2026"],
                       ["5А", "Иностранный язык (английский)", "1 группа", 1, "Greetings", 1,
                        ""]], "csv;:cp1251")
    as_teacher = ["--as", staffed.teacher.login]
    refused = runner.invoke(main, ["import", "plan", str(file), "--commit", *as_teacher])
    assert refused.exit_code == 1
    assert "строка 3: журнал 5А (1 группа), Иностранный язык (английский) — это не ваш " \
           "журнал" in refused.output
    assert not plan_rows()

    write_table(file, [PLAN, ["5А", "Математика", "", 1, "Дроби", 1, "01.12.2026"]],
                "csv;:cp1251")
    preview = runner.invoke(main, ["import", "plan", str(file), *as_teacher])
    assert preview.exit_code == 0 and "Будет создано: 1" in preview.output
    assert not plan_rows()
    done = runner.invoke(main, ["import", "plan", str(file), "--commit", *as_teacher])
    assert done.exit_code == 0 and "Создано: 1" in done.output
    assert plan_rows() == [("5А", "Математика", 1, "Дроби", 1, dt.date(2026, 12, 1))]

    template = tmp_path / "расписание.xlsx"
    made = runner.invoke(main, ["import", "--template", "timetable", str(template)])
    assert made.exit_code == 0, made.output
    assert read_table(template.read_bytes(), template.name)[0] == TIMETABLE


def test_a_teacher_loads_their_plan_in_the_panel(browser, staffed, school):
    """«Загрузка данных» offers a teacher the КТП alone; a file with another teacher's
    journal is shown with that row's problem (escaped topics) and cannot be loaded; their
    own file is previewed, then loaded."""
    browser.login(staffed.teacher.login)
    page = text(browser.get("/imports/"))
    assert 'id="kind-plan"' in page and 'id="kind-assignments"' not in page
    assert browser.get("/imports/template/timetable.xlsx").status_code == 404
    assert read_table(browser.get("/imports/template/plan.xlsx").data, "t.xlsx")[0] == [
        *PLAN, "Учитель"]

    def upload(rows):
        browser.get("/imports/?kind=plan")
        return browser.post("/imports/preview", {"kind": "plan", "file": (
            io.BytesIO(write_table(None, rows, "ods")), "ктп.ods")})

    theirs = upload([PLAN, ["5А", "Математика", "", 1, "<b>Дроби</b>", 1, ""],
                     ["5А", "Иностранный язык (английский)", "1 группа", 1, "Greetings", 1,
                      ""]])
    body = text(theirs)
    assert theirs.status_code == 422 and "это не ваш журнал" in body
    assert 'name="token"' not in body

    own = upload([PLAN, ["5А", "Математика", "", 1, "<b>Дроби</b>", 1, ""]])
    body = text(own)
    assert own.status_code == 200 and "будет создано: 1" in body
    assert "&lt;b&gt;Дроби&lt;/b&gt;" in body and "<b>Дроби</b>" not in body
    assert not plan_rows()
    token = re.search(r'name="token" value="([^"]+)"', body).group(1)
    assert browser.post("/imports/confirm", {"token": token}).status_code == 200
    assert plan_rows() == [("5А", "Математика", 1, "<b>Дроби</b>", 1, None)]


def test_a_journal_two_teachers_share_names_its_teacher(school, staffed):
    """Two teachers each with their own КТП of one journal: the deputy's file names whose
    topic it is; without it the row is refused with their logins."""
    TeachingAssignment.create(school_class=school.c5, subject=school.math,
                              teacher=staffed.ivanova)
    rows = [PLAN + ["Учитель"], ["5А", "Математика", "", 1, "Дроби", 1, "", ""]]
    refused = load(plan_kind, rows, "csv;", staffed.deputy)
    assert lines(refused) == [
        "строка 2: журнал 5А, Математика ведут несколько учителей (Учителева А.П., teacher.aa, "
        "Иванова М.П., ivanova.mp): укажите, чей это КТП. Ожидалось: нужен, только когда "
        "журнал ведут несколько учителей: логин или ФИО того, чей это КТП."]
    rows[1][7] = "Иванова Мария Петровна"
    assert load(plan_kind, rows, "csv;", staffed.deputy).ok
    assert PlanTopic.get().assignment.teacher_id == staffed.ivanova.id
    # Her colleague loads their own КТП of the journal without naming anyone.
    assert load(plan_kind, rows[:1] + [rows[1][:7]], "csv;", staffed.teacher).ok
    assert PlanTopic.select().count() == 2


def test_a_slot_loaded_before_a_later_change_ends_where_it_begins(school, staffed):
    """A change already entered from a later date stays: the loaded slot lasts until then."""
    later = school.today + 14 * DAY
    TimetableSlot.create(school_class=school.c5, subject=school.math, teacher=staffed.petrov,
                         weekday=1, number=1, valid_from=later)
    done = load(timetable_kind, timetable_file()[:2], "csv;", staffed.deputy)
    assert done.counts == {CREATE: 1, UPDATE: 0, SKIP: 0}, lines(done)
    assert ("5А", 1, 1, "Математика", "", "teacher.aa", "12") in week(later - DAY)
    assert ("5А", 1, 1, "Математика", "", "petrov.oi", "") in week(later)
