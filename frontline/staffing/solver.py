"""Rosters by OR-Tools CP-SAT, on plain data (no Django here), and an independent checker.

A ``Problem`` is a list of slots (one need of one post on one date: start, end, how many
people, how many of them with a skill) and a list of people (skills, the dates they may work,
the posts they wish for or live near). ``solve(problem)`` returns a ``Result``: the roster
(slot key -> person ids), the objective broken down by goal, the optimality gap.

Hard rules: every slot covered by exactly its number of people, with the skills it asks; at
most one shift per person per day; at least ``rest_hours`` between two shifts of a person; at
most ``max_nights`` night shifts per person in the period; no one on a date they are
unavailable, nor outside their check-in period.

Soft goals, weighted: fairness (the longest minus the shortest working time, night hours
counting ``night_weight`` times), the same post through the period (each extra post a person
stands costs), wishes and near home (each shift on a post the person neither asked for nor
lives near costs).

When the rules cannot all hold, a second model puts every slot's coverage and every rule group
behind an assumption literal; the solver's ``sufficient_assumptions_for_infeasibility`` names
the slots and rule groups that conflict (from the solver, not a guess). A third solve makes
coverage soft with a large penalty and returns the best partial roster with its holes.

``violations(problem, roster)`` checks a roster against the hard rules without the solver; the
tests hold every solver output to it, and manual edits show its findings at once.
"""

from __future__ import annotations

import datetime
import time
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model


def _(message: str) -> str:
    """The message in the active language when Django runs; as is in a plain script."""
    try:
        from django.conf import settings

        if settings.configured:
            from django.utils.translation import gettext

            return gettext(message)
    except ImportError:  # pragma: no cover
        pass
    return message


RULES = {
    "coverage": "every need covered",
    "skills": "skills asked",
    "one_per_day": "one shift per person per day",
    "rest": "rest between shifts",
    "night_limit": "night-shift limit",
    "unavailable": "unavailability",
    "checkin": "check-in period",
}
if False:  # the rule labels, for the message catalogue
    _("every need covered"), _("skills asked"), _("one shift per person per day"), _("rest between shifts")
    _("night-shift limit"), _("unavailability"), _("check-in period")


def rule_label(rule: str) -> str:
    return _(RULES.get(rule, rule))


# The soft goals of the objective and the solver's answers, as the roster page names them.
GOALS = {"fairness": "fair hours across people and units", "same_post": "same post through the week",
         "wish": "wishes and posts near home"}
STATUSES = {"optimal": "optimal", "feasible": "feasible (not proven optimal)", "infeasible": "infeasible",
            "partial": "partial: some slots uncovered"}
if False:  # the labels, for the message catalogue
    _("fair hours across people and units"), _("same post through the week"), _("wishes and posts near home")
    _("optimal"), _("feasible (not proven optimal)"), _("infeasible"), _("partial: some slots uncovered")


def goal_label(goal: str) -> str:
    return _(GOALS.get(goal, goal))


def status_label(status: str) -> str:
    return _(STATUSES.get(status, status))
NIGHT_START, NIGHT_END = datetime.time(0, 0), datetime.time(6, 0)


@dataclass(frozen=True)
class Slot:
    """One need of one post on one date (``people`` seats, ``skill_people`` of them with ``skill``)."""

    key: str
    post: int
    post_name: str
    start: datetime.datetime
    end: datetime.datetime
    people: int = 1
    skill: str = ""
    skill_people: int = 0

    @property
    def day(self) -> datetime.date:
        return self.start.date()

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def night(self) -> bool:
        """A night shift covers some of 00:00-06:00."""
        day = self.start.date()
        for d in (day, day + datetime.timedelta(days=1)):
            lo = datetime.datetime.combine(d, NIGHT_START)
            hi = datetime.datetime.combine(d, NIGHT_END)
            if self.start < hi and self.end > lo:
                return True
        return False

    def label(self) -> str:
        return f"{self.start:%m-%d} {self.start:%H:%M}-{self.end:%H:%M} {self.post_name}"


