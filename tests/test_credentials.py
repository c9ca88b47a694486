"""Diary passwords: issued once and shown once, only their keys kept; slips as CSV and PDF."""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import random
import re
import stat
from pathlib import Path

import pytest
from pypdf import PdfReader

from journal_cli import main
from models import DiaryAccess, RuleError, SchoolSettings, database, diary
from models.diary import NORMALISE_VECTORS, derive_key, normalise_password
from models.people import readable_password
from site_builder import credentials
from tests.school import SmallSchool

PASSWORD = r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}"
PASSWORD_RE = re.compile(rf"^{PASSWORD}$")
BASE_URL = "https://dnevnik.school.test/"
SCHOOL = "МБОУ «Тестовая СОШ»"


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch):
    """Most tests derive keys with 1,000 iterations; one keeps the real 600,000."""
    monkeypatch.setattr(diary, "ITERATIONS", 1000)


@pytest.fixture
def settings(school):
    row = SchoolSettings.current()
    row.name, row.diary_base_url = SCHOOL, BASE_URL
    row.save()
    return row


def run(runner, *args):
    result = runner.invoke(main, ["credentials", *args])
    database.bind()  # the command rebinds the models; read its results afresh
    return result


def table(output: str) -> dict[str, tuple[str, str]]:
    """{pupil's surname: (password, address)} from the terminal table."""
    rows = {}
    for line in output.splitlines():
        found = re.search(rf"^\S+\s+(\S+) .*?({PASSWORD})\s+(\S+)$", line)
        if found:
            rows[found[1]] = (found[2], found[3])
    return rows


def access_of(student) -> DiaryAccess:
    return DiaryAccess.get(DiaryAccess.student == student.id)


def test_issuing_for_a_class_gives_tokens_and_passwords_and_stores_no_password(
        settings, school, runner):
    result = run(runner, "--class", "5А")
    assert result.exit_code == 0, result.output
    shown = table(result.output)
    assert set(shown) == {p.last_name for p in school.pupils5}
    assert "Выдано новых паролей: 3, заменено: 0, оставлено прежних: 0." in result.output
    for pupil in school.pupils5:
        password, address = shown[pupil.last_name]
        access = access_of(pupil)
        assert PASSWORD_RE.match(password)
        assert re.fullmatch(r"[0-9a-f]{32}", access.token)
        assert address == f"{BASE_URL}d/{access.token}/"
        assert len(base64.b64decode(access.salt)) == 16
        assert access.iterations == 1000
        assert derive_key(password, access.salt_bytes, access.iterations) == access.key_bytes
        row = DiaryAccess.select().where(DiaryAccess.id == access.id).dicts().get()
        for form in (password, password.replace("-", ""), password.lower()):
            assert not any(form in str(v) for v in row.values()), "a password is stored"
    assert len({a.token for a in DiaryAccess.select()}) == 3
    assert DiaryAccess.select().count() == 3  # 1А and 6А got nothing


def test_normalise_password_vectors():
    for typed, canonical in NORMALISE_VECTORS:
        assert normalise_password(typed) == canonical, typed
    rng = random.Random(5)
    for _ in range(200):
        password = readable_password(rng)
        assert normalise_password(password) == password.replace("-", "")
        assert normalise_password(password.lower().replace("-", " ")) == password.replace("-", "")


def test_the_real_600000_iterations_give_the_standard_pbkdf2(settings, school, monkeypatch,
                                                             runner):
    monkeypatch.setattr(diary, "ITERATIONS", 600_000)
    result = run(runner, "--class", "5А")
    assert result.exit_code == 0, result.output
    for pupil in school.pupils5:
        password = table(result.output)[pupil.last_name][0]
        access = access_of(pupil)
        assert access.iterations == 600_000
        expected = hashlib.pbkdf2_hmac("sha256", password.replace("-", "").encode(),
                                       access.salt_bytes, 600_000, 32)
        assert access.key_bytes == expected
        assert access.matches(password.lower())


