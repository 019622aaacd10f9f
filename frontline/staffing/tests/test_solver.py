"""The solver on small instances with a known optimum, its infeasibility explanations, and a
property: every roster it returns passes the independent checker."""

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frontline.staffing.solver import Person, Problem, Slot, Weights, solve, violations

MONDAY = dt.date(2026, 12, 14)


def slot(key, day=0, start=8, hours=8, post=1, people=1, skill="", skill_people=0):
    s = dt.datetime.combine(MONDAY + dt.timedelta(days=day), dt.time(start))
    return Slot(key, post, f"post{post}", s, s + dt.timedelta(hours=hours), people, skill, skill_people)


def three_shifts(days, post=1, people=1):
    return [slot(f"{post}-{d}-{h}", d, h, 8, post, people) for d in range(days) for h in (0, 8, 16)]


def test_fair_split_is_optimal_and_zero():
    problem = Problem([slot(f"d{d}", d) for d in range(4)], [Person(1), Person(2)])
    result = solve(problem, time_limit=5)
    assert result.status == "optimal"
    assert sorted(len([k for k, v in result.roster.items() if p in v]) for p in (1, 2)) == [2, 2]
    assert result.breakdown["fairness"] == 0
    assert result.gap == 0 or result.gap < 1e-9
    assert violations(problem, result.roster) == []


def test_same_post_through_the_week():
    # two posts, one slot each per day, two people: the optimum keeps each person on one post
    slots = [slot(f"a{d}", d, post=1) for d in range(3)] + [slot(f"b{d}", d, post=2) for d in range(3)]
    result = solve(Problem(slots, [Person(1), Person(2)]), time_limit=5)
    assert result.status == "optimal"
    for p in (1, 2):
        posts = {k[0] for k, v in result.roster.items() if p in v}
        assert len(posts) == 1
    assert result.breakdown["same_post"] == 2 * Weights().same_post


def test_wish_is_granted():
    slots = [slot("a", post=1), slot("b", post=2)]
    people = [Person(1, preferred_posts=frozenset({2})), Person(2, preferred_posts=frozenset({1}))]
    result = solve(Problem(slots, people), time_limit=5)
    assert result.roster == {"a": [2], "b": [1]}
    assert result.breakdown["wish"] == 0


def test_rest_of_twelve_hours_makes_three_shifts_need_three_people():
    problem = Problem(three_shifts(2), [Person(1), Person(2)])
    result = solve(problem, time_limit=5)
    assert result.status == "infeasible"
    assert set(result.conflicting_rules) & {"rest", "one_per_day"}
    assert result.holes and all(h.filled < h.needed for h in result.holes)
    assert {v.rule for v in violations(problem, result.roster)} == {"coverage"}
    ok = solve(Problem(three_shifts(2), [Person(i) for i in range(1, 5)]), time_limit=5)
    assert ok.complete and violations(Problem(three_shifts(2), [Person(i) for i in range(1, 5)]), ok.roster) == []


def test_night_limit():
    nights = [slot(f"n{d}", d, 0) for d in range(7)]
    people = [Person(1), Person(2)]
    result = solve(Problem(nights, people, max_nights=3), time_limit=5)
    assert result.status == "infeasible" and "night_limit" in result.conflicting_rules
    assert len(result.holes) == 1  # 6 of 7 nights covered
    three = [Person(1), Person(2), Person(3)]
    assert solve(Problem(nights, three, max_nights=3), time_limit=5).complete


def test_unavailability_and_check_in_period_are_respected_and_explained():
    people = [Person(1, unavailable=frozenset({MONDAY})),
              Person(2, available_from=dt.datetime.combine(MONDAY + dt.timedelta(days=1), dt.time()))]
    problem = Problem([slot("mon", 0), slot("tue", 1)], people)
    result = solve(problem, time_limit=5)
    assert result.status == "infeasible"
    assert set(result.conflicting_rules) == {"unavailable", "checkin"}
    assert result.roster["tue"] in ([1], [2])
    [hole] = result.holes
    assert hole.slot == "mon" and "1 unavailable" in hole.reasons and "1 outside their check-in period" in hole.reasons


def test_skill_needed_that_nobody_has():
    problem = Problem([slot("s", people=2, skill="medical", skill_people=1)], [Person(1), Person(2)])
    result = solve(problem, time_limit=5)
    assert result.status == "infeasible" and result.conflicting_rules == ["skills"]
    assert "1 with medical needed, 0 available" in result.holes[0].reasons


@st.composite
def problems(draw):
    n_people = draw(st.integers(1, 6))
    days = draw(st.integers(1, 3))
    slots = []
    for post in range(1, draw(st.integers(1, 2)) + 1):
        for d in range(days):
            for h in draw(st.sets(st.sampled_from([0, 8, 16]), min_size=1, max_size=3)):
                people = draw(st.integers(1, 2))
                skill = draw(st.sampled_from(["", "", "medical"]))
                slots.append(slot(f"{post}-{d}-{h}", d, h, 8, post, people, skill, 1 if skill else 0))
    persons = []
    for i in range(1, n_people + 1):
        away = draw(st.sets(st.integers(0, days - 1), max_size=1))
        persons.append(Person(i, skills=frozenset(draw(st.sets(st.sampled_from(["medical", "driver"]), max_size=1))),
                              unavailable=frozenset(MONDAY + dt.timedelta(days=a) for a in away)))
    return Problem(slots, persons, max_nights=draw(st.integers(0, 2)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_every_roster_passes_the_checker(problem):
    result = solve(problem, time_limit=2, workers=1)
    found = violations(problem, result.roster)
    if result.complete:
        assert found == []
    else:
        # a partial roster breaks no rule but coverage (its holes, each listed)
        assert {v.rule for v in found} <= {"coverage", "skills"}
        assert {v.slot for v in found} <= {h.slot for h in result.holes}
