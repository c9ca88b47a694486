"""Issue 18.4: the audit log as a hash chain. Someone with the database's password edits or
deletes a log entry with plain SQL, past the journal; `journal audit verify` (and the
archive's verify, which calls models.audit_chain.verify) names the entry."""
from __future__ import annotations

import re
from functools import partial

from journal_cli import main
from models import AuditEntry, Mark, Subject, db
from models.audit_chain import head, verify
from models.auditing import acting_as, create_many
from models.base import write_transaction
from tests.pages import cell_save
from tests.test_cell_races import at_once


def some_changes(school, people) -> list[AuditEntry]:
    """A teacher enters marks; the log's entries for them, in order."""
    lesson = school.lesson()
    with acting_as(people.teacher.id, "10.0.0.5"):
        for pupil, value in zip(school.pupils5, ("5", "4", "3"), strict=False):
            Mark.create(lesson=lesson, student=pupil, value=value)
        mark = Mark.get(lesson=lesson, student=school.pupils5[0])
        mark.value = "4"
        mark.save()
    return list(AuditEntry.select().where(AuditEntry.table_name == "mark")
                .order_by(AuditEntry.id))


def sql(statement: str, *params) -> None:
    db.execute_sql(statement.replace("?", db.param), params)


def test_a_log_written_through_the_journal_verifies_and_its_head_is_the_last_hash(
        school, people, runner):
    entries = some_changes(school, people)
    assert len(entries) == 4

    assert verify() == []
    last = AuditEntry.select().order_by(AuditEntry.id.desc()).first()
    assert head() == last.chain and re.fullmatch(r"[0-9a-f]{64}", head())
    chains = [e.chain for e in AuditEntry.select()]
    assert len(set(chains)) == len(chains)
    result = runner.invoke(main, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "Журнал изменений цел" in result.output and head() in result.output


def test_an_entry_edited_with_plain_sql_is_named(school, people, runner):
    entries = some_changes(school, people)
    changed = entries[1]  # a «4» made a «5» in the log
    forged = changed.after.replace('"value": "4"', '"value": "5"')
    assert forged != changed.after
    sql('UPDATE "audit_entry" SET "after" = ? WHERE "id" = ?', forged, changed.id)

    breaks = verify()
    assert len(breaks) == 1 and f"Запись № {changed.id} изменена" in breaks[0]
    result = runner.invoke(main, ["audit", "verify"])
    assert result.exit_code == 1 and f"№ {changed.id}" in result.output


def test_an_entry_edited_together_with_its_hash_breaks_the_next_one(school, people):
    """Rewriting the hash of the edited entry does not help: the one after it was chained
    to the old hash."""
    entries = some_changes(school, people)
    changed = entries[1]
    sql('UPDATE "audit_entry" SET "after" = ?, "chain" = ? WHERE "id" = ?',
        "{}", "0" * 64, changed.id)

    breaks = verify()
    assert len(breaks) == 2
    assert f"№ {changed.id}" in breaks[0] and f"№ {entries[2].id}" in breaks[1]


def test_an_entry_deleted_in_between_is_found(school, people, runner):
    entries = some_changes(school, people)
    sql('DELETE FROM "audit_entry" WHERE "id" = ?', entries[1].id)

    assert verify() == [f"Цепочка прервана перед записью № {entries[2].id}: удалены записи "
                        f"№ {entries[1].id} (или изменена сама запись № {entries[2].id})"]
    assert runner.invoke(main, ["audit", "verify"]).exit_code == 1


def test_the_last_entry_deleted_leaves_a_whole_chain_with_an_earlier_head(school, people):
    """What the chain alone cannot tell: the archive registry records head() to tell it."""
    some_changes(school, people)
    recorded = head()
    sql('DELETE FROM "audit_entry" WHERE "id" = ?',
        AuditEntry.select().order_by(AuditEntry.id.desc()).first().id)

    assert verify() == [] and head() != recorded


def test_entries_written_in_bulk_are_chained_in_order(school, people):
    before = AuditEntry.select().count()
    with acting_as(people.deputy.id), write_transaction():
        ids = create_many(Subject, [{"name": f"Предмет {n}", "sort_order": n}
                                    for n in range(50)])
    with acting_as(people.teacher.id):
        Subject.create(name="После переноса")  # one entry after the bulk

    entries = list(AuditEntry.select().where(AuditEntry.table_name == "subject")
                   .order_by(AuditEntry.id))[-51:]
    assert AuditEntry.select().count() == before + 51
    assert [e.row_id for e in entries[:50]] == ids
    assert verify() == []
    sql('UPDATE "audit_entry" SET "reason" = ? WHERE "id" = ?', "подделано", entries[25].id)
    assert verify() == [f"Запись № {entries[25].id} изменена после того, как была сделана "
                        "(её хеш не сходится с цепочкой)"]


def test_cell_saves_at_once_on_two_servers_keep_one_chain(served_school, school, people):
    """Real threads against two `journal serve` processes on one database: every save's
    entry chains to the one before it, none to the same as another (a fork)."""
    lessons = [school.lesson(number=n) for n in (1, 2, 3, 4)]
    cells = [(lesson, pupil) for lesson in lessons for pupil in school.pupils5]
    sessions = [served_school.session(people.teacher.login, server=n % 2) for n in range(4)]
    before = AuditEntry.select().count()
    db.close()  # the servers write; the test reads afterwards

    for typed, shown in (("5", ""), ("4", "5")):
        answers = at_once([partial(sessions[i % 4].post_json, "/journal/api/cell",
                                   cell_save(*cell, typed, shown))
                           for i, cell in enumerate(cells)])
        assert [a.status for a in answers] == [200] * len(cells), answers

    assert AuditEntry.select().count() == before + 2 * len(cells)
    assert verify() == []
    chains = [e.chain for e in AuditEntry.select()]
    assert len(set(chains)) == len(chains) and "" not in chains
