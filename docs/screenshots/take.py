"""Take the README screenshots from a running demo (Debian's Chromium, no download).

    ./dev demo                                   # in one terminal
    .venv/bin/python docs/screenshots/take.py    # in another; or pass the demo's URL

Writes dashboard-{phone,laptop}.png and residents-{phone,laptop}.png beside this file, logged in
as the demo's community secretary (绿地香树花城社区). Extra page names (tree, area, resident,
household, form, account) take those pages too, into /tmp, for checking a layout.
"""

import re
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1280, "height": 800}}
USER, PASSWORD = "secretary", "frontline-2022"


def logged_in(browser, base, device):
    context = browser.new_context(locale="zh-CN", **device)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", USER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(rf"^{re.escape(base)}/$"))
    return context, page


def first_link(page, selector):
    return page.locator(selector).first.get_attribute("href")


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
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
