"""A database made by the first schema version is upgraded by `journal migrate`, on SQLite
and on PostgreSQL, without losing a row."""
from __future__ import annotations

import datetime as dt
import gzip
import shutil
from pathlib import Path

import pytest
from peewee import SqliteDatabase
from playhouse.schema_diff import diff_models

from journal_cli import main
from models import (
    ALL_MODELS,
    AuditEntry,
    DayTransfer,
    Lesson,
    LessonWork,
    LoginRecord,
    Mark,
    SchoolSettings,
    SheetReturn,
    Student,
    TeachingAssignment,
    WorkType,
    audit_chain,
    database,
    db,
)
from models.calendar import Reopening, SchoolCalendar
from models.people import fold_name
from tests.school import LATEST_SCHEMA

V1 = Path(__file__).parent / "fixtures" / "schema_v1.sqlite3.gz"


def unpack_v1(dest: Path) -> SqliteDatabase:
    with gzip.open(V1) as src, open(dest, "wb") as out:
        shutil.copyfileobj(src, out)
    return SqliteDatabase(dest)


def row_counts(database_, tables) -> dict[str, int]:
    return {t: database_.execute_sql(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}


def load_v1_into_postgres(v1: SqliteDatabase, url: str) -> None:
    """Give PostgreSQL the first schema (today's, with migrations rolled back) and v1's rows."""
    database.bind(url)
    database.create_schema()
    database._runner().down("0002_search_names")  # every later migration needs a down()
    assert database.schema_status()[0] == 1
    for model in ALL_MODELS:
        table = model._meta.table_name
        if table not in v1.get_tables():
            continue  # added by a later migration: no rows in v1
        columns = [c.name for c in v1.get_columns(table)]
        fields = [model._meta.columns[c] for c in columns]
        with v1.bind_ctx([model]):
            rows = list(model.select(*fields).tuples())
        # Plain SQL: peewee's insert would add today's columns with their defaults.
        quoted = ", ".join(f'"{c}"' for c in columns)
        sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join(["%s"] * len(columns))})'
        with db.atomic():
            db.cursor().executemany(sql, [[f.db_value(v) for f, v in zip(fields, row)]
                                          for row in rows])
    database.reset_sequences()
    db.close()


def test_migrate_upgrades_a_first_version_database_without_losing_a_row(backend_url, runner):
    path = Path(backend_url[len("sqlite:///"):]) if backend_url.startswith("sqlite") \
        else Path(database.instance_path()) / "v1.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    v1 = unpack_v1(path)
    tables = [t for t in v1.get_tables() if t != "schema_migration"]
    before = row_counts(v1, tables)
    assert before["mark"] > 1000 and before["audit_entry"] == 2 and before["period_mark"] > 0
    v1.close()
    if not backend_url.startswith("sqlite"):
        load_v1_into_postgres(SqliteDatabase(path), backend_url)

    result = runner.invoke(main, ["migrate"])
    assert result.exit_code == 0, result.output
    assert "0002_search_names" in result.output and f"1 → {LATEST_SCHEMA}" in result.output

    database.bind(backend_url)
    assert row_counts(db, tables) == before
    assert not diff_models(db.obj, ALL_MODELS), "the migrated schema differs from the models"
    applied, known = database.schema_status()
    assert applied == known == LATEST_SCHEMA
    settings = SchoolSettings.get()  # 0004: the QR setting, off, beside the old settings
    assert settings.name == "МБОУ «Шамары СОШ»" and settings.sheet_qr is False
    for s in Student.select():
        assert s.search_name == fold_name(s.last_name, s.first_name, s.middle_name)
    someone = Student.select().first()
    # The column a name search reads: an upper-case Cyrillic surname, folded, finds the pupil.
    found = Student.select().where(
        Student.search_name.contains(fold_name(someone.last_name.upper())))
    assert someone.id in {s.id for s in found}

    again = runner.invoke(main, ["migrate"])
    assert again.exit_code == 0 and f"{LATEST_SCHEMA} → {LATEST_SCHEMA}" in again.output
    assert row_counts(db, tables) == before


