"""Diary page encryption (site_builder.crypto) and the page shell around it (site_builder.shell):
round trips, deterministic bytes, size buckets, tampering, and a shell whose CSP pins the
inline script and style by hash and whose only clear data is the diary's token."""
from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from site_builder.crypto import (
    BUCKETS,
    bucket_size,
    decrypt_page,
    derive_key,
    encrypt_page,
    pad,
    unpad,
)
from site_builder.shell import render_shell

PASSWORD = "K7QM-2XDP-9FHT"
SALT = bytes(range(16))
ITER = 1000  # the format carries the count; 600 000 is tested once below
KEY = derive_key(PASSWORD, SALT, ITER)
TOKEN = "q3VfZC1hbm9ueW1vdXMtdG9rZW4"
PATH = "d/q3VfZC1hbm9ueW1vdXMtdG9rZW4/week-2026-09-07.html"
NAME = "Иванова Мария"


def week_html(marks: int) -> str:
    """A week page body with that many marks, as the builder would write it."""
    cells = "".join(f"<i>{m % 4 + 2}</i>" for m in range(marks))
    return (f'<header class="d-head"><p class="d-who">{NAME}, 5А класс</p></header>'
            f'<h1>Неделя 07.09–12.09.2026</h1><p class="d-subject">Математика {cells}</p>'
            '<p class="d-work">Контрольная работа</p>')


def encrypt(html: str = week_html(3), path: str = PATH, key: bytes = KEY) -> str:
    return encrypt_page(key, SALT, ITER, path, html)


def fields(payload: str) -> dict:
    return json.loads(payload)


# Encryption -------------------------------------------------------------------------------

def test_round_trip_by_key_and_by_password_as_a_parent_types_it():
    html = week_html(5) + "<p>ёЁ — «кавычки» & <b>жирный</b></p>"
    payload = encrypt(html)
    assert decrypt_page(payload, key=KEY, path=PATH) == html
    assert decrypt_page(fields(payload), password="k7qm 2xdp-9fht", path=PATH) == html
    assert decrypt_page(payload, password="K7QM.2XDP_9FHT", path=PATH) == html


# Issue 10.13: a payload is bound to its page's path (AES-GCM associated data) ---------------

def test_a_page_swapped_for_another_page_of_the_same_pupil_does_not_open():
    """Whoever controls the host served last week's page (or the marks page) under this
    week's address, with the pupil's own key: it opened. Now the address is checked."""
    other = PATH.replace("week-2026-09-07", "week-2026-09-14")
    payload = encrypt(path=other)
    assert decrypt_page(payload, key=KEY, path=other) == week_html(3)
    for address in (PATH, PATH.replace("week-2026-09-07", "index"),
                    other.replace(TOKEN, "Zk3vQ8xYp2LmN5rT7wB1cA")):
        with pytest.raises(ValueError, match="изменена"):
            decrypt_page(payload, key=KEY, path=address)
    with pytest.raises(TypeError):
        decrypt_page(payload, key=KEY)  # a bound page is never opened without its address


def test_a_bound_payload_relabelled_as_version_one_does_not_open():
    data = fields(encrypt())
    data["v"] = 1  # so that a decryptor would skip the associated data
    for path in (None, PATH):
        with pytest.raises(ValueError):
            decrypt_page(data, key=KEY, path=path)