@dataclass(frozen=True)
class Person:
    id: int
    name: str = ""
    skills: frozenset = frozenset()
    available_from: datetime.datetime | None = None  # check-in
    available_until: datetime.datetime | None = None  # release
    unavailable: frozenset = frozenset()  # dates
    preferred_posts: frozenset = frozenset()  # wished for or near home


@dataclass
class Weights:
    fairness: int = 10
    same_post: int = 5
    wish: int = 2
    coverage_hole: int = 10_000


@dataclass
class Problem:
    slots: list[Slot]
    people: list[Person]
    max_nights: int = 3
    rest_hours: int = 12
    night_weight: float = 1.0
    weights: Weights = field(default_factory=Weights)
    fixed: dict[str, list[int]] = field(default_factory=dict)  # slot key -> people kept (published)
    skill_labels: dict[str, str] = field(default_factory=dict)

    def skill(self, code: str) -> str:
        return self.skill_labels.get(code, code)


@dataclass
class Hole:
    slot: str
    label: str
    needed: int
    filled: int
    reasons: list[str]


@dataclass
class Result:
    status: str  # optimal, feasible, infeasible (with a partial roster), unknown (no roster in time)
    roster: dict[str, list[int]]
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    breakdown: dict[str, float] = field(default_factory=dict)
    holes: list[Hole] = field(default_factory=list)
    conflicting_rules: list[str] = field(default_factory=list)
    conflicting_slots: list[str] = field(default_factory=list)  # the slots in the solver's core
    wall_time: float = 0.0
    first_feasible: float | None = None

    @property
    def complete(self) -> bool:
        return self.status in ("optimal", "feasible")


# --- the independent checker ---------------------------------------------------------------------

@dataclass(frozen=True)
class Violation:
    rule: str
    slot: str
    person: int | None
    message: str


def _works(person: Person, slot: Slot) -> tuple[bool, bool]:
    """(unavailable on the slot's dates, outside the check-in period)."""
    dates = {slot.start.date(), (slot.end - datetime.timedelta(seconds=1)).date()}
    unavailable = bool(dates & set(person.unavailable))
    outside = (person.available_from is not None and slot.start < person.available_from) or (
        person.available_until is not None and slot.end > person.available_until)
    return unavailable, outside


