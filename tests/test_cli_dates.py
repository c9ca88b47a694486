"""Every date a `journal` command takes is read by one type (models.cli_types.DATE): typed
as 30.11.2026 or as 2026-11-30, and refused in one Russian line naming the option when it
is not a day of the calendar. Each command that takes a date is run here with both."""
from __future__ import annotations

import datetime as dt

import click
import pytest

import models.diary as diary_model
from journal_cli import main
from models import database
from models.cli_types import DATE
from site_builder import printing
from tests.outputs import CONTENT, FAST_ITERATIONS

BAD = "31.02.2026"
REFUSAL = f"Дата «{BAD}» не читается: нужна дата вида 30.11.2026 или 2026-11-30."


def refused(result, option: str) -> None:
    """A usage error (exit code 2) whose error line is Russian and names the option."""
    assert result.exit_code == 2, result.output
    assert f"Error: '{option}': {REFUSAL}" in result.output.splitlines(), result.output


@pytest.mark.parametrize("typed", ["30.11.2026", "2026-11-30", " 30.11.2026 "])
def test_both_ways_of_typing_a_date_give_the_day(typed):
    assert DATE.convert(typed, None, None) == dt.date(2026, 11, 30)


def test_a_date_or_datetime_given_by_another_command_is_kept_as_its_day():
    assert DATE.convert(dt.date(2026, 11, 30), None, None) == dt.date(2026, 11, 30)
    assert DATE.convert(dt.datetime(2026, 11, 30, 8, 30), None, None) == dt.date(2026, 11, 30)


@pytest.mark.parametrize("typed", [BAD, "2026-02-31", "30/11/2026", "30.11.26", "завтра", ""])
def test_anything_else_is_refused_in_russian(typed):
    with pytest.raises(click.BadParameter) as refusal:
        DATE.convert(typed, None, None)
    assert refusal.value.format_message() == (
        f"Дата «{typed}» не читается: нужна дата вида 30.11.2026 или 2026-11-30.")


# --- journal build --today ------------------------------------------------------------

def build(runner, output, typed: str):
    return runner.invoke(main, ["build", "--output", str(output), "--content", str(CONTENT),
                                "--today", typed, "--workers", "1"])


def test_build_refuses_an_impossible_today_and_builds_nothing(school, runner, tmp_path):
    output = tmp_path / "output"
    refused(build(runner, output, BAD), "--today")
    assert not output.exists()


def test_build_reads_today_typed_either_way(school, runner, tmp_path, monkeypatch):
    """A week back from the school's today, typed as 18.11.2026: the diary ends with that
    week; the same day typed as 2026-11-18 then changes nothing."""
    monkeypatch.setattr(diary_model, "ITERATIONS", FAST_ITERATIONS)
    access, _ = diary_model.issue(school.pupils5[0])
    day = school.today - dt.timedelta(days=7)
    output = tmp_path / "output"
    first = build(runner, output, f"{day:%d.%m.%Y}")
    assert first.exit_code == 0, first.output
    weeks = sorted((output / "site" / "d" / access.token).glob("week-*.html"))
    assert weeks[-1].name == f"week-{printing.monday_of(day).isoformat()}.html"
    again = build(runner, output, day.isoformat())
    assert again.exit_code == 0, again.output
    assert "дневников 1 (обновлено 0)" in again.output


# --- journal print week --week ---------------------------------------------------------

def print_week(runner, target, typed: str):
    result = runner.invoke(main, ["print", "week", "--class", "5А", "--week", typed,
                                  "-o", str(target)])
    database.bind()  # the command rebinds the models
    return result


def test_print_week_refuses_an_impossible_week_and_writes_nothing(school, runner, tmp_path):
    target = tmp_path / "week.html"
    refused(print_week(runner, target, BAD), "--week")
    assert not target.exists()


@pytest.mark.parametrize("form", ["%d.%m.%Y", "%Y-%m-%d"])
def test_print_week_reads_the_week_typed_either_way(school, runner, tmp_path, form):
    day = school.today - dt.timedelta(days=14)
    monday = printing.monday_of(day)
    target = tmp_path / "week.html"
    result = print_week(runner, target, day.strftime(form))
    assert result.exit_code == 0, result.output
    assert f"(неделя {monday:%d.%m}–" in result.output and target.exists()
