"""Benchmark: weekly sheets (`journal print week`) for a 30-pupil class and a 500-pupil school.

Run: .venv/bin/python bench/print.py [--class-school N] [--school N] [--today YYYY-MM-DD]
                                     [--out DIR]
Builds two demo schools in throwaway SQLite files (N pupils each: one class per grade for
the class batch, parallel classes for the school batch), prints the week of --today for
the class nearest 30 pupils with the most lessons, and for the whole school, with the
same function the CLI and the panel call, each in a fresh Python process as the CLI runs
it. Prints seconds, pages, seconds per page and the ratio to the targets (under 5 s and
under 90 s), with OK/FAIL; the CPU seconds it took and those other processes took
meanwhile (a busy machine makes the seconds noisy); checks one page per pupil and counts
the sheets that flowed onto a second page (pdftotext); renders the class batch's first
page to PNG with pdftoppm (Debian poppler-utils) and prints its path. Always exits 0;
read the OK/FAIL lines.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from demo import build_demo  # noqa: E402
from models import Lesson, News, SchoolClass, database  # noqa: E402
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


def cpu_ticks() -> tuple[int, int] | None:
    """The machine's (busy, total) CPU ticks so far (Linux /proc/stat), or None."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, sum(fields)


def cpu_seconds() -> float:
    """CPU seconds of this process and of its finished children (the worker processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@dataclass
class Timing:
    """Wall seconds, our CPU seconds, and the CPU the rest of the machine took meanwhile."""

    seconds: float
    cpu: float
    others: float | None  # CPU seconds of other processes (other benchmarks make noise)


def timed(school_class: SchoolClass | None, monday: dt.date) -> tuple[printing.Printout, Timing]:
    ticks, cpu, started = cpu_ticks(), cpu_seconds(), time.perf_counter()
    result = printing.week_printout(school_class, monday)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    after = cpu_ticks()
    others = None
    if ticks and after:
        busy = (after[0] - ticks[0]) / os.sysconf("SC_CLK_TCK")
        others = max(0.0, busy - cpu)
    return result, Timing(seconds, cpu, others)


def measure(url: str, class_id: str, monday: str, pdf: str) -> None:
    """`--measure`: one batch timed in this fresh process, as `journal print week` runs it
    (WeasyPrint not yet imported, a parent process without a demo school in memory to fork);
    writes the PDF and prints the counts and times as JSON."""
    database.bind(url)
    school_class = None if class_id == "all" else SchoolClass.get_by_id(int(class_id))
    result, timing = timed(school_class, dt.date.fromisoformat(monday))
    Path(pdf).write_bytes(result.data)
    print(json.dumps({"sheets": result.sheets, "pages": result.pages, **asdict(timing)}))


def timed_apart(url: str, school_class: SchoolClass | None, monday: dt.date,
                pdf: Path) -> tuple[printing.Printout, Timing]:
    """The batch timed in a fresh Python process (see measure)."""
    run = subprocess.run([sys.executable, __file__, "--measure", url,
                          str(school_class.id) if school_class else "all", monday.isoformat(),
                          str(pdf)], check=True, capture_output=True, text=True)
    found = json.loads(run.stdout.strip().splitlines()[-1])
    result = printing.Printout(pdf.read_bytes(), found.pop("sheets"), found.pop("pages"))
    return result, Timing(**found)


def long_sheets(pdf: Path) -> list[str] | None:
    """The sheets that take more than one page, by their footer's pupil, class and week:
    pages in a row with the same footer; None without pdftotext (Debian poppler-utils)."""
    if shutil.which("pdftotext") is None:
        return None
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    footers = [next((ln.strip() for ln in reversed(page.splitlines()) if ln.strip()), "")
               for page in text.split("\f") if page.strip()]
    return [f.split(" · сформирована")[0] for i, f in enumerate(footers)
            if i and f == footers[i - 1] and (i < 2 or footers[i - 2] != f)]


def report(name: str, result: printing.Printout, timing: Timing, target: float,
           pdf: Path) -> None:
    seconds = timing.seconds
    print(f"  sheets {result.sheets:>5}   pages {result.pages:>5}   seconds {seconds:7.1f}   "
          f"per page {seconds / max(1, result.pages):.3f} s   "
          f"{result.sheets / seconds:5.1f} sheets/s")
    others = "" if timing.others is None else (
        f"; other processes meanwhile {timing.others:.1f} CPU s "
        f"({timing.others / seconds / (os.cpu_count() or 1):.0%} of the machine)")
    print(f"  CPU {timing.cpu:.1f} s ({timing.cpu / max(1, result.sheets):.3f} s a sheet, "
          f"{timing.cpu / seconds:.1f} cores busy){others}")
    print(f"target {name:<7} {target:5.0f} s  (ratio {seconds / target:.2f}): "
          f"{'OK' if seconds < target else 'FAIL'}")
    longer = long_sheets(pdf)
    over = "" if longer is None else f", {len(longer)} sheets on more than one page"
    print(f"one page a pupil         ({result.pages} pages, {result.sheets} sheets{over}): "
          f"{'OK' if result.pages == result.sheets else 'FAIL'}")
    for footer in longer or ():
        print(f"  on more than one page: {footer}")


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
    pdf = out / f"class-{school_class.grade}.pdf"
    result, timing = timed_apart(url, school_class, monday, pdf)
    report("class", result, timing, TARGETS["class"], pdf)
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
    result, timing = timed_apart(url, None, monday, out / "school.pdf")
    report("school", result, timing, TARGETS["school"], out / "school.pdf")
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
    parser.add_argument("--measure", nargs=4, metavar=("URL", "CLASS_ID", "MONDAY", "PDF"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(*args.measure)
        return
    today = dt.date.fromisoformat(args.today)
    out = args.out or Path(tempfile.mkdtemp(prefix="journal-print-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        bench_class(f"sqlite:///{Path(tmp) / 'class.sqlite3'}", args.class_school, today, out)
        bench_school(f"sqlite:///{Path(tmp) / 'school.sqlite3'}", args.school, today, out)


if __name__ == "__main__":
    main()
