"""Deny by default (issue 8, hole 6): every service names who acts, with no default, and ``None``
is refused like any other denial; the system acts under its own name."""

import datetime
import importlib
import inspect
import io
import pkgutil

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

import frontline
from frontline.core import access, audit
from frontline.core.models import AuditEntry
from tests.factories import SYSTEM

pytestmark = pytest.mark.django_db


def _modules():
    for info in pkgutil.walk_packages(frontline.__path__, "frontline."):
        name = info.name
        if ".tests" in name or ".migrations" in name or ".management." in name or name.endswith(".wsgi"):
            continue
        yield importlib.import_module(name)


def _functions_taking_an_actor():
    """Every function (and method) defined in the project that takes ``actor`` as a keyword."""
    found = []
    for module in _modules():
        for _name, obj in vars(module).items():
            candidates = [obj]
            if inspect.isclass(obj) and obj.__module__ == module.__name__:
                candidates = list(vars(obj).values())
            for fn in candidates:
                fn = inspect.unwrap(fn) if callable(fn) else fn
                if not inspect.isfunction(fn) or fn.__module__ != module.__name__:
                    continue
                param = inspect.signature(fn).parameters.get("actor")
                if param is not None and param.kind is inspect.Parameter.KEYWORD_ONLY:
                    found.append((f"{fn.__module__}.{fn.__qualname__}", param))
    return sorted(set(found), key=lambda item: item[0])


def test_the_acting_user_is_required_everywhere():
    functions = _functions_taking_an_actor()
    assert len(functions) > 50, "the scan should see the services of every app"
    defaulted = [name for name, param in functions if param.default is not inspect.Parameter.empty]
    assert defaulted == []


def test_no_other_permission_helper_is_left():
    """One ``require``: the seven helpers of before (and their None-means-system rule) are gone."""
    from frontline.areas import services as areas
    from frontline.checkpoints import services as checkpoints
    from frontline.core import apikit, views
    from frontline.residents import services as residents
    from frontline.screening.services import common

    for module, name in [(common, "require"), (checkpoints, "_require"), (areas, "_check"), (residents, "_require"),
                         (views, "require"), (apikit, "require")]:
        assert not hasattr(module, name), f"{module.__name__}.{name}"


def test_a_service_called_without_an_actor_is_a_type_error(world):
    from frontline.areas import services as areas
    from frontline.residents import services as residents

    with pytest.raises(TypeError):
        areas.create_area(name="新楼", kind="building", parent=world.compound_a)
    with pytest.raises(TypeError):
        residents.update_resident(world.resident_a, name="曾大明")
    with pytest.raises(TypeError):
        audit.record(world.resident_a, AuditEntry.Action.UPDATE)


def _none_calls(world):
    """One call per service family, each with ``actor=None``."""
    from frontline.accounts import services as accounts
    from frontline.areas import services as areas
    from frontline.checkpoints import services as checkpoints
    from frontline.residents import services as residents
    from frontline.residents.ledger_export import export_ledger
    from frontline.screening.services import results, rounds, sampling, transport

    now = timezone.now()
    return {
        "create_area": lambda: areas.create_area(name="新楼", kind="building", parent=world.compound_a, actor=None),
        "create_top_area": lambda: areas.create_area(name="新市", kind="city", actor=None),
        "move_area": lambda: areas.move_area(world.compound_a, world.other_community, actor=None),
        "create_household": lambda: residents.create_household(area=world.unit_a, room="909", actor=None),
        "update_resident": lambda: residents.update_resident(world.resident_a, name="曾大明", actor=None),
        "delete_resident": lambda: residents.delete_resident(world.resident_a, actor=None),
        "reveal": lambda: residents.reveal(world.resident_a, "id_number", actor=None, reason="x"),
        "export_ledger": lambda: export_ledger(io.BytesIO(), area=world.compound_a, actor=None),
        "create_gate": lambda: checkpoints.create_gate(compound=world.compound_a, name="东门", actor=None),
        "issue_pass": lambda: checkpoints.issue_pass(household=world.household_a, valid_until=now, actor=None),
        "create_round": lambda: rounds.create_round(name="r", areas=[world.compound_a], starts_at=now,
                                                    ends_at=now + datetime.timedelta(hours=1), actor=None),
        "create_lab": lambda: rounds.create_lab(name="实验室", code="L9", actor=None),
        "ingest": lambda: sampling.ingest([], actor=None),
        "receive_bag": lambda: transport.receive_bag("BAG0001", actor=None),
        "visible_tubes": lambda: results.visible_tubes(None),
        "issue_token": lambda: accounts.issue_token(world.worker_a, "phone", actor=None),
        "audit.record": lambda: audit.record(world.resident_a, AuditEntry.Action.UPDATE, actor=None),
    }


NONE_CALLS = ["create_area", "create_top_area", "move_area", "create_household", "update_resident", "delete_resident",
              "reveal", "export_ledger", "create_gate", "issue_pass", "create_round", "create_lab", "ingest",
              "receive_bag", "visible_tubes", "issue_token", "audit.record"]


@pytest.mark.parametrize("name", NONE_CALLS)
def test_none_is_never_an_actor(world, name):
    before = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        _none_calls(world)[name]()
    assert AuditEntry.objects.count() == before


def test_the_system_actor_may_act_and_is_named_in_the_change_log(world):
    from frontline.areas import services as areas

    demo = access.system_actor("demo")
    building = areas.create_area(name="新楼", kind="building", parent=world.compound_a, actor=demo)
    entry = AuditEntry.objects.get(model="areas.area", object_id=str(building.pk))
    assert (entry.actor, entry.actor_name) == (None, "system:demo")
    assert access.can(demo, "reveal", world.compound_c) and access.person(demo) is None
    assert access.person(world.worker_a) == world.worker_a


def test_a_person_is_checked_like_before(world):
    access.require(world.worker_a, "change", world.compound_a)
    access.require(world.worker_a, "change", world.resident_a)  # a record: its area path
    with pytest.raises(PermissionDenied):
        access.require(world.worker_a, "change", world.compound_b)
    with pytest.raises(PermissionDenied):
        access.require(world.volunteer_a, "change", world.compound_a.path)
    world.worker_a.is_active = False
    with pytest.raises(PermissionDenied):
        access.require(world.worker_a, "view", world.compound_a)


def test_the_cli_without_user_acts_as_a_named_system_actor(world, tmp_path):
    from django.core.management import call_command

    out = tmp_path / "ledger.xlsx"
    call_command("export", "--area", str(world.compound_a.pk), "-o", str(out), "--reveal", "--reason", "audit", stdout=io.StringIO())
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.REVEAL).latest("at")
    assert entry.actor_name == "system:cli:export"


def test_system_actor_is_recorded_by_the_batch_writer(world):
    rows = audit.AuditRows(SYSTEM, "import")
    rows.add_for(world.resident_a, AuditEntry.Action.UPDATE, {"x": [1, 2]}, area_path=world.compound_a.path, label="x")
    rows.flush()
    assert AuditEntry.objects.latest("pk").actor_name == "system:test"
    with pytest.raises(PermissionDenied):
        audit.AuditRows(None, "import")
