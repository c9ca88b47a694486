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
