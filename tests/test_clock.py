"""The suite's clock: "today" is pinned by JOURNAL_TODAY, never read from the machine."""
from __future__ import annotations

import datetime as dt

import pytest

from models import RuleError, SchoolSettings
from tests.conftest import PINNED_TODAY


def test_the_suite_runs_on_the_pinned_day(today):
    assert today == dt.date.fromisoformat(PINNED_TODAY)
    assert SchoolSettings().today() == today


def test_journal_today_pins_the_schools_date(monkeypatch):
    monkeypatch.setenv("JOURNAL_TODAY", "2027-01-01")
    assert SchoolSettings().today() == dt.date(2027, 1, 1)


def test_a_malformed_pin_is_refused_in_russian(monkeypatch):
    monkeypatch.setenv("JOURNAL_TODAY", "01.01.2027")
    with pytest.raises(RuleError, match="ГГГГ-ММ-ДД"):
        SchoolSettings().today()
