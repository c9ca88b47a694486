"""«Отчёты» (issue 17): who reads which class's reports (models.access), the panel's list and
report pages, and the files it hands out (XLSX read back with openpyxl, PDF with pypdf).

The small school's people (tests/panel.py): `teacher` teaches maths in 5А, 1А and 6А and
leads 5А and 1А; `class_teacher` leads 6А and teaches nothing; `english` teaches 5А's
English group 1, `other` 6А's English group 2; the deputy, the director and the admin.
"""
from __future__ import annotations

import pytest

from models import Staff, access
from tests.school import staff

# --- access: who reads reports, of which classes and subjects ---------------------------


@pytest.mark.parametrize("who, allowed", [
    ("teacher", True), ("class_teacher", True), ("english", True), ("other", True),
    ("deputy", True), ("director", True), ("admin", False)])
def test_who_reads_reports(people, who, allowed):
    assert access.may_read_reports(getattr(people, who)) is allowed


def test_the_admin_reads_reports_only_with_another_role(school):
    assert not access.may_read_reports(staff("admin.only", "admin"))
    assert access.may_read_reports(staff("admin.deputy", "admin,deputy"))


def test_report_classes_by_role(school, people):
    everyone = [school.c1.id, school.c5.id, school.c6.id]  # in the school's order
    assert access.report_class_ids(people.deputy, school.year) == everyone
    assert access.report_class_ids(people.director, school.year) == everyone
    assert access.report_class_ids(people.teacher, school.year) == everyone
    assert access.report_class_ids(people.class_teacher, school.year) == [school.c6.id]
    assert access.report_class_ids(people.english, school.year) == [school.c5.id]
    assert access.report_class_ids(people.other, school.year) == [school.c6.id]
    assert access.report_class_ids(people.admin, school.year) == []
    assert access.report_class_ids(people.deputy, None) == []


def test_report_subjects_by_role(school, people):
    assert access.report_subject_ids(people.deputy, school.c5.id) is None
    assert access.report_subject_ids(people.teacher, school.c5.id) is None  # leads 5А
    assert access.report_subject_ids(people.class_teacher, school.c6.id) is None
    # A subject teacher who does not lead the class: the subjects taught there.
    assert access.report_subject_ids(people.english, school.c5.id) == {school.english.id}
    assert access.report_subject_ids(people.other, school.c6.id) == {school.english.id}
    assert access.report_subject_ids(people.other, school.c5.id) == set()
    someone: Staff = staff("math.six")
    assert access.report_subject_ids(someone, school.c6.id) == set()
