"""Benchmark: time `journal demo --students N` (default 2,000) against its 2-minute target.

Run: .venv/bin/python bench/demo.py [--students N] [--database-url URL]
Prints seconds, rows written per second and the ratio to the target.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from demo import build_demo  # noqa: E402
from models import database  # noqa: E402

TARGET_SECONDS = 120


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--database-url", help="default: a new SQLite file in a temp folder")
    parser.add_argument("--today", default="2026-11-20")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        database.bind(url)
        started = time.perf_counter()
        counts = build_demo(args.students, seed=1, today=dt.date.fromisoformat(args.today),
                            force=True, echo=lambda _line: None)
        seconds = time.perf_counter() - started
    rows = sum(counts.values())
    print(f"demo --students {args.students} on {url.split(':', 1)[0]}")
    for table in ("student", "staff", "school_class", "lesson", "mark", "attendance",
                  "period_mark"):
        print(f"  {table:<14} {counts[table]:>9}")
    print(f"seconds            {seconds:9.1f}")
    print(f"rows               {rows:9d}  ({rows / seconds:,.0f} rows/s)")
    print(f"target             {TARGET_SECONDS:9d}  (ratio {seconds / TARGET_SECONDS:.2f}; "
          f"{'met' if seconds < TARGET_SECONDS else 'MISSED'})")


if __name__ == "__main__":
    main()
