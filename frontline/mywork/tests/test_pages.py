"""The 我的待办 page: the list, counts, filters, acknowledge in one tap, resolve with a reason,
a record that was removed, the badge on every page, the dashboard panel, scope is 404."""

import pytest
from django.urls import reverse

from frontline.core.models import Alert
from tests.factories import area

from .helpers import alert

pytestmark = pytest.mark.django_db

INBOX = "/me/work/"


def test_inbox_lists_counts_and_filters(world, login):
    alert(world.unit_a, "HS01")
    alert(world.unit_a, "HS02", kind="screening.positive_pool")
    alert(world.unit_b, "HS03")
    client = login(world.worker_a)
    html = client.get(INBOX).content.decode()
    assert "我的待办" in html and "HS01" in html and "HS02" in html and "HS03" not in html
    assert html.index("HS02") < html.index("HS01")  # the emergency first
    assert 'data-kind="screening.positive_pool"' in html
    html = client.get(INBOX, {"kind": "screening.result_conflict"}).content.decode()
    assert "HS01" in html and "HS02" not in html
    officer = login(world.street_officer)
    html = officer.get(INBOX, {"area": world.compound_b.pk}).content.decode()
    assert "HS03" in html and "HS01" not in html
    assert login(world.worker_a).get(INBOX, {"area": world.compound_b.pk}).status_code == 404
    assert client.get(INBOX, {"cursor": "bad"}).status_code == 404


def test_badge_on_every_page_drops_on_acknowledge(world, login):
    first = alert(world.unit_a, "HS01")
    alert(world.unit_a, "HS02")
    client = login(world.worker_a)
    assert 'data-work-badge' in client.get("/residents/").content.decode()
    response = client.get(reverse("core:dashboard"))
    assert response.context["work_badge"] == 2
    response = client.post(reverse("mywork:ack", args=[first.pk]), {"next": INBOX + "?kind=screening.result_conflict"})
    assert response.status_code == 302 and response["Location"] == INBOX + "?kind=screening.result_conflict"
    assert client.get(INBOX).context["work_badge"] == 1
    first.refresh_from_db()
    assert first.acknowledged_by == world.worker_a
    # An outside "next" is not followed.
    response = client.post(reverse("mywork:ack", args=[first.pk]), {"next": "https://evil.example/"})
    assert response["Location"] == INBOX


def test_acknowledge_with_htmx_swaps_the_card_and_the_badge(world, login):
    first = alert(world.unit_a, "HS01")
    client = login(world.worker_a)
    response = client.post(reverse("mywork:ack", args=[first.pk]), {"next": INBOX}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-work-item="alert-' in html and "data-ack" not in html
    assert 'id="work-badge"' in html and 'hx-swap-oob="true"' in html and "hidden" in html
    item = alert(world.unit_b, "HS02")
    assert client.post(reverse("mywork:ack", args=[item.pk]), headers={"HX-Request": "true"}).status_code == 404


def test_resolve_needs_a_reason(world, login):
    item = alert(world.unit_a, "HS01")
    client = login(world.worker_a)
    url = reverse("mywork:resolve", args=[item.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "   "})
    assert response.status_code == 422 and Alert.objects.get(pk=item.pk).resolved_at is None
    response = client.post(url, {"reason": "已电话复核", "next": INBOX})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.resolution == "已电话复核" and item.resolved_by == world.worker_a
    assert "HS01" not in client.get(INBOX).content.decode()
    assert client.post(url, {"reason": "again"}).status_code == 409


def test_out_of_scope_is_404(world, login):
    item = alert(world.unit_b, "HS01")
    client = login(world.worker_a)
    assert client.post(reverse("mywork:ack", args=[item.pk])).status_code == 404
    assert client.get(reverse("mywork:resolve", args=[item.pk])).status_code == 404
    assert client.post(reverse("mywork:resolve", args=[item.pk]), {"reason": "x"}).status_code == 404
    item.refresh_from_db()
    assert item.acknowledged_at is None and item.resolved_at is None
    assert login(world.outsider).get(INBOX).status_code == 200


def test_an_alert_whose_record_was_deleted_says_record_removed(world, login, monkeypatch):
    from frontline.core import registry

    spare = area("临时楼", "building", world.compound_a)
    # A kind with no link of its own: "open" goes to the record, which is then deleted.
    kinds = {**registry.alert_kinds(), "test.plain": registry.AlertKind("test.plain", "plain")}
    monkeypatch.setattr(registry, "alert_kinds", lambda: kinds)
    item = alert(world.unit_a, "HS01", kind="test.plain", target=spare)
    spare.delete()
    client = login(world.worker_a)
    response = client.get(INBOX)
    html = response.content.decode()
    assert response.status_code == 200 and "data-removed" in html and "记录已删除" in html
    response = client.get(reverse("mywork:resolve", args=[item.pk]))
    assert response.status_code == 200 and "data-removed" in response.content.decode()


def test_dashboard_alerts_panel_reads_the_same_inbox(world, login):
    alert(world.unit_a, "HS01", kind="screening.positive_pool")
    response = login(world.worker_a).get(reverse("core:dashboard"))
    panel = next(p for p in response.context["panels"] if p["template"] == "mywork/_dashboard.html")
    assert [i.text for i in panel["items"]] and "HS01" in response.content.decode()
    assert response.content.decode().count("HS01") == 1  # one alerts panel, not two


def test_page_query_count_is_flat(world, login, django_assert_max_num_queries):
    for i in range(40):
        target = area(f"楼{i}", "building", world.compound_a) if i % 2 else None
        alert(world.unit_a, f"HS{i:02d}", target=target)
    client = login(world.worker_a)
    with django_assert_max_num_queries(14):
        client.get(INBOX)