def test_a_database_from_before_the_qr_setting_migrates_keeping_its_settings(backend_url,
                                                                            runner):
    """0004 adds «QR-код дневника на выписках» to a version-3 database: off, nothing else
    changed; the setting then works and can be rolled back."""
    database.bind(backend_url)
    database.create_schema()
    database._runner().down("0004_sheet_qr")
    assert database.schema_status() == (3, LATEST_SCHEMA)
    assert "sheet_qr" not in {c.name for c in db.get_columns("school_settings")}
    db.execute_sql("INSERT INTO school_settings (created_at, updated_at, name, timezone, "
                   "diary_base_url, threshold_3, threshold_4, threshold_5, uses_mark_one) "
                   f"VALUES ({', '.join([db.param] * 9)})",
                   ("2026-09-01 08:00:00", "2026-09-01 08:00:00", "МБОУ «Старая СОШ»",
                    "Asia/Yekaterinburg", "https://dnevnik.school.test/", 2.6, 3.6, 4.6, True))
    db.close()

    result = runner.invoke(main, ["migrate"])
    assert result.exit_code == 0, result.output
    assert "0004_sheet_qr" in result.output and f"3 → {LATEST_SCHEMA}" in result.output
    database.bind(backend_url)
    assert not diff_models(db.obj, ALL_MODELS)
    settings = SchoolSettings.current()
    assert (settings.name, settings.timezone, settings.diary_base_url, settings.thresholds,
            settings.uses_mark_one, settings.sheet_qr) == (
        "МБОУ «Старая СОШ»", "Asia/Yekaterinburg", "https://dnevnik.school.test/",
        (2.6, 3.6, 4.6), True, False)
    settings.sheet_qr = True
    settings.save()
    assert SchoolSettings.current().sheet_qr is True


def test_migrate_refuses_an_empty_database(backend_url, runner):
    result = runner.invoke(main, ["migrate"])
    assert result.exit_code == 1
    assert "journal init" in result.output


def test_new_database_matches_the_models_and_records_every_migration(fresh_db):
    assert not diff_models(db.obj, ALL_MODELS)
    applied, known = database.schema_status()
    assert applied == known == len(list(database.MIGRATIONS_DIR.glob("[0-9]*.py")))


@pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)  # the check is SQL-free
def test_commands_refuse_an_old_schema_and_say_to_migrate(backend_url, runner):
    unpack_v1(Path(backend_url[len("sqlite:///"):])).close()
    for command in (["serve"], ["build"], ["credentials", "--class", "5А"]):
        result = runner.invoke(main, command)
        assert result.exit_code == 1, command
        assert (f"Схема базы данных устарела (версия 1, нужна {LATEST_SCHEMA}): "
                "выполните journal migrate") in result.output, command


# The timestamps of the rows the tests write with plain SQL.
AT = {"created_at": "2026-11-20 08:00:00", "updated_at": "2026-11-20 08:00:00"}


def rolled_back(url: str, migration: str) -> None:
    """Today's schema on the database, with `migration` and every later one rolled back."""
    database.bind(url)
    database.create_schema()
    database._runner().down(migration)


def migrated(runner, url: str, *said: str) -> None:
    """`journal migrate` run, saying each of `said`; the schema then the models'."""
    result = runner.invoke(main, ["migrate"])
    assert result.exit_code == 0, result.output
    assert all(text in result.output for text in said), result.output
    database.bind(url)
    assert not diff_models(db.obj, ALL_MODELS), "the migrated schema differs from the models"


