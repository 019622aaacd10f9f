import datetime

import pytest
from django.utils import timezone

from frontline.checkpoints import services
from tests.factories import make_id_number, resident


@pytest.fixture
def gate_a(world):
    return services.create_gate(compound=world.compound_a, name="东门", actor=world.admin)


@pytest.fixture
def gate_b(world):
    return services.create_gate(compound=world.compound_b, name="南门", actor=world.admin)


@pytest.fixture
def policy_on(world):
    """policy_on(area, mode, n=None, d=None, start=None) → an exit policy in force (set by the admin)."""

    def _set(area, mode, n=None, d=None, start=None):
        return services.set_policy(
            area=area, mode=mode, quota_people=n, quota_days=d,
            effective_from=start or timezone.now() - datetime.timedelta(hours=1), reason="防控指挥部通知", actor=world.admin,
        )

    return _set


@pytest.fixture
def family_a(world):
    """Household A: 曾小明 (head, world.resident_a), his wife 刘芳 and their son 曾小雨 (an exam candidate)."""
    wife = resident(world.household_a, "刘芳", relation="spouse", id_number=make_id_number(seq=7001))
    son = resident(world.household_a, "曾小雨", relation="child", id_number=make_id_number(datetime.date(2003, 5, 1), seq=7002))
    return {"head": world.resident_a, "wife": wife, "son": son}



@pytest.fixture(autouse=True)
def english(request):
    """Service messages and pages in English, so assertions read plainly; the browser tests and
    test_translations.py check the Chinese the staff see."""
    from django.utils import translation

    if "client" in request.fixturenames:
        request.getfixturevalue("client").cookies["django_language"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def browser_context_args(browser_context_args, phone_context_args):
    """The gate screen is a phone screen: 360 px, Chinese first."""
    return {**browser_context_args, **phone_context_args}
