import datetime

import pytest
from django.utils import timezone

from frontline.isolation import services
from frontline.screening.models import Round, Sample, Tube


@pytest.fixture(autouse=True)
def english(request):
    """Service messages and pages in English, so assertions read plainly (test_translations
    checks the Chinese)."""
    from django.utils import translation

    if "client" in request.fixturenames:
        request.getfixturevalue("client").cookies["django_language"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def case_a(world):
    """曾小明 (world.resident_a) in home isolation since 3 days, 11 days to go."""
    now = timezone.now()
    return services.open_case(resident=world.resident_a, reason="close_contact", source_text="密接 of case 12",
                              start=now - datetime.timedelta(days=3), planned_end=now + datetime.timedelta(days=11),
                              policy_notes="糖尿病，需胰岛素；独居 7 楼", actor=world.worker_a)


@pytest.fixture
def site_a(world):
    return services.create_site(area=world.community, name="隔离酒店", capacity=1, address="建设路 1 号",
                                contact="0371-0000", actor=world.street_officer)


_n = iter(range(1, 10**6))


def swab(world, resident, result, at=None):
    """A single-tube swab of ``resident`` at ``at`` whose tube came back ``result``."""
    at = at or timezone.now()
    rnd = Round.objects.create(name="R", starts_at=at - datetime.timedelta(hours=1), ends_at=at + datetime.timedelta(hours=1),
                               pooling="1", status="open")
    tube = Tube.objects.create(barcode=f"T{next(_n):08d}", round=rnd, capacity=1, used=1, status="resulted", result=result,
                               area_path=resident.household.area.path)
    return Sample.objects.create(round=rnd, tube=tube, slot=1, resident=resident, created_at=at,
                                 area_path=resident.household.area.path)
