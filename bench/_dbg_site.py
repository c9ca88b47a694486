"""Benchmark: `journal build` on the demo school (default 1,000 pupils) against its targets.

Run: .venv/bin/python bench/site.py [--students N] [--today YYYY-MM-DD] [--naive-pupils N]
                                    [--profile N]
Builds a throwaway SQLite demo school in a temp folder, issues every pupil a diary password
and then times, on the same data:
  - this build: site_builder.build.build(full=True) into a fresh output folder;
  - the floor: the same diary pages rendered by the same Jinja2 templates, encrypted and
    written with plain open().write — the diaries are read from the database beforehand
    (not timed), so no database, no Pelican, no hard-links, no manifest;
  - the naive pipeline: the same week pages as Markdown files (one per pupil per week,
    written beforehand, not timed) rendered by stock Pelican with its default theme;
  - an incremental build (full=False) after one mark changed.
Prints seconds, pages per second and the ratios, with OK/FAIL per target:
  - the full build within 2× of the floor;
  - the full build at least 10× faster than the naive pipeline (in pages per second);
  - the incremental build after one mark under 2 s;
  - the first week page (the diary's index.html, all CSS and JS inlined) under 100 KB.
Always exits 0; read the OK/FAIL lines. --profile N adds a cProfile of one more full build
(into another fresh folder, not the timed one) and prints its top N functions.
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
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import models.diary as diary_model  # noqa: E402
from models import Mark, Student, database, db  # noqa: E402
from models.demo import build_demo  # noqa: E402

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
    from site_builder.diary import current_year, load

    year = current_year(today)
    diaries = list(load(today))
    periods: dict[int, list] = {}
    for diary in diaries:
        if diary.school_class.id not in periods:
            periods[diary.school_class.id] = list(diary.school_class.periods())
    return year, diaries, periods


def floor(folder: Path, year, diaries: list, periods: dict, today: dt.date) -> dict:
    """Render, encrypt, wrap and write every diary page: the least any build must do."""
    from site_builder import crypto, pages, shell

    pages.markdown.cache_clear()  # the timed build started with an empty cache too
    written = 0
    with QueryCounter() as queries:
        started = time.perf_counter()
        renderer = pages.DiaryPages(pages.environment(), year.start, today)
        for diary in diaries:
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
            lines.append(f"| {e.lesson.number} | {e.lesson.subject.name} | {marks} | "
                         f"{e.attendance or ''} | {_one_line(e.lesson.topic)} | "
                         f"{_one_line(e.lesson.homework)} |")
        lines.append("")
        for e in entries:
            for comment in e.comments:
                lines += [f"- Комментарий учителя ({e.lesson.subject.name}): "
                          f"{_one_line(comment)}"]
        lines.append("")
    return "\n".join(lines)


def write_markdown(folder: Path, year, diaries: list, today: dt.date) -> int:
    """The week pages of these diaries as .md files, all in one folder; returns how many."""
    folder.mkdir(parents=True)
    count = 0
    for diary in diaries:
        by_day: dict[dt.date, list] = {}
        for entry in diary.entries:
            by_day.setdefault(entry.lesson.date, []).append(entry)
        for monday in diary.weeks(year.start, today):
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
    from site_builder.build import build

    profiler = cProfile.Profile()
    profiler.enable()
    build(output, CONTENT, today, full=True)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return text.getvalue()


def ratio_line(label: str, detail: str, ok: bool) -> str:
    return f"  {label:<44} {detail}: {'OK' if ok else 'FAIL'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--today", default="2026-11-20")
    parser.add_argument("--naive-pupils", type=int, default=100,
                        help="pupils whose weeks stock Pelican renders (0: all); its pages "
                             "per second are then applied to every page (default 100)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also profile one more full build and print its top N functions")
    args = parser.parse_args()
    today = dt.date.fromisoformat(args.today)

    from site_builder import pages
    from site_builder.build import build

    saved_env = {k: os.environ.get(k) for k in ("JOURNAL_INSTANCE", "JOURNAL_OUTPUT")}
    name = tempfile.mkdtemp(prefix="dbg-site-"); print(name)
    if True:
        tmp = Path(name)
        os.environ["JOURNAL_INSTANCE"] = str(tmp / "instance")
        os.environ["JOURNAL_OUTPUT"] = str(tmp / "output")
        try:
            school = make_school(tmp, args.students, today)

            pages.markdown.cache_clear()
            report = build(tmp / "output", CONTENT, today, full=True)
            build_pages = report.written + report.unchanged

            year, diaries, periods = preload(today)
            floor_result = floor(tmp / "floor", year, diaries, periods, today)

            sample = diaries if args.naive_pupils <= 0 else diaries[:args.naive_pupils]
            naive_pages = write_markdown(tmp / "naive-md", year, sample, today)
            all_weeks = sum(len(d.weeks(year.start, today)) for d in diaries)
            naive_seconds = naive(tmp / "naive-md", tmp / "naive-out")

            first_token = diaries[0].access.token
            site = tmp / "output" / "site"
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

    build_pps = build_pages / report.seconds
    floor_pps = floor_result["pages"] / floor_result["seconds"]
    naive_pps = naive_pages / naive_seconds
    naive_extrapolated = build_pages / naive_pps
    counts = school["counts"]
    print(f"journal build on the demo school: --students {args.students}, today {today}, "
          f"sqlite, {os.cpu_count()} CPUs")
    print(f"  demo built in {school['demo']:.1f} s ({counts['student']} pupils, "
          f"{counts['lesson']} lessons, {counts['mark']} marks); {report.pupils} diaries; "
          f"passwords issued in {school['credentials']:.1f} s at {BENCH_ITERATIONS} PBKDF2 "
          f"iterations")
    print("  (the build never runs PBKDF2 — each pupil's key is stored — so the iteration "
          "count does not change build times)")
    print()
    print(f"  {'pipeline':<26}{'pupils':>7}{'pages':>8}{'seconds':>9}{'pages/s':>9}"
          f"{'vs build':>10}")
    print(f"  {'this build (full)':<26}{report.pupils:>7}{build_pages:>8}"
          f"{report.seconds:>9.1f}{build_pps:>9.0f}{1:>10.2f}")
    print(f"  {'floor (Jinja2+AES+write)':<26}{len(diaries):>7}{floor_result['pages']:>8}"
          f"{floor_result['seconds']:>9.1f}{floor_pps:>9.0f}"
          f"{report.seconds / floor_result['seconds']:>9.2f}×")
    print(f"  {'naive (stock Pelican)':<26}{len(sample):>7}{naive_pages:>8}"
          f"{naive_seconds:>9.1f}{naive_pps:>9.0f}{build_pps / naive_pps:>9.1f}×")
    print(f"  {'incremental (1 mark)':<26}{incremental.rendered:>7}{incremental.written:>8}"
          f"{incremental.seconds:>9.2f}{'':>9}{'':>10}")
    print()
    print(f"  floor: {floor_result['queries']} SQL statements while timed; diaries read "
          f"beforehand; pages written with open().write")
    scope = ("every pupil" if len(sample) == len(diaries) else
             f"a sample of {len(sample)} of {len(diaries)} pupils, EXTRAPOLATED at its "
             f"pages/s")
    print(f"  naive: week pages only ({naive_pages} .md files, {scope}); default theme "
          f"(notmyidea) with its index, archives, category, tag and author pages; feeds off "
          f"(as in our build); no encryption")
    print(f"         at {naive_pps:.0f} pages/s, all {build_pages} pages would take "
          f"{naive_extrapolated:.0f} s (the {all_weeks} week pages alone "
          f"{all_weeks / naive_pps:.0f} s)")
    print(f"  vs build: build seconds / floor seconds; build pages/s / naive pages/s")
    print(f"  incremental: {incremental.written} pages written, {incremental.unchanged} "
          f"unchanged (hard-linked), {incremental.rendered} of {incremental.pupils} diaries "
          f"re-rendered, {incremental.seconds:.2f} s")
    print(f"  first page d/{first_token[:8]}…/index.html: {first_page['bytes'] / 1024:.1f} KB; "
          f"largest index.html of all diaries {max(sizes) / 1024:.1f} KB; outside loads: "
          f"{first_page['assets'] or 'none'}; decrypted body loads: {loads or 'none'}")
    print()
    floor_ratio = report.seconds / floor_result["seconds"]
    naive_ratio = build_pps / naive_pps
    page_ok = max(sizes) < PAGE_KB * 1024 and not first_page["assets"] and not loads
    print("targets")
    print(ratio_line(f"full build within {FLOOR_RATIO:g}× of the floor",
                     f"{report.seconds:.1f} s / {floor_result['seconds']:.1f} s = "
                     f"{floor_ratio:.2f}×", floor_ratio <= FLOOR_RATIO))
    print(ratio_line(f"at least {NAIVE_RATIO:g}× faster than naive Pelican",
                     f"{build_pps:.0f} / {naive_pps:.0f} pages/s = {naive_ratio:.1f}×",
                     naive_ratio >= NAIVE_RATIO))
    print(ratio_line(f"incremental build after one mark < {INCREMENTAL_SECONDS:g} s",
                     f"{incremental.seconds:.2f} s", incremental.seconds < INCREMENTAL_SECONDS
                     and incremental.rendered >= 1))
    print(ratio_line(f"first week page with its assets < {PAGE_KB} KB",
                     f"{first_page['bytes'] / 1024:.1f} KB (max {max(sizes) / 1024:.1f} KB)",
                     page_ok))
    if profile_text:
        print()
        print("cProfile of one more full build (into a fresh folder; not the timed run):")
        print(profile_text)


if __name__ == "__main__":
    main()
