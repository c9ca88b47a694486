"""`journal demo` as a command: the same seed gives the same school; data is never replaced
unasked; the date rule holds."""
from __future__ import annotations

import datetime as dt

from journal_cli import main
from models import ALL_MODELS, Mark, Student, db
from tests.demo_school import TODAY, run_demo

# The database is what these tests look at: the site is left unbuilt (test_demo builds it).
NO_BUILD = "--no-build"


def table_dump() -> dict[str, list]:
    skip = {"password_hash", "session_token", "created_at", "updated_at"}
    dump = {}
    for model in ALL_MODELS:
        fields = [f for f in model._meta.sorted_fields if f.name not in skip]
        dump[model.__name__] = list(model.select(*fields).order_by(model.id).tuples())
    return dump


def test_the_same_seed_gives_the_same_school(tmp_path, runner, monkeypatch):
    dumps = []
    for name, seed in (("a", "5"), ("b", "5"), ("c", "6")):
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / name}.sqlite3")
        run_demo(runner, "--seed", seed, NO_BUILD)
        dumps.append(table_dump())
        db.close()
    assert dumps[0] == dumps[1]
    assert dumps[0]["Student"] != dumps[2]["Student"]


def test_demo_does_not_replace_data_without_force(backend_url, runner):
    run_demo(runner, NO_BUILD)
    marks = Mark.select().count()
    refused = runner.invoke(main, ["demo", "--no-serve", "--students", "20", "--today", TODAY,
                                   NO_BUILD])
    assert refused.exit_code == 1 and "--force" in refused.output
    assert Mark.select().count() == marks
    run_demo(runner, "--force", "--seed", "2", NO_BUILD)
    assert Student.select().count() == 40


def test_demo_refuses_a_future_today(backend_url, runner, today):
    future = (today + dt.timedelta(days=1)).isoformat()
    result = runner.invoke(main, ["demo", "--no-serve", "--today", future])
    assert result.exit_code == 1 and "в будущем" in result.output


def test_a_failing_demo_leaves_the_old_data(backend_url, runner, monkeypatch):
    run_demo(runner, NO_BUILD)
    students = [s.last_name for s in Student.select().order_by(Student.id)]

    def broken_flush(self):
        Student.insert(last_name="Недописанный", first_name="Ученик").execute()
        raise RuntimeError("disk full")

    monkeypatch.setattr("demo.school.Rows.flush", broken_flush)
    result = runner.invoke(main, ["demo", "--no-serve", "--students", "20", "--today", TODAY,
                                  "--force", NO_BUILD])
    assert result.exit_code != 0
    assert [s.last_name for s in Student.select().order_by(Student.id)] == students
