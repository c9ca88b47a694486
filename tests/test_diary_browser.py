"""The encrypted diary in a real Chromium: a small diary (two weeks and a tampered copy) built
with site_builder.crypto and site_builder.shell, opened over http://127.0.0.1 and file://.

A wrong password is refused in Russian; the right one typed carelessly opens the week; the
other week opens without asking; «Выйти» forgets; a tampered page shows an error and none of
its text; «Запомнить» is offered on http only and keeps a non-extractable key in IndexedDB;
plain http on a non-local host says why it cannot work. No skipping: without
/usr/bin/chromium this test fails and says why.
"""
from __future__ import annotations

import base64
import functools
import json
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from models.diary import NORMALISE_VECTORS
from site_builder.build import STAMP, shared_files
from site_builder.crypto import derive_key, encrypt_page
from site_builder.shell import SCRIPT, render_shell

PHONE = {"width": 360, "height": 740}
TIMEOUT_MS = 10_000

PASSWORD = "K7QM-2XDP-9FHT"
TYPED = "k7qm 2xdp 9fht"  # as a parent types it from the slip
TOKEN = "Zk3vQ8xYp2LmN5rT7wB1cA"
ITERATIONS = 600_000
SALT = bytes.fromhex("00112233445566778899aabbccddeeff")
WEEKS = {
    "2026-09-07": ('<p class="d-who">Иванова Мария, 5А класс</p><h1>Неделя 07.09</h1>'
                   '<p>Математика <span class="d-mark">5</span></p>'
                   '<a id="next" href="week-2026-09-14.html">14.09 →</a>'),
    "2026-09-14": ('<p class="d-who">Иванова Мария, 5А класс</p><h1>Неделя 14.09</h1>'
                   '<p>Русский язык <span class="d-mark">4</span></p>'
                   '<a id="previous" href="week-2026-09-07.html">← 07.09</a>'),
}
SECRETS = ("Иванова", "Математика", "Русский язык", "Неделя")

WRONG = "Неверный пароль. Проверьте, что он введён как в памятке."
DAMAGED = "Страница повреждена или изменена: обновите её или сообщите в школу."
INSECURE = "Этот браузер не может открыть дневник по незащищённому адресу (http)."



def tampered(payload: str) -> str:
    """The payload with one byte of its ciphertext changed."""
    data = json.loads(payload)
    ct = bytearray(base64.b64decode(data["ct"]))
    ct[len(ct) // 2] ^= 0x04
    data["ct"] = base64.b64encode(bytes(ct)).decode()
    return json.dumps(data, separators=(",", ":"))


OLD_WEEK = '<p class="d-who">Иванова Мария, 5А класс</p><h1>Неделя 31.08</h1><p>Физика</p>'


def version_one(key: bytes, html: str) -> str:
    """A payload as builds before issue 10.13 wrote it: AES-GCM with no associated data."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from site_builder.crypto import pad

    iv = bytes(12)
    b64 = lambda data: base64.b64encode(data).decode()  # noqa: E731
    return json.dumps({"v": 1, "kdf": "pbkdf2-sha256", "iter": ITERATIONS, "salt": b64(SALT),
                       "iv": b64(iv), "ct": b64(AESGCM(key).encrypt(iv, pad(html.encode()),
                                                                  None))})


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The built site: d/<token>/week-<monday>.html for two weeks, index.html (the second
    week), week-tampered.html, week-2026-09-21.html (the second week's file served under
    another address) and week-2026-08-31.html (a page built before pages were bound)."""
    root = tmp_path_factory.mktemp("site")
    key = derive_key(PASSWORD, SALT, ITERATIONS)
    (root / "d" / TOKEN).mkdir(parents=True)
    for monday, html in WEEKS.items():
        path = f"d/{TOKEN}/week-{monday}.html"
        payload = encrypt_page(key, SALT, ITERATIONS, path, html)
        if monday == "2026-09-14":
            (root / f"d/{TOKEN}/week-tampered.html").write_text(
                render_shell(tampered(payload), TOKEN), "utf-8")
            (root / f"d/{TOKEN}/week-2026-09-21.html").write_text(
                render_shell(payload, TOKEN), "utf-8")
            (root / f"d/{TOKEN}/index.html").write_text(render_shell(encrypt_page(
                key, SALT, ITERATIONS, f"d/{TOKEN}/index.html", html), TOKEN), "utf-8")
        (root / path).write_text(render_shell(payload, TOKEN), "utf-8")
    (root / f"d/{TOKEN}/week-2026-08-31.html").write_text(
        render_shell(version_one(key, OLD_WEEK), TOKEN), "utf-8")
    for name, data in shared_files().items():  # d/sw.js and the manifest, as a build does
        (root / "d" / name).write_bytes(data)
    (root / "d" / STAMP).write_bytes(b'{"built": "21.09.2026, 02:30"}')  # the build's moment
    return root


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def http_base(site):
    """The site on http://127.0.0.1:<port>/ from a daemon thread."""
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, name="diary-http", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/d/{TOKEN}/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)



