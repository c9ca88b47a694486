"""The encrypted backup file: a small header, then the SQLite file in AES-256-GCM chunks.

The backup holds every diary's key and every password hash, so it is encrypted with a key
from a passphrase (scrypt) or from a key file (32 random bytes, HKDF with the file's salt,
so no two backups share a key). Layout, all integers big-endian:

    magic      14 bytes  b"JOURNAL-BACKUP"
    version     1 byte   1
    kdf         1 byte   1 = scrypt(passphrase), 2 = HKDF-SHA256(key file)
    log2 n, r, p  3 bytes  scrypt's cost (zeros for a key file)
    salt       16 bytes  random, per file
    nonce      7 bytes   random prefix, per file
    chunk size 4 bytes   plaintext bytes per chunk (the last one may be shorter, even empty)

then each chunk: AES-256-GCM(key, nonce = prefix + chunk index (4 bytes) + final flag
(1 byte), associated data = the header + chunk index + final flag) — ciphertext and its
16-byte tag. The last chunk alone carries final = 1, so a file cut at a chunk boundary,
chunks swapped, or a header byte changed all fail the tag check (the STREAM construction).
"""
from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from .base import RuleError

MAGIC = b"JOURNAL-BACKUP"
VERSION = 1
SCRYPT, KEY_FILE = 1, 2
HEADER = struct.Struct(">14sBBBBB16s7sI")
CHUNK = 1 << 20
TAG = 16
# scrypt with n = 2^17, r = 8 takes 128 MiB and about half a second (OWASP's bar); a file
# asking for more than LIMITS allows is refused before any memory is spent on it.
SCRYPT_COST = (17, 8, 1)
LIMITS = (20, 32, 16)
KEY_BYTES = 32
MIN_PASSPHRASE = 12


@dataclass(frozen=True)
class Secret:
    """What opens a backup: a passphrase or a key file's 32 bytes."""

    passphrase: str | None = None
    key: bytes | None = None


def encrypt(src: BinaryIO, out: BinaryIO, secret: Secret) -> None:
    """Write `src` to `out` encrypted, chunk by chunk (memory stays at two chunks)."""
    salt, prefix = os.urandom(16), os.urandom(7)
    kdf, cost = (SCRYPT, SCRYPT_COST) if secret.passphrase is not None else (KEY_FILE, (0, 0, 0))
    header = HEADER.pack(MAGIC, VERSION, kdf, *cost, salt, prefix, CHUNK)
    aead = AESGCM(_derive(secret, kdf, cost, salt))
    out.write(header)
    index, chunk = 0, src.read(CHUNK)
    while True:
        following = src.read(CHUNK)
        final = not following
        out.write(aead.encrypt(*_nonce_and_aad(header, prefix, index, final, chunk)))
        if final:
            return
        index, chunk = index + 1, following


def decrypt(src: BinaryIO, out: BinaryIO, secret: Secret) -> None:
    """Write the plaintext of `src` to `out`; RuleError on a wrong secret or a changed,
    truncated or extended file (nothing written to `out` is to be trusted then)."""
    raw = src.read(HEADER.size)
    if len(raw) < HEADER.size or not raw.startswith(MAGIC):
        raise RuleError("Файл не является зашифрованной копией журнала (нет заголовка "
                        "JOURNAL-BACKUP) или обрезан.")
    _, version, kdf, log_n, r, p, salt, prefix, size = HEADER.unpack(raw)
    if version != VERSION or kdf not in (SCRYPT, KEY_FILE) or not 0 < size <= 64 * CHUNK:
        raise RuleError(f"Копия в формате версии {version}, которого эта программа не знает: "
                        "восстановите её той версией журнала, которая её сделала.")
    if kdf == SCRYPT and not all(0 < v <= m for v, m in zip((log_n, r, p), LIMITS)):
        raise RuleError("Параметры scrypt в заголовке копии недопустимы: файл повреждён.")
    if kdf == SCRYPT and secret.passphrase is None:
        raise RuleError("Копия зашифрована паролем: укажите --passphrase-file (или "
                        "переменную JOURNAL_BACKUP_PASSPHRASE).")
    if kdf == KEY_FILE and secret.key is None:
        raise RuleError("Копия зашифрована ключом: укажите --key-file.")
    aead = AESGCM(_derive(secret, kdf, (log_n, r, p), salt))
    for index, chunk, final in _chunks(src, size + TAG):
        try:
            out.write(aead.decrypt(*_nonce_and_aad(raw, prefix, index, final, chunk)))
        except InvalidTag:
            raise RuleError(
                "Не удалось расшифровать копию: неверный пароль или ключ, либо файл изменён "
                "или обрезан. Ничего не изменено.") from None


def _chunks(src: BinaryIO, size: int) -> Iterator[tuple[int, bytes, bool]]:
    """(index, chunk, final) read ahead by one, so the last chunk is known as the last."""
    index, chunk = 0, src.read(size)
    while True:
        following = src.read(size)
        yield index, chunk, not following
        if not following:
            return
        index, chunk = index + 1, following


def _nonce_and_aad(header: bytes, prefix: bytes, index: int, final: bool,
                   data: bytes) -> tuple[bytes, bytes, bytes]:
    position = struct.pack(">IB", index, final)
    return prefix + position, data, header + position


def _derive(secret: Secret, kdf: int, cost: tuple[int, int, int], salt: bytes) -> bytes:
    if kdf == SCRYPT:
        assert secret.passphrase is not None
        log_n, r, p = cost
        return Scrypt(salt=salt, length=32, n=1 << log_n, r=r, p=p).derive(
            secret.passphrase.encode())
    assert secret.key is not None
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt,
                info=b"journal-backup v1").derive(secret.key)


def new_key() -> bytes:
    """A key file's text: 32 random bytes as 64 hex digits (printable, to keep on paper)."""
    return os.urandom(KEY_BYTES).hex().encode() + b"\n"


def read_key(path: os.PathLike) -> bytes:
    """The 32 bytes of a key file: 64 hex digits (as --new-key writes) or 32 raw bytes."""
    data = _read(path, "ключа")
    text = data.strip()
    try:
        key = bytes.fromhex(text.decode("ascii")) if len(text) == 2 * KEY_BYTES else data
    except (UnicodeDecodeError, ValueError):
        key = data
    if len(key) != KEY_BYTES:
        raise RuleError(f"Файл ключа {path} не похож на ключ: нужно 64 шестнадцатеричные "
                        "цифры (его пишет journal backup --new-key).")
    return key


def read_passphrase(path: os.PathLike) -> str:
    """The passphrase in a file: its first line, without the line end."""
    try:
        text = _read(path, "пароля").decode("utf-8")
    except UnicodeDecodeError:
        raise RuleError(f"Файл пароля {path} не в кодировке UTF-8.") from None
    lines = text.splitlines()
    if not lines or not lines[0]:
        raise RuleError(f"Файл пароля {path} пуст.")
    return lines[0]


def _read(path: os.PathLike, what: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(4096)
    except OSError as exc:
        raise RuleError(f"Не удалось прочитать файл {what} {path}: {exc.strerror}.") from None
