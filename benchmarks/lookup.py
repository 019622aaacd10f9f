"""Benchmark: resident lookup by ID number and by pinyin initials among 1,000,000 residents.

    .venv/bin/python benchmarks/lookup.py [--size 1000000] [--generate] [--n 300]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/frontline_api .venv/bin/python benchmarks/lookup.py

Through the API, with a device token, as a community worker (one community, ~7,600 people) and
as a street officer (one street, ~200,000 people):
- ``GET /api/v1/residents/lookup?id_number=…`` (the scanner path: keyed hash, exact);
- ``GET /api/v1/residents?q=<initials>`` (e.g. zxm for 张小明; first page of 50).
Beside each, the reference: hand-written SQL returning the same rows (resident, household and
area columns, scoped by the area path, in the API's order; the name keys by their own copy of
the area path), timed in the same run.
Target (issue 2): p95 under 20 ms. Not asserted anywhere; printed.
"""

import argparse
import random

import apibench


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--generate", action="store_true", help="generate the city if it is missing")
    parser.add_argument("--n", type=int, default=300, help="requests per scenario")
    args = parser.parse_args()

    apibench.setup()
    from frontline.core import personal
    from frontline.residents.models import NameKey, Resident

    city = apibench.city_with(args.size, args.generate)
    worker, officer = apibench.bench_users(city)
    rnd = random.Random(11)
    print(apibench.describe_database())
    print(f"requests per scenario: {args.n}; times in ms\n")

    results = {}
    for label, user in (("community worker", worker), ("street officer", officer)):
        client = apibench.token_client(user)
        [scope] = user.scope_paths("view")
        in_scope = list(Resident.objects.restrict(user).values_list("pk", flat=True))
        picked = Resident.objects.in_bulk(apibench.sample(rnd, in_scope, args.n))
        people = [picked[pk] for pk in apibench.sample(rnd, picked, args.n)]
        where, scope_params = apibench.scope_sql("a.path", scope)
        columns = ("r.id, r.name, r.sex, r.birth_date, r.relation, r.status, r.id_number, r.phone, "
                   "h.id, h.room, h.floor, a.id, a.name, a.kind")
        joins = ("residents_resident r JOIN residents_household h ON h.id = r.household_id "
                 "JOIN areas_area a ON a.id = h.area_id")

        # --- by ID number ---------------------------------------------------------------------
        def api_id(number, client=client):
            return client.get("/api/v1/residents/lookup", {"id_number": number})

        apibench.check(api_id(people[0].id_number), "lookup")
        id_sql = f"SELECT {columns} FROM {joins} WHERE r.id_number_hash = %s AND {where}"

        def sql_id(number, id_sql=id_sql, scope_params=scope_params):
            return apibench.run_sql(id_sql, [personal.lookup_hash("id", number), *scope_params])

        assert sql_id(people[0].id_number), "the reference query finds nobody"
        numbers = [(p.id_number,) for p in people]
        reference = apibench.timed(sql_id, numbers)
        results[f"id {label}"] = apibench.row(
            f"ID number lookup, {label}", apibench.timed(api_id, numbers), reference)

        # --- by pinyin initials ------------------------------------------------------------------
        keys = {}
        for key in NameKey.objects.filter(resident_id__in=[p.pk for p in people]).values_list("resident_id", "key"):
            keys.setdefault(key[0], []).append(key[1])
        initials = []
        for p in people:
            candidates = [k for k in keys.get(p.pk, []) if k.isascii() and len(k) == len(p.name)]
            if candidates:
                initials.append((min(candidates),))

        def api_initials(text, client=client):
            return client.get("/api/v1/residents", {"q": text})

        body = apibench.check(api_initials(initials[0][0]), "initials")
        assert body["items"], "the initials search finds nobody"
        # The reference: the residents whose name keys start with the text inside the scope (the
        # keys carry the area path: one range of the (key, area_path, resident) index), joined to
        # their households and areas, in the API's order.
        key_scope, key_scope_params = apibench.scope_sql("k.area_path", scope)
        initials_sql = (f"SELECT {columns} FROM {joins} WHERE r.id IN (SELECT k.resident_id FROM residents_namekey k "
                        f"WHERE {{key_where}} AND {key_scope}) AND {where} ORDER BY a.path, h.id, r.id LIMIT 51")

        def sql_initials(text, scope_params=scope_params, initials_sql=initials_sql, key_scope_params=key_scope_params):
            key_where, key_params = apibench.prefix_sql("k.key", text)
            return apibench.run_sql(initials_sql.format(key_where=key_where), [*key_params, *key_scope_params, *scope_params])

        reference = apibench.timed(sql_initials, initials)
        results[f"initials {label}"] = apibench.row(
            f"pinyin initials search (page of 50), {label}", apibench.timed(api_initials, initials), reference)
        hits = [len(sql_initials(t)) for (t,) in initials[:50]]
        print(f"    initials searched: {len(initials)}, e.g. {', '.join(t for (t,) in initials[:5])}; "
              f"rows on the first page: median {sorted(hits)[len(hits) // 2]}")
    return results


if __name__ == "__main__":
    main()