def test_rotation_keeps_the_address_and_replaces_salt_and_key(settings, school, runner):
    first = table(run(runner, "--class", "5А").output)
    before = {p.id: access_of(p) for p in school.pupils5}
    result = run(runner, "--class", "5a", "--rotate")  # a Latin «a» is understood
    assert result.exit_code == 0, result.output
    assert "Выдано новых паролей: 0, заменено: 3, оставлено прежних: 0." in result.output
    second = table(result.output)
    for pupil in school.pupils5:
        old, new = before[pupil.id], access_of(pupil)
        assert new.token == old.token and second[pupil.last_name][1] == first[pupil.last_name][1]
        assert new.salt != old.salt and new.key != old.key
        assert not new.matches(first[pupil.last_name][0])
        assert new.matches(second[pupil.last_name][0])


def test_running_again_without_rotate_issues_and_shows_nothing(settings, school, runner):
    run(runner, "--class", "5А")
    before = {a.id: (a.token, a.salt, a.key) for a in DiaryAccess.select()}
    again = run(runner, "--class", "5А")
    assert again.exit_code == 0, again.output
    assert not re.search(PASSWORD, again.output)
    assert "Выдано новых паролей: 0, заменено: 0, оставлено прежних: 3." in again.output
    assert "--rotate" in again.output
    assert {a.id: (a.token, a.salt, a.key) for a in DiaryAccess.select()} == before
    pdf = Path(database.instance_path()) / "slips.pdf"
    pdf.parent.mkdir(parents=True, exist_ok=True)
    nothing = run(runner, "--class", "5А", "--pdf", str(pdf))
    assert nothing.exit_code == 0 and not pdf.exists() and "файлы не записаны" in nothing.output


def test_csv_has_bom_semicolons_and_neutralised_formulas(settings, school, runner, tmp_path):
    tricky = SmallSchool.pupil("=HYPERLINK(1)", school.c5, school.start)
    (tmp_path / "private").mkdir()
    path = tmp_path / "private" / "пароли.csv"
    result = run(runner, "--class", "5А", "--csv", str(path))
    assert result.exit_code == 0, result.output
    assert not re.search(PASSWORD, result.output)  # the file has them, not the terminal
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Класс", "Ученик", "Адрес дневника", "Пароль"]
    by_name = {r[1]: r for r in rows[1:]}
    assert len(by_name) == 4 and "'=HYPERLINK(1) Тест" in by_name
    for pupil in [*school.pupils5, tricky]:
        name = pupil.full_name if pupil != tricky else "'" + pupil.full_name
        class_name, _, address, password = by_name[name]
        access = access_of(pupil)
        assert class_name == "5А" and address == f"{BASE_URL}d/{access.token}/"
        assert PASSWORD_RE.match(password) and access.matches(password)
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_pdf_slips_show_name_class_address_and_password(settings, school, runner, tmp_path):
    path = tmp_path / "slips.pdf"
    result = run(runner, "--class", "all", "--pdf", str(path), "--csv", str(tmp_path / "s.csv"))
    assert result.exit_code == 0, result.output
    assert "Выдано новых паролей: 5" in result.output
    pupils = [*school.pupils5, school.pupil1, school.pupil6]
    reader = PdfReader(path)
    assert len(reader.pages) == 1  # six slips a page
    text = "".join(page.extract_text() for page in reader.pages)
    flat = re.sub(r"\s+", "", text)
    assert SCHOOL.replace(" ", "") in flat and "Запомнитьнаэтомустройстве" in flat
    passwords = {r[1]: r[3] for r in csv.reader(
        io.StringIO((tmp_path / "s.csv").read_text("utf-8-sig")), delimiter=";")}
    for pupil in pupils:
        access = access_of(pupil)
        assert pupil.full_name.replace(" ", "") in flat
        assert access.url(BASE_URL) in flat
        assert passwords[pupil.full_name] in flat and access.matches(passwords[pupil.full_name])
    for class_name in ("5А", "1А", "6А"):
        assert f"Класс{class_name}" in flat


