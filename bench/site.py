"""Benchmark: `journal build` on the demo school (default 1,000 pupils) against its targets.

Run: .venv/bin/python bench/site.py [--students N] [--today YYYY-MM-DD] [--naive-pupils N]
                                    [--workers N] [--repeat N] [--profile N]
Builds a throwaway SQLite demo school in a temp folder, issues every pupil a diary password
and then times, on the same data:
  - this build: site_builder.build.build(full=True) into a fresh output folder;
  - the floor: the same diary pages rendered by the same Jinja2 templates, encrypted and
    written with plain open().write, in as many processes as the build (--workers); the
    diaries are read from the database beforehand (not timed), so no database, no
    Pelican, no hard-links, no manifest;
  - the naive pipeline: the same week pages as Markdown files (one per pupil per week,
    written beforehand, not timed) rendered by stock Pelican with its default theme;
  - an incremental build (full=False) after one mark changed.
Prints seconds, pages per second and the ratios, with OK/FAIL per target:
  - the full build within 2× of the floor;
  - the full build at least 10× faster than the naive pipeline (time per page);
  - the incremental build after one mark under 2 s;
  - the first week page (the diary's index.html, all CSS and JS inlined) under 100 KB.
Always exits 0; read the OK/FAIL lines. --profile N adds a cProfile of one more full build
(into another fresh folder, not the timed one) and of an incremental build after it with
nothing changed, and prints their top N functions.
"""
from __future__ import annotations

import argparse
import base64
import cProfile
import datetime as dt
import io
import os
import pstats
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import models.diary as diary_model  # noqa: E402
from demo import build_demo  # noqa: E402
from models import Mark, Student, database, db  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
BENCH_ITERATIONS = 1000  # keys are stored: the build never runs PBKDF2 (see the output)
FLOOR_RATIO = 2.0
NAIVE_RATIO = 10.0
INCREMENTAL_SECONDS = 2.0
PAGE_KB = 100
# An attribute that loads something: a stylesheet, a script, an image, a frame…
_ASSET = re.compile(r"""\b(?:src|href)\s*=\s*["']?([^"'\s>]*)""", re.I)
_STYLESHEET = re.compile(r"<link\b[^>]*\brel=[\"']?stylesheet", re.I)


class QueryCounter:
    """Counts the SQL statements run on the bound database while it is installed."""

    def __init__(self) -> None:
        self.count = 0

    def __enter__(self) -> QueryCounter:
        self.database = db.obj
        self.original = self.database.execute_sql

        def counting(sql, params=None, *args, **kwargs):
            self.count += 1
            return self.original(sql, params, *args, **kwargs)

        self.database.execute_sql = counting
        return self

    def __exit__(self, *exc) -> None:
        self.database.execute_sql = self.original


def make_school(tmp: Path, students: int, today: dt.date) -> dict:
    """The demo school and a diary password for every pupil; returns timings and counts."""
    url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    database.bind(url)
    database.create_schema()
    started = time.perf_counter()
    counts = build_demo(students, seed=1, today=today, force=True, echo=lambda _line: None)
    demo_seconds = time.perf_counter() - started
    diary_model.ITERATIONS = BENCH_ITERATIONS
    started = time.perf_counter()
    diary_model.save(diary_model.plan(Student.select().order_by(Student.id)))
    return {"demo": demo_seconds, "credentials": time.perf_counter() - started,
            "counts": counts}


def preload(today: dt.date) -> tuple:
    """Every diary with its class's periods, read once (the floor's and naive's input)."""
    from models import AcademicYear
    from site_builder.diary import plan_classes

    year = AcademicYear.on(today, after_end=True)
    diaries = [diary for plan in plan_classes(today) for diary in plan.read()]
    periods: dict[int, list] = {}
    for diary in diaries:
        if diary.school_class.id not in periods:
            periods[diary.school_class.id] = list(diary.school_class.periods())
    return year, diaries, periods


def floor(folder: Path, year, diaries: list, periods: dict, today: dt.date,
          processes: int) -> dict:
    """Render, encrypt, wrap and write every diary page: the least any build must do, in as
    many processes as the build uses (each a share of the diaries, forked)."""
    from site_builder import crypto, forked, pages, shell

    pages.markdown.cache_clear()  # the timed build started with an empty cache too

    def write(share: list) -> int:
        renderer = pages.DiaryPages(pages.environment(), year.start, today)
        written = 0
        for diary in share:
            access = diary.access
            key, salt = base64.b64decode(access.key), base64.b64decode(access.salt)
            for relative, html in renderer.render(diary, periods[diary.school_class.id]).items():
                path = f"d/{access.token}/{relative}"
                payload = crypto.encrypt_page(key, salt, access.iterations, path, html)
                data = shell.render_shell(payload, access.token).encode("utf-8")
                target = folder / path
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "wb") as file:
                    file.write(data)
                written += 1
        return written

    # Whole classes per share, as the build splits them (the per-class markup cache).
    classes: dict[int, list] = {}
    for diary in diaries:
        classes.setdefault(diary.school_class.id, []).append(diary)
    with QueryCounter() as queries:
        started = time.perf_counter()
        if processes > 1:
            written = sum(forked.run(write, list(classes.values()), processes, weight=len))
        else:
            written = sum(map(write, classes.values()))
        seconds = time.perf_counter() - started
    return {"pages": written, "seconds": seconds, "queries": queries.count}


