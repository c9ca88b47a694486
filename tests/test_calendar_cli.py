"""The school calendar from the command line: `journal check` finds lessons stored on days
off (rule 14); `journal year close|reopen` (rule 15)."""
from __future__ import annotations

import datetime as dt

from journal_cli import main
from models import AcademicYear, AuditEntry, Lesson, Period, PeriodMark, Subgroup

SUNDAY = dt.date(2026, 11, 22)


def test_check_finds_a_lesson_stored_on_a_sunday(real_school, runner):
    school = real_school
    school.lesson(day=dt.date(2026, 11, 20))
    clean = runner.invoke(main, ["check"])
    assert clean.exit_code == 0, clean.output
    assert "Уроков в неучебные дни нет." in clean.output
    # Stored before rule 14 (or by an import): past the model's checks.
    Lesson.insert(school_class=school.c5, subject=school.math, teacher=school.teacher,
                  date=SUNDAY, number=2).execute()
    Lesson.insert(school_class=school.c6, subject=school.math, teacher=school.teacher,
                  date=dt.date(2026, 11, 4), number=1).execute()
    Lesson.insert(school_class=school.c5, subject=school.english, teacher=school.teacher,
                  subgroup=Subgroup.get(), date=dt.date(2026, 8, 31), number=1).execute()
    found = runner.invoke(main, ["check"])
    assert found.exit_code == 1, found.output
    lines = found.output.splitlines()
    assert lines == [
        "5А класс:",
        "  31.08.2026, 1 урок: Иностранный язык (английский) (1 группа), Учителева А.П. — "
        "вне учебного года 2026/2027 (01.09.2026–31.08.2027)",
        "  22.11.2026, 2 урок: Математика, Учителева А.П. — воскресенье, выходной день",
        "6А класс:",
        "  04.11.2026, 1 урок: Математика, Учителева А.П. — День народного единства",
        "Уроков в неучебные дни: 3. Перенесите их на учебные дни («Журнал», форма урока) "
        "или удалите.",
    ]


def test_year_close_is_refused_with_the_missing_list(real_school, runner):
    refused = runner.invoke(main, ["year", "close", "2026/2027"])
    assert refused.exit_code == 1
    assert "5А, Математика, 1-я четверть: Иванов Т., Петрова Т., Сидоров Т." in refused.output
    assert "не закрыт: не выставлены отметки за период" in refused.output
    assert not AcademicYear.get_by_id(real_school.year.id).closed
    assert runner.invoke(main, ["year", "close", "1999/2000"]).exit_code == 1


def fill_period_marks(school) -> None:
    """Every period and year mark of the year (rule 15 needs both to close it): maths in 5А
    and 6А (grade 1 gets none), each quarter and the year; inserted as an import would, the
    quarters past being locked."""
    for period in [*Period.select().where(Period.year == school.year.id), None]:
        for school_class, pupils in ((school.c5, school.pupils5), (school.c6, [school.pupil6])):
            PeriodMark.insert_many([
                {"student": pupil, "school_class": school_class, "subject": school.math,
                 "kind": "period" if period else "year", "period": period, "value": "4"}
                for pupil in pupils
            ]).execute()


def test_year_close_then_reopen_with_a_reason(real_school, runner):
    school = real_school
    fill_period_marks(school)
    closed = runner.invoke(main, ["year", "close", "2026/2027"])
    assert closed.exit_code == 0, closed.output
    assert AcademicYear.get_by_id(school.year.id).closed
    again = runner.invoke(main, ["year", "close", "2026/2027"])
    assert again.output.startswith("Учебный год 2026/2027 уже закрыт")

    short = runner.invoke(main, ["year", "reopen", "2026/2027", "--reason", " "])
    assert short.exit_code == 1 and "Укажите причину" in short.output
    assert AcademicYear.get_by_id(school.year.id).closed
    opened = runner.invoke(main, ["year", "reopen", "2026/2027", "--reason",
                                  "исправление отметки по приказу № 12"])
    assert opened.exit_code == 0, opened.output
    assert not AcademicYear.get_by_id(school.year.id).closed
    entry = (AuditEntry.select().where(AuditEntry.table_name == "academic_year")
             .order_by(AuditEntry.id.desc()).get())
    assert entry.reason == "исправление отметки по приказу № 12"
    assert entry.staff_id is None and entry.address.startswith("командная строка")
    assert '"closed": true' in entry.before and '"closed": false' in entry.after
