"""What a report's form opens on (issue 17, seen in the screenshots: the deputy opened
«Итоги успеваемости» on 1А and the running quarter, and got «Нет данных»). Reports of the
marks given for periods open on the last period already ended and the first class that
gets marks; the others on the current period and the first class. On the suite's pinned
today (25.11.2026) the real 2026/2027 calendar's 1st quarter has ended, the 2nd runs."""
from __future__ import annotations

import re

import pytest

from tests.school import SmallSchool


@pytest.fixture
def school(fresh_db, today) -> SmallSchool:
    return SmallSchool.build(today, real_calendar=True)


def chosen(browser, key: str) -> tuple[str, str]:
    page = browser.get(f"/reports/{key}").get_data(as_text=True)
    class_name = re.search(r'<select[^>]*name="class_id".*?<option value="\d+" selected>'
                           r"([^<]+)</option>", page, re.S).group(1)
    period = re.search(r'<select[^>]*name="period_id".*?<option value="\d+" selected>'
                       r"([^<(]+)", page, re.S).group(1).strip()
    return class_name, period


@pytest.mark.parametrize("key, opens_on", [
    ("progress", ("5А", "1-я четверть")), ("results", ("5А", "1-я четверть")),
    ("attendance", ("1А", "2-я четверть")), ("accumulation", ("1А", "2-я четверть"))])
def test_a_report_opens_where_its_figures_are(browser, people, key, opens_on):
    browser.login(people.deputy.login)
    assert chosen(browser, key) == opens_on
