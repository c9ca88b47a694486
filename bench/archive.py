"""Benchmark: the class journal as a document (issue 18.1, rule 11) on the 2,000-pupil demo
school — one class's period, and every class of the school — against the archive's targets.

Run: .venv/bin/python bench/archive.py [--students N] [--classes N] [--today YYYY-MM-DD]
                                       [--database-url URL] [--out DIR]
Builds the demo school (`journal demo --students N`; not timed) in a throwaway SQLite file
(or uses the database given), takes the last period that ended before --today (the one an
archive is made of; the current one if none has ended), and times `class_journal_pdf` —
the function `journal archive` calls — for the class nearest 30 pupils with the most
lessons in it (target under 10 s), then for every class of the school one after another
(target under 10 minutes). With --classes N only N classes spread over the grades are
timed and the school's time is extrapolated from them by their lesson counts (the lines
say «extrapolated»). Prints seconds, pages and MB with the ratio to each target and
OK/FAIL, with the CPU seconds and the load average (the machine is shared: a busy one makes
the seconds long, the CPU seconds less so); the class's journal also in 2 processes;
checks the page count against pypdf's; renders page 2 of the class's journal to
PNG (pdftoppm) and prints its path. If `journal archive` exists, times it too. Always exits
0; read the OK/FAIL lines.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from demo import build_demo  # noqa: E402
from models import Lesson, Period, SchoolClass, database  # noqa: E402
from site_builder.printing.class_journal import class_journal_pdf  # noqa: E402

TARGETS = {"class": 10.0, "school": 600.0}
CLASS_SIZE = 30


def archived_period(school_class: SchoolClass, today: dt.date) -> Period | None:
    """The class's last period ended before today, else its first."""
    periods = list(school_class.periods())
    ended = [p for p in periods if p.end < today]
    return ended[-1] if ended else (periods[0] if periods else None)


def lesson_counts(periods: dict[int, Period | None]) -> Counter:
    """class id -> its lessons in its archived period."""
    counts: Counter = Counter()
    for class_id, period in periods.items():
        if period is not None:
            counts[class_id] = (Lesson.select().where(
                (Lesson.school_class == class_id)
                & Lesson.date.between(period.start, period.end)).count())
    return counts


def pdf_pages(data: bytes) -> int:
    from pypdf import PdfReader
    return len(PdfReader(io.BytesIO(data)).pages)


def verdict(name: str, seconds: float, target: float, note: str = "") -> None:
    print(f"target {name:<7} {target:5.0f} s  {seconds:8.1f} s  (ratio {seconds / target:.2f})"
          f"{note}: {'OK' if seconds < target else 'FAIL'}")


