"""The suite's clock: "today" is pinned by JOURNAL_TODAY, never read from the machine."""
from __future__ import annotations

import datetime as dt

import pytest

from journal_cli import main
from models import Lesson, RuleError, SchoolSettings, database
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


# The school's local date (issue 12.5): Moscow is UTC+3, Yekaterinburg UTC+5. A moment
# pinned with its offset is read on the school's clock, as the real clock would be.
SUNDAY, MONDAY = dt.date(2026, 11, 29), dt.date(2026, 11, 30)
ZONES = {  # the school's zone: the UTC moments of 23:30 and of 00:30 the next day there
    "Europe/Moscow": ("2026-11-29T20:30:00+00:00", "2026-11-29T21:30:00+00:00"),
    "Asia/Yekaterinburg": ("2026-11-29T18:30:00+00:00", "2026-11-29T19:30:00+00:00"),
}


@pytest.mark.parametrize("zone", ZONES)
def test_the_schools_date_turns_at_its_own_midnight(monkeypatch, zone):
    before, after = ZONES[zone]
    settings = SchoolSettings(timezone=zone)
    monkeypatch.setenv("JOURNAL_TODAY", before)
    assert settings.today() == SUNDAY  # 23:30 there: still Sunday
    monkeypatch.setenv("JOURNAL_TODAY", after)
    assert settings.today() == MONDAY  # 00:30 there: Monday, though UTC is still Sunday
    monkeypatch.setenv("JOURNAL_TODAY", "2026-11-29T21:30:00")
    with pytest.raises(RuleError, match="смещением"):  # a moment without offset is no moment
        settings.today()


@pytest.mark.parametrize("zone", ZONES)
def test_the_grid_takes_a_lesson_of_the_schools_today_after_its_midnight(school, people,
                                                                         browser,
                                                                         monkeypatch, zone):
    """At 23:30 school time Monday's lesson is «in the future» (rule 1); at 00:30 it is
    today's, though in UTC (and, for Yekaterinburg, in Moscow) it is still Sunday."""
    SchoolSettings.update(timezone=zone).execute()
    before, after = ZONES[zone]
    browser.login(people.teacher.login)
    lesson = {"class_id": school.c5.id, "subject_id": school.math.id,
              "date": MONDAY.isoformat(), "number": 1, "topic": "Сложение дробей"}
    monkeypatch.setenv("JOURNAL_TODAY", before)
    refused = browser.post_json("/journal/api/lesson", lesson)
    assert refused.status_code == 422
    assert "30.11.2026: эта дата ещё не наступила" in refused.get_json()["error"]
    assert not Lesson.select().where(Lesson.date == MONDAY).exists()
    monkeypatch.setenv("JOURNAL_TODAY", after)
    accepted = browser.post_json("/journal/api/lesson", lesson)
    assert accepted.status_code == 200, accepted.get_json()
    assert Lesson.get_by_id(accepted.get_json()["id"]).date == MONDAY


@pytest.mark.parametrize("moment, week", [
    (ZONES["Europe/Moscow"][0], "неделя 23.11–28.11.2026"),
    (ZONES["Europe/Moscow"][1], "неделя 30.11–05.12.2026"),
])
def test_the_cli_sees_the_same_date(school, runner, monkeypatch, tmp_path, moment, week):
    """`journal print week` without --week prints the week of the school's today."""
    monkeypatch.setenv("JOURNAL_TODAY", moment)
    result = runner.invoke(main, ["print", "week", "--class", "5А",
                                  "-o", str(tmp_path / "sheets.html")])
    database.bind()  # the command rebinds the models
    assert result.exit_code == 0, result.output
    assert week in result.output


def test_news_published_after_the_schools_midnight_is_that_weeks_news(school):
    """Publication times are stored in UTC: 22:00 UTC on Sunday is 01:00 on Monday in
    Moscow, so the news belongs to Monday's week and shows Monday's date."""
    from models import News
    from site_builder.printing import week_news

    news = News.create(title="Собрание", body="-", published_at=dt.datetime(2026, 11, 29, 22))
    assert week_news(school.c5, dt.date(2026, 11, 23)) == []
    [found] = week_news(school.c5, dt.date(2026, 11, 30))
    assert found.id == news.id and found.published_local == dt.datetime(2026, 11, 30, 1)