def _one_line(text: str) -> str:
    return " ".join((text or "").split())


def week_markdown(diary, monday: dt.date, by_day: dict) -> str:
    """One pupil's week as a Pelican article: what the encrypted week page says, in Markdown."""
    from site_builder.pages import WEEKDAY_NAMES

    token = diary.access.token
    saturday = monday + dt.timedelta(days=5)
    lines = [f"Title: Неделя {monday:%d.%m}–{saturday:%d.%m.%Y}",
             f"Date: {monday.isoformat()}", f"Slug: {token}-{monday.isoformat()}", "", ""]
    for d in range(6):
        day = monday + dt.timedelta(days=d)
        lines += [f"## {WEEKDAY_NAMES[day.weekday()]}, {day:%d.%m}", ""]
        entries = by_day.get(day, [])
        if not entries:
            lines += ["Уроков не записано.", ""]
            continue
        lines += ["| № | Предмет | Отметки | Посещаемость | Тема | Домашнее задание |",
                  "|---|---|---|---|---|---|"]
        for e in entries:
            marks = " ".join(f"{value} ({work})" if work else value for value, work in e.marks)
            lines.append(f"| {e.lesson.number} | {e.lesson.subject_name} | {marks} | "
                         f"{e.attendance or ''} | {_one_line(e.lesson.topic)} | "
                         f"{_one_line(e.lesson.homework)} |")
        lines.append("")
        for e in entries:
            for comment in e.comments:
                lines += [f"- Комментарий учителя ({e.lesson.subject_name}): "
                          f"{_one_line(comment)}"]
        lines.append("")
    return "\n".join(lines)


def write_markdown(folder: Path, year, diaries: list, today: dt.date) -> int:
    """The week pages of these diaries as .md files, all in one folder; returns how many."""
    from site_builder.pages import school_weeks

    folder.mkdir(parents=True)
    count = 0
    for diary in diaries:
        by_day: dict[dt.date, list] = {}
        for entry in diary.entries:
            by_day.setdefault(entry.lesson.date, []).append(entry)
        for monday in school_weeks(year.start, today):
            name = f"{diary.access.token}-{monday.isoformat()}.md"
            (folder / name).write_text(week_markdown(diary, monday, by_day), "utf-8")
            count += 1
    return count


def naive(md_dir: Path, out: Path) -> float:
    """Stock Pelican, default theme, on the Markdown week pages; feeds off as in our build."""
    from pelican import Pelican, signals
    from pelican.log import console
    from pelican.settings import read_settings

    settings = read_settings(override={
        "PATH": str(md_dir), "OUTPUT_PATH": str(out), "TIMEZONE": "Europe/Moscow",
        "SITEURL": "", "DEFAULT_LANG": "ru", "LOAD_CONTENT_CACHE": False,
        "CACHE_CONTENT": False,
        "FEED_ALL_ATOM": None, "CATEGORY_FEED_ATOM": None, "TRANSLATION_FEED_ATOM": None,
        "AUTHOR_FEED_ATOM": None, "AUTHOR_FEED_RSS": None,
    })
    from site_builder import plugin

    # Our build's plugin stays connected to Pelican's signal; stock Pelican must not see it
    # (the next build connects it again).
    signals.get_generators.disconnect(plugin.get_generators)
    quiet, console.quiet = console.quiet, True
    try:
        started = time.perf_counter()
        Pelican(settings).run()
        return time.perf_counter() - started
    finally:
        console.quiet = quiet


def page_check(site: Path, token: str) -> dict:
    """The size of a diary's first page and whatever it would load besides itself."""
    first = site / "d" / token / "index.html"
    html = first.read_text("utf-8")
    assets = [url for url in _ASSET.findall(html)
              if url and not url.startswith(("data:", "#"))]
    if _STYLESHEET.search(html):
        assets.append("<link rel=stylesheet>")
    return {"path": first, "bytes": first.stat().st_size, "assets": assets}


def body_assets(html: str) -> list[str]:
    """What a decrypted page body would load (links to other diary pages are not loads)."""
    loads = re.findall(r"""\bsrc\s*=\s*["']?([^"'\s>]*)""", html, re.I)
    loads += [u for u in _ASSET.findall(html) if u.lower().endswith((".css", ".js"))]
    if _STYLESHEET.search(html):
        loads.append("<link rel=stylesheet>")
    return [u for u in loads if not u.startswith("data:")]


