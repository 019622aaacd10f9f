"""The gate's review list: passages decided offline that the server would have decided
otherwise stay listed until someone on duty has looked at them."""

import json
import uuid

import pytest
from django.core.exceptions import ValidationError

from frontline.checkpoints import services
from frontline.core.models import AuditEntry

from .helpers import out

pytestmark = pytest.mark.django_db

API = "/api/v1/checkpoints"


def _questioned(world, gate_a, policy_on):
    policy_on(world.compound_a, "sealed")
    return out(gate_a, world.volunteer_a, world.resident_a.id_number, client_id=uuid.uuid4(),
               offline={"decision": "allowed", "rule": "normal", "reason": "离线放行"}).passage


def test_questioned_passage_is_listed_masked_until_seen(world, gate_a, policy_on, login):
    passage = _questioned(world, gate_a, policy_on)
    client = login(world.volunteer_a)
    listed = client.get(f"{API}/gates/{gate_a.pk}/review").json()
    assert [i["id"] for i in listed] == [passage.pk]
    assert listed[0]["who"] == "曾*明" and listed[0]["server_rule_label"] != listed[0]["rule_label"]
    assert world.resident_a.id_number not in json.dumps(listed)
    seen = client.post(f"{API}/passages/{passage.pk}/review", json.dumps({}), content_type="application/json")
    assert seen.status_code == 200 and seen.json()["reviewed"]
    assert client.get(f"{API}/gates/{gate_a.pk}/review").json() == []
    passage.refresh_from_db()
    assert passage.reviewed_by == world.volunteer_a and passage.decision == "allowed"  # the gate's decision stays
    assert AuditEntry.objects.filter(model="checkpoints.passage", object_id=str(passage.pk), reason__startswith="reviewed").exists()
    again = client.post(f"{API}/passages/{passage.pk}/review", json.dumps({}), content_type="application/json")
    assert again.status_code == 409


def test_a_passage_the_server_agreed_with_needs_no_review(world, gate_a):
    passage = out(gate_a, world.volunteer_a, world.resident_a.id_number).passage
    with pytest.raises(ValidationError):
        services.review_passage(passage, actor=world.volunteer_a)


def test_the_gate_review_is_scoped(world, gate_a, policy_on, login):
    passage = _questioned(world, gate_a, policy_on)
    client = login(world.worker_b)
    assert client.get(f"{API}/gates/{gate_a.pk}/review").status_code in (403, 404)
    answer = client.post(f"{API}/passages/{passage.pk}/review", json.dumps({}), content_type="application/json")
    assert answer.status_code in (403, 404)
