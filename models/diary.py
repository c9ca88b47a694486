"""Access to a pupil's static diary: its unguessable address and the key of its password.

The password itself is never stored: only a salt and the PBKDF2-HMAC-SHA256 key derived
from it, which the site builder uses to encrypt the pages (DESIGN.md, section 5). The
browser derives the same key from what the parent types, after `normalise_password`.
"""
from __future__ import annotations

import base64
import binascii
import random
import re
import secrets
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, IntegrityError

from .auditing import AuditedModel
from .base import RuleError, utcnow, write_transaction
from .people import Student, readable_password

# OWASP's figure for PBKDF2-HMAC-SHA256; tests lower it, one test keeps it.
ITERATIONS = 600_000
SALT_BYTES = 16
KEY_BYTES = 32
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
# Typed separators that carry no meaning, and Crockford's look-alikes of 0 and 1.
_DROPPED = " -._"
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
# (typed, canonical): the browser's copy of normalise_password must agree on each.
NORMALISE_VECTORS = [
    ("K7QM-2XDP-9FHT", "K7QM2XDP9FHT"),
    ("k7qm 2xdp-9fht", "K7QM2XDP9FHT"),
    ("  k7qm.2xdp_9fht ", "K7QM2XDP9FHT"),
    ("oOiI-lL01-abcd", "00111101ABCD"),
    ("1 2-3.4_5", "12345"),
    ("ab+c\tк", "AB+C\tК"),
]


def normalise_password(text: str) -> str:
    """The canonical form fed to PBKDF2: upper case, no " -._", O as 0, I and L as 1."""
    upper = text.upper()
    return "".join(c for c in upper if c not in _DROPPED).translate(_LOOK_ALIKES)


def derive_key(password: str, salt: bytes, iterations: int = ITERATIONS) -> bytes:
    """PBKDF2-HMAC-SHA256 of the normalised password: the 32-byte page key."""
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt,
                     iterations=iterations)
    return kdf.derive(normalise_password(password).encode("utf-8"))


def derive_keys(jobs: Sequence[tuple[str, bytes]], iterations: int) -> list[bytes]:
    """derive_key for each (password, salt), two at a time.

    Threads rather than demo.py's processes: cryptography's PBKDF2 releases the GIL
    (measured: two threads halve the time), and threads need no fork or pickling.
    """
    if len(jobs) < 2:
        return [derive_key(p, s, iterations) for p, s in jobs]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda job: derive_key(job[0], job[1], iterations), jobs))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64_length(text: str) -> int | None:
    try:
        return len(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        return None


class DiaryAccess(AuditedModel):
    """A pupil's diary address token and the key derived from the diary password."""

    # The audit log notes a new password without its key material.
    audit_secret = ("salt", "key")

    student = ForeignKeyField(Student, unique=True, backref="diary", on_delete="CASCADE")
    # The diary lives at /d/<token>/; the token stays when the password is rotated.
    token = CharField(unique=True)
    salt = CharField()  # base64 of 16 random bytes
    iterations = IntegerField(default=600_000)
    key = CharField()  # base64 of the 32-byte PBKDF2 output
    issued_at = DateTimeField(default=utcnow)

    @property
    def path(self) -> str:
        """The diary's folder in the site, relative to its root: d/<token>/."""
        return f"d/{self.token}/"

    def url(self, base_url: str) -> str:
        """The full diary address under the site's base address."""
        return f"{base_url.rstrip('/')}/{self.path}"

    @property
    def salt_bytes(self) -> bytes:
        return base64.b64decode(self.salt)

    @property
    def key_bytes(self) -> bytes:
        return base64.b64decode(self.key)

    def matches(self, password: str) -> bool:
        """Whether the password derives this row's key (slow: one full PBKDF2)."""
        candidate = derive_key(password, self.salt_bytes, self.iterations)
        return secrets.compare_digest(candidate, self.key_bytes)

    def validate(self) -> None:
        if not TOKEN_RE.match(self.token or ""):
            raise RuleError("Адрес дневника должен быть из 32 шестнадцатеричных символов.")
        if _b64_length(self.salt or "") != SALT_BYTES or _b64_length(self.key or "") != KEY_BYTES:
            raise RuleError("Соль и ключ дневника повреждены: выдайте пароль заново.")
        if not self.iterations or self.iterations < 1:
            raise RuleError("Число итераций PBKDF2 должно быть положительным.")


@dataclass
class Grant:
    """One pupil's outcome: a new or rotated password, or the old one kept (not known)."""

    student: Student
    access: DiaryAccess
    password: str | None
    status: str  # "issued", "rotated" or "kept"
    old_salt: str | None = None


def plan(students: Iterable[Student], rotate: bool = False,
         rng: random.Random | None = None) -> list[Grant]:
    """Generate passwords and derive keys for the pupils, without writing the database."""
    students = list(students)
    existing = {a.student_id: a for a in DiaryAccess.select().where(
        DiaryAccess.student.in_([s.id for s in students]))} if students else {}
    grants, jobs = [], []
    for student in students:
        access = existing.get(student.id)
        if access is not None and not rotate:
            grants.append(Grant(student, access, None, "kept"))
            continue
        password, salt = readable_password(rng), secrets.token_bytes(SALT_BYTES)
        if access is None:
            access = DiaryAccess(student=student, token=secrets.token_hex(16))
            grant = Grant(student, access, password, "issued")
        else:
            grant = Grant(student, access, password, "rotated", old_salt=access.salt)
        access.salt, access.iterations, access.issued_at = _b64(salt), ITERATIONS, utcnow()
        grants.append(grant)
        jobs.append((grant, password, salt))
    keys = derive_keys([(p, s) for _, p, s in jobs], ITERATIONS)
    for (grant, _, _), key in zip(jobs, keys):
        grant.access.key = _b64(key)
    return grants


def save(grants: Iterable[Grant]) -> None:
    """Write the planned grants in one transaction; refuse if another run got there first."""
    try:
        with write_transaction():
            for grant in grants:
                if grant.status == "issued":
                    grant.access.save()
                elif grant.status == "rotated":
                    _save_rotation(grant)
    except IntegrityError:
        raise RuleError("Пароль дневника одновременно выдан в другом окне или процессе; "
                        "ничего не изменено, повторите команду.") from None


def _save_rotation(grant: Grant) -> None:
    """Replace salt and key only if nobody rotated the row since it was planned."""
    access = grant.access
    access.validate()
    access.updated_at = utcnow()
    old = DiaryAccess.get_or_none(DiaryAccess.id == access.id)
    changed = (DiaryAccess.update(salt=access.salt, key=access.key,
                                  iterations=access.iterations, issued_at=access.issued_at,
                                  updated_at=access.updated_at)
               .where((DiaryAccess.id == access.id) & (DiaryAccess.salt == grant.old_salt))
               .execute())
    if changed != 1:
        raise RuleError(f"Пароль дневника ({grant.student.full_name}) только что сменён "
                        "в другом окне или процессе; ничего не изменено, повторите команду.")
    access.audit_update(old)  # an UPDATE bypasses save(): log the rotation here


def issue(student: Student, rotate: bool = False,
          rng: random.Random | None = None) -> tuple[DiaryAccess, str | None]:
    """The pupil's diary access and its new password; (access, None) when one is kept."""
    [grant] = plan([student], rotate=rotate, rng=rng)
    save([grant])
    return grant.access, grant.password
