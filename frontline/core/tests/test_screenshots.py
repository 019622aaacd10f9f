"""Screenshots for the README (docs/screenshots/), taken only when asked:

    FRONTLINE_SCREENSHOTS=1 .venv/bin/pytest frontline/core/tests/test_screenshots.py

They show a small community modelled on the Yuncheng seed (three compounds, special groups),
on a 360-px phone and on a laptop.
"""

import datetime
import os
import random
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.environ.get("FRONTLINE_SCREENSHOTS"), reason="set FRONTLINE_SCREENSHOTS=1 to take them"),
]

OUT = Path(settings.BASE_DIR) / "docs" / "screenshots"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["建国", "秀英", "志强", "桂兰", "明", "丽", "海燕", "子涵", "浩然", "淑珍", "国华", "文博", "雨桐", "玉梅"]


def plausible_tags(rnd, birth, sex):
    """Special groups that fit the person's age and sex, in rough seed-article proportions."""
    age = 2026 - birth.year
    if age < 3:
        return ["infant"]
    candidates = ["disabled", "chronic", "hardship", "migrant_tenant"]
    if age >= 60:
        candidates += ["elderly_alone", "elderly_alone", "bedridden", "chronic"]
    if sex == "F" and 20 <= age <= 42:
        candidates += ["pregnant"]
    if rnd.random() > 0.3:
        return []
    tag = rnd.choice(candidates)
    if tag == "pregnant":
        return [{"tag": "pregnant", "date": datetime.date(2027, rnd.randint(1, 6), 10)}]
    if tag == "chronic":
        return [{"tag": "chronic", "detail": "透析 每周二、四、六"}]
    return [tag]


@pytest.fixture
def community(world):
    from tests.factories import area, household, make_id_number, make_phone, resident

    rnd = random.Random(2022)
    for compound_name in ("供电局家属院", "东方小区"):
        compound = area(compound_name, "compound", world.community)
        for b in range(1, 4):
            unit = area("1单元", "unit", area(f"{b}号楼", "building", compound))
            for floor in range(1, 5):
                home = household(unit, f"{floor}0{rnd.randint(1, 2)}", floor=floor)
                for i in range(rnd.randint(1, 4)):
                    birth = datetime.date(rnd.randint(1938, 2025), rnd.randint(1, 12), rnd.randint(1, 28))
                    sex = rnd.choice("MF")
                    resident(home, rnd.choice(SURNAMES) + rnd.choice(GIVEN), phone=make_phone(),
                             id_number=make_id_number(birth=birth, sex=sex), relation="head" if i == 0 else "other",
                             status="away" if rnd.random() < 0.08 else "present", tags=plausible_tags(rnd, birth, sex))
    return world


def shoot(browser, live_server, user, path, name, viewport, *, full_page=False):
    from tests.factories import PASSWORD

    phone = viewport["width"] < 600
    context = browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=phone, has_touch=phone)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/**")
    page.goto(live_server.url + path)
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full_page)
    context.close()


def test_take_readme_screenshots(browser, live_server, community):
    officer = community.street_officer
    phone, laptop = {"width": 360, "height": 740}, {"width": 1280, "height": 800}
    shoot(browser, live_server, officer, "/", "dashboard-phone", phone)
    shoot(browser, live_server, officer, "/", "dashboard-laptop", laptop)
    shoot(browser, live_server, officer, "/residents/?status=present", "residents-phone", phone)
    shoot(browser, live_server, officer, "/residents/?status=present", "residents-laptop", laptop)
    extra = Path(os.environ.get("FRONTLINE_SCREENSHOTS_EXTRA", ""))
    if str(extra) not in ("", "."):
        # More pages to look at while working on the layout; not for the README.
        global OUT
        OUT, readme = extra, OUT
        try:
            pk = community.resident_a.pk
            for path, name in [("/areas/", "tree"), (f"/areas/{community.community.pk}/", "area"),
                               (f"/residents/{pk}/", "resident"), (f"/residents/{pk}/edit/", "resident-form"),
                               (f"/residents/households/{community.household_a.pk}/", "household"),
                               ("/residents/households/", "households"), ("/accounts/", "account")]:
                shoot(browser, live_server, officer, path, f"{name}-phone", phone, full_page=True)
                shoot(browser, live_server, officer, path, f"{name}-laptop", laptop, full_page=True)
        finally:
            OUT = readme