def version_one(html: str, key: bytes = KEY) -> str:
    """A payload as builds before issue 10.13 wrote it: no associated data."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    iv = bytes(range(12))
    ct = AESGCM(key).encrypt(iv, pad(html.encode()), None)
    b64 = lambda data: base64.b64encode(data).decode()  # noqa: E731
    return json.dumps({"v": 1, "kdf": "pbkdf2-sha256", "iter": ITER, "salt": b64(SALT),
                       "iv": b64(iv), "ct": b64(ct)}, separators=(",", ":"))


def test_a_page_built_before_the_binding_still_opens_until_it_is_rebuilt():
    old = version_one(week_html(2))
    assert decrypt_page(old, password=PASSWORD) == week_html(2)
    assert decrypt_page(old, key=KEY, path=PATH) == week_html(2)  # any address


def test_payload_has_exactly_the_format_of_the_issue():
    payload = encrypt()
    data = fields(payload)
    assert payload == json.dumps(data, separators=(",", ":"))  # compact JSON, nothing else
    assert list(data) == ["v", "kdf", "iter", "salt", "iv", "ct"]
    assert (data["v"], data["kdf"], data["iter"]) == (2, "pbkdf2-sha256", ITER)
    assert base64.b64decode(data["salt"]) == SALT
    assert len(base64.b64decode(data["iv"])) == 12
    assert len(base64.b64decode(data["ct"])) == 4096 + 16  # one bucket plus the GCM tag


def test_same_page_re_encrypts_to_the_same_bytes():
    assert encrypt() == encrypt()
    assert render_shell(encrypt(), TOKEN) == render_shell(encrypt(), TOKEN)


def test_changed_content_or_path_never_reuses_an_iv():
    ivs = {fields(encrypt(week_html(3)))["iv"], fields(encrypt(week_html(4)))["iv"],
           fields(encrypt(week_html(3), path=PATH.replace("09-07", "09-14")))["iv"],
           fields(encrypt(week_html(3) + " "))["iv"]}
    assert len(ivs) == 4


def test_the_key_changes_everything():
    other = derive_key("AAAA-BBBB-CCCC", SALT, ITER)
    assert fields(encrypt(key=other))["ct"] != fields(encrypt())["ct"]
    with pytest.raises(ValueError):
        decrypt_page(encrypt(key=other), key=KEY, path=PATH)


def test_ten_and_two_hundred_marks_give_files_of_one_size():
    few, many = week_html(10), week_html(200)
    assert len(many.encode()) - len(few.encode()) > 1500
    assert bucket_size(len(few.encode())) == bucket_size(len(many.encode())) == 4096
    assert len(encrypt(few)) == len(encrypt(many))
    assert len(render_shell(encrypt(few), TOKEN)) == len(render_shell(encrypt(many), TOKEN))


@pytest.mark.parametrize(("length", "padded"), [
    (0, 4096), (4095, 4096), (4096, 8192), (65535, 65536), (65536, 81920),
    (81919, 81920), (81920, 98304)])
def test_buckets(length, padded):
    assert len(pad(bytes(length))) == padded
    assert padded in BUCKETS or (padded > BUCKETS[-1] and padded % 16384 == 0)


@given(st.binary(max_size=9000))
def test_pad_then_unpad_gives_the_bytes_back(data):
    padded = pad(data)
    assert padded[len(data)] == 0x80 and not any(padded[len(data) + 1:])
    assert unpad(padded) == data


@pytest.mark.parametrize("bad", [b"", bytes(4096), b"abc" + bytes(10), b"\x80\x01"])
def test_unpad_refuses_a_missing_marker(bad):
    with pytest.raises(ValueError):
        unpad(bad)


@pytest.mark.parametrize("where", [0, 100, -17, -1])  # first, middle, last text byte, tag
def test_one_changed_byte_of_the_ciphertext_is_refused(where):
    data = fields(encrypt())
    ct = bytearray(base64.b64decode(data["ct"]))
    ct[where] ^= 0x01
    data["ct"] = base64.b64encode(bytes(ct)).decode()
    with pytest.raises(ValueError, match="повреждена"):
        decrypt_page(data, key=KEY, path=PATH)


def test_a_changed_iv_is_refused():
    data = fields(encrypt())
    iv = bytearray(base64.b64decode(data["iv"]))
    iv[0] ^= 0x80
    data["iv"] = base64.b64encode(bytes(iv)).decode()
    with pytest.raises(ValueError):
        decrypt_page(data, key=KEY, path=PATH)


def test_wrong_password_is_refused_in_russian():
    with pytest.raises(ValueError, match="Неверный пароль"):
        decrypt_page(encrypt(), password="K7QM-2XDP-9FHV", path=PATH)


@pytest.mark.parametrize("broken", [
    "not json", "{}", '{"v":3,"kdf":"pbkdf2-sha256","iter":1,"salt":"","iv":"","ct":""}',
    '{"v":1,"kdf":"pbkdf2-sha256","iter":1000,"salt":"AA==","iv":"!!","ct":"AA=="}'])
def test_a_payload_that_is_not_ours_is_refused(broken):
    with pytest.raises(ValueError):
        decrypt_page(broken, key=KEY, path=PATH)


def test_exactly_one_of_password_and_key():
    with pytest.raises(TypeError):
        decrypt_page(encrypt())
    with pytest.raises(TypeError):
        decrypt_page(encrypt(), password=PASSWORD, key=KEY, path=PATH)


def test_real_iteration_count_round_trip():
    key = derive_key(PASSWORD, SALT, 600_000)
    assert key == hashlib.pbkdf2_hmac("sha256", b"K7QM2XDP9FHT", SALT, 600_000, 32)
    payload = encrypt_page(key, SALT, 600_000, PATH, "<p>Пятёрка</p>")
    assert fields(payload)["iter"] == 600_000
    assert decrypt_page(payload, password="k7qm 2xdp 9fht", path=PATH) == "<p>Пятёрка</p>"


# The shell --------------------------------------------------------------------------------

class Shell(HTMLParser):
    """What a browser would see in a shell: elements with attributes, and element texts."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[tuple[str, dict, str]] = []
        self._open: tuple[str, dict, list[str]] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style", "title"):
            self._open = (tag, dict(attrs), [])

    def handle_data(self, data):
        if self._open:
            self._open[2].append(data)

    def handle_endtag(self, tag):
        if self._open and self._open[0] == tag:
            self.texts.append((tag, self._open[1], "".join(self._open[2])))
            self._open = None

    def elements(self, tag: str) -> list[tuple[dict, str]]:
        return [(attrs, text) for t, attrs, text in self.texts if t == tag]

    def meta(self, **match: str) -> list[dict]:
        return [a for t, a in self.tags
                if t == "meta" and all(a.get(k) == v for k, v in match.items())]


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_csp_allows_exactly_the_inline_script_and_style():
    shell = Shell(render_shell(encrypt(), TOKEN))
    [script] = [text for attrs, text in shell.elements("script") if "type" not in attrs]
    [style] = [text for _, text in shell.elements("style")]
    [csp] = shell.meta(**{"http-equiv": "Content-Security-Policy"})
    assert csp["content"] == (
        f"default-src 'none'; script-src {sha256_source(script)}; "
        f"style-src {sha256_source(style)}; img-src data:; connect-src 'self'; "
        "worker-src 'self'; manifest-src 'self'; "
        "form-action 'none'; base-uri 'none'")
    assert "crypto.subtle" in script and "#unlock" in style
    # Nothing the policy would block: no style attributes, no external resources.
    assert not any("style" in attrs or "src" in attrs for _, attrs in shell.tags)
    assert [a["href"] for t, a in shell.tags if t == "link"] == ["data:,"]


