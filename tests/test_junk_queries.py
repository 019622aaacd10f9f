"""Every page of the demo asked with junk in each query parameter it reads: never a 500.

The pages come from the URL resolver: a crawl of the demo as a community worker finds a real
address for each named page (links followed from the home page), and any named page the crawl
did not reach is built from its pattern with the first ids of the demo. For each page, the
parameters are those of its links and its forms, and those the view itself read (recorded on
request.GET while the page was first asked); each is sent with junk, one at a time."""

import re
from collections import deque
from urllib.parse import urldefrag, urlencode, urljoin, urlsplit

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import get_resolver, resolve, reverse
from django.urls.exceptions import NoReverseMatch, Resolver404

pytestmark = pytest.mark.django_db

SKIP = ("/accounts/logout", "/admin/", "/static/", "/api/", "/i18n/", "/sw.js", "/manifest.webmanifest", "/favicon.ico")
LINK = re.compile(r'href="([^"#][^"]*)"')
FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')
JUNK = ["abc", "99999999999999999999"]
IGNORED_FIELDS = {"csrfmiddlewaretoken", "next", "language"}


# --- junk in every query parameter of every page -------------------------------------------------

@pytest.fixture
def demo(db):
    from frontline.demo.build import build_demo

    build_demo()


class _Reads:
    """The query parameter names a view reads from request.GET."""

    def __init__(self, monkeypatch):
        self.keys = set()
        for name in ("get", "getlist", "__getitem__", "__contains__"):
            original = getattr(QueryDict, name)

            def spy(qd, key, *args, _original=original, **kwargs):
                self.keys.add(key)
                return _original(qd, key, *args, **kwargs)

            monkeypatch.setattr(QueryDict, name, spy)


def _named_patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if hasattr(p, "url_patterns"):
            ns = p.namespace or ""
            yield from _named_patterns(p, prefix + str(p.pattern), f"{namespace}{ns}:" if ns else namespace)
        elif p.name:
            yield f"{namespace}{p.name}", prefix + str(p.pattern)


def _first_ids():
    from frontline.checkpoints.models import Gate
    from frontline.screening.models import Bag, Round

    ids = {}
    r = Round.objects.order_by("pk").first()
    ids["round_id"] = r.pk if r else 1
    ids["barcode"] = getattr(Bag.objects.order_by("pk").first(), "barcode", "X")
    ids["pk"] = getattr(Gate.objects.order_by("pk").first(), "pk", 1)
    return ids


def test_no_page_answers_500_to_junk_in_its_query(demo, monkeypatch):
    from django.contrib.auth import get_user_model

    client = Client(raise_request_exception=False)
    client.force_login(get_user_model().objects.get(username="worker"))
    reads = _Reads(monkeypatch)

    pages, params, seen, queue = {}, {}, set(), deque(["/"])
    while queue and len(seen) < 400:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        try:
            name = resolve(urlsplit(path).path).view_name
        except Resolver404:
            continue
        if name in pages:  # one page of each kind is asked; its other links only add parameters
            params[name].update(k for k in QueryDict(urlsplit(path).query).keys())
            continue
        reads.keys.clear()
        response = client.get(path)
        if name not in pages:
            pages[name] = urlsplit(path).path
            params[name] = set()
        params[name].update(reads.keys)
        params[name].update(k for k in QueryDict(urlsplit(path).query).keys())
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        params[name].update(FIELD.findall(html))
        for href in LINK.findall(html):
            url = urldefrag(urljoin(path, href.replace("&amp;", "&")))[0]
            parts = urlsplit(url)
            if parts.netloc not in ("", "testserver") or parts.path.startswith(SKIP):
                continue
            if "format=" in parts.query or parts.path.endswith((".xlsx", ".csv", ".pdf", ".ics")):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if local not in seen and len(queue) < 5000:
                queue.append(local)

    # Named pages the crawl did not reach: built from the pattern with the demo's first ids.
    ids = _first_ids()
    for name, pattern in _named_patterns():
        if name in pages or pattern.startswith(("admin", "api", "i18n")) or "logout" in name:
            continue
        kwargs = {k: ids.get(k, 1) for k in re.findall(r"<(?:\w+:)?(\w+)>", pattern)}
        try:
            pages[name] = reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
        reads.keys.clear()
        client.get(pages[name])
        params[name] = set(reads.keys)

    common = {"page", "area", "round"}  # asked on every page too: the usual suspects
    failures, asked = [], 0
    for name, path in sorted(pages.items()):
        if path.startswith(SKIP) or path.endswith((".xlsx", ".pdf")):
            continue
        for key in sorted((params[name] | common) - IGNORED_FIELDS):
            for junk in JUNK:
                asked += 1
                response = client.get(f"{path}?{urlencode({key: junk})}")
                if response.status_code >= 500:
                    failures.append(f"{path}?{key}={junk} -> {response.status_code}")
    print(f"{len(pages)} named pages, {asked} junk requests")
    assert len(pages) >= 40
    assert not failures, "\n".join(failures)
