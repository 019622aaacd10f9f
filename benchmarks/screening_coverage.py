"""Benchmark: coverage (expected against sampled) of a community of 12,000 and a street of 200,000.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/frontline_screening_bench \\
        .venv/bin/python benchmarks/screening_coverage.py [--street 200000] [--sampled 0.8] [--n 20]

A round over the generated street, with ``--sampled`` of its residents swabbed into ten-person
tubes (written straight to the tables once, then reused), a few tubes invalid and some people
exempted. Timed, ``--n`` times each:
- a community worker's coverage of their community (about 12,000 residents): the rows per
  compound and the totals, as the coverage page computes them (coverage.coverage_rows + totals);
- a street officer's coverage of the street (about 200,000): the rows per community and the totals;
- the same through ``GET /api/v1/screening/rounds/{id}/coverage`` (Django's test client).
Beside each, the reference: one hand-written SQL query returning the same counts per area.
Issue 3's targets: under 100 ms (community) and under 2 s (street). Printed, not asserted.
"""

import argparse
import random
import time

import screening_common as common


def build_round(street, fraction):
    """The benchmark round over ``street`` (made once): samples for ``fraction`` of residents."""
    from django.db import connection, transaction
    from django.utils import timezone

    from frontline.residents.models import Resident
    from frontline.screening.models import Exemption, Round, Sample, Tube

    name = f"coverage bench {street.pk} {fraction}"
    existing = Round.objects.filter(name=name).first()
    if existing is not None:
        return existing
    started = time.monotonic()
    round_obj, [desk] = common.open_round([street], label="tmp")
    Round.objects.filter(pk=round_obj.pk).update(name=name)
    round_obj.refresh_from_db()
    rnd = random.Random(5)
    ids = list(Resident.objects.filter(household__area__path__startswith=street.path, status="present")
               .order_by("pk").values_list("pk", "household__area__path"))
    rnd.shuffle(ids)
    sampled = ids[: int(len(ids) * fraction)]
    now = timezone.now()
    codes = common.tube_codes(len(sampled) // 10 + 1, prefix="COV")
    with transaction.atomic():
        tubes = Tube.objects.bulk_create([
            Tube(barcode=code, round=round_obj, site=desk.site, desk=desk, capacity=10, used=10, status="resulted",
                 result="invalid" if n % 200 == 0 else "negative", area_path=desk.site.area.path, opened_at=now)
            for n, code in enumerate(codes)], batch_size=5000)
        columns = ["round_id", "tube_id", "slot", "resident_id", "client_id", "created_at", "desk_id", "source", "green_channel",
                   "repeat", "area_path", "void_reason", "counts"]
        with connection.cursor() as cursor, cursor.copy(f"COPY screening_sample ({', '.join(columns)}) FROM STDIN") as copy:
            for i, (pk, _path) in enumerate(sampled):
                copy.write_row([round_obj.pk, tubes[i // 10].pk, i % 10 + 1, pk, common.new_client_id(), now, desk.pk, "desk",
                                False, False, desk.site.area.path, "", tubes[i // 10].result != "invalid"])
        exempt = ids[len(sampled): len(sampled) + len(ids) // 100]
        Exemption.objects.bulk_create([Exemption(round=round_obj, resident_id=pk, reason="hospital", area_path=path)
                                       for pk, path in exempt], batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE screening_sample; ANALYZE screening_tube; ANALYZE screening_exemption")
    print(f"round with {Sample.objects.filter(round=round_obj).count():,} samples built in {time.monotonic() - started:.0f} s")
    return round_obj


def reference_sql(round_obj, scope_path, width):
    """The same counts per child area, hand-written."""
    from django.db import connection

    sql = f"""
        SELECT substr(a.path, 1, {width}) AS prefix, count(*) AS expected,
               count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM screening_sample s WHERE s.round_id = %s AND s.resident_id = r.id AND s.counts)) AS sampled
        FROM residents_resident r
        JOIN residents_household h ON h.id = r.household_id
        JOIN areas_area a ON a.id = h.area_id
        WHERE a.path LIKE %s AND r.status = 'present'
          AND NOT EXISTS (SELECT 1 FROM screening_exemption e WHERE e.round_id = %s AND e.resident_id = r.id)
        GROUP BY 1"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [round_obj.pk, scope_path + "%", round_obj.pk])
        return cursor.fetchall()


def timed(fn, n):
    fn()  # warm
    times = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--street", type=int, default=200_000)
    parser.add_argument("--sampled", type=float, default=0.8)
    parser.add_argument("--n", type=int, default=20)
    args = parser.parse_args()

    common.setup()
    from django.test import Client

    from frontline.areas.models import Area
    from frontline.screening import coverage

    street = common.street(args.street)
    round_obj = build_round(street, args.sampled)
    communities = list(Area.objects.filter(parent=street, kind="community").order_by("path"))
    community = communities[len(communities) // 2]
    worker = common.user("bench_cov_worker", "community_worker", community)
    officer = common.user("bench_cov_officer", "street_officer", street)
    print(common.describe_database())

    for label, user, area, child_width in (
        ("community (worker)", worker, community, len(community.path) + 10),
        ("street (officer)", officer, street, len(street.path) + 10),
    ):
        parent = area if user is worker else None

        def service(user=user, parent=parent):
            rows = coverage.coverage_rows(round_obj, user, parent)
            return rows, coverage.totals(round_obj, user, rows, parent)

        rows, totals = service()
        ref_rows = reference_sql(round_obj, area.path, child_width)
        assert sum(r[1] for r in ref_rows) == sum(r.expected for r in rows), "reference and service disagree"
        assert sum(r[2] for r in ref_rows) == sum(r.sampled for r in rows), "reference and service disagree"
        client = Client()
        client.force_login(user)
        url = f"/api/v1/screening/rounds/{round_obj.pk}/coverage" + (f"?area={area.pk}" if parent else "")

        def api(client=client, url=url):
            response = client.get(url)
            assert response.status_code == 200, response.content[:200]

        svc = common.summary(timed(service, args.n))
        http = common.summary(timed(api, args.n))
        ref = common.summary(timed(lambda area=area, w=child_width: reference_sql(round_obj, area.path, w), args.n))
        print(f"{label:<20} {totals['expected']:>8,} expected, {totals['sampled']:>8,} sampled, {len(rows):3d} rows")
        print(f"   service (rows + totals)   p50 {svc['p50']:8.1f}  p95 {svc['p95']:8.1f} ms")
        print(f"   API endpoint              p50 {http['p50']:8.1f}  p95 {http['p95']:8.1f} ms")
        print(f"   hand-written SQL (rows)   p50 {ref['p50']:8.1f}  p95 {ref['p95']:8.1f} ms   service/SQL = {svc['p50'] / ref['p50']:.2f}")


if __name__ == "__main__":
    main()