def test_shell_head_keeps_the_page_private_and_phone_sized():
    html = render_shell(encrypt(), TOKEN)
    shell = Shell(html)
    assert html.startswith("<!DOCTYPE html>\n<html lang=\"ru\">")
    assert shell.meta(name="robots", content="noindex, nofollow")
    assert shell.meta(name="referrer", content="no-referrer")
    assert shell.meta(name="viewport", content="width=device-width, initial-scale=1")
    assert shell.elements("title") == [({}, "Электронный дневник")]
    # The CSP comes before anything it has to govern.
    assert html.index("Content-Security-Policy") < html.index("<style>")


def test_shell_has_the_form_with_the_token_for_password_managers():
    shell = Shell(render_shell(encrypt(), TOKEN))
    inputs = {a.get("name"): a for t, a in shell.tags if t == "input"}
    assert inputs["username"]["autocomplete"] == "username"
    assert inputs["username"]["value"] == TOKEN
    assert "visually-hidden" in inputs["username"]["class"]
    assert inputs["password"]["type"] == "password"
    assert inputs["password"]["autocomplete"] == "current-password"
    assert {a.get("id") for t, a in shell.tags} >= {"diary", "unlock", "logout", "remember",
                                                    "diary-payload", "message", "status"}


def test_payload_is_extractable_and_parses():
    payload = encrypt()
    [(attrs, text)] = [(a, t) for a, t in Shell(render_shell(payload, TOKEN)).elements("script")
                       if a.get("type") == "application/json"]
    assert attrs["id"] == "diary-payload"
    assert json.loads(text) == json.loads(payload)
    assert decrypt_page(text, key=KEY, path=PATH) == week_html(3)


def test_script_end_in_a_payload_field_cannot_break_out():
    evil = json.loads(encrypt())
    evil["note"] = "</script><script>alert(1)</script><!-- & -->"
    html = render_shell(json.dumps(evil), TOKEN)
    assert "alert(1)</script>" not in html and "<!--" not in html
    assert html.lower().count("</script") == 2  # the payload's own end, and the script's
    [text] = [t for a, t in Shell(html).elements("script") if a.get("id") == "diary-payload"]
    assert json.loads(text) == evil
    assert "\\u003c/script\\u003e" in text and "\\u0026" in text


def test_shell_refuses_what_is_not_json_or_not_a_token():
    with pytest.raises(ValueError):
        render_shell("{not json", TOKEN)
    for token in ("", "short", 'a"onmouseover="x', "../../etc", "токен-дневника"):
        with pytest.raises(ValueError):
            render_shell(encrypt(), token)


def test_nothing_personal_in_clear():
    html = render_shell(encrypt(week_html(7)), TOKEN, remember_days=21)
    for secret in (NAME, "Иванова", "Мария", "5А", "Математика", "Неделя", "Контрольная"):
        assert secret not in html
    assert "на 21 день;" in html
    # The only identifier in clear is the token, as the URL already shows it.
    assert set(re.findall(r'value="([^"]*)"', html)) == {TOKEN}
