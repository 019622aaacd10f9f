"""Benchmark: importing a 100,000-row residents ledger (.xlsx), beside the raw insert rate.

    .venv/bin/python benchmarks/import_ledger.py [--rows 100000] [--reimport] [--worker]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/frontline_bench .venv/bin/python benchmarks/import_ledger.py

What it does, in one run:
1. creates a scratch database (Django's test-database machinery: ``test_<name>``; a file under
   a temporary folder for SQLite, so WAL and fsync behave as in production) and an area tree:
   one community, 3 compounds × 20 buildings × 4 units;
2. writes an .xlsx ledger of N residents (valid, unique ID numbers as text, phones, relations,
   statuses, special groups on about one in ten, ~3 residents a household);
3. imports it in a CHILD process through ``ledger.import_ledger`` (the same call as the page and
   the CLI), as the system, for real; the parent reads the child's peak RSS from ``wait4`` — the
   whole process, Django and all, not just what tracemalloc sees;
4. measures the reference: the same rows inserted raw into a scratch table (``executemany`` on
   SQLite, ``COPY`` on PostgreSQL), no encryption, no hashing, no audit, no search keys;
5. with ``--reimport``, imports the same file again (every row matched by ID number, unchanged);
6. with ``--worker`` (issue 9), the import (instead of step 3) runs as the page runs it: the upload stored encrypted,
   the job queued (``residents.import``) and run by a real ``run_huey`` worker process; the wall
   time is from the enqueue to the run marked done (the worker's start-up excluded: it is started
   and idle first), the peak RSS is the worker process's.

Targets (issue 2): under 60 s and under 500 MB for 100,000 rows.
"""

import argparse
import datetime
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontline.settings")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建华文辉力斌宇浩凯鹏飞鑫波宁"
RELATIONS = ["户主", "配偶", "子女", "父母", "孙子女", "租户", "其他"]
TAGS = ["独居老人", "孕妇", "婴幼儿", "残疾人", "慢性病", "卧床", "农民工租户", "困难家庭"]
HEADER = ["小区", "楼栋", "单元", "房号", "楼层", "姓名", "身份证号", "手机", "与户主关系", "居住状态", "特殊群体", "备注"]


def id_number(i: int) -> str:
    """Unique for i < 25,000,000: the day, the serial and the sex digit all come from i."""
    from frontline.core.idnumber import check_digit

    birth = datetime.date(1940, 1, 1) + datetime.timedelta(days=(i // 1000) % 25000)
    first17 = f"610113{birth:%Y%m%d}{(i // 10) % 100:02d}{i % 10}"
    return first17 + check_digit(first17)


def ledger_rows(n: int):
    rnd = random.Random(7)
    for i in range(n):
        household = i // 3
        unit = household % 240
        compound, building, unit_no = unit // 80, (unit % 80) // 4, unit % 4
        room_index = household // 240
        floor = room_index // 4 + 1
        name = rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2))))
        tags = "、".join(rnd.sample(TAGS, rnd.choice((1, 2)))) if rnd.random() < 0.1 else ""
        yield [
            f"小区{compound + 1}", f"{building + 1}号楼", f"{unit_no + 1}单元", f"{floor}0{room_index % 4 + 1}", floor,
            name, id_number(i), f"139{i:08d}", RELATIONS[0] if i % 3 == 0 else rnd.choice(RELATIONS[1:]),
            "在住" if rnd.random() < 0.9 else "外出", tags, "需要送药" if rnd.random() < 0.02 else "",
        ]


def write_ledger(path: Path, n: int):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("台账")
    sheet.append(HEADER)
    for values in ledger_rows(n):
        for index in (6, 7):
            cell = WriteOnlyCell(sheet, value=values[index])
            cell.number_format = "@"
            values[index] = cell
        sheet.append(values)
    workbook.save(path)