def cpu_seconds() -> float:
    """CPU seconds of this process and of its finished children (worker processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(school_class: SchoolClass, period: Period | None,
          workers: int = 1) -> tuple[bytes, int, float, float]:
    """The journal, its pages, wall seconds and CPU seconds."""
    cpu, started = cpu_seconds(), time.perf_counter()
    data, pages = class_journal_pdf(school_class, period, workers=workers)
    return data, pages, time.perf_counter() - started, cpu_seconds() - cpu


def load() -> str:
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"


def bench_class(school_class: SchoolClass, period: Period | None, lessons: int,
                out: Path) -> None:
    pupils = len(school_class.student_ids_on(period.end if period else school_class.year.end))
    print(f"class journal {school_class.name}, {period}: {pupils} pupils, {lessons} lessons")
    class_journal_pdf(school_class, period)  # WeasyPrint imported, fonts loaded: not timed
    data, pages, seconds, cpu = timed(school_class, period)
    pdf = out / f"{school_class.name}.pdf"
    pdf.write_bytes(data)
    print(f"  pages {pages:>5}   MB {len(data) / 1e6:6.2f}   seconds {seconds:6.1f}   "
          f"per page {seconds / max(1, pages):.3f} s   CPU {cpu:.1f} s   ({load()})")
    verdict("class", seconds, TARGETS["class"])
    _, _, apart, cpu = timed(school_class, period, workers=2)
    print(f"  in 2 processes (parts joined, pages stamped): seconds {apart:6.1f}   "
          f"CPU {cpu:.1f} s   ({load()})")
    verdict("class2", apart, TARGETS["class"])
    print(f"page count as pypdf reads it ({pdf_pages(data)}): "
          f"{'OK' if pdf_pages(data) == pages else 'FAIL'}")
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "70", "-png", "-f", "2", "-l", "2", "-singlefile",
                        str(pdf), str(out / "class-journal-page2")], check=True)
        print(f"page 2 as PNG: {out / 'class-journal-page2.png'}")


def sample(classes: list[SchoolClass], n: int) -> list[SchoolClass]:
    """n classes spread evenly over the list (which is by grade)."""
    if n >= len(classes):
        return classes
    step = len(classes) / n
    return [classes[int(i * step)] for i in range(n)]


def bench_school(classes: list[SchoolClass], periods: dict[int, Period | None],
                 lessons: Counter, count: int | None) -> None:
    chosen = sample(classes, count) if count else classes
    extrapolated = len(chosen) < len(classes)
    print(f"class journal of {'a sample of ' if extrapolated else 'every '}"
          f"{len(chosen)} of {len(classes)} classes, one after another")
    seconds = pages = size = cpu = 0.0
    for school_class in chosen:
        data, n, took, used = timed(school_class, periods[school_class.id])
        seconds, pages, size, cpu = seconds + took, pages + n, size + len(data), cpu + used
        print(f"  {school_class.name:<5} lessons {lessons[school_class.id]:>4}   pages {n:>4}   "
              f"MB {len(data) / 1e6:5.2f}   seconds {took:5.1f}   CPU {used:5.1f}")
    print(f"  timed: {len(chosen)} classes, {pages:.0f} pages, {size / 1e6:.1f} MB, "
          f"{seconds:.1f} s, CPU {cpu:.1f} s ({load()})")
    if extrapolated:
        done = sum(lessons[c.id] for c in chosen) or 1
        factor = sum(lessons.values()) / done
        print(f"  extrapolated by lessons (×{factor:.2f}) to the {len(classes)} classes: "
              f"{pages * factor:.0f} pages, {size * factor / 1e6:.0f} MB, "
              f"{seconds * factor:.0f} s, CPU {cpu * factor:.0f} s")
        verdict("school", seconds * factor, TARGETS["school"], " EXTRAPOLATED")
    else:
        verdict("school", seconds, TARGETS["school"])


def bench_cli(url: str, periods: dict[int, Period | None], out: Path) -> None:
    """`journal archive --period …` timed, if the command exists."""
    journal = shutil.which("journal", path=str(Path(sys.executable).parent))
    if journal is None:
        print("journal archive: the `journal` command is not installed: not timed")
        return
    instance = tempfile.mkdtemp(prefix="instance-", dir=out)  # a new archive each run
    env = dict(os.environ, DATABASE_URL=url, JOURNAL_INSTANCE=instance)
    help_run = subprocess.run([journal, "archive", "--help"], capture_output=True, text=True,
                              env=env)
    if help_run.returncode != 0:
        print("journal archive: no such command yet: not timed")
        return
    numbers = Counter((p.scheme, p.number) for p in periods.values() if p is not None)
    (scheme, number), _ = numbers.most_common(1)[0]
    label = next(p for p in periods.values()
                 if p is not None and (p.scheme, p.number) == (scheme, number))
    print(f"journal archive --period «{label}» (the classes of that period; a throwaway "
          f"archive folder)")
    started = time.perf_counter()
    run = subprocess.run([journal, "archive", "--period", str(label)], capture_output=True,
                         text=True, env=env)
    seconds = time.perf_counter() - started
    print("  " + (run.stdout.strip().splitlines() or ["(no output)"])[-1])
    if run.returncode != 0:
        print(f"  exit {run.returncode}: {run.stderr.strip()[-300:]}")
    verdict("archive", seconds, TARGETS["school"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=2000, help="pupils of the demo")
    parser.add_argument("--classes", type=int, help="time only N classes and extrapolate")
    parser.add_argument("--today", default="2026-11-20", help="the school's today")
    parser.add_argument("--database-url", help="default: a new SQLite file in a temp folder")
    parser.add_argument("--out", type=Path, help="folder for the PDFs and the PNG "
                        "(default: a temp folder, kept)")
    args = parser.parse_args()
    os.environ["JOURNAL_TODAY"] = args.today
    today = dt.date.fromisoformat(args.today)
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-archive-"))
    out.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        url = args.database_url or (
            f"sqlite:///{stack.enter_context(tempfile.TemporaryDirectory())}/bench.sqlite3")
        database.bind(url)
        if not args.database_url:
            print(f"demo --students {args.students} (not timed) …", flush=True)
            build_demo(args.students, seed=1, today=today, force=True, echo=lambda _l: None)
        classes = list(SchoolClass.select().order_by(SchoolClass.grade, SchoolClass.letter))
        periods = {c.id: archived_period(c, today) for c in classes}
        lessons = lesson_counts(periods)
        sizes = {c.id: len(c.student_ids_on(today)) for c in classes}
        one = min(classes, key=lambda c: (abs(sizes[c.id] - CLASS_SIZE), -lessons[c.id]))
        bench_class(one, periods[one.id], lessons[one.id], out)
        bench_school(classes, periods, lessons, args.classes)
        bench_cli(url, periods, out)
        print(f"PDFs in {out}")


if __name__ == "__main__":
    main()