def insert(table: str, **values) -> int:
    """A row written with plain SQL, as the old version's schema has it; its id."""
    columns = ", ".join(f'"{c}"' for c in values)
    sql = f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join([db.param] * len(values))})'
    db.execute_sql(sql, tuple(values.values()))
    return db.execute_sql(f'SELECT MAX(id) FROM "{table}"').fetchone()[0]


def insert_maths_class(grade: int) -> tuple[int, int, int]:
    """A year with a teacher, mathematics and a class of the grade, as the schemas since
    version 1 hold them: (teacher, subject, class) ids."""
    year = insert("academic_year", **AT, name="2026/2027", start="2026-09-01",
                  end="2027-08-31", closed=False)
    teacher = insert("staff", **AT, last_name="Учителева", first_name="Анна",
                     middle_name="", search_name="учителева анна", login="t.aa",
                     roles="teacher", password_hash="", is_active=True, failed_logins=0,
                     session_token="", email="", phone="")
    subject = insert("subject", **AT, name="Математика", short_name="", sort_order=1)
    school_class = insert("school_class", **AT, year_id=year, grade=grade, letter="А",
                          period_scheme="quarter", room="")
    return teacher, subject, school_class


def test_a_version_4_database_gets_the_calendar_keeping_every_row(backend_url, runner, today):
    """0005 and 0006 (issue 12) on a database the fourth schema version made: its rows
    stay; the settings get a five-day week for every grade and a lock 5 working days
    after a period; old audit entries an empty reason; transfers and reopenings can be
    written; a lesson stored on a Sunday before rule 14 is kept, and `journal check`
    names it."""
    database.bind(backend_url)
    database.create_schema()
    database._runner().down("0005_login_throttle")  # back through 0005: version 4
    assert database.schema_status() == (4, LATEST_SCHEMA)
    assert {"day_transfer", "journal_reopening", "login_throttle"}.isdisjoint(db.get_tables())
    at = {"created_at": "2026-11-20 08:00:00", "updated_at": "2026-11-20 08:00:00"}
    with db.atomic():
        insert("school_settings", **at, name="МБОУ «Старая СОШ»", timezone="Europe/Moscow",
               diary_base_url="https://dnevnik.school.test/", threshold_3=2.5,
               threshold_4=3.5, threshold_5=4.5, uses_mark_one=False, sheet_qr=True)
        year = insert("academic_year", **at, name="2026/2027", start="2026-09-01",
                      end="2027-08-31", closed=False)
        period = insert("period", **at, year_id=year, scheme="quarter", number=2,
                        start="2026-11-05", end="2026-12-28")
        teacher = insert("staff", **at, last_name="Учителева", first_name="Анна",
                         middle_name="Петровна", search_name="учителева анна петровна",
                         login="teacher.aa", roles="teacher", password_hash="",
                         is_active=True, failed_logins=0, session_token="", email="",
                         phone="")
        subject = insert("subject", **at, name="Математика", short_name="", sort_order=1)
        school_class = insert("school_class", **at, year_id=year, grade=5, letter="А",
                              period_scheme="quarter", class_teacher_id=teacher, room="")
        lessons = [insert("lesson", **at, school_class_id=school_class, subject_id=subject,
                          date=day, number=1, topic=topic, homework="", teacher_id=teacher)
                   for day, topic in (("2026-11-23", "Дроби"), ("2026-11-22", "В воскресенье"))]
        insert("audit_entry", **at, at="2026-11-23 09:00:00", staff_id=teacher,
               address="127.0.0.1", action="create", table_name="lesson", row_id=lessons[0],
               after='{"topic": "Дроби"}')
    tables = ["school_settings", "academic_year", "period", "staff", "subject",
              "school_class", "lesson", "audit_entry"]
    before = {t: db.execute_sql(f'SELECT * FROM "{t}" ORDER BY id').fetchall() for t in tables}
    db.close()

    result = runner.invoke(main, ["migrate"])
    assert result.exit_code == 0, result.output
    assert "0005_login_throttle" in result.output and "0006_calendar" in result.output
    assert f"4 → {LATEST_SCHEMA}" in result.output

    database.bind(backend_url)
    assert not diff_models(db.obj, ALL_MODELS), "the migrated schema differs from the models"
    assert database.schema_status() == (LATEST_SCHEMA, LATEST_SCHEMA)
    for table, rows in before.items():  # every row, every old column as it was
        width = len(rows[0])
        after = db.execute_sql(f'SELECT * FROM "{table}" ORDER BY id').fetchall()
        assert [r[:width] for r in after] == rows, table
    settings = SchoolSettings.current()
    assert (settings.name, settings.sheet_qr, settings.uses_mark_one) == (
        "МБОУ «Старая СОШ»", True, False)
    assert (settings.six_day_grades, settings.lock_after_days) == ("", 5)
    assert [e.reason for e in AuditEntry.select()] == [""]
    assert {"day_transfer", "journal_reopening", "login_throttle"} <= set(db.get_tables())

    transfer = DayTransfer.create(year=year, date=dt.date(2026, 11, 7), working=True,
                                  reason="приказ № 45 от 20.10.2026")
    reopening = Reopening.create(period=period, school_class=school_class, subject=subject,
                                 reason="исправление ошибки по заявлению учителя",
                                 until=today + dt.timedelta(days=7),
                                 opened_by=teacher)
    calendar = SchoolCalendar.of(year)
    assert calendar.is_school_day(transfer.date, 5)  # a Saturday made a school day
    assert calendar.day_off(dt.date(2026, 11, 22), 5) == "воскресенье, выходной день"
    assert Reopening.get_by_id(reopening.id).reason.startswith("исправление ошибки")
    assert AuditEntry.select().where(AuditEntry.table_name == "day_transfer").count() == 1
    db.close()

    check = runner.invoke(main, ["check"])
    assert check.exit_code == 1, check.output
    assert "22.11.2026, 1 урок: Математика, Учителева А.П. — воскресенье, выходной день" \
        in check.output and "23.11.2026" not in check.output