def build_tree():
    from frontline.areas.services import create_area
    from frontline.core.access import system_actor

    city = create_area(name="基准市", kind="city", actor=system_actor("benchmark"))
    district = create_area(name="基准区", kind="district", parent=city, actor=system_actor("benchmark"))
    street = create_area(name="基准街道", kind="street", parent=district, actor=system_actor("benchmark"))
    community = create_area(name="基准社区", kind="community", parent=street, actor=system_actor("benchmark"))
    for c in range(3):
        compound = create_area(name=f"小区{c + 1}", kind="compound", parent=community, actor=system_actor("benchmark"))
        for b in range(20):
            building = create_area(name=f"{b + 1}号楼", kind="building", parent=compound, actor=system_actor("benchmark"))
            for u in range(4):
                create_area(name=f"{u + 1}单元", kind="unit", parent=building, actor=system_actor("benchmark"))
    return community


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def child(path: str, area_id: int):
    """Runs in its own process: the import, timed; prints one JSON line."""
    import django

    django.setup()
    from frontline.areas.models import Area
    from frontline.core.access import system_actor
    from frontline.residents.ledger import import_ledger

    area = Area.objects.get(pk=area_id)
    baseline = rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    result = import_ledger(path, area=area, actor=system_actor("benchmark"), dry_run=False, filename=Path(path).name)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(json.dumps({
        "seconds": seconds, "cpu_seconds": cpu, "rows": result.rows, "created": result.created, "updated": result.updated,
        "unchanged": result.unchanged, "skipped": result.skipped, "rejected": result.rejected,
        "errors": result.error_rows, "baseline_rss_mb": baseline,
    }))


def run_child(path: Path, area_id: int, database_url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url}
    process = subprocess.Popen([sys.executable, __file__, "--child", str(path), "--area", str(area_id)],
                               stdout=subprocess.PIPE, env=env)
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"the import process failed ({process.returncode})")
    data = json.loads(output.decode().strip().splitlines()[-1])
    data["peak_rss_mb"] = usage.ru_maxrss / 1024  # Linux reports kilobytes
    return data


def run_worker(path: Path, area_id: int, database_url: str, workdir: Path) -> dict:
    """The import through the queue: a real worker process, as the page runs it."""
    import signal

    from django.core.files.uploadedfile import SimpleUploadedFile

    from frontline.core.access import system_actor
    from frontline.core.models import JobRun
    from frontline.residents import import_jobs
    from frontline.residents.tasks import import_ledger_job

    env = {**os.environ, "DATABASE_URL": database_url}
    log = (workdir / "worker.log").open("w")
    worker = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "run_huey", "--workers", "1"], cwd=ROOT,
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    time.sleep(8)  # let it start and settle into polling
    stored = import_jobs.store_upload(SimpleUploadedFile(path.name, path.read_bytes()))
    started = time.perf_counter()
    run = import_ledger_job.enqueue(actor=system_actor("benchmark"), key="bench-import", token="bench", upload=stored,
                                    filename=path.name, area_id=area_id, area="bench", dry_run=False, strict=False,
                                    create_missing=True)
    while True:
        run.refresh_from_db()
        if run.state in ("done", "failed") or worker.poll() is not None:
            break
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    queued_to_start = (run.started_at - run.created_at).total_seconds() if run.started_at else float("nan")
    worker.send_signal(signal.SIGINT)
    _pid, _status, usage = os.wait4(worker.pid, 0)
    if run.state != "done":
        raise SystemExit(f"the import job {run.state}: {run.error}\n{(workdir / 'worker.log').read_text()[-2000:]}")
    result = run.result["result"]
    return {"seconds": seconds, "rows": result["rows"], "created": result["created"], "skipped": result["skipped"],
            "peak_rss_mb": usage.ru_maxrss / 1024, "queued_to_start": queued_to_start,
            "upload_left": import_jobs.upload_exists(stored), "state": JobRun.objects.get(pk=run.pk).state}


