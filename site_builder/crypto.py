"""Diary page encryption: AES-256-GCM under the pupil's PBKDF2 key, padded, deterministic.

A page's payload is the JSON object
``{"v":2,"kdf":"pbkdf2-sha256","iter":…,"salt":…,"iv":…,"ct":…}`` (base64 fields; ``ct``
carries the GCM tag). The plaintext is the page's body HTML in UTF-8, padded with 0x80 and
zeros to a size bucket so that a file's size does not tell how many marks it holds.

The page's path, ``d/<token>/<file name>``, is the GCM associated data: a page served at
another page's address does not open there, even under the same pupil's key. Version 1
pages (before the binding) had none; they open until the next build rewrites them.

The IV is synthetic (SIV-like): the first 12 bytes of HMAC-SHA256 over the page's path and
padded plaintext under a key derived from the page key. An unchanged page re-encrypts to the
same bytes, so the nightly build leaves its file alone, while a different content or path
never reuses an IV under the same key. The browser's ``unlock.js`` is the real decryptor;
``decrypt_page`` here is the reference one for tests and tools.
"""
from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import re
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from models.diary import derive_key  # the one key derivation (and its normalisation)

VERSION = 2
BOUND_FROM = 2  # the first version whose pages are bound to their path
KDF = "pbkdf2-sha256"
KEY_BYTES = 32
IV_BYTES = 12
SMALL_STEP = 4096
SMALL_LIMIT = 65536
LARGE_STEP = 16384
#: Padded sizes up to 64 KiB; above that every multiple of LARGE_STEP is a bucket too.
BUCKETS: tuple[int, ...] = tuple(range(SMALL_STEP, SMALL_LIMIT + 1, SMALL_STEP))

BAD_PAGE = "Неверный пароль, или страница повреждена или изменена."
BAD_FORMAT = "Страница повреждена: данные дневника не читаются."

_B64 = r'"[A-Za-z0-9+/]*={0,2}"'
# A payload as encrypt_page writes it: nothing but base64 fields, so nothing in clear.
_PAYLOAD = re.compile(rf'\{{"v":{VERSION},"kdf":"pbkdf2-sha256","iter":[1-9][0-9]{{0,8}},'
                      rf'"salt":{_B64},"iv":{_B64},"ct":{_B64}\}}')


def is_payload(text: str) -> bool:
    """Whether a text is a payload as encrypt_page writes it (and so holds nothing in clear)."""
    return _PAYLOAD.fullmatch(text) is not None


def bucket_size(length: int) -> int:
    """The padded size for a message of ``length`` bytes plus its 0x80 marker."""
    needed = length + 1
    step = SMALL_STEP if needed <= SMALL_LIMIT else LARGE_STEP
    return -(-needed // step) * step


def pad(data: bytes) -> bytes:
    """``data || 0x80 || 0x00…`` up to the size bucket (ISO/IEC 7816-4 padding)."""
    return data + b"\x80" + bytes(bucket_size(len(data)) - len(data) - 1)


def unpad(data: bytes) -> bytes:
    """Strip trailing zeros and the one 0x80 before them; ValueError if the marker is absent."""
    stripped = data.rstrip(b"\x00")
    if not stripped.endswith(b"\x80"):
        raise ValueError(BAD_FORMAT)
    return stripped[:-1]


def _check_key(key: bytes) -> None:
    if len(key) != KEY_BYTES:
        raise ValueError(f"Ключ дневника должен быть {KEY_BYTES} байта, а не {len(key)}.")


@functools.lru_cache(maxsize=64)
def _ciphers(key: bytes) -> tuple[AESGCM, bytes]:
    """The AES-GCM cipher and the IV's MAC key of a page key (a pupil's pages in a row)."""
    mac_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"diary-iv").derive(key)
    return AESGCM(key), mac_key


def _synthetic_iv(mac_key: bytes, path: str, padded: bytes) -> bytes:
    message = path.encode("utf-8") + b"\x00" + padded
    return hmac.new(mac_key, message, hashlib.sha256).digest()[:IV_BYTES]


def page_path(token: str, name: str) -> str:
    """What a page is bound to: its path in the site, as the browser reads it from its URL."""
    return f"d/{token}/{name}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def encrypt_page(key: bytes, salt: bytes, iterations: int, path: str, html: str) -> str:
    """The payload JSON text of the page at this path (page_path): same inputs give the
    same bytes, and it opens only at this path."""
    _check_key(key)
    padded = pad(html.encode("utf-8"))
    cipher, mac_key = _ciphers(key)
    iv = _synthetic_iv(mac_key, path, padded)
    ct = cipher.encrypt(iv, padded, path.encode("utf-8"))
    # What json.dumps(…, separators=(",", ":")) writes (base64 needs no escapes), faster.
    return (f'{{"v":{VERSION},"kdf":"{KDF}","iter":{int(iterations)},"salt":"{_b64(salt)}",'
            f'"iv":"{_b64(iv)}","ct":"{_b64(ct)}"}}')


def parse_payload(payload: str | dict[str, Any]) -> tuple[int, int, bytes, bytes, bytes]:
    """``(version, iterations, salt, iv, ct)`` of a payload; ValueError if not one of ours."""
    try:
        data = json.loads(payload) if isinstance(payload, str) else payload
        version = data["v"]
        if type(version) is not int or not 1 <= version <= VERSION or data["kdf"] != KDF:
            raise ValueError(BAD_FORMAT)
        iterations = data["iter"]
        if type(iterations) is not int or iterations < 1:
            raise ValueError(BAD_FORMAT)
        salt, iv, ct = (base64.b64decode(data[k], validate=True) for k in ("salt", "iv", "ct"))
    except (KeyError, TypeError, binascii.Error, json.JSONDecodeError) as error:
        raise ValueError(BAD_FORMAT) from error
    if len(iv) != IV_BYTES:
        raise ValueError(BAD_FORMAT)
    return version, iterations, salt, iv, ct


def decrypt_page(payload: str | dict[str, Any], password: str | None = None,
                 key: bytes | None = None, path: str | None = None) -> str:
    """The HTML of the page at this path (page_path) from its payload, by password or key;
    ValueError if wrong, altered or from another page."""
    if (password is None) == (key is None):
        raise TypeError("decrypt_page needs exactly one of password= and key=")
    version, iterations, salt, iv, ct = parse_payload(payload)
    if version >= BOUND_FROM and path is None:
        raise TypeError("a page is bound to its path: decrypt_page needs path=")
    page_key = key if key is not None else derive_key(str(password), salt, iterations)
    _check_key(page_key)
    associated = path.encode("utf-8") if version >= BOUND_FROM else None
    try:
        padded = AESGCM(page_key).decrypt(iv, ct, associated)
    except InvalidTag as error:
        raise ValueError(BAD_PAGE) from error
    try:
        return unpad(padded).decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(BAD_FORMAT) from error