def test_a_version_6_database_gets_works_within_lessons_keeping_every_mark(backend_url,
                                                                           runner):
    """0007 (issue 14.2): a mark whose own work type is its lesson's loses it (same weight,
    the lesson's column); one with another type gets that work within the lesson; marks
    without one stay in the lesson's column; no mark is lost or changes its value."""
    rolled_back(backend_url, "0007_lesson_works")
    assert database.schema_status() == (6, LATEST_SCHEMA) and "lesson_work" not in db.get_tables()
    at = AT
    with db.atomic():
        teacher, subject, school_class = insert_maths_class(grade=5)
        oral, test = (insert("work_type", **at, name=name, short_name="", weight=weight)
                      for name, weight in (("Устный ответ", 1.0), ("Контрольная работа", 2.0)))
        pupil = insert("student", **at, last_name="Иванов", first_name="Иван", middle_name="",
                       search_name="иванов иван", gender="", notes="")
        lesson = insert("lesson", **at, school_class_id=school_class, subject_id=subject,
                        date="2026-11-23", number=1, topic="Дроби", homework="",
                        teacher_id=teacher, work_type_id=oral)
        for value, own in (("5", None), ("4", oral), ("3", test), ("2", test)):
            insert("mark", **at, lesson_id=lesson, student_id=pupil, value=value,
                   work_type_id=own, comment="")
    db.close()

    result = runner.invoke(main, ["migrate"])
    assert result.exit_code == 0, result.output
    assert f"6 → {LATEST_SCHEMA}" in result.output
    database.bind(backend_url)
    assert not diff_models(db.obj, ALL_MODELS)
    assert [(m.value, m.work_type_id) for m in Mark.select().order_by(Mark.id)] == [
        ("5", None), ("4", None), ("3", test), ("2", test)]
    assert [(w.lesson_id, w.work_type_id) for w in LessonWork.select()] == [(lesson, test)]
    db.close()


