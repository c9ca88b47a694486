"""Every import kind, in the order the panel's «Загрузка данных» and `journal import`
list them: a kind added here appears in both."""
from __future__ import annotations

from . import Kind, assignments, plan, pupils, staff, timetable

KINDS: dict[str, Kind] = {kind.key: kind for kind in (
    pupils.KIND,
    staff.KIND,
    assignments.KIND,
    timetable.KIND,
    plan.KIND,
)}