@pytest.fixture
def page(chromium):
    """A phone-sized page in a fresh context; fails the test on any script or CSP error."""
    context = chromium.new_context(viewport=PHONE, locale="ru-RU")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda msg: msg.type == "error" and problems.append(msg.text))
    yield page
    context.close()
    assert problems == []


def expect_form(page, message: str = "") -> None:
    from playwright.sync_api import expect
    expect(page.locator("#password")).to_be_visible()
    expect(page.locator("#message")).to_have_text(message)
    expect(page.locator("#logout")).to_be_hidden()
    assert page.locator("#diary").inner_html() == ""


def expect_week(page, text: str) -> None:
    from playwright.sync_api import expect
    expect(page.locator("#diary")).to_contain_text(text)
    expect(page.locator("#unlock")).to_be_hidden()
    expect(page.locator("#logout")).to_be_visible()


def type_password(page, password: str, remember: bool = False) -> None:
    page.fill("#password", password)
    if remember:
        page.check("#remember")
    page.click("#open")


def test_http_wrong_then_right_password_other_week_and_logout(page, http_base):
    from playwright.sync_api import expect
    page.goto(http_base + "week-2026-09-07.html")
    expect_form(page)
    expect(page.locator("#remember-row")).to_be_visible()
    expect(page.locator("#remember-row")).to_contain_text("Запомнить на этом устройстве")
    assert page.title() == "Электронный дневник"

    type_password(page, "K7QM-2XDP-9FHV")
    expect(page.locator("#message")).to_have_text(WRONG)
    assert page.locator("#diary").inner_html() == ""

    type_password(page, TYPED)
    expect_week(page, "Математика 5")
    assert page.input_value("#password") == ""

    page.click("#next")  # the relative link inside the decrypted week
    page.wait_for_url("**/week-2026-09-14.html")
    expect_week(page, "Русский язык 4")

    page.click("#logout")
    expect_form(page)
    assert page.evaluate("sessionStorage.length") == 0
    page.goto(http_base + "week-2026-09-07.html")
    expect_form(page)


def test_tampered_page_shows_an_error_and_nothing_of_the_week(page, http_base):
    from playwright.sync_api import expect
    page.goto(http_base + "week-2026-09-07.html")
    type_password(page, PASSWORD)
    expect_week(page, "Математика")

    page.goto(http_base + "week-tampered.html")  # with the key this tab already holds
    expect_form(page, DAMAGED)
    type_password(page, TYPED)  # and with the right password typed
    expect(page.locator("#message")).to_have_text(WRONG)
    content = page.content()
    assert not any(secret in content for secret in SECRETS)
    assert page.locator("#diary").inner_html() == ""


def test_a_page_served_under_another_address_shows_an_error(page, http_base):
    """Issue 10.13: whoever controls the host served the 14.09 week under the 21.09 address;
    the key the tab held opened it. Each page is bound to its address now."""
    from playwright.sync_api import expect
    page.goto(http_base + "week-2026-09-07.html")
    type_password(page, TYPED)
    expect_week(page, "Математика")

    page.goto(http_base + "week-2026-09-21.html")  # with the key this tab holds
    expect_form(page, DAMAGED)
    type_password(page, TYPED)  # and with the right password typed
    expect(page.locator("#message")).to_have_text(WRONG)
    assert not any(secret in page.content() for secret in SECRETS)

    for address, text in (("week-2026-09-14.html", "Русский язык 4"), ("", "Русский язык 4"),
                          ("index.html", "Русский язык 4")):
        page.goto(http_base + address)  # the slip's address is the folder: index.html
        if address == "week-2026-09-14.html":
            type_password(page, TYPED)
        expect_week(page, text)


def test_a_page_built_before_pages_were_bound_still_opens(page, http_base, site):
    page.goto(http_base + "week-2026-08-31.html")
    type_password(page, TYPED)
    expect_week(page, "Физика")
    page.goto((site / f"d/{TOKEN}/week-2026-08-31.html").as_uri())
    type_password(page, TYPED)
    expect_week(page, "Физика")


