"""The roster solver on a community-sized week: 60 people x 12 posts x 7 days x 3 shifts
(8-hour shifts 00-08, 08-16, 16-24; 1 or 2 people per shift, a medical skill at two posts), with
dated unavailability, wishes and a night limit of 3 a week.

Prints the time to the first feasible roster, to a gap of 5 % or less, the gap at the time limit
(20 s by default), the objective by goal, and the hard-rule check of the result; beside them, the
reference measured in the same run: the same model with coverage only (no soft goals), solved to
its first solution. Pure solver, no database.

    .venv/bin/python benchmarks/staffing_solver.py --seconds 20
"""

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ortools.sat.python import cp_model  # noqa: E402

from frontline.staffing.solver import (  # noqa: E402
    Person,
    Problem,
    Slot,
    Weights,
    _hint,
    _Model,
    _solver,
    greedy,
    violations,
)

MONDAY = dt.date(2026, 12, 14)


def instance(people=60, posts=12, days=7, seed=1) -> Problem:
    rnd = random.Random(seed)
    slots = []
    for post in range(1, posts + 1):
        need = 2 if post <= 4 else 1
        for d in range(days):
            for h in (0, 8, 16):
                start = dt.datetime.combine(MONDAY + dt.timedelta(days=d), dt.time(h))
                skill = "medical" if post in (5, 6) else ""
                slots.append(Slot(f"{post}-{d}-{h}", post, f"post {post}", start, start + dt.timedelta(hours=8),
                                  need, skill, 1 if skill else 0))
    persons = []
    for i in range(1, people + 1):
        away = {MONDAY + dt.timedelta(days=rnd.randrange(days))} if rnd.random() < 0.2 else set()
        skills = {"medical"} if i % 6 == 0 else set()
        wish = {rnd.randint(1, posts)} if rnd.random() < 0.5 else set()
        persons.append(Person(i, f"p{i}", frozenset(skills), unavailable=frozenset(away), preferred_posts=frozenset(wish)))
    return Problem(slots, persons, max_nights=3)


class Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, started):
        super().__init__()
        self.started, self.first, self.gap5 = started, None, None

    def on_solution_callback(self):
        now = time.monotonic() - self.started
        if self.first is None:
            self.first = now
        obj, bound = self.objective_value, self.best_objective_bound
        if self.gap5 is None and obj > 0 and (obj - bound) / obj <= 0.05:
            self.gap5 = now


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--people", type=int, default=60)
    parser.add_argument("--posts", type=int, default=12)
    parser.add_argument("--no-hint", action="store_true")
    args = parser.parse_args()
    problem = instance(args.people, args.posts)
    seats = sum(s.people for s in problem.slots)
    print(f"instance: {len(problem.people)} people, {args.posts} posts x 7 days x 3 shifts = {len(problem.slots)} slots, "
          f"{seats} seats; load average {os.getloadavg()[0]:.2f}")

    # reference: coverage and hard rules only, first solution
    ref = Problem(problem.slots, problem.people, max_nights=3, weights=Weights(fairness=0, same_post=0, wish=0))
    started = time.monotonic()
    model = _Model(ref, "optimize")
    solver = _solver(args.seconds, args.workers)
    solver.parameters.stop_after_first_solution = True
    status = solver.solve(model.m)
    print(f"reference (hard rules only, first solution): {solver.status_name(status)} in {time.monotonic() - started:.2f} s")

    started = time.monotonic()
    hint = greedy(problem)
    greedy_time = time.monotonic() - started
    holes = sum(s.people - len(hint[s.key]) for s in problem.slots)
    print(f"greedy start: {greedy_time:.2f} s, {holes} empty seats, {len(violations(problem, hint))} checker findings")
    model = _Model(problem, "optimize")
    if not args.no_hint:
        _hint(model, hint)
    built = time.monotonic() - started
    solver = _solver(args.seconds, args.workers)
    progress = Progress(started)
    status = solver.solve(model.m, progress)
    wall = time.monotonic() - started
    obj, bound = solver.objective_value, solver.best_objective_bound
    gap = (obj - bound) / obj if obj else 0.0
    roster = {s.key: [] for s in problem.slots}
    for (pid, key), v in model.x.items():
        if solver.value(v):
            roster[key].append(pid)
    found = violations(problem, roster)
    breakdown = {name: solver.value(expr) for name, expr in model.terms.items()}
    print(f"full model: built in {built:.2f} s, {len(model.x)} assignment variables; {solver.status_name(status)}")
    print(f"  first feasible: {progress.first:.2f} s" if progress.first is not None else "  no feasible roster")
    print(f"  gap <= 5 %: {progress.gap5:.2f} s" if progress.gap5 is not None else "  gap <= 5 %: not reached")
    print(f"  at {wall:.1f} s: objective {obj:.0f}, bound {bound:.0f}, gap {gap * 100:.1f} %")
    print(f"  by goal (raw): fairness {breakdown.get('fairness', 0) / 4:.1f} h max-min, posts stood {breakdown.get('same_post')}, "
          f"off-wish shifts {breakdown.get('wish')}")
    print(f"  checker: {len(found)} hard-rule violations; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
