"""The JSON API at /api/v1/: one NinjaAPI, each app adds its router.

Authentication: the browser session (with CSRF) or a per-device token
(``Authorization: Bearer fl_…``). Errors are JSON ``{"code": ..., "message": ...}``.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from frontline.accounts.models import DeviceToken


class ErrorOut(Schema):
    code: str
    message: str
    details: dict | list | None = None


class DeviceTokenAuth(HttpBearer):
    openapi_description = "Per-device token issued by an administrator (field phone, lab system)."

    def authenticate(self, request, token):
        user = DeviceToken.objects.authenticate(token)
        if user is not None:
            request.user = user
            request.auth_via_token = True
        return user


class DeviceTokenHeader(APIKeyHeader):
    param_name = "X-Device-Token"

    def authenticate(self, request, key):
        return DeviceTokenAuth().authenticate(request, key)


AUTH = [DeviceTokenAuth(), DeviceTokenHeader(), SessionAuth()]

# Every operation documents these; schemathesis checks that nothing else is answered.
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}

api = NinjaAPI(
    title="Frontline API",
    version="1",
    urls_namespace="api",
    auth=AUTH,
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def error(request, status, code, message, details=None):
    return api.create_response(request, {"code": code, "message": str(message), "details": details}, status=status)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error(request, 404, "not_found", "Not found.")


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return error(request, 403, "forbidden", str(exc) or "Forbidden.")


@api.exception_handler(AuthenticationError)
def _unauthorized(request, exc):
    return error(request, 401, "unauthorized", "Authentication required.")


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    details = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
    message = "; ".join(f"{k}: {' '.join(v)}" for k, v in details.items()) if isinstance(details, dict) else " ".join(details)
    return error(request, 422, "invalid", message, details)


@api.exception_handler(NinjaValidationError)
def _schema_invalid(request, exc):
    return error(request, 422, "invalid", "The request does not match the schema.", exc.errors)


@api.exception_handler(HttpError)
def _http_error(request, exc):
    return error(request, exc.status_code, getattr(exc, "code", "error"), str(exc))


class Conflict(HttpError):
    code = "conflict"

    def __init__(self, message):
        super().__init__(409, message)


def _register_routers():
    from importlib import import_module

    for app in ("areas", "residents", "accounts", "screening", "checkpoints"):
        try:
            module = import_module(f"frontline.{app}.api")
        except ModuleNotFoundError as exc:
            if exc.name != f"frontline.{app}.api" and exc.name != f"frontline.{app}":
                raise
            continue
        api.add_router(f"/{module.PREFIX}", module.router)


_register_routers()