def violations(problem: Problem, roster: dict[str, list[int]]) -> list[Violation]:
    """Every hard rule ``roster`` breaks, checked directly (no solver)."""
    people = {p.id: p for p in problem.people}
    slots = {s.key: s for s in problem.slots}
    found: list[Violation] = []
    by_person: dict[int, list[Slot]] = defaultdict(list)
    for key, slot in slots.items():
        assigned = list(roster.get(key, []))
        if len(set(assigned)) != len(assigned):
            found.append(Violation("one_per_day", key, None, _("%(slot)s: the same person twice") % {"slot": slot.label()}))
        if len(assigned) != slot.people:
            found.append(Violation("coverage", key, None, _("%(slot)s: %(n)s needed, %(k)s assigned") % {
                "slot": slot.label(), "n": slot.people, "k": len(assigned)}))
        if slot.skill and slot.skill_people:
            skilled = sum(1 for pid in assigned if pid in people and slot.skill in people[pid].skills)
            if skilled < slot.skill_people:
                found.append(Violation("skills", key, None, _("%(slot)s: %(n)s with %(skill)s needed, %(k)s assigned") % {
                    "slot": slot.label(), "n": slot.skill_people, "skill": problem.skill(slot.skill), "k": skilled}))
        for pid in set(assigned):
            person = people.get(pid)
            if person is None:
                found.append(Violation("checkin", key, pid, _("%(slot)s: person %(id)s is not on this roster") % {
                    "slot": slot.label(), "id": pid}))
                continue
            by_person[pid].append(slot)
            unavailable, outside = _works(person, slot)
            if unavailable:
                found.append(Violation("unavailable", key, pid, _("%(slot)s: %(name)s is unavailable") % {
                    "slot": slot.label(), "name": person.name}))
            if outside:
                found.append(Violation("checkin", key, pid, _("%(slot)s: %(name)s is outside the check-in period") % {
                    "slot": slot.label(), "name": person.name}))
    rest = datetime.timedelta(hours=problem.rest_hours)
    for pid, mine in by_person.items():
        name = people[pid].name
        mine.sort(key=lambda s: (s.start, s.key))
        days: dict[datetime.date, list[Slot]] = defaultdict(list)
        for s in mine:
            days[s.day].append(s)
        for same in days.values():
            if len(same) > 1:
                for s in same[1:]:
                    found.append(Violation("one_per_day", s.key, pid, _("%(slot)s: %(name)s has another shift that day") % {
                        "slot": s.label(), "name": name}))
        for i, a in enumerate(mine):
            for b in mine[i + 1:]:
                if b.start >= a.end + rest:
                    break
                if a.day != b.day:  # same day already reported
                    found.append(Violation("rest", b.key, pid, _("%(slot)s: %(name)s rests less than %(h)s h after %(before)s") % {
                        "slot": b.label(), "name": name, "h": problem.rest_hours, "before": a.label()}))
        nights = [s for s in mine if s.night]
        if len(nights) > problem.max_nights:
            found.append(Violation("night_limit", nights[-1].key, pid, _("%(name)s: %(n)s night shifts, at most %(m)s") % {
                "name": name, "n": len(nights), "m": problem.max_nights}))
    return found


# --- the model ----------------------------------------------------------------------------------

