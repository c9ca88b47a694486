"""A deterministic, realistic demo school: the same seed and `today` give the same school."""
from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from faker import Faker

from models import ALL_MODELS, database, rules
from models.auditing import unlogged
from models.base import RuleError, db
from models.classes import Movement, SchoolClass, Subgroup, SubgroupMember
from models.curriculum import Subject, WorkType
from models.journal import Attendance, Lesson, LessonWork, Mark, PeriodMark, TeacherComment
from models.news import News
from models.people import (
    Guardian,
    Staff,
    Student,
    StudentGuardian,
    fold_name,
    hash_password,
    readable_password,
)
from models.school import AcademicYear, Bell, Holiday, Period, SchoolSettings
from models.timetable import PlanTopic, TeachingAssignment, TimetableSlot

from . import data

LETTERS = "АБВГДЕЖИКЛМНОПРСТУФХЦЧШЭЮЯ"
CLASS_SIZE = 25
DAY_LENGTH = {1: 4, 2: 5, 3: 5, 4: 5, 5: 6, 6: 6, 7: 7, 8: 7, 9: 7, 10: 7, 11: 7}


class Rows:
    """Rows for bulk insert, with ids given here so that children can point at them."""

    def __init__(self) -> None:
        self.rows: dict[type, list[dict]] = defaultdict(list)

    def add(self, model: type, **values) -> int:
        rows = self.rows[model]
        values["id"] = len(rows) + 1
        rows.append(values)
        return values["id"]

    def flush(self) -> None:
        """Write every table in dependency order, in batches."""
        for model in ALL_MODELS:
            rows = self.rows.get(model, [])
            # insert_many takes its columns from the first row: give every row every key.
            keys = {k for row in rows for k in row}
            for row in rows:
                for key in keys - row.keys():
                    default = model._meta.fields[key].default
                    row[key] = default() if callable(default) else default
            for i in range(0, len(rows), 500):
                model.insert_many(rows[i:i + 500]).execute()
        database.reset_sequences()


