"""The one way the database reaches Pelican: a generator that writes the pupils' diaries.

`generate_context` only reads (what the last build knew); `generate_output` only writes.
Receivers are module-level functions: Pelican's signals hold them by weak reference.
"""
from __future__ import annotations

from pathlib import Path

from pelican import signals
from pelican.generators import Generator


class DiaryGenerator(Generator):
    """Writes /d/<token>/… for every pupil with diary credentials; never an article."""

    def generate_context(self) -> None:
        self.job = self.settings["JOURNAL_DIARY_JOB"]
        self.job.plan(self.context)  # the articles and pages are read by now

    def generate_output(self, writer) -> None:
        self.job.write(Path(self.output_path))


def get_generators(pelican):
    return DiaryGenerator


def register() -> None:
    signals.get_generators.connect(get_generators)
