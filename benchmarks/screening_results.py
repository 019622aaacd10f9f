"""Benchmark: importing a district's lab results, 250,000 tubes in one .csv file.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/frontline_screening_bench \\
        .venv/bin/python benchmarks/screening_results.py [--tubes 250000] [--xlsx]

A fresh round with ``--tubes`` sealed tubes sent to a lab (written straight to the table), a
result file with one row per tube (阴性 mostly; 25 阳性 pools with ten people each, whose
retest lists, control flags and alerts are made during the import; some 无效), and a lab account.
Timed: the import (imports.import_results: read, validate, look up, store, update tubes, handle
positives), then the same file again (idempotent: everything "duplicate"). Reference in the same
run: COPY of the same result rows into a table shaped like screening_labresult plus one UPDATE of
the tubes from it. Issue 3's target: under 60 s. Printed, not asserted.
"""

import argparse
import io
import random
import time

import screening_common as common

POSITIVES = 25


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tubes", type=int, default=250_000)
    parser.add_argument("--street", type=int, default=40_000)
    parser.add_argument("--xlsx", action="store_true", help="also time the same rows as an .xlsx file")
    args = parser.parse_args()

    common.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from frontline.core.access import system_actor
    from frontline.residents.models import Resident
    from frontline.screening import imports
    from frontline.screening.models import Alert, LabResult, RetestItem, Sample, Tube
    from frontline.screening.services import rounds

    street = common.street(args.street)
    lab_user = common.user("bench_lab", "lab", street)
    lab = rounds.create_lab(name=f"基准实验室{random.randrange(10**6)}", code=f"B{random.randrange(10**6)}", members=[lab_user], actor=system_actor("benchmark"))
    round_obj, [desk] = common.open_round([street], label="results")
    print(common.describe_database())

    started = time.monotonic()
    now = timezone.now()
    codes = common.tube_codes(args.tubes)
    with transaction.atomic():
        columns = ["barcode", "round_id", "site_id", "desk_id", "capacity", "used", "status", "result", "result_conflict", "lab_id",
                   "area_path", "opened_at", "sealed_at"]
        with connection.cursor() as cursor, cursor.copy(f"COPY screening_tube ({', '.join(columns)}) FROM STDIN") as copy:
            for code in codes:
                copy.write_row([code, round_obj.pk, desk.site_id, desk.pk, 10, 10, "packed", "", False, lab.pk, desk.site.area.path,
                                now, now])
    rnd = random.Random(9)
    positive_codes = set(rnd.sample(codes, POSITIVES))
    invalid_codes = set(rnd.sample([c for c in codes if c not in positive_codes], args.tubes // 1000))
    people = list(Resident.objects.filter(household__area__path__startswith=street.path).values_list("pk", flat=True)[: POSITIVES * 10])
    tube_ids = dict(Tube.objects.filter(barcode__in=positive_codes).values_list("barcode", "pk"))
    Sample.objects.bulk_create([
        Sample(round=round_obj, tube_id=tube_ids[code], slot=slot + 1, resident_id=people[n * 10 + slot], created_at=now, desk=desk,
               area_path=desk.site.area.path)
        for n, code in enumerate(sorted(positive_codes)) for slot in range(10)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE screening_tube")
    print(f"{args.tubes:,} tubes written in {time.monotonic() - started:.0f} s")

    def result_of(code):
        return "阳性" if code in positive_codes else "无效" if code in invalid_codes else "阴性"

    lines = ["试管条码,检测结果,检测时间"] + [f"{code},{result_of(code)},2022-01-05 {8 + n % 12:02d}:{n % 60:02d}" for n, code in enumerate(codes)]
    data = ("\n".join(lines) + "\n").encode("utf-8-sig")

    started = time.perf_counter()
    summary = imports.import_results("district.csv", data, actor=lab_user)
    import_s = time.perf_counter() - started
    assert summary["accepted"] == args.tubes and not summary["errors"] and not summary["unknown"], {k: summary[k] for k in ("accepted", "error_count", "unknown_count")}
    started = time.perf_counter()
    again = imports.import_results("district.csv", data, actor=lab_user)
    reimport_s = time.perf_counter() - started
    assert again["duplicate"] == args.tubes and again["accepted"] == 0
    retests = RetestItem.objects.filter(tube__round=round_obj).count()
    alerts = Alert.objects.filter(tube__round=round_obj).count()

    # Reference: the same rows by COPY into a table shaped like screening_labresult, then one UPDATE.
    ids = dict(Tube.objects.filter(round=round_obj).values_list("barcode", "pk"))
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_result (LIKE screening_labresult INCLUDING ALL) ON COMMIT DROP")
        with cursor.copy("COPY bench_result (tube_id, result, tested_at, lab_id, accepted, conflict, source, source_ref, received_at, review_note) FROM STDIN") as copy:
            for n, code in enumerate(codes):
                copy.write_row([ids[code], "positive" if code in positive_codes else "invalid" if code in invalid_codes else "negative",
                                f"2022-01-05 {8 + n % 12:02d}:{n % 60:02d}+08", lab.pk, True, False, "import", str(n), now, ""])
        cursor.execute("UPDATE screening_tube t SET status = 'resulted', result = b.result, resulted_at = b.received_at "
                       "FROM bench_result b WHERE b.tube_id = t.id")
        transaction.set_rollback(True)
    reference_s = time.perf_counter() - started

    print(f"result import of {args.tubes:,} tubes (.csv, {len(data) / 1e6:.1f} MB): {import_s:6.1f} s  "
          f"({args.tubes / import_s:,.0f} rows/s; {POSITIVES} positive pools → {retests} retest items, {alerts} alerts)")
    print(f"the same file again (all duplicates):       {reimport_s:6.1f} s")
    print(f"reference: COPY + one UPDATE, same rows:     {reference_s:6.1f} s   import/reference = {import_s / reference_s:.1f}")
    print(f"lab results stored: {LabResult.objects.filter(tube__round=round_obj).count():,}")

    if args.xlsx:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("结果")
        for line in lines:
            sheet.append(line.split(","))
        buffer = io.BytesIO()
        book.save(buffer)
        started = time.perf_counter()
        rows = imports.read_rows("district.xlsx", buffer.getvalue())
        print(f"reading the same rows from .xlsx ({len(buffer.getvalue()) / 1e6:.1f} MB): {time.perf_counter() - started:.1f} s for {len(rows):,} rows")


if __name__ == "__main__":
    main()
