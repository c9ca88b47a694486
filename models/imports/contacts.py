"""What an imported name, phone and e-mail must look like, and how they are matched.

The panel's cards take any text in these fields; a file from a regional system or typed in
a spreadsheet brings typing slips by the hundred, so the import checks them: a phone is
digits with the usual «+», brackets, spaces and hyphens (5 to 15 digits), an e-mail has one
«@» and a dot in its domain.
"""
from __future__ import annotations

import re

from ..people import fold_name
from ..texts import quoted

PHONE = re.compile(r"[0-9+()\- ]+")
PHONE_DIGITS = (5, 15)
PHONE_EXPECTED = "номер телефона, например +7 912 345-67-89 или 8 (912) 345-67-89"
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
EMAIL_EXPECTED = "адрес электронной почты, например ivanova@mail.ru"
NAME_EXPECTED = "фамилия, имя и отчество через пробел, например «Иванова Мария Петровна»"


def phone_problem(phone: str) -> str:
    """What is wrong with a typed phone ('' when nothing)."""
    digits = re.sub(r"\D", "", phone)
    if not PHONE.fullmatch(phone) or not PHONE_DIGITS[0] <= len(digits) <= PHONE_DIGITS[1]:
        return f"{quoted(phone)} — не номер телефона"
    return ""


def email_problem(email: str) -> str:
    """What is wrong with a typed e-mail ('' when nothing)."""
    return "" if EMAIL.fullmatch(email) else f"{quoted(email)} — не адрес электронной почты"


def phone_key(phone: str) -> str:
    """A phone as matched: its digits, a Russian number always with 7 (8 912…, +7 912…
    and 912… are one number)."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 11 and digits[0] == "8":
        return "7" + digits[1:]
    if len(digits) == 10:
        return "7" + digits
    return digits


def split_name(full_name: str) -> tuple[str, str, str] | None:
    """Surname, name and patronymic from «Иванова Мария Петровна» (a patronymic of two
    words, «Ахмед оглы», kept whole); None for a single word."""
    parts = full_name.split()
    if len(parts) < 2:
        return None
    return parts[0], parts[1], " ".join(parts[2:])


def name_key(last: str, first: str, middle: str) -> str:
    """A person's name as matched (case and «ё» ignored), as Person.search_name holds it."""
    return fold_name(last, first, middle)