def test_slips_are_never_written_into_the_published_output_folder(
        settings, school, runner, tmp_path, monkeypatch):
    inside = credentials.PROJECT_ROOT / "output" / "slips.pdf"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "output" / "d").mkdir(parents=True)
    www = tmp_path / "www"  # a `journal build --output www` folder, and a copied site
    (www / "releases" / "r1").mkdir(parents=True)
    (www / "site").symlink_to(www / "releases" / "r1")
    (tmp_path / "copy" / "d").mkdir(parents=True)
    (tmp_path / "copy" / "robots.txt").write_text("User-agent: *")
    for target in (str(inside), "output/d/slips.csv", "./output/../output/x.pdf",
                   "www/site/slips.pdf", "www/slips.csv", "copy/x.pdf"):
        option = "--csv" if target.endswith(".csv") else "--pdf"
        result = run(runner, "--class", "5А", option, target)
        assert result.exit_code == 1, (target, result.output)
        assert "публикуется на сайте" in result.output
    assert not inside.exists() and not any(tmp_path.rglob("*.pdf")) and \
        not any(tmp_path.rglob("*.csv"))
    assert DiaryAccess.select().count() == 0


def test_bad_requests_are_refused_in_russian_and_issue_nothing(settings, school, runner,
                                                               tmp_path):
    existing = tmp_path / "old.pdf"
    existing.write_bytes(b"old slips")
    cases = [
        (["--class", "9Я"], "Класса 9Я нет"),
        (["--class", "пятый"], "Не понял название класса"),
        ([], "Укажите класс"),
        (["--student", "99999"], "нет"),
        (["--class", "6А", "--student", str(school.pupils5[0].id)], "учится в 5А"),
        (["--class", "5А", "--pdf", str(existing)], "--force"),
        (["--class", "5А", "--pdf", str(tmp_path / "нет" / "x.pdf")], "не существует"),
        (["--class", "5А", "--csv", str(tmp_path / "a"), "--pdf", str(tmp_path / "a")],
         "разные файлы"),
    ]
    for args, message in cases:
        result = run(runner, *args)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output, (args, result.output)
    settings.diary_base_url = ""
    settings.save()
    result = run(runner, "--class", "5А")
    assert result.exit_code == 1 and "Адрес сайта дневников" in result.output
    assert DiaryAccess.select().count() == 0 and existing.read_bytes() == b"old slips"


@pytest.mark.parametrize("address", ["javascript:alert(1)//", "http://school.example/"])
def test_an_address_stored_before_the_rule_gives_no_slips(settings, school, runner, address):
    """A diary address saved by an older version (no check then) never reaches a slip: a
    javascript: link, or plain http to another host where the diary's WebCrypto cannot run."""
    type(settings).update(diary_base_url=address).execute()
    result = run(runner, "--class", "5А")
    assert result.exit_code == 1 and "https://" in result.output, result.output
    assert DiaryAccess.select().count() == 0


def test_one_pupil_and_overwriting_with_force(settings, school, runner, tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("old")
    pupil = school.pupils5[1]
    result = run(runner, "--student", str(pupil.id), "--csv", str(path), "--force")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(path.read_text("utf-8-sig")), delimiter=";"))
    assert [r[1] for r in rows[1:]] == [pupil.full_name]
    assert [a.student_id for a in DiaryAccess.select()] == [pupil.id]


def test_a_failed_render_issues_nothing_and_leaves_no_file(settings, school, runner, tmp_path,
                                                           monkeypatch):
    def broken(*_):
        raise OSError("disk full")

    monkeypatch.setattr(credentials, "pdf_bytes", broken)
    out = tmp_path / "out"
    out.mkdir()
    result = run(runner, "--class", "5А", "--csv", str(out / "a.csv"), "--pdf", str(out / "a.pdf"))
    assert result.exit_code != 0
    assert DiaryAccess.select().count() == 0
    assert list(out.iterdir()) == []  # neither the CSV nor a temporary file


def test_issue_and_a_lost_race_between_two_rotations(school):
    pupil = school.pupils5[0]
    access, password = diary.issue(pupil)
    assert PASSWORD_RE.match(password) and access.matches(password)
    again, shown = diary.issue(pupil)
    assert again.id == access.id and again.key == access.key and shown is None
    first = diary.plan([pupil], rotate=True)
    second = diary.plan([pupil], rotate=True)
    diary.save(first)
    with pytest.raises(RuleError, match="только что сменён"):
        diary.save(second)
    assert access_of(pupil).matches(first[0].password)
    assert access_of(pupil).token == access.token
