"""Issue 15.3: the README's first command ends with a diary a newcomer can open. `journal
demo` (a small demo, the panel and the site served as the README runs it) prints one
pupil's diary address and password; Chromium opens the address, the password is typed, the
week opens. Without serving, the printed address is the diary's file, which opens too."""
from __future__ import annotations

import os
import queue
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.demo_school import TODAY

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 120
ADDRESS = re.compile(r"^\s+адрес:\s+(\S+)$", re.M)
PASSWORD = re.compile(r"^\s+пароль:\s+(\S+)$", re.M)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def demo_env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
            "JOURNAL_INSTANCE": str(tmp_path / "instance"),
            "JOURNAL_OUTPUT": str(tmp_path / "output"), "PYTHONUNBUFFERED": "1"}


def command(*extra: str) -> list[str]:
    journal = Path(sys.executable).with_name("journal")
    return [str(journal), "demo", "--students", "40", "--today", TODAY, *extra]


@pytest.fixture
def served_demo(tmp_path):
    """`journal demo` running as the README starts it; its output up to the panel's line."""
    process = subprocess.Popen(command("--port", str(free_port()), "--site-port", "0"),
                               cwd=ROOT, env=demo_env(tmp_path), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    output = ""
    try:
        while "Панель журнала:" not in output:
            line = lines.get(timeout=TIMEOUT_S)
            assert line is not None, f"journal demo ended early:\n{output}"
            output += line
        yield output
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stdout.close()


def open_diary(chromium, address: str, password: str) -> str:
    """Open the address, type the password as printed: the week's text."""
    from playwright.sync_api import expect
    context = chromium.new_context(viewport={"width": 360, "height": 740}, locale="ru-RU")
    context.set_default_timeout(20_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        page.goto(address)
        page.fill("#password", password)
        page.click("#open")
        expect(page.locator("#logout")).to_be_visible()
        expect(page.locator("#unlock")).to_be_hidden()
        text = page.locator("#diary").inner_text()
    finally:
        context.close()
    assert problems == []
    return text


def test_the_first_command_ends_with_a_diary_that_opens(served_demo, chromium):
    out = served_demo
    assert "дневников 0" not in out
    assert re.search(r"дневников [1-9]", out)
    [address] = ADDRESS.findall(out)
    [password] = PASSWORD.findall(out)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/d/[0-9a-f]{32}/", address)
    assert out.index("пароль:") < out.index("Панель журнала:")  # not lost above the panel
    week = open_diary(chromium, address, password)
    assert "5А" in week


def test_without_serving_the_address_is_the_diary_file(tmp_path, chromium):
    done = subprocess.run(command("--no-serve"), cwd=ROOT, env=demo_env(tmp_path),
                          capture_output=True, text=True, timeout=TIMEOUT_S)
    assert done.returncode == 0, done.stdout + done.stderr
    [address] = ADDRESS.findall(done.stdout)
    [password] = PASSWORD.findall(done.stdout)
    assert address.startswith("file://") and address.endswith("/index.html")
    assert "5А" in open_diary(chromium, address, password.lower().replace("-", " "))
