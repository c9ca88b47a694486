"""Issue 10.16 in a real Chromium: under the panel's Content-Security-Policy every page it
serves still works (styles, the grid, Flask-Admin's lists, forms and bulk actions), and
the browser reports no blocked script or style; an injected inline script does not run."""
from __future__ import annotations

import datetime as dt

import pytest

from models import News
from tests.chromium import log_in

pytestmark = pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)

# Runs before any page script (Playwright injects it outside the page's policy) and keeps
# every violation the browser reports.
WATCH = """window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(
  e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sample || '')));"""


@pytest.fixture
def deputy_page(new_page, people):
    page = new_page()
    page.context.add_init_script(WATCH)
    log_in(page, people.deputy.login)
    return page


def violations(page) -> list[str]:
    return page.evaluate("window.__violations")


def test_panel_pages_work_with_nothing_blocked(deputy_page, school, journal):
    page = deputy_page
    for url in ("/", "/journal/", f"/journal/grid?class_id={school.c5.id}"
                f"&subject_id={school.math.id}", "/setup/news/", "/setup/news/new/",
                "/setup/staff/", "/audit/"):
        page.goto(url)
        page.wait_for_load_state("networkidle")
        assert violations(page) == [], url
    # The grid's period picker reloads by a listener now, not by an inline onchange.
    page.goto(f"/journal/grid?class_id={school.c5.id}&subject_id={school.math.id}")
    with page.expect_navigation():
        page.select_option("#period_id", index=0)
    assert "period_id=" in page.url and violations(page) == []


def test_bulk_delete_and_the_row_delete_confirmation_still_work(deputy_page, school):
    keep = News.create(title="Родительское собрание", published_at=dt.datetime(2026, 11, 1))
    drop = News.create(title="Субботник", published_at=dt.datetime(2026, 11, 2))
    page = deputy_page
    page.goto("/setup/news/")
    page.once("dialog", lambda dialog: dialog.dismiss())  # «Вы уверены…?» — no
    page.locator(f"form:has(input[name=id][value='{keep.id}']) button").click()
    page.wait_for_load_state()
    assert News.get_or_none(id=keep.id) is not None

    page.goto("/setup/news/")
    page.check(f"input.action-checkbox[value='{drop.id}']")
    page.click("text=С выбранным")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("a.dropdown-item:has-text('Удалить')")
    assert News.get_or_none(id=drop.id) is None and News.get_or_none(id=keep.id)
    assert violations(page) == []


def test_an_injected_inline_script_does_not_run(deputy_page):
    page = deputy_page
    page.goto("/")
    page.evaluate("""() => {
      const s = document.createElement('script');
      s.textContent = 'window.__pwned = true';
      document.body.appendChild(s);
      const a = document.createElement('img');
      a.setAttribute('src', 'x:'); a.setAttribute('onerror', 'window.__pwned = true');
      document.body.appendChild(a);
    }""")
    page.wait_for_timeout(200)
    assert page.evaluate("window.__pwned") is None
    assert any(v.startswith("script-src") for v in violations(page))
