"""Issue 15.4: a diary that opens with no signal. A real build's site served over
http://127.0.0.1 to a real Chromium: once a pupil's diary was unlocked, the service worker
the build writes into d/ keeps its pages, still encrypted, and with no signal a reload opens
the week; «Выйти» deletes what was kept, and with no signal nothing opens any more. The
cache holds only published (encrypted) pages; file:// pages register no worker."""
from __future__ import annotations

import json
import re
import threading
import time
from http.server import SimpleHTTPRequestHandler
from urllib.parse import urlsplit

import pytest

import models.diary as diary_model
from demo.cli import serve_site
from site_builder.build import build
from tests.outputs import CONTENT, FAST_ITERATIONS, issue_all

PHONE = {"width": 360, "height": 740}
TIMEOUT_MS = 15_000
KEPT = """async () => {
  const names = await caches.keys();
  let pages = [];
  for (const name of names) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      pages.push([name, new URL(request.url).pathname, await response.text()]);
    }
  }
  return pages;
}"""


class Host(SimpleHTTPRequestHandler):
    """The site's web server; while `down` is set it drops every connection unanswered,
    as a phone with no signal sees it (not only the browser's offline switch)."""

    down = threading.Event()

    def handle_one_request(self):
        if self.down.is_set():
            self.close_connection = True
            self.raw_requestline = self.rfile.readline(65537)
            return
        super().handle_one_request()

    def log_message(self, format, *args):  # noqa: A002
        pass


@pytest.fixture
def built(school, tmp_path, monkeypatch):
    """The small school's site with one pupil's diary: its address, password and files."""
    monkeypatch.setattr(diary_model, "ITERATIONS", FAST_ITERATIONS)
    pupil = school.pupils5[0]
    access, password = issue_all([pupil])[pupil.id]
    output = tmp_path / "output"
    build(output, CONTENT, school.today, workers=1)
    Host.down.clear()
    server, base = serve_site(output / "site", 0, Host)  # as `journal demo` serves it
    yield base + access.path, password, output / "site"
    Host.down.clear()
    server.shutdown()
    server.server_close()


@pytest.fixture
def context(chromium):
    context = chromium.new_context(viewport=PHONE, locale="ru-RU")
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


def no_signal(context, off: bool) -> None:
    context.set_offline(off)
    if off:
        Host.down.set()
    else:
        Host.down.clear()


def kept_pages(page, address: str) -> list[list[str]]:
    """[cache name, path, body] of every kept page, once the worker has kept this diary's
    address and the pages its week links to."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        kept = page.evaluate(KEPT)
        paths = {path for _, path, _ in kept}
        if urlsplit(address).path in paths and len(paths) > 3:
            return kept
        assert time.monotonic() < deadline, f"the worker kept only {sorted(paths)}"
        page.wait_for_timeout(100)


def unlock(page, password: str) -> None:
    from playwright.sync_api import expect
    page.fill("#password", password)
    page.click("#open")
    expect(page.locator("#logout")).to_be_visible()


def test_the_week_opens_offline_and_logout_forgets_it(built, context):
    from playwright.sync_api import Error, expect
    address, password, site = built
    assert {"sw.js", "manifest.webmanifest", "icon.svg"} <= {p.name for p in (site / "d")
                                                              .iterdir()}
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(address)
    expect(page.locator("#password")).to_be_visible()
    assert page.evaluate("caches.keys()") == []  # nothing is kept before the unlock
    unlock(page, password)
    week = page.locator("#diary").inner_text()
    assert "Неделя" in week or "неделя" in week.lower()
    # The manifest for «На главный экран», and the worker that keeps the pages.
    assert page.evaluate("document.querySelector('link[rel=manifest]').href") == \
        address.rsplit("/", 2)[0] + "/manifest.webmanifest"
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    # «данные на …»: the build's moment (d/stamp.json), under the page.
    built_at = json.loads((site / "d" / "stamp.json").read_text())["built"]
    expect(page.locator("#stamp")).to_have_text(f"данные на {built_at}")
    kept = kept_pages(page, address)
    name = kept[0][0]
    assert {n for n, _, _ in kept} == {name} and name.startswith("diary-")
    # The stamp is kept too, as published (it holds no pupil's data); the rest are pages.
    stamps = [text for _, path, text in kept if path == "/d/stamp.json"]
    assert stamps == [(site / "d" / "stamp.json").read_text()]
    kept = [row for row in kept if row[1] != "/d/stamp.json"]
    # Only pages as published: the encrypted shell, none of the week's text in clear.
    for _, path, text in kept:
        assert path.startswith("/d/") and '<script type="application/json" ' \
                                          'id="diary-payload">' in text, path
        assert "Неделя" not in text and week.splitlines()[0] not in text
        assert text.encode() == (site / path.lstrip("/")
                                 if not path.endswith("/") else
                                 site / path.lstrip("/") / "index.html").read_bytes()

    no_signal(context, True)
    page.reload()
    expect(page.locator("#logout")).to_be_visible()
    assert page.locator("#diary").inner_text() == week  # the last built week, offline
    expect(page.locator("#stamp")).to_have_text(f"данные на {built_at}")  # and its age
    others = [path for _, path, _ in kept if path.endswith(".html")
              and not path.endswith("/index.html")]
    page.goto(address.rsplit("/", 2)[0] + "/" + others[0].split("/", 2)[2])
    expect(page.locator("#logout")).to_be_visible()  # another kept page opens as well

    page.click("#logout")  # with no signal: what was kept goes, nothing opens
    with pytest.raises(Error):
        page.goto(address)
    no_signal(context, False)
    page.goto(address)
    expect(page.locator("#password")).to_be_visible()
    assert page.evaluate("caches.keys()") == []
    assert page.evaluate("sessionStorage.length") == 0
    no_signal(context, True)
    with pytest.raises(Error):
        page.reload()
    assert problems == []


def test_file_pages_register_no_worker(built, context):
    from playwright.sync_api import expect
    address, password, site = built
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda msg: msg.type == "error" and problems.append(msg.text))
    page.goto((site / address.split("/", 3)[3] / "index.html").as_uri())
    unlock(page, password)
    expect(page.locator("#diary")).not_to_be_empty()
    # No worker and no manifest asked for (a worker cannot serve file:// pages), no error.
    assert page.evaluate("document.querySelector('link[rel=manifest]')") is None
    # The stamp: when this page's file was written (no request for d/stamp.json).
    expect(page.locator("#stamp")).to_have_text(re.compile(
        r"^страница от \d\d\.\d\d\.\d{4}, \d\d:\d\d$"))
    page.wait_for_function("sessionStorage.length > 0")  # the tab's key is written
    page.reload()
    expect(page.locator("#diary")).not_to_be_empty()  # the tab's key, as before
    assert problems == []
