"""Benchmark: the year transfer of a 2,000-pupil demo school against its 30-second target
(issue 16): create the next year, carry the classes with their groups, load, timetable and
КТП, promote every class (graduating the last grade) — the functions the panel's page and
`journal year` call, every row audited.

Run: .venv/bin/python bench/year_transfer.py [--students N] [--database-url URL | --postgres]
                                              [--today YYYY-MM-DD]
Builds the demo school (`journal demo --students N`; not timed) in a throwaway SQLite file
(or the database given, or with --postgres a new database on a throwaway PostgreSQL cluster,
bench/postgres.py), then times each step; prints the seconds per step, the rows and
audit entries written, checks that every pupil was moved exactly once, and the ratio to
the target with OK/FAIL. Always exits 0; read the OK/FAIL lines.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import postgres  # noqa: E402
from demo import build_demo  # noqa: E402
from models import AuditEntry, Movement, SchoolClass, database, year_transfer  # noqa: E402
from models.auditing import acting_as  # noqa: E402

TARGET_SECONDS = 30


def transfer() -> tuple[dict[str, float], Counter, int]:
    """The three timed steps on the bound demo database: seconds per step, movements by
    kind, pupils not moved afterwards."""
    old, _ = year_transfer.transfer_years(None)
    seconds = {}
    started = time.perf_counter()
    new = year_transfer.create_next_year(old)
    seconds["create year"] = time.perf_counter() - started
    started = time.perf_counter()
    carried = year_transfer.carry(old, new)
    seconds["carry"] = time.perf_counter() - started
    print("  carried: " + ", ".join(f"{k} {v}" for k, v in carried.counts.items()))
    order = year_transfer.Order("12-у", old.end.replace(month=6, day=20))
    kinds: Counter = Counter()
    started = time.perf_counter()
    for school_class in SchoolClass.select().where(SchoolClass.year == old.id).order_by(
            SchoolClass.grade, SchoolClass.letter):
        kinds.update(year_transfer.promote_class(school_class, new, order))
    seconds["promote all"] = time.perf_counter() - started
    left = sum(len(pupils) for _, pupils in year_transfer.not_moved(old, new))
    return seconds, kinds, left


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--database-url", help="default: a new SQLite file in a temp folder")
    parser.add_argument("--postgres", action="store_true", help="on a throwaway PostgreSQL")
    parser.add_argument("--today", default="2026-11-20")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        url = args.database_url or (stack.enter_context(postgres.database()) if args.postgres
                                    else f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        database.bind(url)
        print(f"demo --students {args.students} on {url.split(':', 1)[0]} (not timed) …")
        build_demo(args.students, seed=1, today=dt.date.fromisoformat(args.today), force=True,
                   echo=lambda _line: None)
        audit_before, moves_before = AuditEntry.select().count(), Movement.select().count()
        with acting_as(None, "bench"):
            seconds, kinds, left = transfer()
        audited = AuditEntry.select().count() - audit_before
        moved = Movement.select().count() - moves_before
        pupils = sum(kinds.values())
    total = sum(seconds.values())
    for step, value in seconds.items():
        print(f"  {step:<12} {value:7.2f} s")
    print(f"  movements    {moved:>7}  ({', '.join(f'{k} {n}' for k, n in kinds.items())})")
    print(f"  audit rows   {audited:>7}  (every created row: {total and audited / total:,.0f}/s)")
    print(f"every pupil moved once   ({pupils} movements, {left} left): "
          f"{'OK' if moved == pupils and left == 0 else 'FAIL'}")
    ratio = total / TARGET_SECONDS
    print(f"total {total:6.1f} s   target {TARGET_SECONDS} s   (ratio {ratio:.2f}): "
          f"{'OK' if total < TARGET_SECONDS else 'FAIL'}")


if __name__ == "__main__":
    main()
