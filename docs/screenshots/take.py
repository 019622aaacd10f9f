"""Take the README screenshots from a running demo (Debian's Chromium, no download).

    ./dev demo                                   # in one terminal
    .venv/bin/python docs/screenshots/take.py    # in another; or pass the demo's URL

Writes dashboard-{phone,laptop}.png and residents-{phone,laptop}.png beside this file, logged in
as the demo's community secretary (绿地香树花城社区); coverage-laptop.png (the secretary's round in
progress), desk-phone.png (the volunteer's sampling desk with a new tube and one person scanned in
by name; this stores one sample in the demo) and gate-phone.png (the grid worker of 八一西街社区 at
the gate, a resident found by name and the decision for going out). Extra page names (tree, area, resident, household, form,
account) take those pages too, into /tmp, for checking a layout.
"""

import re
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1280, "height": 800}}
USER, PASSWORD = "secretary", "frontline-2022"


def logged_in(browser, base, device, user=USER):
    context = browser.new_context(locale="zh-CN", **device)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(rf"^{re.escape(base)}/$"))
    return context, page


def first_link(page, selector):
    return page.locator(selector).first.get_attribute("href")


def field_screens(browser, base):
    """The screens used standing up: the sampling desk and the gate, on a phone."""
    context, page = logged_in(browser, base, PHONE, "volunteer")
    page.goto(f"{base}/screening/")
    page.goto(base + first_link(page, "a[href*='/screening/desk/']"))
    box = page.locator("#desk-input")
    box.fill(f"HS{int(time.time()) % 10**12:012d}")
    box.press("Enter")
    page.wait_for_function("document.querySelector('#desk-slot').textContent === '0'")
    box.fill("zh")
    box.press("Enter")
    page.locator(".desk-candidate").first.wait_for()
    box.press("Enter")
    page.wait_for_timeout(500)
    if page.locator("#desk-confirm").is_visible():  # sampled already or from elsewhere: register anyway
        box.press("Enter")
    page.wait_for_function("document.querySelector('#desk-slot').textContent === '1'")
    page.screenshot(path=HERE / "desk-phone.png")
    context.close()

    context, page = logged_in(browser, base, PHONE, "wangtao")
    page.goto(f"{base}/checkpoints/")
    hrefs = [a.get_attribute("href") for a in page.locator("a[href^='/checkpoints/gates/']").all()]
    page.goto(base + next(h for h in hrefs if re.fullmatch(r"/checkpoints/gates/\d+/", h)))
    page.fill("#scan", "wang")
    page.press("#scan", "Enter")
    page.locator("#candidates button").first.click()
    page.locator("#decision").wait_for()
    page.screenshot(path=HERE / "gate-phone.png", full_page=True)
    context.close()


def coverage(browser, base):
    context, page = logged_in(browser, base, LAPTOP)
    page.goto(f"{base}/screening/")
    page.goto(base + first_link(page, "td a[href^='/screening/rounds/']") + "coverage/")
    page.screenshot(path=HERE / "coverage-laptop.png")
    context.close()


def main(base="http://127.0.0.1:8000", *extra):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        for name, device in (("phone", PHONE), ("laptop", LAPTOP)):
            context, page = logged_in(browser, base, device)
            page.screenshot(path=HERE / f"dashboard-{name}.png")
            page.goto(f"{base}/residents/?tag=elderly_alone")
            page.screenshot(path=HERE / f"residents-{name}.png")
            if extra:
                pages = {"tree": "/areas/", "account": "/accounts/", "households": "/residents/households/"}
                page.goto(f"{base}/residents/")
                pages["resident"] = first_link(page, "#resident-list td:first-child a")
                pages["household"] = first_link(page, "#resident-list td.block a")
                pages["form"] = pages["resident"] + "edit/"
                page.goto(f"{base}/areas/")
                pages["area"] = first_link(page, "ul.tree ul.tree .node-head a")
                for key in extra:
                    page.goto(base + pages[key])
                    page.screenshot(path=f"/tmp/frontline-{key}-{name}.png", full_page=True)
            context.close()
        coverage(browser, base)
        field_screens(browser, base)
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
