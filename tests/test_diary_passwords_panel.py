"""Diary passwords from the panel (issue 15.2): the class teacher issues and rotates their
class's passwords in «Мой класс» and gets the slips PDF; the page says when the diaries will
be online and rebuilds them at once in the background, one build at a time."""
from __future__ import annotations

import json
import time

import pytest

import models.diary as diary_model
from models import AuditEntry, DiaryAccess, SchoolSettings
from site_builder import background, lock
from tests.chromium import log_in
from tests.outputs import CONTENT, FAST_ITERATIONS, pages_of
from tests.panel import Browser, fill, text

BASE_URL = "https://dnevnik.school.ru/"


@pytest.fixture
def panel(app, school, people, monkeypatch):
    """5А's class teacher logged in, the diary address set, the site's pages where the
    panel's build finds them; fast key derivation."""
    monkeypatch.setattr(diary_model, "ITERATIONS", FAST_ITERATIONS)
    SchoolSettings.update(diary_base_url=BASE_URL).execute()
    app.config["SITE_CONTENT"] = str(CONTENT)
    browser = Browser(app.test_client())
    browser.login(people.teacher.login)
    return browser


def my_class(browser, school) -> str:
    return text(browser.get(f"/my-class/?class_id={school.c5.id}"))


def wait_for_the_build() -> background.BuildState:
    for _ in range(600):
        state = background.state()
        if not state.running:
            return state
        time.sleep(0.1)
    raise AssertionError("the panel's build did not finish in a minute")


def test_class_teacher_issues_slips_and_rotates_one(panel, school, people):
    page = my_class(panel, school)
    assert "Пароли к электронному дневнику" in page
    assert "Выдать пароли тем, у кого их нет (3)" in page and page.count("не выдан") == 3

    slips = panel.post("/diary-passwords/issue", {"class_id": school.c5.id, "back": "myclass"})
    assert slips.headers["Cache-Control"] == "no-store"
    pdf_text = "\n".join(pages_of(slips.data))
    accesses = {a.student_id: a for a in DiaryAccess.select()}
    assert set(accesses) == {p.id for p in school.pupils5}
    assert pdf_text.count(BASE_URL + "d/") == 3
    for pupil in school.pupils5:
        assert pupil.full_name in pdf_text and accesses[pupil.id].token in pdf_text
    ivanov = school.pupils5[0]
    password = next(w for w in pdf_text.split() if accesses[ivanov.id].matches(w))

    page = my_class(panel, school)
    assert "не выдан" not in page and "(0)" in page
    assert "3 дневника ещё не в сети с новым паролем:" in page
    assert "после ночной сборки" in page
    assert "сайт ещё не собирался" in page  # no build yet: no time to give

    again = panel.post("/diary-passwords/issue", {"class_id": school.c5.id, "back": "myclass"},
                       follow_redirects=True)
    assert "пароли уже есть" in text(again)  # no slip without a new password

    rotated = panel.post("/diary-passwords/issue", {"class_id": school.c5.id, "rotate": "1",
                                                    "student": ivanov.id})
    new_text = "\n".join(pages_of(rotated.data))
    assert ivanov.full_name in new_text and school.pupils5[1].full_name not in new_text
    access = DiaryAccess.get(DiaryAccess.student == ivanov.id)
    assert access.token == accesses[ivanov.id].token  # the address stays
    assert not access.matches(password)  # the old password no longer opens it

    log = list(AuditEntry.select().where(AuditEntry.table_name == "diary_access")
               .order_by(AuditEntry.id))
    assert {e.staff_id for e in log} == {people.teacher.id}
    assert [e.action for e in log] == ["create"] * 3 + ["update"]
    written = "".join((e.before or "") + (e.after or "") for e in log)
    assert not [s for a in DiaryAccess.select() for s in (a.salt, a.key) if s in written]
    assert json.loads(log[-1].after)["key"] == "новый"


def test_no_slips_without_the_diary_address(panel, school):
    SchoolSettings.update(diary_base_url="").execute()
    refused = panel.post("/diary-passwords/issue", {"class_id": school.c5.id,
                                                    "back": "myclass"}, follow_redirects=True)
    assert "Не задан адрес сайта дневников" in text(refused)
    assert DiaryAccess.select().count() == 0


def test_an_unreadable_pupil_never_means_the_whole_class(panel, school):
    panel.post("/diary-passwords/issue", {"class_id": school.c5.id})
    keys = {a.id: a.key for a in DiaryAccess.select()}
    refused = panel.post("/diary-passwords/issue", {"class_id": school.c5.id, "rotate": "1",
                                                    "student": "9" * 40})
    assert refused.status_code == 400
    assert {a.id: a.key for a in DiaryAccess.select()} == keys