def test_a_version_7_database_gets_the_paper_returns_table_keeping_its_rows(backend_url,
                                                                            runner):
    """0008 (issue 15.7): the table of returned weekly sheets, empty, beside the rows a
    version-7 database holds; a return can then be ticked and is audited."""
    rolled_back(backend_url, "0008_paper_returns")
    assert database.schema_status() == (7, LATEST_SCHEMA) and "sheet_return" not in db.get_tables()
    with db.atomic():
        school_class = insert("school_class", **AT, grade=5, letter="А", room="",
                              period_scheme="quarter",
                              year_id=insert("academic_year", **AT, name="2026/2027",
                                             start="2026-09-01", end="2027-08-31",
                                             closed=False))
        pupil = insert("student", **AT, last_name="Иванов", first_name="Иван", notes="",
                       middle_name="", search_name="иванов иван", gender="")
    db.close()

    migrated(runner, backend_url, "0008_paper_returns", f"7 → {LATEST_SCHEMA}")
    assert Student.get_by_id(pupil).last_name == "Иванов"
    SheetReturn.create(school_class=school_class, student=pupil, monday=dt.date(2026, 11, 16))
    assert AuditEntry.select().where(AuditEntry.table_name == "sheet_return").count() == 1
    db.close()


def test_a_version_8_database_gets_the_homework_due_date_keeping_its_lessons(backend_url,
                                                                              runner):
    """0009 (issue 15.1): a lesson may carry the day its homework is due; lessons already
    written keep their homework with no date (due at the next lesson, as before)."""
    rolled_back(backend_url, "0009_homework_due")
    assert database.schema_status() == (8, LATEST_SCHEMA)
    with db.atomic():
        teacher, subject, school_class = insert_maths_class(grade=5)
        lesson = insert("lesson", **AT, school_class_id=school_class, subject_id=subject,
                        date="2026-11-23", number=1, topic="Дроби", homework="№ 112",
                        teacher_id=teacher)
    db.close()

    migrated(runner, backend_url, "0009_homework_due", f"8 → {LATEST_SCHEMA}")
    kept = Lesson.get_by_id(lesson)
    assert (kept.homework, kept.homework_due) == ("№ 112", None)
    db.close()


def test_a_version_9_database_gets_the_exam_flag_keeping_its_assignments(backend_url, runner):
    """0010 (issue 16.1): whether the curriculum has an exam in a class's subject; the
    assignments a version-9 database holds keep everything and have no exam."""
    rolled_back(backend_url, "0010_assignment_exam")
    assert database.schema_status() == (9, LATEST_SCHEMA)
    with db.atomic():
        teacher, subject, school_class = insert_maths_class(grade=9)
        assignment = insert("teaching_assignment", **AT, school_class_id=school_class,
                            subject_id=subject, teacher_id=teacher, hours_per_week=5,
                            grading_scale="five")
    db.close()

    migrated(runner, backend_url, "0010_assignment_exam", f"9 → {LATEST_SCHEMA}")
    kept = TeachingAssignment.get_by_id(assignment)
    assert (kept.hours_per_week, kept.grading_scale, kept.has_exam) == (5, "five", False)
    kept.has_exam = True
    kept.save()
    assert TeachingAssignment.get_by_id(assignment).has_exam
    db.close()