class _Model:
    """The CP-SAT model of a problem. ``mode``: "optimize" (hard coverage, the objective),
    "diagnose" (coverage per slot and each rule group behind an assumption, no objective),
    "partial" (coverage soft with a big penalty, plus the objective)."""

    def __init__(self, problem: Problem, mode: str):
        self.p, self.mode = problem, mode
        m = self.m = cp_model.CpModel()
        self.rule_lits: dict[str, cp_model.IntVar] = {}
        self.slot_lits: dict[cp_model.IntVar, str] = {}
        diagnose = mode == "diagnose"

        def guard(rule):
            if not diagnose:
                return None
            if rule not in self.rule_lits:
                self.rule_lits[rule] = m.new_bool_var(f"rule_{rule}")
            return self.rule_lits[rule]

        def add(constraint, literal):
            if literal is not None:
                constraint.only_enforce_if(literal)

        self.x: dict[tuple[int, str], cp_model.IntVar] = {}
        for s in problem.slots:
            for person in problem.people:
                unavailable, outside = _works(person, s)
                if not diagnose and (unavailable or outside):
                    continue
                var = m.new_bool_var(f"x_{person.id}_{s.key}")
                self.x[person.id, s.key] = var
                if unavailable:
                    add(m.add(var == 0), guard("unavailable"))
                if outside:
                    add(m.add(var == 0), guard("checkin"))
        for key, kept in problem.fixed.items():
            for pid in kept:
                if (pid, key) in self.x:
                    m.add(self.x[pid, key] == 1)

        # coverage and skills
        self.short: dict[str, cp_model.IntVar] = {}
        self.skill_short: dict[str, cp_model.IntVar] = {}
        for s in problem.slots:
            seats = [v for (pid, key), v in self.x.items() if key == s.key]
            skilled = [self.x[p.id, s.key] for p in problem.people if (p.id, s.key) in self.x and s.skill in p.skills]
            if mode == "partial":
                short = self.short[s.key] = m.new_int_var(0, s.people, f"short_{s.key}")
                m.add(sum(seats) + short == s.people)
                if s.skill and s.skill_people:
                    ss = self.skill_short[s.key] = m.new_int_var(0, s.skill_people, f"sshort_{s.key}")
                    m.add(sum(skilled) + ss >= s.skill_people)
            else:
                lit = None
                if diagnose:
                    lit = m.new_bool_var(f"cover_{s.key}")
                    self.slot_lits[lit] = s.key
                m.add(sum(seats) <= s.people)
                add(m.add(sum(seats) >= s.people), lit)
                if s.skill and s.skill_people:
                    add(m.add(sum(skilled) >= s.skill_people), guard("skills"))

        # per person: one a day, rest (interval cliques at every start time), nights
        rest = datetime.timedelta(hours=problem.rest_hours)
        starts = sorted({s.start for s in problem.slots})
        by_person = defaultdict(list)
        for (pid, key), v in self.x.items():
            by_person[pid].append((key, v))
        slots = {s.key: s for s in problem.slots}
        for items in by_person.values():
            per_day = defaultdict(list)
            for key, v in items:
                per_day[slots[key].day].append(v)
            for vs in per_day.values():
                if len(vs) > 1:
                    add(m.add(sum(vs) <= 1), guard("one_per_day"))
            for t in starts:
                clique = [v for key, v in items if slots[key].start <= t < slots[key].end + rest]
                if len(clique) > 1:
                    add(m.add(sum(clique) <= 1), guard("rest"))
            nights = [v for key, v in items if slots[key].night]
            if len(nights) > problem.max_nights:
                add(m.add(sum(nights) <= problem.max_nights), guard("night_limit"))
        # Implied by the rules above, stated in aggregate so that an infeasible count (more seats
        # on a day than people, more nights than limits allow) is seen by the relaxation at once.
        day_vars, night_vars = defaultdict(list), []
        for (_pid, key), v in self.x.items():
            day_vars[slots[key].day].append(v)
            if slots[key].night:
                night_vars.append(v)
        for vs in day_vars.values():
            add(m.add(sum(vs) <= len(by_person)), guard("one_per_day"))
        if night_vars:
            add(m.add(sum(night_vars) <= problem.max_nights * len(by_person)), guard("night_limit"))

        if diagnose:
            m.add_assumptions(list(self.rule_lits.values()) + list(self.slot_lits))
            return
        self._objective(by_person, slots)

    def _objective(self, by_person, slots):
        m, p, w = self.m, self.p, self.p.weights
        self.terms: dict[str, cp_model.LinearExpr] = {}
        # fairness: weighted half-hours per person, max - min over the people who can work
        hours = []
        horizon = sum(s.minutes // 30 * s.people for s in p.slots) * max(1, int(round(p.night_weight * 2)))
        for pid, items in by_person.items():
            expr = sum(v * int(round(slots[key].minutes // 30 * (p.night_weight if slots[key].night else 1) * 2))
                       for key, v in items)
            h = m.new_int_var(0, horizon, f"h_{pid}")
            m.add(h == expr)
            hours.append(h)
        if len(hours) > 1:
            hi, lo = m.new_int_var(0, horizon, "hmax"), m.new_int_var(0, horizon, "hmin")
            m.add_max_equality(hi, hours)
            m.add_min_equality(lo, hours)
            self.terms["fairness"] = hi - lo
        # same post: each post a person stands at all
        used = []
        for pid, items in by_person.items():
            posts = defaultdict(list)
            for key, v in items:
                posts[slots[key].post].append(v)
            for post, vs in posts.items():
                y = m.new_bool_var(f"y_{pid}_{post}")
                for v in vs:
                    m.add_implication(v, y)
                used.append(y)
        self.terms["same_post"] = sum(used)
        people = {person.id: person for person in p.people}
        misses = [v for (pid, key), v in self.x.items()
                  if people[pid].preferred_posts and slots[key].post not in people[pid].preferred_posts]
        self.terms["wish"] = sum(misses)
        weights = {"fairness": w.fairness, "same_post": w.same_post, "wish": w.wish}
        objective = sum(weights[name] * expr for name, expr in self.terms.items())
        if self.mode == "partial":
            self.terms["holes"] = sum(self.short.values()) + sum(self.skill_short.values())
            objective += w.coverage_hole * self.terms["holes"]
        self.weights = {**weights, "holes": w.coverage_hole}
        m.minimize(objective)


class _FirstSolution(cp_model.CpSolverSolutionCallback):
    def __init__(self, started):
        super().__init__()
        self.started, self.first = started, None

    def on_solution_callback(self):
        if self.first is None:
            self.first = time.monotonic() - self.started


def _solver(time_limit: float, workers: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, float(time_limit))
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = 1
    # Rosters are symmetric (people alike) and large in Booleans: symmetry detection and probing
    # in presolve cost seconds before the first roster on 2 cores (benchmarks/staffing_solver.py).
    solver.parameters.symmetry_level = 0
    solver.parameters.cp_model_probing_level = 0
    return solver


def _roster(model: _Model, solver) -> dict[str, list[int]]:
    roster: dict[str, list[int]] = {s.key: [] for s in model.p.slots}
    for (pid, key), v in model.x.items():
        if solver.value(v):
            roster[key].append(pid)
    for key in roster:
        roster[key].sort()
    return roster


def _fill(result: Result, model: _Model, solver):
    result.roster = _roster(model, solver)
    result.objective = solver.objective_value
    result.bound = solver.best_objective_bound
    obj = abs(result.objective)
    result.gap = 0.0 if obj < 1e-9 else max(0.0, (result.objective - result.bound) / obj)
    result.breakdown = {name: float(solver.value(expr)) * model.weights[name] for name, expr in model.terms.items()}


def greedy(problem: Problem) -> dict[str, list[int]]:
    """A quick roster by hand's rule, slot by slot in time order: the skilled seats first, then
    whoever may stand it with the fewest hours so far, preferring their post and their wish.
    It keeps every hard rule but may leave holes; the solver starts from it (a hint)."""
    rest = datetime.timedelta(hours=problem.rest_hours)
    hours: dict[int, int] = defaultdict(int)
    nights: dict[int, int] = defaultdict(int)
    mine: dict[int, list[Slot]] = defaultdict(list)
    posts: dict[int, set] = defaultdict(set)
    roster: dict[str, list[int]] = {}

    def free(person, slot):
        unavailable, outside = _works(person, slot)
        if unavailable or outside or (slot.night and nights[person.id] >= problem.max_nights):
            return False
        for other in mine[person.id]:
            if other.day == slot.day or (other.start < slot.end + rest and slot.start < other.end + rest):
                return False
        return True

    def rank(person, slot):
        # on a seat without a skill, keep the skilled (scarce) for the seats that ask for them
        spare = bool(person.skills) and not (slot.skill and slot.skill in person.skills)
        return (spare, hours[person.id], slot.post not in posts[person.id], slot.post not in person.preferred_posts,
                person.id)

    for slot in sorted(problem.slots, key=lambda s: (s.start, s.key)):
        chosen: list[Person] = []
        candidates = [p for p in problem.people if free(p, slot)]
        if slot.skill and slot.skill_people:
            skilled = sorted((p for p in candidates if slot.skill in p.skills), key=lambda p: rank(p, slot))
            chosen += skilled[:slot.skill_people]
        rest_of = sorted((p for p in candidates if p not in chosen), key=lambda p: rank(p, slot))
        chosen += rest_of[:max(0, slot.people - len(chosen))]
        roster[slot.key] = sorted(p.id for p in chosen)
        for p in chosen:
            hours[p.id] += slot.minutes
            nights[p.id] += slot.night
            mine[p.id].append(slot)
            posts[p.id].add(slot.post)
    return roster


def _hint(model: _Model, roster: dict[str, list[int]]):
    chosen = {(pid, key) for key, ids in roster.items() for pid in ids}
    for pair, var in model.x.items():
        model.m.add_hint(var, pair in chosen)


def solve(problem: Problem, time_limit: float = 10.0, workers: int = 2, progress=None) -> Result:
    started = time.monotonic()
    model = _Model(problem, "optimize")
    _hint(model, greedy(problem))
    solver = _solver(time_limit, workers)
    callback = _FirstSolution(started)
    status = solver.solve(model.m, callback)
    result = Result(status="unknown", roster={s.key: [] for s in problem.slots})
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        result.status = "optimal" if status == cp_model.OPTIMAL else "feasible"
        _fill(result, model, solver)
        result.first_feasible = callback.first
    elif status == cp_model.INFEASIBLE or status == cp_model.UNKNOWN:
        if status == cp_model.INFEASIBLE:
            diagnose(problem, result, time_limit=max(1.0, time_limit / 3), workers=workers)
        partial = _Model(problem, "partial")
        _hint(partial, greedy(problem))
        solver = _solver(max(1.0, time_limit / 2), workers)
        if solver.solve(partial.m) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            _fill(result, partial, solver)
            result.status = "infeasible" if status == cp_model.INFEASIBLE else "partial"
            people = {p.id: p for p in problem.people}
            for s in problem.slots:
                assigned = result.roster[s.key]
                skilled = sum(1 for pid in assigned if s.skill in people[pid].skills)
                if len(assigned) < s.people or (s.skill and skilled < s.skill_people):
                    rules = result.conflicting_rules if s.key in result.conflicting_slots else ()
                    result.holes.append(Hole(s.key, s.label(), s.people, len(assigned), explain_slot(problem, s, rules)))
    result.wall_time = time.monotonic() - started
    return result


def diagnose(problem: Problem, result: Result, time_limit: float = 5.0, workers: int = 1):
    """Which slots and rule groups cannot hold together, from the solver's assumptions."""
    model = _Model(problem, "diagnose")
    solver = _solver(time_limit, 1)  # the core is read from a single worker
    solver.parameters.cp_model_presolve = False  # presolve may put foreign literals in the core (or-tools#5141)
    solver.parameters.linearization_level = 2  # counting conflicts are found by the relaxation, at once
    if solver.solve(model.m) != cp_model.INFEASIBLE:
        return
    core = set(solver.sufficient_assumptions_for_infeasibility())
    rules = [rule for rule, lit in model.rule_lits.items() if lit.index in core]
    result.conflicting_rules = rules
    result.conflicting_slots = [key for lit, key in model.slot_lits.items() if lit.index in core]


def explain_slot(problem: Problem, slot: Slot, rules=None) -> list[str]:
    """Why a slot is short, in counts: who is unavailable, outside check-in, without the skill."""
    unavailable = outside = 0
    free = []
    for person in problem.people:
        u, o = _works(person, slot)
        unavailable += u
        outside += o and not u
        if not u and not o:
            free.append(person)
    reasons = [_("%(n)s needed, %(k)s available") % {"n": slot.people, "k": len(free)}]
    if unavailable:
        reasons.append(_("%(n)s unavailable") % {"n": unavailable})
    if outside:
        reasons.append(_("%(n)s outside their check-in period") % {"n": outside})
    if slot.skill and slot.skill_people:
        skilled = sum(1 for p in free if slot.skill in p.skills)
        if skilled < slot.skill_people:
            reasons.append(_("%(n)s with %(skill)s needed, %(k)s available") % {
                "n": slot.skill_people, "skill": problem.skill(slot.skill), "k": skilled})
    for rule in rules or ():
        if rule not in ("unavailable", "checkin", "skills"):
            reasons.append(_("in conflict with: %(rule)s") % {"rule": rule_label(rule)})
    return reasons
