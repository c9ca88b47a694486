"""Driving the panel over HTTP the way a browser does: log in, read the CSRF token, post."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from models import ALL_MODELS, Staff, Subgroup, TeachingAssignment
from tests.school import SmallSchool, staff

PASSWORD = "correct-horse-9"
# The tests' people carry a cheap hash of the same scheme (as Django's test settings swap
# in a fast hasher): a login checks it through the same check_password_hash, which reads
# the cost from the hash, in milliseconds instead of 0.27 s at the production cost — a
# third of the suite's time was logins. The production cost is checked where it matters:
# every password the product sets (test_database: PASSWORD_METHOD's scrypt), the unknown
# login's dummy hash, and the login races (tests/served.py) whose window it makes.
TEST_HASH_METHOD = "scrypt:1024:8:1"
_HASH = generate_password_hash(PASSWORD, method=TEST_HASH_METHOD)
_CSRF = re.compile(r'name="csrf[-_]token" (?:value|content)="([^"]+)"')
CYRILLIC = re.compile("[А-Яа-яЁё]")  # an answer in Russian has some


@dataclass
class Staffing:
    """The people of the small school, one per role the rules tell apart."""

    teacher: Staff        # teaches maths in 5А, 1А, 6А; class teacher of all three
    english: Staff        # teaches English to 5А's group 1 only
    other: Staff          # teaches nothing in 5А: another teacher's rows are not theirs
    class_teacher: Staff  # class teacher of 6А only, teaches nothing
    deputy: Staff
    director: Staff
    admin: Staff

    @classmethod
    def build(cls, school: SmallSchool) -> Staffing:
        english = staff("english.bb")
        TeachingAssignment.create(school_class=school.c5, subject=school.english,
                                  subgroup=school.group1, teacher=english)
        other = staff("other.cc")
        group2 = Subgroup.create(school_class=school.c6, subject=school.english, name="2 группа")
        TeachingAssignment.create(school_class=school.c6, subject=school.english,
                                  subgroup=group2, teacher=other)
        class_teacher = staff("classteacher.dd")
        school.c6.class_teacher = class_teacher
        school.c6.save()
        people = cls(school.teacher, english, other, class_teacher, staff("deputy.ee", "deputy"),
                     staff("director.ff", "director"), staff("admin.gg", "admin"))
        for person in vars(people).values():
            person.password_hash = _HASH
            person.save()
        return people


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class Browser:
    """A test client that logs in and posts forms and JSON with the page's CSRF token."""

    def __init__(self, client: FlaskClient):
        self.client = client
        self.token = ""

    def get(self, url: str, **kwargs):
        response = self.client.get(url, **kwargs)
        if response.mimetype != "text/html":
            return response
        match = _CSRF.search(response.get_data(as_text=True))
        if match:
            self.token = match.group(1)
        return response

    def login(self, login: str, password: str = PASSWORD):
        self.get("/login/")
        response = self.client.post("/login/", data={"login": login, "password": password,
                                                     "csrf_token": self.token})
        self.token = ""  # logging in starts a fresh session, with a fresh CSRF token
        return response

    def post(self, url: str, data: dict | None = None, **kwargs):
        if not self.token:
            self.get("/")
        return self.client.post(url, data={**(data or {}), "csrf_token": self.token}, **kwargs)

    def post_json(self, url: str, payload: dict):
        if not self.token:
            self.get("/")
        return self.client.post(url, json=payload, headers={"X-CSRFToken": self.token})


def fill(browser: Browser, url: str, data: dict, **kwargs):
    """Open a form page as a person would, then submit it."""
    browser.get(url)
    return browser.post(url, data, follow_redirects=True, **kwargs)


def text(response) -> str:
    return response.get_data(as_text=True)


def rows() -> dict[str, list[tuple]]:
    """Every row of every table, to show that a refused request wrote nothing."""
    return {m.__name__: list(m.select().order_by(m._meta.primary_key).tuples())
            for m in ALL_MODELS}