def test_a_version_10_database_gets_the_reports_settings_keeping_its_rows(backend_url,
                                                                           runner):
    """0011 (issue 17): rule 13's deadlines and the marks minimum as settings with their
    defaults, written works and re-entered lessons flagged «no» for every row already
    there, and an empty table of logins."""
    rolled_back(backend_url, "0011_reports")
    assert database.schema_status() == (10, LATEST_SCHEMA)
    assert "login_record" not in db.get_tables()
    with db.atomic():
        teacher, subject, school_class = insert_maths_class(grade=5)
        dictation = insert("work_type", **AT, name="Диктант", short_name="Д", weight=2.0)
        lesson = insert("lesson", **AT, school_class_id=school_class, subject_id=subject,
                        date="2026-11-23", number=1, topic="Дроби", homework="",
                        teacher_id=teacher)
    db.close()

    migrated(runner, backend_url, "0011_reports", f"10 → {LATEST_SCHEMA}")
    settings = SchoolSettings.current()
    assert (settings.topic_deadline, settings.written_marks_days, settings.absence_reason_days,
            settings.paper_reentry_days, settings.min_marks) == ("20:00", 5, 2, 2, 3)
    assert WorkType.get_by_id(dictation).is_written is False
    assert Lesson.get_by_id(lesson).from_paper is False
    LoginRecord.create(staff=teacher, at=dt.datetime(2026, 11, 25, 5, 0), address="10.0.0.1")
    assert LoginRecord.select().count() == 1
    db.close()


def test_0012_adds_the_archive_registry(backend_url, runner):
    """0012 (issue 18): an empty registry of archived journals, rows kept around it."""
    from models.archive import ArchiveFile
    rolled_back(backend_url, "0012_archive")
    # Later migrations may follow this one: they are rolled back too and applied again.
    applied = LATEST_SCHEMA - sum(1 for p in database.MIGRATIONS_DIR.glob("[0-9]*_*.py")
                                  if p.name > "0012_archive.py")
    assert database.schema_status() == (applied - 1, LATEST_SCHEMA)
    assert "archive_file" not in db.get_tables()
    with db.atomic():
        teacher, _, school_class = insert_maths_class(grade=5)
    db.close()

    migrated(runner, backend_url, "0012_archive", f"11 → {LATEST_SCHEMA}")
    ArchiveFile.create(file_name="2026-2027_1-четверть_5А.pdf", school_class=school_class,
                       created_by=teacher, sha256="0" * 64, pages=3, size=1000,
                       fingerprint="1" * 64)
    assert [(a.file_name, a.period_id, a.version, a.audit_chain_head)
            for a in ArchiveFile.select()] == [("2026-2027_1-четверть_5А.pdf", None, 1, "")]
    db.close()


def test_a_version_12_database_gets_the_audit_chain_with_every_entry_chained(backend_url,
                                                                            runner):
    """0013 (issue 18.4): the audit log's hash chain; the entries already there are chained
    in id order, so the log verifies and an entry edited afterwards is found."""
    rolled_back(backend_url, "0013_audit_chain")
    assert database.schema_status() == (LATEST_SCHEMA - 1, LATEST_SCHEMA)
    assert "chain" not in {c.name for c in db.get_columns("audit_entry")}
    with db.atomic():
        teacher, subject, _ = insert_maths_class(grade=5)
        entries = [insert("audit_entry", **AT, at=f"2026-11-20 08:0{n}:00", staff_id=teacher,
                          address="10.0.0.5", action="update", table_name="subject",
                          row_id=subject, before=f'{{"name": "Алгебра {n}"}}',
                          after=f'{{"name": "Алгебра {n + 1}"}}', reason="")
                   for n in range(3)]
    db.close()

    migrated(runner, backend_url, "0013_audit_chain", f"{LATEST_SCHEMA - 1} → {LATEST_SCHEMA}")
    chains = [e.chain for e in AuditEntry.select().where(AuditEntry.id.in_(entries))]
    assert len(set(chains)) == 3 and all(len(c) == 64 for c in chains)
    assert audit_chain.verify() == [] and audit_chain.head() == chains[-1]
    db.execute_sql(f'UPDATE "audit_entry" SET "reason" = {db.param} WHERE "id" = {db.param}',
                   ("подделано", entries[1]))
    assert [f"№ {entries[1]}" in line for line in audit_chain.verify()] == [True]
    db.close()