@dataclass
class Pupil:
    id: int
    class_id: int
    start: dt.date
    end: dt.date | None = None
    ability: float = 4.0
    sick_days: set = field(default_factory=set)

    def enrolled(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass
class Group:
    """One journal: a class (or subgroup) and subject with its teacher and plan."""

    class_id: int
    grade: int
    subject: str
    subject_id: int
    teacher_id: int
    assignment_id: int
    subgroup_id: int | None
    pupils: list[Pupil]
    plan: list[int] = field(default_factory=list)
    taught: int = 0


def place_lessons(per_day: list[list[list[Group]]],
                  busy: set[tuple[int, int, int]]) -> dict[tuple[int, int], list[Group]]:
    """(weekday, number) for each of a class's lessons (the groups taught at once), at an
    hour when none of its teachers is `busy`: on its own day of `per_day` where the
    teachers allow it, else on another; each day's numbers 1..n without a gap unless the
    teachers leave no other way (then a day grows by a lesson)."""
    lessons = [(day, unit) for day, units in enumerate(per_day, 1) for unit in units]
    length = {day: len(units) for day, units in enumerate(per_day, 1)}

    def options(item: int) -> list[tuple[int, int]]:
        own, unit = lessons[item]
        hours = [(day, n) for day in sorted(length, key=lambda d: d != own)
                 for n in range(1, length[day] + 1)]
        return [h for h in hours if all((g.teacher_id, *h) not in busy for g in unit)]

    while (taken := matching(len(lessons), options)) is None:
        length[min(length, key=lambda d: (length[d], d))] += 1
    return {hour: lessons[item][1] for hour, item in taken.items()}


def matching(count: int, options: Callable[[int], list]) -> dict | None:
    """A place for each item 0..count-1 among its `options` (in order of preference), no
    place twice, as place -> item (Kuhn's augmenting paths); None when some item gets none."""
    taken: dict = {}
    choices = [options(item) for item in range(count)]

    def seat(item: int, seen: set) -> bool:
        for place in choices[item]:
            if place not in seen:
                seen.add(place)
                if place not in taken or seat(taken[place], seen):
                    taken[place] = item
                    return True
        return False

    return taken if all(seat(item, set()) for item in range(count)) else None


class DemoSchool:
    """Builds the demo school in memory, then writes it in one transaction."""

    def __init__(self, students: int, seed: int, today: dt.date, echo) -> None:
        self.n_students, self.today, self.echo = students, today, echo
        self.rng = random.Random(seed)
        self.fake = Faker("ru_RU")
        self.fake.seed_instance(seed)
        self.rows = Rows()
        self.y = data.year_start(today)
        self.cal = data.calendar(self.y)
        self.passwords: list[tuple[str, str, str]] = []
        self.logins: set[str] = set()
        self.works: set[tuple[int, int]] = set()  # (lesson, work type): works within lessons

    # -- people ------------------------------------------------------------------
    def person(self, gender: str | None = None) -> dict:
        gender = gender or self.rng.choice("МЖ")
        f = self.fake
        if gender == "М":
            return dict(last_name=f.last_name_male(), first_name=f.first_name_male(),
                        middle_name=f.middle_name_male())
        return dict(last_name=f.last_name_female(), first_name=f.first_name_female(),
                    middle_name=f.middle_name_female())

    def add_person(self, model: type, p: dict, **values) -> int:
        """A bulk row of a Person model, with its search column filled as save() would."""
        folded = fold_name(p["last_name"], p["first_name"], p["middle_name"])
        return self.rows.add(model, search_name=folded, **p, **values)

    def staff(self, roles: str) -> int:
        p = self.person(self.rng.choice("МЖЖЖ"))
        base = data.translit(p["last_name"]) + "." + data.translit(
            p["first_name"][0] + p["middle_name"][0])
        login, n = base, 1
        while login in self.logins:
            n += 1
            login = f"{base}{n}"
        self.logins.add(login)
        password = readable_password(self.rng)
        self.passwords.append((login, password, roles))
        return self.add_person(Staff, p, login=login, roles=roles, password_hash="")

    # -- calendar ----------------------------------------------------------------
    def build_calendar(self) -> None:
        cal, y = self.cal, self.y
        self.year_id = self.rows.add(AcademicYear, name=f"{y}/{y + 1}", start=cal["start"],
                                     end=cal["end"] + dt.timedelta(days=35))
        self.periods = {}
        for scheme in ("quarter", "half"):
            for n, (start, end) in enumerate(cal[scheme], 1):
                pid = self.rows.add(Period, year=self.year_id, scheme=scheme, number=n,
                                    start=start, end=end)
                self.periods[scheme, n] = (pid, start, end)
        days_off: set[dt.date] = set()
        for name, start, end in cal["holidays"]:
            self.rows.add(Holiday, year=self.year_id, name=name, start=start, end=end)
            days_off.update(start + dt.timedelta(i) for i in range((end - start).days + 1))
        for number, starts, ends in data.BELLS:
            self.rows.add(Bell, number=number, starts=dt.time.fromisoformat(starts),
                          ends=dt.time.fromisoformat(ends), valid_from=cal["start"])
        last = min(self.today, cal["end"])
        self.school_days = [d for d in (cal["start"] + dt.timedelta(i)
                                        for i in range((last - cal["start"]).days + 1))
                            if d.isoweekday() <= 5 and d not in days_off]

    # -- classes, pupils, guardians, movements ---------------------------------------
    def class_sizes(self) -> list[tuple[int, str, int]]:
        per_grade = max(1, round(self.n_students / 11 / CLASS_SIZE))
        classes = [(g, LETTERS[i]) for g in range(1, 12) for i in range(per_grade)]
        weights = [self.rng.uniform(0.8, 1.2) for _ in classes]
        sizes = [int(self.n_students * w / sum(weights)) for w in weights]
        for i in range(self.n_students - sum(sizes)):
            sizes[i % len(sizes)] += 1
        return [(g, letter, size) for (g, letter), size in zip(classes, sizes)]

    def build_classes(self) -> None:
        self.classes: list[tuple[int, int]] = []  # (id, grade)
        self.pupils: dict[int, list[Pupil]] = {}
        start = self.cal["start"]
        for grade, letter, size in self.class_sizes():
            scheme = "half" if grade >= 10 else "quarter"
            cid = self.rows.add(SchoolClass, year=self.year_id, grade=grade, letter=letter,
                                period_scheme=scheme, room=str(100 + len(self.classes) + 1))
            self.classes.append((cid, grade))
            self.pupils[cid] = [self.pupil(cid, grade, start) for _ in range(size)]
        self.add_movements()

    def pupil(self, cid: int, grade: int, start: dt.date) -> Pupil:
        gender = self.rng.choice("МЖ")
        p = self.person(gender)
        born = dt.date(self.y - 6 - grade, 1, 1) + dt.timedelta(self.rng.randrange(365))
        sid = self.add_person(Student, p, birth_date=born, gender=gender)
        self.guardians(sid, p["last_name"], gender)
        ability = min(4.9, max(2.7, self.rng.gauss(3.9, 0.5)))
        return Pupil(sid, cid, start, ability=ability)

    def guardians(self, sid: int, surname: str, gender: str) -> None:
        if self.rng.random() < 0.08 and self.rows.rows[Guardian]:
            gid = self.rng.choice(self.rows.rows[Guardian])["id"]  # a sibling's parent
            self.rows.add(StudentGuardian, student=sid, guardian=gid, relation="мать")
            return
        mother = self.person("Ж")
        mother["last_name"] = surname if gender == "Ж" else surname + "а"
        for relation, p in [("мать", mother)] + ([("отец", self.person("М"))]
                                                 if self.rng.random() < 0.6 else []):
            if relation == "отец":
                p["last_name"] = surname[:-1] if gender == "Ж" and surname.endswith("а") \
                    else surname
            gid = self.add_person(Guardian, p, phone=self.fake.phone_number(),
                                  wants_paper_sheet=self.rng.random() < 0.08)
            self.rows.add(StudentGuardian, student=sid, guardian=gid, relation=relation)

    def add_movements(self) -> None:
        """Enrolment on 1 September, and a few arrivals, departures and transfers."""
        order = f"№ {self.rng.randint(40, 90)}-у от 31.08.{self.y}"
        first, days = self.cal["start"], self.school_days
        for cid, grade in self.classes:
            for p in self.pupils[cid]:
                self.rows.add(Movement, student=p.id, kind="enrolled", date=first,
                              school_class=cid, order_number=order,
                              reason="приказ о зачислении" if grade == 1 else "продолжает обучение")
        pupils = [p for cid, _ in self.classes for p in self.pupils[cid]]
        late = [p for p in pupils if self.rng.random() < 0.015]
        for p in late:  # arrived from another school later
            p.start = days[min(len(days) - 1, self.rng.randrange(5, 40))]
            mv = next(m for m in self.rows.rows[Movement] if m["student"] == p.id)
            mv.update(date=p.start, reason="прибыл из другой школы",
                      order_number=f"№ {self.rng.randint(91, 150)}-у")
        for p in pupils:
            if p not in late and len(days) > 30 and self.rng.random() < 0.01:
                p.end = days[self.rng.randrange(20, len(days))]
                self.rows.add(Movement, student=p.id, kind="left", date=p.end,
                              school_class=None, reason="смена места жительства",
                              order_number=f"№ {self.rng.randint(91, 150)}-у")

    # -- staff and assignments ---------------------------------------------------
    def build_staff(self) -> None:
        hours: dict[int, float] = defaultdict(float)  # per specialty
        for _, grade in self.classes:
            for subject, per_grade in data.CURRICULUM.items():
                if grade in per_grade and (grade > 4 or subject in data.SPECIALIST_IN_PRIMARY):
                    split = 2 if subject in data.SPLIT_SUBJECTS else 1
                    hours[data.SPECIALTY[subject]] += per_grade[grade] * split
        self.subject_ids = {}
        for order, subject in enumerate(data.CURRICULUM, 1):
            self.subject_ids[subject] = self.rows.add(Subject, name=subject, sort_order=order)
        self.work_types = {}
        for name, short, weight in data.WORK_TYPES:
            self.work_types[name] = self.rows.add(WorkType, name=name, short_name=short,
                                                  weight=weight)
        self.director = self.staff("director,teacher")
        self.deputies = [self.staff("deputy,teacher") for _ in range(2 + self.n_students // 700)]
        self.pool: dict[int, list[int]] = {
            s: [self.staff("teacher") for _ in range(max(1, math.ceil(h / 26)))]
            for s, h in sorted(hours.items())}
        # The director and deputies teach a few hours too (history, maths, Russian).
        for n, person in enumerate([self.director] + self.deputies):
            self.pool[(3, 1, 0)[n % 3]].insert(0, person)
        self.set_roles(self.pool[data.SPECIALTY["Информатика"]][-1], "admin,teacher")
        self.load = defaultdict(float)
        self.heads = {self.director, *self.deputies}

    def set_roles(self, staff_id: int, roles: str) -> None:
        self.rows.rows[Staff][staff_id - 1]["roles"] = roles
        login, password, _ = self.passwords[staff_id - 1]
        self.passwords[staff_id - 1] = (login, password, roles)

    def pick_teacher(self, subject: str, hours: float, besides: tuple[int, ...] = ()) -> int:
        """The least loaded teacher of the subject, other than `besides` where the pool allows:
        a class's two groups get two teachers, who teach them at the same hour."""
        pool = [t for t in self.pool[data.SPECIALTY[subject]] if t not in besides] \
            or self.pool[data.SPECIALTY[subject]]
        # The director and deputies take one class each; the others share out the rest.
        free = [t for t in pool if self.load[t] == 0 or t not in self.heads] or pool
        teacher = min(free, key=lambda t: (self.load[t], t))
        self.load[teacher] += hours
        return teacher

    def build_assignments(self) -> None:
        self.groups: dict[int, list[Group]] = defaultdict(list)
        primary_teachers: dict[int, int] = {}
        for cid, grade in self.classes:
            if grade <= 4:
                primary_teachers[cid] = self.staff("teacher")
            for subject, per_grade in data.CURRICULUM.items():
                if grade not in per_grade:
                    continue
                h = per_grade[grade]
                scale = "pass" if subject in data.PASS_FAIL_SUBJECTS else "five"
                sid = self.subject_ids[subject]
                if subject in data.SPLIT_SUBJECTS and grade >= 2:
                    self.split_groups(cid, grade, subject, sid, h)
                    continue
                teacher = (primary_teachers[cid] if grade <= 4
                           and subject not in data.SPECIALIST_IN_PRIMARY
                           else self.pick_teacher(subject, h))
                aid = self.rows.add(TeachingAssignment, school_class=cid, subject=sid,
                                    teacher=teacher, hours_per_week=h, grading_scale=scale)
                self.groups[cid].append(Group(cid, grade, subject, sid, teacher, aid, None,
                                              self.pupils[cid]))
        self.class_teachers(primary_teachers)

    def split_groups(self, cid: int, grade: int, subject: str, sid: int, h: float) -> None:
        pupils = self.pupils[cid]
        teachers: list[int] = []
        for n in (1, 2):
            members = pupils[n - 1::2]
            gid = self.rows.add(Subgroup, school_class=cid, subject=sid, name=f"{n} группа")
            for p in members:
                self.rows.add(SubgroupMember, subgroup=gid, student=p.id)
            teacher = self.pick_teacher(subject, h, besides=tuple(teachers))
            teachers.append(teacher)
            aid = self.rows.add(TeachingAssignment, school_class=cid, subject=sid,
                                subgroup=gid, teacher=teacher, hours_per_week=h,
                                grading_scale="five")
            self.groups[cid].append(Group(cid, grade, subject, sid, teacher, aid, gid, members))

    def class_teachers(self, primary: dict[int, int]) -> None:
        taken: set[int] = set(primary.values())
        for row in self.rows.rows[SchoolClass]:
            cid = row["id"]
            teacher = primary.get(cid)
            if teacher is None:
                candidates = sorted({g.teacher_id for g in self.groups[cid]} - taken
                                    - {self.director}) or [g.teacher_id for g in self.groups[cid]]
                teacher = self.rng.choice(candidates)
            taken.add(teacher)
            row["class_teacher"] = teacher

    # -- timetable and plans -----------------------------------------------------
    def build_timetable(self) -> None:
        """Spread each class's weekly hours over Monday–Friday, with no teacher in two places
        at one hour (TimetableSlot.validate refuses it) and no gap in a class's day."""
        busy: set[tuple[int, int, int]] = set()
        self.slots: dict[tuple[int, int], list[tuple[int, list[Group]]]] = defaultdict(list)
        for cid, grade in self.classes:
            placed = place_lessons(self.spread_week(cid, grade), busy)
            for (day, number), groups in sorted(placed.items()):
                busy.update((g.teacher_id, day, number) for g in groups)
                self.slots[cid, day].append((number, groups))
        for (cid, day), slots in sorted(self.slots.items()):
            for number, groups in slots:
                for g in groups:
                    self.rows.add(TimetableSlot, school_class=cid, subgroup=g.subgroup_id,
                                  subject=g.subject_id, teacher=g.teacher_id, weekday=day,
                                  number=number, room="", valid_from=self.cal["start"])

    def spread_week(self, cid: int, grade: int) -> list[list[list[Group]]]:
        """A class's lessons per weekday, Monday to Friday: each lesson the groups taught at
        once (a class, or both groups of a split subject; one teacher's two groups apart)."""
        units: dict[str, list[Group]] = defaultdict(list)
        for g in self.groups[cid]:
            units[g.subject].append(g)
        per_day: list[list[list[Group]]] = [[] for _ in range(5)]
        offset = 0
        for subject, groups in sorted(units.items(),
                                      key=lambda kv: -data.CURRICULUM[kv[0]][grade]):
            together = len({g.teacher_id for g in groups}) == len(groups)
            h = int(data.CURRICULUM[subject][grade])
            for k in range(h):
                day = (offset + k * 5 // h) % 5
                per_day[day].extend([groups] if together else [[g] for g in groups])
            offset += 1
        return per_day

    def build_plans(self) -> None:
        steps = data.TOPIC_STEPS
        for cid, _ in self.classes:
            for g in self.groups[cid]:
                sections = data.TOPIC_SECTIONS.get(g.subject, data.GENERIC_SECTIONS)
                total = int(data.CURRICULUM[g.subject][g.grade] * 34)
                for n in range(1, total + 1):
                    section = sections[(n - 1) * len(sections) // total]
                    title = f"{section}: {steps[(n - 1) % len(steps)]}"
                    if n % 9 == 0:
                        title = f"{section}: контрольная работа"
                    g.plan.append(self.rows.add(PlanTopic, assignment=g.assignment_id,
                                                number=n, title=title))

    # -- the journal -------------------------------------------------------------
    def build_journal(self) -> None:
        self.sick_spells()
        self.period_marks_seen: dict[tuple, list] = defaultdict(list)
        plan_rows = self.rows.rows[PlanTopic]
        for i, (cid, _) in enumerate(self.classes, 1):
            for day in self.school_days:
                for number, groups in self.slots.get((cid, day.isoweekday()), []):
                    for g in groups:
                        self.lesson(g, day, number, plan_rows)
            if i % max(1, len(self.classes) // 10) == 0 or i == len(self.classes):
                self.echo(f"  журнал: {i}/{len(self.classes)} классов")

    def sick_spells(self) -> None:
        days = self.school_days
        for cid, _ in self.classes:
            for p in self.pupils[cid]:
                for _ in range(self.rng.choice((0, 0, 1, 1, 2))):
                    if len(days) > 8:
                        start = self.rng.randrange(len(days) - 3)
                        p.sick_days.update(days[start:start + self.rng.randint(3, 7)])

    def lesson(self, g: Group, day: dt.date, number: int, plan_rows: list[dict]) -> None:
        rng = self.rng
        topic_id = g.plan[min(g.taught, len(g.plan) - 1)]
        g.taught += 1
        topic = plan_rows[topic_id - 1]["title"]
        control = topic.endswith("контрольная работа")
        work = ("Контрольная работа" if control else
                "Самостоятельная работа" if g.taught % 7 == 0 else None)
        if work == "Контрольная работа" and g.subject == "Русский язык" and g.taught % 2:
            work = "Диктант"
        homework = ""
        if g.grade > 1 and g.subject not in data.NO_HOMEWORK_SUBJECTS and rng.random() < 0.85:
            homework = rng.choice(data.HOMEWORK).format(
                n=rng.randint(1, 60), q=rng.randint(3, 8), p=rng.randint(5, 180),
                p2=rng.randint(181, 200), m=rng.randint(61, 120))
        teacher = g.teacher_id
        colleagues = [t for t in self.pool.get(data.SPECIALTY.get(g.subject), []) if t != teacher]
        if rng.random() < 0.01 and colleagues:  # a substitute teacher
            teacher = rng.choice(colleagues)
        lid = self.rows.add(Lesson, school_class=g.class_id, subject=g.subject_id,
                            subgroup=g.subgroup_id, date=day, number=number, topic=topic,
                            homework=homework, teacher=teacher, plan_topic=topic_id,
                            work_type=self.work_types[work] if work else None)
        present = [p for p in g.pupils if p.enrolled(day)]
        for p in present:
            code = self.attendance(p, day, number)
            if code:
                self.rows.add(Attendance, lesson=lid, student=p.id, code=code)
                if code != "ОП":
                    continue
            if g.grade > 1:
                self.marks(g, lid, p, day, work, teacher)

    def attendance(self, p: Pupil, day: dt.date, number: int) -> str | None:
        if day in p.sick_days:
            return "Б"
        r = self.rng.random()
        return ("Н" if r < 0.006 else "У" if r < 0.009 else
                "ОП" if r < 0.012 and number == 1 else None)

    def marks(self, g: Group, lid: int, p: Pupil, day: dt.date, work: str | None,
              teacher: int) -> None:
        rng = self.rng
        if work is None and rng.random() > 0.16:
            return
        if g.subject in data.PASS_FAIL_SUBJECTS:
            values = ["ЗЧ" if rng.random() < 0.95 else "НЗ"]
        else:
            mu = p.ability - (0.3 if work else 0)
            values = [str(min(5, max(2, round(rng.gauss(mu, 0.75)))))]
            if work == "Диктант":
                values.append(str(min(5, max(2, round(rng.gauss(mu - 0.3, 0.8))))))
            elif rng.random() < 0.01:
                values = ["•"]
        wt = self.work_types[work] if work else self.work_types[
            rng.choice(("Работа на уроке", "Устный ответ", "Устный ответ", "Домашняя работа"))]
        # A mark of the lesson's own work, or of a plain lesson's work of weight 1, is in the
        # lesson's column; checked homework (weight ½) is a work within the lesson.
        own = None if work or self.rows.rows[WorkType][wt - 1]["weight"] == 1 else wt
        if own is not None and (lid, own) not in self.works:
            self.works.add((lid, own))
            self.rows.add(LessonWork, lesson=lid, work_type=own)
        for value in values:
            self.rows.add(Mark, lesson=lid, student=p.id, value=value, work_type=own)
            self.period_marks_seen[p.id, g.class_id, g.subject_id].append(
                (day, value, self.rows.rows[WorkType][wt - 1]["weight"], teacher))
        if rng.random() < 0.02:
            text = rng.choice(["Молодец, отличная работа!", "Не выполнено домашнее задание.",
                               "Был невнимателен на уроке.", "Хорошо отвечал у доски."])
            self.rows.add(TeacherComment, lesson=lid, student=p.id, author=teacher, text=text)

    def build_period_marks(self, thresholds: tuple[float, float, float]) -> None:
        """Period marks for finished periods, as the teacher would take them from rule 7."""
        schemes = {row["id"]: row["period_scheme"] for row in self.rows.rows[SchoolClass]}
        grades = dict(self.classes)
        for (sid, cid, subject_id), marks in sorted(self.period_marks_seen.items()):
            for (scheme, _n), (pid, start, end) in sorted(self.periods.items()):
                if scheme != schemes[cid] or end >= self.today or grades[cid] == 1:
                    continue
                inside = [(v, w) for d, v, w, _ in marks if start <= d <= end]
                if any(v in rules.PASS_MARKS for v, _ in inside):
                    value = "ЗЧ"
                else:
                    value = rules.suggest_mark(rules.weighted_average(inside), thresholds)
                if value:
                    self.rows.add(PeriodMark, student=sid, school_class=cid,
                                  subject=subject_id, kind="period", period=pid, value=value,
                                  set_by=marks[-1][3])

    def build_news(self) -> None:
        stored = SchoolSettings().stored_time  # 9:00 and 15:00 at the (Moscow) school
        for days, title, body in data.NEWS:
            when = dt.datetime.combine(self.cal["start"] + dt.timedelta(days), dt.time(9))
            if when.date() <= self.today:
                self.rows.add(News, title=title, body=body, published_at=stored(when),
                              author=self.director)
        for i, (cid, _) in enumerate(self.classes):
            when = dt.datetime.combine(self.today - dt.timedelta(i % 6), dt.time(15))
            teacher = self.rows.rows[SchoolClass][cid - 1]["class_teacher"]
            self.rows.add(News, title="Объявление для класса", school_class=cid,
                          body=data.CLASS_NEWS[i % len(data.CLASS_NEWS)],
                          published_at=stored(when), author=teacher)

    def build(self) -> None:
        steps = [("календарь", self.build_calendar), ("классы и ученики", self.build_classes),
                 ("сотрудники", self.build_staff), ("нагрузка", self.build_assignments),
                 ("расписание", self.build_timetable), ("КТП", self.build_plans),
                 ("журнал", self.build_journal), ("новости", self.build_news)]
        for name, step in steps:
            self.echo(f"Создаю: {name}…")
            step()


def _hash_all(passwords: list[str]) -> list[str]:
    with ProcessPoolExecutor(max_workers=2) as pool:
        return list(pool.map(hash_password, passwords, chunksize=4))


def check_replaceable(force: bool) -> None:
    """Refuse to replace a database that holds data unless asked to."""
    if database.is_empty() or not (Staff.select().exists() or Student.select().exists()):
        return
    if not force:
        raise RuleError("В базе уже есть данные. Чтобы заменить их демо-школой, "
                        "добавьте --force (все данные будут удалены).")


def replace_database(rows: Rows, settings: SchoolSettings) -> None:
    """In one transaction: empty the schema, then write the demo; a failure changes nothing."""
    with db.atomic():
        if not database.is_empty():
            db.drop_tables(ALL_MODELS + [database._runner().History])
        database.create_schema()
        rows.flush()
        with unlogged():  # the demo is a bulk load, not anyone's change
            settings.save()


def build_demo(students: int, seed: int, today: dt.date, force: bool = False,
               echo: Callable[[str], None] = print) -> dict[str, int]:
    """Fill the bound database with a demo school; returns row counts per table."""
    started = time.monotonic()
    if not dt.date(2000, 1, 1) <= today <= SchoolSettings().today():
        raise RuleError("«Сегодня» демо-школы не может быть в будущем (правило 1).")
    check_replaceable(force)
    school = DemoSchool(students, seed, today, echo)
    school.build()
    settings = SchoolSettings(name=f"МБОУ «{school.fake.city_name()} СОШ»",
                              diary_base_url="https://diary.school.example/")
    school.build_period_marks(settings.thresholds)
    echo(f"Хеширую пароли сотрудников ({len(school.passwords)})…")
    hashes = _hash_all([p for _, p, _ in school.passwords])
    for row, hashed in zip(school.rows.rows[Staff], hashes):
        row["password_hash"] = hashed
    echo("Записываю в базу…")
    replace_database(school.rows, settings)
    counts = {m._meta.table_name: m.select().count() for m in ALL_MODELS}
    echo("\nСотрудники (логин, пароль, роли):")
    for login, password, roles in school.passwords:
        echo(f"  {login:<24} {password}  {roles}")
    echo("\nСоздано:")
    for table, count in counts.items():
        echo(f"  {table:<22} {count:>9}")
    echo(f"Готово за {time.monotonic() - started:.1f} с; «сегодня» = {today:%d.%m.%Y}.")
    return counts
