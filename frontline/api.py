"""The JSON API at /api/v1/: one NinjaAPI, each app adds its router (frontline/<app>/api.py).

Authentication, tried in order: a per-device token (``Authorization: Bearer fl_…`` or
``X-Device-Token: fl_…``), then the browser session, which must send Django's CSRF token
(``X-CSRFToken``) on unsafe methods. Errors are JSON ``{"code", "message", "details"}``;
every operation declares every status it can answer (``ERRORS``), and a 422 names the field
and the rule that failed.
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation, ValidationError
from django.db import DataError, IntegrityError, InterfaceError, OperationalError
from django.http import Http404
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, APIKeyHeader, HttpBearer
from ninja.utils import check_csrf

from frontline.accounts.models import DeviceToken
from frontline.core import text as text_rules
from frontline.core.apikit import ERRORS, MESSAGES, Conflict, CsrfFailed, ErrorOut  # noqa: F401  (re-exported)

log = logging.getLogger(__name__)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


class DeviceTokenAuth(HttpBearer):
    openapi_description = "Per-device token (field phone, lab system): `Authorization: Bearer fl_…`."

    def authenticate(self, request, token):
        user = DeviceToken.objects.authenticate(token)
        if user is not None:
            request.user = user
            request.auth_via_token = True
        return user


class DeviceTokenHeader(APIKeyHeader):
    openapi_description = "The same per-device token in an `X-Device-Token` header."
    param_name = "X-Device-Token"

    def authenticate(self, request, key):
        return DeviceTokenAuth().authenticate(request, key)


class SessionAuth(APIKeyCookie):
    """The browser's Django session.

    Unlike ninja's own SessionAuth, the CSRF check runs only once a session user is found, so a
    request with no credentials at all is answered 401 (not a CSRF 403).
    """

    openapi_description = "The browser session cookie; unsafe methods need the `X-CSRFToken` header."
    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self):
        super().__init__(csrf=True)

    def _get_key(self, request):
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        exempt = getattr(request, "_ninja_csrf_exempt", False)
        if request.method not in SAFE_METHODS and not exempt and check_csrf(request):
            raise CsrfFailed()
        return user


AUTH = [DeviceTokenAuth(), DeviceTokenHeader(), SessionAuth()]


class FrontlineAPI(NinjaAPI):
    """ninja's API, saying what a schema pattern refused when it refused a control character
    ("contains a control character (U+0001, character 2)…", rule ``control_character``) instead
    of "String should match pattern '^[^\\x00-…'". ninja drops each error's input before the
    handler sees it, so this is done where the input is still there."""

    def on_exception(self, request, exc):
        # An error raised during a write: its transaction rolls back (ApiTransactionMiddleware),
        # whatever status the handler answers.
        request._api_failed = True
        return super().on_exception(request, exc)

    def validation_error_from_error_contexts(self, error_contexts):
        exc = super().validation_error_from_error_contexts(error_contexts)
        inputs = [err.get("input") for context in error_contexts for err in context.pydantic_validation_error.errors(include_url=False)]
        for err, value in zip(exc.errors, inputs, strict=False):
            if err.get("type") == "string_pattern_mismatch" and isinstance(value, str):
                loc = [str(p) for p in err.get("loc", ())]
                control = text_rules.control_message(value, multiline=bool(loc) and loc[-1] in text_rules.MULTILINE_FIELDS)
                if control:
                    err["type"], err["msg"] = "control_character", str(control)
        return exc


api = FrontlineAPI(
    title="Frontline API",
    version="1",
    description=(
        "Areas, households and residents of a community command post, scoped to the areas the "
        "caller's roles cover: records outside scope answer 404. ID numbers and phones are masked; "
        "`POST /residents/{id}/reveal` shows one and writes an audit row."
    ),
    urls_namespace="api",
    auth=AUTH,
    docs=Swagger(settings={"validatorUrl": None}),  # the default validator badge loads from swagger.io
    docs_url="/docs",
    openapi_url="/openapi.json",
)

_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
          409: "conflict", 422: "invalid", 429: "throttled"}


def error(request, status, code, message, details=None):
    return api.create_response(request, {"code": code, "message": str(message), "details": details}, status=status)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error(request, 404, "not_found", MESSAGES["not_found"])


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return error(request, 403, "forbidden", str(exc) or MESSAGES["forbidden"])


@api.exception_handler(AuthenticationError)
def _unauthorized(request, exc):
    return error(request, 401, "unauthorized", MESSAGES["unauthorized"])


def _field_errors(exc: ValidationError) -> list[dict]:
    """[{field, rule, message}] from a Django ValidationError (field "" for non-field errors)."""
    if hasattr(exc, "error_dict"):
        items = [(field, err) for field, errors in exc.error_dict.items() for err in errors]
    else:
        items = [("", err) for err in exc.error_list]
    result = []
    for field, err in items:
        field = "" if field == "__all__" else field
        result.append({"field": field, "rule": err.code or "invalid", "message": " ".join(err.messages)})
    return result


def _message(errors: list[dict]) -> str:
    return "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors)


_UNIQUE_CODES = {"unique", "unique_together"}


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    errors = _field_errors(exc)
    if errors and all(e["rule"] in _UNIQUE_CODES for e in errors):
        # Well formed, but another record already holds the value: a conflict with the state.
        return error(request, 409, "conflict", _message(errors), errors)
    return error(request, 422, "invalid", _message(errors), errors)


_LOC_NOISE = {"body", "query", "path", "header", "cookie", "payload", "filters"}


@api.exception_handler(NinjaValidationError)
def _schema_invalid(request, exc):
    errors = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ()) if str(p) not in _LOC_NOISE]
        errors.append({"field": ".".join(loc), "rule": err.get("type", "invalid"), "message": err.get("msg", "")})
    return error(request, 422, "invalid", _message(errors), errors)


@api.exception_handler(HttpError)
def _http_error(request, exc):
    code = getattr(exc, "code", None) or _CODES.get(exc.status_code, "error")
    message = str(exc)
    if exc.status_code == 400 and message.startswith("Cannot parse request body"):
        message = MESSAGES["bad_json"]
    return error(request, exc.status_code, code, message)


@api.exception_handler(IntegrityError)
def _integrity_error(request, exc):
    # A constraint caught what the service's checks did not (e.g. two requests racing).
    log.warning("API write refused by a database constraint: %s", exc)
    return error(request, 409, "conflict", MESSAGES["conflict"])


@api.exception_handler(RequestDataTooBig)
def _too_large(request, exc):
    from frontline.core.middleware import upload_limit

    return error(request, 413, "too_large", str(MESSAGES["too_large"]) % {"size": upload_limit()})


@api.exception_handler(SuspiciousOperation)
def _suspicious(request, exc):
    # What Django answers 400 for (a malformed request).
    log.warning("API request refused as suspicious: %s", type(exc).__name__)
    return error(request, 400, "bad_request", MESSAGES["bad_request"])


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def _database_unavailable(request, exc):
    # The database is gone (restarting, disk full, network): the write's transaction is lost.
    log.error("API request failed: database unavailable (%s)", type(exc).__name__, exc_info=exc)
    return error(request, 503, "unavailable", MESSAGES["unavailable"])


@api.exception_handler(Exception)
def _server_error(request, exc):
    # Anything else: logged with its traceback as Django logs a 500, answered in JSON; the
    # write's transaction rolls back (ApiTransactionMiddleware).
    log.error("Internal Server Error: %s", request.path, exc_info=exc, extra={"status_code": 500, "request": request})
    return error(request, 500, "server_error", MESSAGES["server_error"])


@api.exception_handler(DataError)
def _data_error(request, exc):
    # The database refused a value the schema let through (e.g. a number out of its range).
    log.warning("API input refused by the database: %s", type(exc).__name__)
    return error(request, 422, "invalid", MESSAGES["out_of_range"])


@csrf_exempt
def unknown_endpoint(request, rest=""):
    """Any other URL under /api/v1/ answers a JSON 404, not the HTML page."""
    from django.http import JsonResponse

    return JsonResponse({"code": "not_found", "message": str(MESSAGES["no_endpoint"]), "details": None}, status=404)


def _register_routers():
    from frontline.core.registry import frontline_apps, resolve

    for app in frontline_apps():
        for prefix, reference in app.api_routers.items():
            api.add_router(f"/{prefix}", resolve(reference))


_register_routers()
