"""The README tells the truth: every command, option of the environment and the CI command."""
from __future__ import annotations

import re
from pathlib import Path

import click

from admin.config import ENVIRONMENT as PANEL_ENVIRONMENT
from journal_cli import main
from models.database import ENVIRONMENT

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def command_paths(group: click.Group, prefix: str = "journal"):
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            yield from command_paths(command, path)
        else:
            yield path, command


def test_every_command_and_option_is_in_the_readme():
    for path, command in command_paths(main):
        assert f"`{path}" in README, f"{path} is not documented in README.md"
        line = next(ln for ln in README.splitlines() if f"`{path}" in ln)
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--"):
                    assert opt in line, f"{path} {opt} is not documented in README.md"


def test_every_environment_variable_is_in_the_readme():
    for name, default, _help in ENVIRONMENT + PANEL_ENVIRONMENT:
        assert re.search(rf"^\| `{name}` \| `{re.escape(default)}` \|", README, re.M), name


def test_ci_runs_the_readme_test_command():
    blocks = re.findall(r"```sh\n(.+?)\n```", README, re.S)
    assert len(blocks) >= 2
    test_command = blocks[1].strip()
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(rf"^{re.escape(test_command)}$", ci, re.M)  # the same line, nothing added
    assert "pytest" in (ROOT / test_command.split()[-1]).read_text()