def profile(output: Path, today: dt.date, top: int) -> str:
    """cProfile of a full build into a fresh folder, then of an incremental one with
    nothing changed (after the timed runs, so that they are not slowed)."""
    from site_builder.build import build

    text = io.StringIO()
    for label, full in (("full build, fresh folder", True),
                        ("incremental build, nothing changed", False)):
        profiler = cProfile.Profile()
        profiler.enable()
        report = build(output, CONTENT, today, full=full)
        profiler.disable()
        text.write(f"--- {label}: {report.line()}\n")
        stats = pstats.Stats(profiler, stream=text).strip_dirs()
        stats.sort_stats("cumulative").print_stats(top)
        if full:
            stats.sort_stats("tottime").print_stats(top)
    return text.getvalue()


def target(label: str, detail: str, ok: bool) -> str:
    return f"  {label:<46} {detail}: {'OK' if ok else 'FAIL'}"


def row(name: str, pupils: int, count: int, seconds: float, base_ms: float) -> str:
    ms = seconds * 1000 / count
    return (f"  {name:<28}{pupils:>7}{count:>8}{seconds:>9.1f}{count / seconds:>9.0f}"
            f"{ms:>9.2f}{ms / base_ms:>9.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--today", default="2026-11-20")
    parser.add_argument("--naive-pupils", type=int, default=100,
                        help="pupils whose weeks stock Pelican renders (0: all); its pages "
                             "per second are then applied to every page (default 100)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="processes for the build and the floor (default: CPU cores)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="full builds and floors to time, in turn; the best of each "
                             "counts (default 1)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also profile a full and an incremental build (untimed) and print "
                             "their top N functions")
    args = parser.parse_args()
    today = dt.date.fromisoformat(args.today)
    workers = args.workers

    from site_builder import pages
    from site_builder.build import build

    version = pages.templates_version()
    saved_env = {k: os.environ.get(k) for k in ("JOURNAL_INSTANCE", "JOURNAL_OUTPUT")}
    with tempfile.TemporaryDirectory(prefix="bench-site-") as name:
        tmp = Path(name)
        os.environ["JOURNAL_INSTANCE"] = str(tmp / "instance")
        os.environ["JOURNAL_OUTPUT"] = str(tmp / "output")
        try:
            school = make_school(tmp, args.students, today)
            year, diaries, periods = preload(today)

            # Build and floor in turn, each into a fresh folder; the best of each counts.
            # The last build is the one kept: the incremental build starts from it.
            builds, floors = [], []
            for i in range(args.repeat):
                last = i == args.repeat - 1
                out = tmp / ("output" if last else f"output-{i}")
                pages.markdown.cache_clear()
                builds.append(build(out, CONTENT, today, full=True, workers=workers))
                floors.append(floor(tmp / f"floor-{i}", year, diaries, periods, today,
                                    workers))
                shutil.rmtree(tmp / f"floor-{i}")
                if not last:
                    shutil.rmtree(out)
            report = min(builds, key=lambda r: r.seconds)
            build_pages = report.written + report.unchanged
            fl = min(floors, key=lambda f: f["seconds"])

            sample = diaries if args.naive_pupils <= 0 else diaries[:args.naive_pupils]
            naive_pages = write_markdown(tmp / "naive-md", year, sample, today)
            all_weeks = len(diaries) * len(pages.school_weeks(year.start, today))
            naive_seconds = naive(tmp / "naive-md", tmp / "naive-out")

            site = tmp / "output" / "site"
            # os.walk does not follow the diaries' symlinks: the public files and robots.txt
            public_pages = sum(len(names) for _folder, _dirs, names in os.walk(site))
            first_token = diaries[0].access.token
            first_page = page_check(site, first_token)
            sizes = [(site / "d" / d.access.token / "index.html").stat().st_size
                     for d in diaries]
            renderer = pages.DiaryPages(pages.environment(), year.start, today)
            first_body = renderer.render(diaries[0], periods[diaries[0].school_class.id])
            loads = body_assets(first_body["index.html"])

            mark = Mark.select().order_by(Mark.id).first()
            mark.value = "4" if mark.value != "4" else "5"
            mark.save()
            incremental = build(tmp / "output", CONTENT, today, full=False)

            profile_text = profile(tmp / "profiled", today, args.profile) if args.profile else ""
        finally:
            if not db.is_closed():
                db.close()
            for key, value in saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    build_ms = report.seconds * 1000 / build_pages
    naive_pps = naive_pages / naive_seconds
    counts = school["counts"]
    print(f"journal build on the demo school: --students {args.students}, today {today}, "
          f"SQLite, {os.cpu_count()} CPUs")
    print(f"  demo built in {school['demo']:.1f} s: {counts['student']} pupils, "
          f"{counts['lesson']} lessons, {counts['mark']} marks; {report.pupils} diaries "
          f"({school['credentials']:.1f} s to issue their passwords)")
    print(f"  PBKDF2 at {BENCH_ITERATIONS} iterations for the bench: the build never runs it "
          "(each pupil's key is stored), so the count does not change any time below")
    print()
    print(f"  {'pipeline':<28}{'pupils':>7}{'pages':>8}{'seconds':>9}{'pages/s':>9}"
          f"{'ms/page':>9}{'×build':>9}")
    print(row("this build (full)", report.pupils, build_pages, report.seconds, build_ms))
    print(row("floor: Jinja2+AES+write", len(diaries), fl["pages"], fl["seconds"], build_ms))
    print(row("naive: stock Pelican", len(sample), naive_pages, naive_seconds, build_ms))
    print(f"  {'incremental (1 mark)':<28}{incremental.rendered:>7}{incremental.written:>8}"
          f"{incremental.seconds:>9.2f}")
    print()
    print("  ×build: time per page relative to this build")
    if args.repeat > 1:
        build_times = ", ".join(f"{r.seconds:.1f}" for r in builds)
        floor_times = ", ".join(f"{f['seconds']:.1f}" for f in floors)
        print(f"  best of {args.repeat}: build {build_times} s; floor {floor_times} s")
    print(f"  this build: Pelican with the school's {len(list(CONTENT.rglob('*.md')))} content "
          f"pages plus every diary page (in pages), encrypted, names checked, fresh output")
    print(f"  build and floor in {workers} processes each; naive (stock Pelican) in one, as "
          "Pelican runs")
    print(f"  floor: the same {fl['pages']} pages from diaries read beforehand (not timed); "
          f"{fl['queries']} SQL statements while timed; open().write, no hard-links")
    if fl["pages"] != build_pages - public_pages:
        print(f"  WARNING: the floor wrote {fl['pages']} pages, the build "
              f"{build_pages - public_pages} diary pages")
    scope = ("all pupils" if len(sample) == len(diaries) else
             f"a sample of {len(sample)} of {len(diaries)} pupils; its pages/s EXTRAPOLATED "
             f"to the rest")
    print(f"  naive: week pages only, one .md per pupil per week ({naive_pages} files, "
          f"{scope});")
    print("         default theme (notmyidea) with its index, archives, category, tag and "
          "author pages; feeds off (as in our build); no encryption, no name check")
    print(f"         at {naive_pps:.0f} pages/s: all {all_weeks} week pages would take "
          f"{all_weeks / naive_pps:.0f} s, all {build_pages} pages {build_pages / naive_pps:.0f} s")
    print(f"  incremental: {incremental.written} pages written, {incremental.unchanged} "
          f"unchanged; {incremental.rendered} of {incremental.pupils} diaries "
          f"re-rendered")
    print(f"  first page d/{first_token[:8]}…/index.html {first_page['bytes'] / 1024:.1f} KB, "
          f"CSS and JS inlined; largest index.html of all diaries {max(sizes) / 1024:.1f} KB;")
    print(f"         loads from the shell: {', '.join(first_page['assets']) or 'none'}; "
          f"from the decrypted body: {', '.join(loads) or 'none'}")
    if pages.templates_version() != version:
        print("  WARNING: site_builder's diary templates changed during the run: the "
              "incremental build re-rendered for that, not only for the mark")
    print()
    floor_ratio = report.seconds / fl["seconds"]
    naive_ratio = (1000 / naive_pps) / build_ms
    largest = max(sizes)
    print("targets")
    print(target(f"full build within {FLOOR_RATIO:g}× of the floor",
                 f"{report.seconds:.1f} s / {fl['seconds']:.1f} s = {floor_ratio:.2f}×",
                 floor_ratio <= FLOOR_RATIO))
    print(target(f"full build ≥ {NAIVE_RATIO:g}× faster than naive (per page)",
                 f"{1000 / naive_pps:.2f} / {build_ms:.2f} ms = {naive_ratio:.1f}×",
                 naive_ratio >= NAIVE_RATIO))
    print(target(f"incremental build after one mark < {INCREMENTAL_SECONDS:g} s",
                 f"{incremental.seconds:.2f} s",
                 incremental.seconds < INCREMENTAL_SECONDS and incremental.rendered >= 1))
    print(target(f"first week page with its assets < {PAGE_KB} KB",
                 f"{first_page['bytes'] / 1024:.1f} KB (largest {largest / 1024:.1f} KB)",
                 largest < PAGE_KB * 1024 and not first_page["assets"] and not loads))
    if profile_text:
        print()
        print("cProfile (after the timed runs; profiling slows them):")
        print(profile_text)


if __name__ == "__main__":
    main()
