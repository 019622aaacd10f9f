import datetime
import io

import pytest
from django.utils import timezone

from frontline.checkpoints import services, tokens
from frontline.checkpoints.models import Exemption, ExitPolicy, Gate, Pass

pytestmark = pytest.mark.django_db
FMT = "%Y-%m-%dT%H:%M"


def _local(delta_hours):
    return (timezone.localtime() + datetime.timedelta(hours=delta_hours)).strftime(FMT)


def test_gate_pages_are_scoped(world, gate_a, login):
    client = login(world.volunteer_a)
    assert client.get("/checkpoints/").status_code == 200
    assert client.get(f"/checkpoints/gates/{gate_a.pk}/").status_code == 200
    other = login(world.worker_b)
    assert other.get(f"/checkpoints/gates/{gate_a.pk}/").status_code == 404
    assert other.get(f"/checkpoints/gates/{gate_a.pk}/live/").status_code == 404
    assert b"\xe4\xb8\x9c\xe9\x97\xa8" not in other.get("/checkpoints/").content  # 东门 is not listed


def test_add_a_gate_with_opening_hours(world, login):
    client = login(world.worker_a)
    r = client.post("/checkpoints/gates/new/", {"compound": world.compound_a.pk, "name": "西门", "opens_at": "06:00",
                                                "closes_at": "22:00", "notes": ""})
    assert r.status_code == 302, r.content.decode()[:2000]
    gate = Gate.objects.get(name="西门")
    assert gate.opens_at == datetime.time(6) and gate.venue is not None
    r = client.post("/checkpoints/gates/new/", {"compound": world.compound_b.pk, "name": "偷偷", "opens_at": "", "closes_at": ""})
    assert r.status_code == 200 and not Gate.objects.filter(name="偷偷").exists()


