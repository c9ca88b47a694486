"""Benchmark: GET /journal/grid for a class of 30 pupils and 80 lessons, against its targets.

Run: .venv/bin/python bench/grid.py [--pupils N] [--lessons N] [--works N] [--runs N]
         [--postgres [--postgres-url URL]]
--works N: N of the lessons (spread over them) carry a second graded work, a test with its
own column and marks (issue 14.2: `--lessons 80 --works 40` is 120 columns); the small
page gets works in the same proportion.
Builds throwaway databases (a small one, 10 pupils × 20 lessons, and the measured one):
SQLite files, or with --postgres new databases on the server of --postgres-url (default:
JOURNAL_TEST_POSTGRES_URL, else a throwaway cluster started here), dropped afterwards. Logs
a teacher in with the Flask test client and times the grid page server-side. Prints the
median time and SQL queries per request, with OK/FAIL per target:
  - the median time under 100 ms;
  - the number of queries the same for the small and the large page (no N+1).
On PostgreSQL each size is timed through the panel's connection pool and with a new
connection per request (as before issue 11.7), the two taking turns request by request, to
show what the pool saves. SQLite opens a connection per request (cheap: no server).
Always exits 0; read the OK/FAIL lines.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from peewee import PostgresqlDatabase  # noqa: E402
from playhouse import db_url  # noqa: E402

from bench import postgres  # noqa: E402
from models import (  # noqa: E402
    AcademicYear,
    Attendance,
    Lesson,
    LessonWork,
    Mark,
    Movement,
    Period,
    SchoolClass,
    SchoolSettings,
    Staff,
    Student,
    Subject,
    TeachingAssignment,
    WorkType,
    database,
    db,
)

TARGET_MS = 100
SMALL = (10, 20)
PASSWORD = "bench-password-1"
LAST_NAMES = ["Иванов", "Петрова", "Сидоров", "Кузнецова", "Смирнов", "Попова", "Волков",
              "Соколова", "Лебедев", "Козлова", "Новиков", "Морозова", "Орлов", "Егорова"]


def school_days(today: dt.date, count: int) -> list[dt.date]:
    """`count` dates going back from today, Sundays skipped, oldest first."""
    days, day = [], today
    while len(days) < count:
        if day.weekday() != 6:
            days.append(day)
        day -= dt.timedelta(days=1)
    return days[::-1]


def build(url: str, pupils: int, lessons: int, today: dt.date, seed: int = 1,
          works: int = 0) -> dict:
    """One class, one subject, `lessons` lessons with ~2 marks per pupil per 3 lessons and
    some absences, `works` of them with a second work (a test: a mark for ~2 pupils in 3);
    the period covers every lesson date. Returns the grid's query string."""
    rng = random.Random(seed)
    database.bind(url)
    database.create_schema()
    SchoolSettings.current()
    days = school_days(today, lessons)
    with db.atomic():
        year = AcademicYear.create(name="Бенчмарк", start=days[0],
                                   end=today + dt.timedelta(days=200))
        Period.create(year=year, scheme="quarter", number=1, start=days[0],
                      end=today + dt.timedelta(days=30))
        teacher = Staff.create(login="teacher.bench", last_name="Учителева", first_name="Анна",
                               middle_name="Петровна", roles="teacher")
        teacher.set_password(PASSWORD)
        teacher.save()
        school_class = SchoolClass.create(year=year, grade=5, letter="А",
                                          class_teacher=teacher)
        subject = Subject.create(name="Математика")
        TeachingAssignment.create(school_class=school_class, subject=subject, teacher=teacher)
        oral = WorkType.create(name="Устный ответ", weight=1)
        test = WorkType.create(name="Контрольная работа", weight=2)

        Student.insert_many(
            [{"last_name": f"{LAST_NAMES[i % len(LAST_NAMES)]}{i // len(LAST_NAMES) or ''}",
              "first_name": "Тест", "middle_name": ""} for i in range(pupils)]).execute()
        student_ids = [s.id for s in Student.select(Student.id).order_by(Student.id)]
        Movement.insert_many(
            [{"student": sid, "kind": "enrolled", "date": days[0],
              "school_class": school_class.id} for sid in student_ids]).execute()
        Lesson.insert_many(
            [{"school_class": school_class.id, "subject": subject.id, "date": day,
              "number": 1, "topic": f"Тема {i + 1}", "teacher": teacher.id,
              "work_type": (test if i % 10 == 9 else oral).id}
             for i, day in enumerate(days)]).execute()
        lesson_ids = [x.id for x in Lesson.select(Lesson.id).order_by(Lesson.id)]

        marks, absences = [], []
        for lesson_id in lesson_ids:
            for sid in student_ids:
                roll = rng.random()
                if roll < 0.04:
                    absences.append({"lesson": lesson_id, "student": sid,
                                     "code": rng.choice("НБУ")})
                elif roll < 0.04 + 2 / 3:
                    marks.append({"lesson": lesson_id, "student": sid,
                                  "value": rng.choice("2345555444433")})
        tested = lesson_ids[::max(1, len(lesson_ids) // works)][:works] if works else []
        LessonWork.insert_many([{"lesson": x, "work_type": test.id} for x in tested]).execute()
        for lesson_id in tested:
            marks += [{"lesson": lesson_id, "student": sid, "value": rng.choice("2345544"),
                       "work_type": test.id} for sid in student_ids if rng.random() < 2 / 3]
        for chunk in range(0, len(marks), 500):
            Mark.insert_many(marks[chunk:chunk + 500]).execute()
        for chunk in range(0, len(absences), 500):
            Attendance.insert_many(absences[chunk:chunk + 500]).execute()
    db.close()
    return {"query": f"class_id={school_class.id}&subject_id={subject.id}&subgroup_id=",
            "marks": len(marks), "absences": len(absences), "columns": lessons + len(tested)}


def measure(url: str, query: str, runs: int, pupils: int, columns: int,
            modes: list[str]) -> dict[str, dict]:
    """Median server-side time and SQL statements per GET of the grid page, per mode: ""
    (the binding as the panel makes it), "pool", or "per request" (PostgreSQL without the
    pool: a connection opened and closed by every request, as before issue 11.7). The modes
    take turns request by request, so a busy machine slows them alike."""
    from admin import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    bindings = {mode: db.obj for mode in modes}
    if "per request" in modes:
        bindings["per request"] = PostgresqlDatabase(**db_url.parse(url))
    client = app.test_client()
    response = client.post("/login/", data={"login": "teacher.bench", "password": PASSWORD})
    if response.status_code != 302:
        raise SystemExit(f"bench: the teacher could not log in ({response.status_code})")

    counter = {"n": 0}
    originals = {mode: binding.execute_sql for mode, binding in bindings.items()}

    def counting(original):
        def execute_sql(sql, params=None, *args, **kwargs):
            counter["n"] += 1
            return original(sql, params, *args, **kwargs)
        return execute_sql

    for mode, binding in bindings.items():
        binding.execute_sql = counting(originals[mode])
    url_path = f"/journal/grid?{query}"
    times: dict[str, list[float]] = {mode: [] for mode in modes}
    queries: dict[str, set[int]] = {mode: set() for mode in modes}
    try:
        for run in range(runs + 1):
            for mode in modes:
                db.initialize(bindings[mode])
                counter["n"] = 0
                started = time.perf_counter()
                response = client.get(url_path)
                html = response.get_data(as_text=True)
                if run == 0:  # warm-up: templates compile, caches fill
                    check_page(response.status_code, html, url_path, pupils * columns)
                    continue
                times[mode].append((time.perf_counter() - started) * 1000)
                queries[mode].add(counter["n"])
    finally:
        for mode, binding in bindings.items():
            binding.execute_sql = originals[mode]
        db.initialize(bindings[modes[0]])
        if not db.is_closed():
            db.close()
    return {mode: {"median": statistics.median(times[mode]), "min": min(times[mode]),
                   "max": max(times[mode]), "queries": sorted(queries[mode]),
                   "bytes": len(html)} for mode in modes}


def check_page(status: int, html: str, url_path: str, cells: int) -> None:
    found = html.count('class="cell"')
    if status != 200:
        raise SystemExit(f"bench: GET {url_path} answered {status}")
    if found != cells:
        raise SystemExit(f"bench: expected {cells} cells, the page has {found}")


@contextlib.contextmanager
def databases(args, tmp: str, sizes: list[tuple[int, int]]):
    """One new database URL per size: SQLite files, or PostgreSQL databases on one server."""
    with contextlib.ExitStack() as stack:
        if not args.postgres:
            yield [f"sqlite:///{Path(tmp) / f'grid_{p}x{n}.sqlite3'}" for p, n in sizes]
            return
        server = args.postgres_url or os.environ.get("JOURNAL_TEST_POSTGRES_URL")
        server = server or stack.enter_context(postgres.cluster())
        yield [stack.enter_context(postgres.database(server)) for _ in sizes]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pupils", type=int, default=30)
    parser.add_argument("--lessons", type=int, default=80)
    parser.add_argument("--works", type=int, default=0,
                        help="lessons with a second graded work (a column of its own)")
    parser.add_argument("--runs", type=int, default=20, help="timed requests per size")
    parser.add_argument("--postgres", action="store_true", help="measure on PostgreSQL")
    parser.add_argument("--postgres-url", help="the PostgreSQL server to create databases on")
    args = parser.parse_args()
    today = dt.date.today()
    sizes = [SMALL, (args.pupils, args.lessons)]
    modes = ["pool", "per request"] if args.postgres else [""]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        # Keep the panel's generated secret key and instance files out of the repository.
        os.environ["JOURNAL_INSTANCE"] = str(Path(tmp) / "instance")
        os.environ.setdefault("JOURNAL_SECRET_KEY", "bench")
        with databases(args, tmp, sizes) as urls:
            for (pupils, lessons), url in zip(sizes, urls):
                works = round(args.works * lessons / args.lessons)
                built = build(url, pupils, lessons, today, works=works)
                measured = measure(url, built["query"], args.runs, pupils, built["columns"],
                                   modes)
                for mode in modes:
                    results[pupils, lessons, mode] = {**built, **measured[mode]}

    engine = "postgresql" if args.postgres else "sqlite"
    print(f"GET /journal/grid on {engine}, {args.runs} timed requests each (after one warm-up)")
    print(f"  {'pupils×lessons':<15}{'columns':>8} {'connection':<13}{'marks':>7}{'absent':>8}"
          f"{'median ms':>11}{'min ms':>8}{'max ms':>8}{'queries':>9}{'KiB':>7}")
    for (pupils, lessons, mode), r in results.items():
        queries = ",".join(str(q) for q in r["queries"])
        print(f"  {f'{pupils}×{lessons}':<15}{r['columns']:>8} {mode or 'per request':<13}"
              f"{r['marks']:>7}"
              f"{r['absences']:>8}{r['median']:>11.1f}{r['min']:>8.1f}{r['max']:>8.1f}"
              f"{queries:>9}{r['bytes'] / 1024:>7.0f}")
    large = results[(*sizes[-1], modes[0])]
    small = results[(*sizes[0], modes[0])]
    if args.postgres:
        for size in sizes:
            saved = (results[(*size, "per request")]["median"]
                     - results[(*size, "pool")]["median"])
            print(f"the pool saves     {saved:.1f} ms a request at {size[0]}×{size[1]} "
                  f"(median, per request − pool)")
    fast = large["median"] < TARGET_MS
    constant = len(small["queries"]) == 1 and small["queries"] == large["queries"]
    print(f"target time        {TARGET_MS} ms  (median {large['median']:.1f} ms, ratio "
          f"{large['median'] / TARGET_MS:.2f}): {'OK' if fast else 'FAIL'}")
    print(f"target queries     constant  ({small['queries']} at {SMALL[0]}×{SMALL[1]}, "
          f"{large['queries']} at {sizes[-1][0]}×{sizes[-1][1]}): "
          f"{'OK' if constant else 'FAIL'}")


if __name__ == "__main__":
    main()
