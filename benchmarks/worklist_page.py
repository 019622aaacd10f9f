"""The door-knock worklist on a phone (issue 10, part 6): bytes sent and time to a useful page.

A compound of 1,715 households (about 4,500 residents, nobody sampled yet) in a database of its
own (SQLite under var/ unless DATABASE_URL is set), a community worker of the compound, an open
round over it. Measured:

- the compound's worklist page and, where the page is an index, the first building's page:
  HTML bytes as sent (gzip when the browser asks for it) and uncompressed, server time (median
  of 5 through Django's test client);
- Chromium at 360 px through a real HTTP server on 127.0.0.1: time from navigation to the
  first contentful paint and to the load event, median of 3.

    .venv/bin/python benchmarks/worklist_page.py
"""

import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontline.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench_worklist.sqlite3'}")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

HOUSEHOLDS = 1715
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]


def build():
    from frontline.areas.models import Area
    from frontline.demo.bulk import BulkBuilder

    name = f"敲门基准小区{HOUSEHOLDS}"
    found = Area.objects.filter(kind="compound", name=name).first()
    if found is not None:
        return found
    builder = BulkBuilder(seed=HOUSEHOLDS, county_codes=["610112"])
    city = builder.area("敲门基准市", "city")
    district = builder.area("基准区", "district", city)
    street = builder.area("基准街道", "street", district)
    community = builder.area("基准社区", "community", street)
    compound = builder.area(name, "compound", community)
    made = 0
    building_no = 0
    while made < HOUSEHOLDS:
        building_no += 1
        building = builder.area(f"{building_no}号楼", "building", compound)
        for u in (1, 2):
            unit = builder.area(f"{u}单元", "unit", building)
            for floor in range(1, 19):
                for room in (1, 2):
                    if made < HOUSEHOLDS:
                        builder.household(unit, f"{floor}{room:02d}", floor)
                        made += 1
    builder.finish()
    return Area.objects.get(kind="compound", name=name)


def main():
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.test import Client

    from benchmarks.screening_common import open_round, user
    from frontline.residents.models import Household, Resident

    compound = build()
    worker = user("worklist_bench", "community_worker", compound)
    round_obj, _ = open_round([compound], label="worklist")
    households = Household.objects.filter(area__path__startswith=compound.path).count()
    residents = Resident.objects.filter(household__area__path__startswith=compound.path).count()
    client = Client()
    client.force_login(worker)
    url = f"/screening/rounds/{round_obj.pk}/worklist/{compound.pk}/"
    load = os.getloadavg()
    print(f"{households:,} households, {residents:,} residents; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")

    def measure(path):
        times = []
        for _ in range(5):
            started = time.perf_counter()
            plain = client.get(path)
            times.append(time.perf_counter() - started)
        sent = client.get(path, HTTP_ACCEPT_ENCODING="gzip, br")
        body = b"".join(sent.streaming_content) if sent.streaming else sent.content
        print(f"  {path}: status {plain.status_code}, {len(plain.content):,} bytes uncompressed, "
              f"{len(body):,} bytes sent ({sent.get('Content-Encoding', 'identity')}), "
              f"server median {statistics.median(times) * 1000:.0f} ms")
        return plain

    first = measure(url)
    building_link = None
    marker = f"/screening/rounds/{round_obj.pk}/worklist/"
    html = first.content.decode()
    start = html.find(marker, html.find("<main") if "<main" in html else 0)
    while start != -1:
        end = html.find('"', start)
        candidate = html[start:end].split("?")[0]
        if candidate != url:
            building_link = candidate
            break
        start = html.find(marker, end)
    if building_link:
        measure(building_link)
    paint(worker, url)


def paint(worker, url):
    if not Path("/usr/bin/chromium").exists():
        print("  (no /usr/bin/chromium: paint times skipped)")
        return
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application
    from playwright.sync_api import sync_playwright

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet)
    server.set_app(get_wsgi_application())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    session = SessionStore()
    session[SESSION_KEY] = str(worker.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = worker.get_session_auth_hash()
    session.save()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
            context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, locale="zh-CN")
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key,
                                  "url": base}])
            fcp, loaded, transferred = [], [], []
            for _ in range(3):
                page = context.new_page()
                page.goto(base + url, wait_until="load")
                timing = page.evaluate("""() => {
                    const nav = performance.getEntriesByType('navigation')[0];
                    const paint = performance.getEntriesByName('first-contentful-paint')[0];
                    return {fcp: paint ? paint.startTime : null, load: nav.loadEventEnd, bytes: nav.transferSize};
                }""")
                fcp.append(timing["fcp"] or 0)
                loaded.append(timing["load"])
                transferred.append(timing["bytes"])
                page.close()
            browser.close()
        print(f"  Chromium 360 px: first contentful paint median {statistics.median(fcp):.0f} ms, "
              f"load event median {statistics.median(loaded):.0f} ms, document transferred {statistics.median(transferred):,.0f} bytes")
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
