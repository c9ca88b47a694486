"""Benchmark: a file of 2,000 pupils with two guardians each imported into the demo school
against the 20-second target (issue 19.1) — the function the panel's «Загрузка данных»
and `journal import pupils` call, every row checked, matched and audited.

Run: .venv/bin/python bench/imports.py [--pupils N] [--demo-students N] [--format xlsx|ods|csv]
                                        [--database-url URL | --postgres] [--today YYYY-MM-DD]
Builds the demo school (`journal demo --students N`; not timed) in a throwaway SQLite file
(or the database given, or with --postgres a new database on a throwaway PostgreSQL cluster,
bench/postgres.py), writes an XLSX of new pupils (the demo's Faker names, spread over this
year's classes, a mother and a father with phones and e-mails each), then times the preview,
the import and a re-import of the same file (every row «без изменений»); prints the seconds,
the rows created, the audit entries written, and each step's ratio to the target with
OK/FAIL. Always exits 0; read the OK/FAIL lines.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import postgres  # noqa: E402
from demo import build_demo  # noqa: E402
from models import AcademicYear, AuditEntry, SchoolClass, Student, database  # noqa: E402
from models.imports import run  # noqa: E402
from models.imports.registry import KINDS  # noqa: E402
from tests.spreadsheets import write_table  # noqa: E402

TARGET_SECONDS = 20


def pupils_table(count: int, today: dt.date, seed: int = 7) -> list[list]:
    """`count` new pupils (name, birth date, gender, class) with two guardians each."""
    from demo.data import translit
    from demo.school import DemoSchool

    people = DemoSchool(0, seed, today, echo=lambda _line: None)
    year = AcademicYear.on(today)
    classes = list(SchoolClass.select().where(SchoolClass.year == year.id))
    header = [f.header for f in KINDS["pupils"].fields]
    table, keys = [header], set()
    while len(table) <= count:
        school_class = classes[len(table) % len(classes)]
        gender = people.rng.choice("МЖ")
        p = people.person(gender)
        born = (dt.date(year.start.year - 6 - school_class.grade, 1, 1)
                + dt.timedelta(people.rng.randrange(365)))
        key = (p["last_name"], p["first_name"], p["middle_name"], born)
        if key in keys:
            continue
        keys.add(key)
        row = [p["last_name"], p["first_name"], p["middle_name"], born,
               "м" if gender == "М" else "ж", school_class.name, ""]
        for relation, parent in (("мать", people.person("Ж")), ("отец", people.person("М"))):
            name = f"{parent['last_name']} {parent['first_name']} {parent['middle_name']}"
            email = f"{translit(parent['last_name'])}{len(table)}@mail.example"
            row += [name, relation, people.fake.phone_number(), email,
                    "да" if people.rng.random() < 0.08 else "нет"]
        table.append(row)
    return table


def timed(step, seconds: dict, name: str):
    started = time.perf_counter()
    result = step()
    seconds[name] = time.perf_counter() - started
    if not result.ok:
        print(f"  {name}: {len(result.problems)} problems, e.g. "
              + "; ".join(str(p) for p in result.problems[:5]))
    print(f"  {name}: {result.summary()}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pupils", type=int, default=2000)
    parser.add_argument("--demo-students", type=int, default=250)
    parser.add_argument("--format", default="xlsx", choices=("xlsx", "ods", "csv"))
    parser.add_argument("--database-url", help="default: a new SQLite file in a temp folder")
    parser.add_argument("--postgres", action="store_true", help="on a throwaway PostgreSQL")
    parser.add_argument("--today", default="2026-11-20")
    args = parser.parse_args()
    today = dt.date.fromisoformat(args.today)
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        url = args.database_url or (stack.enter_context(postgres.database()) if args.postgres
                                    else f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        database.bind(url)
        print(f"demo --students {args.demo_students} on {url.split(':', 1)[0]} (not timed) …")
        build_demo(args.demo_students, seed=1, today=today, force=True,
                   echo=lambda _line: None)
        fmt = {"csv": "csv;:cp1251"}.get(args.format, args.format)
        data = write_table(None, pupils_table(args.pupils, today), fmt)
        name = f"ученики.{args.format}"
        print(f"{args.pupils} pupils, {2 * args.pupils} guardians: {name}, "
              f"{len(data) // 1024} KiB")
        pupils_before, audit_before = Student.select().count(), AuditEntry.select().count()
        seconds: dict[str, float] = {}
        kind = KINDS["pupils"]
        timed(lambda: run(kind, None, data, name, today, commit=False), seconds, "preview")
        timed(lambda: run(kind, None, data, name, today, commit=True), seconds, "import")
        created = Student.select().count() - pupils_before
        audited = AuditEntry.select().count() - audit_before
        timed(lambda: run(kind, None, data, name, today, commit=True), seconds, "re-import")
        again = Student.select().count() - pupils_before - created
    print(f"pupils created: {created}, audit entries: {audited}, created by the re-import: "
          f"{again}")
    for step, value in seconds.items():
        verdict = "OK" if value <= TARGET_SECONDS else "FAIL"
        print(f"{step:<10} {value:6.2f} s  {value / TARGET_SECONDS:5.2f} of the "
              f"{TARGET_SECONDS} s target  {verdict}")
    print("duplicates " + ("OK" if again == 0 and created == args.pupils else "FAIL"))


if __name__ == "__main__":
    main()
