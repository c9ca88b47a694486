"""What typed text may hold, and how a refusal quotes it (issue 11.3, 11.4).

Every row's text is checked before it is saved (BaseModel.save) and the panel checks every
field of a request with the same function, so the panel, the CLI and imports agree.
"""
from __future__ import annotations

import re
import unicodedata

from .base import RuleError

# Tabs and line breaks are typing; no other C0 control character is. NUL above all:
# PostgreSQL stores none in text (a 500 there, silently kept by SQLite). A lone surrogate,
# which JSON's "\ud800" can carry, is no UTF-8 at all and fails in either database.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
CONTROL_REFUSED = ("В тексте есть управляющие символы (например, нулевой байт), которых не "
                   "бывает в набранном тексте: наберите его заново или вставьте без них.")
# How much of what someone typed a message quotes: enough to recognise, never a whole paste.
QUOTED = 40


def check_text(*texts: str) -> None:
    """Typed text holds no control character but tabs and line breaks."""
    if any(_CONTROL.search(text) for text in texts):
        raise RuleError(CONTROL_REFUSED)


def check_name(text: str, what: str = "Имя") -> None:
    """A person's name holds no invisible format character: a right-to-left override or a
    zero-width one makes a name look like another in every list and printout."""
    check_text(text)
    if any(unicodedata.category(c) == "Cf" for c in text):
        raise RuleError(f"{what}: в тексте есть невидимые символы форматирования (например, "
                        "смена направления письма). Наберите его заново с клавиатуры.")


def quoted(text: str) -> str:
    """Input quoted in a message, «like this», cut to its first 40 characters."""
    text = text.strip()
    return f"«{text}»" if len(text) <= QUOTED else f"«{text[:QUOTED]}…»"
