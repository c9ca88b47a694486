"""The panel in a real Chromium: what the browser tests share (their server and page
fixtures are in conftest.py: `journal`, `site`, `new_page`)."""
from __future__ import annotations

from models import Attendance, Mark
from tests.panel import PASSWORD

VIEWPORT = {"width": 1366, "height": 768}
TIMEOUT_MS = 10_000

ALL_SAVED = """() => {
  const cells = [...document.querySelectorAll('#grid input.cell')];
  return cells.length > 0 && cells.every(i => !i.classList.contains('saving')
                                              && i.value === i.dataset.saved);
}"""


def log_in(page, login: str, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state()


def cell(page, lesson, pupil):
    return page.locator(f'#grid [data-lesson="{lesson.id}"][data-student="{pupil.id}"]')


def stored(lesson, pupil) -> str:
    """The cell as the database has it: attendance code, then marks in order."""
    code = [a.code for a in Attendance.select().where(
        (Attendance.lesson == lesson.id) & (Attendance.student == pupil.id))]
    marks = [m.value for m in Mark.select().where(
        (Mark.lesson == lesson.id) & (Mark.student == pupil.id)).order_by(Mark.id)]
    return " ".join(code + marks)


def page_errors(page) -> list[str]:
    """The page's console errors (a CSP violation is one) and its own failed requests, as
    they come; the browser's favicon.ico request shows only as an anonymous «Failed to
    load», not counted."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error"
            and not m.text.startswith("Failed to load resource") else None)
    page.on("response", lambda r: errors.append(r.url) if r.status >= 400 else None)
    return errors