def test_the_class_diaries_go_online_at_once(panel, school, tmp_path):
    panel.post("/diary-passwords/issue", {"class_id": school.c5.id})
    assert "3 дневника ещё не в сети" in my_class(panel, school)

    started = panel.post("/diary-passwords/refresh", {"class_id": school.c5.id,
                                                      "back": "myclass"}, follow_redirects=True)
    assert "Сборка начата" in text(started)
    state = wait_for_the_build()
    assert not state.failed, state.outcome
    page = my_class(panel, school)
    assert "ещё не в сети" not in page and page.count(">в сети<") == 3
    assert "Сборка из панели закончена" in page and "последняя сборка —" in page
    for access in DiaryAccess.select():
        assert (tmp_path / "output" / "site" / "d" / access.token / "index.html").exists()

    # A rotated password opens the diary only once a build has encrypted it anew.
    panel.post("/diary-passwords/issue", {"class_id": school.c5.id, "rotate": "1",
                                          "student": school.pupils5[0].id})
    page = my_class(panel, school)
    assert "1 дневник ещё не в сети с новым паролем" in page
    assert page.count("новый пароль — после сборки") == 1 and page.count(">в сети<") == 2


def test_never_two_builds_at_once(panel, school, tmp_path):
    """A build running elsewhere (the nightly one) holds the lock: the panel's says so."""
    panel.post("/diary-passwords/issue", {"class_id": school.c5.id})
    with lock.exclusive(tmp_path / "output"):
        panel.post("/diary-passwords/refresh", {"class_id": school.c5.id})
        state = wait_for_the_build()
    assert state.failed and "Сборка уже идёт" in state.outcome
    page = my_class(panel, school)
    assert "Сборка из панели не удалась" in page and "Сборка уже идёт" in page
    assert "3 дневника ещё не в сети" in page


def test_the_admin_issues_for_any_class_on_their_page(app, school, people, monkeypatch):
    monkeypatch.setattr(diary_model, "ITERATIONS", FAST_ITERATIONS)
    SchoolSettings.update(diary_base_url=BASE_URL).execute()
    admin = Browser(app.test_client())
    admin.login(people.admin.login)
    page = text(admin.get(f"/diary-passwords/?class_id={school.c6.id}"))
    assert "Пароли дневников: 6А" in page and "Выдать пароли тем, у кого их нет (1)" in page
    slips = admin.post("/diary-passwords/issue", {"class_id": school.c6.id,
                                                  "student": school.pupil6.id})
    assert school.pupil6.full_name in "\n".join(pages_of(slips.data))
    assert AuditEntry.get(AuditEntry.table_name == "diary_access").staff_id == people.admin.id


@pytest.mark.parametrize("address", ["http://dnevnik.school.ru/", "http://192.168.1.10/d/"])
def test_the_settings_form_refuses_plain_http_beyond_this_computer(browser, people, address):
    """Slips with such an address never open: the diary's WebCrypto needs https (or
    localhost)."""
    browser.login(people.admin.login)
    settings = SchoolSettings.current()
    page = fill(browser, f"/setup/settings/edit/?id={settings.id}", {
        "name": "Школа", "timezone": "Europe/Moscow", "diary_base_url": address,
        "threshold_3": "2.5", "threshold_4": "3.5", "threshold_5": "4.5"})
    assert SchoolSettings.current().diary_base_url == ""
    assert "должен начинаться с https://" in text(page) and "http://localhost/" in text(page)


def test_in_chromium_the_slips_download_and_the_diaries_go_online(new_page, app, school, people,
                                                                   monkeypatch, tmp_path):
    """The class teacher's clicks in a real browser: the slips arrive as a PDF download, the
    section then says the diaries are not online yet, and the rebuild puts them online."""
    monkeypatch.setattr(diary_model, "ITERATIONS", FAST_ITERATIONS)
    SchoolSettings.update(diary_base_url=BASE_URL).execute()
    app.config["SITE_CONTENT"] = str(CONTENT)
    page = new_page()
    log_in(page, people.class_teacher.login)  # 5А's class teacher in the browser tests
    page.goto(f"/my-class/?class_id={school.c5.id}#diary-passwords")
    section = page.locator("#slips-panel")
    with page.expect_download() as download:
        section.get_by_role("button", name="Выдать пароли тем, у кого их нет (3)").click()
    slips = download.value
    assert slips.suggested_filename.endswith(".pdf")
    assert "Иванов Тест" in "\n".join(pages_of(slips.path().read_bytes()))

    page.reload()
    assert "3 дневника ещё не в сети" in section.inner_text()
    assert section.get_by_text("появится после сборки").count() == 3
    section.screenshot(path=tmp_path / "slips-panel.png")

    section.get_by_role("button", name="Обновить дневники класса сейчас").click()
    page.wait_for_load_state()
    assert not wait_for_the_build().failed
    page.reload()
    assert section.get_by_text("в сети", exact=True).count() == 3
    assert "Сборка из панели закончена" in section.inner_text()