def raw_insert(rows) -> float:
    """The reference: the same rows, as plain text, into a scratch table; returns rows/s."""
    from django.db import connection

    columns = ["compound", "building", "unit", "room", "floor", "name", "id_number", "phone", "relation", "status", "tags", "notes"]
    values = [[str(v) for v in r] for r in rows]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_ledger")
        definitions = ", ".join(f"{c} text" for c in columns)
        cursor.execute(f"CREATE TABLE bench_raw_ledger (id integer PRIMARY KEY, {definitions})")
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY bench_raw_ledger (id, {', '.join(columns)}) FROM STDIN") as copy:
            for i, row in enumerate(values):
                copy.write_row([i, *row])
        connection.commit() if not connection.get_autocommit() else None
    else:
        from django.db import transaction

        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO bench_raw_ledger (id, {', '.join(columns)}) VALUES ({', '.join(['%s'] * (len(columns) + 1))})",
                [[i, *row] for i, row in enumerate(values)],
            )
    return len(values) / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--reimport", action="store_true", help="import the same file a second time (all unchanged)")
    parser.add_argument("--keep-ledger", metavar="PATH", help="write the generated .xlsx here and reuse it if it exists")
    parser.add_argument("--worker", action="store_true", help="also import through the queue and a real worker process")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--area", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.area)

    workdir = Path(tempfile.mkdtemp(prefix="frontline-bench-"))
    os.environ.setdefault("FRONTLINE_VAR_DIR", str(workdir / "var"))
    os.environ["FRONTLINE_QUEUE_FILE"] = str(workdir / "queue.sqlite3")
    os.environ["FRONTLINE_QUEUE_IMMEDIATE"] = "0"
    import django

    database = os.environ.get("DATABASE_URL", "")
    if not database:
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'unused.sqlite3'}"
    django.setup()
    from django.db import connection

    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = str(workdir / "bench.sqlite3")
    old_name = connection.settings_dict["NAME"]
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    if connection.vendor == "sqlite":
        child_url = f"sqlite:///{test_name}"
    else:
        base = database.rsplit("/", 1)[0]
        child_url = f"{base}/{test_name}"
    try:
        community = build_tree()
        ledger = Path(args.keep_ledger) if args.keep_ledger else workdir / "ledger.xlsx"
        t0 = time.perf_counter()
        if not ledger.exists():
            write_ledger(ledger, args.rows)
        write_seconds = time.perf_counter() - t0
        connection.close()

        load_before = os.getloadavg()[0]
        through_worker = None
        if args.worker:  # instead of the direct import (run the script without --worker for that)
            through_worker = first = run_worker(ledger, community.pk, child_url, workdir)
            first.update(cpu_seconds=float("nan"), baseline_rss_mb=float("nan"), rejected="")
        else:
            first = run_child(ledger, community.pk, child_url)
        second = run_child(ledger, community.pk, child_url) if args.reimport else None

        reference = raw_insert(list(ledger_rows(args.rows)))
        rate = first["rows"] / first["seconds"]
        print(f"database            {connection.vendor} ({connection.settings_dict['NAME']})")
        print(f"machine             {os.cpu_count()} cores, load average {load_before:.1f} before the import, "
              f"{os.getloadavg()[0]:.1f} at the end (other work on the machine slows the wall clock, not the CPU figure)")
        print(f"ledger              {args.rows:,} rows, {ledger.stat().st_size / 1e6:.1f} MB .xlsx (written in {write_seconds:.1f} s)")
        print(f"import              {first['seconds']:.1f} s wall ({first['cpu_seconds']:.1f} s CPU in the import process), {rate:,.0f} rows/s "
              f"(created {first['created']:,}, skipped {first['skipped']:,}{', REJECTED: ' + first['rejected'] if first['rejected'] else ''})")
        print(f"peak memory         {first['peak_rss_mb']:.0f} MB RSS of the import process "
              f"(of which {first['baseline_rss_mb']:.0f} MB before the import started)")
        if second:
            print(f"re-import           {second['seconds']:.1f} s, {second['rows'] / second['seconds']:,.0f} rows/s "
                  f"(unchanged {second['unchanged']:,}, updated {second['updated']:,}), peak {second['peak_rss_mb']:.0f} MB")
        if through_worker:
            w = through_worker
            print(f"through the worker  {w['seconds']:.1f} s from enqueue to done ({w['rows'] / w['seconds']:,.0f} rows/s, "
                  f"created {w['created']:,}; waited {w['queued_to_start']:.2f} s for the worker), peak {w['peak_rss_mb']:.0f} MB "
                  f"RSS of the worker process; upload deleted: {not w['upload_left']}")
        method = "COPY" if connection.vendor == "postgresql" else "executemany INSERT, one transaction"
        print(f"raw insert          {reference:,.0f} rows/s ({method}, same rows as plain text, scratch table)")
        print(f"import / raw        {rate / reference:.2f}")
        print(f"targets             60 s: {'met' if first['seconds'] < 60 else 'MISSED by %.1f s' % (first['seconds'] - 60)}; "
              f"500 MB: {'met' if first['peak_rss_mb'] < 500 else 'MISSED by %.0f MB' % (first['peak_rss_mb'] - 500)}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
