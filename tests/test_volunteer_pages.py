"""Every page of the demo a volunteer reaches shows no plaintext ID number or phone, and no full
birth date beside a masked ID number (issue 8, "masking in one place"; DESIGN.md §6, §9).

The volunteer logs in to the demo and follows every same-site link from the home page (GET only,
not logout, not downloads), as far as the links go or up to a page limit, and each page's HTML is
scanned."""

import re
from collections import deque
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

pytestmark = pytest.mark.django_db

PAGE_LIMIT = 600
PER_SHAPE = 4  # pages of one kind (/residents/N/) visited at most: the crawl spreads over every kind
SKIP = ("/accounts/logout", "/admin/", "/static/", "/api/", "/i18n/")
ID_TOKEN = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])")
PHONE_TOKEN = re.compile(r"(?<![0-9A-Za-z*])1[3-9]\d{9}(?![0-9A-Za-z])")
MASKED_ID = re.compile(r"\d{6}\*{8}[\dX]{4}")
RESIDENT_PAGE = re.compile(r"^/residents/\d+/$")
LINK = re.compile(r'href="([^"#][^"]*)"')


def _birth_forms(date) -> set[str]:
    return {date.isoformat(), f"{date:%Y%m%d}", f"{date.year}年{date.month}月{date.day}日", f"{date:%Y/%m/%d}"}


@pytest.fixture
def demo(db):
    from frontline.demo.build import build_demo

    build_demo()


def test_a_volunteer_sees_no_personal_value_in_any_demo_page(demo, client):
    from django.contrib.auth import get_user_model

    from frontline.core import personal
    from frontline.residents.models import Resident

    ids, phones, births_by_mask = set(), set(), {}
    for number, phone, birth in Resident.objects.values_list("id_number", "phone", "birth_date").iterator():
        if number:
            ids.add(number)
            if birth:
                births_by_mask.setdefault(personal.mask_id_number(number), set()).update(_birth_forms(birth))
        if phone:
            phones.add(phone)
    volunteer = get_user_model().objects.get(username="volunteer")
    client.force_login(volunteer)

    seen, queue, problems, shapes = set(), deque(["/"]), [], {}
    while queue and len(seen) < PAGE_LIMIT:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        leaked_ids = set(ID_TOKEN.findall(html)) & ids
        leaked_phones = set(PHONE_TOKEN.findall(html)) & phones
        if leaked_ids or leaked_phones:
            problems.append((path, "plaintext", sorted(leaked_ids | leaked_phones)[:3]))
        for mask in set(MASKED_ID.findall(html)):
            beside = {form for form in births_by_mask.get(mask, ()) if form in html}
            if beside:
                problems.append((path, f"birth date beside {mask}", sorted(beside)))
        for href in LINK.findall(html):
            url = urldefrag(urljoin(path, href.replace("&amp;", "&")))[0]
            parts = urlsplit(url)
            if parts.netloc not in ("", "testserver") or parts.path.startswith(SKIP):
                continue
            if "format=" in parts.query or parts.path.endswith((".xlsx", ".csv", ".pdf", ".ics")):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            shape = re.sub(r"\d+", "N", parts.path) + "?" + ",".join(sorted(k.split("=")[0] for k in parts.query.split("&") if k))
            if local not in seen and local not in queue and shapes.get(shape, 0) < PER_SHAPE:
                shapes[shape] = shapes.get(shape, 0) + 1
                queue.append(local)
    residents_seen = [p for p in seen if RESIDENT_PAGE.match(p)]
    print(f"crawled {len(seen)} pages of {len(shapes)} kinds, {len(residents_seen)} resident pages")
    assert len(seen) >= 15 and residents_seen, sorted(seen)  # the crawl reached the volunteer's pages
    assert not problems, problems