def test_issue_print_and_revoke_a_pass(world, login):
    client = login(world.worker_a)
    r = client.post("/checkpoints/passes/new/", {"household": world.household_a.pk, "valid_from": "", "valid_until": _local(24 * 7)})
    assert r.status_code == 302
    gate_pass = Pass.objects.get()
    pdf = client.get(f"/checkpoints/passes/{gate_pass.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.post(f"/checkpoints/passes/{gate_pass.pk}/revoke/", {"reason": ""}).status_code == 302
    gate_pass.refresh_from_db()
    assert gate_pass.revoked_at is None  # no reason, no revocation
    client.post(f"/checkpoints/passes/{gate_pass.pk}/revoke/", {"reason": "遗失"})
    gate_pass.refresh_from_db()
    assert gate_pass.revoked_at and gate_pass.revoke_reason == "遗失"
    assert login(world.worker_b).get(f"/checkpoints/passes/{gate_pass.pk}/pdf/").status_code == 404


def test_pass_with_end_before_start_is_refused_on_the_form(world, login):
    client = login(world.worker_a)
    r = client.post("/checkpoints/passes/new/", {"household": world.household_a.pk, "valid_from": _local(5), "valid_until": _local(1)})
    assert r.status_code == 200 and b"after the start" in r.content and not Pass.objects.exists()


def test_exemption_and_isolation_pages(world, login):
    client = login(world.worker_a)
    r = client.post("/checkpoints/exemptions/new/", {"resident": world.resident_a.pk, "kind": "exam", "evidence": "准考证 001",
                                                      "valid_from": _local(-1), "valid_until": _local(10)})
    assert r.status_code == 302
    assert "准考证 001" in client.get("/checkpoints/exemptions/").content.decode()
    exemption = Exemption.objects.get()
    client.post(f"/checkpoints/exemptions/{exemption.pk}/revoke/", {"reason": "作废"})
    assert Exemption.objects.get().revoked_at
    # Home isolation moved to the isolation app: the old pages redirect there.
    assert client.get("/checkpoints/isolations/").url == "/isolation/"
    assert client.get("/checkpoints/isolations/new/").url == "/isolation/cases/new/"
    # Another compound's resident is not even a choice.
    r = client.post("/checkpoints/exemptions/new/", {"resident": world.resident_b.pk, "kind": "exam", "evidence": "x",
                                                      "valid_from": _local(-1), "valid_until": _local(10)})
    assert r.status_code == 200 and Exemption.objects.count() == 1


def test_policy_page_needs_manage(world, login):
    data = {"area": world.compound_a.pk, "mode": "controlled", "quota_people": 1, "quota_days": 2, "effective_from": _local(0),
            "effective_until": "", "reason": "每户两天一人"}
    r = login(world.worker_a).post("/checkpoints/policies/new/", data)
    assert r.status_code == 200 and not ExitPolicy.objects.exists()
    r = login(world.street_officer).post("/checkpoints/policies/new/", data)
    assert r.status_code == 302
    assert ExitPolicy.objects.get().describe() == "controlled: 1 per household every 2 days"
    r = login(world.street_officer).post("/checkpoints/policies/new/", {**data, "quota_people": ""})
    assert r.status_code == 200 and b"quota" in r.content
    policy = ExitPolicy.objects.get()
    login(world.street_officer).post(f"/checkpoints/policies/{policy.pk}/end/", {"reason": "解封"})
    assert ExitPolicy.objects.get().effective_until is not None


def test_live_view_shows_out_now_late_and_refusals_with_override(world, gate_a, login, policy_on, family_a):
    services.record_passage(gate=gate_a, actor=world.volunteer_a, direction="out", value=family_a["wife"].id_number)
    yesterday = timezone.now() - datetime.timedelta(days=1)
    services.record_passage(gate=gate_a, actor=world.volunteer_a, direction="out", value=family_a["son"].id_number, now=yesterday)
    policy_on(world.compound_a, "sealed")
    refused = services.record_passage(gate=gate_a, actor=world.volunteer_a, direction="out", value=family_a["head"].id_number).passage
    client = login(world.worker_a)
    page = client.get(f"/checkpoints/gates/{gate_a.pk}/live/").content.decode()
    assert "刘*" in page and "曾*雨" in page
    late = page[page.index('id="late-list"'):page.index("</ul>", page.index('id="late-list"'))]
    assert "曾*雨" in late  # out since yesterday: out past 22:00
    assert "sealed area" in page
    recent = page[page.index('class="recent"'):page.index("</ul>", page.index('class="recent"'))]
    assert "household quota" not in recent and "resident coming home" not in recent
    assert "sealed area" in recent and "sealed<" not in recent  # rules by their labels, not their codes
    r = client.post(f"/checkpoints/passages/{refused.pk}/override/", {"reason": "就医"})
    assert r.status_code == 302
    refused.refresh_from_db()
    assert refused.overridden_by == world.worker_a
    assert "曾*明" in client.get(f"/checkpoints/gates/{gate_a.pk}/live/").content.decode()


def test_statistics_page_and_xlsx_export(world, gate_a, login, policy_on):
    from openpyxl import load_workbook

    services.record_passage(gate=gate_a, actor=world.volunteer_a, direction="out", value=world.resident_a.id_number)
    services.record_passage(gate=gate_a, actor=world.volunteer_a, direction="in", value=world.resident_a.id_number, temperature="38.0")
    services.record_vehicle(gate=gate_a, actor=world.volunteer_a, direction="in", plate="陕A12345", purpose="送菜")
    client = login(world.worker_a)
    page = client.get("/checkpoints/stats/")
    assert page.status_code == 200 and "temperature 37.3" in page.content.decode()
    r = client.get(f"/checkpoints/stats/?gate={gate_a.pk}&format=xlsx")
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(r.content)).active
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]], strict=False))
    assert (row["Out"], row["Refused"], row["Fevers"], row["Vehicles"]) == (1, 1, 1, 1)
    assert row["Refused: temperature 37.3 °C or more"] == 1
    assert login(world.worker_b).get(f"/checkpoints/stats/?gate={gate_a.pk}").status_code == 200  # not a choice: form error


def test_venue_poster_and_resident_qr(world, gate_a, login):
    client = login(world.worker_a)
    r = client.get(f"/checkpoints/gates/{gate_a.pk}/poster/", follow=True)
    assert r.status_code == 200 and b"<svg" in r.content
    venue = gate_a.venue
    assert services.venue_from_token(tokens.venue_token(venue)) == venue
    r = client.post("/checkpoints/venues/new/", {"area": world.compound_a.pk, "name": "菜店", "kind": "shop"})
    assert r.status_code == 302
    qr = client.get(f"/checkpoints/residents/{world.resident_a.pk}/qr/")
    assert qr.status_code == 200 and b"<svg" in qr.content
    assert login(world.worker_b).get(f"/checkpoints/residents/{world.resident_a.pk}/qr/").status_code == 404
