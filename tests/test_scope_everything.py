"""One scope test for every page and every API operation (issue 8, "make it structural";
DESIGN.md §10).

The routes come from the URL configuration and the operations from the OpenAPI schema, never
from a list kept by hand, so a new app's routes are tried the day they are added. Each path
parameter is filled from the demo's data through a small vocabulary (``round_id`` is a round,
the ``pk`` of ``/residents/<pk>/`` is a resident). A route whose parameter the vocabulary cannot
name fails the test: add the word, not an exception.

Every route is tried, GET and POST for pages and its own method for operations, by these actors:

- anonymous: pages send to the login page, operations answer 401 (a few pages are public);
- each demo login below, on a record it may see (in its areas) and on one it may not (outside
  them): outside must be indistinguishable from a record that does not exist (the same status,
  404 for a login whose role reaches the page at all), inside must not be 404 for the
  principal actor (a grid worker of 香树花城一期 on a record of that compound) and never 500.

Writes are made inside a savepoint that is rolled back, so every case sees the same demo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# The demo logins tried, the first one is the principal actor (see the module docstring).
ACTORS = ("grid", "volunteer", "leader", "lab", "sampler", "wangtao")
PRINCIPAL = ACTORS[0]
NOT_THERE = 987654321

# Parameters named for what they hold.
PARAM_MODELS = {
    "assignment_id": "accounts.RoleAssignment",
    "case_id": "isolation.IsolationCase",
    "sample_id": "screening.Sample",
    "round_id": "screening.Round",
    "desk_id": "screening.Desk",
    "resident_id": "residents.Resident",
    "household_pk": "residents.Household",
    "parent_pk": "areas.Area",
    "area_id": "areas.Area",
    "alert_id": "core.Alert",
    "result_id": "screening.LabResult",
    "task_id": "screening.HomeTask",
    "gate_id": "checkpoints.Gate",
    "passage_id": "checkpoints.Passage",
    "venue_id": "checkpoints.Venue",
    "scan_id": "checkpoints.VenueScan",
    "policy_id": "checkpoints.ExitPolicy",
    "exemption_id": "checkpoints.Exemption",
    "pass_id": "checkpoints.Pass",
    "unit_id": "staffing.SendingUnit",
    "member_id": "staffing.StaffMember",
    "checkin_id": "staffing.CheckIn",
    "post_id": "staffing.Post",
    "need_id": "staffing.Need",
    "roster_id": "staffing.Roster",
    "shift_id": "staffing.Shift",
    "handover_id": "staffing.Handover",
}
# Parameters named ``pk``/``id``/``barcode``: the collection segment before them says what they are.
SEGMENT_MODELS = {
    "areas": "areas.Area",
    "residents": "residents.Resident",
    "households": "residents.Household",
    "gates": "checkpoints.Gate",
    "passes": "checkpoints.Pass",
    "exemptions": "checkpoints.Exemption",
    "policies": "checkpoints.ExitPolicy",
    "tubes": "screening.Tube",
    "bags": "screening.Bag",
    "rounds": "screening.Round",
    "tokens": None,  # one's own device tokens: reach is by user, not by area
    "cases": "isolation.IsolationCase",
    "isolations": "isolation.IsolationCase",  # the gate's old isolation pages, which redirect
    "transfers": "isolation.Transfer",
    "work": "core.Alert",  # /me/work/{id}: an item of the inbox
    "jobs": None,  # a scheduled job's name: the jobs pages are for superusers, no area
}
GENERIC_PARAMS = {"pk", "id", "barcode", "name"}
# Keys that are not database ids: the field they look up.
LOOKUP_FIELDS = {"screening.Tube": "barcode", "screening.Bag": "barcode"}
# Parameters that are secrets or names of the user's own things: only "not there" is tried.
OPAQUE_PARAMS = {"job", "token"}
# Parameters of one's own account (tokens and users): reach is by user, not by area.
ACCOUNT_PARAMS = {"token_id", "user_id"}

# Pages anyone may open, by URL name.
PUBLIC_PAGES = {"accounts:login", "set_language", "api:openapi-json", "api:openapi-view", "api:api-root",
                "core:service_worker", "core:manifest", "core:favicon",
                # a member's calendar feed: its secret token is the key (a phone's calendar has no session)
                "staffing:calendar_feed"}
# Pages that end the session: tried anonymously only.
SIGN_OUT = {"accounts:logout"}
# Not part of the application (Django's admin has its own staff login).
SKIP_PREFIXES = ("admin/", "static/", "api/v1/<path:rest>")


@dataclass
class Route:
    kind: str  # "page" or "api"
    template: str  # "residents/<int:pk>/" or "/api/v1/residents/{id}"
    name: str
    methods: tuple[str, ...]
    params: dict[str, str | None] = field(default_factory=dict)  # name -> model label (None: opaque)
    body: bool = False

    def url(self, values: dict[str, object]) -> str:
        if self.kind == "page":
            path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), self.template)
            return "/" + path
        return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), self.template)


def _model_of(param: str, before: str) -> str | None | bool:
    """The model a path parameter names, None for an opaque one, False when unknown."""
    if param in PARAM_MODELS:
        return PARAM_MODELS[param]
    if param in OPAQUE_PARAMS or param in ACCOUNT_PARAMS:
        return None
    if param in GENERIC_PARAMS and before in SEGMENT_MODELS:
        return SEGMENT_MODELS[before]
    return False


def _params(template: str, pattern: str) -> tuple[dict, list[str]]:
    params, unknown = {}, []
    for match in re.finditer(pattern, template):
        name = match.group(1)
        segments = [s for s in template[: match.start()].split("/") if s and not s.startswith(("<", "{"))]
        model = _model_of(name, segments[-1] if segments else "")
        if model is False:
            unknown.append(f"{template}: {name}")
        else:
            params[name] = model
    return params, unknown


def page_routes() -> tuple[list[Route], list[str]]:
    routes, unknown = [], []

    def walk(resolver, prefix="", namespace=""):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
                yield from walk(entry, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern), namespace + (entry.name or "")

    for template, name in walk(get_resolver()):
        if template.startswith(SKIP_PREFIXES) or template.startswith("api/"):
            continue
        template = template.lstrip("^").rstrip("$")
        params, missing = _params(template, r"<(?:\w+:)?(\w+)>")
        unknown += missing
        routes.append(Route("page", template, name, ("get", "post"), params))
    return routes, unknown


def api_routes() -> tuple[list[Route], list[str]]:
    from frontline.api import api

    schema = api.get_openapi_schema()
    routes, unknown = [], []
    for path, operations in schema["paths"].items():
        params, missing = _params(path, r"\{(\w+)\}")
        unknown += missing
        for method, operation in operations.items():
            body = bool(operation.get("requestBody", {}).get("required"))
            routes.append(Route("api", path, operation.get("operationId", path), (method,), params, body))
    return routes, unknown


def test_every_route_has_a_known_parameter_vocabulary():
    _, unknown_pages = page_routes()
    _, unknown_api = api_routes()
    assert not unknown_pages + unknown_api, (
        "These routes take a parameter the scope test cannot fill; name it in PARAM_MODELS or "
        "SEGMENT_MODELS: " + "; ".join(unknown_pages + unknown_api))


def _objects(model_label: str, user):
    """(a record ``user`` may see, a record ``user`` may not see) of the model, either None."""
    model = apps.get_model(model_label)
    visible = model._default_manager.all().restrict(user, "view")
    inside = visible.order_by("pk").first()
    outside = model._default_manager.exclude(pk__in=visible.values("pk")).order_by("pk").first()
    return inside, outside


def _missing_key(model_label: str | None) -> object:
    """A key of the right shape that names no record (a barcode that was never printed)."""
    field_name = LOOKUP_FIELDS.get(model_label or "")
    if not field_name:
        return NOT_THERE
    model = apps.get_model(model_label)
    sample = model._default_manager.values_list(field_name, flat=True).first()
    if sample is None:
        return NOT_THERE
    missing = sample[:-5] + "99999"
    assert not model._default_manager.filter(**{field_name: missing}).exists()
    return missing


def _key(model_label: str, obj) -> object:
    if obj is None:
        return None
    return getattr(obj, LOOKUP_FIELDS.get(model_label, "pk"))


def _request(client, route: Route, method: str, url: str):
    """Status of one request made inside a savepoint that is rolled back."""
    try:
        with transaction.atomic():
            if route.kind == "api":
                response = getattr(client, method)(url, data="{}" if route.body else None,
                                                   content_type="application/json")
            else:
                response = getattr(client, method)(url)
            status = response.status_code
            location = response.get("Location", "")
            transaction.set_rollback(True)
    except Exception as error:  # the test client re-raises a view's exception: that is a 500
        return 500, f"{type(error).__name__}: {error}"
    return status, location


@pytest.fixture
def demo(db):
    from frontline.demo.build import build_demo

    build_demo()


def test_every_page_and_operation_keeps_to_the_actors_scope(demo, client):
    from django.contrib.auth import get_user_model

    pages, unknown_pages = page_routes()
    operations, unknown_api = api_routes()
    assert not unknown_pages + unknown_api
    routes = pages + operations
    users = {name: get_user_model().objects.get(username=name) for name in ACTORS}
    problems: list[str] = []
    cases = 0

    # Anonymous: the login page or 401, except the public pages.
    client.logout()
    for route in routes:
        if route.name in PUBLIC_PAGES:
            continue
        values = {name: NOT_THERE for name in route.params}
        for method in route.methods:
            cases += 1
            status, where = _request(client, route, method, route.url(values))
            if route.kind == "api":
                if status != 401:
                    problems.append(f"anonymous {method.upper()} {route.url(values)}: {status}, not 401")
            elif not (status == 302 and "/accounts/login/" in where) and status != 405:
                problems.append(f"anonymous {method.upper()} {route.url(values)}: {status} {where[:60]}")

    for actor in ACTORS:
        user = users[actor]
        for route in routes:
            if route.name in SIGN_OUT:
                continue
            client.force_login(user)  # again: a route may have rotated or ended the session
            scoped = {name: model for name, model in route.params.items() if model}
            inside, outside = {}, {}
            for name, model in route.params.items():
                if model is None:
                    inside[name] = outside[name] = NOT_THERE
                    continue
                seen, unseen = _objects(model, user)
                inside[name], outside[name] = _key(model, seen), _key(model, unseen)
            for method in route.methods:
                missing_url = route.url({name: _missing_key(model) for name, model in route.params.items()}) if route.params else None
                missing_status = None
                if missing_url:
                    cases += 1
                    missing_status, _ = _request(client, route, method, missing_url)
                    if missing_status >= 500:
                        problems.append(f"{actor} {method.upper()} {missing_url} (no such record): {missing_status}")
                # Each scoped parameter, in turn, outside the actor's areas (the others inside).
                for name in scoped:
                    if outside[name] is None or any(inside[other] is None for other in scoped if other != name):
                        continue
                    values = {**inside, name: outside[name]}
                    url = route.url(values)
                    cases += 1
                    status, detail = _request(client, route, method, url)
                    if status != missing_status and route.name not in OUTSIDE_ANSWERS:
                        problems.append(f"{actor} {method.upper()} {url} ({name} outside the areas): "
                                        f"{status}, but {missing_status} for a record that does not exist {detail[:80]}")
                # Everything inside.
                if all(value is not None for value in inside.values()):
                    url = route.url(inside)
                    cases += 1
                    status, detail = _request(client, route, method, url)
                    if status >= 500:
                        problems.append(f"{actor} {method.upper()} {url} (inside): {status} {detail[:120]}")
                    elif (actor == PRINCIPAL and scoped and method == "get" and status == 404
                          and route.name not in INSIDE_NOT_FOUND):
                        problems.append(f"{actor} GET {url} (inside): 404")
    print(f"\nscope test: {len(pages)} page routes, {len(operations)} API operations, "
          f"{len(ACTORS) + 1} actors, {cases} (route x actor x record) requests")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


# Routes (URL names; operation ids for the API) that answer a record outside the actor's areas differently from no record, and why.
OUTSIDE_ANSWERS = {
    # A tube barcode is unique everywhere: a desk must learn that a scanned tube is taken (409),
    # or it would fill a second tube of that number; the answer names no area, round or person.
    "frontline_screening_api_desk_tube": "barcode taken",
    # A lab receives the bags sent to it, whatever their area: its reach is the lab it belongs to.
    "frontline_screening_api_receive_bag": "lab membership",
}

# Routes where a record the principal may see still answers 404, and why.
INSIDE_NOT_FOUND: set[str] = set()
