import pytest

from frontline.staffing.models import CheckIn, Roster, Shift, StaffMember

pytestmark = pytest.mark.django_db


def test_demo_has_units_batches_and_published_rosters(client):
    from frontline.demo.build import build_demo

    build_demo()
    assert StaffMember.objects.filter(area__name="绿地香树花城社区", kind="cadre").count() == 27
    assert CheckIn.objects.filter(batch__isnull=False).values("batch").distinct().count() == 3
    rosters = Roster.objects.filter(status="published")
    assert rosters.count() == 2
    for roster in rosters:
        assert roster.solver_status in ("optimal", "feasible"), roster.holes
        assert not Shift.objects.filter(roster=roster, member__isnull=True).exists()
    build_demo()  # idempotent
    assert Roster.objects.count() == 2
    client.force_login(StaffMember.objects.get(name="王瑨").user)
    page = client.get("/staffing/my/").content.decode()
    assert "王瑨" in page
