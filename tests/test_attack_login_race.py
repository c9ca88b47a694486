"""Issue 10.5 as it was found: password guesses fired at once, from real threads, at two
`journal serve` processes sharing one database.

Before the fix each request read the failure count, spent 0.4 s on scrypt and wrote the
count + 1, so 24 guesses at once were all checked and the account stayed open; and one
address could lock anybody's account. Each server logs every refused login with its
attempt number and why (the administrator's and fail2ban's view): the tests count the
guesses that reached the password check there and in the database.
"""
from __future__ import annotations

import re

from models import LoginThrottle, Staff, database, db
from models.logins import ADDRESS_LIMIT
from models.people import LOGIN_REFUSED
from tests.panel import PASSWORD
from tests.served import VICTIM

ATTACKER, OWNER = "203.0.113.66", "198.51.100.7"
REFUSAL = re.compile(r"Login refused: login='victim\.vv' address=(\S+) attempt=(\d+) "
                     r"reason=([a-z ]+)")


def refusals(log: str) -> list[tuple[str, int, str]]:
    return [(a, int(n), reason) for a, n, reason in REFUSAL.findall(log)]


def refused(answer) -> bool:
    return answer.status == 200 and LOGIN_REFUSED in answer.body


def test_24_wrong_passwords_at_once_check_five_and_block_only_the_attackers_address(served):
    answers = served.burst([(VICTIM, f"guess-{i:02}") for i in range(24)], ATTACKER)

    assert all(refused(a) for a in answers)
    log = refusals(served.log())
    checked = [n for _, n, reason in log if reason == "wrong password"]
    assert sorted(checked) == [1, 2, 3, 4, 5], "only five guesses may reach the password check"
    assert sorted(n for _, n, _ in log) == list(range(1, 25)), "every attempt counted once"
    # Now even the right password is refused from the attacker's address...
    assert refused(served.log_in(served.open_login_page(0), VICTIM, PASSWORD, ATTACKER))
    # ...while the owner, at another address, logs in on either server.
    welcome = served.log_in(served.open_login_page(1), VICTIM, PASSWORD, OWNER)
    assert welcome.status == 302 and welcome.location.endswith("/")

    database.bind(served.database_url)
    throttle = LoginThrottle.get(login=VICTIM, address=ATTACKER)
    assert throttle.attempts == 25
    assert Staff.get(login=VICTIM).locked_until is None  # one address cannot lock an account
    db.close()


def test_16_wrong_and_the_right_password_at_once_check_at_most_five(served):
    """The outcome depends on which request the servers count first, so both are allowed,
    each only with the count that explains it."""
    attempts = [(VICTIM, f"guess-{i:02}") for i in range(16)] + [(VICTIM, PASSWORD)]
    answers = served.burst(attempts, ATTACKER)

    assert all(refused(a) for a in answers[:16])
    log = refusals(served.log())
    assert len(log) == 16 + refused(answers[16])
    wrong_checked = [n for _, n, reason in log if reason == "wrong password"]
    assert len(wrong_checked) <= ADDRESS_LIMIT and max(wrong_checked) <= ADDRESS_LIMIT
    database.bind(served.database_url)
    attempts_counted = LoginThrottle.get(login=VICTIM, address=ATTACKER).attempts
    db.close()
    if refused(answers[16]):
        # The right one came after the five guesses: counted 6th or later, never checked.
        assert len(wrong_checked) == ADDRESS_LIMIT
        assert sorted(n for _, n, _ in log) == list(range(1, 18))
        assert attempts_counted == 17
    else:
        # It was among the first five; a right password uses none of the five guesses.
        assert answers[16].status == 302
        assert attempts_counted == 16
