import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from frontline.checkpoints import contacts, services, tokens
from frontline.checkpoints.models import VenueScan
from frontline.core import personal

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(world):
    return services.create_venue(area=world.compound_a, name="小区超市", actor=world.worker_a)


def test_scan_by_venue_token_and_contacts_within_the_window(world, shop):
    venue = services.venue_from_token(tokens.venue_token(shop))
    now = timezone.now()
    a, _ = services.record_scan(venue=venue, actor=world.worker_a, id_number=world.resident_a.id_number, now=now)
    assert a.resident == world.resident_a
    near, _ = services.record_scan(venue=venue, actor=world.worker_a, phone="13800002222", now=now + datetime.timedelta(minutes=20))
    services.record_scan(venue=venue, actor=world.worker_a, phone="13800003333", now=now + datetime.timedelta(minutes=45))
    found = list(contacts.venue_contacts(venue.pk, now, minutes=30, exclude_person=a.person_hash))
    assert [s.pk for s in found] == [near.pk]
    by_person = list(contacts.person_contacts(a.person_hash, minutes=30))
    assert [s.pk for s in by_person] == [near.pk]
    assert near.person_hash == personal.lookup_hash("phone", "13800002222")


def test_scan_twice_with_one_client_id_is_stored_once(world, shop):
    cid = uuid.uuid4()
    first, created = services.record_scan(venue=shop, actor=world.worker_a, phone="13800002222", client_id=cid)
    again, created_again = services.record_scan(venue=shop, actor=world.worker_a, phone="13800002222", client_id=cid)
    assert created and not created_again and first.pk == again.pk and VenueScan.objects.count() == 1


def test_bad_scans_are_explained(world, shop):
    with pytest.raises(ValidationError):
        services.venue_from_token(tokens.venue_token(shop)[:-2] + "zz")
    with pytest.raises(ValidationError):
        services.venue_from_token(tokens.resident_token(world.resident_a))
    with pytest.raises(ValidationError):
        services.record_scan(venue=shop, actor=world.worker_a, id_number="610103199001011235")
    with pytest.raises(ValidationError):
        services.record_scan(venue=shop, actor=world.worker_a)
    with pytest.raises(PermissionDenied):
        services.record_scan(venue=shop, actor=world.worker_b, phone="13800002222")