def test_remember_keeps_a_non_extractable_key_until_logout(page, http_base):
    page.goto(http_base + "week-2026-09-14.html")
    type_password(page, TYPED, remember=True)
    expect_week(page, "Русский язык")
    entry = page.evaluate("""token => new Promise((resolve, reject) => {
      const open = indexedDB.open("diary");
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const get = open.result.transaction("keys").objectStore("keys").get(token);
        get.onsuccess = () => resolve({extractable: get.result.key.extractable,
                                       type: get.result.key.type,
                                       days: (get.result.expires - Date.now()) / 864e5});
      };
    })""", TOKEN)
    assert entry["extractable"] is False and entry["type"] == "secret"
    assert 29.9 < entry["days"] <= 30

    page.evaluate("sessionStorage.clear()")  # as if the tab had been closed
    page.goto(http_base + "week-2026-09-07.html")
    expect_week(page, "Математика")

    page.click("#logout")
    expect_form(page)
    page.evaluate("sessionStorage.clear()")
    page.reload()
    expect_form(page)


def test_file_url_opens_without_remember(page, site):
    from playwright.sync_api import expect
    page.goto((site / f"d/{TOKEN}/week-2026-09-07.html").as_uri())
    expect_form(page)
    expect(page.locator("#remember-row")).to_be_hidden()
    type_password(page, TYPED)
    expect_week(page, "Математика 5")
    page.click("#next")
    page.wait_for_url("**/week-2026-09-14.html")
    expect_week(page, "Русский язык 4")
    databases = page.evaluate("indexedDB.databases().then(list => list.map(d => d.name))")
    assert "diary" not in databases


def test_plain_http_on_another_host_explains_itself(page, site):
    from playwright.sync_api import expect
    shell = (site / f"d/{TOKEN}/week-2026-09-07.html").read_text("utf-8")
    page.route("http://diary.school.example/**",
               lambda route: route.fulfill(body=shell, content_type="text/html; charset=utf-8"))
    page.goto("http://diary.school.example/d/x/index.html")
    expect(page.locator("#status")).to_contain_text(INSECURE)
    expect(page.locator("#unlock")).to_be_hidden()


def test_normalisation_matches_the_python_rule(chromium):
    source = SCRIPT.read_text("utf-8")
    [function] = re.findall(r"const normalise = (\(text\) =>.*?);\n", source, re.DOTALL)
    page = chromium.new_page()
    try:
        got = page.evaluate(f"vectors => vectors.map({function})",
                            [typed for typed, _ in NORMALISE_VECTORS])
    finally:
        page.close()
    assert got == [canonical for _, canonical in NORMALISE_VECTORS]


def test_site_tree_holds_nothing_in_clear(site):
    for path in site.rglob("*"):
        assert TOKEN in str(path) or path.is_dir() or path.name in {*shared_files(), STAMP}
        assert not any(s in str(path) for s in SECRETS)
        if path.is_file():
            assert not any(s in path.read_text("utf-8") for s in SECRETS)


@pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)
def test_a_real_build_opens_over_http_and_file(page, school, tmp_path, monkeypatch):
    """`journal build` output, not hand-made pages: the pupil's current week, then another
    week through the diary's own links, over http://127.0.0.1 and from file://."""
    import datetime as dt

    import models.diary as diary_model
    from models import Mark
    from site_builder.build import build

    monkeypatch.setattr(diary_model, "ITERATIONS", 1000)
    lesson = school.lesson(day=school.today - dt.timedelta(days=14), topic="Дроби",
                           homework="№ 5")
    Mark.create(lesson=lesson, student=school.pupils5[0], value="5")
    access, password = diary_model.issue(school.pupils5[0])
    content = Path(__file__).resolve().parent.parent / "content"
    build(tmp_path / "output", content, school.today)
    site = tmp_path / "output" / "site"
    monday = lesson.date - dt.timedelta(days=lesson.date.weekday())
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(QuietHandler, directory=str(site.resolve())))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for base in (f"http://127.0.0.1:{server.server_address[1]}",
                     (site.resolve()).as_uri()):
            page.goto(f"{base}/d/{access.token}/index.html")
            type_password(page, "AAAA-BBBB-CCCC")
            expect_form(page, WRONG)
            type_password(page, password.lower().replace("-", " "))
            expect_week(page, "Иванов Тест, 5А класс")
            page.click(f'a[href="week-{monday.isoformat()}.html"]')
            expect_week(page, "Дроби")
            assert page.locator("#diary .d-mark").inner_text() == "5"
            assert "№ 5" in page.locator("#diary .d-hw").inner_text()
            page.click("#logout")
            expect_form(page)
    finally:
        server.shutdown()
        server.server_close()
