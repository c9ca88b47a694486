"""Benchmark: weekly sheets (`journal print week`) for a 30-pupil class and a 500-pupil school.

Run: .venv/bin/python bench/print.py [--class-school N] [--school N] [--today YYYY-MM-DD]
                                     [--out DIR]
Builds two demo schools in throwaway SQLite files (N pupils each: one class per grade for
the class batch, parallel classes for the school batch), prints the week of --today for
the class nearest 30 pupils with the most lessons, and for the whole school, with the
same function the CLI and the panel call. Prints seconds, pages, seconds per page and the
ratio to the targets (under 5 s and under 90 s), with OK/FAIL; checks one page per pupil;
renders the busiest pupil's page to PNG with pdftoppm (Debian poppler-utils) and prints
its path. Always exits 0; read the OK/FAIL lines.
"""
from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models import Lesson, News, SchoolClass, database  # noqa: E402
from models.demo import build_demo  # noqa: E402
from site_builder import printing  # noqa: E402

TARGETS = {"class": 5.0, "school": 90.0}
CLASS_SIZE = 30


def pick_class(monday: dt.date) -> tuple[SchoolClass, int, int]:
    """The class nearest 30 pupils that week, the busiest of those: (class, pupils, lessons)."""
    sunday = monday + dt.timedelta(days=6)
    lessons = Counter(class_id for (class_id,) in Lesson.select(Lesson.school_class)
                      .where(Lesson.date.between(monday, sunday)).tuples())
    sizes = {c.id: len(c.student_ids_on(sunday)) for c in SchoolClass.select()}
    best = min(sizes, key=lambda cid: (abs(sizes[cid] - CLASS_SIZE), -lessons[cid]))
    return SchoolClass.get_by_id(best), sizes[best], lessons[best]


def timed(school_class: SchoolClass | None, monday: dt.date) -> tuple[printing.Printout, float]:
    started = time.perf_counter()
    result = printing.week_printout(school_class, monday)
    return result, time.perf_counter() - started


def report(name: str, result: printing.Printout, seconds: float, target: float) -> None:
    print(f"  sheets {result.sheets:>5}   pages {result.pages:>5}   seconds {seconds:7.1f}   "
          f"per page {seconds / max(1, result.pages):.3f} s   "
          f"{result.sheets / seconds:5.1f} sheets/s")
    print(f"target {name:<7} {target:5.0f} s  (ratio {seconds / target:.2f}): "
          f"{'OK' if seconds < target else 'FAIL'}")
    print(f"one page a pupil         ({result.pages} pages, {result.sheets} sheets): "
          f"{'OK' if result.pages == result.sheets else 'FAIL'}")


def news_line(monday: dt.date) -> str:
    """How many news items the week has, by audience: long news lists make sheets longer."""
    start = dt.datetime.combine(monday, dt.time())
    week = News.select().where(News.published_at.between(start, start + dt.timedelta(days=7)))
    school = week.where(News.school_class.is_null()).count()
    return f"  news that week: {week.count()} ({school} for the whole school)"


def to_png(pdf: Path, png_stem: Path) -> Path | None:
    """The PDF's first page as a PNG at 110 dpi, or None without pdftoppm."""
    if shutil.which("pdftoppm") is None:
        print("pdftoppm not found: apt-get install poppler-utils")
        return None
    subprocess.run(["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(png_stem)], check=True)
    return png_stem.with_suffix(".png")


def bench_class(url: str, students: int, today: dt.date, out: Path) -> None:
    database.bind(url)
    build_demo(students, seed=1, today=today, force=True, echo=lambda _line: None)
    monday = printing.monday_of(today)
    school_class, pupils, lessons = pick_class(monday)
    print(f"print week --class {school_class.name}: {pupils} pupils, {lessons} lessons that "
          f"week, week of {monday:%d.%m.%Y}, {printing.worker_count(pupils)} process(es)")
    print(news_line(monday))
    result, seconds = timed(school_class, monday)
    report("class", result, seconds, TARGETS["class"])
    pdf = out / f"class-{school_class.grade}.pdf"
    pdf.write_bytes(result.data)
    png = to_png(pdf, out / "sheet")
    if png:
        print(f"page 1 of {pdf} as PNG: {png}")


def bench_school(url: str, students: int, today: dt.date, out: Path) -> None:
    database.bind(url)
    build_demo(students, seed=2, today=today, force=True, echo=lambda _line: None)
    monday = printing.monday_of(today)
    classes = SchoolClass.select().count()
    print(f"print week --class all: {students} pupils in {classes} classes, week of "
          f"{monday:%d.%m.%Y}, {printing.worker_count(students)} process(es)")
    print(news_line(monday))
    result, seconds = timed(None, monday)
    report("school", result, seconds, TARGETS["school"])
    (out / "school.pdf").write_bytes(result.data)
    print(f"  file {out / 'school.pdf'}: {len(result.data) / 1024 / 1024:.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--class-school", type=int, default=330,
                        help="pupils of the demo for the class batch (one class a grade)")
    parser.add_argument("--school", type=int, default=500, help="pupils of the school batch")
    parser.add_argument("--today", default="2026-11-20")
    parser.add_argument("--out", type=Path, help="folder for the PDFs and the PNG "
                        "(default: a new folder in the system's temp folder, kept)")
    args = parser.parse_args()
    today = dt.date.fromisoformat(args.today)
    out = args.out or Path(tempfile.mkdtemp(prefix="journal-print-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        bench_class(f"sqlite:///{Path(tmp) / 'class.sqlite3'}", args.class_school, today, out)
        bench_school(f"sqlite:///{Path(tmp) / 'school.sqlite3'}", args.school, today, out)


if __name__ == "__main__":
    main()
