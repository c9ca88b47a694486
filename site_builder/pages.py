"""A pupil's diary pages as HTML bodies (the plaintext that site_builder.crypto encrypts).

Teacher-entered Markdown (topics, homework, news) is rendered and then sanitised with
nh3; everything else is escaped by Jinja's autoescape.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import markdown as md
import nh3
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from models import Period
from models.rules import ATTENDANCE_CODES, format_average
from models.timetable import WEEKDAYS

from .diary import Diary

TEMPLATES = Path(__file__).with_name("templates") / "diary"
WEEKDAY_NAMES = [w.capitalize() for w in WEEKDAYS] + ["Воскресенье"]
ALLOWED_TAGS = {"p", "br", "b", "strong", "i", "em", "u", "s", "ul", "ol", "li", "a", "code",
                "pre", "blockquote", "h3", "h4", "table", "thead", "tbody", "tr", "th", "td"}


@lru_cache(maxsize=4096)
def markdown(text: str) -> Markup:
    """Teacher-entered Markdown as safe HTML: no scripts, no styles, links only http(s)."""
    html = md.markdown(text or "", extensions=["tables", "sane_lists"])
    return Markup(nh3.clean(html, tags=ALLOWED_TAGS, url_schemes={"http", "https", "mailto"},
                            link_rel="noopener noreferrer nofollow"))


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(markdown=markdown, weekday_names=WEEKDAY_NAMES, codes=ATTENDANCE_CODES,
                       delta=dt.timedelta)
    return env


def templates_version() -> str:
    """Changes when any diary template changes: then every page must be rebuilt."""
    digest = hashlib.sha256()
    for path in sorted(TEMPLATES.glob("*.html")) + [Path(__file__)]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class DiaryPages:
    """Renders every page of one pupil's diary: {path inside /d/<token>/: body HTML}."""

    def __init__(self, env: Environment, first_day: dt.date, today: dt.date):
        self.env, self.first_day, self.today = env, first_day, today
        self._templates = {name: env.get_template(f"{name}.html")
                           for name in ("week", "marks", "timetable", "news")}

    def render(self, diary: Diary, periods: list[Period]) -> dict[str, str]:
        weeks = diary.weeks(self.first_day, self.today)
        by_day: dict[dt.date, list] = defaultdict(list)
        for entry in diary.entries:
            by_day[entry.lesson.date].append(entry)
        pages = {}
        for i, monday in enumerate(weeks):
            context = {"monday": monday, "weeks": weeks,
                       "previous": weeks[i - 1] if i else None,
                       "following": weeks[i + 1] if i + 1 < len(weeks) else None,
                       "days": [(monday + dt.timedelta(days=d),
                                 by_day.get(monday + dt.timedelta(days=d), []))
                                for d in range(6)]}
            pages[f"w/{monday.isoformat()}/index.html"] = self._page("week", diary, "../../",
                                                                     context)
            if i == len(weeks) - 1:
                pages["index.html"] = self._page("week", diary, "", context)
        pages["marks/index.html"] = self._page("marks", diary, "../",
                                               {"periods": self._periods(diary, periods)})
        days = defaultdict(list)
        for slot in diary.timetable:
            days[WEEKDAY_NAMES[slot.weekday - 1]].append(slot)
        pages["timetable/index.html"] = self._page("timetable", diary, "../",
                                                   {"days": list(days.items())})
        pages["news/index.html"] = self._page("news", diary, "../", {})
        return pages

    def _page(self, name: str, diary: Diary, root: str, context: dict) -> str:
        return self._templates[name].render(diary=diary, root=root, **context)

    def _periods(self, diary: Diary, periods: list[Period]) -> list:
        result = []
        for period in periods:
            if period.start > self.today:
                continue
            averages = diary.averages(period.start, period.end)
            marks = defaultdict(list)
            subject_ids = {}
            for entry in diary.entries:
                if period.start <= entry.lesson.date <= period.end:
                    name = entry.lesson.subject.name
                    subject_ids[name] = entry.lesson.subject_id
                    marks[name].extend(v for v, _ in entry.marks)
            rows = [{"subject": name, "marks": marks[name],
                     "average": format_average(averages.get(name)),
                     "period_mark": diary.period_marks.get(
                         (subject_ids[name], period.id, "period"), "")}
                    for name in sorted(marks)]
            result.append((period, rows))
        return result
