import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from frontline.staffing import services
from frontline.staffing.models import Handover, OpenItem, Shift
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _linked(staffing, member, username):
    user = UserFactory(username=username)
    services.update_member(member, user=user, actor=staffing.actor)
    return user


def test_write_and_confirm_a_handover_through_the_pages(client, staffing):
    roster = staffing.roster(days=2)
    services.generate(roster, actor=staffing.actor)
    services.publish(roster, actor=staffing.actor)
    first = Shift.objects.filter(roster=roster).order_by("starts_at").first()
    second = services.next_shift(first)
    outgoing = _linked(staffing, first.member, "outgoing")
    incoming = _linked(staffing, second.member, "incoming")

    client.force_login(outgoing)
    response = client.post(f"/staffing/shifts/{first.pk}/handover/", {
        "notes": "夜间平稳", "new_items": "出租车司机每天晚上11点左右回小区\n"})
    assert response.status_code == 302
    handover = Handover.objects.get(shift=first)
    assert OpenItem.objects.get().text == "出租车司机每天晚上11点左右回小区"
    # a second handover for the same shift is refused
    with pytest.raises(ValidationError):
        services.write_handover(first, notes="again", actor=outgoing)
    # the outgoing person cannot confirm their own handover
    with pytest.raises(PermissionDenied):
        services.confirm_handover(handover, actor=outgoing)

    client.force_login(incoming)
    page = client.get(f"/staffing/shifts/{second.pk}/handover/").content.decode()
    assert "夜间平稳" in page and "出租车司机" in page
    assert client.post(f"/staffing/handovers/{handover.pk}/confirm/").status_code == 302
    handover.refresh_from_db()
    assert handover.confirmed_by == incoming and handover.confirmed_at
    # the open item carries forward until closed in a later handover
    item = OpenItem.objects.get()
    services.write_handover(second, notes="交班", close=[item.pk], actor=incoming)
    item.refresh_from_db()
    assert item.closed_at is not None


def test_someone_else_cannot_write_a_shifts_handover(staffing, world):
    roster = staffing.roster(days=1)
    services.generate(roster, actor=staffing.actor)
    shift = Shift.objects.filter(roster=roster).first()
    with pytest.raises(PermissionDenied):
        services.write_handover(shift, notes="x", actor=world.worker_a)


def test_an_empty_handover_is_refused(staffing):
    roster = staffing.roster(days=1)
    services.generate(roster, actor=staffing.actor)
    shift = Shift.objects.filter(roster=roster).first()
    with pytest.raises(ValidationError):
        services.write_handover(shift, notes="  ", actor=staffing.actor)
