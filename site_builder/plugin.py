"""The one way the database reaches Pelican: a generator that writes the pupils' diaries.

`generate_context` only reads (what the last build knew); `generate_output` only writes.
Receivers are module-level functions: Pelican's signals hold them by weak reference.
"""
from __future__ import annotations

from pathlib import Path

from pelican import signals
from pelican.generators import Generator

# The setting through which site_builder.build hands this run's DiaryJob to the generator.
JOB = "JOURNAL_DIARY_JOB"


class DiaryGenerator(Generator):
    """Writes /d/<token>/… for every pupil with diary credentials; never an article."""

    def generate_context(self) -> None:
        self.job = self.settings[JOB]
        self.job.plan(self.context)  # the articles and pages are read by now

    def generate_output(self, writer) -> None:
        self.job.write(Path(self.output_path))


def get_generators(pelican):
    """The diary generator, only for a run that `journal build` configured: the receiver
    stays connected for the whole process, and another Pelican run in it (or a site that
    lists this plugin without the build's settings) has no diaries to write."""
    if pelican.settings.get(JOB) is None:
        return None
    return DiaryGenerator


def register() -> None:
    signals.get_generators.connect(get_generators)
